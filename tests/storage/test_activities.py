from __future__ import annotations

from datetime import date

from sqlalchemy import Engine, func, select

from bot.core.model import SECONDS_PER_DAY, Activity, Kind
from bot.core.orbit import build_summary
from bot.core.scoring import ScoringParams
from bot.core.summary import Quadrant
from storage import activities as store
from storage import snapshots
from storage.scores import community_stats
from storage.sql import (
    ACTIVITY,
    MEMBER,
    MEMBER_CHANNEL_DAY,
    MEMBER_DAY,
    PAIR_CHANNEL_DAY,
    PAIR_DAY,
)

DAY = 20_000


def act(
    key: str, kind: Kind, actor: str, target: str | None = None, day: int = DAY, **kw: object
) -> Activity:
    return Activity(
        key=key,
        kind=kind,
        actor=actor,
        channel=str(kw.get("channel", "C1")),
        ts=day * SECONDS_PER_DAY + len(key),
        target=target,
        ref=kw.get("ref"),  # type: ignore[arg-type]
        sentiment=kw.get("sentiment"),  # type: ignore[arg-type]
    )


def pairs(engine: Engine) -> set[tuple[str, str]]:
    """(source, target) pairs present in pair_day."""
    with engine.connect() as conn:
        return {(r.source_id, r.target_id) for r in conn.execute(select(PAIR_DAY))}


SAMPLE = [
    act("post:C1:1", Kind.MESSAGE, "A", ref="C1:1", sentiment=0.5),
    act("post:C1:2", Kind.REPLY, "B", "A", ref="C1:2", sentiment=-0.5),
    act("react:C1:1:B:tada", Kind.REACTION, "B", "A", ref="C1:1"),
    act("mention:C1:2:C", Kind.MENTION, "B", "C", ref="C1:2"),
    act("join:C1:C", Kind.JOIN, "C", day=DAY - 3),
]


def table_rows(engine: Engine, table: object) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)))  # type: ignore[call-overload]


def test_record_is_idempotent_and_rollups_follow(db_engine: Engine) -> None:
    assert store.record(db_engine, SAMPLE) == 5
    first = (table_rows(db_engine, MEMBER_DAY), table_rows(db_engine, PAIR_DAY))
    for _ in range(3):
        assert store.record(db_engine, SAMPLE) == 0
    assert (table_rows(db_engine, MEMBER_DAY), table_rows(db_engine, PAIR_DAY)) == first
    with db_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ACTIVITY)).scalar_one() == 5
        b = conn.execute(
            select(MEMBER_DAY).where(MEMBER_DAY.c.member_id == "B", MEMBER_DAY.c.day == DAY)
        ).one()
    assert (b.n_reply, b.n_reaction, b.n_mention, b.sentiment_n) == (1, 1, 1, 1)
    assert b.sentiment_sum == -0.5
    assert pairs(db_engine) == {("B", "A"), ("B", "C")}


def test_deleting_a_message_removes_its_activities_and_their_rollups(db_engine: Engine) -> None:
    store.record(db_engine, SAMPLE)
    with db_engine.begin() as conn:
        assert store.delete_where(conn, ACTIVITY.c.ref == "C1:2") == 2
    with db_engine.connect() as conn:
        b_days = conn.execute(select(MEMBER_DAY).where(MEMBER_DAY.c.member_id == "B")).all()
    assert [(r.n_reply, r.n_mention, r.n_reaction) for r in b_days] == [(0, 0, 1)]
    assert pairs(db_engine) == {("B", "A")}


ROLLUPS = (MEMBER_DAY, PAIR_DAY, MEMBER_CHANNEL_DAY, PAIR_CHANNEL_DAY)


def test_bulk_rows_then_refresh_equals_live_recording(db_engine: Engine) -> None:
    for a in SAMPLE:  # one event at a time, as the live bot records them
        store.record(db_engine, [a])
    live = [table_rows(db_engine, t) for t in ROLLUPS]
    assert all(live)
    with db_engine.begin() as conn:
        for table in ROLLUPS:
            conn.execute(table.delete())
        store.refresh_rollups(conn, store.Cells(DAY - 10, DAY + 10))
    assert [table_rows(db_engine, t) for t in ROLLUPS] == live


def test_first_activity_is_remembered_for_the_pulled_in_bonus(db_engine: Engine) -> None:
    later = act("post:C1:9", Kind.MESSAGE, "D", day=DAY)
    first = act("post:C1:8", Kind.REPLY, "D", "A", day=DAY - 1)
    store.record(db_engine, [later, act("post:C1:7", Kind.MESSAGE, "A", day=DAY - 2)])
    store.record(db_engine, [first])  # arrives late (import of older history)
    with db_engine.connect() as conn:
        d = conn.execute(select(MEMBER).where(MEMBER.c.id == "D")).one()
        stats = {s.id: s for s in community_stats(db_engine, ScoringParams(), DAY, set())}
    assert (d.first_target, d.first_day) == ("A", DAY - 1)
    # 3 for the reply plus the 5 bonus, decayed by one day and capped at 5
    assert stats["A"].reach == 5.0


def test_snapshots_give_previous_quadrants_and_counts(db_engine: Engine) -> None:
    store.record(db_engine, SAMPLE)
    params = ScoringParams()
    with db_engine.begin() as conn:
        stats = community_stats(db_engine, params, DAY, set())
        summary = build_summary(stats, params=params, as_of=date(2024, 10, 4))
        snapshots.save_snapshot(conn, summary)
        snapshots.save_snapshot(conn, summary)  # same day again replaces, not duplicates
    with db_engine.connect() as conn:
        assert snapshots.previous_snapshot(conn, date(2024, 10, 4)) is None
        prev = snapshots.previous_snapshot(conn, date(2024, 10, 5))
    assert prev is not None
    assert prev.counts == summary.counts
    assert prev.quadrants == {m.id: m.quadrant for m in summary.members if not m.silent}
    assert all(isinstance(q, Quadrant) for q in prev.quadrants.values())


def test_a_deleted_first_response_no_longer_earns_the_bonus(db_engine: Engine) -> None:
    """Same answer on SQLite (correlated lookup) and PostgreSQL (join)."""
    store.record(
        db_engine,
        [
            act("post:C1:1", Kind.MESSAGE, "A", day=DAY - 2, ref="C1:1"),
            act("post:C1:2", Kind.REPLY, "D", "A", day=DAY - 1, ref="C1:2"),
        ],
    )
    before = {s.id: s for s in community_stats(db_engine, ScoringParams(), DAY, set())}
    assert before["A"].reach == 5.0
    with db_engine.begin() as conn:
        store.delete_where(conn, ACTIVITY.c.ref == "C1:2")
    stats = {s.id: s for s in community_stats(db_engine, ScoringParams(), DAY, set())}
    assert stats["A"].reach == 0.0
