"""The weekly digest (DESIGN.md "Reporting") as plain data: what the platform team reads once a
week to know what to do next. Adapters render it (Block Kit, Adaptive Cards, text); the pictures
come from ``bot.render``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final

from bot.core.experiments import ExperimentStatus
from bot.core.summary import MemberScore, OrbitSummary, Quadrant
from bot.core.surveys import SurveyOverview

#: How far up the orbit a quadrant is: moving to a higher rank is "moving up".
RANK: Final = {Quadrant.OBSERVER: 0, Quadrant.SCEPTIC: 1, Quadrant.FAN: 1, Quadrant.MULTIPLIER: 2}
DRIFT_DAYS: Final = 30
"""A multiplier or fan with no activity for this long has drifted away."""
MOVES_SHOWN: Final = 10


@dataclass(frozen=True, slots=True)
class CountsPoint:
    """Quadrant counts of one kept snapshot (the quadrant-counts-over-time picture)."""

    day: date
    counts: Mapping[str, int]


@dataclass(frozen=True, slots=True)
class Position:
    """Where a member was on the orbit map in the previous snapshot."""

    love: float
    reach: float
    quadrant: Quadrant


@dataclass(frozen=True, slots=True)
class Movement:
    """A member who changed quadrant since the previous snapshot."""

    member: MemberScore
    before: Quadrant

    @property
    def up(self) -> bool:
        return RANK[self.member.quadrant] > RANK[self.before]


@dataclass(frozen=True, slots=True)
class Drift:
    """A multiplier or fan in the previous snapshot with no activity for DRIFT_DAYS days."""

    id: str
    name: str
    before: Quadrant
    last_active: date | None


@dataclass(frozen=True)
class Digest:
    """Everything one digest says. ``previous_as_of`` is the date of the snapshot the changes are
    counted from (None for the first digest); ``period`` names the digest's week."""

    period: str
    summary: OrbitSummary
    previous_as_of: date | None
    moved_up: tuple[Movement, ...]
    moved_down: tuple[Movement, ...]
    drifted: tuple[Drift, ...]
    history: tuple[CountsPoint, ...]
    surveys: SurveyOverview | None
    experiments: tuple[ExperimentStatus, ...] = ()
    previous_active: int | None = None
    previous: Mapping[str, Position] = field(default_factory=dict)

    @property
    def active(self) -> int:
        return len(self.summary.active)


def movements(
    summary: OrbitSummary, previous: Mapping[str, Position]
) -> tuple[tuple[Movement, ...], tuple[Movement, ...]]:
    """(moved up, moved down) since ``previous``, biggest scores first. Members new to the map
    (no previous position) are not movements: they are in the headline counts."""
    up: list[Movement] = []
    down: list[Movement] = []
    for member in summary.members:
        before = previous.get(member.id)
        if before is None or before.quadrant == member.quadrant:
            continue
        move = Movement(member, before.quadrant)
        if RANK[member.quadrant] > RANK[before.quadrant]:
            up.append(move)
        elif RANK[member.quadrant] < RANK[before.quadrant]:
            down.append(move)
    key = lambda m: -(m.member.love + m.member.reach)  # noqa: E731
    return tuple(sorted(up, key=key)), tuple(sorted(down, key=key))


def drifted(
    summary: OrbitSummary,
    previous: Mapping[str, Position],
    last_active: Mapping[str, date | None],
    names: Mapping[str, str],
) -> tuple[Drift, ...]:
    """Multipliers and fans of the previous snapshot whose last activity is DRIFT_DAYS or more
    before ``summary.as_of`` (or who have none left in the window)."""
    out = []
    for member_id, position in previous.items():
        if position.quadrant not in (Quadrant.MULTIPLIER, Quadrant.FAN):
            continue
        last = last_active.get(member_id)
        if last is None or (summary.as_of - last).days >= DRIFT_DAYS:
            out.append(Drift(member_id, names.get(member_id, member_id), position.quadrant, last))
    out.sort(key=lambda d: (d.before != Quadrant.MULTIPLIER, d.name))
    return tuple(out)


def history_points(rows: Sequence[tuple[date, Mapping[str, int]]]) -> tuple[CountsPoint, ...]:
    return tuple(CountsPoint(day, counts) for day, counts in sorted(rows, key=lambda r: r[0]))
