"""The digest and experiments against the database (SQLite, and PostgreSQL when configured):
snapshots and change since the last digest, exactly once per period across replicas, and an
experiment evaluated across two digests and ended with the right verdict."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from bot.config import load_scoring
from bot.core.digest import Digest
from bot.core.experiments import ExperimentStatus, Verdict
from bot.core.model import Activity, Kind
from bot.services.digest import DigestService, period_of
from bot.services.experiments import ExperimentService
from bot.services.reporting import TeamConfig
from storage import activities

PARAMS = load_scoring()
TEAM = TeamConfig("platform-team", ())
MONDAY = date(2026, 11, 23)


@dataclass
class Poster:
    digests: list[Digest] = field(default_factory=list)
    verdicts: list[ExperimentStatus] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post_digest(self, digest: Digest) -> None:
        with self.lock:
            self.digests.append(digest)

    def post_verdict(self, status: ExperimentStatus) -> None:
        with self.lock:
            self.verdicts.append(status)


def noon(day: date) -> float:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC).timestamp()


def talk(
    engine: Engine, author: str, responders: list[str], days: list[date], every: int = 4
) -> None:
    """``author`` posts every day in ``days``; each responder replies on every ``every``-th."""
    rows = []
    for i, day in enumerate(days):
        ts = noon(day)
        rows.append(Activity(f"post:C1:{author}:{day}", Kind.MESSAGE, author, "C1", ts))
        for r in responders if i % every == 0 else []:
            rows.append(
                Activity(f"post:C1:{r}:{author}:{day}", Kind.REPLY, r, "C1", ts + 60, target=author)
            )
    activities.record(engine, rows)


def service(engine: Engine, poster: Poster, now: datetime, owner: str = "one") -> DigestService:
    experiments = ExperimentService(engine, PARAMS, TEAM, clock=lambda: now)
    return DigestService(
        engine, PARAMS, TEAM, experiments, poster=poster, owner=owner, clock=lambda: now
    )


def days(end: date, n: int) -> list[date]:
    return [end - timedelta(days=i) for i in range(n)]


def test_digests_report_change_since_the_last_one_and_an_experiment_ends(
    db_engine: Engine,
) -> None:
    poster = Poster()
    talk(db_engine, "ANA", ["BO", "CY", "DI"], days(MONDAY - timedelta(days=7), 20))
    talk(db_engine, "BO", [], days(MONDAY - timedelta(days=7), 3))
    first_monday = datetime(2026, 11, 16, 9, tzinfo=UTC)
    digests = service(db_engine, poster, first_monday)
    experiment = digests.experiments.start(
        {
            "hypothesis": "Pairing sessions pull in more people",
            "action": "Two pairing sessions a week",
            "metric": "quadrant_count",
            "param": "multiplier",
            "channel": "*",
            "direction": "increase",
            "threshold": "2",
            "start": "2026-11-16",
            "end": "2026-11-23",
        },
        created_by="UTEAM",
    )
    assert experiment.baseline == 1.0  # Ana is the one multiplier when it starts
    first = digests.post(first_monday.date())
    assert first.previous_as_of is None
    assert first.summary.previous_counts is None
    [running] = first.experiments
    assert running.current == 1.0
    assert running.on_track is False
    assert first.period == period_of(first_monday.date()) == "2026-W47"

    # A week later Bo has pulled people in as well.
    talk(db_engine, "BO", ["ANA", "CY", "DI", "EVE", "FAY"], days(MONDAY, 7), every=1)
    second_monday = datetime(2026, 11, 23, 9, tzinfo=UTC)
    digests = service(db_engine, poster, second_monday)
    second = digests.post(MONDAY)
    assert second.previous_as_of == first_monday.date()
    assert second.summary.previous_counts == first.summary.counts
    assert second.previous_active == first.active
    assert [p.day for p in second.history] == [first_monday.date(), MONDAY]
    assert any(m.member.id == "BO" for m in second.moved_up)
    multipliers = float(second.summary.counts["multiplier"])
    [verdict] = poster.verdicts  # the experiment's end date came: posted and kept
    assert verdict.current == multipliers
    assert verdict.experiment.verdict is (Verdict.MET if multipliers >= 2 else Verdict.NOT_MET)
    assert [s.experiment.closed for s in second.experiments] == [True]
    [kept] = digests.experiments.statuses()
    assert kept.experiment.final == multipliers
    assert kept.experiment.verdict is verdict.experiment.verdict


def test_the_scheduled_digest_is_posted_once_by_racing_replicas(db_engine: Engine) -> None:
    poster = Poster()
    talk(db_engine, "ANA", ["BO"], days(MONDAY, 5))
    slot = datetime(2026, 11, 23, 9, 0, 3, tzinfo=UTC)
    replicas = [service(db_engine, poster, slot, owner=f"r{i}") for i in range(4)]
    barrier = threading.Barrier(len(replicas))

    def fire(digests: DigestService) -> None:
        barrier.wait()
        digests.fire()

    threads = [threading.Thread(target=fire, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(poster.digests) == 1
    assert poster.digests[0].summary.as_of == MONDAY
    # Outside the schedule (Tuesday), nothing is posted.
    late = service(db_engine, poster, slot + timedelta(days=1))
    assert late.fire() is None
    assert len(poster.digests) == 1


def test_closing_by_hand_keeps_the_verdict_and_closing_twice_changes_nothing(
    db_engine: Engine,
) -> None:
    poster = Poster()
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    digests = service(db_engine, poster, now)
    started = digests.experiments.start(
        {
            "hypothesis": "Surveys get answered more",
            "action": "Results posted in the thread",
            "metric": "response_rate",
            "direction": "increase",
            "threshold": "50%",
            "start": "2026-11-23",
            "end": "2026-12-21",
        },
        created_by="UTEAM",
    )
    assert started.baseline is None  # no survey yet
    closed = digests.experiments.close(started.id)
    assert closed.verdict is Verdict.NOT_ENOUGH_DATA
    again = digests.experiments.close(started.id)
    assert again.verdict is Verdict.NOT_ENOUGH_DATA


def test_the_daily_job_ends_due_experiments_once(db_engine: Engine) -> None:
    from bot.services.scheduler import PulseScheduler
    from bot.services.surveys import SurveyService

    poster = Poster()
    now = datetime(2026, 11, 23, 9, tzinfo=UTC)
    digests = service(db_engine, poster, now)
    started = digests.experiments.start(
        {
            "hypothesis": "Fewer silent members after the welcome tour",
            "action": "A welcome tour for newcomers",
            "metric": "silent_share",
            "direction": "decrease",
            "threshold": "50%",
            "start": "2026-11-23",
            "end": "2026-11-30",
        },
        created_by="UTEAM",
    )
    replicas = [
        PulseScheduler(
            db_engine,
            SurveyService(db_engine, {}, TEAM, owner=f"r{i}"),
            digest=service(db_engine, poster, now, owner=f"r{i}"),
        )
        for i in range(2)
    ]
    assert replicas[0].retention(date(2026, 11, 29)) is not None
    assert poster.verdicts == []  # not due yet
    assert replicas[0].retention(date(2026, 11, 30)) is not None
    assert replicas[1].retention(date(2026, 11, 30)) is None  # the other replica: already done
    [verdict] = poster.verdicts
    assert verdict.experiment.id == started.id
    assert verdict.experiment.verdict is Verdict.NOT_ENOUGH_DATA  # no members at all
