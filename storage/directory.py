"""Members and channels: who is who, who is a bot, who opted out, who sits in which channel."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, delete, select

from bot.core import model
from storage import tables
from storage.sql import CHANNEL, CHANNEL_MEMBER, MEMBER, insert_ignore, upsert


def upsert_members(conn: Connection, members: Iterable[model.Member]) -> int:
    """Add or refresh members from the platform's directory; opt-out and first-activity are ours
    and are kept."""
    rows: list[dict[str, object]] = [
        {"id": m.id, "name": m.name, "is_bot": m.is_bot, "deleted": m.deleted, "opted_out": False}
        for m in members
    ]
    upsert(conn, MEMBER, rows, ["id"], ["name", "is_bot", "deleted"])
    return len(rows)


def upsert_channels(conn: Connection, channels: Iterable[model.Channel]) -> int:
    channel_rows: list[dict[str, object]] = []
    member_rows: list[dict[str, object]] = []
    for c in channels:
        channel_rows.append({"id": c.id, "name": c.name, "tracked": True})
        member_rows.extend({"channel_id": c.id, "member_id": m} for m in c.members)
    upsert(conn, CHANNEL, channel_rows, ["id"], ["name"])
    insert_ignore(conn, CHANNEL_MEMBER, member_rows)
    return len(channel_rows)


def add_channel_member(conn: Connection, channel_id: str, member_id: str) -> None:
    insert_ignore(conn, CHANNEL_MEMBER, [{"channel_id": channel_id, "member_id": member_id}])


def remove_channel_member(conn: Connection, channel_id: str, member_id: str) -> None:
    conn.execute(
        delete(CHANNEL_MEMBER).where(
            CHANNEL_MEMBER.c.channel_id == channel_id, CHANNEL_MEMBER.c.member_id == member_id
        )
    )


def load_directory(conn: Connection, self_id: str | None = None) -> model.Directory:
    rows = conn.execute(
        select(MEMBER.c.id, MEMBER.c.is_bot, MEMBER.c.opted_out).where(
            MEMBER.c.is_bot | MEMBER.c.opted_out
        )
    ).all()
    return model.Directory(
        bots={r.id for r in rows if r.is_bot},
        opted_out={r.id for r in rows if r.opted_out},
        self_id=self_id,
    )


def channel_by_name(conn: Connection, name: str) -> tables.Channel | None:
    name = name.lstrip("#")
    row = conn.execute(
        select(CHANNEL.c.id, CHANNEL.c.name, CHANNEL.c.tracked).where(
            (CHANNEL.c.name == name) | (CHANNEL.c.id == name)
        )
    ).first()
    return None if row is None else tables.Channel(id=row.id, name=row.name, tracked=row.tracked)


def channels(conn: Connection) -> list[tuple[str, str]]:
    """Every known channel as (id, name), by name."""
    rows = conn.execute(select(CHANNEL.c.id, CHANNEL.c.name).order_by(CHANNEL.c.name))
    return [(r.id, r.name) for r in rows]


def channel_names(conn: Connection) -> list[str]:
    return list(conn.execute(select(CHANNEL.c.name).order_by(CHANNEL.c.name)).scalars())


def channel_member_ids(conn: Connection, channel_id: str) -> set[str]:
    return set(
        conn.execute(
            select(CHANNEL_MEMBER.c.member_id).where(CHANNEL_MEMBER.c.channel_id == channel_id)
        ).scalars()
    )


def member_names(conn: Connection, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return {
        r.id: r.name
        for r in conn.execute(select(MEMBER.c.id, MEMBER.c.name).where(MEMBER.c.id.in_(wanted)))
    }
