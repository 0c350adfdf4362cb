"""Use case: experiments of the intervention cycle (DESIGN.md "Reporting"), whatever platform
the team uses. Start one (the baseline is captured now), list them, close one by hand; each
digest evaluates the running ones and ends those past their end date with a verdict.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from bot.core.errors import BadInputError, NotFoundError
from bot.core.experiments import (
    Direction,
    Experiment,
    ExperimentStatus,
    Metric,
    MetricSpec,
    metric_value,
    status,
    verdict,
)
from bot.core.scoring import ScoringParams
from bot.core.surveys import SurveyOverview
from bot.services.reporting import TeamConfig, orbit_summary
from bot.services.surveys import SurveyService
from storage import experiments as store

log = logging.getLogger(__name__)

MAX_DAYS = 366
TEXT_MAX = 500


class FormError(BadInputError):
    """Invalid experiment input: ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


@dataclass(frozen=True, slots=True)
class NewExperiment:
    hypothesis: str
    action: str
    spec: MetricSpec
    direction: Direction
    threshold: float
    start: date
    end: date


def parse_form(form: Mapping[str, str | None], today: date) -> NewExperiment:
    """Validate the fields of a new experiment (as typed in a form); FormError names each field
    that is wrong and how to fix it."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    for name in ("hypothesis", "action"):
        text = " ".join((form.get(name) or "").split())
        if not text:
            errors[name] = "Write a sentence or two."
        elif len(text) > TEXT_MAX:
            errors[name] = f"Keep it under {TEXT_MAX} characters."
        values[name] = text
    metric = None
    try:
        metric = Metric(form.get("metric") or "")
    except ValueError:
        errors["metric"] = "Pick a metric from the list."
    channel = form.get("channel") or None
    if channel == "*":
        channel = None
    param = (form.get("param") or "").strip().lower() or None
    if metric is not None:
        spec = MetricSpec(metric, param, channel)
        try:
            spec.check()
        except ValueError as exc:
            errors["param"] = str(exc).capitalize() + "."
        values["spec"] = spec
    direction = form.get("direction")
    if direction not in ("increase", "decrease"):
        errors["direction"] = "Pick increase or decrease."
    values["direction"] = direction
    try:
        threshold = float((form.get("threshold") or "").replace(",", ".").rstrip("%"))
        if not math.isfinite(threshold):
            raise ValueError
        if (form.get("threshold") or "").strip().endswith("%"):
            threshold /= 100
        values["threshold"] = threshold
    except ValueError:
        errors["threshold"] = "Give the target as a number, e.g. 12, 3.5 or 40%."
    dates: dict[str, date] = {}
    for name in ("start", "end"):
        try:
            dates[name] = date.fromisoformat(form.get(name) or "")
        except ValueError:
            errors[name] = "Pick a date."
    if "start" in dates and "end" in dates:
        if dates["end"] <= dates["start"]:
            errors["end"] = "The end comes after the start."
        elif (dates["end"] - dates["start"]).days > MAX_DAYS:
            errors["end"] = f"Keep an experiment under {MAX_DAYS} days."
        elif dates["end"] <= today:
            errors["end"] = "The end is in the future."
    values.update(dates)
    if errors:
        raise FormError(errors)
    chosen = values["spec"]
    assert isinstance(chosen, MetricSpec)
    return NewExperiment(
        hypothesis=str(values["hypothesis"]),
        action=str(values["action"]),
        spec=chosen,
        direction="increase" if direction == "increase" else "decrease",
        threshold=float(str(values["threshold"])),
        start=dates["start"],
        end=dates["end"],
    )


@dataclass
class ExperimentService:
    engine: Engine
    params: ScoringParams
    team: TeamConfig
    surveys: SurveyService | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def value(self, spec: MetricSpec, as_of: date | None = None) -> float | None:
        """The metric now (or at ``as_of``), narrowed to its channel."""
        summary = orbit_summary(
            self.engine, self.params, self.team, as_of=as_of, channel=spec.channel
        )
        overview = self._overview(spec, summary.as_of)
        return metric_value(spec, summary, overview)

    def _overview(self, spec: MetricSpec, as_of: date) -> SurveyOverview | None:
        if self.surveys is None:
            return None
        return self.surveys.overview(as_of, channel=spec.channel)

    def start(self, form: Mapping[str, str | None], created_by: str) -> Experiment:
        today = self.clock().date()
        new = parse_form(form, today)
        baseline = self.value(new.spec)
        with self.engine.begin() as conn:
            return store.create(
                conn,
                hypothesis=new.hypothesis,
                action=new.action,
                spec=new.spec,
                direction=new.direction,
                threshold=new.threshold,
                start=new.start,
                end=new.end,
                baseline=baseline,
                created_by=created_by,
                now=self.clock(),
            )

    def statuses(self, as_of: date | None = None) -> list[ExperimentStatus]:
        """Every experiment with its current value (running) or final value (ended)."""
        with self.engine.connect() as conn:
            experiments = store.all_experiments(conn)
        return [status(e, None if e.closed else self.value(e.spec, as_of)) for e in experiments]

    def close(self, experiment_id: int) -> ExperimentStatus:
        """End an experiment now with its verdict (by hand, or because its end date passed)."""
        with self.engine.connect() as conn:
            found = store.get(conn, experiment_id)
        if found is None:
            raise NotFoundError(f"There is no experiment #{experiment_id}.")
        if found.closed:
            return status(found, None)
        final = self.value(found.spec)
        outcome = verdict(found.direction, found.threshold, final)
        with self.engine.begin() as conn:
            store.close(conn, experiment_id, outcome, final, self.clock())
            ended = store.get(conn, experiment_id)
        assert ended is not None
        log.info("experiment %d ended: %s", experiment_id, outcome.value)
        return status(ended, None)

    def end_due(self, today: date) -> list[ExperimentStatus]:
        """Close every running experiment whose end date has come; returns those closed."""
        with self.engine.connect() as conn:
            due = [e for e in store.all_experiments(conn) if not e.closed and e.end <= today]
        return [self.close(e.id) for e in due]
