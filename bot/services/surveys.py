"""Use case: pulse surveys (DESIGN.md "Pulse surveys"), whatever chat platform shows them.

A run is claimed in the database before it is posted, so with several replicas each run is
posted, reminded and closed exactly once (see :mod:`storage.surveys`). Chat platforms plug in a
:class:`SurveyPoster` to show runs, and call :meth:`SurveyService.answer` and
:meth:`SurveyService.react` when members answer.

Anonymity: an answer is stored under a keyed hash of (member, question) with the run's random
salt, participation under a keyed hash of the member; the salt is erased at close. The love
activity says *that* a member answered, never what.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from sqlalchemy import Connection, Engine, select

from bot.core.errors import BadInputError, NotFoundError, PulseError
from bot.core.questions import Question, QuestionSet, option_for_emoji
from bot.core.sentiment import polarity
from bot.core.surveys import (
    Answer,
    QuestionResult,
    RunResults,
    RunView,
    SurveyOverview,
    build_overview,
    culture_advice,
    pick_questions,
    reaction_question,
    summarize,
)
from bot.schedules import ScheduleSpec, check_sets, last_fire
from bot.services.live import Recorder
from bot.services.reporting import TeamConfig, team_ids
from storage import surveys as store
from storage.sql import CHANNEL_MEMBER, MEMBER

log = logging.getLogger(__name__)

TEXT_MAX = 1000
"""Longest free-text answer kept (characters)."""


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def utcnow() -> datetime:
    return datetime.now(UTC)


class SurveyPoster(Protocol):
    """How a chat platform shows runs. Each call is made by exactly one replica."""

    def post_survey(self, run: RunView) -> str:
        """Post the survey; return the message's reference (Slack: its ts)."""
        ...

    def post_reminder(self, run: RunView, message_ref: str) -> None: ...

    def post_closed(self, results: RunResults, message_ref: str) -> None:
        """Mark the message closed and post the results beside it (Slack: in its thread)."""
        ...


class PostFailedError(PulseError):
    """The chat platform refused to post. ``permanent`` failures (not in the channel, channel
    archived) give the run up; others leave it for another try when its lease runs out."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class SurveyClosedError(PulseError):
    """An answer to a run that has closed."""

    def __init__(self) -> None:
        super().__init__("This survey has closed; answers are no longer taken.")


@dataclass(frozen=True, slots=True)
class Answered:
    """What a member's answer did: the question, the stored value (None for free text, which is
    never echoed back), whether it replaced an earlier answer, and when the run closes."""

    question: Question
    value: str | None
    changed: bool
    closes_at: datetime
    removed: bool = False


@dataclass
class SurveyService:
    engine: Engine
    sets: Mapping[str, QuestionSet]
    team: TeamConfig
    recorder: Recorder | None = None
    poster: SurveyPoster | None = None
    min_respondents: int = 5
    grace: timedelta = timedelta(hours=1)
    lease: timedelta = timedelta(minutes=2)
    owner: str = field(default_factory=default_owner)
    clock: Callable[[], datetime] = utcnow

    # ------------------------------------------------------------------ schedules

    def save_schedule(self, spec: ScheduleSpec, channel_id: str, origin: str = "command") -> None:
        try:
            check_sets(spec, self.sets)
        except ValueError as exc:
            raise BadInputError(str(exc)) from None
        with self.engine.begin() as conn:
            store.save_schedule(conn, _row(spec, channel_id, origin), self.clock())

    def disable_schedule(self, channel_id: str) -> bool:
        """Surveys off in a channel (kept as a disabled row, so the file cannot turn them on)."""
        with self.engine.begin() as conn:
            current = store.schedule(conn, channel_id)
            if current is None:
                return False
            off = replace(current, enabled=False, origin="command")
            store.save_schedule(conn, off, self.clock())
            return current.enabled

    def sync_file(self, specs: list[ScheduleSpec], resolve: Callable[[str], str | None]) -> None:
        """The schedules file's entries, with channel names resolved to ids."""
        rows = []
        for spec in specs:
            channel_id = resolve(spec.channel)
            if channel_id is None:
                log.warning("survey schedule for #%s skipped: no such channel", spec.channel)
                continue
            rows.append(_row(spec, channel_id, "yaml"))
        with self.engine.begin() as conn:
            skipped = store.sync_file_schedules(conn, rows, self.clock())
        for channel_id in skipped:
            log.info("survey schedule for %s set by command; the file's entry waits", channel_id)

    def schedules(self) -> list[store.ScheduleRow]:
        with self.engine.connect() as conn:
            return store.schedules(conn)

    # ------------------------------------------------------------------ runs

    def fire(self, channel_id: str) -> RunView | None:
        """A scheduled run is due in ``channel_id``: post it unless someone already did."""
        with self.engine.connect() as conn:
            sched = store.schedule(conn, channel_id)
        if sched is None or not sched.enabled:
            log.info("no enabled survey schedule for %s; nothing posted", channel_id)
            return None
        now = self.clock()
        spec = _spec(sched)
        slot = last_fire(spec.trigger(), now, self.grace)
        if slot is None:
            log.warning("survey run for %s fired outside its schedule; skipped", channel_id)
            return None
        return self.start(
            channel_id,
            sched.set_id,
            slot=slot,
            count=sched.questions,
            open_hours=sched.open_hours,
            reminder=sched.reminder,
            rotation_weeks=sched.rotation_weeks,
        )

    def start(
        self,
        channel_id: str,
        set_id: str,
        *,
        slot: datetime | None = None,
        count: int = 2,
        open_hours: int = 48,
        reminder: bool = True,
        rotation_weeks: int = 4,
    ) -> RunView | None:
        """Claim and post a run; None if this slot was already claimed (by any replica)."""
        qset = self.sets.get(set_id)
        if qset is None:
            raise NotFoundError(
                f"There is no question set `{set_id}`; known sets: {', '.join(sorted(self.sets))}."
            )
        now = self.clock()
        with self.engine.begin() as conn:
            asked = {q: d.date() for q, d in store.last_asked(conn, channel_id, set_id).items()}
            questions = pick_questions(qset, asked, now.date(), count, rotation_weeks)
            closes_at = now + timedelta(hours=open_hours)
            run_id = store.create_run(
                conn,
                channel_id=channel_id,
                set_id=set_id,
                question_ids=[q.id for q in questions],
                reaction_question=reaction_question(questions),
                slot=slot or now,
                opened_at=now,
                closes_at=closes_at,
                remind_at=now + (closes_at - now) / 2 if reminder else None,
                audience=self._audience(conn, channel_id),
                salt=secrets.token_bytes(32),
                lease_until=now + self.lease,
            )
        if run_id is None:
            log.info("survey run for %s at %s already claimed; not posting again", channel_id, slot)
            return None
        return self._post(run_id)

    def _post(self, run_id: int) -> RunView:
        view = self.view(run_id)
        if self.poster is None:
            raise PulseError("no chat platform is connected to post surveys")
        try:
            ref = self.poster.post_survey(view)
        except PostFailedError as exc:
            if exc.permanent:
                with self.engine.begin() as conn:
                    store.failed(conn, run_id)
                log.error("survey run %d in %s given up: %s", run_id, view.channel, exc)
            else:
                log.warning("survey run %d not posted yet (will retry): %s", run_id, exc)
            raise
        with self.engine.begin() as conn:
            store.posted(conn, run_id, ref)
        log.info("survey run %d posted in %s", run_id, view.channel)
        return self.view(run_id)

    def _audience(self, conn: Connection, channel_id: str) -> int | None:
        team = team_ids(conn, self.team)
        rows = conn.execute(
            select(CHANNEL_MEMBER.c.member_id)
            .join(MEMBER, MEMBER.c.id == CHANNEL_MEMBER.c.member_id)
            .where(
                (CHANNEL_MEMBER.c.channel_id == channel_id)
                & MEMBER.c.is_bot.is_(False)
                & MEMBER.c.deleted.is_(False)
            )
        )
        members = {r[0] for r in rows} - team
        return len(members) or None

    def view(self, run_id: int) -> RunView:
        with self.engine.connect() as conn:
            row = store.run(conn, run_id)
            count = store.respondents(conn, run_id) if row is not None else 0
        if row is None:
            raise NotFoundError("I don't know this survey; it may have been removed.")
        return self._view(row, count)

    def _view(self, row: store.RunRow, respondents: int) -> RunView:
        qset = self.sets.get(row.set_id)
        if qset is None:
            raise NotFoundError(
                f"The question set `{row.set_id}` of this survey is no longer configured."
            )
        questions = tuple(q for qid in row.question_ids if (q := qset.question(qid)) is not None)
        return RunView(
            run_id=row.id,
            channel=row.channel_id,
            qset=qset,
            questions=questions,
            opened_at=row.opened_at,
            closes_at=row.closes_at,
            reaction_question=row.reaction_question,
            closed=row.state in (store.CLOSING, store.CLOSED),
            respondents=respondents if row.state != store.CLOSED else row.respondents,
        )

    # ------------------------------------------------------------------ answers

    def answer(self, member_id: str, run_id: int, question_id: str, value: str) -> Answered:
        """Store a member's answer (button, modal or reaction), replacing an earlier one.

        Raises NotFoundError for an unknown run or question, SurveyClosedError after close,
        BadInputError for a value that is not one of the question's options."""
        with self.engine.connect() as conn:
            row = store.run(conn, run_id)
        if row is None:
            raise NotFoundError("I don't know this survey; it may have been removed.")
        view = self._view(row, 0)
        question = next((q for q in view.questions if q.id == question_id), None)
        if question is None:
            raise NotFoundError(f"This survey has no question `{question_id}`.")
        stored: str
        score: float | None = None
        if question.kind == "text":
            stored = " ".join(value.split())
            if not stored:
                raise BadInputError("Write a few words, or cancel.")
            if len(stored) > TEXT_MAX:
                raise BadInputError(f"Keep it under {TEXT_MAX} characters (this is {len(stored)}).")
            score = polarity(stored)
        else:
            if question.option(value) is None:
                options = ", ".join(o.value for o in question.options)
                raise BadInputError(f"`{value}` is not an answer to this question ({options}).")
            stored = value
        with self.engine.begin() as conn:
            salt = store.salt(conn, run_id)
            if salt is None:
                raise SurveyClosedError()
            before = store.save_answer(
                conn, run_id, question_id, store.keyed(salt, member_id, question_id), stored, score
            )
            store.participate(conn, run_id, store.keyed(salt, member_id))
        if self.recorder is not None:
            self.recorder.survey_answered(
                row.channel_id, run_id, question_id, member_id, self.clock().timestamp()
            )
        shown = None if question.kind == "text" else stored
        return Answered(question, shown, before is not None, row.closes_at)

    def react(
        self, member_id: str, channel_id: str, message_ts: str, emoji: str, added: bool
    ) -> Answered | None:
        """A reaction on a survey message: a listed emoji answers the run's reaction question;
        removing it withdraws that answer. Anything else is not an answer (None)."""
        with self.engine.connect() as conn:
            row = store.run_by_message(conn, channel_id, message_ts)
        if row is None or row.reaction_question is None:
            return None
        view = self._view(row, 0)
        question = view.reaction_target
        option = None if question is None else option_for_emoji(question, emoji)
        if question is None or option is None:
            return None
        if added:
            try:
                return self.answer(member_id, row.id, question.id, option.value)
            except SurveyClosedError:
                return None  # a late reaction is just a reaction
        with self.engine.begin() as conn:
            salt = store.salt(conn, row.id)
            if salt is None:
                return None
            key = store.keyed(salt, member_id, question.id)
            if store.answer_value(conn, row.id, question.id, key) != option.value:
                return None  # the answer was changed since; removing the emoji changes nothing
            store.delete_answer(conn, row.id, question.id, key)
            others = any(
                store.answer_value(conn, row.id, q.id, store.keyed(salt, member_id, q.id))
                for q in view.questions
            )
            if not others:
                store.withdraw(conn, row.id, store.keyed(salt, member_id))
        if self.recorder is not None:
            self.recorder.survey_answer_withdrawn(row.id, question.id, member_id)
        return Answered(question, option.value, True, row.closes_at, removed=True)

    # ------------------------------------------------------------------ reminders and closing

    def tick(self) -> int:
        """Do what is due: finish steps a dead replica left, remind, close. Returns steps done."""
        now = self.clock()
        with self.engine.connect() as conn:
            stuck, remind, close = store.due(conn, now)
        done = 0
        for row in stuck:
            with self.engine.begin() as conn:
                taken = store.take_over(conn, row.id, row.state, now, self.lease)
            if not taken:
                continue
            log.warning("taking over survey run %d left in state %s", row.id, row.state)
            try:
                if row.state == store.POSTING:
                    self._post(row.id)
                else:
                    self._finish_close(row.id)
            except PostFailedError:
                continue  # logged; a transient failure is tried again after the lease
            done += 1
        for row in remind:
            with self.engine.begin() as conn:
                claimed = store.claim_reminder(conn, row.id)
            if claimed and self.poster is not None and row.message_ts is not None:
                try:
                    self.poster.post_reminder(self.view(row.id), row.message_ts)
                except PostFailedError as exc:  # a reminder is sent at most once
                    log.warning("survey run %d: reminder not posted: %s", row.id, exc)
                    continue
                done += 1
        for row in close:
            try:
                if self.close(row.id, now):
                    done += 1
            except PostFailedError as exc:
                log.warning("survey run %d closed but not shown yet (will retry): %s", row.id, exc)
        return done

    def close(self, run_id: int, now: datetime | None = None) -> bool:
        """Close an open run (once, whichever replica gets here first)."""
        with self.engine.begin() as conn:
            claimed = store.claim_close(conn, run_id, now or self.clock(), self.lease)
        if claimed:
            self._finish_close(run_id)
        return claimed

    def _finish_close(self, run_id: int) -> None:
        with self.engine.connect() as conn:
            row = store.run(conn, run_id)
            count = store.respondents(conn, run_id)
        assert row is not None
        results = self._results(row, count)
        if self.poster is not None and row.message_ts is not None:
            self.poster.post_closed(results, row.message_ts)
        with self.engine.begin() as conn:
            store.closed(conn, run_id, count)
        log.info("survey run %d closed with %d respondents", run_id, count)

    def results(self, run_id: int) -> RunResults:
        with self.engine.connect() as conn:
            row = store.run(conn, run_id)
            count = store.respondents(conn, run_id) if row else 0
        if row is None:
            raise NotFoundError("I don't know this survey; it may have been removed.")
        return self._results(row, count)

    def _results(self, row: store.RunRow, respondents: int) -> RunResults:
        view = self._view(row, respondents)
        with self.engine.connect() as conn:
            stored = store.answers(conn, [row.id])[row.id]
        by_question = {
            q.id: [Answer(q.id, v) for v, _ in stored.get(q.id, [])] for q in view.questions
        }
        polarities = {
            q.id: [p if p is not None else 0.0 for _, p in stored.get(q.id, [])]
            for q in view.questions
            if q.kind == "text"
        }
        results = summarize(view.qset, by_question, self.min_respondents, polarities)
        shown = {r.question_id for r in results.results if isinstance(r, QuestionResult)}
        comments = tuple(
            (q.id, tuple(v for v, _ in stored.get(q.id, [])))
            for q in view.questions
            if q.kind == "text" and q.id in shown
        )
        return RunResults(
            run=view,
            results=results,
            respondents=respondents,
            audience=row.audience,
            advice=culture_advice(view.qset, results),
            comments=comments,
        )

    def overview(
        self, as_of: date | None = None, days: int = 90, channel: str | None = None
    ) -> SurveyOverview:
        """The surveys section of /orbit and the report: runs closed in the ``days`` up to the
        end of ``as_of`` (default: now)."""
        until = (
            self.clock()
            if as_of is None
            else datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)
        )
        with self.engine.connect() as conn:
            closed = store.runs(conn, state=store.CLOSED, since=until - timedelta(days=days))
            closed = [
                r
                for r in closed
                if r.closes_at <= until and (channel is None or r.channel_id == channel)
            ]
            open_runs = len(store.runs(conn, state=store.OPEN))
        known = [r for r in closed if r.set_id in self.sets]
        return build_overview(
            [self._results(r, r.respondents) for r in known], self.min_respondents, open_runs
        )


def _row(spec: ScheduleSpec, channel_id: str, origin: str) -> store.ScheduleRow:
    return store.ScheduleRow(
        channel_id=channel_id,
        set_id=spec.set_id,
        cron=spec.cron,
        timezone=spec.timezone,
        questions=spec.questions,
        open_hours=spec.open_hours,
        reminder=spec.reminder,
        rotation_weeks=spec.rotation_weeks,
        enabled=True,
        origin=origin,
    )


def _spec(row: store.ScheduleRow) -> ScheduleSpec:
    return ScheduleSpec(
        channel=row.channel_id,
        set_id=row.set_id,
        cron=row.cron,
        timezone=row.timezone,
        questions=row.questions,
        open_hours=row.open_hours,
        reminder=row.reminder,
        rotation_weeks=row.rotation_weeks,
    )
