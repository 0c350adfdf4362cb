"""The orbit summary: what every report surface (terminal, files, Slack, Teams) shows.

It is plain data with one JSON form, documented in the README; renderers never compute scores.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple


class Quadrant(StrEnum):
    MULTIPLIER = "multiplier"
    FAN = "fan"
    SCEPTIC = "sceptic"
    OBSERVER = "observer"


#: Order used in tables and JSON ``counts`` (``silent`` is a subset of ``observer``).
COUNT_KEYS = ("multiplier", "fan", "sceptic", "observer", "silent")


@dataclass(frozen=True, slots=True)
class Thresholds:
    love: float
    reach: float


class MemberScore(NamedTuple):
    """One community member on the orbit map. A NamedTuple rather than a dataclass: a report
    builds one per member (100,000 in the benchmark) and tuples are three times cheaper."""

    id: str
    name: str
    love: float
    reach: float
    quadrant: Quadrant
    sentiment: float | None = None
    silent: bool = False

    def to_json(self) -> dict[str, Any]:
        sentiment = self.sentiment
        return {
            "id": self.id,
            "name": self.name,
            "love": round(self.love, 3) if self.love else 0.0,
            "reach": round(self.reach, 3) if self.reach else 0.0,
            "quadrant": self.quadrant.value,
            "sentiment": None if sentiment is None else round(sentiment, 3),
        }


@dataclass(frozen=True, slots=True)
class ListenPick:
    """Someone the team should hear from, and why (DESIGN.md "Who to listen to")."""

    member: MemberScore
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {**self.member.to_json(), "reason": self.reason}


@dataclass(frozen=True, slots=True)
class TeamMember:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class OrbitSummary:
    """Scores of every community member at ``as_of``.

    ``members`` holds community members only (never the platform team or bots), sorted by
    love + reach, silent members last. ``counts`` has one entry per quadrant plus ``silent``;
    silent members are observers, so ``counts["observer"]`` includes them.
    ``previous_counts`` are the counts of the last stored snapshot before this one, if any.
    """

    as_of: date
    window_days: int
    thresholds: Thresholds
    counts: dict[str, int]
    members: list[MemberScore]
    multipliers: list[MemberScore]
    listen: list[ListenPick]
    team: list[TeamMember]
    channel: str | None = None
    previous_counts: dict[str, int] | None = field(default=None)

    @property
    def active(self) -> list[MemberScore]:
        return [m for m in self.members if not m.silent]

    def to_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "window_days": self.window_days,
            "channel": self.channel,
            "thresholds": {
                "love": round(self.thresholds.love, 3),
                "reach": round(self.thresholds.reach, 3),
            },
            "counts": {k: self.counts.get(k, 0) for k in COUNT_KEYS},
            "previous_counts": self.previous_counts,
            "members": [m.to_json() for m in self.members],
            "multipliers": [m.id for m in self.multipliers],
            "listen": [p.to_json() for p in self.listen],
            "team": [t.id for t in self.team],
        }
