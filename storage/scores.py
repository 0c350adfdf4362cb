"""Love, reach and recent sentiment per member, computed in SQL from the daily rollups.

The formulas are those of :mod:`bot.core.scoring` (a property test holds them equal); doing the
sums in the database keeps a summary's cost proportional to the rollup rows in the window
(members × active days, connected pairs × days), not to the number of raw activities. Both
queries group in the rollups' primary-key order, so SQLite streams through its clustered tables.
"""

from __future__ import annotations

from collections.abc import Collection
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, bindparam, text

from bot.core.model import Kind
from bot.core.orbit import MemberStats
from bot.core.scoring import ScoringParams

_LOVE_SQL = """
SELECT member_id,
       SUM(CASE WHEN pts > :cap THEN :cap ELSE pts END * pow(:half, (:hi - day) / :half_life))
         AS love,
       MAX(day) AS last_day,
       SUM(CASE WHEN day > :s_lo THEN sentiment_sum ELSE 0 END) AS ss,
       SUM(CASE WHEN day > :s_lo THEN sentiment_n ELSE 0 END) AS sn
FROM (
  SELECT member_id, day,
         n_message * :w_message + n_reply * :w_reply + n_reaction * :w_reaction
         + n_mention * :w_mention + n_join * :w_join + n_survey_answer * :w_survey_answer
         AS pts,
         sentiment_sum, sentiment_n
  FROM {table}
  WHERE {day} > :lo AND {day} <= :hi {channel_filter}
) AS d
GROUP BY member_id
"""


def _pair_strength(alias: str = "") -> str:
    """Σ weighted, decayed responses of one pair (columns qualified by ``alias``)."""
    a = f"{alias}." if alias else ""
    return (
        f"SUM(({a}n_reply * :w_reply + {a}n_reaction * :w_reaction + {a}n_mention * :w_mention)"
        f" * pow(:half, (:hi - {a}day) / :half_life))"
    )


_PAIR_STRENGTH = _pair_strength()

_REACH_SQL = f"""
SELECT target_id, SUM(CASE WHEN s > :cap THEN :cap ELSE s END) AS reach
FROM (
  SELECT target_id, source_id, {_PAIR_STRENGTH} AS s
  FROM {{table}}
  WHERE {{day}} > :lo AND {{day}} <= :hi AND source_id NOT IN :excluded {{channel_filter}}
  GROUP BY target_id, source_id
) AS pairs
GROUP BY target_id
"""

#: Pairs earning the pulled-in bonus, with their strength without it. The first activity of the
#: source was a response to the target inside the window, so the pair has rollup rows.
_BONUS_SQL = f"""
SELECT m.first_target AS target_id,
       :bonus * pow(:half, (:hi - m.first_day) / :half_life) AS bonus,
       (SELECT {_PAIR_STRENGTH} FROM {{table}} p
        WHERE p.target_id = m.first_target AND p.source_id = m.id
          AND p.day > :lo AND p.day <= :hi {{pair_channel_filter}}) AS s
FROM member m
WHERE m.first_target IS NOT NULL AND m.first_target <> m.id
  AND m.first_day > :lo AND m.first_day <= :hi
  AND m.id NOT IN :excluded {{first_channel_filter}}
"""

#: PostgreSQL hash-joins the bonus pairs with the rollups in one pass; SQLite is much faster
#: with the correlated lookups of _BONUS_SQL (one primary-key probe per pair).
_BONUS_JOIN_SQL = f"""
SELECT m.first_target AS target_id,
       MAX(:bonus * pow(:half, (:hi - m.first_day) / :half_life)) AS bonus,
       {_pair_strength("p")} AS s
FROM member m
JOIN {{table}} p ON p.target_id = m.first_target AND p.source_id = m.id
  AND p.day > :lo AND p.day <= :hi {{pair_channel_filter}}
WHERE m.first_target IS NOT NULL AND m.first_target <> m.id
  AND m.first_day > :lo AND m.first_day <= :hi
  AND m.id NOT IN :excluded {{first_channel_filter}}
GROUP BY m.id, m.first_target
"""

_POPULATION_SQL = """
SELECT id, name,
       id IN (SELECT member_id FROM channel_member
              WHERE channel_id IN (SELECT id FROM channel WHERE tracked {channel_filter}))
         AS in_scope
FROM member WHERE NOT is_bot AND NOT deleted AND NOT opted_out
"""


@dataclass(frozen=True, slots=True)
class Population:
    """Community members to score: everyone known except bots, deleted accounts, opted-out
    members and the platform team; for a channel, its members and whoever was active in it."""

    names: dict[str, str]
    in_scope: set[str]


def population(
    conn: Connection, team: Collection[str], channel_id: str | None = None
) -> Population:
    sql = _POPULATION_SQL.format(channel_filter="AND id = :channel" if channel_id else "")
    names: dict[str, str] = {}
    in_scope: set[str] = set()
    for member_id, name, scoped in conn.execute(text(sql), {"channel": channel_id}):
        if member_id in team:
            continue
        names[member_id] = name
        if scoped:
            in_scope.add(member_id)
    return Population(names=names, in_scope=in_scope)


LoveRow = tuple[float, int, float | None]


def _day_column(engine: Engine) -> str:
    """``+day`` keeps SQLite from using the day index, so it streams the clustered rollups in
    key order instead; PostgreSQL plans better with the plain column."""
    return "+day" if engine.dialect.name == "sqlite" else "day"


def _tune(conn: Connection) -> None:
    """PostgreSQL: room to hash-aggregate a few million rollup rows instead of sorting them; no
    parallel workers (our own two query streams already use the cores) and no JIT (compiling
    costs more than these sub-second queries gain)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            "SET LOCAL work_mem = '64MB'; SET LOCAL max_parallel_workers_per_gather = 0;"
            " SET LOCAL jit = off"
        )


def _love(
    engine: Engine, params: ScoringParams, as_of_day: int, channel_id: str | None
) -> dict[str, LoveRow]:
    p = params.love
    values: dict[str, object] = {
        "half": 0.5,
        "half_life": float(p.half_life_days),
        **{f"w_{k.value}": p.weight(k) for k in Kind},
        "lo": as_of_day - p.window_days,
        "hi": as_of_day,
        "cap": p.daily_cap,
        "s_lo": as_of_day - params.listen.sentiment_days,
        "channel": channel_id,
    }
    sql = _LOVE_SQL.format(
        table="member_channel_day" if channel_id else "member_day",
        channel_filter="AND channel_id = :channel" if channel_id else "",
        day=_day_column(engine),
    )
    love: dict[str, LoveRow] = {}
    with engine.connect() as conn:
        _tune(conn)
        for r in conn.execute(text(sql), values):
            sentiment = float(r.ss) / int(r.sn) if r.sn else None
            love[r.member_id] = (float(r.love), int(r.last_day), sentiment)
    return love


def _reach_values(
    params: ScoringParams, as_of_day: int, team: Collection[str], channel_id: str | None
) -> dict[str, object]:
    p = params.reach
    return {
        "half": 0.5,
        "half_life": float(p.half_life_days),
        **{f"w_{k.value}": p.weight(k) for k in (Kind.REPLY, Kind.REACTION, Kind.MENTION)},
        "lo": as_of_day - p.window_days,
        "hi": as_of_day,
        "cap": p.connection_cap,
        "bonus": p.pulled_in_bonus,
        "excluded": sorted(team) or [""],
        "channel": channel_id,
    }


def _reach(
    engine: Engine,
    params: ScoringParams,
    as_of_day: int,
    team: Collection[str],
    channel_id: str | None,
) -> dict[str, float]:
    """Σ over responders of min(cap, decayed responses), without the pulled-in bonus."""
    sql = _REACH_SQL.format(
        table="pair_channel_day" if channel_id else "pair_day",
        channel_filter="AND channel_id = :channel" if channel_id else "",
        day=_day_column(engine),
    )
    values = _reach_values(params, as_of_day, team, channel_id)
    with engine.connect() as conn:
        _tune(conn)
        stmt = text(sql).bindparams(bindparam("excluded", expanding=True))
        return {r.target_id: float(r.reach) for r in conn.execute(stmt, values)}


def _bonus(
    engine: Engine,
    params: ScoringParams,
    as_of_day: int,
    team: Collection[str],
    channel_id: str | None,
) -> list[tuple[str, float]]:
    """What the pulled-in bonus adds to each target's reach, pair by pair under the cap."""
    template = _BONUS_JOIN_SQL if engine.dialect.name == "postgresql" else _BONUS_SQL
    sql = template.format(
        table="pair_channel_day" if channel_id else "pair_day",
        pair_channel_filter="AND p.channel_id = :channel" if channel_id else "",
        first_channel_filter="AND m.first_channel = :channel" if channel_id else "",
    )
    cap = params.reach.connection_cap
    gains = []
    with engine.connect() as conn:
        _tune(conn)
        stmt = text(sql).bindparams(bindparam("excluded", expanding=True))
        for r in conn.execute(stmt, _reach_values(params, as_of_day, team, channel_id)):
            if r.s is None:  # that first response was deleted since: no pull left to reward
                continue
            strength = float(r.s)
            gains.append((r.target_id, min(cap, strength + float(r.bonus)) - min(cap, strength)))
    return gains


def community_stats(
    engine: Engine,
    params: ScoringParams,
    as_of_day: int,
    team: Collection[str],
    channel_id: str | None = None,
) -> list[MemberStats]:
    """Stats for every community member in scope at ``as_of_day`` (inclusive).

    Reach (the longest scan) runs on its own connection beside love and the bonus: the database
    does the work, so the two streams use both cores; more threads would only contend.
    """
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scores") as pool:
        # Two cores, two streams of work: reach (the longest scan) beside love then the bonus.
        reach_job = pool.submit(_reach, engine, params, as_of_day, team, channel_id)
        love = _love(engine, params, as_of_day, channel_id)
        gains = _bonus(engine, params, as_of_day, team, channel_id)
        with engine.connect() as conn:
            pop = population(conn, team, channel_id)
        reach = reach_job.result()
    for target, gain in gains:
        reach[target] = reach.get(target, 0.0) + gain
    names = pop.names
    no_love: LoveRow = (0.0, -1, None)
    stats = []
    for member_id in pop.in_scope | (love.keys() & names.keys()):
        love_value, last_day, sentiment = love.get(member_id, no_love)
        stats.append(  # positional: this runs once per member (100,000 in the benchmark)
            MemberStats(
                member_id,
                names[member_id],
                love_value,
                reach.get(member_id, 0.0),
                sentiment,
                last_day if last_day >= 0 else None,
            )
        )
    return stats
