"""Kept scoring runs, for hysteresis and for "change since the last snapshot"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Connection, delete, func, insert, select

from bot.core.digest import Position
from bot.core.summary import OrbitSummary, Quadrant
from storage.sql import BATCH, SNAPSHOT, SNAPSHOT_MEMBER


@dataclass(frozen=True, slots=True)
class Previous:
    as_of: date
    counts: dict[str, int]
    quadrants: dict[str, Quadrant]


def previous_snapshot(conn: Connection, as_of: date, scope: str = "") -> Previous | None:
    """The latest snapshot strictly before ``as_of`` for the scope."""
    row = conn.execute(
        select(SNAPSHOT.c.id, SNAPSHOT.c.as_of, SNAPSHOT.c.counts)
        .where(SNAPSHOT.c.scope == scope, SNAPSHOT.c.as_of < as_of)
        .order_by(SNAPSHOT.c.as_of.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    quadrants = {
        r.member_id: Quadrant(r.quadrant)
        for r in conn.execute(
            select(SNAPSHOT_MEMBER.c.member_id, SNAPSHOT_MEMBER.c.quadrant).where(
                SNAPSHOT_MEMBER.c.snapshot_id == row.id
            )
        )
    }
    return Previous(as_of=row.as_of, counts=dict(row.counts), quadrants=quadrants)


def save_snapshot(conn: Connection, summary: OrbitSummary, scope: str = "") -> int:
    """Keep the summary as the snapshot for its date and scope, replacing an earlier run of the
    same day. Silent members are not stored (they are observers by definition)."""
    conn.execute(
        delete(SNAPSHOT).where(SNAPSHOT.c.as_of == summary.as_of, SNAPSHOT.c.scope == scope)
    )
    key = conn.execute(
        insert(SNAPSHOT).values(
            as_of=summary.as_of,
            scope=scope,
            created_at=datetime.now(UTC),
            love_threshold=summary.thresholds.love,
            reach_threshold=summary.thresholds.reach,
            counts=summary.counts,
        )
    ).inserted_primary_key
    assert key is not None
    snapshot_id = int(key[0])
    rows = [
        {
            "snapshot_id": snapshot_id,
            "member_id": m.id,
            "love": m.love,
            "reach": m.reach,
            "quadrant": m.quadrant.value,
        }
        for m in summary.members
        if not m.silent
    ]
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(SNAPSHOT_MEMBER), rows[start : start + BATCH])
    return snapshot_id


def positions(
    conn: Connection, as_of: date, scope: str = ""
) -> tuple[date, dict[str, Position]] | None:
    """Where every active member stood in the latest snapshot strictly before ``as_of``."""
    row = conn.execute(
        select(SNAPSHOT.c.id, SNAPSHOT.c.as_of)
        .where(SNAPSHOT.c.scope == scope, SNAPSHOT.c.as_of < as_of)
        .order_by(SNAPSHOT.c.as_of.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    found = {
        r.member_id: Position(r.love, r.reach, Quadrant(r.quadrant))
        for r in conn.execute(
            select(
                SNAPSHOT_MEMBER.c.member_id,
                SNAPSHOT_MEMBER.c.love,
                SNAPSHOT_MEMBER.c.reach,
                SNAPSHOT_MEMBER.c.quadrant,
            ).where(SNAPSHOT_MEMBER.c.snapshot_id == row.id)
        )
    }
    return row.as_of, found


def active_count(conn: Connection, snapshot_as_of: date, scope: str = "") -> int:
    """Active members in the snapshot of that day (silent members are not stored)."""
    snapshot_id = select(SNAPSHOT.c.id).where(
        SNAPSHOT.c.scope == scope, SNAPSHOT.c.as_of == snapshot_as_of
    )
    return int(
        conn.execute(
            select(func.count()).where(SNAPSHOT_MEMBER.c.snapshot_id.in_(snapshot_id))
        ).scalar_one()
    )


def history(
    conn: Connection, until: date, since: date, scope: str = ""
) -> list[tuple[date, dict[str, int]]]:
    """Quadrant counts of the snapshots kept between ``since`` and ``until`` (inclusive)."""
    rows = conn.execute(
        select(SNAPSHOT.c.as_of, SNAPSHOT.c.counts)
        .where(SNAPSHOT.c.scope == scope, SNAPSHOT.c.as_of <= until, SNAPSHOT.c.as_of >= since)
        .order_by(SNAPSHOT.c.as_of)
    )
    return [(r.as_of, dict(r.counts)) for r in rows]


def delete_all(conn: Connection) -> int:
    """Forget every snapshot (the demo starts its history afresh)."""
    conn.execute(delete(SNAPSHOT_MEMBER))
    return int(conn.execute(delete(SNAPSHOT)).rowcount)
