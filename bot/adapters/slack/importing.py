"""Import a Slack export into the database (the Slack adapter's batch path; live events go through
``bot.services.live``).

Parsing and sentiment (the expensive part) run in worker processes, one day file at a time;
this process writes rows as results arrive, in file order. Everything is written in one
transaction: a malformed file aborts the import and leaves the database exactly as it was, so
the import can simply be re-run after the file is fixed. Re-importing adds nothing (idempotency
keys), and rollups are recomputed for the imported days.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine

from bot.adapters.slack.export import (
    DayFile,
    ExportSource,
    FileResult,
    init_worker,
    parse_day_file,
    parse_in_worker,
    plan_import,
)
from bot.adapters.slack.translate import with_slack_bots
from bot.core.model import ActivityRow, Directory, Kind
from storage import activities as store
from storage import directory as people
from storage.sql import ACTIVITY

#: Below this many bytes of day files, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 8_000_000
#: Day files parsed ahead of the writer, per worker process.
IN_FLIGHT_PER_WORKER = 8

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class ImportReport:
    source: str
    members: int = 0
    channels: int = 0
    files: int = 0
    messages: int = 0
    found: Counter[str] = field(default_factory=Counter)
    new: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    unlisted_channels: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def already_stored(self) -> int:
        return sum(self.found.values()) - self.new


def _results(
    source: ExportSource,
    files: list[DayFile],
    directory: Directory,
    store_text: bool,
    jobs: int,
) -> Iterator[FileResult]:
    if jobs <= 1:
        for f in files:
            yield parse_day_file(source, f, directory, store_text=store_text)
        return
    # Workers are spawned, not forked: they import only the parsing modules, so each holds
    # what parsing needs rather than a copy of this process.
    with ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        initargs=(source.path, directory, store_text),
    ) as pool:
        # A bounded window of files in flight: when writing is slower than parsing, parsed
        # results wait in the workers instead of piling up in memory here.
        pending: deque[Future[FileResult]] = deque()
        queue = iter(files)
        for day_file in itertools.islice(queue, IN_FLIGHT_PER_WORKER * jobs):
            pending.append(pool.submit(parse_in_worker, day_file))
        while pending:
            result = pending.popleft().result()
            for day_file in itertools.islice(queue, 1):
                pending.append(pool.submit(parse_in_worker, day_file))
            yield result


def _default_jobs(source: ExportSource, files: list[DayFile]) -> int:
    size = sum(source.size(f.path) for f in files)
    return (os.cpu_count() or 1) if size >= PARALLEL_MIN_BYTES else 1


def import_export(
    engine: Engine,
    path: Path,
    *,
    store_text: bool = False,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the export at ``path`` (zip or folder). Raises ``ExportError`` on bad input,
    having written nothing."""
    started = time.perf_counter()
    source = ExportSource(path)
    try:
        plan = plan_import(source)
        report = ImportReport(
            source=str(path),
            members=len(plan.members),
            channels=len(plan.channels),
            files=len(plan.day_files),
            skipped=Counter(plan.skipped_files),
            unlisted_channels=plan.unlisted_channels,
        )
        if jobs is None:
            jobs = _default_jobs(source, plan.day_files)
        with engine.begin() as conn:
            store.prepare_bulk(conn)
            people.upsert_members(conn, plan.members)
            people.upsert_channels(conn, plan.channels)
            directory = with_slack_bots(people.load_directory(conn))
            known = {m.id for m in plan.members}
            starters: dict[tuple[str, str], str] = {}
            first: store.FirstSeen = {}
            unknown: set[str] = set()
            lo, hi = None, None
            results = _results(source, plan.day_files, directory, store_text, jobs)
            for done, (day_file, result) in enumerate(zip(plan.day_files, results, strict=True)):
                rows = _resolve_threads(conn, day_file.channel_id, result, starters)
                for row in rows:
                    if row[2] not in known:
                        unknown.add(row[2])
                    if row[3] is not None and row[3] not in known:
                        unknown.add(row[3])
                if unknown:
                    store.ensure_members(conn, unknown)
                    known |= unknown
                    unknown = set()
                report.new += store.insert_rows(conn, rows)
                report.found.update(r[1] for r in rows)
                store.earliest(rows, into=first)
                if rows:
                    first_day, last_day = min(r[6] for r in rows), max(r[6] for r in rows)
                    lo = first_day if lo is None else min(lo, first_day)
                    hi = last_day if hi is None else max(hi, last_day)
                report.messages += result.messages
                report.skipped.update(result.skipped)
                if progress is not None:
                    progress(done + 1, len(plan.day_files))
            if lo is not None and hi is not None and report.new:
                store.note_first_activities(conn, first)
                store.refresh_rollups(conn, store.Cells(lo, hi))
    finally:
        source.close()
    report.seconds = time.perf_counter() - started
    return report


def _resolve_threads(
    conn: Connection, channel: str, result: FileResult, starters: dict[tuple[str, str], str]
) -> list[ActivityRow]:
    """Fill in the thread starter of replies whose file did not name it (older exports), from
    the threads seen so far in this import or, failing that, from what is stored."""
    for ts, user in result.starters.items():
        starters[(channel, ts)] = user
    rows = result.rows
    for index, thread_ts in result.orphan_replies:
        starter = starters.get((channel, thread_ts))
        if starter is None:
            starter = store.thread_starter(conn, channel, thread_ts)
        row = rows[index]
        if starter is not None and starter != row[2] and row[1] == Kind.REPLY.value:
            rows[index] = (*row[:3], starter, *row[4:])
    return rows


def clear_channels(engine: Engine, path: Path) -> int:
    """Delete what is stored from the channels of an export (the demo replaces its own previous
    run this way); returns how many activities went."""
    source = ExportSource(path)
    try:
        ids = [c.id for c in plan_import(source).channels]
    finally:
        source.close()
    with engine.begin() as conn:
        return store.delete_where(conn, ACTIVITY.c.channel.in_(ids))
