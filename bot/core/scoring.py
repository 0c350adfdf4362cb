"""Love and reach (DESIGN.md "Love and reach"): the reference implementation.

These functions define the scores. Storage computes the same numbers in SQL from daily rollups for
speed; a property test holds the two to each other.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator

from bot.core.model import Kind


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LoveParams(_Strict):
    weights: dict[Kind, float] = Field(
        default_factory=lambda: {
            Kind.MESSAGE: 3.0,
            Kind.REPLY: 4.0,
            Kind.REACTION: 1.0,
            Kind.SURVEY_ANSWER: 3.0,
            Kind.JOIN: 1.0,
            Kind.MENTION: 0.0,
        }
    )
    daily_cap: float = Field(12.0, gt=0)
    half_life_days: float = Field(30.0, gt=0)
    window_days: int = Field(90, ge=1, le=3650)

    def weight(self, kind: Kind) -> float:
        return self.weights.get(kind, 0.0)


class ReachParams(_Strict):
    weights: dict[Kind, float] = Field(
        default_factory=lambda: {Kind.REPLY: 3.0, Kind.REACTION: 1.0, Kind.MENTION: 1.0}
    )
    pulled_in_bonus: float = Field(5.0, ge=0)
    connection_cap: float = Field(5.0, gt=0)
    half_life_days: float = Field(60.0, gt=0)
    window_days: int = Field(90, ge=1, le=3650)

    @model_validator(mode="after")
    def _responses_only(self) -> ReachParams:
        extra = set(self.weights) - {Kind.REPLY, Kind.REACTION, Kind.MENTION}
        if extra:
            names = ", ".join(sorted(k.value for k in extra))
            raise ValueError(f"reach weights only apply to reply, reaction, mention (not {names})")
        return self

    def weight(self, kind: Kind) -> float:
        return self.weights.get(kind, 0.0)


class ThresholdParams(_Strict):
    percentile: float = Field(75.0, gt=0, lt=100)
    love_floor: float = Field(3.0, ge=0)
    reach_floor: float = Field(2.0, ge=0)
    love: float | None = Field(None, gt=0, description="absolute threshold; overrides percentile")
    reach: float | None = Field(None, gt=0, description="absolute threshold; overrides percentile")
    hysteresis: float = Field(0.10, ge=0, lt=1)


class ListenParams(_Strict):
    count: int = Field(5, ge=1, le=20)
    recent_days: int = Field(14, ge=1)
    sentiment_days: int = Field(30, ge=1)


class ScoringParams(_Strict):
    love: LoveParams = Field(default_factory=LoveParams)
    reach: ReachParams = Field(default_factory=ReachParams)
    thresholds: ThresholdParams = Field(default_factory=ThresholdParams)
    listen: ListenParams = Field(default_factory=ListenParams)

    @property
    def window_days(self) -> int:
        return max(self.love.window_days, self.reach.window_days)


def decay(age_days: int, half_life_days: float) -> float:
    return float(0.5 ** (age_days / half_life_days))


def in_window(day: int, as_of_day: int, window_days: int) -> bool:
    """Day ``as_of_day`` and the ``window_days - 1`` days before it."""
    return 0 <= as_of_day - day < window_days


def day_value(counts: Mapping[Kind, int], params: LoveParams) -> float:
    return min(params.daily_cap, sum(params.weight(k) * n for k, n in counts.items()))


def love(days: Mapping[int, Mapping[Kind, int]], as_of_day: int, params: LoveParams) -> float:
    """Σ over active days in the window of min(daily_cap, Σ weights), decayed by age."""
    return sum(
        day_value(counts, params) * decay(as_of_day - day, params.half_life_days)
        for day, counts in days.items()
        if in_window(day, as_of_day, params.window_days)
    )


@dataclass(frozen=True, slots=True)
class Response:
    """``other`` responded ``count`` times with ``kind`` to the scored member on ``day``."""

    other: str
    day: int
    kind: Kind
    count: int = 1


def reach(
    responses: Iterable[Response],
    pulled_in: Mapping[str, int],
    as_of_day: int,
    params: ReachParams,
    excluded: frozenset[str] | set[str] = frozenset(),
) -> float:
    """Σ over other members o of min(connection_cap, s(o→m)).

    ``pulled_in`` maps each o whose first-ever activity was a response to m to that day; the bonus
    counts once, decayed from that day, while it lies in the window. ``excluded`` (the platform
    team, bots) never count as o.
    """
    strength: dict[str, float] = {}
    for r in responses:
        if r.other in excluded or not in_window(r.day, as_of_day, params.window_days):
            continue
        value = params.weight(r.kind) * r.count * decay(as_of_day - r.day, params.half_life_days)
        strength[r.other] = strength.get(r.other, 0.0) + value
    for other, day in pulled_in.items():
        if other in excluded or not in_window(day, as_of_day, params.window_days):
            continue
        bonus = params.pulled_in_bonus * decay(as_of_day - day, params.half_life_days)
        strength[other] = strength.get(other, 0.0) + bonus
    return sum(min(params.connection_cap, s) for s in strength.values())
