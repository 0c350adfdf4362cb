"""End to end: the weekly digest and experiments through the real Bolt app on waitress, the real
APScheduler and the fake Slack Web API. The bot's clock is pinned to Monday mornings; the data is
written the way the importer writes it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.model import Activity, Kind
from storage import activities
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.signing import post_action, view_submission_payload
from tests.adapters.slack.test_bolt_app import SECRET, eventually
from tests.adapters.slack.test_survey_flow import MEMBERS, Clock, Running, command, launch

FIRST = datetime(2026, 11, 16, 9, 0, 2, tzinfo=UTC)  # a Monday, just after 09:00
SECOND = FIRST + timedelta(days=7)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack_api:
        for member in [*MEMBERS, "UTEAM"]:
            slack_api.add_user(member, member.lower())
        slack_api.add_channel("CTEAM", "platform-team", ["UTEAM"])
        slack_api.add_channel("C1", "general", [*MEMBERS, "UTEAM"])
        yield slack_api


def noon(day: date) -> float:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()


def talk(bot: Running, author: str, responders: list[str], end: date, n: int) -> None:
    rows = []
    for i in range(n):
        day = end - timedelta(days=i)
        rows.append(Activity(f"post:C1:{author}:{day}", Kind.MESSAGE, author, "C1", noon(day)))
        rows += [
            Activity(
                f"post:C1:{r}:{author}:{day}", Kind.REPLY, r, "C1", noon(day) + 9, target=author
            )
            for r in responders
        ]
    activities.record(bot.engine, rows)


def pin(bot: Running, now: datetime) -> None:
    clock = Clock(now)
    bot.runtime.digest.clock = clock
    bot.runtime.digest.experiments.clock = clock
    bot.runtime.surveys.clock = clock


def team_posts(fake: FakeSlack) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_to("chat.postMessage") if c.params["channel"] == "CTEAM"]


def text_of(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def form_state(**values: str) -> dict[str, Any]:
    """``view.state.values`` as Slack sends it for the experiment form."""
    selects = {"metric", "channel"}
    state: dict[str, Any] = {}
    for name, value in values.items():
        if name in selects:
            element = {"type": "static_select", "selected_option": {"value": value}}
        elif name == "direction":
            element = {"type": "radio_buttons", "selected_option": {"value": value}}
        elif name in ("start", "end"):
            element = {"type": "datepicker", "selected_date": value}
        else:
            element = {"type": "plain_text_input", "value": value}
        state[name] = {name: element}
    return state


def submit(bot: Running, user: str, state: dict[str, Any]) -> tuple[int, bytes]:
    payload = view_submission_payload("experiment_new", state, user_id=user)
    status, _, body = post_action(bot.url, SECRET, payload)
    return status, body


def test_digest_with_an_experiment_across_two_weeks(fake: FakeSlack, tmp_path: Path) -> None:
    db = tmp_path / "pulse.db"
    bot = launch(fake, db, Clock(FIRST))
    try:
        pin(bot, FIRST)
        talk(bot, "U1", ["U2", "U3"], FIRST.date() - timedelta(days=1), 20)
        talk(bot, "U4", [], FIRST.date() - timedelta(days=1), 3)

        # The team opens the experiment form…
        said = command(bot, fake, "experiment new", "new")
        assert "form is open" in said
        [opened] = fake.wait_for("views.open")
        assert opened.params["view"]["callback_id"] == "experiment_new"
        good = {
            "hypothesis": "Pairing sessions make people pull others in",  # as sceptics first
            "action": "Two pairing sessions a week in #general",
            "metric": "quadrant_count",
            "param": "sceptic",
            "channel": "*",
            "direction": "increase",
            "threshold": "2",
            "start": "2026-11-16",
            "end": "2026-11-23",
        }
        # …a wrong target is answered in the form itself, field by field…
        status, body = submit(bot, "UTEAM", form_state(**{**good, "threshold": "lots"}))
        assert status == 200
        answer = json.loads(body)
        assert answer["response_action"] == "errors"
        assert "number" in answer["errors"]["threshold"]
        # …someone outside the team cannot start one…
        status, body = submit(bot, "U1", form_state(**good))
        assert json.loads(body)["response_action"] == "errors"
        # …and a good one starts, with its baseline announced in the team's channel.
        status, body = submit(bot, "UTEAM", form_state(**good))
        assert status == 200
        assert body in (b"", b"{}")
        eventually(lambda: len(team_posts(fake)) == 1)
        assert "Pairing sessions" in text_of(team_posts(fake)[0]["blocks"])
        listed = command(bot, fake, "experiment list", "list")
        assert "Pairing sessions" in listed

        # Last week's surveys in #general, answered by all six members and closed.
        surveys = bot.runtime.surveys
        for n, set_id in enumerate(("pulse", "maturity", "culture", "journey")):
            surveys.clock = Clock(FIRST - timedelta(days=3, minutes=n))
            run = surveys.start("C1", set_id, count=3 if set_id == "maturity" else 1)
            assert run is not None
            for i, member in enumerate(MEMBERS):
                for question in run.questions:
                    options = [o.value for o in question.options]
                    surveys.answer(member, run.run_id, question.id, options[i % len(options)])
            assert surveys.close(run.run_id, FIRST - timedelta(days=1))
        surveys.clock = Clock(FIRST)

        # Monday 09:00: the scheduler posts the digest with its pictures.
        bot.runtime.scheduler.run_now("pulse:digest")
        eventually(lambda: len(team_posts(fake)) == 2, timeout=30)
        digest = team_posts(fake)[1]["blocks"]
        shown = text_of(digest)
        images = [b for b in digest if b["type"] == "image"]
        # the orbit map, quadrants over time, maturity heatmap, culture bar, journey funnel
        assert len(images) == 5
        uploads = fake.calls_to("files.completeUploadExternal")
        assert len(uploads) == 5
        for section in ("Active members", "Movement", "Who to listen to", "Surveys", "Experiments"):
            assert section in shown, section
        assert all(png.startswith(b"\x89PNG") for png in fake.uploads.values())
        assert "Pairing sessions" in shown
        assert "not on track" in shown  # one sceptic, the target is two
    finally:
        bot.stop()

    # A week later, on a restarted bot, U4 pulled people in too; the experiment ends.
    bot = launch(fake, db, Clock(SECOND))
    try:
        pin(bot, SECOND)
        talk(bot, "U4", ["U1", "U2", "U3", "U5", "U6"], SECOND.date() - timedelta(days=1), 7)
        bot.runtime.scheduler.run_now("pulse:digest")
        eventually(lambda: len(team_posts(fake)) == 4, timeout=30)  # the verdict, the digest
        verdict, second = team_posts(fake)[2:]
        assert "verdict met*" in text_of(verdict["blocks"])  # sceptics went from 1 to 2
        assert "Moved up" in text_of(second["blocks"])
        assert "(+" in text_of(second["blocks"]) or "(-" in text_of(second["blocks"])
        closed = command(bot, fake, "experiment list", "list2")
        assert "verdict *met*" in closed
    finally:
        bot.stop()


def test_two_bots_post_the_scheduled_digest_once(fake: FakeSlack, tmp_path: Path) -> None:
    db = tmp_path / "pulse.db"
    bots = [launch(fake, db, Clock(FIRST)), launch(fake, db, Clock(FIRST))]
    try:
        for bot in bots:
            pin(bot, FIRST)
        talk(bots[0], "U1", ["U2"], FIRST.date() - timedelta(days=1), 5)
        for bot in bots:
            bot.runtime.scheduler.run_now("pulse:digest")
        eventually(lambda: len(team_posts(fake)) == 1, timeout=30)
        # /orbit digest posts on demand, whatever the schedule did.
        assert "Posted" in command(bots[1], fake, "digest", "now")
        eventually(lambda: len(team_posts(fake)) == 2, timeout=30)
    finally:
        for bot in bots:
            bot.stop()
    assert len(team_posts(fake)) == 2


def test_experiment_commands_for_others_are_refused(fake: FakeSlack, tmp_path: Path) -> None:
    bot = launch(fake, tmp_path / "pulse.db", Clock(FIRST))
    try:
        assert "platform team" in command(bot, fake, "experiment new", "a", user="U1").lower()
        assert "platform team" in command(bot, fake, "digest", "b", user="U1").lower()
        assert "no experiment #7" in command(bot, fake, "experiment close 7", "c").lower()
        assert "No experiments yet" in command(bot, fake, "experiment list", "d")
    finally:
        bot.stop()
