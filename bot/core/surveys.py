"""Pulse-survey runs and results (DESIGN.md "Pulse surveys"): which questions to ask, and what
the answers add up to. Pure functions over the question model of :mod:`bot.core.questions`.

* :func:`pick_questions` chooses one to three questions for a run, rotating so a question does not
  come back within ``rotation_weeks`` weeks while others are available.
* :class:`Answer` is anonymous by construction: it has no member field at all.
* :func:`tally` adds up the answers to one question: counts per option, mean, eNPS, the framework
  reading (maturity median, culture-stage shares, journey funnel) and, for free text, only the
  number of answers and their mean polarity, never the texts.
* :func:`summarize` is the only way to results that may be shown: a question answered by fewer
  than :func:`effective_minimum` respondents becomes a :class:`HiddenResult` that carries no
  numbers at all, and is never tallied, so no share is ever computed on such a slice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean
from typing import Final

from bot.core.questions import (
    CULTURE_STAGES,
    JOURNEY_STEPS,
    MATURITY_ASPECTS,
    MATURITY_LEVELS,
    Kind,
    Question,
    QuestionSet,
    framework_value,
)

MIN_QUESTIONS: Final = 1
MAX_QUESTIONS: Final = 3
DEFAULT_MIN_RESPONDENTS: Final = 5
MIN_RESPONDENTS_FLOOR: Final = 3
RESULTS_HIDDEN: Final = "Not enough answers to show results."
"""What is shown instead of a result answered by fewer respondents than the minimum."""

PROMOTER_MIN: Final = 9
DETRACTOR_MAX: Final = 6
POLARITY_RANGE: Final = (-1.0, 1.0)


# --------------------------------------------------------------------------- rotation


def pick_questions(
    qset: QuestionSet,
    asked: Mapping[str, date],
    today: date,
    count: int,
    rotation_weeks: int,
) -> list[Question]:
    """The questions to post in a run on ``today``.

    ``asked`` maps question ids to the day each was last asked (ids not in the set are ignored).
    A question is *recent* if it was asked less than ``rotation_weeks`` weeks before ``today``
    (``today - asked < 7 * rotation_weeks`` days; a date after ``today`` is recent too), so with a
    weekly run and ``rotation_weeks=1`` last week's question may come back.

    Order of preference: questions that are not recent before recent ones; within each group
    never-asked first, then the least recently asked; set order among equals. The first ``count``
    are returned, so when fewer than ``count`` questions are not recent, the run is **filled up
    with the least recently asked recent questions**: a run always has questions (as many as
    ``count``, or the whole set if it is smaller). Deterministic: no randomness.

    Raises ValueError unless ``1 <= count <= 3`` and ``rotation_weeks >= 0``.
    """
    if not MIN_QUESTIONS <= count <= MAX_QUESTIONS:
        raise ValueError(
            f"a run asks {MIN_QUESTIONS} to {MAX_QUESTIONS} questions (got count={count})"
        )
    if rotation_weeks < 0:
        raise ValueError(f"rotation_weeks cannot be negative (got {rotation_weeks})")
    window_start = today - timedelta(weeks=rotation_weeks)

    def preference(indexed: tuple[int, Question]) -> tuple[bool, date, int]:
        index, question = indexed
        last = asked.get(question.id)
        if last is None:
            return (False, date.min, index)
        return (last > window_start, last, index)

    ranked = sorted(enumerate(qset.questions), key=preference)
    return [question for _, question in ranked[:count]]


# --------------------------------------------------------------------------- answers and tallies


@dataclass(frozen=True)
class Answer:
    """One answer to one question. There is deliberately no member field: who answered is kept
    elsewhere (keyed by a salted hash), never next to what they answered."""

    question_id: str
    value: str


@dataclass(frozen=True)
class MaturityResult:
    """Maturity reading of one aspect. ``n`` counts the answers whose option stands for a level;
    ``shares`` has every level in MATURITY_LEVELS order. ``median`` is the median level by that
    order; for an even number of answers the lower of the two middle levels (a team is only as
    mature as its lower half says); None when no answer stands for a level."""

    aspect: str
    n: int
    median: str | None
    shares: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class CultureResult:
    """Culture-stage distribution. ``shares`` has every stage in CULTURE_STAGES order over the
    ``n`` answers that stand for a stage. ``most_common`` is the stage with the most answers; on a
    tie the earlier (lower) stage, since teams move one stage at a time and the advice should fit
    the part of the team that is furthest behind. None when ``n`` is 0."""

    n: int
    shares: tuple[tuple[str, float], ...]
    most_common: str | None


@dataclass(frozen=True)
class JourneyResult:
    """Journey funnel. ``counts`` is the number of answers per step, in JOURNEY_STEPS order;
    ``funnel`` the number of people at that step or later (so it never grows along the steps and
    its first entry is ``n``)."""

    n: int
    counts: tuple[tuple[str, int], ...]
    funnel: tuple[tuple[str, int], ...]


FrameworkResult = MaturityResult | CultureResult | JourneyResult


@dataclass(frozen=True)
class QuestionResult:
    """What the answers to one question add up to. Raw: show it only through :func:`summarize`
    (or after :func:`visible`).

    ``counts`` has every option value in option order, zeros included (empty for text questions).
    ``mean`` is set for scale and nps questions, ``enps`` for nps questions, ``polarity_mean`` for
    text questions when polarities were given; all are None when nobody answered.
    """

    question_id: str
    kind: Kind
    n: int
    counts: tuple[tuple[str, int], ...]
    mean: float | None = None
    enps: int | None = None
    polarity_mean: float | None = None
    framework: FrameworkResult | None = None


@dataclass(frozen=True)
class HiddenResult:
    """Stands in for a result answered by too few people. Carries no number of any kind."""

    question_id: str
    message: str = RESULTS_HIDDEN


def validate_answer(question: Question, answer: Answer) -> None:
    """ValueError unless ``answer`` answers ``question`` with one of its option values (any text
    answers a text question). Scale and nps questions have the options "1".."5" and "0".."10"."""
    if answer.question_id != question.id:
        raise ValueError(
            f"answer to question {answer.question_id!r} cannot be counted for question "
            f"{question.id!r}"
        )
    if question.kind != "text" and question.option(answer.value) is None:
        values = ", ".join(o.value for o in question.options)
        raise ValueError(
            f"{answer.value!r} is not an option of question {question.id!r}; "
            f"its options are {values}"
        )


def _shares(counts: Sequence[tuple[str, int]], n: int) -> tuple[tuple[str, float], ...]:
    return tuple((value, count / n if n else 0.0) for value, count in counts)


def _framework(question: Question, values: Sequence[str]) -> FrameworkResult | None:
    stands = [s for s in (framework_value(question, v) for v in values) if s is not None]
    n = len(stands)
    if question.framework == "maturity":
        counts = [(level, stands.count(level)) for level in MATURITY_LEVELS]
        ordered = sorted(stands, key=MATURITY_LEVELS.index)
        median = ordered[(n - 1) // 2] if n else None
        return MaturityResult(
            aspect=question.aspect or "", n=n, median=median, shares=_shares(counts, n)
        )
    if question.framework == "culture":
        counts = [(stage, stands.count(stage)) for stage in CULTURE_STAGES]
        top = max(count for _, count in counts)
        most_common = next(stage for stage, count in counts if count == top) if n else None
        return CultureResult(n=n, shares=_shares(counts, n), most_common=most_common)
    if question.framework == "journey":
        counts = [(step, stands.count(step)) for step in JOURNEY_STEPS]
        funnel = tuple(
            (step, sum(count for _, count in counts[i:])) for i, (step, _) in enumerate(counts)
        )
        return JourneyResult(n=n, counts=tuple(counts), funnel=funnel)
    return None


def tally(
    question: Question,
    answers: Sequence[Answer],
    polarities: Sequence[float] | None = None,
) -> QuestionResult:
    """Add up ``answers`` to ``question``.

    eNPS (nps questions) is ``round((promoters - detractors) / n * 100)`` with promoters answering
    9–10 and detractors 0–6 (Python's ``round``: halves go to the even number). For a text question
    only the number of answers is kept, plus the mean of ``polarities`` (one per answer, each in
    [-1, 1]) when given; the texts themselves never reach the result.

    Raises ValueError for an answer to another question, a value that is not an option of the
    question, or polarities given for a non-text question, of the wrong length or out of range.
    """
    for answer in answers:
        validate_answer(question, answer)
    n = len(answers)

    if question.kind == "text":
        polarity_mean = None
        if polarities is not None:
            if len(polarities) != n:
                raise ValueError(
                    f"got {len(polarities)} polarities for {n} answers to {question.id!r}"
                )
            low, high = POLARITY_RANGE
            if any(not low <= p <= high for p in polarities):
                raise ValueError(f"polarities are between {low} and {high}")
            polarity_mean = fmean(polarities) if n else None
        return QuestionResult(question.id, question.kind, n, (), polarity_mean=polarity_mean)
    if polarities is not None:
        raise ValueError(f"polarities only go with text questions, not {question.kind!r} ones")

    values = [a.value for a in answers]
    counts = tuple((o.value, values.count(o.value)) for o in question.options)
    mean = enps = None
    if question.kind in ("scale", "nps") and n:
        numbers = [int(v) for v in values]
        mean = fmean(numbers)
        if question.kind == "nps":
            promoters = sum(1 for x in numbers if x >= PROMOTER_MIN)
            detractors = sum(1 for x in numbers if x <= DETRACTOR_MAX)
            enps = round((promoters - detractors) / n * 100)
    return QuestionResult(
        question.id,
        question.kind,
        n,
        counts,
        mean=mean,
        enps=enps,
        framework=_framework(question, values),
    )


# --------------------------------------------------------------------------- privacy


def effective_minimum(setting: int) -> int:
    """The respondent minimum actually applied: the setting, but never below 3."""
    return max(MIN_RESPONDENTS_FLOOR, setting)


def visible(result: QuestionResult, min_respondents: int) -> bool:
    """Whether ``result`` may be shown: at least ``effective_minimum(min_respondents)`` answered."""
    return result.n >= effective_minimum(min_respondents)


@dataclass(frozen=True)
class SurveyResults:
    """Results of one run, ready to show: per question either its result or a hidden marker."""

    set_id: str
    min_respondents: int
    results: tuple[QuestionResult | HiddenResult, ...]


def summarize(
    qset: QuestionSet,
    answers_by_question: Mapping[str, Sequence[Answer]],
    min_respondents: int = DEFAULT_MIN_RESPONDENTS,
    polarities_by_question: Mapping[str, Sequence[float]] | None = None,
) -> SurveyResults:
    """Results for the questions in ``answers_by_question`` (the ones asked; pass an empty list
    for a question nobody answered), in set order.

    Every answer is validated first. A question with fewer than
    ``effective_minimum(min_respondents)`` answers is not tallied at all and becomes a
    :class:`HiddenResult`: no count, mean, share or polarity of it exists anywhere.
    Raises ValueError for a question id that is not in the set, or an invalid answer.
    """
    unknown = sorted(set(answers_by_question) - {q.id for q in qset.questions})
    if unknown:
        raise ValueError(f"set {qset.id!r} has no question {', '.join(map(repr, unknown))}")
    minimum = effective_minimum(min_respondents)
    polarities_by_question = polarities_by_question or {}
    results: list[QuestionResult | HiddenResult] = []
    for question in qset.questions:
        if question.id not in answers_by_question:
            continue
        answers = answers_by_question[question.id]
        for answer in answers:
            validate_answer(question, answer)
        if len(answers) < minimum:
            results.append(HiddenResult(question.id))
        else:
            results.append(tally(question, answers, polarities_by_question.get(question.id)))
    return SurveyResults(qset.id, minimum, tuple(results))


# --------------------------------------------------------------------------- culture advice


def next_stage_advice(qset: QuestionSet, stage: str) -> str | None:
    """The set's advice for moving from ``stage`` one stage up (teams never skip a stage).
    None for the last stage, or if the set gives no advice for ``stage`` (a set without a culture
    question). ValueError if ``stage`` is not a culture stage."""
    if stage not in CULTURE_STAGES:
        raise ValueError(
            f"{stage!r} is not a culture stage; use one of {', '.join(CULTURE_STAGES)}"
        )
    if stage == CULTURE_STAGES[-1]:
        return None
    return qset.advice.get(stage)


# --------------------------------------------------------------------------- runs as shown


@dataclass(frozen=True)
class RunView:
    """One survey run as a chat platform shows it: the questions, how to answer them, and when it
    closes. ``reaction_question`` is the id of the question that listed emoji reactions answer
    (the first question of the run that has emoji); reactions never answer any other question."""

    run_id: int
    channel: str
    qset: QuestionSet
    questions: tuple[Question, ...]
    opened_at: datetime
    closes_at: datetime
    reaction_question: str | None = None
    closed: bool = False
    respondents: int = 0

    @property
    def reaction_target(self) -> Question | None:
        return next((q for q in self.questions if q.id == self.reaction_question), None)


def reaction_question(questions: Sequence[Question]) -> str | None:
    """The question that emoji reactions on the survey message answer: the first with emoji."""
    return next((q.id for q in questions if q.emoji), None)


@dataclass(frozen=True)
class RunResults:
    """What a closed run adds up to. ``audience`` is how many members could answer (the
    channel's members when it was posted, bots and the platform team excluded), None if unknown.
    ``advice`` is the set's advice for the culture stage most answers stood for, if shown."""

    run: RunView
    results: SurveyResults
    respondents: int
    audience: int | None = None
    advice: str | None = None
    #: Written answers per text question, only for questions that passed the minimum; for the
    #: platform team's views, never for the channel.
    comments: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def response_rate(self) -> float | None:
        if not self.audience:
            return None
        return min(1.0, self.respondents / self.audience)

    @property
    def shown(self) -> bool:
        """Whether any question passed the respondent minimum."""
        return any(isinstance(r, QuestionResult) for r in self.results.results)


def culture_advice(qset: QuestionSet, results: SurveyResults) -> str | None:
    """Advice for the next stage after the most common culture stage among shown results."""
    for result in results.results:
        if isinstance(result, QuestionResult) and isinstance(result.framework, CultureResult):
            stage = result.framework.most_common
            return None if stage is None else next_stage_advice(qset, stage)
    return None


# --------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class TrendPoint:
    """One closed run's reading of a question: its mean (scale, nps) and eNPS (nps)."""

    day: date
    channel: str
    n: int
    mean: float | None
    enps: int | None


@dataclass(frozen=True)
class QuestionTrend:
    set_id: str
    question_id: str
    text: str
    kind: Kind
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class RunLine:
    """One closed run in the overview: when, where, which set, how many answered."""

    run_id: int
    day: date
    channel: str
    set_title: str
    respondents: int
    audience: int | None


@dataclass(frozen=True)
class SurveyOverview:
    """The surveys section of ``/orbit`` and ``pulse report``: trend per question over runs,
    response rate, and the latest framework readings. Built only from shown (visible) results,
    so nothing here comes from a slice below the respondent minimum."""

    min_respondents: int
    runs: tuple[RunLine, ...]
    trends: tuple[QuestionTrend, ...]
    maturity: tuple[MaturityResult, ...]
    culture: CultureResult | None
    culture_advice: str | None
    journey: JourneyResult | None
    open_runs: int = 0
    #: The latest written answers (question text, answers), from runs whose text question passed
    #: the respondent minimum, newest run first; at most COMMENTS_SHOWN per question.
    comments: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def response_rate(self) -> float | None:
        """Respondents over audience, summed over the runs whose audience is known."""
        known = [r for r in self.runs if r.audience]
        audience = sum(r.audience or 0 for r in known)
        if not audience:
            return None
        return min(1.0, sum(r.respondents for r in known) / audience)

    @property
    def empty(self) -> bool:
        return not self.runs and not self.open_runs


COMMENTS_SHOWN: Final = 10
"""How many written answers of a question the overview keeps."""

TREND_POINTS: Final = 6
"""How many of the latest readings each trend keeps."""


def build_overview(
    closed: Sequence[RunResults], min_respondents: int, open_runs: int = 0
) -> SurveyOverview:
    """The overview from closed runs (any order). Trends keep the last ``TREND_POINTS``
    readings per question, oldest first; framework views are the latest shown reading (maturity:
    per aspect, in MATURITY_ASPECTS order)."""
    ordered = sorted(closed, key=lambda r: (r.run.closes_at, r.run.run_id))
    points: dict[tuple[str, str], list[TrendPoint]] = {}
    questions: dict[tuple[str, str], Question] = {}
    maturity: dict[str, MaturityResult] = {}
    culture: CultureResult | None = None
    advice: str | None = None
    journey: JourneyResult | None = None
    for run in ordered:
        day = run.run.closes_at.date()
        by_id = {q.id: q for q in run.run.questions}
        for result in run.results.results:
            if not isinstance(result, QuestionResult):
                continue
            question = by_id.get(result.question_id) or run.run.qset.question(result.question_id)
            if question is None:
                continue
            if result.mean is not None:
                key = (run.run.qset.id, question.id)
                questions[key] = question
                points.setdefault(key, []).append(
                    TrendPoint(day, run.run.channel, result.n, result.mean, result.enps)
                )
            framework = result.framework
            if isinstance(framework, MaturityResult) and framework.n:
                maturity[framework.aspect] = framework
            elif isinstance(framework, CultureResult) and framework.n:
                culture = framework
                stage = framework.most_common
                advice = None if stage is None else next_stage_advice(run.run.qset, stage)
            elif isinstance(framework, JourneyResult) and framework.n:
                journey = framework
    comments: dict[str, list[str]] = {}
    for run in reversed(ordered):
        for question_id, texts in run.comments:
            question = run.run.qset.question(question_id)
            if question is None or not texts:
                continue
            kept = comments.setdefault(question.text, [])
            kept.extend(texts[: COMMENTS_SHOWN - len(kept)])
    trends = tuple(
        QuestionTrend(
            set_id,
            qid,
            questions[(set_id, qid)].text,
            questions[(set_id, qid)].kind,
            tuple(pts[-TREND_POINTS:]),
        )
        for (set_id, qid), pts in points.items()
    )
    runs = tuple(
        RunLine(
            r.run.run_id,
            r.run.closes_at.date(),
            r.run.channel,
            r.run.qset.title,
            r.respondents,
            r.audience,
        )
        for r in reversed(ordered)
    )
    return SurveyOverview(
        min_respondents=effective_minimum(min_respondents),
        runs=runs,
        trends=trends,
        maturity=tuple(maturity[a] for a in MATURITY_ASPECTS if a in maturity),
        culture=culture,
        culture_advice=advice,
        journey=journey,
        open_runs=open_runs,
        comments=tuple((text, tuple(answers)) for text, answers in comments.items()),
    )
