"""Live benchmark (issue 3), two figures.

1. Ingestion through the real Bolt dispatch path: signed ``message`` and ``reaction_added``
   events dispatched to the Bolt app with our listeners, stored in SQLite, against a floor
   measured in the same run: the same Bolt app and dispatch with a handler that only scores
   sentiment with TextBlob and does a raw sqlite3 insert. Target: at least half the floor's
   events per second.
2. ``/orbit`` on the 100,000-member data set of bench_report (5M activities): from the signed
   slash command to the answer posted to response_url (ack plus response). Target: under 3 s.

Both run against a fake Slack Web API on localhost (tests/adapters/slack/fake_slack.py).

    python -m bench.bench_live [--events 4000]
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from slack_bolt import App, BoltRequest
from sqlalchemy import func, select

from bench.common import DATA, figure
from bot.adapters.slack.app import create_app, web_client
from bot.adapters.slack.deps import SlackDeps
from bot.bootstrap import bootstrap
from bot.config import load_settings
from bot.services.live import Recorder
from bot.services.orbit import OrbitService
from storage.sql import ACTIVITY
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.signing import command_body, event_body, sign

SECRET = "bench-signing-secret"
LIMIT_RATIO = 0.5
LIMIT_ORBIT_S = 3.0
WORDS = [
    "deploy",
    "pipeline",
    "great",
    "slow",
    "broken",
    "docs",
    "helpful",
    "confusing",
    "kubernetes",
    "template",
    "golden",
    "path",
    "thanks",
    "love",
    "hate",
    "flaky",
    "fast",
    "review",
    "cluster",
    "on-call",
    "awesome",
    "terrible",
    "fine",
]


def requests(n: int) -> list[BoltRequest]:
    """n signed events: messages and reactions to them, alternating."""
    out = []
    base = 1782777600
    for i in range(n):
        ts = f"{base + i // 2}.{i:06d}"
        if i % 2 == 0:
            text = " ".join(WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(3 + i % 9))
            event: dict[str, Any] = {
                "type": "message",
                "channel": "C1",
                "channel_type": "channel",
                "user": f"U{i % 500:05d}",
                "text": text,
                "ts": ts,
            }
        else:
            prev = f"{base + (i - 1) // 2}.{i - 1:06d}"
            event = {
                "type": "reaction_added",
                "user": f"U{(i * 13) % 500:05d}",
                "reaction": "tada",
                "item_user": f"U{(i - 1) % 500:05d}",
                "item": {"type": "message", "channel": "C1", "ts": prev},
                "event_ts": ts,
            }
        body = event_body(event)
        out.append(BoltRequest(body=body, headers={k: [v] for k, v in sign(SECRET, body).items()}))
    return out


def drive(app: App, reqs: list[BoltRequest], stored: Callable[[], int]) -> float:
    """Dispatch every request, then wait until all of them are in the database: Bolt answers
    at acknowledgement and records after, so completion is read from the store itself."""
    start = time.perf_counter()
    for r in reqs:
        response = app.dispatch(r)
        assert response.status == 200, response.body
    deadline = time.monotonic() + 120
    while stored() < len(reqs):
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {stored()} of {len(reqs)} events stored")
        time.sleep(0.005)
    return time.perf_counter() - start


def product_rate(slack: FakeSlack, reqs: list[BoltRequest], db: Path) -> float:
    settings = load_settings(database_url=f"sqlite:///{db}")
    container = bootstrap(settings)
    recorder = Recorder(container.engine, self_id="UPULSE", wait=False)  # as bootstrap.slack
    deps = SlackDeps(
        recorder,
        OrbitService(container.engine, container.scoring, container.team),
        container.scoring,
    )
    app = create_app(deps, token="xoxb-bench", signing_secret=SECRET, api_url=slack.base_url)

    def stored() -> int:
        with container.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(ACTIVITY)).scalar_one())

    return len(reqs) / drive(app, reqs, stored)


def floor_rate(slack: FakeSlack, reqs: list[BoltRequest], db: Path) -> float:
    from textblob.en import sentiment

    conn = sqlite3.connect(db, check_same_thread=False, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute(
        "CREATE TABLE activity (key TEXT PRIMARY KEY, kind TEXT, actor TEXT, ts REAL,"
        " sentiment REAL)"
    )
    lock = threading.Lock()
    app = App(
        signing_secret=SECRET,
        client=web_client("xoxb-bench", slack.base_url),
        process_before_response=False,
    )
    done = threading.Semaphore(0)

    def store(event: dict[str, Any], polarity: float | None) -> None:
        key = event.get("ts") or event.get("event_ts")
        with lock:
            conn.execute(
                "INSERT OR IGNORE INTO activity VALUES (?, ?, ?, ?, ?)",
                (key, event["type"], event["user"], float(str(key)), polarity),
            )
        done.release()

    @app.event("message")
    def message(event: dict[str, Any]) -> None:
        store(event, sentiment(event.get("text") or "")[0])

    @app.event("reaction_added")
    def reaction(event: dict[str, Any]) -> None:
        store(event, None)

    def stored() -> int:
        with lock:
            return int(conn.execute("SELECT COUNT(*) FROM activity").fetchone()[0])

    seconds = drive(app, reqs, stored)
    conn.close()
    return len(reqs) / seconds


def orbit_seconds(slack: FakeSlack) -> float | None:
    db = DATA / "report-5m.db"
    if not db.exists():
        print("  (run bench.bench_report first for the 100,000-member data set; /orbit skipped)")
        return None
    settings = load_settings(database_url=f"sqlite:///{db}", platform_channel="platform-team")
    container = bootstrap(settings)
    deps = SlackDeps(
        Recorder(container.engine),
        OrbitService(container.engine, container.scoring, container.team),
        container.scoring,
    )
    app = create_app(deps, token="xoxb-bench", signing_secret=SECRET, api_url=slack.base_url)
    best = float("inf")
    for attempt in range(3):
        name = f"orbit{attempt}"
        body = command_body("/orbit", "", user_id="U0000000", response_url=slack.response_url(name))
        request = BoltRequest(body=body, headers={k: [v] for k, v in sign(SECRET, body).items()})
        start = time.perf_counter()
        ack = app.dispatch(request)
        assert ack.status == 200, ack.body
        calls = slack.wait_for("response_url", count=attempt + 1, timeout=30)
        assert calls[-1].path.endswith(name)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=4000)
    args = parser.parse_args()
    reqs = requests(args.events)
    with FakeSlack() as slack, tempfile.TemporaryDirectory() as tmp:
        floor = floor_rate(slack, reqs, Path(tmp) / "floor.db")
        ours = product_rate(slack, reqs, Path(tmp) / "pulse.db")
        figure("live_events_per_second", ours, "events/s")
        figure("live_floor_events_per_second", floor, "events/s")
        figure("live_rate_vs_floor", ours / floor, "x", f"limit >= {LIMIT_RATIO}")
        orbit = orbit_seconds(slack)
        if orbit is not None:
            figure("orbit_100k_members_seconds", orbit, "s", f"limit {LIMIT_ORBIT_S} s")
    if ours / floor < LIMIT_RATIO or (orbit is not None and orbit >= LIMIT_ORBIT_S):
        print("OVER LIMIT")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
