"""Import benchmark: ``pulse import`` of a generated 1,000,000-message Slack export on SQLite.

Targets (issue 2): under 90 s wall, sentiment included, peak memory (the command and its worker
processes together) under 500 MB, and at least half the rate of this machine's floor for the same
work, measured in the same run: parsing the same JSON files, scoring the same texts with
TextBlob, and a raw sqlite3 ``executemany`` of the same number of rows. The floor runs in one
process, the way a straightforward script would; the product spreads parsing and sentiment over
the machine's cores.

    python -m bench.bench_import [--messages 1000000]
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from bench.common import DATA, figure, run_measured
from bot.demo.generator import BENCHMARK, generate_export

LIMIT_S = 90.0
LIMIT_MB = 500.0
MENTION = re.compile(r"<@([A-Z0-9]+)")


def ensure_export(messages: int) -> Path:
    folder = DATA / f"export-{messages}"
    if not (folder / "users.json").exists():
        print(f"generating a {messages:,}-message export in {folder} ...", flush=True)
        profile = replace(BENCHMARK, messages=messages)
        generate_export(folder, profile, end=date(2026, 6, 30))
    return folder


def day_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*/*.json"))


def floor(folder: Path, db_path: Path) -> dict[str, float]:
    """The same work done the plainest way, in one process."""
    from textblob.en import sentiment

    files = day_files(folder)
    start = time.perf_counter()
    parsed = [json.loads(p.read_bytes()) for p in files]
    parse_s = time.perf_counter() - start

    texts = [m.get("text") or "" for day in parsed for m in day if isinstance(m, dict)]
    start = time.perf_counter()
    for text in texts:
        if text:
            sentiment(text)
    sentiment_s = time.perf_counter() - start

    rows = []
    for path, day in zip(files, parsed, strict=True):
        channel = path.parent.name
        for m in day:
            user, ts = m.get("user"), m.get("ts")
            if not user or not ts or m.get("subtype") not in (None, "thread_broadcast"):
                continue
            day_no = int(float(ts) // 86400)
            rows.append((f"p:{channel}:{ts}", "message", user, None, channel, float(ts), day_no))
            for mentioned in MENTION.findall(m.get("text") or ""):
                rows.append(
                    (
                        f"m:{channel}:{ts}:{mentioned}",
                        "mention",
                        user,
                        mentioned,
                        channel,
                        float(ts),
                        day_no,
                    )
                )
            for r in m.get("reactions") or []:
                for reactor in r.get("users") or []:
                    rows.append(
                        (
                            f"r:{channel}:{ts}:{reactor}:{r.get('name')}",
                            "reaction",
                            reactor,
                            user,
                            channel,
                            float(ts),
                            day_no,
                        )
                    )
    db_path.unlink(missing_ok=True)
    conn = sqlite3.connect(db_path)
    conn.execute(
        "CREATE TABLE activity (key TEXT PRIMARY KEY, kind TEXT, actor TEXT, target TEXT,"
        " channel TEXT, ts REAL, day INTEGER)"
    )
    start = time.perf_counter()
    with conn:
        conn.executemany("INSERT OR IGNORE INTO activity VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    insert_s = time.perf_counter() - start
    conn.close()
    db_path.unlink(missing_ok=True)
    print(
        f"  floor: parse {parse_s:.1f} s ({len(files):,} files), TextBlob {sentiment_s:.1f} s "
        f"({len(texts):,} texts), sqlite3 executemany {insert_s:.1f} s ({len(rows):,} rows)",
        flush=True,
    )
    return {"parse": parse_s, "sentiment": sentiment_s, "insert": insert_s, "rows": len(rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    folder = ensure_export(args.messages)
    db = DATA / "import-bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)

    print(f"== importing {folder}", flush=True)
    pulse = str(Path(sys.executable).with_name("pulse"))
    seconds, peak_mb, stdout = run_measured(
        [pulse, "import", str(folder)], {"DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "120"}
    )
    print(stdout)
    reimport_s, _, stdout2 = run_measured(
        [pulse, "import", str(folder)], {"DATABASE_URL": f"sqlite:///{db}", "COLUMNS": "120"}
    )
    assert "already stored" in stdout2

    print("== floor, same machine, same run", flush=True)
    parts = floor(folder, DATA / "floor.db")
    floor_s = parts["parse"] + parts["sentiment"] + parts["insert"]
    ratio = floor_s / seconds

    figure("import_1M_seconds", seconds, "s", f"limit {LIMIT_S:.0f} s")
    figure("import_peak_memory", peak_mb, "MB", f"limit {LIMIT_MB:.0f} MB, all processes")
    figure("import_messages_per_second", args.messages / seconds, "msg/s")
    figure("floor_seconds", floor_s, "s")
    figure("floor_messages_per_second", args.messages / floor_s, "msg/s")
    figure("import_rate_vs_floor", ratio, "x", "limit >= 0.5")
    figure("reimport_seconds", reimport_s, "s", "adds nothing")
    if seconds >= LIMIT_S or peak_mb >= LIMIT_MB or ratio < 0.5:
        print("OVER LIMIT")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
