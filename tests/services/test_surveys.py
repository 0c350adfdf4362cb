"""Survey runs against the database (SQLite, and PostgreSQL when configured): claims, answers,
anonymity, reminders, closing, replicas and the scheduler. The chat platform is a recording
poster (the port's simplest implementation); the Slack path is tested end to end elsewhere."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, inspect, select

from bot.core.questions import QuestionSet
from bot.core.surveys import RESULTS_HIDDEN, HiddenResult, QuestionResult, RunResults, RunView
from bot.prompts import SHIPPED, load_question_sets
from bot.schedules import ScheduleSpec
from bot.services.live import Recorder
from bot.services.reporting import TeamConfig
from bot.services.scheduler import PulseScheduler
from bot.services.surveys import PostFailedError, SurveyClosedError, SurveyService
from storage import surveys as store
from storage.sql import (
    ACTIVITY,
    MEMBER_DAY,
    SNAPSHOT,
    SURVEY_ANSWER,
    SURVEY_PARTICIPANT,
    SURVEY_RUN,
)

SETS = load_question_sets([SHIPPED])
TEAM = TeamConfig("platform-team", ())
T0 = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # a Tuesday


@dataclass
class Poster:
    """Records what would be shown; ``fail`` makes the next posts fail."""

    posts: list[tuple[str, int]] = field(default_factory=list)
    closed: list[RunResults] = field(default_factory=list)
    fail: PostFailedError | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def post_survey(self, run: RunView) -> str:
        if self.fail is not None:
            raise self.fail
        with self.lock:
            self.posts.append(("survey", run.run_id))
            return f"17000000{len(self.posts):02d}.000100"

    def post_reminder(self, run: RunView, message_ref: str) -> None:
        with self.lock:
            self.posts.append(("reminder", run.run_id))

    def post_closed(self, results: RunResults, message_ref: str) -> None:
        with self.lock:
            self.posts.append(("closed", results.run.run_id))
            self.closed.append(results)


class Clock:
    def __init__(self, now: datetime = T0) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def service(
    engine: Engine,
    poster: Poster,
    clock: Callable[[], datetime] | None = None,
    *,
    owner: str = "one",
    minimum: int = 3,
    recorder: Recorder | None = None,
) -> SurveyService:
    return SurveyService(
        engine,
        SETS,
        TEAM,
        recorder=recorder,
        poster=poster,
        min_respondents=minimum,
        owner=owner,
        clock=clock or Clock(),
    )


def test_a_run_is_posted_answered_changed_and_closed_with_matching_results(
    db_engine: Engine,
) -> None:
    poster, clock = Poster(), Clock()
    surveys = service(db_engine, poster, clock)
    run = surveys.start("C1", "pulse", count=3, open_hours=48)
    assert run is not None
    assert [q.id for q in run.questions] == ["satisfaction", "last_task_ease", "blocker"]
    assert run.reaction_question == "satisfaction"
    assert poster.posts == [("survey", run.run_id)]

    for member, value in [("U1", "5"), ("U2", "4"), ("U3", "2"), ("U4", "4")]:
        first = surveys.answer(member, run.run_id, "satisfaction", value)
        assert not first.changed
    changed = surveys.answer("U3", run.run_id, "satisfaction", "3")
    assert changed.changed
    assert changed.value == "3"
    for member in ("U1", "U2", "U3"):
        surveys.answer(member, run.run_id, "blocker", "The  deploy pipeline is slow and flaky")
    surveys.answer("U1", run.run_id, "last_task_ease", "4")

    clock.now = T0 + timedelta(hours=23)
    assert surveys.tick() == 0
    clock.now = T0 + timedelta(hours=24)  # half-way: the reminder
    assert surveys.tick() == 1
    assert surveys.tick() == 0  # once
    clock.now = T0 + timedelta(hours=48)
    assert surveys.tick() == 1
    assert poster.posts[1:] == [("reminder", run.run_id), ("closed", run.run_id)]
    [closed] = poster.closed
    assert closed.respondents == 4
    by_id = {r.question_id: r for r in closed.results.results}
    satisfaction = by_id["satisfaction"]
    assert isinstance(satisfaction, QuestionResult)
    assert satisfaction.n == 4
    assert satisfaction.mean == pytest.approx((5 + 4 + 3 + 4) / 4)
    assert dict(satisfaction.counts) == {"1": 0, "2": 0, "3": 1, "4": 2, "5": 1}
    blocker = by_id["blocker"]
    assert isinstance(blocker, QuestionResult)
    assert blocker.n == 3
    assert blocker.polarity_mean is not None
    assert isinstance(by_id["last_task_ease"], HiddenResult)  # one answer < minimum 3

    # Three written answers reach the minimum: the team may read them (whitespace tidied).
    assert closed.comments == (("blocker", ("The deploy pipeline is slow and flaky",) * 3),)
    blocker_text = SETS["pulse"].questions[2].text
    assert surveys.overview().comments == (
        (blocker_text, ("The deploy pipeline is slow and flaky",) * 3),
    )
    with pytest.raises(SurveyClosedError):
        surveys.answer("U5", run.run_id, "satisfaction", "1")
    assert surveys.tick() == 0  # nothing is done twice


def test_answers_carry_no_member_and_the_salt_is_gone_after_close(db_engine: Engine) -> None:
    poster, clock = Poster(), Clock()
    surveys = service(db_engine, poster, clock)
    run = surveys.start("C1", "pulse", count=1)
    assert run is not None
    surveys.answer("UALICE", run.run_id, "satisfaction", "4")
    columns = {c["name"] for c in inspect(db_engine).get_columns("survey_answer")}
    assert columns == {"run_id", "question_id", "answer_key", "value", "polarity"}
    with db_engine.connect() as conn:
        stored = conn.execute(select(SURVEY_ANSWER)).all()
        hashes = conn.execute(select(SURVEY_PARTICIPANT.c.member_hash)).scalars().all()
    assert all("UALICE" not in str(v) for row in stored for v in row)
    assert all("UALICE" not in h for h in hashes)
    assert len(hashes) == 1
    clock.now = T0 + timedelta(days=3)
    surveys.tick()
    with db_engine.connect() as conn:
        assert conn.execute(select(SURVEY_RUN.c.salt)).scalar_one() is None
        assert store.salt(conn, run.run_id) is None


def test_survey_answers_count_for_love_as_participation_only(db_engine: Engine) -> None:
    recorder = Recorder(db_engine)
    surveys = service(db_engine, Poster(), recorder=recorder)
    run = surveys.start("C1", "pulse", count=2)
    assert run is not None
    surveys.answer("U1", run.run_id, "satisfaction", "2")
    surveys.answer("U1", run.run_id, "satisfaction", "5")  # a change is not a second answer
    surveys.answer("U1", run.run_id, "last_task_ease", "3")
    with db_engine.connect() as conn:
        rows = conn.execute(select(ACTIVITY.c.kind, ACTIVITY.c.actor, ACTIVITY.c.ts)).all()
        day = conn.execute(select(MEMBER_DAY.c.n_survey_answer)).scalar_one()
    assert sorted(r.kind for r in rows) == ["survey_answer", "survey_answer"]
    assert {r.actor for r in rows} == {"U1"}
    assert all(r.ts % 86_400 == 0 for r in rows)  # day start: not the moment of answering
    assert day == 2


def test_reactions_answer_the_reaction_question_and_removing_withdraws(db_engine: Engine) -> None:
    surveys = service(db_engine, Poster())
    run = surveys.start("C1", "pulse", count=2)
    assert run is not None
    ts = surveys.view(run.run_id)
    with db_engine.connect() as conn:
        message_ts = store.run(conn, run.run_id).message_ts  # type: ignore[union-attr]
    assert message_ts is not None
    assert ts.reaction_question == "satisfaction"

    answered = surveys.react("U1", "C1", message_ts, "four", added=True)
    assert answered is not None
    assert answered.value == "4"
    assert surveys.react("U1", "C1", message_ts, "tada", added=True) is None  # not listed
    assert surveys.react("U1", "C1", "999.000", "four", added=True) is None  # not a survey
    assert surveys.view(run.run_id).respondents == 1
    removed = surveys.react("U1", "C1", message_ts, "four", added=False)
    assert removed is not None
    assert removed.removed
    assert surveys.view(run.run_id).respondents == 0
    with db_engine.connect() as conn:
        assert conn.execute(select(SURVEY_ANSWER)).all() == []


def test_bad_answers_are_refused_and_change_nothing(db_engine: Engine) -> None:
    surveys = service(db_engine, Poster())
    run = surveys.start("C1", "pulse", count=3)
    assert run is not None
    surveys.answer("U1", run.run_id, "satisfaction", "3")
    with pytest.raises(Exception, match="not an answer"):
        surveys.answer("U1", run.run_id, "satisfaction", "7")
    with pytest.raises(Exception, match="no question"):
        surveys.answer("U1", run.run_id, "enps", "7")  # not asked in this run
    with pytest.raises(Exception, match="don't know this survey"):
        surveys.answer("U1", 9999, "satisfaction", "3")
    with pytest.raises(Exception, match="few words"):
        surveys.answer("U1", run.run_id, "blocker", "   ")
    with db_engine.connect() as conn:
        assert conn.execute(select(SURVEY_ANSWER.c.value)).scalars().all() == ["3"]


def test_too_few_respondents_show_nothing_at_all(db_engine: Engine) -> None:
    poster, clock = Poster(), Clock()
    surveys = service(db_engine, poster, clock, minimum=5)
    run = surveys.start("C1", "pulse", count=1)
    assert run is not None
    for i in range(4):
        surveys.answer(f"U{i}", run.run_id, "satisfaction", "5")
    clock.now = T0 + timedelta(days=3)
    surveys.tick()
    [closed] = poster.closed
    assert not closed.shown
    assert closed.comments == ()
    [hidden] = closed.results.results
    assert isinstance(hidden, HiddenResult)
    assert hidden.message == RESULTS_HIDDEN
    overview = surveys.overview()
    assert overview.trends == ()
    assert len(overview.runs) == 1


def test_replicas_post_remind_and_close_once(db_engine: Engine) -> None:
    poster, clock = Poster(), Clock()
    replicas = [service(db_engine, poster, clock, owner=f"r{i}") for i in range(4)]
    barrier = threading.Barrier(len(replicas))

    def start(surveys: SurveyService) -> None:
        barrier.wait()
        surveys.start("C1", "pulse", slot=T0, count=1)

    threads = [threading.Thread(target=start, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [p for p in poster.posts if p[0] == "survey"] == [("survey", 1)]

    def tick(surveys: SurveyService) -> None:
        barrier.wait()
        surveys.tick()

    for moment in (T0 + timedelta(days=1, hours=1), T0 + timedelta(days=3)):
        clock.now = moment
        threads = [threading.Thread(target=tick, args=(r,)) for r in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(kind for kind, _ in poster.posts) == ["closed", "reminder", "survey"]


def test_a_step_left_by_a_dead_replica_is_taken_over_after_its_lease(db_engine: Engine) -> None:
    poster, clock = Poster(), Clock()
    dying = service(db_engine, poster, clock, owner="dying")
    poster.fail = PostFailedError("connection reset", permanent=False)
    with pytest.raises(PostFailedError):
        dying.start("C1", "pulse", count=1)
    poster.fail = None
    other = service(db_engine, poster, clock, owner="other")
    assert other.tick() == 0  # the lease still holds
    clock.now = T0 + timedelta(minutes=5)
    assert other.tick() == 1
    assert poster.posts == [("survey", 1)]
    with db_engine.connect() as conn:
        assert store.run(conn, 1).state == store.OPEN  # type: ignore[union-attr]


def test_a_permanent_failure_gives_the_run_up(db_engine: Engine) -> None:
    poster, clock = Poster(), Clock()
    surveys = service(db_engine, poster, clock)
    poster.fail = PostFailedError("not_in_channel", permanent=True)
    with pytest.raises(PostFailedError):
        surveys.start("C1", "pulse", count=1)
    clock.now = T0 + timedelta(hours=1)
    assert surveys.tick() == 0
    with db_engine.connect() as conn:
        assert store.run(conn, 1).state == store.FAILED  # type: ignore[union-attr]


def test_rotation_does_not_repeat_within_the_window(db_engine: Engine) -> None:
    poster, clock = Poster(), Clock()
    surveys = service(db_engine, poster, clock)
    asked = []
    for week in range(4):
        clock.now = T0 + timedelta(weeks=week)
        run = surveys.start("C1", "pulse", count=1, rotation_weeks=3, open_hours=1)
        assert run is not None
        asked.append(run.questions[0].id)
    assert len(set(asked[:3])) == 3  # three weeks, three different questions
    assert asked[3] == "enps"  # the fourth was never asked


def test_restart_in_the_middle_loses_nothing(db_engine: Engine) -> None:
    poster, clock = Poster(), Clock()
    before = service(db_engine, poster, clock, owner="before")
    run = before.start("C1", "pulse", count=1)
    assert run is not None
    for i in range(3):
        before.answer(f"U{i}", run.run_id, "satisfaction", "4")
    # the process ends; a new one (new service objects, same database) carries on
    after = service(db_engine, poster, clock, owner="after")
    after.answer("U3", run.run_id, "satisfaction", "2")
    clock.now = T0 + timedelta(days=3)
    after.tick()
    [closed] = poster.closed
    result = closed.results.results[0]
    assert isinstance(result, QuestionResult)
    assert result.n == 4
    assert result.mean == pytest.approx(3.5)


def test_schedules_from_file_and_command(db_engine: Engine) -> None:
    surveys = service(db_engine, Poster())
    file_spec = ScheduleSpec(channel="general", set_id="pulse", cron="0 10 * * tue")
    surveys.save_schedule(ScheduleSpec(channel="C2", set_id="maturity", cron="0 9 * * mon"), "C2")
    surveys.sync_file(
        [file_spec, ScheduleSpec(channel="random", set_id="pulse", cron="0 9 * * mon")],
        {"general": "C1", "random": "C2"}.get,
    )
    rows = {r.channel_id: r for r in surveys.schedules()}
    assert rows["C1"].origin == "yaml"
    assert rows["C1"].set_id == "pulse"
    assert rows["C2"].origin == "command"
    assert rows["C2"].set_id == "maturity"
    surveys.sync_file([], {}.get)  # the file no longer lists #general
    assert [r.channel_id for r in surveys.schedules()] == ["C2"]
    assert surveys.disable_schedule("C2")
    assert not surveys.schedules()[0].enabled
    with pytest.raises(Exception, match="no question set"):
        surveys.save_schedule(ScheduleSpec(channel="C3", set_id="nope", cron="0 9 * * *"), "C3")


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.05)


def test_two_schedulers_post_a_scheduled_run_once(db_engine: Engine) -> None:
    poster = Poster()
    replicas = [
        PulseScheduler(db_engine, service(db_engine, poster, owner=f"r{i}"), tick_seconds=0.2)
        for i in range(2)
    ]
    replicas[0].surveys.save_schedule(
        ScheduleSpec(channel="C1", set_id="pulse", cron="0 10 * * tue"), "C1"
    )
    for scheduler in replicas:
        scheduler.start(paused=True)
    try:
        # The run is due now, as if Tuesday 10:00 had just come, on both replicas at once.
        for scheduler in replicas:
            scheduler.surveys.clock = Clock(T0 + timedelta(seconds=5))
        replicas[0].run_now("survey:C1")
        barrier = threading.Barrier(2)

        def resume(scheduler: PulseScheduler) -> None:
            barrier.wait()
            scheduler.resume()

        threads = [threading.Thread(target=resume, args=(s,)) for s in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wait_until(lambda: len(poster.posts) >= 1)
        time.sleep(1.0)  # both schedulers ran their jobs (and ticks) meanwhile
    finally:
        for scheduler in replicas:
            scheduler.shutdown()
    assert poster.posts == [("survey", 1)]
    with db_engine.connect() as conn:
        [row] = store.runs(conn)
    assert row.slot == T0  # the Tuesday 10:00 slot, the same on both replicas


def test_schedules_survive_a_restart_and_a_missed_run_is_posted_late(db_engine: Engine) -> None:
    poster = Poster()
    first = PulseScheduler(db_engine, service(db_engine, poster), tick_seconds=60)
    first.surveys.save_schedule(
        ScheduleSpec(channel="C1", set_id="pulse", cron="0 10 * * tue"), "C1"
    )
    first.start(paused=True)
    job = first.scheduler.get_job("survey:C1")
    assert job is not None
    first.run_now("survey:C1")  # due now, but the bot goes down before it runs
    first.shutdown()

    later = PulseScheduler(
        db_engine, service(db_engine, poster, Clock(T0 + timedelta(minutes=20))), tick_seconds=60
    )
    later.start()  # the job store still has the run, due 20 minutes ago: within the grace
    try:
        wait_until(lambda: len(poster.posts) == 1)
    finally:
        later.shutdown()
    assert poster.posts == [("survey", 1)]


def test_a_run_missed_beyond_the_grace_is_skipped_and_logged(
    db_engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    poster = Poster()
    surveys = service(db_engine, poster, Clock(T0 + timedelta(hours=3)))
    surveys.save_schedule(ScheduleSpec(channel="C1", set_id="pulse", cron="0 10 * * tue"), "C1")
    assert surveys.fire("C1") is None  # three hours late, grace one hour
    assert poster.posts == []
    assert "outside its schedule" in caplog.text


def test_retention_runs_once_a_day(db_engine: Engine) -> None:
    from bot.core.model import Activity, Kind
    from storage import activities
    from storage import snapshots as kept_snapshots  # noqa: F401  (tables registered)

    old = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    new = datetime(2026, 11, 20, tzinfo=UTC).timestamp()
    activities.record(
        db_engine,
        [
            Activity("post:C1:1", Kind.MESSAGE, "U1", "C1", old),
            Activity("post:C1:2", Kind.MESSAGE, "U1", "C1", new),
        ],
    )
    schedulers = [
        PulseScheduler(db_engine, service(db_engine, Poster(), owner=f"r{i}"), retention_days=180)
        for i in range(2)
    ]
    today = date(2026, 11, 25)
    first = schedulers[0].retention(today)
    second = schedulers[1].retention(today)
    assert first is not None
    assert first.activities == 1
    assert first.rollups >= 2
    assert second is None
    with db_engine.connect() as conn:
        assert conn.execute(select(ACTIVITY.c.key)).scalars().all() == ["post:C1:2"]
        assert len(conn.execute(select(MEMBER_DAY)).all()) == 1
        assert conn.execute(select(SNAPSHOT)).all() == []


def test_question_sets_used_here_are_the_shipped_ones() -> None:
    assert isinstance(SETS["pulse"], QuestionSet)
    assert set(SETS) >= {"pulse", "maturity", "culture", "journey"}
