from __future__ import annotations

from sqlalchemy import Engine, select

from bot.core.model import ChatMessage, Member
from bot.core.scoring import ScoringParams
from bot.services.live import Recorder
from bot.services.orbit import OrbitService
from bot.services.reporting import TeamConfig
from storage.sql import ACTIVITY, CHANNEL_MEMBER, MEMBER, MEMBER_DAY

TS = "1782777600.000100"  # 2026-06-30


class FakePeople:
    """The chat platform's directory, as a test double of the PeopleSource port."""

    def __init__(self, members: dict[str, Member], channels: dict[str, list[str]]) -> None:
        self.members = members
        self.channels = channels
        self.lookups: list[str] = []

    def member(self, member_id: str) -> Member | None:
        self.lookups.append(member_id)
        return self.members.get(member_id)

    def channel_members(self, channel_id: str) -> list[str]:
        return self.channels.get(channel_id, [])


def recorder(engine: Engine) -> tuple[Recorder, FakePeople]:
    people = FakePeople(
        {
            "U1": Member("U1", "Ada"),
            "U2": Member("U2", "Bob"),
            "U3": Member("U3", "Cy"),
            "UB": Member("UB", "deploy-bot", is_bot=True),
        },
        {"CT": ["U3"]},
    )
    return Recorder(engine, people_source=people, self_id="UPULSE"), people


def stored(engine: Engine) -> dict[str, tuple[str, str, str | None]]:
    with engine.connect() as conn:
        return {
            r.key: (r.kind, r.actor, r.target)
            for r in conn.execute(
                select(ACTIVITY.c.key, ACTIVITY.c.kind, ACTIVITY.c.actor, ACTIVITY.c.target)
            )
        }


def test_messages_replies_and_names_from_the_directory(db_engine: Engine) -> None:
    rec, people = recorder(db_engine)
    rec.message(ChatMessage("C1", TS, "U1", "docs are great <@U2>", thread_ts=TS))
    rec.message(ChatMessage("C1", "1782777700.000200", "U2", "agreed", thread_ts=TS))
    assert stored(db_engine) == {
        f"post:C1:{TS}": ("message", "U1", None),
        f"mention:C1:{TS}:U2": ("mention", "U1", "U2"),
        "post:C1:1782777700.000200": ("reply", "U2", "U1"),  # starter found in storage
    }
    with db_engine.connect() as conn:
        names = dict(conn.execute(select(MEMBER.c.id, MEMBER.c.name)).all())
    assert names == {"U1": "Ada", "U2": "Bob"}
    rec.message(ChatMessage("C1", "1782777800.000300", "U1", "again"))
    assert people.lookups.count("U1") == 1, "the directory is asked once per person"


def test_bots_found_through_the_directory_and_the_bot_itself_are_ignored(db_engine: Engine) -> None:
    rec, _ = recorder(db_engine)
    assert rec.message(ChatMessage("C1", TS, "UB", "deployed")) == 0
    assert rec.message(ChatMessage("C1", "1782777601.0", "UPULSE", "survey!")) == 0
    assert stored(db_engine) == {}


def test_an_edit_replaces_mentions_and_keeps_reactions(db_engine: Engine) -> None:
    rec, _ = recorder(db_engine)
    rec.message(ChatMessage("C1", TS, "U1", "thanks <@U2>"))
    rec.reaction_added("C1", TS, "U3", "tada", "U1", float(TS))
    rec.message_changed(ChatMessage("C1", TS, "U1", "thanks <@U3>"))
    assert stored(db_engine) == {
        f"post:C1:{TS}": ("message", "U1", None),
        f"mention:C1:{TS}:U3": ("mention", "U1", "U3"),
        f"react:C1:{TS}:U3:tada": ("reaction", "U3", "U1"),
    }


def test_deleting_a_message_or_a_reaction_removes_it_and_its_rollups(db_engine: Engine) -> None:
    rec, _ = recorder(db_engine)
    rec.message(ChatMessage("C1", TS, "U1", "hello <@U2>"))
    rec.reaction_added("C1", TS, "U2", "wave", "U1", float(TS))
    assert rec.reaction_removed("C1", TS, "U2", "wave") == 1
    assert rec.message_deleted("C1", TS) == 2
    assert stored(db_engine) == {}
    with db_engine.connect() as conn:
        assert conn.execute(select(MEMBER_DAY)).all() == []


def test_joins_record_membership_once_and_leaving_ends_it(db_engine: Engine) -> None:
    rec, _ = recorder(db_engine)
    assert rec.member_joined("C1", "U2", float(TS)) == 1
    assert rec.member_joined("C1", "U2", float(TS) + 5) == 0
    with db_engine.connect() as conn:
        assert conn.execute(select(CHANNEL_MEMBER.c.member_id)).scalars().all() == ["U2"]
    rec.member_left("C1", "U2")
    with db_engine.connect() as conn:
        assert conn.execute(select(CHANNEL_MEMBER)).all() == []
    assert "join:C1:U2" in stored(db_engine)


def test_opt_out_stops_collection_and_erases_then_opt_in_resumes(db_engine: Engine) -> None:
    rec, _ = recorder(db_engine)
    orbit = OrbitService(db_engine, ScoringParams(), TeamConfig("platform-team"))
    rec.message(ChatMessage("C1", TS, "U1", "hi <@U2>"))
    rec.message(ChatMessage("C1", "1782777700.0", "U2", "hey", thread_ts=TS))
    answer = orbit.answer("U1", "optout")
    assert (answer.action, answer.erased) == ("optout", 3)  # 2 own + U2's reply loses its target
    rec.invalidate()
    assert rec.message(ChatMessage("C1", "1782777800.0", "U1", "still here")) == 0
    assert stored(db_engine) == {"post:C1:1782777700.0": ("reply", "U2", None)}
    assert orbit.answer("U1", "optout").action == "already_opted_out"
    assert orbit.answer("U1", "optin").action == "optin"
    rec.invalidate()
    assert rec.message(ChatMessage("C1", "1782777900.0", "U1", "back")) == 1


def test_platform_channel_sync_makes_the_team(db_engine: Engine) -> None:
    rec, _ = recorder(db_engine)
    assert rec.sync_channel("CT", "platform-team") == 1
    orbit = OrbitService(db_engine, ScoringParams(), TeamConfig("platform-team"))
    assert orbit.is_team("U3")
    assert not orbit.is_team("U1")
    assert orbit.answer("U1", "").kind.value == "refused"
    assert orbit.answer("U3", "").kind.value == "summary"
