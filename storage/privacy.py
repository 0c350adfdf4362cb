"""Opt-out, opt-in and forget (DESIGN.md "Privacy"): erasure that leaves no trace of a member in
activities, rollups or snapshots, and keeps every other member's rollups consistent."""

from __future__ import annotations

from sqlalchemy import Connection, delete, select, update

from storage import activities as store
from storage.sql import (
    ACTIVITY,
    MEMBER,
    PAIR_CHANNEL_DAY,
    PAIR_DAY,
    SNAPSHOT_MEMBER,
)


def erase(conn: Connection, member_id: str) -> int:
    """Delete everything kept about a member; returns how many records went (activities,
    links from others' activities, snapshot entries; rollups are derived and not counted).

    Their own activities go (with their rollups); other members' responses to them lose their
    target (the responder's engagement stays, the link to this member does not); snapshot rows
    and the remembered first activity go too.
    """
    erased = store.delete_where(conn, ACTIVITY.c.actor == member_id)
    touched = conn.execute(
        select(ACTIVITY.c.actor, ACTIVITY.c.day).where(ACTIVITY.c.target == member_id)
    ).all()
    if touched:
        conn.execute(update(ACTIVITY).where(ACTIVITY.c.target == member_id).values(target=None))
        erased += len(touched)
    for table in (PAIR_DAY, PAIR_CHANNEL_DAY):  # derived rows: not counted as records
        conn.execute(delete(table).where(table.c.target_id == member_id))
    erased += conn.execute(
        delete(SNAPSHOT_MEMBER).where(SNAPSHOT_MEMBER.c.member_id == member_id)
    ).rowcount
    conn.execute(
        update(MEMBER)
        .where((MEMBER.c.id == member_id) | (MEMBER.c.first_target == member_id))
        .values(first_ts=None, first_day=None, first_target=None, first_channel=None)
    )
    return erased


def set_opted_out(conn: Connection, member_id: str, opted_out: bool) -> bool:
    """Record the member's choice; returns the previous value."""
    store.ensure_members(conn, [member_id])
    before = conn.execute(select(MEMBER.c.opted_out).where(MEMBER.c.id == member_id)).scalar_one()
    conn.execute(update(MEMBER).where(MEMBER.c.id == member_id).values(opted_out=opted_out))
    return bool(before)
