"""Pure rules of the digest (movement, drift) and of experiments (metric values, targets,
verdicts, the form)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.core.digest import Position, drifted, movements
from bot.core.experiments import (
    Experiment,
    Metric,
    MetricSpec,
    Verdict,
    metric_value,
    reached,
    status,
    verdict,
)
from bot.core.summary import MemberScore, OrbitSummary, Quadrant, Thresholds
from bot.core.surveys import (
    CultureResult,
    MaturityResult,
    QuestionTrend,
    RunLine,
    SurveyOverview,
    TrendPoint,
)
from bot.services.experiments import FormError, parse_form

AS_OF = date(2026, 11, 23)


def summary(*members: MemberScore) -> OrbitSummary:
    counts = {q.value: sum(1 for m in members if m.quadrant == q) for q in Quadrant}
    counts["silent"] = sum(1 for m in members if m.silent)
    return OrbitSummary(
        as_of=AS_OF,
        window_days=90,
        thresholds=Thresholds(3.0, 2.0),
        counts=counts,
        members=list(members),
        multipliers=[m for m in members if m.quadrant == Quadrant.MULTIPLIER],
        listen=[],
        team=[],
    )


NOW = summary(
    MemberScore("A", "ana", 9.0, 6.0, Quadrant.MULTIPLIER),
    MemberScore("B", "bo", 5.0, 1.0, Quadrant.FAN),
    MemberScore("C", "cy", 1.0, 0.5, Quadrant.OBSERVER),
    MemberScore("D", "di", 0.0, 0.0, Quadrant.OBSERVER, silent=True),
)


def test_movement_up_and_down_and_newcomers_are_not_moves() -> None:
    before = {
        "A": Position(4.0, 1.0, Quadrant.FAN),
        "B": Position(6.0, 3.0, Quadrant.MULTIPLIER),
        "C": Position(1.0, 0.5, Quadrant.OBSERVER),
    }
    up, down = movements(NOW, before)
    assert [(m.member.id, m.before, m.member.quadrant) for m in up] == [
        ("A", Quadrant.FAN, Quadrant.MULTIPLIER)
    ]
    assert [(m.member.id, m.before) for m in down] == [("B", Quadrant.MULTIPLIER)]
    assert all(m.up for m in up)
    assert not any(m.up for m in down)


def test_drift_is_a_multiplier_or_fan_quiet_for_a_month() -> None:
    before = {
        "A": Position(9.0, 6.0, Quadrant.MULTIPLIER),
        "E": Position(9.0, 6.0, Quadrant.MULTIPLIER),
        "F": Position(5.0, 1.0, Quadrant.FAN),
        "G": Position(1.0, 0.0, Quadrant.OBSERVER),
    }
    last = {"A": date(2026, 11, 20), "E": date(2026, 10, 1), "F": None, "G": date(2026, 1, 1)}
    found = drifted(NOW, before, last, {"E": "eve", "F": "fay"})
    assert [(d.id, d.name, d.before) for d in found] == [
        ("E", "eve", Quadrant.MULTIPLIER),
        ("F", "fay", Quadrant.FAN),
    ]


OVERVIEW = SurveyOverview(
    min_respondents=5,
    runs=(RunLine(1, AS_OF, "C1", "Platform pulse", 10, 40),),
    trends=(
        QuestionTrend(
            "pulse",
            "enps",
            "Recommend?",
            "nps",
            (TrendPoint(AS_OF, "C1", 10, 7.5, 20), TrendPoint(AS_OF, "C1", 10, 8.1, 30)),
        ),
    ),
    maturity=(MaturityResult("adoption", 9, "scalable", ()),),
    culture=CultureResult(8, (("were_great", 0.625), ("life_is_great", 0.375)), "were_great"),
    culture_advice=None,
    journey=None,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (MetricSpec(Metric.QUADRANT_COUNT, "multiplier"), 1.0),
        (MetricSpec(Metric.QUADRANT_COUNT, "silent"), 1.0),
        (MetricSpec(Metric.MEDIAN_LOVE), 5.0),
        (MetricSpec(Metric.MEDIAN_REACH), 1.0),
        (MetricSpec(Metric.SILENT_SHARE), 0.25),
        (MetricSpec(Metric.QUESTION_AVERAGE, "pulse.enps"), 8.1),
        (MetricSpec(Metric.ENPS, "pulse.enps"), 30.0),
        (MetricSpec(Metric.RESPONSE_RATE), 0.25),
        (MetricSpec(Metric.MATURITY_LEVEL, "adoption"), 3.0),
        (MetricSpec(Metric.CULTURE_SHARE, "were_great"), 0.625),
        (MetricSpec(Metric.MATURITY_LEVEL, "measurement"), None),
        (MetricSpec(Metric.QUESTION_AVERAGE, "pulse.satisfaction"), None),
    ],
)
def test_every_metric_reads_its_value(spec: MetricSpec, expected: float | None) -> None:
    value = metric_value(spec, NOW, OVERVIEW)
    assert value == (None if expected is None else pytest.approx(expected))


def test_survey_metrics_without_surveys_have_no_data() -> None:
    assert metric_value(MetricSpec(Metric.RESPONSE_RATE), NOW, None) is None


def test_targets_and_verdicts() -> None:
    assert reached("increase", 10, 10) is True
    assert reached("increase", 10, 9.9) is False
    assert reached("decrease", 0.2, 0.1) is True
    assert reached("decrease", 0.2, None) is None
    assert verdict("increase", 10, 12) is Verdict.MET
    assert verdict("increase", 10, 3) is Verdict.NOT_MET
    assert verdict("decrease", 10, None) is Verdict.NOT_ENOUGH_DATA
    ended = Experiment(
        1,
        "h",
        "a",
        MetricSpec(Metric.MEDIAN_LOVE),
        "increase",
        4.0,
        AS_OF,
        AS_OF,
        baseline=3.0,
        closed=True,
        verdict=Verdict.MET,
        final=4.5,
    )
    shown = status(ended, current=1.0)  # an ended experiment shows its final value
    assert shown.current == 4.5
    assert shown.on_track is True


FORM = {
    "hypothesis": "Office hours turn observers into fans",
    "action": "Weekly office hours in #help",
    "metric": "quadrant_count",
    "param": "fan",
    "channel": "*",
    "direction": "increase",
    "threshold": "12",
    "start": "2026-11-23",
    "end": "2026-12-21",
}


def test_a_good_form_parses() -> None:
    new = parse_form(FORM, AS_OF)
    assert new.spec == MetricSpec(Metric.QUADRANT_COUNT, "fan", None)
    assert new.threshold == 12.0
    assert parse_form(
        {**FORM, "metric": "silent_share", "param": "", "threshold": "30%"}, AS_OF
    ).threshold == pytest.approx(0.3)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"hypothesis": "  "}, "hypothesis", "sentence"),
        ({"metric": "happiness"}, "metric", "Pick a metric"),
        ({"param": "heroes"}, "param", "quadrant is"),
        ({"metric": "median_love", "param": "fan"}, "param", "no parameter"),
        ({"metric": "question_average", "param": "satisfaction"}, "param", "set.question"),
        ({"direction": "sideways"}, "direction", "increase or decrease"),
        ({"threshold": "lots"}, "threshold", "number"),
        ({"threshold": "nan"}, "threshold", "number"),
        ({"end": "2026-11-01"}, "end", "after the start"),
        ({"start": "someday"}, "start", "Pick a date"),
    ],
)
def test_form_mistakes_name_the_field(change: dict[str, str], field: str, words: str) -> None:
    with pytest.raises(FormError) as caught:
        parse_form({**FORM, **change}, AS_OF)
    assert words in caught.value.errors[field]
