"""One member's standing and the activity behind it (``/orbit @member``, ``/orbit me``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot.core.summary import Quadrant, Thresholds


@dataclass(frozen=True, slots=True)
class Connection:
    """Someone who responds to the member's content, and how strongly (their share of reach)."""

    id: str
    name: str
    strength: float


@dataclass(frozen=True, slots=True)
class MemberDetail:
    """Everything kept about one member, as scored at ``as_of``.

    ``counts`` are the member's activities in the window by kind (message, reply, reaction,
    mention, join, survey_answer); ``pulled_in_by`` is whoever the member's first activity
    responded to. ``quadrant`` is None for a member outside the community numbers (platform
    team) or opted out.
    """

    id: str
    name: str
    as_of: date
    window_days: int
    love: float
    reach: float
    quadrant: Quadrant | None
    thresholds: Thresholds
    sentiment: float | None = None
    counts: dict[str, int] = field(default_factory=dict)
    active_days: int = 0
    last_active: date | None = None
    connections: list[Connection] = field(default_factory=list)
    pulled_in_by: str | None = None
    is_team: bool = False
    opted_out: bool = False
    silent: bool = False
