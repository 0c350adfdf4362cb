"""Shared helpers for the benchmarks: timing, peak memory, figure printing."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"


def figure(name: str, value: float, unit: str, limit: str = "") -> None:
    """One line per figure, greppable: ``FIGURE name = value unit  (limit)``."""
    suffix = f"  ({limit})" if limit else ""
    print(f"FIGURE {name} = {value:,.3f} {unit}{suffix}", flush=True)


@contextmanager
def timed(label: str) -> Iterator[list[float]]:
    box: list[float] = []
    start = time.perf_counter()
    yield box
    box.append(time.perf_counter() - start)
    print(f"  {label}: {box[0]:.2f} s", flush=True)


def _tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(p, 0) for p in tree) / 2**20


def run_measured(args: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """Run a command; wall seconds, peak resident memory (MB) of the command and all its worker
    processes together (sampled every 50 ms), and its stdout."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, env={**os.environ, **(env or {})})
        peak = 0.0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_mb(proc.pid))
            time.sleep(0.05)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{args} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return seconds, peak, stdout
