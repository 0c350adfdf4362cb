"""End to end: real Teams activity JSON posted to ``/api/messages`` of the bot served by uvicorn
(the Teams SDK's app with request authentication off), the real services on a SQLite file, and
a fake Bot Connector on localhost receiving what the bot posts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from bot.adapters.teams.references import load_references
from storage.sql import ACTIVITY, CHANNEL, CHANNEL_MEMBER, MEMBER, SURVEY_ANSWER, SURVEY_RUN
from tests.adapters.teams.fake_connector import Call, FakeConnector, account
from tests.adapters.teams.harness import (
    BOT,
    GENERAL,
    TEAM_ID,
    Clock,
    Teams,
    TeamsBot,
    launch,
)

#: The Teams SDK warns about its preview features (targeted messages) and its own deprecations.
pytestmark = [
    pytest.mark.filterwarnings("ignore:.*ExperimentalTeamsTargeted"),
    pytest.mark.filterwarnings("ignore:The bot client is deprecated:DeprecationWarning"),
]

SLOT = datetime(2026, 11, 24, 10, 0, 5, tzinfo=UTC)
MEMBERS = ["U1", "U2", "U3", "U4", "U5", "U6"]


@pytest.fixture
def fake() -> Iterator[FakeConnector]:
    with FakeConnector() as connector:
        connector.add_members(TEAM_ID, [account("UTEAM", "Tess")])
        yield connector


@pytest.fixture
def bot(fake: FakeConnector, tmp_path: Path) -> Iterator[TeamsBot]:
    running = launch(fake, tmp_path / "pulse.db", clock=Clock(SLOT))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def teams(fake: FakeConnector) -> Teams:
    return Teams(fake.url)


def rows(engine: Engine) -> list[tuple[str, str, str | None]]:
    with engine.connect() as conn:
        found = conn.execute(select(ACTIVITY.c.kind, ACTIVITY.c.actor, ACTIVITY.c.target))
        return sorted((r.kind, r.actor, r.target) for r in found)


def ok(bot: TeamsBot, activity: dict[str, Any]) -> None:
    response = bot.post(activity)
    assert response.status_code == 200, response.text


def install_platform_team(bot: TeamsBot, teams: Teams) -> None:
    """The app is added to the platform team: its General channel (the team's id, no name)."""
    ok(bot, teams.installed(channel=TEAM_ID, name=None, team=TEAM_ID, team_name="Platform Team"))
    bot.settle()


def personal(bot: TeamsBot, fake: FakeConnector, teams: Teams, member: str, text: str) -> Call:
    """``text`` in the member's personal chat with the bot; the card it answered."""
    before = len(fake.sent("post", f"a:personal-29:{member}"))
    ok(bot, teams.personal(member, text))
    calls = fake.wait_for(lambda c: c.conversation == f"a:personal-29:{member}", before + 1)
    return calls[-1]


def card_texts(card: dict[str, Any]) -> str:
    return json.dumps(card, ensure_ascii=False)


# --------------------------------------------------------------------------- signals


def test_channel_messages_mentions_and_replies_are_recorded(
    bot: TeamsBot, teams: Teams, fake: FakeConnector
) -> None:
    first = teams.message("U1", "the <b>new</b> pipeline is great", mentions=["U2"])
    ok(bot, first)
    ok(bot, teams.message("U2", "agreed!", thread=first["id"]))
    bot.settle()
    assert rows(bot.engine) == [
        ("mention", "U1", "U2"),
        ("message", "U1", None),
        ("reply", "U2", "U1"),
    ]
    with bot.engine.connect() as conn:
        keys = set(conn.execute(select(ACTIVITY.c.key)).scalars())
        channels = conn.execute(select(CHANNEL.c.id, CHANNEL.c.name)).all()
        names = dict(conn.execute(select(MEMBER.c.id, MEMBER.c.name)).all())
    assert names == {"U1": "u1", "U2": "u2"}  # the mentioned member is named too
    assert f"post:{GENERAL}:1795417200.000" in keys  # Teams' message id as the message's ts
    assert channels == [(GENERAL, "general")]
    # The bot keeps what it needs to post in the channel on its own later.
    [reference] = load_references(bot.runtime.references.path).values()
    assert (reference.conversation_id, reference.service_url) == (GENERAL, fake.url)
    assert reference.bot_id == BOT
    assert fake.calls == []  # nothing to say about ordinary talk


def test_object_ids_are_one_member_whether_posting_or_mentioned(
    bot: TeamsBot, teams: Teams
) -> None:
    message = teams.message("U1", "thanks", mentions=[])
    message["from"]["aadObjectId"] = "6f1c0a52-3d6e-4bb1-9c7e-1a2b3c4d5e6f"
    mention = {
        "type": "mention",
        "text": "<at>Ada</at>",
        "mentioned": {
            "id": "29:ada",
            "name": "Ada",
            "aadObjectId": "6F1C0A52-3D6E-4BB1-9C7E-1A2B3C4D5E6F",
        },
    }
    other = teams.message("U2", "ping <at>Ada</at>")
    other["entities"] = [mention]
    ok(bot, message)
    ok(bot, other)
    bot.settle()
    member = "6F1C0A52-3D6E-4BB1-9C7E-1A2B3C4D5E6F"
    assert rows(bot.engine) == [
        ("mention", "U2", member),
        ("message", member, None),
        ("message", "U2", None),
    ]


def test_reactions_are_added_and_removed(bot: TeamsBot, teams: Teams) -> None:
    post = teams.message("U1", "office hours at 3")
    ok(bot, post)
    ok(bot, teams.reaction("U3", post["id"], added=["like", "heart"]))
    bot.settle()
    assert rows(bot.engine) == [
        ("message", "U1", None),
        ("reaction", "U3", "U1"),
        ("reaction", "U3", "U1"),
    ]
    with bot.engine.connect() as conn:
        keys = sorted(
            conn.execute(select(ACTIVITY.c.key).where(ACTIVITY.c.kind == "reaction")).scalars()
        )
    assert keys == [
        f"react:{GENERAL}:1795417200.000:U3:+1",
        f"react:{GENERAL}:1795417200.000:U3:heart",
    ]
    ok(bot, teams.reaction("U3", post["id"], removed=["like"]))
    bot.settle()
    assert rows(bot.engine) == [("message", "U1", None), ("reaction", "U3", "U1")]


def test_members_added_join_the_channel(bot: TeamsBot, teams: Teams) -> None:
    ok(bot, teams.members_added(["U4", "U5"]))
    bot.settle()
    assert rows(bot.engine) == [("join", "U4", None), ("join", "U5", None)]
    with bot.engine.connect() as conn:
        members = conn.execute(select(CHANNEL_MEMBER.c.channel_id, CHANNEL_MEMBER.c.member_id))
        assert sorted(members) == [(GENERAL, "U4"), (GENERAL, "U5")]
        names = dict(conn.execute(select(MEMBER.c.id, MEMBER.c.name)).all())
    assert names == {"U4": "u4", "U5": "u5"}


def test_malformed_activities_are_refused_and_nothing_is_stored(
    bot: TeamsBot, teams: Teams, fake: FakeConnector
) -> None:
    no_sender = teams.message("U1", "hello")
    del no_sender["from"]
    no_target = teams.reaction("U1", "1795417200000", added=["like"])
    del no_target["replyToId"]
    bad_mention = teams.message("U1", "hi <at>x</at>")
    bad_mention["entities"] = [{"type": "mention", "text": "<at>x</at>"}]
    bad_value = teams.submit("U1", {})
    bad_value["value"] = "survey_answer"
    cases: list[tuple[dict[str, Any] | bytes, str]] = [
        (b"{not json", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (no_sender, "'from' is missing"),
        (no_target, "'replyToId' is missing"),
        (bad_mention, "mentioned.id"),
        (bad_value, "not an object"),
        ({**teams.message("U1", "x"), "conversation": {"id": 42}}, "'id' is not a string"),
        ({**teams.message("U1", "x"), "type": 7}, "'type' is not a string"),
    ]
    for body, why in cases:
        response = bot.post(body)
        assert response.status_code == 400, (why, response.text)
        assert why in response.json()["error"]
    bot.settle()
    assert rows(bot.engine) == []
    with bot.engine.connect() as conn:
        assert conn.execute(select(CHANNEL.c.id)).all() == []
    assert fake.calls == []


def test_requests_without_a_bot_framework_token_are_refused(
    fake: FakeConnector, teams: Teams, tmp_path: Path
) -> None:
    guarded = launch(fake, tmp_path / "auth.db", authenticate=True)
    try:
        response = guarded.post(teams.message("U1", "hello"))
        assert response.status_code == 401
        guarded.settle()
        assert rows(guarded.engine) == []
        assert guarded.post(b"{oops").status_code == 400
    finally:
        guarded.stop()


def test_health(bot: TeamsBot) -> None:
    import httpx

    response = httpx.get(f"{bot.url}/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True}


# --------------------------------------------------------------------------- /orbit


def test_orbit_in_a_personal_chat_for_the_team_and_refused_to_others(
    bot: TeamsBot, teams: Teams, fake: FakeConnector
) -> None:
    install_platform_team(bot, teams)
    with bot.engine.connect() as conn:  # the team's members came from the Bot Connector
        team = conn.execute(select(CHANNEL_MEMBER.c.channel_id, CHANNEL_MEMBER.c.member_id))
        assert list(team) == [(TEAM_ID, "UTEAM")]
        assert conn.execute(select(CHANNEL.c.name).where(CHANNEL.c.id == TEAM_ID)).scalar() == (
            "platform-team"
        )
    post = teams.message("U1", "how do I get a database?")
    ok(bot, post)
    for member in ["U2", "U3"]:
        ok(bot, teams.message(member, "try the portal", thread=post["id"]))
    summary = personal(bot, fake, teams, "UTEAM", "orbit")
    assert summary.card["type"] == "AdaptiveCard"
    assert summary.card["version"] == "1.5"
    assert "Multipliers" in summary.text
    assert "Who to listen to" in summary.text
    assert "**Platform team** (not scored): Tess" in summary.text  # named from the roster
    assert summary.body["from"]["id"] == BOT
    refused = personal(bot, fake, teams, "U1", "orbit")
    assert "platform team" in refused.text
    assert "Multipliers" not in refused.text
    own = personal(bot, fake, teams, "U1", "orbit me")
    assert "Your orbit" in own.text
    helped = personal(bot, fake, teams, "U2", "hello there")  # anything else: the help
    assert "/orbit me" in helped.text
    assert "/orbit digest" not in helped.text
    ask = teams.personal("UTEAM", "orbit <at>u1</at>")
    ask["entities"] = [{"type": "mention", "text": "<at>u1</at>", "mentioned": account("U1")}]
    ok(bot, ask)
    detail = fake.wait_for(lambda c: c.conversation == "a:personal-29:UTEAM", 2)[-1]
    assert "u1" in detail.text  # the member, by name
    assert "I don't know" not in detail.text
    assert "<@U1>" not in detail.text


def test_orbit_by_mentioning_the_bot_in_a_channel_is_answered_to_the_asker_only(
    bot: TeamsBot, teams: Teams, fake: FakeConnector
) -> None:
    ok(bot, teams.message("U1", "orbit me", mention_bot=True))
    [answer] = fake.wait_for(lambda c: c.kind == "targeted")
    assert answer.conversation == GENERAL
    assert answer.recipient == "29:U1"
    assert answer.body["recipient"]["isTargeted"] is True
    assert "Your orbit" in answer.text
    bot.settle()
    assert rows(bot.engine) == [("message", "U1", None)]  # still a post in the channel
    # A tenant without targeted messages: the answer goes to the member's personal chat.
    fake.fail("targeted", 403)
    ok(bot, teams.message("U2", "orbit help", mention_bot=True))
    [chat] = fake.wait_for(lambda c: c.conversation == "a:personal-29:U2")
    assert "/orbit me" in chat.text
    [created] = fake.sent("create")
    assert created.body["members"][0]["id"] == "29:U2"


# --------------------------------------------------------------------------- surveys


def survey_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        action
        for element in card["body"]
        if element["type"] == "ActionSet"
        for action in element["actions"]
    ]


def button(card: dict[str, Any], question: str, value: str) -> dict[str, Any]:
    for action in survey_actions(card):
        if action.get("data", {}).get("action_id") == f"survey_answer:{question}:{value}":
            return dict(action["data"])
    raise AssertionError(f"no button for {question}={value}")


def stored_answers(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        found = conn.execute(select(SURVEY_ANSWER.c.question_id, SURVEY_ANSWER.c.value))
        return sorted((r.question_id, r.value) for r in found)


def test_a_survey_is_posted_answered_by_card_and_closed(
    bot: TeamsBot, teams: Teams, fake: FakeConnector
) -> None:
    install_platform_team(bot, teams)
    ok(bot, teams.message("U1", "hi all"))  # the bot has seen #general
    schedule = "orbit survey schedule #general pulse 0 10 * * tue questions=3"
    assert "Scheduled" in personal(bot, fake, teams, "UTEAM", schedule).text
    refused = personal(bot, fake, teams, "U1", "orbit survey pulse #general")
    assert "platform team" in refused.text
    bot.runtime.scheduler.run_now(f"survey:{GENERAL}")  # the slot comes
    [posted] = fake.wait_for(lambda c: c.kind == "post" and c.conversation == GENERAL)
    survey = posted.card
    assert "Platform pulse" in card_texts(survey)
    survey_id = posted.response["id"]

    # Buttons: Action.Submit arrives as a message with the button's data as its value.
    for member, value in [("U1", "5"), ("U2", "4"), ("U3", "4"), ("U4", "3"), ("U5", "4")]:
        ok(bot, teams.submit(member, button(survey, "satisfaction", value), reply_to=survey_id))
    confirmations = fake.wait_for(lambda c: c.kind == "targeted", 5)
    assert {c.recipient for c in confirmations} == {f"29:{m}" for m in MEMBERS[:5]}
    assert all("Thanks" in c.text and "Only you can see" in c.text for c in confirmations)
    bot.settle()
    assert stored_answers(bot.engine) == [("satisfaction", v) for v in "34445"]

    # Action.Execute (an invoke) is answered in the HTTP response, to the member only.
    response = bot.post(teams.execute("U2", button(survey, "satisfaction", "5")))
    assert response.status_code == 200
    assert response.json()["type"] == "application/vnd.microsoft.activity.message"
    assert "Thanks" in response.json()["value"]

    # A written answer: the question's form opens in the card, its submit carries the text.
    show = next(a for a in survey_actions(survey) if a["type"] == "Action.ShowCard")
    form = show["card"]
    assert [e["type"] for e in form["body"][:2]] == ["TextBlock", "Input.Text"]
    data = dict(form["actions"][0]["data"])
    assert data["action_id"] == "survey_text_submit"
    ok(bot, teams.submit("U6", {**data, "answer": "builds are slow"}, reply_to=survey_id))
    ok(bot, teams.submit("U6", {**data, "answer": "   "}, reply_to=survey_id))  # refused
    bad = teams.submit("U6", {"action_id": "survey_answer:satisfaction:5", "value": "garbage"})
    ok(bot, bad)
    replies = fake.wait_for(lambda c: c.kind == "targeted" and c.recipient == "29:U6", 3)
    assert "written answer" in replies[0].text
    assert "Write a few words" in replies[1].text
    assert "not valid" in replies[2].text
    bot.settle()
    with bot.engine.connect() as conn:
        participants = conn.execute(
            select(ACTIVITY.c.actor).where(ACTIVITY.c.kind == "survey_answer")
        )
        assert sorted(set(participants.scalars())) == MEMBERS

    # Closing: the card is replaced, the results are posted in its thread.
    assert bot.runtime.surveys.close(_open_run(bot.engine))
    [update] = fake.wait_for(lambda c: c.kind == "update")
    assert update.conversation == GENERAL
    assert update.activity_id == survey_id
    assert "(closed)" in update.text
    thread = f"{GENERAL};messageid={survey_id}"
    [results] = fake.wait_for(lambda c: c.kind == "post" and c.conversation == thread)
    assert "You said" in results.text
    assert "4.2" in results.text  # (5 + 5 + 4 + 3 + 4) / 5: U2 changed 4 to 5
    assert "Not enough answers" in results.text  # last_task_ease: nobody answered
    assert "builds are slow" not in results.text

    # A late click: "this survey has closed", nothing changes.
    before = stored_answers(bot.engine)
    ok(bot, teams.submit("U3", button(survey, "satisfaction", "1"), reply_to=survey_id))
    [late] = fake.wait_for(lambda c: c.kind == "targeted" and c.recipient == "29:U3", 2)[1:]
    assert "closed" in late.text
    assert stored_answers(bot.engine) == before


def _open_run(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(SURVEY_RUN.c.id)).scalar_one())


def test_a_scheduled_survey_is_reminded_in_its_thread(
    fake: FakeConnector, teams: Teams, tmp_path: Path
) -> None:
    clock = Clock(SLOT)
    bot = launch(fake, tmp_path / "pulse.db", clock=clock)
    try:
        install_platform_team(bot, teams)
        ok(bot, teams.message("U1", "hi all"))
        said = personal(
            bot, fake, teams, "UTEAM", "orbit survey schedule #general pulse 0 10 * * tue"
        )
        assert "Scheduled" in said.text
        bot.runtime.scheduler.run_now(f"survey:{GENERAL}")
        [posted] = fake.wait_for(lambda c: c.kind == "post" and c.conversation == GENERAL)
        clock.now = SLOT + timedelta(hours=25)
        thread = f"{GENERAL};messageid={posted.response['id']}"
        [reminder] = fake.wait_for(lambda c: c.conversation == thread)
        assert "Reminder" in reminder.text
        assert "⏳" in reminder.text  # Slack's :hourglass_flowing_sand:
    finally:
        bot.stop()


def test_a_listed_reaction_answers_the_survey(
    bot: TeamsBot, teams: Teams, fake: FakeConnector
) -> None:
    install_platform_team(bot, teams)
    ok(bot, teams.message("U1", "hi"))
    said = personal(bot, fake, teams, "UTEAM", "orbit survey pulse #general")
    assert "Posted" in said.text
    assert "#general" in said.text
    [posted] = fake.wait_for(lambda c: c.kind == "post" and c.conversation == GENERAL)
    ok(bot, teams.reaction("U4", posted.response["id"], added=["5\ufe0f\u20e3"]))
    [confirmation] = fake.wait_for(lambda c: c.kind == "targeted")
    assert confirmation.recipient == "29:U4"
    assert "Thanks" in confirmation.text
    bot.settle()
    assert stored_answers(bot.engine) == [("satisfaction", "5")]
    ok(bot, teams.reaction("U4", posted.response["id"], removed=["5\ufe0f\u20e3"]))
    bot.settle()
    assert stored_answers(bot.engine) == []


# --------------------------------------------------------------------------- digest and experiments


def test_the_digest_is_posted_to_the_platform_team_with_its_pictures(
    bot: TeamsBot, teams: Teams, fake: FakeConnector
) -> None:
    install_platform_team(bot, teams)
    first = teams.message("U1", "office hours today")
    ok(bot, first)
    ok(bot, teams.message("U2", "I'll come", thread=first["id"]))
    said = personal(bot, fake, teams, "UTEAM", "orbit digest")
    assert "Posted the" in said.text
    [digest] = fake.sent("post", TEAM_ID)
    assert "Community digest" in digest.text
    images = [e for e in digest.card["body"] if e["type"] == "Image"]
    assert images, "the orbit map is in the card"
    assert all(i["url"].startswith("data:image/png;base64,") for i in images)
    assert "Orbit map" in images[0]["altText"]


def test_an_experiment_is_started_from_a_card_form(
    bot: TeamsBot, teams: Teams, fake: FakeConnector
) -> None:
    install_platform_team(bot, teams)
    form = personal(bot, fake, teams, "UTEAM", "orbit experiment new").card
    inputs = {e["id"]: e for e in form["body"] if e["type"].startswith("Input.")}
    assert {"hypothesis", "metric", "threshold", "start", "end"} <= set(inputs)
    assert inputs["metric"]["type"] == "Input.ChoiceSet"
    assert inputs["start"]["type"] == "Input.Date"
    data = {
        **form["actions"][0]["data"],
        "hypothesis": "If we hold office hours, more people answer each other",
        "action": "Office hours every Thursday",
        "metric": inputs["metric"]["choices"][0]["value"],  # quadrant count
        "param": "multiplier",
        "channel": "*",
        "direction": "increase",
        "threshold": "12",
        "start": inputs["start"]["value"],
        "end": inputs["end"]["value"],
    }
    chat = {"id": "a:personal-29:UTEAM", "conversationType": "personal", "tenantId": "tenant-1"}
    submit = teams.personal("UTEAM", "")
    submit.pop("text")
    ok(bot, {**submit, "value": data, "conversation": chat})
    started = fake.wait_for(lambda c: "started" in c.text, 2)
    assert {c.conversation for c in started} == {"a:personal-29:UTEAM", TEAM_ID}
    refused = teams.personal("U1", "")
    refused.pop("text")
    ok(bot, {**refused, "value": data})
    [answer] = fake.wait_for(lambda c: c.conversation == "a:personal-29:U1")
    assert "platform team" in answer.text


def test_posting_is_retried_when_throttled_and_given_up_when_refused(
    bot: TeamsBot, teams: Teams, fake: FakeConnector
) -> None:
    install_platform_team(bot, teams)
    ok(bot, teams.message("U1", "hi"))
    fake.fail("post", 429, conversation=GENERAL)  # throttled once: retried
    said = personal(bot, fake, teams, "UTEAM", "orbit survey pulse #general")
    assert "Posted" in said.text
    posts = [c for c in fake.calls if c.kind == "post" and c.conversation == GENERAL]
    assert [c.status for c in posts] == [429, 200]
    fake.fail("post", 403, conversation=GENERAL)  # removed from the team: given up, said so
    bot.runtime.surveys.clock = Clock(SLOT + timedelta(minutes=5))  # a later run
    said = personal(bot, fake, teams, "UTEAM", "orbit survey culture #general")
    assert "Teams said" in said.text
    assert "403" in said.text
    with bot.engine.connect() as conn:
        states = sorted(conn.execute(select(SURVEY_RUN.c.state)).scalars())
    assert states == ["failed", "open"]
