"""End to end: a scheduled pulse survey through the real Bolt app served by waitress, the real
APScheduler with its job store in the database, and the fake Slack Web API on localhost.

The bot's clock for surveys is pinned (Tuesday 10:00:05 UTC, just after the scheduled slot) and
moved forward to reach the reminder and the close; everything else runs for real.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from waitress.server import create_server

from bot.adapters.slack.app import wsgi_app
from bot.bootstrap import SlackRuntime, bootstrap, slack
from bot.config import load_settings
from bot.core.model import Channel, Member
from storage import directory as people
from storage.sql import ACTIVITY, SURVEY_ANSWER, SURVEY_RUN
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.signing import (
    block_actions_payload,
    post_action,
    post_command,
    post_event,
    view_submission_payload,
)
from tests.adapters.slack.test_bolt_app import SECRET, eventually, stop_waitress

SLOT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 UTC
MEMBERS = ["U1", "U2", "U3", "U4", "U5", "U6"]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Running:
    """One bot process: Bolt app on waitress plus its scheduler."""

    runtime: SlackRuntime
    url: str
    engine: Engine
    clock: Clock
    _server: Any
    _thread: threading.Thread

    def stop(self) -> None:
        self.runtime.scheduler.shutdown()
        stop_waitress(self._server)
        self._thread.join(timeout=5)


def launch(fake: FakeSlack, db: Path, clock: Clock) -> Running:
    settings = load_settings(
        database_url=f"sqlite:///{db}",
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SECRET,
        slack_api_url=fake.base_url,
        tick_seconds=0.1,
    )
    container = bootstrap(settings)
    with container.engine.begin() as conn:
        people.upsert_members(conn, [Member(m, m.lower()) for m in [*MEMBERS, "UTEAM"]])
        people.upsert_channels(
            conn,
            [
                Channel("CTEAM", "platform-team", ("UTEAM",)),
                Channel("C1", "general", (*MEMBERS, "UTEAM")),
            ],
        )
    runtime = slack(container, http=True)
    runtime.surveys.clock = clock
    runtime.scheduler.start()
    server = create_server(wsgi_app(runtime.app, container.engine), host="127.0.0.1", port=0)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.effective_port}/slack/events"
    return Running(runtime, url, container.engine, clock, server, thread)


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as slack_api:
        for member in [*MEMBERS, "UTEAM"]:
            slack_api.add_user(member, member.lower())
        slack_api.add_channel("CTEAM", "platform-team", ["UTEAM"])
        slack_api.add_channel("C1", "general", [*MEMBERS, "UTEAM"])
        yield slack_api


def responses(fake: FakeSlack, name: str) -> list[dict[str, Any]]:
    return [c.params for c in fake.calls_to("response_url") if c.path.endswith(f"/{name}")]


def text_of(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def command(bot: Running, fake: FakeSlack, text: str, name: str, user: str = "UTEAM") -> str:
    status, _, _ = post_command(
        bot.url,
        SECRET,
        "/orbit",
        text,
        user_id=user,
        channel_id="C1",
        response_url=fake.response_url(name),
    )
    assert status == 200
    eventually(lambda: bool(responses(fake, name)))
    return text_of(responses(fake, name)[-1]["blocks"])


def click(
    bot: Running, fake: FakeSlack, user: str, action_id: str, value: str, name: str, ts: str
) -> str:
    payload = block_actions_payload(
        action_id,
        value,
        user_id=user,
        user_name=user.lower(),
        channel_id="C1",
        message_ts=ts,
        response_url=fake.response_url(name),
    )
    status, _, _ = post_action(bot.url, SECRET, payload)
    assert status == 200
    eventually(lambda: bool(responses(fake, name)))
    reply = responses(fake, name)[-1]
    assert reply["response_type"] == "ephemeral"
    return text_of(reply["blocks"])


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Every button of the survey message by action_id."""
    return {
        element["action_id"]: element
        for block in blocks
        if block.get("type") == "actions"
        for element in block["elements"]
    }


def answer_button(blocks: list[dict[str, Any]], question: str, value: str) -> tuple[str, str]:
    for action_id, element in buttons(blocks).items():
        if action_id == f"survey_answer:{question}:{value}":
            return action_id, element["value"]
    raise AssertionError(f"no button for {question}={value}")


def submit_text(bot: Running, user: str, metadata: str, text: str) -> tuple[int, bytes]:
    payload = view_submission_payload(
        "survey_text",
        {"answer": {"text": {"type": "plain_text_input", "value": text}}},
        private_metadata=metadata,
        user_id=user,
        user_name=user.lower(),
    )
    status, _, body = post_action(bot.url, SECRET, payload)
    return status, body


def stored_answers(engine: Engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        rows = conn.execute(select(SURVEY_ANSWER.c.question_id, SURVEY_ANSWER.c.value))
        return sorted((r.question_id, r.value) for r in rows)


def test_a_scheduled_survey_is_posted_answered_reminded_and_closed(
    fake: FakeSlack, tmp_path: Path
) -> None:
    db = tmp_path / "pulse.db"
    clock = Clock(SLOT + timedelta(seconds=5))
    bot = launch(fake, db, clock)
    try:
        # The platform team schedules the pulse set for #general: Tuesdays 10:00.
        said = command(
            bot, fake, "survey schedule <#C1|general> pulse 0 10 * * tue questions=3", "s"
        )
        assert "Scheduled" in said
        refused = command(bot, fake, "survey pulse", "r", user="U1")
        assert "platform team" in refused.lower()
        assert bot.runtime.scheduler.scheduler.get_job("survey:C1") is not None

        # The slot comes: the scheduler posts the run.
        bot.runtime.scheduler.run_now("survey:C1")
        [post] = fake.wait_for("chat.postMessage")
        assert post.params["channel"] == "C1"
        survey = post.params["blocks"]
        ts = post.response["ts"] if post.response else ""
        assert "satisfaction" in text_of(survey) or buttons(survey)

        # Buttons: five members answer satisfaction; U2 changes their mind.
        for i, (user, value) in enumerate(
            [("U1", "5"), ("U2", "4"), ("U3", "4"), ("U4", "3"), ("U5", "5")]
        ):
            action_id, button_value = answer_button(survey, "satisfaction", value)
            reply = click(bot, fake, user, action_id, button_value, f"a{i}", ts)
            assert "Thanks" in reply
        action_id, button_value = answer_button(survey, "satisfaction", "2")
        assert "Thanks" in click(bot, fake, "U2", action_id, button_value, "change", ts)

        # A listed reaction on the survey message: U6 answers 5 with :five:.
        status, _, _ = post_event(
            bot.url,
            SECRET,
            {
                "type": "reaction_added",
                "user": "U6",
                "reaction": "five",
                "item_user": "UPULSEBOT",
                "item": {"type": "message", "channel": "C1", "ts": ts},
                "event_ts": f"{SLOT.timestamp() + 60:.6f}",
            },
        )
        assert status == 200
        [confirm] = fake.wait_for("chat.postEphemeral")
        assert confirm.params["user"] == "U6"

        # Free text through the modal: the button opens it, the submission stores the answer.
        text_buttons = {k: v for k, v in buttons(survey).items() if k.startswith("survey_text:")}
        [(text_action, text_element)] = text_buttons.items()
        click_payload = block_actions_payload(
            text_action,
            text_element["value"],
            user_id="U1",
            channel_id="C1",
            message_ts=ts,
            response_url=fake.response_url("t"),
        )
        assert post_action(bot.url, SECRET, click_payload)[0] == 200
        [opened] = fake.wait_for("views.open")
        modal = opened.params["view"]
        assert modal["callback_id"] == "survey_text"
        metadata = modal["private_metadata"]
        status, body = submit_text(bot, "U1", metadata, "   ")
        assert status == 200
        assert json.loads(body)["response_action"] == "errors"  # an empty answer is refused
        for user in MEMBERS[:5]:
            status, body = submit_text(bot, user, metadata, f"builds are slow for {user}")
            assert status == 200
            assert body in (b"", b"{}") or "errors" not in json.loads(body)
        eventually(lambda: len(stored_answers(bot.engine)) == 6 + 5)
    finally:
        bot.stop()

    # The bot restarts in the middle of the run: nothing is lost.
    clock = Clock(SLOT + timedelta(hours=24, minutes=1))
    bot = launch(fake, db, clock)
    try:
        # Half-way: the reminder, in the survey's thread, once.
        eventually(lambda: len(fake.calls_to("chat.postMessage")) == 2)
        reminder = fake.calls_to("chat.postMessage")[1]
        assert reminder.params["thread_ts"] == ts

        # Closing time: the message is updated and the results are posted in the thread.
        clock.now = SLOT + timedelta(hours=48, seconds=10)
        [update] = fake.wait_for("chat.update")
        assert update.params["ts"] == ts
        assert "6" in text_of(update.params["blocks"])  # six people answered
        eventually(lambda: len(fake.calls_to("chat.postMessage")) == 3)
        results = fake.calls_to("chat.postMessage")[2]
        assert results.params["thread_ts"] == ts
        shown = text_of(results.params["blocks"])
        mean = (5 + 2 + 4 + 3 + 5 + 5) / 6
        assert f"{mean:.1f}" in shown
        assert "Not enough answers" in shown  # last_task_ease: nobody answered
        assert "builds are slow" not in shown  # free text is never echoed

        # A late click: "this survey has closed", and nothing changes.
        before = stored_answers(bot.engine)
        action_id, button_value = answer_button(survey, "satisfaction", "1")
        assert "closed" in click(bot, fake, "U3", action_id, button_value, "late", ts)
        # Malformed and unknown: a clear ephemeral error, nothing changes.
        assert "not valid" in click(bot, fake, "U3", action_id, "garbage", "bad", ts)
        unknown = click(bot, fake, "U3", action_id, "9999|satisfaction|1", "unknown", ts)
        assert "don't know this survey" in unknown
        assert stored_answers(bot.engine) == before

        # Participation counts for love, the answers do not name anyone.
        with bot.engine.connect() as conn:
            kinds = conn.execute(select(ACTIVITY.c.actor).where(ACTIVITY.c.kind == "survey_answer"))
            assert sorted(set(kinds.scalars())) == MEMBERS
            assert conn.execute(select(SURVEY_RUN.c.state)).scalar_one() == "closed"

        # The team's /orbit gains the surveys section.
        summary = command(bot, fake, "", "summary")
        assert "Surveys" in summary
        # Five people wrote: the words reach the platform team (never the channel), unsigned.
        assert "builds are slow for U" in summary
    finally:
        bot.stop()
    assert len(fake.calls_to("chat.postMessage")) == 3  # survey, reminder, results: once each


def test_two_bots_on_one_database_post_a_run_once(fake: FakeSlack, tmp_path: Path) -> None:
    db = tmp_path / "pulse.db"
    clock = Clock(SLOT + timedelta(seconds=5))
    bots = [launch(fake, db, clock), launch(fake, db, clock)]
    try:
        command(bots[0], fake, "survey schedule #general pulse 0 10 * * tue", "s")
        for bot in bots:
            bot.runtime.scheduler.run_now("survey:C1")
        fake.wait_for("chat.postMessage")
        clock.now = SLOT + timedelta(hours=25)
        fake.wait_for("chat.postMessage", count=2)  # the reminder
        clock.now = SLOT + timedelta(hours=49)
        fake.wait_for("chat.update")
        eventually(lambda: len(fake.calls_to("chat.postMessage")) >= 3)
        time.sleep(0.5)  # both schedulers tick a few more times: nothing more is posted
    finally:
        for bot in bots:
            bot.stop()
    assert len(fake.calls_to("chat.postMessage")) == 3  # survey, reminder, results
    assert len(fake.calls_to("chat.update")) == 1


def test_survey_now_in_a_channel_and_usage_errors(fake: FakeSlack, tmp_path: Path) -> None:
    bot = launch(fake, tmp_path / "pulse.db", Clock(SLOT))
    try:
        assert "Posted" in command(bot, fake, "survey culture <#C1|general>", "now")
        [post] = fake.wait_for("chat.postMessage")
        assert post.params["channel"] == "C1"
        assert "no question set" in command(bot, fake, "survey nope", "nope").lower()
        said = command(bot, fake, "survey schedule #general pulse 0 25 * * tue", "cron")
        assert "cron" in said.lower()
        said = command(bot, fake, "survey schedule #general pulse 0 10 * * tue tz=Mars/Base", "tz")
        assert "time zone" in said
        assert "no scheduled surveys" in command(bot, fake, "survey schedule #general off", "o0")
        said = command(bot, fake, "survey schedule #general maturity 0 9 1 * * questions=1", "ok")
        assert "Scheduled" in said
        listed = command(bot, fake, "survey schedule", "list")
        assert "<#C1>" in listed
        assert "maturity" in listed
        assert "are off" in command(bot, fake, "survey schedule #general off", "off")
        assert bot.runtime.scheduler.scheduler.get_job("survey:C1") is None
    finally:
        bot.stop()
