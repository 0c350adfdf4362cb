"""Survey schedules, runs, anonymous answers and participation; and claims on periodic jobs.

Exactly-once across replicas rests on two database guarantees only: a unique key (a run per
channel and slot, a job claim per name and period) and conditional UPDATEs whose row count says
who won (a run's state moves posting → open → closing → closed, each step under a lease).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, delete, func, select, update

from storage.sql import (
    JOB_CLAIM,
    SURVEY_ANSWER,
    SURVEY_PARTICIPANT,
    SURVEY_RUN,
    SURVEY_SCHEDULE,
    dialect_insert,
    upsert,
)

POSTING, OPEN, CLOSING, CLOSED, FAILED = "posting", "open", "closing", "closed", "failed"


@dataclass(frozen=True, slots=True)
class ScheduleRow:
    channel_id: str
    set_id: str
    cron: str
    timezone: str
    questions: int
    open_hours: int
    reminder: bool
    rotation_weeks: int
    enabled: bool
    origin: str


@dataclass(frozen=True, slots=True)
class RunRow:
    id: int
    channel_id: str
    set_id: str
    question_ids: tuple[str, ...]
    reaction_question: str | None
    slot: datetime
    opened_at: datetime
    closes_at: datetime
    remind_at: datetime | None
    reminded: bool
    state: str
    message_ts: str | None
    audience: int | None
    respondents: int


# --------------------------------------------------------------------------- schedules


def save_schedule(conn: Connection, row: ScheduleRow, now: datetime) -> None:
    values = {**asdict(row), "updated_at": now}
    upsert(
        conn, SURVEY_SCHEDULE, [values], ["channel_id"], [k for k in values if k != "channel_id"]
    )


def schedules(conn: Connection) -> list[ScheduleRow]:
    rows = conn.execute(select(SURVEY_SCHEDULE).order_by(SURVEY_SCHEDULE.c.channel_id))
    return [ScheduleRow(**{k: v for k, v in r._mapping.items() if k != "updated_at"}) for r in rows]


def schedule(conn: Connection, channel_id: str) -> ScheduleRow | None:
    return next((s for s in schedules(conn) if s.channel_id == channel_id), None)


def sync_file_schedules(conn: Connection, rows: Sequence[ScheduleRow], now: datetime) -> list[str]:
    """Make the file's schedules current: add or update them, drop file schedules no longer in
    the file. Channels with a schedule set by command keep it. Returns the channels skipped."""
    commanded = {
        r.channel_id
        for r in conn.execute(
            select(SURVEY_SCHEDULE.c.channel_id).where(SURVEY_SCHEDULE.c.origin == "command")
        )
    }
    wanted = {r.channel_id for r in rows}
    conn.execute(
        delete(SURVEY_SCHEDULE).where(
            (SURVEY_SCHEDULE.c.origin == "yaml") & SURVEY_SCHEDULE.c.channel_id.not_in(wanted)
        )
    )
    skipped = []
    for row in rows:
        if row.channel_id in commanded:
            skipped.append(row.channel_id)
        else:
            save_schedule(conn, row, now)
    return skipped


# --------------------------------------------------------------------------- runs


def _run(r: Any) -> RunRow:
    return RunRow(
        id=r.id,
        channel_id=r.channel_id,
        set_id=r.set_id,
        question_ids=tuple(r.question_ids),
        reaction_question=r.reaction_question,
        slot=r.slot,
        opened_at=r.opened_at,
        closes_at=r.closes_at,
        remind_at=r.remind_at,
        reminded=r.reminded,
        state=r.state,
        message_ts=r.message_ts,
        audience=r.audience,
        respondents=r.respondents,
    )


_RUN_COLUMNS = [c for c in SURVEY_RUN.c if c.name != "salt"]


def create_run(
    conn: Connection,
    *,
    channel_id: str,
    set_id: str,
    question_ids: Sequence[str],
    reaction_question: str | None,
    slot: datetime,
    opened_at: datetime,
    closes_at: datetime,
    remind_at: datetime | None,
    audience: int | None,
    salt: bytes,
    lease_until: datetime,
) -> int | None:
    """Claim a run for ``(channel, slot)``: its id, or None when another replica (or an earlier
    life of this one) already has it."""
    stmt = (
        dialect_insert(conn, SURVEY_RUN)
        .values(
            channel_id=channel_id,
            set_id=set_id,
            question_ids=list(question_ids),
            reaction_question=reaction_question,
            slot=slot,
            opened_at=opened_at,
            closes_at=closes_at,
            remind_at=remind_at,
            reminded=False,
            state=POSTING,
            lease_until=lease_until,
            audience=audience,
            respondents=0,
            salt=salt,
        )
        .on_conflict_do_nothing()
        .returning(SURVEY_RUN.c.id)
    )
    run_id = conn.execute(stmt).scalar_one_or_none()
    return None if run_id is None else int(run_id)


def run(conn: Connection, run_id: int) -> RunRow | None:
    row = conn.execute(select(*_RUN_COLUMNS).where(SURVEY_RUN.c.id == run_id)).first()
    return None if row is None else _run(row)


def run_by_message(conn: Connection, channel_id: str, message_ts: str) -> RunRow | None:
    row = conn.execute(
        select(*_RUN_COLUMNS).where(
            (SURVEY_RUN.c.channel_id == channel_id) & (SURVEY_RUN.c.message_ts == message_ts)
        )
    ).first()
    return None if row is None else _run(row)


def salt(conn: Connection, run_id: int) -> bytes | None:
    """The run's salt while it takes answers (posted, or being posted: a click can arrive before
    the post is recorded); None from the moment it starts closing."""
    taking = SURVEY_RUN.c.state.in_([POSTING, OPEN])
    value = conn.execute(
        select(SURVEY_RUN.c.salt).where((SURVEY_RUN.c.id == run_id) & taking)
    ).scalar_one_or_none()
    return None if value is None else bytes(value)


def posted(conn: Connection, run_id: int, message_ts: str) -> None:
    """The survey message is out: the run is open for answers."""
    conn.execute(
        update(SURVEY_RUN)
        .where(SURVEY_RUN.c.id == run_id)
        .values(state=OPEN, message_ts=message_ts, lease_until=None)
    )


def failed(conn: Connection, run_id: int) -> None:
    """The platform will never take this run (e.g. the bot is not in the channel)."""
    conn.execute(
        update(SURVEY_RUN)
        .where(SURVEY_RUN.c.id == run_id)
        .values(state=FAILED, salt=None, lease_until=None)
    )


def take_over(conn: Connection, run_id: int, state: str, now: datetime, lease: timedelta) -> bool:
    """Take a step left half-done (``posting`` or ``closing``) whose lease ran out."""
    result = conn.execute(
        update(SURVEY_RUN)
        .where(
            (SURVEY_RUN.c.id == run_id)
            & (SURVEY_RUN.c.state == state)
            & (SURVEY_RUN.c.lease_until < now)
        )
        .values(lease_until=now + lease)
    )
    return result.rowcount == 1


def claim_reminder(conn: Connection, run_id: int) -> bool:
    result = conn.execute(
        update(SURVEY_RUN)
        .where(
            (SURVEY_RUN.c.id == run_id)
            & (SURVEY_RUN.c.state == OPEN)
            & SURVEY_RUN.c.reminded.is_(False)
        )
        .values(reminded=True)
    )
    return result.rowcount == 1


def claim_close(conn: Connection, run_id: int, now: datetime, lease: timedelta) -> bool:
    """Move an open run to ``closing``; from then on no answer is taken (the salt stays until
    :func:`closed`, so a replica taking over can still count)."""
    result = conn.execute(
        update(SURVEY_RUN)
        .where((SURVEY_RUN.c.id == run_id) & (SURVEY_RUN.c.state == OPEN))
        .values(
            state=CLOSING,
            lease_until=now + lease,
            # closed early (by hand): the run's close time is when it really closed
            closes_at=case((SURVEY_RUN.c.closes_at > now, now), else_=SURVEY_RUN.c.closes_at),
        )
    )
    return result.rowcount == 1


def closed(conn: Connection, run_id: int, respondents: int) -> None:
    """The run is closed and its results are out: erase the salt for good."""
    conn.execute(
        update(SURVEY_RUN)
        .where(SURVEY_RUN.c.id == run_id)
        .values(state=CLOSED, respondents=respondents, salt=None, lease_until=None)
    )


def due(conn: Connection, now: datetime) -> tuple[list[RunRow], list[RunRow], list[RunRow]]:
    """Runs with work to do at ``now``: (stuck posting or closing, to remind, to close)."""
    base = select(*_RUN_COLUMNS)
    stuck = conn.execute(
        base.where(
            SURVEY_RUN.c.state.in_([POSTING, CLOSING]) & (SURVEY_RUN.c.lease_until < now)
        ).order_by(SURVEY_RUN.c.id)
    )
    remind = conn.execute(
        base.where(
            (SURVEY_RUN.c.state == OPEN)
            & SURVEY_RUN.c.reminded.is_(False)
            & (SURVEY_RUN.c.remind_at <= now)
            & (SURVEY_RUN.c.closes_at > now)
        ).order_by(SURVEY_RUN.c.id)
    )
    close = conn.execute(
        base.where((SURVEY_RUN.c.state == OPEN) & (SURVEY_RUN.c.closes_at <= now)).order_by(
            SURVEY_RUN.c.id
        )
    )
    return [_run(r) for r in stuck], [_run(r) for r in remind], [_run(r) for r in close]


def runs(
    conn: Connection, *, state: str | None = None, since: datetime | None = None
) -> list[RunRow]:
    stmt = select(*_RUN_COLUMNS)
    if state is not None:
        stmt = stmt.where(SURVEY_RUN.c.state == state)
    if since is not None:
        stmt = stmt.where(SURVEY_RUN.c.closes_at >= since)
    return [_run(r) for r in conn.execute(stmt.order_by(SURVEY_RUN.c.id))]


def any_runs(conn: Connection) -> bool:
    return conn.execute(select(SURVEY_RUN.c.id).limit(1)).first() is not None


def last_asked(conn: Connection, channel_id: str, set_id: str) -> dict[str, datetime]:
    """When each question of a set was last posted in a channel."""
    asked: dict[str, datetime] = {}
    rows = conn.execute(
        select(SURVEY_RUN.c.question_ids, SURVEY_RUN.c.opened_at).where(
            (SURVEY_RUN.c.channel_id == channel_id) & (SURVEY_RUN.c.set_id == set_id)
        )
    )
    for question_ids, opened_at in rows:
        for qid in question_ids:
            if qid not in asked or asked[qid] < opened_at:
                asked[qid] = opened_at
    return asked


# --------------------------------------------------------------------------- answers


def keyed(salt: bytes, *parts: str) -> str:
    """A keyed hash (HMAC-SHA256) of ``parts`` under a run's salt; without the salt it names no
    one, and the salt is erased when the run closes."""
    return hmac.new(salt, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()


def save_answer(
    conn: Connection,
    run_id: int,
    question_id: str,
    answer_key: str,
    value: str,
    polarity: float | None,
) -> str | None:
    """Store (or replace) one answer; returns the value it replaced, if any."""
    before = answer_value(conn, run_id, question_id, answer_key)
    row = {
        "run_id": run_id,
        "question_id": question_id,
        "answer_key": answer_key,
        "value": value,
        "polarity": polarity,
    }
    upsert(
        conn, SURVEY_ANSWER, [row], ["run_id", "question_id", "answer_key"], ["value", "polarity"]
    )
    return before


def answer_value(conn: Connection, run_id: int, question_id: str, answer_key: str) -> str | None:
    return conn.execute(
        select(SURVEY_ANSWER.c.value).where(
            (SURVEY_ANSWER.c.run_id == run_id)
            & (SURVEY_ANSWER.c.question_id == question_id)
            & (SURVEY_ANSWER.c.answer_key == answer_key)
        )
    ).scalar_one_or_none()


def delete_answer(conn: Connection, run_id: int, question_id: str, answer_key: str) -> bool:
    result = conn.execute(
        delete(SURVEY_ANSWER).where(
            (SURVEY_ANSWER.c.run_id == run_id)
            & (SURVEY_ANSWER.c.question_id == question_id)
            & (SURVEY_ANSWER.c.answer_key == answer_key)
        )
    )
    return result.rowcount == 1


def participate(conn: Connection, run_id: int, member_hash: str) -> None:
    stmt = dialect_insert(conn, SURVEY_PARTICIPANT).values(run_id=run_id, member_hash=member_hash)
    conn.execute(stmt.on_conflict_do_nothing())


def withdraw(conn: Connection, run_id: int, member_hash: str) -> None:
    conn.execute(
        delete(SURVEY_PARTICIPANT).where(
            (SURVEY_PARTICIPANT.c.run_id == run_id)
            & (SURVEY_PARTICIPANT.c.member_hash == member_hash)
        )
    )


def respondents(conn: Connection, run_id: int) -> int:
    return int(
        conn.execute(select(func.count()).where(SURVEY_PARTICIPANT.c.run_id == run_id)).scalar_one()
    )


def answers(
    conn: Connection, run_ids: Iterable[int]
) -> dict[int, dict[str, list[tuple[str, float | None]]]]:
    """Answers per run and question: (value, polarity) pairs, in no meaningful order."""
    ids = list(run_ids)
    out: dict[int, dict[str, list[tuple[str, float | None]]]] = {i: {} for i in ids}
    if not ids:
        return out
    rows = conn.execute(
        select(
            SURVEY_ANSWER.c.run_id,
            SURVEY_ANSWER.c.question_id,
            SURVEY_ANSWER.c.value,
            SURVEY_ANSWER.c.polarity,
        )
        .where(SURVEY_ANSWER.c.run_id.in_(ids))
        .order_by(SURVEY_ANSWER.c.run_id, SURVEY_ANSWER.c.question_id, SURVEY_ANSWER.c.answer_key)
    )
    for run_id, question_id, value, polarity in rows:
        out[run_id].setdefault(question_id, []).append((value, polarity))
    return out


# --------------------------------------------------------------------------- job claims


def claim_once(conn: Connection, name: str, period: str, owner: str, now: datetime) -> bool:
    """Claim job ``name`` for ``period``; True for the one caller that gets it."""
    stmt = (
        dialect_insert(conn, JOB_CLAIM)
        .values(name=name, period=period, owner=owner, claimed_at=now)
        .on_conflict_do_nothing()
        .returning(JOB_CLAIM.c.name)
    )
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING.
    return conn.execute(stmt).scalar_one_or_none() is not None


def prune_claims(conn: Connection, before: datetime) -> int:
    result = conn.execute(delete(JOB_CLAIM).where(JOB_CLAIM.c.claimed_at < before))
    return int(result.rowcount)
