"""Group commit for live activities.

Chat platforms deliver events on many threads at once. Each listener hands its activities to one
writer thread, which stores everything that queued up meanwhile in a single transaction (rows
inserted one by one to learn which are new, then one batched update per rollup table) and wakes
each listener when its activities are committed. A listener still returns only once its data is
durable; the database just sees one transaction per burst instead of one per event.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.core.model import Activity
from storage import activities as store

log = logging.getLogger(__name__)

#: Most events written in one transaction.
MAX_BATCH = 500


@dataclass
class _Pending:
    activities: Sequence[Activity]
    done: threading.Event = field(default_factory=threading.Event)
    inserted: int = 0
    error: BaseException | None = None
    #: nobody waits for it: failures are logged (with the traceback) instead of raised
    detached: bool = False


class GroupWriter:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def write(self, activities: Sequence[Activity]) -> int:
        """Store activities (member rows must exist); returns how many were new."""
        if not activities:
            return 0
        self._ensure_thread()
        pending = _Pending(activities)
        self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.inserted

    def submit(self, activities: Sequence[Activity]) -> None:
        """Queue activities and return at once (for listeners that have nothing to wait for:
        the chat platform was answered already). :meth:`flush` waits for everything queued."""
        if activities:
            self._ensure_thread()
            self._queue.put(_Pending(activities, detached=True))

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until everything queued so far is written; False on timeout."""
        marker = _Pending(())
        self._ensure_thread()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def _ensure_thread(self) -> None:
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="pulse-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < MAX_BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            with self.engine.begin() as conn:
                counts = [len(store.record_in(conn, p.activities)) for p in batch]
        except Exception as exc:
            if len(batch) == 1:
                if batch[0].detached:
                    log.exception("could not store %d activities", len(batch[0].activities))
                batch[0].error = exc
                batch[0].done.set()
                return
            # One bad event must not sink the others: write them one by one.
            log.warning("batched write failed; retrying %d writes one by one", len(batch))
            for p in batch:
                self._write([p])
            return
        for p, n in zip(batch, counts, strict=True):
            p.inserted = n
            p.done.set()
