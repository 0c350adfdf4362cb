"""Writing activities and keeping the daily rollups a pure function of them.

Rollups (``member_day``, ``pair_day`` and their per-channel twins) are never incremented
blindly: after activities are added or deleted, the affected (member, day) cells are recomputed
from the activity table. That makes every
path — bulk import, a live event, a Slack retry, a deletion, ``forget`` — agree by construction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
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
    """Give a long write a bigger SQLite page cache (64 MB) so the indexes stay in memory."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size=-65536")


def insert_rows(conn: Connection, rows: Sequence[ActivityRow]) -> int:
    """Insert activity rows, ignoring keys already stored; returns how many were new.

    This is the hot path of an import, so it hands tuples straight to the driver. Rollups are
    not touched: call :func:`refresh_rollups` for the days (and members) affected.
    """
    marks = ", ".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * len(ROW_COLUMNS))
    sql = (
        f"INSERT INTO activity ({', '.join(ROW_COLUMNS)}) VALUES ({marks}) "
        "ON CONFLICT (key) DO NOTHING"
    )
    inserted = 0
    for start in range(0, len(rows), BATCH):
        result = conn.exec_driver_sql(sql, list(rows[start : start + BATCH]))
        inserted += max(0, result.rowcount)
    return inserted


def insert_activities(conn: Connection, activities: Sequence[Activity]) -> int:
    return insert_rows(conn, [a.as_row() for a in activities])


@dataclass(frozen=True, slots=True)
class Cells:
    """Rollup cells to recompute: a day range, and optionally only some members (actors)."""

    lo: int
    hi: int
    members: frozenset[str] | None = None

    @staticmethod
    def of(activities: Iterable[Activity]) -> Cells | None:
        days = [a.day for a in activities]
        if not days:
            return None
        return Cells(min(days), max(days), frozenset(a.actor for a in activities))


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


def note_first_activities(conn: Connection, first: FirstSeen) -> None:
    """Remember each actor's earliest activity (and whom it responded to) for reach's bonus."""
    actors = sorted(first)
    for start in range(0, len(actors), BATCH):
        chunk = actors[start : start + BATCH]
        stored: dict[str, float | None] = {
            r.id: r.first_ts
            for r in conn.execute(
                select(MEMBER.c.id, MEMBER.c.first_ts).where(MEMBER.c.id.in_(chunk))
            )
        }
        updates = [
            {
                "b_id": actor,
                "first_ts": row[5],
                "first_day": row[6],
                "first_target": row[3],
                "first_channel": row[4],
            }
            for actor in chunk
            if actor in stored and _earlier((row := first[actor])[5], stored[actor])
        ]
        if updates:
            conn.execute(
                MEMBER.update()
                .where(MEMBER.c.id == bindparam("b_id"))
                .values(
                    first_ts=bindparam("first_ts"),
                    first_day=bindparam("first_day"),
                    first_target=bindparam("first_target"),
                    first_channel=bindparam("first_channel"),
                ),
                updates,
            )


def _earlier(ts: float, stored: float | None) -> bool:
    return stored is None or ts < stored


def ensure_members(conn: Connection, ids: Iterable[str]) -> None:
    """Create placeholder member rows for ids seen in activities but not (yet) in the directory."""
    rows = [
        {"id": i, "name": i, "is_bot": False, "deleted": False, "opted_out": False}
        for i in sorted(set(ids))
    ]
    insert_ignore(conn, MEMBER, rows)


def record(engine: Engine, activities: Sequence[Activity]) -> int:
    """Store live activities in one transaction and refresh the rollup cells they touch."""
    if not activities:
        return 0
    with engine.begin() as conn:
        ensure_members(
            conn, {a.actor for a in activities} | {a.target for a in activities if a.target}
        )
        rows = [a.as_row() for a in activities]
        inserted = insert_rows(conn, rows)
        if inserted:
            note_first_activities(conn, earliest(rows))
            cells = Cells.of(activities)
            assert cells is not None
            refresh_rollups(conn, cells)
        return inserted


def delete_where(conn: Connection, condition: ColumnElement[bool]) -> int:
    """Delete matching activities and refresh the rollup cells they were counted in."""
    rows = conn.execute(select(ACTIVITY.c.actor, ACTIVITY.c.day).where(condition)).all()
    if not rows:
        return 0
    conn.execute(delete(ACTIVITY).where(condition))
    days = [r.day for r in rows]
    refresh_rollups(conn, Cells(min(days), max(days), frozenset(r.actor for r in rows)))
    return len(rows)


def stored_activity_count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(ACTIVITY)).scalar_one())


def thread_starter(conn: Connection, channel: str, thread_ts: str) -> str | None:
    """Author of a thread's first message, from what is stored."""
    ref = f"{channel}:{thread_ts}"
    return conn.execute(
        select(ACTIVITY.c.actor).where(
            ACTIVITY.c.key == f"post:{ref}",
        )
    ).scalar_one_or_none()
