"""Writing activities and keeping the daily rollups a pure function of them.

Rollups (``member_day``, ``pair_day`` and their per-channel twins) are never incremented
blindly: after activities are added or deleted, the affected (member, day) cells are recomputed
from the activity table. That makes every
path — bulk import, a live event, a Slack retry, a deletion, ``forget`` — agree by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    and_,
    bindparam,
    delete,
    func,
    select,
    text,
)

from bot.core.model import ROW_COLUMNS, Activity, ActivityRow, Kind
from storage.sql import (
    ACTIVITY,
    BATCH,
    MEMBER,
    MEMBER_CHANNEL_DAY,
    MEMBER_DAY,
    PAIR_CHANNEL_DAY,
    PAIR_DAY,
    insert_ignore,
)


def _count(kind: Kind) -> str:
    return f"SUM(CASE WHEN kind = '{kind.value}' THEN 1 ELSE 0 END)"


_MEMBER_COUNTS = (
    "n_message, n_reply, n_reaction, n_mention, n_join, n_survey_answer, sentiment_sum, sentiment_n"
)
_PAIR_COUNTS = "n_reply, n_reaction, n_mention"

#: Channel rollups come from the activities; the global ones from the channel rollups.
_REBUILD = (
    f"""
INSERT INTO member_channel_day (channel_id, member_id, day, {_MEMBER_COUNTS})
SELECT channel, actor, day,
       {_count(Kind.MESSAGE)}, {_count(Kind.REPLY)}, {_count(Kind.REACTION)},
       {_count(Kind.MENTION)}, {_count(Kind.JOIN)}, {_count(Kind.SURVEY_ANSWER)},
       COALESCE(SUM(sentiment), 0), COUNT(sentiment)
FROM activity WHERE day BETWEEN :lo AND :hi {{actor_filter}}
GROUP BY channel, actor, day
""",
    f"""
INSERT INTO pair_channel_day (channel_id, target_id, source_id, day, {_PAIR_COUNTS})
SELECT channel, target, actor, day,
       {_count(Kind.REPLY)}, {_count(Kind.REACTION)}, {_count(Kind.MENTION)}
FROM activity
WHERE day BETWEEN :lo AND :hi AND target IS NOT NULL AND target <> actor
  AND kind IN ('reply', 'reaction', 'mention') {{actor_filter}}
GROUP BY channel, target, actor, day
""",
    f"""
INSERT INTO member_day (member_id, day, {_MEMBER_COUNTS})
SELECT member_id, day, {", ".join(f"SUM({c})" for c in _MEMBER_COUNTS.split(", "))}
FROM member_channel_day WHERE day BETWEEN :lo AND :hi {{member_filter}}
GROUP BY member_id, day
""",
    f"""
INSERT INTO pair_day (target_id, source_id, day, {_PAIR_COUNTS})
SELECT target_id, source_id, day, {", ".join(f"SUM({c})" for c in _PAIR_COUNTS.split(", "))}
FROM pair_channel_day WHERE day BETWEEN :lo AND :hi {{source_filter}}
GROUP BY target_id, source_id, day
""",
)


def prepare_bulk(conn: Connection) -> None:
    """Give a long write a bigger SQLite page cache (128 MB) so the indexes stay in memory."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-131072")


def _insert_sql(conn: Connection) -> str:
    marks = ", ".join([_mark(conn)] * len(ROW_COLUMNS))
    return (
        f"INSERT INTO activity ({', '.join(ROW_COLUMNS)}) VALUES ({marks}) "
        "ON CONFLICT (key) DO NOTHING"
    )


def insert_rows(conn: Connection, rows: Sequence[ActivityRow]) -> int:
    """Insert activity rows, ignoring keys already stored; returns how many were new.

    This is the hot path of an import, so it hands tuples straight to the driver. Rollups are
    not touched: call :func:`refresh_rollups` for the days (and members) affected.
    """
    sql = _insert_sql(conn)
    inserted = 0
    for start in range(0, len(rows), BATCH):
        result = conn.exec_driver_sql(sql, list(rows[start : start + BATCH]))
        inserted += max(0, result.rowcount)
    return inserted


@dataclass(frozen=True, slots=True)
class Cells:
    """Rollup cells to recompute: a day range, and optionally only some members (actors)."""

    lo: int
    hi: int
    members: frozenset[str] | None = None


def refresh_rollups(conn: Connection, cells: Cells) -> None:
    """Recompute the rollups of the given cells from ``activity``."""
    members = sorted(cells.members) if cells.members is not None else None
    for table, who in (
        (MEMBER_CHANNEL_DAY, "member_id"),
        (PAIR_CHANNEL_DAY, "source_id"),
        (MEMBER_DAY, "member_id"),
        (PAIR_DAY, "source_id"),
    ):
        where = and_(table.c.day >= cells.lo, table.c.day <= cells.hi)
        if members is not None:
            where = and_(where, table.c[who].in_(members))
        conn.execute(delete(table).where(where))
    filters = {"actor_filter": "", "member_filter": "", "source_filter": ""}
    params: dict[str, object] = {"lo": cells.lo, "hi": cells.hi}
    if members is not None:
        filters = {
            "actor_filter": "AND actor IN :members",
            "member_filter": "AND member_id IN :members",
            "source_filter": "AND source_id IN :members",
        }
        params["members"] = members
    for sql in _REBUILD:
        stmt = text(sql.format(**filters))
        if members is not None:
            stmt = stmt.bindparams(bindparam("members", expanding=True))
        conn.execute(stmt, params)


FirstSeen = dict[str, ActivityRow]


def earliest(rows: Iterable[ActivityRow], into: FirstSeen | None = None) -> FirstSeen:
    """Each actor's earliest row; at equal times a response (with a target) wins, so a first
    message that mentions someone counts as being pulled in by them."""
    first: FirstSeen = {} if into is None else into
    for row in rows:
        seen = first.get(row[2])
        if seen is None or (row[5], row[3] is None) < (seen[5], seen[3] is None):
            first[row[2]] = row
    return first


_NOTE_FIRST = (
    "UPDATE member SET first_ts = ?, first_day = ?, first_target = ?, first_channel = ? "
    "WHERE id = ? AND (first_ts IS NULL OR first_ts > ?)"
)


def note_first_activities(conn: Connection, first: FirstSeen) -> None:
    """Remember each actor's earliest activity (and whom it responded to) for reach's bonus:
    one conditional update per actor, which only writes when the activity is earlier."""
    _executemany(
        conn,
        _NOTE_FIRST,
        [(row[5], row[6], row[3], row[4], actor, row[5]) for actor, row in first.items()],
    )


def ensure_members(conn: Connection, ids: Iterable[str]) -> None:
    """Create placeholder member rows for ids seen in activities but not (yet) in the directory."""
    rows = [
        {"id": i, "name": i, "is_bot": False, "deleted": False, "opted_out": False}
        for i in sorted(set(ids))
    ]
    insert_ignore(conn, MEMBER, rows)


def add_to_rollups(conn: Connection, rows: Sequence[ActivityRow]) -> None:
    """Add newly stored activities to their rollup cells (``+=``). Only for rows that were
    really inserted; equal by construction to recomputing the cells (a test holds them equal)."""
    member: dict[tuple[str, str, int], list[float]] = {}
    pair: dict[tuple[str, str, str, int], list[int]] = {}
    kinds = [k.value for k in Kind]
    for _key, kind, actor, target, channel, _ts, day, _ref, sentiment, _text in rows:
        counts = member.setdefault((channel, actor, day), [0.0] * (len(kinds) + 2))
        counts[kinds.index(kind)] += 1
        if sentiment is not None:
            counts[-2] += sentiment
            counts[-1] += 1
        if target is not None and target != actor and kind in _RESPONSE_COLUMNS:
            links = pair.setdefault((channel, target, actor, day), [0, 0, 0])
            links[_RESPONSE_COLUMNS.index(kind)] += 1
    member_cols = [f"n_{k}" for k in kinds] + ["sentiment_sum", "sentiment_n"]
    for table, keys in ((MEMBER_CHANNEL_DAY, ("channel_id",)), (MEMBER_DAY, ())):
        cells: dict[tuple[object, ...], list[float]] = {}
        for (channel, actor, day), counts in member.items():
            cell = cells.setdefault(
                (channel, actor, day) if keys else (actor, day), [0.0] * len(counts)
            )
            for i, n in enumerate(counts):
                cell[i] += n
        names = [*keys, "member_id", "day"]
        _increment(conn, table, names, member_cols, cells)
    pair_cols = [f"n_{k}" for k in _RESPONSE_COLUMNS]
    for table, keys in ((PAIR_CHANNEL_DAY, ("channel_id",)), (PAIR_DAY, ())):
        pair_cells: dict[tuple[object, ...], list[float]] = {}
        for (channel, target, actor, day), links in pair.items():
            cell = pair_cells.setdefault(
                (channel, target, actor, day) if keys else (target, actor, day), [0.0, 0.0, 0.0]
            )
            for i, n in enumerate(links):
                cell[i] += n
        names = [*keys, "target_id", "source_id", "day"]
        _increment(conn, table, names, pair_cols, pair_cells)


_RESPONSE_COLUMNS = ("reply", "reaction", "mention")


def _executemany(conn: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """Run a statement for many rows straight on the driver's cursor (the live hot path)."""
    if not rows:
        return
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql.replace("?", _mark(conn)), rows)
    finally:
        cursor.close()


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _increment(
    conn: Connection,
    table: Table,
    keys: list[str],
    columns: list[str],
    cells: dict[tuple[object, ...], list[float]],
) -> None:
    """``INSERT … ON CONFLICT DO UPDATE SET n = n + excluded.n`` (same SQL on SQLite and
    PostgreSQL)."""
    names = [*keys, *columns]
    updates = ", ".join(f"{c} = {table.name}.{c} + excluded.{c}" for c in columns)
    sql = (
        f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
    rows = [
        (
            *key,
            *(v if c == "sentiment_sum" else int(v) for c, v in zip(columns, values, strict=True)),
        )
        for key, values in cells.items()
    ]
    _executemany(conn, sql, rows)


def record_in(conn: Connection, activities: Sequence[Activity]) -> list[ActivityRow]:
    """Store activities inside an open transaction; returns the rows that were new, which have
    been added to their rollups and first-activity records."""
    sql = _insert_sql(conn)
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    new: list[ActivityRow] = []
    try:
        for a in activities:  # one by one: the driver's rowcount says which rows were new
            row = a.as_row()
            cursor.execute(sql, row)
            if cursor.rowcount == 1:
                new.append(row)
    finally:
        cursor.close()
    if new:
        note_first_activities(conn, earliest(new))
        add_to_rollups(conn, new)
    return new


def record(engine: Engine, activities: Sequence[Activity]) -> int:
    """Store activities in one transaction, creating member rows as needed; the new ones are
    added to their rollups."""
    if not activities:
        return 0
    with engine.begin() as conn:
        ensure_members(
            conn, {a.actor for a in activities} | {a.target for a in activities if a.target}
        )
        return len(record_in(conn, activities))


def delete_where(conn: Connection, condition: ColumnElement[bool]) -> int:
    """Delete matching activities and refresh the rollup cells they were counted in."""
    rows = conn.execute(select(ACTIVITY.c.actor, ACTIVITY.c.day).where(condition)).all()
    if not rows:
        return 0
    conn.execute(delete(ACTIVITY).where(condition))
    days = [r.day for r in rows]
    refresh_rollups(conn, Cells(min(days), max(days), frozenset(r.actor for r in rows)))
    return len(rows)


def thread_starter(conn: Connection, channel: str, thread_ts: str) -> str | None:
    """Author of a thread's first message, from what is stored."""
    ref = f"{channel}:{thread_ts}"
    return conn.execute(
        select(ACTIVITY.c.actor).where(
            ACTIVITY.c.key == f"post:{ref}",
        )
    ).scalar_one_or_none()


def last_active_days(conn: Connection, member_ids: Iterable[str]) -> dict[str, int]:
    """The last day each member was active (members without any activity are left out)."""
    ids = list(member_ids)
    if not ids:
        return {}
    rows = conn.execute(
        select(MEMBER_DAY.c.member_id, func.max(MEMBER_DAY.c.day))
        .where(MEMBER_DAY.c.member_id.in_(ids))
        .group_by(MEMBER_DAY.c.member_id)
    )
    return {member_id: int(day) for member_id, day in rows}
