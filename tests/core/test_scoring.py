from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.model import Kind
from bot.core.orbit import MemberStats, build_summary, is_high, percentile, quadrant, thresholds
from bot.core.scoring import (
    LoveParams,
    ReachParams,
    Response,
    ScoringParams,
    ThresholdParams,
    decay,
    love,
    reach,
)
from bot.core.summary import Quadrant, TeamMember, Thresholds

LP = LoveParams()
RP = ReachParams()
AS_OF = 20_000

kinds = st.sampled_from(list(Kind))
day_counts = st.dictionaries(kinds, st.integers(1, 30), min_size=1, max_size=6)
histories = st.dictionaries(st.integers(AS_OF - 120, AS_OF), day_counts, max_size=40)


def test_love_of_one_message_today_is_its_weight() -> None:
    assert love({AS_OF: {Kind.MESSAGE: 1}}, AS_OF, LP) == 3.0


def test_love_caps_each_day_and_decays_with_half_life() -> None:
    burst = {AS_OF - 30: {Kind.MESSAGE: 50}}
    assert love(burst, AS_OF, LP) == pytest.approx(12.0 * 0.5)
    steady = {AS_OF - 7 * w: {Kind.MESSAGE: 1} for w in range(8)}
    assert love(steady, AS_OF, LP) > love({AS_OF: {Kind.MESSAGE: 50}}, AS_OF, LP)


def test_love_ignores_days_outside_the_window_and_in_the_future() -> None:
    assert love({AS_OF - 90: {Kind.REPLY: 3}, AS_OF + 1: {Kind.REPLY: 1}}, AS_OF, LP) == 0.0
    assert love({AS_OF - 89: {Kind.REPLY: 1}}, AS_OF, LP) > 0.0


def test_mentions_alone_earn_no_love() -> None:
    assert love({AS_OF: {Kind.MENTION: 10}}, AS_OF, LP) == 0.0


@given(histories, st.integers(AS_OF - 100, AS_OF), day_counts)
def test_adding_activity_never_lowers_love(
    history: dict[int, dict[Kind, int]], day: int, extra: dict[Kind, int]
) -> None:
    before = love(history, AS_OF, LP)
    merged = {d: dict(c) for d, c in history.items()}
    for k, n in extra.items():
        merged.setdefault(day, {})
        merged[day][k] = merged[day].get(k, 0) + n
    assert love(merged, AS_OF, LP) >= before - 1e-9


@given(st.integers(0, 500), st.integers(0, 500), st.floats(1, 365))
def test_decay_is_monotone_and_halves_at_the_half_life(a: int, b: int, hl: float) -> None:
    if a <= b:
        assert decay(a, hl) >= decay(b, hl)
    assert decay(0, hl) == 1.0
    assert math.isclose(decay(round(hl), round(hl)), 0.5) if round(hl) > 0 else True


responses = st.lists(
    st.builds(
        Response,
        other=st.sampled_from(["A", "B", "C", "D", "TEAM"]),
        day=st.integers(AS_OF - 100, AS_OF),
        kind=st.sampled_from([Kind.REPLY, Kind.REACTION, Kind.MENTION]),
        count=st.integers(1, 20),
    ),
    max_size=40,
)


def test_reach_counts_weighted_responses_and_the_pulled_in_bonus() -> None:
    rs = [Response("A", AS_OF, Kind.REACTION), Response("B", AS_OF, Kind.MENTION)]
    assert reach(rs, {}, AS_OF, RP) == 2.0
    assert reach([Response("A", AS_OF, Kind.REPLY, 9)], {}, AS_OF, RP) == 5.0  # capped
    assert reach([], {"C": AS_OF}, AS_OF, RP) == 5.0
    assert reach([Response("A", AS_OF, Kind.REPLY)], {"A": AS_OF}, AS_OF, RP) == 5.0


@given(
    responses, st.dictionaries(st.sampled_from(["A", "B", "TEAM"]), st.integers(AS_OF - 100, AS_OF))
)
def test_reach_is_bounded_by_cap_per_person_and_ignores_the_team(
    rs: list[Response], pulled: dict[str, int]
) -> None:
    value = reach(rs, pulled, AS_OF, RP, excluded={"TEAM"})
    others = {r.other for r in rs} | set(pulled)
    others.discard("TEAM")
    assert 0.0 <= value <= RP.connection_cap * len(others) + 1e-9
    without_team = [r for r in rs if r.other != "TEAM"]
    pulled_wo = {k: v for k, v in pulled.items() if k != "TEAM"}
    assert value == pytest.approx(reach(without_team, pulled_wo, AS_OF, RP))


@given(responses, responses)
def test_more_responses_never_lower_reach(a: list[Response], b: list[Response]) -> None:
    assert reach(a + b, {}, AS_OF, RP) >= reach(a, {}, AS_OF, RP) - 1e-9


def test_percentile_interpolates_like_numpy() -> None:
    assert percentile([1, 2, 3, 4], 75) == 3.25
    assert percentile([], 75) == 0.0
    assert percentile([7], 75) == 7


def test_thresholds_never_fall_below_the_floors_and_absolute_values_win() -> None:
    tiny = [MemberStats("a", "a", 1.0, 0.5, last_active_day=AS_OF)]
    assert thresholds(tiny, ThresholdParams()) == Thresholds(3.0, 2.0)
    assert thresholds(tiny, ThresholdParams(love=10, reach=4)) == Thresholds(10.0, 4.0)


@given(st.floats(0, 100), st.floats(0, 100), st.floats(0.1, 50), st.floats(0.1, 50))
def test_quadrants_agree_with_thresholds(lv: float, rc: float, tl: float, tr: float) -> None:
    q = quadrant(lv, rc, Thresholds(tl, tr))
    assert (q in {Quadrant.MULTIPLIER, Quadrant.FAN}) == (lv >= tl)
    assert (q in {Quadrant.MULTIPLIER, Quadrant.SCEPTIC}) == (rc >= tr)


@given(
    st.floats(0, 100),
    st.floats(0, 100),
    st.floats(0.1, 50),
    st.floats(0.1, 50),
    st.sampled_from(list(Quadrant)),
)
def test_hysteresis_only_matters_inside_the_band(
    lv: float, rc: float, tl: float, tr: float, previous: Quadrant
) -> None:
    h = 0.1
    q = quadrant(lv, rc, Thresholds(tl, tr), previous, h)
    plain = quadrant(lv, rc, Thresholds(tl, tr))
    outside = not (tl * (1 - h) <= lv < tl * (1 + h)) and not (tr * (1 - h) <= rc < tr * (1 + h))
    if outside:
        assert q == plain


def test_hysteresis_keeps_a_member_until_they_cross_by_ten_percent() -> None:
    assert is_high(9.5, 10, was_high=True, hysteresis=0.1)
    assert not is_high(8.9, 10, was_high=True, hysteresis=0.1)
    assert not is_high(10.5, 10, was_high=False, hysteresis=0.1)
    assert is_high(11.0, 10, was_high=False, hysteresis=0.1)


member_stats = st.builds(
    MemberStats,
    id=st.text("abcdef", min_size=1, max_size=3),
    name=st.just("n"),
    love=st.floats(0, 200),
    reach=st.floats(0, 50),
    sentiment=st.none() | st.floats(-1, 1),
    last_active_day=st.none() | st.integers(AS_OF - 89, AS_OF),
)


@given(st.lists(member_stats, max_size=40, unique_by=lambda m: m.id))
def test_summary_counts_add_up_and_silent_are_observers(stats: list[MemberStats]) -> None:
    s = build_summary(stats, params=ScoringParams(), as_of=date(2024, 10, 4))
    assert sum(s.counts[q.value] for q in Quadrant) == len(stats)
    assert s.counts["silent"] == sum(1 for m in stats if m.last_active_day is None)
    assert all(m.quadrant is Quadrant.OBSERVER for m in s.members if m.silent)
    assert s.thresholds.love >= 3.0
    assert s.thresholds.reach >= 2.0
    for m in s.members:
        if not m.silent:
            assert m.quadrant == quadrant(m.love, m.reach, s.thresholds)


@given(st.lists(member_stats, min_size=1, max_size=20, unique_by=lambda m: m.id))
def test_no_member_is_both_team_and_community(stats: list[MemberStats]) -> None:
    with pytest.raises(ValueError, match="team members"):
        build_summary(
            stats,
            params=ScoringParams(),
            as_of=date(2024, 1, 1),
            team=[TeamMember(stats[0].id, "t")],
        )


def test_who_to_listen_lists_sceptics_and_recent_observers_most_negative_first() -> None:
    day = 19_000
    stats = [
        MemberStats("m", "multi", 100, 40, 0.5, day),
        MemberStats("s1", "sceptic-happy", 1, 40, 0.6, day - 30),
        MemberStats("s2", "sceptic-grumpy", 1, 40, -0.6, day - 30),
        MemberStats("o1", "observer-recent", 1, 0, -0.2, day - 2),
        MemberStats("o2", "observer-old", 1, 0, -0.9, day - 60),
        MemberStats("z", "silent", 0, 0, None, None),
    ] + [MemberStats(f"f{i}", "fan", 90, 0.1, 0.0, day) for i in range(6)]
    from bot.core.model import day_to_date

    s = build_summary(stats, params=ScoringParams(), as_of=day_to_date(day))
    ids = [p.member.id for p in s.listen]
    assert ids == ["s2", "o1", "s1"]
    assert "negative" in s.listen[0].reason
