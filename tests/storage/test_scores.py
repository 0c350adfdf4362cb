"""The SQL scores (storage.scores) equal the reference implementation (bot.core.scoring)."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.core.model import RESPONSE_KINDS, SECONDS_PER_DAY, Activity, Kind
from bot.core.scoring import Response, ScoringParams, love, reach
from storage import activities as store
from storage.scores import community_stats
from tests.conftest import clear

AS_OF = 20_000
PEOPLE = ["A", "B", "C", "D", "T"]
TEAM = {"T"}


@st.composite
def activity_lists(draw: st.DrawFn) -> list[Activity]:
    n = draw(st.integers(0, 40))
    out = []
    for i in range(n):
        kind = draw(st.sampled_from(list(Kind)))
        actor = draw(st.sampled_from(PEOPLE))
        target = None
        if kind in RESPONSE_KINDS:
            target = draw(st.none() | st.sampled_from([p for p in PEOPLE if p != actor]))
        edges = st.sampled_from([AS_OF - 90, AS_OF - 89, AS_OF - 30, AS_OF, AS_OF + 1])
        day = draw(st.integers(AS_OF - 120, AS_OF + 2) | edges)
        out.append(
            Activity(
                key=f"k{i}",
                kind=kind,
                actor=actor,
                channel=draw(st.sampled_from(["C1", "C2"])),
                ts=day * SECONDS_PER_DAY + i,  # distinct times: "first activity" is unambiguous
                target=target,
                sentiment=draw(st.none() | st.floats(-1, 1)),
            )
        )
    return out


def reference(
    acts: list[Activity], params: ScoringParams, channel: str | None
) -> dict[str, tuple[float, float]]:
    scoped = [a for a in acts if channel is None or a.channel == channel]
    days: dict[str, dict[int, dict[Kind, int]]] = defaultdict(lambda: defaultdict(dict))
    for a in scoped:
        counts = days[a.actor][a.day]
        counts[a.kind] = counts.get(a.kind, 0) + 1
    responses: dict[str, list[Response]] = defaultdict(list)
    for a in scoped:
        if a.target and a.kind in RESPONSE_KINDS:
            responses[a.target].append(Response(a.actor, a.day, a.kind))
    first: dict[str, Activity] = {}
    for a in sorted(acts, key=lambda a: a.ts):
        first.setdefault(a.actor, a)
    pulled: dict[str, dict[str, int]] = defaultdict(dict)
    for actor, a in first.items():
        if a.target and (channel is None or a.channel == channel):
            pulled[a.target][actor] = a.day
    out = {}
    for member in {a.actor for a in scoped} | set(responses):
        out[member] = (
            love(days.get(member, {}), AS_OF, params.love),
            reach(responses.get(member, []), pulled.get(member, {}), AS_OF, params.reach, TEAM),
        )
    return out


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(acts=activity_lists(), channel=st.sampled_from([None, "C1"]))
def test_sql_scores_equal_the_reference(
    db_engine: Engine, acts: list[Activity], channel: str | None
) -> None:
    clear(db_engine)
    params = ScoringParams()
    store.record(db_engine, acts)
    stats = {s.id: s for s in community_stats(db_engine, params, AS_OF, TEAM, channel)}
    expected = reference(acts, params, channel)
    assert "T" not in stats
    in_window = {
        a.actor
        for a in acts
        if 0 <= AS_OF - a.day < params.love.window_days
        and (channel is None or a.channel == channel)
    }
    assert {m for m in in_window if m not in TEAM} == set(stats)
    for member, s in stats.items():
        exp_love, exp_reach = expected[member]
        assert s.love == pytest.approx(exp_love, abs=1e-6), member
        assert s.reach == pytest.approx(exp_reach, abs=1e-6), member
