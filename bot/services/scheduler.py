"""The bot's clock: APScheduler 3 with its job store in our database.

Jobs:

* ``survey:<channel>`` — one cron job per enabled survey schedule. The job store keeps each
  job's next run time, so schedules survive restarts, and a run missed while every replica was
  down is run late within ``misfire_grace_time`` or skipped with a warning (APScheduler's
  "Run time of job … was missed by …"); ``coalesce`` folds several missed runs into one.
* ``pulse:tick`` — every ``tick_seconds``: reminders, closes, and steps a dead replica left.
* ``pulse:retention`` — daily: purge data older than ``PULSE_RETENTION_DAYS``.
* ``pulse:digest`` — the weekly digest (``PULSE_DIGEST_CRON`` in ``PULSE_DIGEST_TIMEZONE``).

Several replicas share the job store, so more than one of them may run the same job; each job
therefore claims its work in the database first (a run per channel and slot, a step per run, a
retention pass per day) and only the winner acts. APScheduler pickles a job as a reference to
a module-level function, so the functions here find the scheduler that runs them through a
thread-local set by the executor's threads.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from bot.schedules import cron_trigger
from bot.services.digest import DigestService
from bot.services.surveys import SurveyService, utcnow
from storage import retention
from storage import surveys as store

log = logging.getLogger(__name__)

JOBSTORE_TABLE = "pulse_scheduler_jobs"
SURVEY_PREFIX = "survey:"
TICK = "pulse:tick"
RETENTION = "pulse:retention"
DIGEST = "pulse:digest"
RETENTION_CRON = "30 3 * * *"  # daily at 03:30 UTC
CLAIMS_KEPT = timedelta(days=60)

_bound = threading.local()


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3 is untyped
    """APScheduler's background scheduler, minus one race: on shutdown its loop wakes once
    more and, with the executors already shut down, "runs" any due job into an error and moves
    the job to its next time, losing that run. Here a stopped scheduler processes nothing, so
    the run stays due in the job store for the next start (or another replica)."""

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait: float | None = super()._process_jobs()
        return wait


def _current() -> PulseScheduler:
    scheduler = getattr(_bound, "scheduler", None)
    if scheduler is None:  # pragma: no cover - only if someone calls a job function directly
        raise RuntimeError("job functions run inside a PulseScheduler's executor")
    assert isinstance(scheduler, PulseScheduler)
    return scheduler


def run_survey(channel_id: str) -> None:
    _current().surveys.fire(channel_id)


def run_tick() -> None:
    _current().surveys.tick()


def run_retention() -> None:
    _current().retention()


def run_digest() -> None:
    digest = _current().digest
    if digest is not None:
        digest.fire()


@dataclass
class PulseScheduler:
    engine: Engine
    surveys: SurveyService
    retention_days: int = 180
    tick_seconds: float = 30.0
    grace_seconds: int = 3600
    clock: Callable[[], datetime] = utcnow
    digest: DigestService | None = None
    _scheduler: BackgroundScheduler | None = None

    def __post_init__(self) -> None:
        executor = ThreadPoolExecutor(2, pool_kwargs={"initializer": self._bind})
        self._scheduler = _Scheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.engine, tablename=JOBSTORE_TABLE)},
            executors={"default": executor},
            job_defaults={
                "coalesce": True,
                "max_instances": 1,
                "misfire_grace_time": self.grace_seconds,
            },
            timezone=UTC,
        )

    def _bind(self) -> None:
        _bound.scheduler = self

    @property
    def scheduler(self) -> BackgroundScheduler:
        assert self._scheduler is not None
        return self._scheduler

    def start(self, *, paused: bool = False) -> None:
        """Start the clock: jobs come from (and go to) the database."""
        self.scheduler.start(paused=True)
        self.sync()
        if not paused:
            self.scheduler.resume()

    def resume(self) -> None:
        self.scheduler.resume()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def sync(self) -> None:
        """Make the job store hold one job per enabled survey schedule, plus the tick and the
        retention job. An unchanged schedule keeps its job (and its next run time, so a run
        missed while the bot was down is still noticed)."""
        wanted = {
            f"{SURVEY_PREFIX}{s.channel_id}": s for s in self.surveys.schedules() if s.enabled
        }
        for job in self.scheduler.get_jobs():
            if job.id.startswith(SURVEY_PREFIX) and job.id not in wanted:
                job.remove()
        for job_id, sched in wanted.items():
            trigger = cron_trigger(sched.cron, sched.timezone)
            existing = self.scheduler.get_job(job_id)
            if existing is not None and repr(existing.trigger) == repr(trigger):
                continue
            self.scheduler.add_job(
                run_survey,
                trigger,
                args=[sched.channel_id],
                id=job_id,
                name=f"survey {sched.set_id} in {sched.channel_id}",
                replace_existing=True,
            )
        self._ensure(
            TICK, run_tick, IntervalTrigger(seconds=self.tick_seconds, timezone=UTC), "survey tick"
        )
        if self.digest is not None:
            self._ensure(
                DIGEST,
                run_digest,
                cron_trigger(self.digest.cron, self.digest.timezone),
                "weekly digest",
            )
        self._ensure(
            RETENTION,
            run_retention,
            CronTrigger.from_crontab(RETENTION_CRON, timezone=UTC),
            "retention",
        )

    def _ensure(self, job_id: str, func: Callable[[], None], trigger: Any, name: str) -> None:
        existing = self.scheduler.get_job(job_id)
        if existing is not None and repr(existing.trigger) == repr(trigger):
            return
        self.scheduler.add_job(func, trigger, id=job_id, name=name, replace_existing=True)

    def run_now(self, job_id: str) -> None:
        """Make a job due now (tests and operators: ``pulse survey run``)."""
        self.scheduler.modify_job(job_id, next_run_time=datetime.now(UTC))

    def retention(self, today: date | None = None) -> retention.Purged | None:
        """Purge old data and end due experiments, once per day whichever replica gets here
        first."""
        now = self.clock()
        today = today or now.date()
        cutoff = today - timedelta(days=self.retention_days)
        with self.engine.begin() as conn:
            if not store.claim_once(conn, RETENTION, today.isoformat(), self.surveys.owner, now):
                log.info("retention for %s already done by another replica", today)
                return None
            purged = retention.purge_before(conn, cutoff)
            store.prune_claims(conn, now - CLAIMS_KEPT)
        if self.digest is not None:  # once a day too: experiments whose end date has come
            self.digest.end_experiments(today)
        log.info(
            "retention: removed %d activities, %d rollup rows and %d snapshots before %s",
            purged.activities,
            purged.rollups,
            purged.snapshots,
            cutoff,
        )
        return purged
