"""Thresholds, quadrants with hysteresis, who to listen to, and the orbit summary."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import date
from typing import NamedTuple

from bot.core.model import date_to_day
from bot.core.scoring import ScoringParams, ThresholdParams
from bot.core.summary import (
    ListenPick,
    MemberScore,
    OrbitSummary,
    Quadrant,
    TeamMember,
    Thresholds,
)

HIGH_LOVE = frozenset({Quadrant.MULTIPLIER, Quadrant.FAN})
HIGH_REACH = frozenset({Quadrant.MULTIPLIER, Quadrant.SCEPTIC})


class MemberStats(NamedTuple):
    """Scores of one community member as storage computed them. ``last_active_day`` is the last
    epoch day with an activity of their own in the window, ``None`` when silent. (A NamedTuple:
    one is built per member, and tuples are three times cheaper than frozen dataclasses.)"""

    id: str
    name: str
    love: float
    reach: float
    sentiment: float | None = None
    last_active_day: int | None = None


def percentile(values: Sequence[float], p: float) -> float:
    """Linear-interpolated percentile (as numpy's default); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = p / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def thresholds(active: Sequence[MemberStats], params: ThresholdParams) -> Thresholds:
    """τ is the percentile among active members, never below the floors, unless set absolutely."""
    love_t = params.love
    if love_t is None:
        love_t = max(params.love_floor, percentile([m.love for m in active], params.percentile))
    reach_t = params.reach
    if reach_t is None:
        reach_t = max(params.reach_floor, percentile([m.reach for m in active], params.percentile))
    return Thresholds(love=love_t, reach=reach_t)


def is_high(value: float, threshold: float, was_high: bool | None, hysteresis: float) -> bool:
    """Above the threshold, except that a member keeps their side until they cross it by
    ``hysteresis`` of it (so noise does not make people flicker between quadrants)."""
    if was_high is None:
        return value >= threshold
    if was_high:
        return value >= threshold * (1 - hysteresis)
    return value >= threshold * (1 + hysteresis)


def quadrant(
    love: float,
    reach: float,
    th: Thresholds,
    previous: Quadrant | None = None,
    hysteresis: float = 0.0,
) -> Quadrant:
    high_love = is_high(
        love, th.love, None if previous is None else previous in HIGH_LOVE, hysteresis
    )
    high_reach = is_high(
        reach, th.reach, None if previous is None else previous in HIGH_REACH, hysteresis
    )
    if high_love:
        return Quadrant.MULTIPLIER if high_reach else Quadrant.FAN
    return Quadrant.SCEPTIC if high_reach else Quadrant.OBSERVER


def _tone(sentiment: float | None) -> str:
    if sentiment is None:
        return "no recent messages"
    if sentiment <= -0.05:
        return f"recent tone negative ({sentiment:+.2f})"
    if sentiment >= 0.05:
        return f"recent tone positive ({sentiment:+.2f})"
    return "recent tone neutral"


def who_to_listen(
    scored: Sequence[MemberScore],
    last_active: Mapping[str, int | None],
    as_of_day: int,
    count: int,
    recent_days: int,
) -> list[ListenPick]:
    """Sceptics and recently active observers, the most negative recent tone first.

    Both groups are represented when both exist: the feedback worth most usually comes from
    people who are not already fans.
    """

    def by_tone(m: MemberScore) -> tuple[float, float]:
        return (m.sentiment if m.sentiment is not None else 0.0, -(m.reach + m.love))

    sceptics = sorted((m for m in scored if m.quadrant is Quadrant.SCEPTIC), key=by_tone)
    observers = sorted(
        (
            m
            for m in scored
            if m.quadrant is Quadrant.OBSERVER
            and not m.silent
            and (day := last_active.get(m.id)) is not None
            and as_of_day - day < recent_days
        ),
        key=by_tone,
    )
    half = max(1, count // 2)
    picked_s = sceptics[: max(half, count - len(observers))]
    picked_o = observers[: count - len(picked_s)]
    picks = [
        ListenPick(m, f"sceptic: others respond to them; {_tone(m.sentiment)}") for m in picked_s
    ] + [ListenPick(m, f"observer active recently; {_tone(m.sentiment)}") for m in picked_o]
    return sorted(picks, key=lambda p: by_tone(p.member))


def build_summary(
    stats: Sequence[MemberStats],
    *,
    params: ScoringParams,
    as_of: date,
    team: Sequence[TeamMember] = (),
    previous: Mapping[str, Quadrant] | None = None,
    previous_counts: Mapping[str, int] | None = None,
    channel: str | None = None,
) -> OrbitSummary:
    """Place every community member in a quadrant and assemble the summary.

    ``stats`` must not contain team members or bots; a member with no activity of their own in
    the window is a silent observer whatever their reach.
    """
    team_ids = {t.id for t in team}
    overlap = team_ids.intersection(s.id for s in stats)
    if overlap:
        raise ValueError(f"team members in community stats: {sorted(overlap)}")
    previous = previous or {}
    active = [s for s in stats if s.last_active_day is not None]
    th = thresholds(active, params.thresholds)
    hysteresis = params.thresholds.hysteresis
    scored = [
        MemberScore(
            s.id,
            s.name,
            s.love,
            s.reach,
            quadrant(s.love, s.reach, th, previous.get(s.id), hysteresis),
            s.sentiment,
        )
        for s in active
    ]
    scored.sort(key=lambda m: (-(m.love + m.reach), m.name, m.id))
    silent = sorted((s for s in stats if s.last_active_day is None), key=lambda s: (s.name, s.id))
    counts = {q.value: 0 for q in Quadrant}
    for m in scored:
        counts[m.quadrant.value] += 1
    counts[Quadrant.OBSERVER.value] += len(silent)
    counts["silent"] = len(silent)
    members = scored + [
        MemberScore(s.id, s.name, s.love, s.reach, Quadrant.OBSERVER, s.sentiment, True)
        for s in silent
    ]
    listen = who_to_listen(
        scored,
        {s.id: s.last_active_day for s in active},
        date_to_day(as_of),
        params.listen.count,
        params.listen.recent_days,
    )
    return OrbitSummary(
        as_of=as_of,
        window_days=params.window_days,
        thresholds=th,
        counts=counts,
        members=members,
        multipliers=[m for m in scored if m.quadrant is Quadrant.MULTIPLIER],
        listen=listen,
        team=sorted(team, key=lambda t: t.name),
        channel=channel,
        previous_counts=dict(previous_counts) if previous_counts is not None else None,
    )
