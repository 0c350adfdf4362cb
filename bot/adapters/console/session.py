"""``pulse console``: a local chat in the terminal, driving the same services as Slack and Teams.

You act as a member of a channel (``/as NAME``, ``/channel NAME``), post messages, reply and
react, answer surveys and run ``/orbit …``; the bot's answers are shown as text. Everything is
recorded in the database exactly as a chat platform's events would be.

:class:`ConsoleSession` is the whole behaviour (``handle(line) -> lines``); the terminal loop in
:func:`run_console` only reads and prints, so tests drive the session directly.
"""

from __future__ import annotations

import itertools
import shlex
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select

from bot.adapters.console.text import blocks_to_lines
from bot.adapters.slack import digest_views, survey_views
from bot.adapters.slack.answers import answer_blocks
from bot.core.digest import Digest
from bot.core.errors import PulseError
from bot.core.experiments import ExperimentStatus
from bot.core.model import ChatMessage
from bot.core.surveys import RunResults, RunView
from bot.services.digest import DigestService
from bot.services.live import Recorder
from bot.services.orbit import Kind, OrbitService
from bot.services.surveys import SurveyService
from storage import surveys as runs
from storage.sql import CHANNEL, MEMBER

HELP = """\
Type a message to post it as the current member in the current channel.
  /as NAME                act as another member (name or id)
  /channel NAME           go to another channel
  /reply N TEXT           reply in the thread of message N
  /react N EMOJI          react to message N (e.g. /react 3 tada); /unreact N EMOJI
  /answer Q VALUE         answer question Q of the survey open in this channel
  /close                  close the survey open in this channel now (platform team)
  /orbit …                the /orbit command (try /orbit help)
  /who                    who you are and where; /members, /channels to list
  /help, /quit"""


@dataclass
class Posted:
    """A message in the transcript: who said it where, and its platform reference (ts)."""

    number: int
    channel: str
    ts: str
    author: str
    text: str


class _Transcript:
    def __init__(self) -> None:
        self.messages: list[Posted] = []
        self._numbers = itertools.count(1)
        self._clock = itertools.count()

    def ts(self) -> str:
        # Unique, increasing message timestamps like Slack's ("seconds.micro").
        return f"{time.time() + next(self._clock) / 1e6:.6f}"

    def add(self, channel: str, ts: str, author: str, text: str) -> Posted:
        posted = Posted(next(self._numbers), channel, ts, author, text)
        self.messages.append(posted)
        return posted

    def get(self, number: int) -> Posted | None:
        return next((m for m in self.messages if m.number == number), None)


@dataclass
class ConsolePoster:
    """Survey and digest posts land in the transcript (and on screen)."""

    session: ConsoleSession

    def post_survey(self, run: RunView) -> str:
        ts = self.session.transcript.ts()
        self.session.show_post(run.channel, ts, survey_views.survey_blocks(run))
        return ts

    def post_reminder(self, run: RunView, message_ref: str) -> None:
        self.session.show_post(run.channel, None, survey_views.reminder_blocks(run))

    def post_closed(self, results: RunResults, message_ref: str) -> None:
        self.session.show_post(results.run.channel, None, survey_views.closed_blocks(results.run))
        self.session.show_post(results.run.channel, None, survey_views.results_blocks(results))

    def post_digest(self, digest: Digest) -> None:
        self.session.show_post(None, None, digest_views.digest_blocks(digest))

    def post_verdict(self, status: ExperimentStatus) -> None:
        self.session.show_post(None, None, digest_views.experiment_verdict_blocks(status))


@dataclass
class ConsoleSession:
    recorder: Recorder
    orbit: OrbitService
    surveys: SurveyService
    digest: DigestService | None = None
    member: str | None = None
    channel: str | None = None
    transcript: _Transcript = field(default_factory=_Transcript)
    _out: list[str] = field(default_factory=list)
    today: Callable[[], date] = date.today

    def __post_init__(self) -> None:
        poster = ConsolePoster(self)
        self.surveys.poster = poster
        if self.digest is not None:
            self.digest.poster = poster
        if self.member is None or self.channel is None:
            self._defaults()

    # ------------------------------------------------------------------ directory

    def _rows(self, table: Any) -> list[tuple[str, str]]:
        with self.recorder.engine.connect() as conn:
            rows = conn.execute(select(table.c.id, table.c.name).order_by(table.c.name))
            return [(r.id, r.name) for r in rows]

    def _people(self) -> list[tuple[str, str]]:
        with self.recorder.engine.connect() as conn:
            rows = conn.execute(
                select(MEMBER.c.id, MEMBER.c.name)
                .where(MEMBER.c.is_bot.is_(False) & MEMBER.c.deleted.is_(False))
                .order_by(MEMBER.c.name)
            )
            return [(r.id, r.name) for r in rows]

    def _find(self, rows: list[tuple[str, str]], wanted: str) -> tuple[str, str] | None:
        key = wanted.strip().lstrip("@#").lower()
        return next((r for r in rows if r[0].lower() == key or r[1].lower() == key), None) or next(
            (r for r in rows if r[1].lower().startswith(key)), None
        )

    def name(self, member_id: str) -> str:
        return dict(self._people()).get(member_id, member_id)

    def channel_name(self, channel_id: str) -> str:
        return dict(self._rows(CHANNEL)).get(channel_id, channel_id)

    def _defaults(self) -> None:
        channels = self._rows(CHANNEL)
        people = self._people()
        general = self._find(channels, "general") or (channels[0] if channels else None)
        if self.channel is None and general is not None:
            self.channel = general[0]
        if self.member is None and people:
            self.member = people[0][0]

    # ------------------------------------------------------------------ output

    def say(self, *lines: str) -> None:
        self._out.extend(lines)

    def show_post(self, channel: str | None, ts: str | None, blocks: list[dict[str, Any]]) -> None:
        """A post by the bot: numbered (so it can be reacted to) when it has a ts."""
        where = f"#{self.channel_name(channel)}" if channel else "#platform-team"
        head = f"pulse in {where}"
        if ts is not None and channel is not None:
            posted = self.transcript.add(channel, ts, "pulse", "")
            head = f"[{posted.number}] {head}"
        self.say(head, *("  " + line for line in self._lines(blocks)))

    def _lines(self, blocks: list[dict[str, Any]]) -> list[str]:
        return blocks_to_lines(blocks, self.name, self.channel_name)

    # ------------------------------------------------------------------ commands

    def handle(self, line: str) -> list[str]:
        """One line typed by the user → what the console shows."""
        self._out = []
        line = line.strip()
        if not line:
            return []
        try:
            if line.startswith("/"):
                self._command(line)
            else:
                self._post(line)
        except PulseError as exc:
            self.say(f"! {exc}")
        return self._out

    def _need(self) -> tuple[str, str]:
        if self.member is None or self.channel is None:
            raise PulseError("There is nobody to act as yet: run `pulse demo` first, or /as NAME.")
        return self.member, self.channel

    def _post(self, text: str, thread: Posted | None = None) -> None:
        member, channel = self._need()
        ts = self.transcript.ts()
        message = ChatMessage(
            channel=channel,
            ts=ts,
            user=member,
            text=text,
            thread_ts=thread.ts if thread else None,
            parent_user=(thread.author if thread and thread.author != "pulse" else None),
        )
        self.recorder.message(message)
        posted = self.transcript.add(channel, ts, member, text)
        where = f" (reply to {thread.number})" if thread else ""
        self.say(f"[{posted.number}] {self.name(member)}{where}: {text}")

    def _message(self, word: str) -> Posted:
        found = self.transcript.get(int(word)) if word.isdigit() else None
        if found is None:
            raise PulseError(f"There is no message {word}; messages are numbered in [brackets].")
        return found

    def _command(self, line: str) -> None:
        try:
            words = shlex.split(line)
        except ValueError:
            words = line.split()
        head, args = words[0].lower(), words[1:]
        if head == "/help":
            self.say(*HELP.splitlines())
        elif head == "/as" and args:
            found = self._find(self._people(), " ".join(args))
            if found is None:
                raise PulseError(f"Nobody is called {' '.join(args)!r}; /members lists them.")
            self.member = found[0]
            team = ", platform team" if self.orbit.is_team(found[0]) else ""
            self.say(f"You are {found[1]} ({found[0]}{team}).")
        elif head == "/channel" and args:
            found = self._find(self._rows(CHANNEL), args[0])
            if found is None:
                raise PulseError(f"No channel {args[0]!r}; /channels lists them.")
            self.channel = found[0]
            self.say(f"You are in #{found[1]}.")
        elif head == "/who":
            member, channel = self._need()
            team = ", platform team" if self.orbit.is_team(member) else ""
            where = self.channel_name(channel)
            self.say(f"You are {self.name(member)} ({member}{team}) in #{where}.")
        elif head == "/members":
            self.say(", ".join(name for _, name in self._people()) or "nobody yet")
        elif head == "/channels":
            self.say(", ".join(f"#{name}" for _, name in self._rows(CHANNEL)) or "none yet")
        elif head == "/reply" and len(args) >= 2:
            self._post(" ".join(args[1:]), thread=self._message(args[0]))
        elif head in ("/react", "/unreact") and len(args) == 2:
            self._react(self._message(args[0]), args[1].strip(":"), added=head == "/react")
        elif head == "/answer" and len(args) >= 2:
            self._answer(args[0], " ".join(args[1:]))
        elif head == "/close":
            self._close()
        elif head == "/orbit":
            self._orbit(" ".join(args))
        else:
            raise PulseError(f"I don't know {line!r}; /help lists what you can do.")

    def _react(self, message: Posted, emoji: str, added: bool) -> None:
        member, _ = self._need()
        if added:
            author = None if message.author == "pulse" else message.author
            self.recorder.reaction_added(
                message.channel, message.ts, member, emoji, author, float(message.ts)
            )
        else:
            self.recorder.reaction_removed(message.channel, message.ts, member, emoji)
        answered = self.surveys.react(member, message.channel, message.ts, emoji, added)
        verb = "reacted" if added else "took back"
        self.say(f"{self.name(member)} {verb} :{emoji}: on [{message.number}]")
        if answered is not None:
            self._show_answered(answered)

    def _open_run(self) -> RunView:
        _, channel = self._need()
        with self.recorder.engine.connect() as conn:
            open_here = [r for r in runs.runs(conn, state=runs.OPEN) if r.channel_id == channel]
        if not open_here:
            raise PulseError(
                "No survey is open in this channel; the team starts one with /orbit survey pulse."
            )
        return self.surveys.view(open_here[-1].id)

    def _answer(self, number: str, value: str) -> None:
        member, _ = self._need()
        run = self._open_run()
        if not number.isdigit() or not 1 <= int(number) <= len(run.questions):
            raise PulseError(f"The survey has questions 1 to {len(run.questions)}.")
        question = run.questions[int(number) - 1]
        self._show_answered(self.surveys.answer(member, run.run_id, question.id, value))

    def _show_answered(self, answered: Any) -> None:
        if answered.removed:
            blocks = survey_views.removed_blocks(answered.question)
        else:
            blocks = survey_views.answered_blocks(
                answered.question, answered.value, answered.closes_at
            )
        self.say(*("  (only you) " + line for line in self._lines(blocks)))

    def _close(self) -> None:
        member, _ = self._need()
        if not self.orbit.is_team(member):
            raise PulseError("Only the platform team closes surveys early.")
        run = self._open_run()
        self.surveys.close(run.run_id)

    def _orbit(self, text: str) -> None:
        member, channel = self._need()
        self.recorder.flush()
        answer = self.orbit.answer(member, text, channel)
        if answer.kind is Kind.PRIVACY:
            self.recorder.invalidate()
        if answer.kind is Kind.EXPERIMENT_FORM:
            self.say(
                "  (only you) The experiment form needs Slack or Teams; list experiments "
                "with /orbit experiment list."
            )
            return
        blocks = answer_blocks(answer, self.orbit.params)
        self.say(*("  (only you) " + line for line in self._lines(blocks)))


def run_console(session: ConsoleSession, read: Callable[[str], str] = input) -> None:
    """The terminal loop: read a line, show what the session answers, until /quit or EOF."""
    print("Community Pulse console: /help lists what you can do, /quit leaves.")
    print(*session.handle("/who"), sep="\n")
    while True:
        try:
            line = read("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return
        if line.strip().lower() in ("/quit", "/exit"):
            return
        for out in session.handle(line):
            print(out)
