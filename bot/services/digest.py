"""Use case: the weekly digest (DESIGN.md "Reporting"), posted to the platform team's channel on
a schedule (exactly once per period, whichever replica gets there first) and on ``/orbit digest``.

Building a digest keeps a snapshot, so the next digest reports change and movement since this
one; it also ends the experiments whose end date has come, with a verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine

from bot.core.digest import Digest, drifted, history_points, movements
from bot.core.experiments import ExperimentStatus
from bot.core.model import day_to_date
from bot.core.scoring import ScoringParams
from bot.schedules import cron_trigger, last_fire
from bot.services.experiments import ExperimentService
from bot.services.reporting import TeamConfig, orbit_summary
from bot.services.surveys import SurveyService, default_owner, utcnow
from storage import activities, snapshots
from storage import directory as people
from storage import surveys as claims

log = logging.getLogger(__name__)

HISTORY_DAYS = 180
DIGEST = "digest"


class DigestPoster(Protocol):
    """How a chat platform shows the digest (with its pictures) and experiment verdicts."""

    def post_digest(self, digest: Digest) -> None: ...

    def post_verdict(self, status: ExperimentStatus) -> None: ...


def period_of(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass
class DigestService:
    engine: Engine
    params: ScoringParams
    team: TeamConfig
    experiments: ExperimentService
    surveys: SurveyService | None = None
    poster: DigestPoster | None = None
    cron: str = "0 9 * * mon"
    timezone: str = "UTC"
    grace: timedelta = timedelta(hours=1)
    owner: str = field(default_factory=default_owner)
    clock: Callable[[], datetime] = utcnow

    def build(self, as_of: date | None = None) -> tuple[Digest, list[ExperimentStatus]]:
        """The digest as of ``as_of`` (default: today), plus the experiments it ended."""
        as_of = as_of or self.clock().date()
        ended = self.experiments.end_due(as_of)
        with self.engine.connect() as conn:
            before = snapshots.positions(conn, as_of)
            previous_active = snapshots.active_count(conn, before[0]) if before else None
        previous = before[1] if before else {}
        summary = orbit_summary(
            self.engine, self.params, self.team, as_of=as_of, keep_snapshot=True
        )
        up, down = movements(summary, previous)
        with self.engine.connect() as conn:
            candidates = list(previous)
            last = activities.last_active_days(conn, candidates)
            names = people.member_names(conn, candidates)
            history = snapshots.history(conn, as_of, as_of - timedelta(days=HISTORY_DAYS))
        last_dates = {m: day_to_date(d) for m, d in last.items()}
        running = [s for s in self.experiments.statuses(as_of) if not s.experiment.closed]
        digest = Digest(
            period=period_of(as_of),
            summary=summary,
            previous_as_of=before[0] if before else None,
            moved_up=up,
            moved_down=down,
            drifted=drifted(summary, previous, last_dates, names),
            history=history_points(history),
            surveys=self.surveys.overview(as_of) if self.surveys is not None else None,
            experiments=(*running, *ended),
            previous_active=previous_active,
            previous=previous,
        )
        return digest, ended

    def post(self, as_of: date | None = None) -> Digest:
        """Build and post a digest now (``/orbit digest``)."""
        digest, ended = self.build(as_of)
        if self.poster is not None:
            for status in ended:
                self.poster.post_verdict(status)
            self.poster.post_digest(digest)
        log.info("digest %s posted", digest.period)
        return digest

    def end_experiments(self, today: date) -> list[ExperimentStatus]:
        """End the experiments whose end date has come and post their verdicts (the daily job,
        so a verdict does not wait for the next digest)."""
        ended = self.experiments.end_due(today)
        if self.poster is not None:
            for status in ended:
                self.poster.post_verdict(status)
        return ended

    def fire(self) -> Digest | None:
        """The scheduled digest: posted once per scheduled time across replicas."""
        now = self.clock()
        slot = last_fire(cron_trigger(self.cron, self.timezone), now, self.grace)
        if slot is None:
            log.warning("digest fired outside its schedule; skipped")
            return None
        with self.engine.begin() as conn:
            mine = claims.claim_once(
                conn, DIGEST, slot.astimezone(UTC).isoformat(), self.owner, now
            )
        if not mine:
            log.info("digest for %s already posted by another replica", slot)
            return None
        return self.post(slot.date())
