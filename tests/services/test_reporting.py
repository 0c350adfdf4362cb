from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Engine

from bot.core.errors import NotFoundError
from bot.core.model import SECONDS_PER_DAY, Activity, Channel, Kind, Member, date_to_day
from bot.core.scoring import ScoringParams, ThresholdParams
from bot.core.summary import Quadrant
from bot.services.reporting import TeamConfig, orbit_summary
from storage import activities as store
from storage import directory as people

AS_OF = date(2026, 6, 30)
DAY = date_to_day(AS_OF)
TEAM = TeamConfig("platform-team", admins=("UADMIN",))


def message(i: int, actor: str, day: int = DAY, channel: str = "C1") -> Activity:
    return Activity(f"post:{channel}:{i}", Kind.MESSAGE, actor, channel, day * SECONDS_PER_DAY + i)


def setup_people(engine: Engine) -> None:
    with engine.begin() as conn:
        people.upsert_members(
            conn,
            [Member(m, m.lower()) for m in ("A", "B", "S", "T", "UADMIN")]
            + [Member("BOT", "bot", is_bot=True)],
        )
        people.upsert_channels(
            conn,
            [
                Channel("C1", "general", ("A", "B", "S", "T", "UADMIN")),
                Channel("C2", "help", ("A", "B")),
                Channel("CT", "platform-team", ("T",)),
            ],
        )


def test_team_and_bots_never_appear_in_community_numbers(db_engine: Engine) -> None:
    setup_people(db_engine)
    store.record(db_engine, [message(1, "A"), message(2, "T"), message(3, "UADMIN")])
    summary = orbit_summary(db_engine, ScoringParams(), TEAM, as_of=AS_OF)
    ids = {m.id for m in summary.members}
    assert ids == {"A", "B", "S"}
    assert {t.id for t in summary.team} == {"T", "UADMIN"}
    assert summary.counts["silent"] == 2
    assert [m.id for m in summary.members if not m.silent] == ["A"]


def test_channel_view_counts_only_that_channel(db_engine: Engine) -> None:
    setup_people(db_engine)
    store.record(db_engine, [message(1, "A", channel="C1"), message(2, "B", channel="C2")])
    help_view = orbit_summary(db_engine, ScoringParams(), TEAM, as_of=AS_OF, channel="#help")
    assert help_view.channel == "help"
    assert {m.id: m.silent for m in help_view.members} == {"A": True, "B": False}
    with pytest.raises(NotFoundError, match="no channel named 'nope'; known channels: "):
        orbit_summary(db_engine, ScoringParams(), TEAM, as_of=AS_OF, channel="nope")


def test_hysteresis_keeps_a_member_in_place_until_they_cross_by_ten_percent(
    db_engine: Engine,
) -> None:
    """Love threshold fixed at 10. A starts at 12 (a fan); as it decays to 9.25 (inside the 10%
    band) A stays a fan; at 8.24 (more than 10% below) A becomes an observer."""
    setup_people(db_engine)
    params = ScoringParams(
        thresholds=ThresholdParams(love=10, reach=100, hysteresis=0.1),
    )
    # Four messages today: love 12 (capped) -> fan.
    store.record(db_engine, [message(i, "A") for i in range(4)])
    first = orbit_summary(db_engine, params, TEAM, as_of=AS_OF, keep_snapshot=True)
    assert {m.id: m.quadrant for m in first.members}["A"] is Quadrant.FAN

    later = date.fromordinal(AS_OF.toordinal() + 11)  # 12 * 0.5 ** (11 / 30) = 9.25
    second = orbit_summary(db_engine, params, TEAM, as_of=later, keep_snapshot=True)
    a = next(m for m in second.members if m.id == "A")
    assert 9.0 < a.love < 10.0
    assert a.quadrant is Quadrant.FAN, "inside the band the previous quadrant is kept"
    assert second.previous_counts == first.counts

    much_later = date.fromordinal(AS_OF.toordinal() + 16)  # 12 * 0.5 ** (16 / 30) = 8.24
    third = orbit_summary(db_engine, params, TEAM, as_of=much_later)
    a = next(m for m in third.members if m.id == "A")
    assert a.love < 9.0
    assert a.quadrant is Quadrant.OBSERVER


def test_latest_as_of_is_the_newest_activity_day(db_engine: Engine) -> None:
    setup_people(db_engine)
    store.record(db_engine, [message(1, "A", day=DAY - 40), message(2, "B", day=DAY - 3)])
    summary = orbit_summary(db_engine, ScoringParams(), TEAM)
    assert summary.as_of == date.fromordinal(AS_OF.toordinal() - 3)
