"""One way to talk to the bot per chat platform, for the shared conversation suite.

A driver acts as community members in #general (C1) and as the platform team (UTEAM, in
#platform-team), and returns what the bot showed as plain text lines (Block Kit and Adaptive
Cards are turned into text), so one test reads the same on every platform.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine

from bot.adapters.console.session import ConsoleSession
from bot.adapters.console.text import blocks_to_lines
from bot.bootstrap import bootstrap, digest_service, survey_service
from bot.config import load_settings
from bot.core.model import Channel, Member
from bot.services.live import Recorder
from bot.services.orbit import OrbitService
from storage import directory as people
from storage import surveys as runs
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.signing import block_actions_payload, post_action, post_event
from tests.adapters.slack.test_bolt_app import eventually
from tests.adapters.slack.test_survey_flow import Clock, Running, command, launch

MEMBERS = ["U1", "U2", "U3", "U4", "U5", "U6"]
TEAM = "UTEAM"
NOW = datetime(2026, 11, 23, 9, 0, 5, tzinfo=UTC)


def seed(engine: Engine) -> None:
    with engine.begin() as conn:
        people.upsert_members(conn, [Member(m, m.lower()) for m in [*MEMBERS, TEAM]])
        people.upsert_channels(
            conn,
            [
                Channel("CTEAM", "platform-team", (TEAM,)),
                Channel("C1", "general", (*MEMBERS, TEAM)),
            ],
        )


class Driver(Protocol):
    name: str
    engine: Engine

    def post(self, member: str, text: str, reply_to: str | None = None) -> str:
        """A message in #general; returns its reference."""
        ...

    def react(self, member: str, ref: str, emoji: str) -> None: ...

    def orbit(self, member: str, text: str) -> str:
        """``/orbit …`` (or ``orbit …``) as ``member``; what the bot answered, as text."""
        ...

    def start_survey(self, set_id: str) -> list[str]:
        """The team posts a survey in #general now; the survey message as text."""
        ...

    def answer(self, member: str, question: int, value: str) -> str:
        """Answer question ``question`` (1-based) of the open survey; the confirmation."""
        ...

    def close_survey(self) -> str:
        """Close the open survey now; the results the bot posted, as text."""
        ...

    def digest(self) -> str:
        """``/orbit digest`` by the team; the digest posted in #platform-team, as text."""
        ...


def lines(blocks: list[dict[str, Any]]) -> str:
    return "\n".join(blocks_to_lines(blocks))


# --------------------------------------------------------------------------- Slack


@dataclass
class SlackDriver:
    fake: FakeSlack
    bot: Running
    name: str = "slack"
    _ts: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    _run: int | None = None
    _survey_ts: str = ""
    _blocks: list[dict[str, Any]] = field(default_factory=list)
    _authors: dict[str, str] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        return self.bot.engine

    def post(self, member: str, text: str, reply_to: str | None = None) -> str:
        ts = f"{NOW.timestamp() - 3600 + next(self._ts):.6f}"
        event: dict[str, Any] = {
            "type": "message",
            "channel": "C1",
            "channel_type": "channel",
            "user": member,
            "text": text,
            "ts": ts,
        }
        if reply_to is not None:  # Slack names the thread and its starter's author
            event["thread_ts"] = reply_to
            event["parent_user_id"] = self._authors[reply_to]
        assert post_event(self.bot.url, "test-signing-secret-123", event)[0] == 200
        self._authors[ts] = member
        return ts

    def react(self, member: str, ref: str, emoji: str) -> None:
        event = {
            "type": "reaction_added",
            "user": member,
            "reaction": emoji,
            "item_user": self._authors[ref],  # Slack names the message's author
            "item": {"type": "message", "channel": "C1", "ts": ref},
            "event_ts": ref,
        }
        assert post_event(self.bot.url, "test-signing-secret-123", event)[0] == 200

    def orbit(self, member: str, text: str) -> str:
        name = f"o{next(self._ts)}"
        return lines(json.loads(command(self.bot, self.fake, text, name, user=member)))

    def start_survey(self, set_id: str) -> list[str]:
        before = len(self.fake.calls_to("chat.postMessage"))
        self.orbit(TEAM, f"survey {set_id} <#C1|general>")
        eventually(lambda: len(self.fake.calls_to("chat.postMessage")) > before)
        post = self.fake.calls_to("chat.postMessage")[before]
        self._blocks = post.params["blocks"]
        self._survey_ts = str((post.response or {}).get("ts"))
        return blocks_to_lines(self._blocks)

    def answer(self, member: str, question: int, value: str) -> str:
        actions = [b for b in self._blocks if b["type"] == "actions"]
        button = next(
            e for e in actions[question - 1]["elements"] if e["value"].endswith(f"|{value}")
        )
        name = f"a{next(self._ts)}"
        payload = block_actions_payload(
            button["action_id"],
            button["value"],
            user_id=member,
            channel_id="C1",
            message_ts=self._survey_ts,
            response_url=self.fake.response_url(name),
        )
        assert post_action(self.bot.url, "test-signing-secret-123", payload)[0] == 200
        eventually(
            lambda: any(c.path.endswith(f"/{name}") for c in self.fake.calls_to("response_url"))
        )
        reply = [c for c in self.fake.calls_to("response_url") if c.path.endswith(f"/{name}")][-1]
        return lines(reply.params["blocks"])

    def close_survey(self) -> str:
        before = len(self.fake.calls_to("chat.postMessage"))
        surveys = self.bot.runtime.surveys
        with self.engine.connect() as conn:
            [open_run] = runs.runs(conn, state=runs.OPEN)
        surveys.close(open_run.id)
        eventually(lambda: len(self.fake.calls_to("chat.postMessage")) > before)
        return lines(self.fake.calls_to("chat.postMessage")[-1].params["blocks"])

    def digest(self) -> str:
        before = len(self.fake.calls_to("chat.postMessage"))
        self.orbit(TEAM, "digest")
        eventually(lambda: len(self.fake.calls_to("chat.postMessage")) > before, timeout=30)
        post = self.fake.calls_to("chat.postMessage")[-1]
        assert post.params["channel"] == "CTEAM"
        return lines(post.params["blocks"])


@contextmanager
def slack_driver(tmp: Path) -> Iterator[SlackDriver]:
    with FakeSlack() as fake:
        for member in [*MEMBERS, TEAM]:
            fake.add_user(member, member.lower())
        fake.add_channel("CTEAM", "platform-team", [TEAM])
        fake.add_channel("C1", "general", [*MEMBERS, TEAM])
        bot = launch(fake, tmp / "slack.db", Clock(NOW))
        clock = Clock(NOW)
        bot.runtime.digest.clock = clock
        bot.runtime.digest.experiments.clock = clock
        try:
            yield SlackDriver(fake, bot)
        finally:
            bot.stop()


# --------------------------------------------------------------------------- console


@dataclass
class ConsoleDriver:
    session: ConsoleSession
    engine: Engine
    name: str = "console"
    _refs: dict[str, str] = field(default_factory=dict)

    def _as(self, member: str) -> None:
        self.session.handle(f"/as {member}")

    def post(self, member: str, text: str, reply_to: str | None = None) -> str:
        self._as(member)
        if reply_to is None:
            out = self.session.handle(text)
        else:
            out = self.session.handle(f"/reply {reply_to} {text}")
        return out[-1].split("]", 1)[0].lstrip("[")

    def react(self, member: str, ref: str, emoji: str) -> None:
        self._as(member)
        self.session.handle(f"/react {ref} {emoji}")

    def orbit(self, member: str, text: str) -> str:
        self._as(member)
        return "\n".join(self.session.handle(f"/orbit {text}".strip()))

    def start_survey(self, set_id: str) -> list[str]:
        self._as(TEAM)
        return self.session.handle(f"/orbit survey {set_id} #general")

    def answer(self, member: str, question: int, value: str) -> str:
        self._as(member)
        return "\n".join(self.session.handle(f"/answer {question} {value}"))

    def close_survey(self) -> str:
        self._as(TEAM)
        return "\n".join(self.session.handle("/close"))

    def digest(self) -> str:
        return self.orbit(TEAM, "digest")


@contextmanager
def console_driver(tmp: Path) -> Iterator[ConsoleDriver]:
    settings = load_settings(database_url=f"sqlite:///{tmp}/console.db")
    container = bootstrap(settings)
    seed(container.engine)
    recorder = Recorder(container.engine)
    surveys = survey_service(container, recorder)
    surveys.clock = Clock(NOW)
    digest = digest_service(container, surveys)
    digest.clock = Clock(NOW)
    digest.experiments.clock = Clock(NOW)
    orbit = OrbitService(
        container.engine,
        container.scoring,
        container.team,
        surveys=surveys,
        digest=digest,
        experiments=digest.experiments,
    )
    session = ConsoleSession(recorder, orbit, surveys, digest, channel="C1")
    try:
        yield ConsoleDriver(session, container.engine)
    finally:
        recorder.flush()
        container.engine.dispose()


DRIVERS = {"slack": slack_driver, "console": console_driver}
LATER = NOW + timedelta(days=3)
