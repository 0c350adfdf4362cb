"""Love, reach and recent sentiment per member, computed in SQL from the daily rollups.

The formulas are those of :mod:`bot.core.scoring` (a property test holds them equal); doing the
sums in the database keeps a summary's cost proportional to the rollup rows in the window
(members × active days, connected pairs × days), not to the number of raw activities.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select, text

from bot.core.model import Kind
from bot.core.orbit import MemberStats
from bot.core.scoring import ScoringParams, decay
from storage.sql import CHANNEL, CHANNEL_MEMBER, MEMBER

_LOVE_SQL = """
WITH decay(day, f) AS (VALUES {decay_rows}),
d AS (
  SELECT member_id, day,
         SUM(n_message) * :w_message + SUM(n_reply) * :w_reply + SUM(n_reaction) * :w_reaction
         + SUM(n_mention) * :w_mention + SUM(n_join) * :w_join
         + SUM(n_survey_answer) * :w_survey_answer AS pts,
         SUM(sentiment_sum) AS ss, SUM(sentiment_n) AS sn
  FROM member_day
  WHERE day > :lo AND day <= :hi {channel_filter}
  GROUP BY member_id, day
)
SELECT d.member_id,
       SUM(CASE WHEN d.pts > :cap THEN :cap ELSE d.pts END * decay.f) AS love,
       MAX(d.day) AS last_day,
       SUM(CASE WHEN d.day > :s_lo THEN d.ss ELSE 0 END) AS ss,
       SUM(CASE WHEN d.day > :s_lo THEN d.sn ELSE 0 END) AS sn
FROM d JOIN decay ON decay.day = d.day
GROUP BY d.member_id
"""

_REACH_SQL = """
WITH decay(day, f) AS (VALUES {decay_rows}),
s AS (
  SELECT p.source_id, p.target_id,
         SUM((p.n_reply * :w_reply + p.n_reaction * :w_reaction + p.n_mention * :w_mention)
             * decay.f) AS s
  FROM pair_day p JOIN decay ON decay.day = p.day
  WHERE p.day > :lo AND p.day <= :hi AND p.source_id NOT IN :excluded {pair_channel_filter}
  GROUP BY p.source_id, p.target_id
  UNION ALL
  SELECT m.id, m.first_target, :bonus * decay.f
  FROM member m JOIN decay ON decay.day = m.first_day
  WHERE m.first_target IS NOT NULL AND m.first_target <> m.id
    AND m.first_day > :lo AND m.first_day <= :hi
    AND m.id NOT IN :excluded {first_channel_filter}
),
c AS (SELECT source_id, target_id, SUM(s) AS s FROM s GROUP BY source_id, target_id)
SELECT target_id, SUM(CASE WHEN s > :cap THEN :cap ELSE s END) AS reach
FROM c GROUP BY target_id
"""


def _decay_rows(as_of_day: int, window: int, half_life: float) -> tuple[str, dict[str, object]]:
    rows = []
    params: dict[str, object] = {}
    for age in range(window):
        rows.append(f"(:dd{age}, :df{age})")
        params[f"dd{age}"] = as_of_day - age
        params[f"df{age}"] = decay(age, half_life)
    return ", ".join(rows), params


@dataclass(frozen=True, slots=True)
class Population:
    """Community members to score: everyone known except bots, deleted accounts, opted-out
    members and the platform team; for a channel, its members and whoever was active in it."""

    names: dict[str, str]
    in_scope: set[str]


def population(
    conn: Connection, team: Collection[str], channel_id: str | None = None
) -> Population:
    names = {
        r.id: r.name
        for r in conn.execute(
            select(MEMBER.c.id, MEMBER.c.name).where(
                ~MEMBER.c.is_bot & ~MEMBER.c.deleted & ~MEMBER.c.opted_out
            )
        )
        if r.id not in team
    }
    q = select(CHANNEL_MEMBER.c.member_id).join(
        CHANNEL, CHANNEL.c.id == CHANNEL_MEMBER.c.channel_id
    )
    q = q.where(CHANNEL.c.tracked)
    if channel_id is not None:
        q = q.where(CHANNEL.c.id == channel_id)
    in_scope = {m for m in conn.execute(q.distinct()).scalars() if m in names}
    return Population(names=names, in_scope=in_scope)


def community_stats(
    conn: Connection,
    params: ScoringParams,
    as_of_day: int,
    team: Collection[str],
    channel_id: str | None = None,
) -> list[MemberStats]:
    """Stats for every community member in scope at ``as_of_day`` (inclusive)."""
    pop = population(conn, team, channel_id)
    love_p, reach_p = params.love, params.reach

    love_rows, love_decay = _decay_rows(as_of_day, love_p.window_days, love_p.half_life_days)
    love_params: dict[str, object] = {
        **love_decay,
        **{f"w_{k.value}": love_p.weight(k) for k in Kind},
        "lo": as_of_day - love_p.window_days,
        "hi": as_of_day,
        "cap": love_p.daily_cap,
        "s_lo": as_of_day - params.listen.sentiment_days,
    }
    love_sql = _LOVE_SQL.format(
        decay_rows=love_rows,
        channel_filter="AND channel_id = :channel" if channel_id else "",
    )
    if channel_id:
        love_params["channel"] = channel_id
    love: dict[str, tuple[float, int, float | None]] = {}
    for r in conn.execute(text(love_sql), love_params):
        sentiment = float(r.ss) / int(r.sn) if r.sn else None
        love[r.member_id] = (float(r.love), int(r.last_day), sentiment)

    reach_rows, reach_decay = _decay_rows(as_of_day, reach_p.window_days, reach_p.half_life_days)
    reach_params: dict[str, object] = {
        **reach_decay,
        **{f"w_{k.value}": reach_p.weight(k) for k in (Kind.REPLY, Kind.REACTION, Kind.MENTION)},
        "lo": as_of_day - reach_p.window_days,
        "hi": as_of_day,
        "cap": reach_p.connection_cap,
        "bonus": reach_p.pulled_in_bonus,
        "excluded": sorted(team) or [""],
    }
    reach_sql = _REACH_SQL.format(
        decay_rows=reach_rows,
        pair_channel_filter="AND p.channel_id = :channel" if channel_id else "",
        first_channel_filter="AND m.first_channel = :channel" if channel_id else "",
    )
    if channel_id:
        reach_params["channel"] = channel_id
    reach_stmt = text(reach_sql).bindparams(bindparam("excluded", expanding=True))
    reach = {r.target_id: float(r.reach) for r in conn.execute(reach_stmt, reach_params)}

    stats = []
    for member_id in sorted(pop.in_scope | (love.keys() & pop.names.keys())):
        name = pop.names.get(member_id)
        if name is None:
            continue
        love_value, last_day, sentiment = love.get(member_id, (0.0, -1, None))
        stats.append(
            MemberStats(
                id=member_id,
                name=name,
                love=love_value,
                reach=reach.get(member_id, 0.0),
                sentiment=sentiment,
                last_active_day=last_day if last_day >= 0 else None,
            )
        )
    return stats
