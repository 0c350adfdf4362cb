"""What is kept about one member, for ``/orbit @member`` and ``/orbit me``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, func, select

from bot.core.detail import Connection as Responder
from bot.core.model import Kind
from bot.core.scoring import ScoringParams
from storage.sql import MEMBER, MEMBER_DAY, PAIR_DAY


@dataclass(frozen=True, slots=True)
class Kept:
    counts: dict[str, int]
    active_days: int
    last_day: int | None
    responders: list[Responder]
    pulled_in_by: str | None
    opted_out: bool
    name: str | None


def kept_about(
    conn: Connection, member_id: str, params: ScoringParams, as_of_day: int, top: int = 5
) -> Kept:
    """Counts by kind and active days in the window, the people who respond most, and who the
    member's first activity responded to."""
    lo = as_of_day - params.window_days
    in_window = (MEMBER_DAY.c.member_id == member_id) & (MEMBER_DAY.c.day > lo)
    in_window &= MEMBER_DAY.c.day <= as_of_day
    kinds = list(Kind)
    row = conn.execute(
        select(
            *[func.coalesce(func.sum(MEMBER_DAY.c[f"n_{k.value}"]), 0) for k in kinds],
            func.count(),
            func.max(MEMBER_DAY.c.day),
        ).where(in_window)
    ).one()
    counts = {k.value: int(row[i]) for i, k in enumerate(kinds) if row[i]}
    active_days, last_day = int(row[len(kinds)]), row[len(kinds) + 1]
    weights = params.reach
    strength = (
        PAIR_DAY.c.n_reply * weights.weight(Kind.REPLY)
        + PAIR_DAY.c.n_reaction * weights.weight(Kind.REACTION)
        + PAIR_DAY.c.n_mention * weights.weight(Kind.MENTION)
    )
    responders = [
        Responder(r.source_id, r.name or r.source_id, float(r.strength))
        for r in conn.execute(
            select(PAIR_DAY.c.source_id, MEMBER.c.name, func.sum(strength).label("strength"))
            .join(MEMBER, MEMBER.c.id == PAIR_DAY.c.source_id, isouter=True)
            .where(
                PAIR_DAY.c.target_id == member_id,
                PAIR_DAY.c.day > lo,
                PAIR_DAY.c.day <= as_of_day,
            )
            .group_by(PAIR_DAY.c.source_id, MEMBER.c.name)
            .order_by(func.sum(strength).desc(), PAIR_DAY.c.source_id)
            .limit(top)
        )
    ]
    member = conn.execute(
        select(MEMBER.c.first_target, MEMBER.c.opted_out, MEMBER.c.name).where(
            MEMBER.c.id == member_id
        )
    ).first()
    return Kept(
        counts=counts,
        active_days=active_days,
        last_day=None if last_day is None else int(last_day),
        responders=responders,
        pulled_in_by=member.first_target if member else None,
        opted_out=bool(member.opted_out) if member else False,
        name=member.name if member else None,
    )
