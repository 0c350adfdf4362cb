"""Retention (DESIGN.md "Privacy"): activities, their rollups and snapshots older than
``PULSE_RETENTION_DAYS`` are deleted. Rollups are per day, so deleting the days before the
cut-off keeps every remaining rollup equal to the remaining activities."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, delete, select

from bot.core.model import date_to_day
from storage.sql import (
    ACTIVITY,
    MEMBER_CHANNEL_DAY,
    MEMBER_DAY,
    PAIR_CHANNEL_DAY,
    PAIR_DAY,
    SNAPSHOT,
    SNAPSHOT_MEMBER,
)


@dataclass(frozen=True, slots=True)
class Purged:
    cutoff: date
    activities: int
    rollups: int
    snapshots: int


def purge_before(conn: Connection, cutoff: date) -> Purged:
    """Delete what is older than ``cutoff`` (that day itself is kept)."""
    day = date_to_day(cutoff)
    activities = conn.execute(delete(ACTIVITY).where(ACTIVITY.c.day < day)).rowcount
    rollups = 0
    for table in (MEMBER_DAY, MEMBER_CHANNEL_DAY, PAIR_DAY, PAIR_CHANNEL_DAY):
        rollups += conn.execute(delete(table).where(table.c.day < day)).rowcount
    old = select(SNAPSHOT.c.id).where(SNAPSHOT.c.as_of < cutoff)
    conn.execute(delete(SNAPSHOT_MEMBER).where(SNAPSHOT_MEMBER.c.snapshot_id.in_(old)))
    snapshots = conn.execute(delete(SNAPSHOT).where(SNAPSHOT.c.as_of < cutoff)).rowcount
    return Purged(cutoff, int(activities), int(rollups), int(snapshots))
