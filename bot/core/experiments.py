"""Experiments (DESIGN.md "Reporting", the intervention cycle): a hypothesis, an action, a metric
from a catalogue, a direction and a target, a time window. The baseline is the metric's value at
the start; every digest compares the current value with the target; at the end a verdict.

Everything here is pure: metric values are read from an orbit summary and a survey overview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from statistics import median
from typing import Final, Literal

from bot.core.questions import CULTURE_STAGES, LABELS, MATURITY_ASPECTS, MATURITY_LEVELS
from bot.core.summary import OrbitSummary, Quadrant
from bot.core.surveys import SurveyOverview


class Metric(StrEnum):
    QUADRANT_COUNT = "quadrant_count"
    MEDIAN_LOVE = "median_love"
    MEDIAN_REACH = "median_reach"
    SILENT_SHARE = "silent_share"
    QUESTION_AVERAGE = "question_average"
    ENPS = "enps"
    RESPONSE_RATE = "response_rate"
    MATURITY_LEVEL = "maturity_level"
    CULTURE_SHARE = "culture_share"


#: What each metric needs as its parameter, and how it is named.
CATALOGUE: Final[dict[Metric, tuple[str, str | None]]] = {
    Metric.QUADRANT_COUNT: ("Number of members in a quadrant", "quadrant"),
    Metric.MEDIAN_LOVE: ("Median love of active members", None),
    Metric.MEDIAN_REACH: ("Median reach of active members", None),
    Metric.SILENT_SHARE: ("Share of silent members", None),
    Metric.QUESTION_AVERAGE: ("A question's average answer", "question"),
    Metric.ENPS: ("eNPS of an NPS question", "question"),
    Metric.RESPONSE_RATE: ("Survey response rate", None),
    Metric.MATURITY_LEVEL: ("Maturity level of an aspect (1–4)", "aspect"),
    Metric.CULTURE_SHARE: ("Share of a culture stage", "stage"),
}

Direction = Literal["increase", "decrease"]


class Verdict(StrEnum):
    MET = "met"
    NOT_MET = "not_met"
    NOT_ENOUGH_DATA = "not_enough_data"


VERDICT_TEXT: Final = {
    Verdict.MET: "met",
    Verdict.NOT_MET: "not met",
    Verdict.NOT_ENOUGH_DATA: "not enough data",
}

SURVEY_METRICS: Final = frozenset(
    {
        Metric.QUESTION_AVERAGE,
        Metric.ENPS,
        Metric.RESPONSE_RATE,
        Metric.MATURITY_LEVEL,
        Metric.CULTURE_SHARE,
    }
)


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """A metric from the catalogue with its parameter (a quadrant, ``set.question``, an aspect or
    a culture stage) and optionally one channel (its id)."""

    metric: Metric
    param: str | None = None
    channel: str | None = None

    def check(self) -> None:
        """ValueError saying what is wrong with the parameter."""
        _, needs = CATALOGUE[self.metric]
        if needs is None:
            if self.param:
                raise ValueError(f"{self.metric.value} takes no parameter")
            return
        if not self.param:
            raise ValueError(f"{self.metric.value} needs a {needs}")
        if needs == "quadrant" and self.param not in {q.value for q in Quadrant} | {"silent"}:
            raise ValueError("the quadrant is multiplier, fan, sceptic, observer or silent")
        if needs == "aspect" and self.param not in MATURITY_ASPECTS:
            raise ValueError(f"the aspect is one of {', '.join(MATURITY_ASPECTS)}")
        if needs == "stage" and self.param not in CULTURE_STAGES:
            raise ValueError(f"the stage is one of {', '.join(CULTURE_STAGES)}")
        if needs == "question" and "." not in self.param:
            raise ValueError("name the question as set.question, e.g. pulse.satisfaction")

    def label(self) -> str:
        name, needs = CATALOGUE[self.metric]
        what = name
        if needs is not None and self.param:
            shown = LABELS.get(self.param, self.param)
            what = f"{name}: {shown}"
        return what if self.channel is None else f"{what} in <#{self.channel}>"


@dataclass(frozen=True, slots=True)
class Experiment:
    id: int
    hypothesis: str
    action: str
    spec: MetricSpec
    direction: Direction
    threshold: float
    start: date
    end: date
    baseline: float | None = None
    closed: bool = False
    verdict: Verdict | None = None
    final: float | None = None


@dataclass(frozen=True, slots=True)
class ExperimentStatus:
    """An experiment as a digest shows it: baseline, current value, target, on track or not;
    and, once ended, the verdict."""

    experiment: Experiment
    current: float | None
    on_track: bool | None

    @property
    def verdict(self) -> Verdict | None:
        return self.experiment.verdict


def metric_value(
    spec: MetricSpec, summary: OrbitSummary, surveys: SurveyOverview | None
) -> float | None:
    """The metric's value now, or None when there is no data for it (e.g. no survey answered
    enough to show). ``summary`` and ``surveys`` are already narrowed to the spec's channel."""
    match spec.metric:
        case Metric.QUADRANT_COUNT:
            return float(summary.counts.get(spec.param or "", 0))
        case Metric.MEDIAN_LOVE | Metric.MEDIAN_REACH:
            active = summary.active
            if not active:
                return None
            if spec.metric is Metric.MEDIAN_LOVE:
                return float(median(m.love for m in active))
            return float(median(m.reach for m in active))
        case Metric.SILENT_SHARE:
            if not summary.members:
                return None
            return summary.counts.get("silent", 0) / len(summary.members)
    if surveys is None:
        return None
    match spec.metric:
        case Metric.RESPONSE_RATE:
            return surveys.response_rate
        case Metric.QUESTION_AVERAGE | Metric.ENPS:
            set_id, _, question_id = (spec.param or "").partition(".")
            for trend in surveys.trends:
                if trend.set_id == set_id and trend.question_id == question_id and trend.points:
                    last = trend.points[-1]
                    if spec.metric is Metric.ENPS:
                        return None if last.enps is None else float(last.enps)
                    return last.mean
            return None
        case Metric.MATURITY_LEVEL:
            for result in surveys.maturity:
                if result.aspect == spec.param and result.median is not None:
                    return float(MATURITY_LEVELS.index(result.median) + 1)
            return None
        case Metric.CULTURE_SHARE:
            if surveys.culture is None:
                return None
            return dict(surveys.culture.shares).get(spec.param or "")
    return None  # pragma: no cover - every metric is matched above


def reached(direction: Direction, threshold: float, value: float | None) -> bool | None:
    """Whether ``value`` is at the target (at or above it for "increase", at or below for
    "decrease"); None without a value."""
    if value is None:
        return None
    return value >= threshold if direction == "increase" else value <= threshold


def verdict(direction: Direction, threshold: float, value: float | None) -> Verdict:
    met = reached(direction, threshold, value)
    if met is None:
        return Verdict.NOT_ENOUGH_DATA
    return Verdict.MET if met else Verdict.NOT_MET


def status(experiment: Experiment, current: float | None) -> ExperimentStatus:
    value = experiment.final if experiment.closed else current
    return ExperimentStatus(
        experiment, value, reached(experiment.direction, experiment.threshold, value)
    )
