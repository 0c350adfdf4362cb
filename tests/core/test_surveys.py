from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.questions import (
    CULTURE_STAGES,
    JOURNEY_STEPS,
    MATURITY_LEVELS,
    Question,
    QuestionSet,
)
from bot.core.surveys import (
    RESULTS_HIDDEN,
    Answer,
    CultureResult,
    HiddenResult,
    JourneyResult,
    MaturityResult,
    QuestionResult,
    effective_minimum,
    next_stage_advice,
    pick_questions,
    summarize,
    tally,
    visible,
)
from bot.prompts import SHIPPED, load_question_set

PULSE = load_question_set(SHIPPED / "pulse.yaml")
MATURITY = load_question_set(SHIPPED / "maturity.yaml")
CULTURE = load_question_set(SHIPPED / "culture.yaml")
JOURNEY = load_question_set(SHIPPED / "journey.yaml")
SHIPPED_SETS = [PULSE, MATURITY, CULTURE, JOURNEY]
TODAY = date(2024, 6, 4)


def question(qset: QuestionSet, question_id: str) -> Question:
    found = qset.question(question_id)
    assert found is not None
    return found


SATISFACTION = question(PULSE, "satisfaction")
ENPS = question(PULSE, "enps")
BLOCKER = question(PULSE, "blocker")
INVESTMENT = question(MATURITY, "investment")
TEAM_STATEMENT = question(CULTURE, "team_statement")
JOURNEY_STEP = question(JOURNEY, "journey_step")


def answers(q: Question, *values: str) -> list[Answer]:
    return [Answer(q.id, v) for v in values]


def ids(questions: list[Question]) -> list[str]:
    return [q.id for q in questions]


# --------------------------------------------------------------------------- rotation


def test_pick_prefers_never_asked_in_set_order() -> None:
    first_run = pick_questions(PULSE, {}, TODAY, 3, 4)
    assert ids(first_run) == ["satisfaction", "last_task_ease", "blocker"]
    asked = {"satisfaction": TODAY - timedelta(weeks=10)}
    assert ids(pick_questions(PULSE, asked, TODAY, 2, 4)) == ["last_task_ease", "blocker"]


def test_pick_never_repeats_within_window_when_alternatives_exist() -> None:
    asked = {
        "satisfaction": TODAY - timedelta(weeks=1),
        "last_task_ease": TODAY - timedelta(weeks=2),
        "blocker": TODAY - timedelta(weeks=8),
        "enps": TODAY - timedelta(weeks=6),
    }
    # blocker and enps are outside the 4-week window; the older one comes first.
    assert ids(pick_questions(PULSE, asked, TODAY, 2, 4)) == ["blocker", "enps"]


def test_pick_window_boundary_is_exactly_rotation_weeks() -> None:
    on_boundary = {
        "satisfaction": TODAY - timedelta(weeks=1),
        "last_task_ease": TODAY - timedelta(days=6),
        "blocker": TODAY,
        "enps": TODAY,
    }
    assert ids(pick_questions(PULSE, on_boundary, TODAY, 1, 1)) == ["satisfaction"]


def test_pick_fills_from_least_recently_asked_when_too_few_eligible() -> None:
    asked = {
        "satisfaction": TODAY - timedelta(weeks=1),
        "last_task_ease": TODAY - timedelta(weeks=3),
        "blocker": TODAY - timedelta(weeks=2),
        "enps": TODAY - timedelta(weeks=10),
    }
    assert ids(pick_questions(PULSE, asked, TODAY, 3, 4)) == ["enps", "last_task_ease", "blocker"]
    everything_recent = dict.fromkeys(asked, TODAY - timedelta(days=1))
    assert ids(pick_questions(PULSE, everything_recent, TODAY, 2, 4)) == [
        "satisfaction",
        "last_task_ease",
    ]


def test_pick_small_set_returns_whole_set() -> None:
    assert ids(pick_questions(CULTURE, {"team_statement": TODAY}, TODAY, 3, 4)) == [
        "team_statement"
    ]


def test_pick_is_deterministic() -> None:
    asked = {"blocker": TODAY - timedelta(weeks=5), "enps": TODAY - timedelta(weeks=5)}
    first = pick_questions(MATURITY, asked, TODAY, 3, 2)
    assert all(pick_questions(MATURITY, asked, TODAY, 3, 2) == first for _ in range(5))


@pytest.mark.parametrize("count", [0, 4, -1])
def test_pick_count_bounds(count: int) -> None:
    with pytest.raises(ValueError, match="1 to 3 questions"):
        pick_questions(PULSE, {}, TODAY, count, 4)


def test_pick_negative_rotation_rejected() -> None:
    with pytest.raises(ValueError, match="rotation_weeks"):
        pick_questions(PULSE, {}, TODAY, 1, -1)


# --------------------------------------------------------------------------- tally


def test_counts_include_zeros_in_option_order_and_mean() -> None:
    result = tally(SATISFACTION, answers(SATISFACTION, "5", "4", "4", "2"))
    assert result.n == 4
    assert result.counts == (("1", 0), ("2", 1), ("3", 0), ("4", 2), ("5", 1))
    assert result.mean == pytest.approx(3.75)
    assert result.enps is None
    assert result.framework is None


def test_empty_tally() -> None:
    result = tally(ENPS, [])
    assert result.n == 0
    assert [c for _, c in result.counts] == [0] * 11
    assert result.mean is None
    assert result.enps is None


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["9", "10", "10"], 100),
        (["0", "3", "6"], -100),
        (["9"] * 3 + ["10"] * 2 + ["7", "8", "8"] + ["0", "6"], 30),
        (["7", "8"], 0),
    ],
)
def test_enps(values: list[str], expected: int) -> None:
    result = tally(ENPS, answers(ENPS, *values))
    assert result.enps == expected
    assert result.mean == pytest.approx(sum(map(int, values)) / len(values))


def test_maturity_median_lower_middle_and_shares() -> None:
    result = tally(INVESTMENT, answers(INVESTMENT, "optimizing", "provisional", "scalable"))
    assert isinstance(result.framework, MaturityResult)
    assert result.framework.aspect == "investment"
    assert result.framework.median == "scalable"
    even = tally(INVESTMENT, answers(INVESTMENT, *MATURITY_LEVELS))
    assert isinstance(even.framework, MaturityResult)
    assert even.framework.median == "operational"
    assert even.framework.shares == tuple((level, 0.25) for level in MATURITY_LEVELS)
    assert result.mean is None


def test_culture_most_common_and_shares() -> None:
    values = ("im_great", "were_great", "were_great", "life_sucks")
    result = tally(TEAM_STATEMENT, answers(TEAM_STATEMENT, *values))
    culture = result.framework
    assert isinstance(culture, CultureResult)
    assert culture.most_common == "were_great"
    assert [stage for stage, _ in culture.shares] == list(CULTURE_STAGES)
    assert dict(culture.shares)["were_great"] == pytest.approx(0.5)
    assert sum(share for _, share in culture.shares) == pytest.approx(1.0)
    tie = tally(TEAM_STATEMENT, answers(TEAM_STATEMENT, "were_great", "my_life_sucks"))
    assert isinstance(tie.framework, CultureResult)
    assert tie.framework.most_common == "my_life_sucks"


def test_journey_funnel_cumulative() -> None:
    result = tally(
        JOURNEY_STEP, answers(JOURNEY_STEP, "discover", "learn", "learn", "build", "scale", "scale")
    )
    journey = result.framework
    assert isinstance(journey, JourneyResult)
    assert journey.counts == (
        ("discover", 1),
        ("evaluate", 0),
        ("learn", 2),
        ("build", 1),
        ("scale", 2),
    )
    assert journey.funnel == (
        ("discover", 6),
        ("evaluate", 5),
        ("learn", 5),
        ("build", 3),
        ("scale", 2),
    )
    assert [step for step, _ in journey.funnel] == list(JOURNEY_STEPS)


def test_text_question_exposes_no_text() -> None:
    secret = "the deploy pipeline written by Alice is awful"
    result = tally(BLOCKER, answers(BLOCKER, secret, "flaky CI", "docs"), [-0.8, -0.2, 0.1])
    assert result.n == 3
    assert result.counts == ()
    assert result.polarity_mean == pytest.approx(-0.3)
    assert secret not in repr(result)
    assert all(secret not in str(v) for v in dataclasses.astuple(result))
    assert tally(BLOCKER, answers(BLOCKER, "x")).polarity_mean is None


def test_polarity_validation() -> None:
    with pytest.raises(ValueError, match="polarities"):
        tally(BLOCKER, answers(BLOCKER, "a", "b"), [0.1])
    with pytest.raises(ValueError, match="between"):
        tally(BLOCKER, answers(BLOCKER, "a"), [2.0])
    with pytest.raises(ValueError, match="only go with text"):
        tally(SATISFACTION, answers(SATISFACTION, "3"), [0.1])


@pytest.mark.parametrize(
    ("q", "value"),
    [(SATISFACTION, "6"), (SATISFACTION, "0"), (ENPS, "11"), (INVESTMENT, "great")],
)
def test_invalid_value_rejected(q: Question, value: str) -> None:
    with pytest.raises(ValueError, match=f"{value!r} is not an option of question {q.id!r}"):
        tally(q, [Answer(q.id, value)])


def test_answer_to_other_question_rejected() -> None:
    with pytest.raises(ValueError, match="cannot be counted"):
        tally(SATISFACTION, [Answer("enps", "3")])


def test_answer_has_no_member_field() -> None:
    assert [f.name for f in dataclasses.fields(Answer)] == ["question_id", "value"]


# --------------------------------------------------------------------------- privacy


def test_effective_minimum() -> None:
    assert effective_minimum(1) == 3
    assert effective_minimum(3) == 3
    assert effective_minimum(7) == 7


def test_visible() -> None:
    assert visible(tally(SATISFACTION, answers(SATISFACTION, *"12345")), 5)
    assert not visible(tally(SATISFACTION, answers(SATISFACTION, *"1234")), 5)
    assert not visible(tally(SATISFACTION, answers(SATISFACTION, "1", "2")), 1)


def test_summarize_hides_below_minimum_and_leaks_nothing() -> None:
    results = summarize(
        PULSE,
        {
            "enps": answers(ENPS, "10", "10", "0", "3"),
            "blocker": answers(BLOCKER, "my secret complaint"),
            "satisfaction": [],
        },
        min_respondents=5,
        polarities_by_question={"blocker": [-0.9]},
    )
    assert results.min_respondents == 5
    assert [r.question_id for r in results.results] == ["satisfaction", "blocker", "enps"]
    for result in results.results:
        assert result == HiddenResult(result.question_id, RESULTS_HIDDEN)
        assert [f.name for f in dataclasses.fields(result)] == ["question_id", "message"]
    assert "secret" not in repr(results)


def test_summarize_shows_exactly_at_minimum() -> None:
    three = answers(TEAM_STATEMENT, "were_great", "were_great", "life_sucks")
    results = summarize(CULTURE, {"team_statement": three}, min_respondents=1)
    assert results.min_respondents == 3
    (result,) = results.results
    assert isinstance(result, QuestionResult)
    assert result.n == 3
    assert isinstance(result.framework, CultureResult)
    assert result.framework.most_common == "were_great"
    hidden = summarize(CULTURE, {"team_statement": three[:2]}, min_respondents=1)
    assert hidden.results == (HiddenResult("team_statement"),)


def test_summarize_validates_hidden_answers_and_ids() -> None:
    with pytest.raises(ValueError, match="not an option"):
        summarize(PULSE, {"satisfaction": answers(SATISFACTION, "9")})
    with pytest.raises(ValueError, match="no question 'nope'"):
        summarize(PULSE, {"nope": []})


# --------------------------------------------------------------------------- culture advice


def test_next_stage_advice() -> None:
    for stage in CULTURE_STAGES[:-1]:
        advice = next_stage_advice(CULTURE, stage)
        assert advice is not None
        assert advice == CULTURE.advice[stage]
    assert next_stage_advice(CULTURE, "life_is_great") is None
    assert next_stage_advice(PULSE, "life_sucks") is None
    with pytest.raises(ValueError, match="not a culture stage"):
        next_stage_advice(CULTURE, "awesome")


# --------------------------------------------------------------------------- properties

CHOICE_QUESTIONS = [q for s in SHIPPED_SETS for q in s.questions if q.kind != "text"]


@st.composite
def question_and_answers(draw: st.DrawFn) -> tuple[Question, list[Answer]]:
    q = draw(st.sampled_from(CHOICE_QUESTIONS))
    values = draw(st.lists(st.sampled_from([o.value for o in q.options]), max_size=40))
    return q, answers(q, *values)


@given(question_and_answers())
def test_property_counts_and_shares(case: tuple[Question, list[Answer]]) -> None:
    q, given_answers = case
    result = tally(q, given_answers)
    assert sum(c for _, c in result.counts) == result.n == len(given_answers)
    assert [v for v, _ in result.counts] == [o.value for o in q.options]
    fw = result.framework
    if isinstance(fw, MaturityResult | CultureResult):
        shares = [s for _, s in fw.shares]
        assert all(0.0 <= s <= 1.0 for s in shares)
        if fw.n > 0:
            assert sum(shares) == pytest.approx(1.0)
    if isinstance(fw, JourneyResult):
        funnel = [c for _, c in fw.funnel]
        assert funnel == sorted(funnel, reverse=True)
        assert funnel[0] == fw.n


@given(st.lists(st.integers(0, 10), min_size=1, max_size=60))
def test_property_enps_and_mean_bounds(scores: list[int]) -> None:
    result = tally(ENPS, answers(ENPS, *map(str, scores)))
    assert result.enps is not None
    assert -100 <= result.enps <= 100
    assert result.mean is not None
    assert 0 <= result.mean <= 10


@given(st.lists(st.integers(1, 5), min_size=1, max_size=60))
def test_property_scale_mean_within_scale(scores: list[int]) -> None:
    result = tally(SATISFACTION, answers(SATISFACTION, *map(str, scores)))
    assert result.mean is not None
    assert min(scores) <= result.mean <= max(scores)


@given(
    st.sampled_from(SHIPPED_SETS),
    st.dictionaries(
        st.sampled_from([q.id for s in SHIPPED_SETS for q in s.questions]),
        st.dates(date(2023, 1, 1), date(2024, 12, 31)),
    ),
    st.integers(1, 3),
    st.integers(0, 12),
)
def test_property_pick_distinct_members_at_most_count(
    qset: QuestionSet, asked: dict[str, date], count: int, weeks: int
) -> None:
    picked = pick_questions(qset, asked, TODAY, count, weeks)
    assert len(picked) == min(count, len(qset.questions))
    assert len(set(ids(picked))) == len(picked)
    assert all(q in qset.questions for q in picked)
    window_start = TODAY - timedelta(weeks=weeks)
    fresh = [q for q in qset.questions if asked.get(q.id, date.min) <= window_start]
    if len(fresh) >= count:
        assert all(q in fresh for q in picked)
