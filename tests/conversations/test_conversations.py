"""One suite of conversations, run against every chat platform the bot speaks: the same signals
are stored, /orbit says the same things with the same authorisation, a survey is answered and
closed with the same results, and the digest reaches the platform team."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.sql import ACTIVITY
from tests.adapters.slack.test_bolt_app import eventually
from tests.adapters.teams.driver import teams_driver
from tests.conversations.drivers import DRIVERS, MEMBERS, TEAM, Driver

#: Slack, the console and Teams (its driver builds on this package's seed data, hence here).
PLATFORMS = {**DRIVERS, "teams": teams_driver}

pytestmark = [  # the Teams SDK warns about the preview API it offers for targeted messages
    pytest.mark.filterwarnings("ignore:.*ExperimentalTeamsTargeted"),
    pytest.mark.filterwarnings("ignore:The bot client is deprecated:DeprecationWarning"),
]


@pytest.fixture(params=sorted(PLATFORMS))
def chat(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Driver]:
    with PLATFORMS[request.param](tmp_path) as driver:
        yield driver


def stored(chat: Driver) -> list[tuple[str, str, str | None]]:
    with chat.engine.connect() as conn:
        rows = conn.execute(select(ACTIVITY.c.kind, ACTIVITY.c.actor, ACTIVITY.c.target))
        return sorted((r.kind, r.actor, r.target) for r in rows)


def test_messages_replies_and_reactions_are_the_same_signals(chat: Driver) -> None:
    first = chat.post("U1", "the new deploy pipeline is great")
    chat.post("U2", "agreed, it saved me an hour", reply_to=first)
    chat.react("U3", first, "tada")
    expected = [
        ("message", "U1", None),
        ("reaction", "U3", "U1"),
        ("reply", "U2", "U1"),
    ]
    eventually(lambda: stored(chat) == expected)


def test_orbit_answers_and_authorisation_are_the_same(chat: Driver) -> None:
    post = chat.post("U1", "how do I get a database?")
    for member in MEMBERS[1:4]:
        chat.post(member, "try the self-service portal", reply_to=post)
    eventually(lambda: len(stored(chat)) == 4)
    team_view = chat.orbit(TEAM, "")
    assert "Multipliers" in team_view or "multiplier" in team_view.lower()
    assert "Surveys" in team_view
    refused = chat.orbit("U1", "")
    assert "platform team" in refused
    own = chat.orbit("U1", "me")
    assert "Your orbit" in own
    helped = chat.orbit("U2", "help")
    assert "/orbit me" in helped
    assert "/orbit digest" not in helped  # team verbs are not offered to others


def test_a_survey_is_answered_and_closed_with_the_same_results(chat: Driver) -> None:
    survey = "\n".join(chat.start_survey("pulse"))
    assert "Platform pulse" in survey
    for member, value in zip(MEMBERS[:5], ["5", "4", "4", "3", "4"], strict=True):
        confirmation = chat.answer(member, 1, value)
        assert "Thanks" in confirmation
    assert "Thanks" in chat.answer("U2", 1, "5")  # a changed answer
    results = chat.close_survey()
    assert "You said" in results
    assert "4.2" in results  # (5 + 5 + 4 + 3 + 4) / 5
    with chat.engine.connect() as conn:
        kinds = conn.execute(select(ACTIVITY.c.actor).where(ACTIVITY.c.kind == "survey_answer"))
        assert sorted(kinds.scalars()) == MEMBERS[:5]


def test_the_digest_reaches_the_platform_team(chat: Driver) -> None:
    first = chat.post("U1", "office hours today at 3")
    chat.post("U2", "I'll come", reply_to=first)
    eventually(lambda: len(stored(chat)) == 2)
    digest = chat.digest()
    assert "Community digest" in digest
    assert "Active members" in digest
    assert "Who to listen to" in digest
