"""Use case: the orbit summary at a date, for the community or one channel."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine, func, select

from bot.core.errors import NotFoundError
from bot.core.model import date_to_day, day_to_date
from bot.core.orbit import build_summary
from bot.core.scoring import ScoringParams
from bot.core.summary import OrbitSummary, TeamMember
from storage import directory as people
from storage import scores, snapshots
from storage.sql import MEMBER_DAY


@dataclass(frozen=True, slots=True)
class TeamConfig:
    """Who the platform team is: the members of its channel plus listed admins."""

    platform_channel: str
    admins: Collection[str] = ()


def team_ids(conn: Connection, team: TeamConfig) -> set[str]:
    ids = set(team.admins)
    channel = people.channel_by_name(conn, team.platform_channel)
    if channel is not None:
        ids |= people.channel_member_ids(conn, channel.id)
    return ids


def latest_day(conn: Connection) -> date | None:
    """The last day with any activity (read from the rollups' day index)."""
    day = conn.execute(select(func.max(MEMBER_DAY.c.day))).scalar_one_or_none()
    return None if day is None else day_to_date(int(day))


def resolve_as_of(conn: Connection, as_of: date | None) -> date:
    """``None`` means the day of the latest stored activity (or today when nothing is stored)."""
    if as_of is not None:
        return as_of
    return latest_day(conn) or date.today()


def orbit_summary(
    engine: Engine,
    params: ScoringParams,
    team: TeamConfig,
    *,
    as_of: date | None = None,
    channel: str | None = None,
    keep_snapshot: bool = False,
) -> OrbitSummary:
    """Score everyone and place them on the orbit map; optionally keep it as a snapshot so the
    next run reports movement and applies hysteresis."""
    with engine.begin() as conn:
        as_of = resolve_as_of(conn, as_of)
        channel_id = None
        if channel is not None:
            found = people.channel_by_name(conn, channel)
            if found is None:
                known = ", ".join(people.channel_names(conn)[:20]) or "none imported yet"
                raise NotFoundError(f"no channel named {channel!r}; known channels: {known}")
            channel_id, channel = found.id, found.name
        ids = team_ids(conn, team)
        stats = scores.community_stats(engine, params, date_to_day(as_of), ids, channel_id)
        scope = channel_id or ""
        previous = snapshots.previous_snapshot(conn, as_of, scope)
        names = people.member_names(conn, ids)
        summary = build_summary(
            stats,
            params=params,
            as_of=as_of,
            team=[TeamMember(i, names.get(i, i)) for i in ids],
            previous=previous.quadrants if previous else None,
            previous_counts=previous.counts if previous else None,
            channel=channel,
        )
        if keep_snapshot:
            snapshots.save_snapshot(conn, summary, scope)
    return summary
