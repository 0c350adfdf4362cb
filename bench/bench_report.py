"""Report benchmark: ``pulse report --format json`` on 100,000 members with 1M and 5M activities in
the window, on SQLite and PostgreSQL.

Target (issue 2): under 2 s at 5M on both; the time follows the rollup rows (members × active
days, connected pairs × days), not the raw activity count.

Data: a heavy-tailed community (25% of members active, activity per member Zipf-like, popular
members drawing most responses). Activities are stored through the product's own bulk path and
rollups built by its own ``refresh_rollups``; on PostgreSQL the raw rows are loaded with COPY to
keep set-up short. Data sets are cached under bench/data/ (SQLite) and in databases
``pulse_bench_1m``/``pulse_bench_5m`` (PostgreSQL) and reused when present.

    python -m bench.bench_report [--sizes 1000000 5000000] [--postgres URL | --no-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

from bench.common import DATA, figure, run_measured, timed
from bot.core.model import SECONDS_PER_DAY, Channel, Member, date_to_day
from storage import activities as store
from storage import directory as people
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.sql import ACTIVITY, MEMBER_DAY, PAIR_DAY

AS_OF = date(2026, 6, 30)
MEMBERS = 100_000
CHANNELS = 20
TEAM = 8
ACTIVE_SHARE = 0.25
KIND_NAMES = ["message", "reply", "reaction", "mention", "join"]
KINDS = np.array(KIND_NAMES)
SESSION = 6
CIRCLE = 15
KIND_P = np.array([0.30, 0.25, 0.35, 0.08, 0.02])
LIMIT_S = 2.0


def directory_rows(rng: np.random.Generator) -> tuple[list[Member], list[Channel]]:
    members = [Member(f"U{i:07d}", f"Member {i}") for i in range(MEMBERS)]
    team = [m.id for m in members[:TEAM]]
    per_channel: list[list[str]] = [[] for _ in range(CHANNELS)]
    for i, m in enumerate(members):
        for c in rng.choice(CHANNELS, size=1 + i % 3, replace=False):
            per_channel[int(c)].append(m.id)
    channels = [
        Channel(f"C{c:03d}", f"channel-{c}", tuple(per_channel[c])) for c in range(CHANNELS)
    ]
    channels.append(Channel("CTEAM", "platform-team", tuple(team)))
    return members, channels


def activity_rows(n: int, rng: np.random.Generator) -> list[tuple[object, ...]]:
    """n activities in the 90 days up to AS_OF.

    Heavy-tailed over members (Zipf-like weights); a member's activities come in sessions of about
    SESSION per active day, mostly in their home channel; responses go to a personal circle of
    CIRCLE people drawn by popularity, a few of them much more often than the rest.
    """
    active = rng.permutation(np.arange(TEAM, MEMBERS))[: int(MEMBERS * ACTIVE_SHARE)]
    n_active = len(active)
    weight = 1.0 / np.arange(1, n_active + 1) ** 0.9
    weight /= weight.sum()
    actor_idx = rng.choice(n_active, size=n, p=weight)
    active_days = np.clip(np.round(weight * n / SESSION), 1, 90).astype(np.int64)
    offset = rng.integers(0, 90, size=n_active)
    k = (rng.random(n) * active_days[actor_idx]).astype(np.int64)
    age = (offset[actor_idx] + k * (90 // active_days[actor_idx])) % 90
    day0 = date_to_day(AS_OF)
    days = day0 - age
    ts = days * SECONDS_PER_DAY + rng.integers(0, SECONDS_PER_DAY, size=n)
    kinds = rng.choice(len(KINDS), size=n, p=KIND_P)
    popular = 1.0 / np.arange(1, n_active + 1) ** 1.1
    popular /= popular.sum()
    circles = rng.choice(n_active, size=(n_active, CIRCLE), p=popular)
    closeness = 0.6 ** np.arange(CIRCLE)
    closeness /= closeness.sum()
    target_idx = circles[actor_idx, rng.choice(CIRCLE, size=n, p=closeness)]
    target_idx = np.where(target_idx == actor_idx, (target_idx + 1) % n_active, target_idx)
    home = rng.integers(0, CHANNELS, size=n_active)
    away = rng.random(n) < 0.2
    channel = np.where(away, rng.integers(0, CHANNELS, size=n), home[actor_idx])
    sentiment = np.round(rng.uniform(-0.5, 0.8, size=n), 3)
    actors = active[actor_idx]
    targets = active[target_idx]
    rows: list[tuple[object, ...]] = []
    for i, (a, t, kd, c, tsv, d, s) in enumerate(
        zip(
            actors.tolist(),
            targets.tolist(),
            kinds.tolist(),
            channel.tolist(),
            ts.tolist(),
            days.tolist(),
            sentiment.tolist(),
            strict=True,
        )
    ):
        response = kd in (1, 2, 3)
        rows.append(
            (
                f"b:{i}",
                KIND_NAMES[kd],
                f"U{a:07d}",
                f"U{t:07d}" if response else None,
                f"C{c:03d}",
                float(tsv),
                int(d),
                None,
                s if kd in (0, 1) else None,
                None,
            )
        )
    return rows


def build(engine: Engine, n: int) -> None:
    rng = np.random.default_rng(20260630 + n)
    members, channels = directory_rows(rng)
    with timed(f"generate {n:,} activities"):
        rows = activity_rows(n, rng)
    with timed("store activities and build rollups"), engine.begin() as conn:
        people.upsert_members(conn, members)
        people.upsert_channels(conn, channels)
        if engine.dialect.name == "postgresql":
            raw = conn.connection.driver_connection
            with raw.cursor().copy(  # type: ignore[union-attr]
                "COPY activity (key, kind, actor, target, channel, ts, day, ref, sentiment, text)"
                " FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            store.insert_rows(conn, rows)  # type: ignore[arg-type]
        store.note_first_activities(conn, store.earliest(rows))  # type: ignore[arg-type]
        days = [r[6] for r in rows[:1000]]
        store.refresh_rollups(conn, store.Cells(min(days) - 90, max(days) + 1))
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE"))


def ensure_dataset(url: str, n: int) -> dict[str, int]:
    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as conn:
        have = conn.execute(select(func.count()).select_from(ACTIVITY)).scalar_one()
    if have != n:
        if have:
            raise SystemExit(f"{url} holds {have:,} activities, expected {n:,}: delete it first")
        build(engine, n)
    with engine.connect() as conn:
        sizes = {
            "activities": conn.execute(select(func.count()).select_from(ACTIVITY)).scalar_one(),
            "member_day": conn.execute(select(func.count()).select_from(MEMBER_DAY)).scalar_one(),
            "pair_day": conn.execute(select(func.count()).select_from(PAIR_DAY)).scalar_one(),
        }
    engine.dispose()
    return sizes


def postgres_url(base: str, n: int) -> str:
    """A database of its own per size, created on the server of ``base``."""
    url = make_url(make_engine(base).url.render_as_string(hide_password=False))
    name = f"pulse_bench_{n // 1_000_000}m"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False))
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.first() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def measure(url: str, label: str, n: int, sizes: dict[str, int]) -> float:
    pulse = str(Path(sys.executable).with_name("pulse"))
    env = {"DATABASE_URL": url, "PULSE_PLATFORM_CHANNEL": "platform-team"}
    args = [pulse, "report", "--as-of", AS_OF.isoformat(), "--format", "json"]
    times = []
    for _ in range(3):
        seconds, _rss, stdout = run_measured(args, env)
        times.append(seconds)
    report = json.loads(stdout)
    assert len(report["members"]) > 0.9 * (MEMBERS - TEAM), "report lost members"
    best = min(times)
    print(
        f"  {label} {n:,} activities: rollups member_day={sizes['member_day']:,} "
        f"pair_day={sizes['pair_day']:,}; counts={report['counts']}"
    )
    figure(f"report_{label}_{n // 1_000_000}M_seconds", best, "s", f"limit {LIMIT_S} s at 5M")
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "PULSE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    results: dict[tuple[str, int], float] = {}
    for n in args.sizes:
        print(f"== {n:,} activities, {MEMBERS:,} members")
        sqlite_url = f"sqlite:///{DATA / f'report-{n // 1_000_000}m.db'}"
        results[("sqlite", n)] = measure(sqlite_url, "sqlite", n, ensure_dataset(sqlite_url, n))
        if not args.no_postgres:
            pg = postgres_url(args.postgres, n)
            results[("postgresql", n)] = measure(pg, "postgresql", n, ensure_dataset(pg, n))
    failed = [k for k, v in results.items() if k[1] >= 5_000_000 and v >= LIMIT_S]
    if failed:
        print(f"OVER LIMIT: {failed}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
