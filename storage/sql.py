"""Table handles and the portable insert-or-ignore / upsert used by every repository."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

from storage import tables


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


ACTIVITY = _table(tables.Activity)
MEMBER = _table(tables.Member)
CHANNEL = _table(tables.Channel)
CHANNEL_MEMBER = _table(tables.ChannelMember)
MEMBER_DAY = _table(tables.MemberDay)
MEMBER_CHANNEL_DAY = _table(tables.MemberChannelDay)
PAIR_DAY = _table(tables.PairDay)
PAIR_CHANNEL_DAY = _table(tables.PairChannelDay)
SNAPSHOT = _table(tables.Snapshot)
SNAPSHOT_MEMBER = _table(tables.SnapshotMember)
SURVEY_SCHEDULE = _table(tables.SurveySchedule)
SURVEY_RUN = _table(tables.SurveyRun)
SURVEY_ANSWER = _table(tables.SurveyAnswer)
SURVEY_PARTICIPANT = _table(tables.SurveyParticipant)
JOB_CLAIM = _table(tables.JobClaim)
EXPERIMENT = _table(tables.ExperimentRow)

#: Rows per INSERT round trip: large enough to amortise, small enough to keep memory flat.
BATCH = 5_000


def dialect_insert(conn: Connection, table: Table) -> Any:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> int:
    """Insert rows, skipping those whose key already exists; returns how many were new."""
    stmt = dialect_insert(conn, table).on_conflict_do_nothing()
    inserted = 0
    for start in range(0, len(rows), BATCH):
        result = conn.execute(stmt, list(rows[start : start + BATCH]))
        inserted += max(0, result.rowcount)
    return inserted


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    keys: list[str],
    update: list[str],
) -> None:
    """Insert rows; on a key conflict overwrite the ``update`` columns."""
    stmt = dialect_insert(conn, table)
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={c: getattr(stmt.excluded, c) for c in update}
    )
    for start in range(0, len(rows), BATCH):
        conn.execute(stmt, list(rows[start : start + BATCH]))
