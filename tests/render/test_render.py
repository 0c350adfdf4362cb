"""Renderers present a hand-made summary faithfully, safely and fast."""

from __future__ import annotations

import base64
import io
import json
import random
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.image import imread
from rich.console import Console

from bot.core.summary import (
    COUNT_KEYS,
    ListenPick,
    MemberScore,
    OrbitSummary,
    Quadrant,
    TeamMember,
    Thresholds,
)
from bot.render import (
    FORMATS,
    print_summary,
    render_html,
    render_markdown,
    render_orbit_map,
    write_reports,
)
from bot.render.markdown import TABLE_LIMIT, escape_md

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
THRESHOLDS = Thresholds(love=10.0, reach=5.0)


def _quadrant(love: float, reach: float) -> Quadrant:
    """Test-side classification, only to build consistent fixtures."""
    if love >= THRESHOLDS.love:
        return Quadrant.MULTIPLIER if reach >= THRESHOLDS.reach else Quadrant.FAN
    return Quadrant.SCEPTIC if reach >= THRESHOLDS.reach else Quadrant.OBSERVER


def make_summary(
    members: list[MemberScore] | None = None,
    *,
    previous: dict[str, int] | None = None,
    channel: str | None = "dev-help",
) -> OrbitSummary:
    """A summary with members in every quadrant, two silent, a team and a listen list."""
    if members is None:
        members = [
            MemberScore("U1", "Ada Lovelace", 240.0, 80.0, Quadrant.MULTIPLIER, 0.6),
            MemberScore("U2", "Grace | Hopper", 120.5, 33.0, Quadrant.MULTIPLIER, 0.3),
            MemberScore("U3", "<script>alert(1)</script>", 60.0, 12.0, Quadrant.MULTIPLIER, 0.1),
            MemberScore("U4", "[bold]x", 40.0, 1.0, Quadrant.FAN, 0.8),
            MemberScore("U5", "Linus $T$", 15.0, 0.0, Quadrant.FAN, None),
            MemberScore("U6", "Skeptical Sam", 3.0, 25.0, Quadrant.SCEPTIC, -0.7),
            MemberScore("U7", "Quiet Quinn", 2.0, 1.0, Quadrant.OBSERVER, 0.0),
            MemberScore("U8", "Lurking Lou", 0.0, 0.0, Quadrant.OBSERVER, None, silent=True),
            MemberScore("U9", "Nobody Ned", 0.0, 0.0, Quadrant.OBSERVER, None, silent=True),
        ]
    counts = dict.fromkeys(COUNT_KEYS, 0)
    for m in members:
        counts[m.quadrant.value] += 1
        counts["silent"] += m.silent
    multipliers = [m for m in members if m.quadrant is Quadrant.MULTIPLIER]
    sceptics = [m for m in members if m.quadrant is Quadrant.SCEPTIC]
    fans = [m for m in members if m.quadrant is Quadrant.FAN]
    listen = [ListenPick(m, "high reach, negative sentiment") for m in sceptics[:1]]
    listen += [ListenPick(m, "loves it; give them a stage") for m in fans[:1]]
    return OrbitSummary(
        as_of=date(2025, 3, 14),
        window_days=30,
        thresholds=THRESHOLDS,
        counts=counts,
        members=members,
        multipliers=multipliers,
        listen=listen,
        team=[TeamMember("T1", "Platform Pat"), TeamMember("T2", "Ops *Olga*")],
        channel=channel,
        previous_counts=previous,
    )


def crowd(n: int, seed: int = 1) -> list[MemberScore]:
    """``n`` members with heavy-tailed love and reach, a third of them silent."""
    rng = random.Random(seed)
    members = []
    for i in range(n):
        if rng.random() < 0.3:
            members.append(MemberScore(f"S{i}", f"s{i}", 0.0, 0.0, Quadrant.OBSERVER, silent=True))
            continue
        love = min(300.0, (rng.paretovariate(1.1) - 1) * 4)
        reach = min(100.0, love**0.7 * rng.lognormvariate(-1, 1))
        members.append(
            MemberScore(f"U{i}", f"Member {i}", love, reach, _quadrant(love, reach), 0.0)
        )
    members.sort(key=lambda m: (m.silent, -(m.love + m.reach)))
    return members


@pytest.fixture
def summary() -> OrbitSummary:
    previous = {"multiplier": 1, "fan": 2, "sceptic": 1, "observer": 4, "silent": 2}
    return make_summary(previous=previous)


@pytest.fixture
def empty() -> OrbitSummary:
    return make_summary([], channel=None)


def _image(png: bytes) -> np.ndarray:
    assert png.startswith(PNG_SIGNATURE)
    return np.asarray(imread(io.BytesIO(png)))


# --- orbit map -----------------------------------------------------------------------------


def test_orbit_map_is_a_1000_by_700_png_with_content(summary: OrbitSummary) -> None:
    pixels = _image(render_orbit_map(summary))
    assert pixels.shape[:2] == (700, 1000)
    assert float(pixels[..., :3].var()) > 0
    # The vermillion of the multipliers is actually drawn (points, labels, quadrant name).
    vermillion = np.array([0xD5, 0x5E, 0x00]) / 255
    close = np.abs(pixels[..., :3] - vermillion).max(axis=-1) < 0.03
    assert close.sum() > 50


def test_orbit_map_renders_an_empty_summary(empty: OrbitSummary) -> None:
    pixels = _image(render_orbit_map(empty))
    assert pixels.shape[:2] == (700, 1000)
    assert float(pixels[..., :3].var()) > 0


def test_orbit_map_differs_with_the_data(summary: OrbitSummary, empty: OrbitSummary) -> None:
    assert render_orbit_map(summary) != render_orbit_map(empty)


def test_orbit_map_handles_a_big_community_quickly() -> None:
    big = make_summary(crowd(20_000))
    start = time.perf_counter()
    png = render_orbit_map(big)
    elapsed = time.perf_counter() - start
    assert _image(png).shape[:2] == (700, 1000)
    assert elapsed < 15, f"rendering 20,000 members took {elapsed:.1f}s"


def test_orbit_map_is_thread_safe_and_leaves_pyplot_alone(summary: OrbitSummary) -> None:
    expected = render_orbit_map(summary)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(render_orbit_map, [summary] * 8))
    assert all(r == expected for r in results)
    # In a fresh interpreter, since other tests may import pyplot themselves.
    code = (
        "import sys, datetime\n"
        "from bot.core.summary import OrbitSummary, Thresholds\n"
        "from bot.render import render_orbit_map\n"
        "s = OrbitSummary(datetime.date(2025, 1, 1), 30, Thresholds(1, 1), {}, [], [], [], [])\n"
        "assert render_orbit_map(s).startswith(b'\\x89PNG')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, timeout=60)


def test_orbit_map_survives_extreme_values() -> None:
    members = [
        MemberScore("A", "Huge", 1e6, 1e5, Quadrant.MULTIPLIER, 1.0),
        MemberScore("B", "Zero", 0.0, 0.0, Quadrant.OBSERVER, -1.0),
        MemberScore("C", "x" * 200, 11.0, 5.0, Quadrant.MULTIPLIER, None),
    ]
    assert _image(render_orbit_map(make_summary(members))).shape[:2] == (700, 1000)


# --- markdown ------------------------------------------------------------------------------


def test_markdown_has_heading_counts_and_changes(summary: OrbitSummary) -> None:
    md = render_markdown(summary)
    assert md.startswith("# Community Pulse — 2025-03-14 · \\#dev-help\n")
    rows = {
        line.split("|")[1].strip(): line.split("|")[2].strip()
        for line in md.splitlines()
        if line.startswith("| ") and line.count("|") == 4
    }
    assert rows["Multipliers"] == "3 (+2)"
    assert rows["Fans"] == "2 (±0)"
    assert rows["Sceptics"] == "1 (±0)"
    assert rows["Observers"] == "3 (-1)"
    assert rows["Silent (among observers)"] == "2 (±0)"
    assert "Love: **10**" in md
    assert "Reach: **5**" in md


def test_markdown_without_previous_counts_has_no_changes() -> None:
    md = render_markdown(make_summary())
    assert "| Multipliers | 3 |" in md
    assert "(+" not in md
    assert "±0" not in md


def test_markdown_escapes_names(summary: OrbitSummary) -> None:
    md = render_markdown(summary)
    assert "Grace \\| Hopper" in md
    assert "<script>" not in md
    assert "\\<script\\>" in md
    assert "Ops \\*Olga\\*" in md
    # Every table row keeps its column count despite the pipe in a name.
    for line in md.splitlines():
        if "Grace" in line:
            assert len(re.findall(r"(?<!\\)\|", line)) == line.count("|") - 1


def test_markdown_sections(summary: OrbitSummary) -> None:
    md = render_markdown(summary)
    for heading in (
        "## Orbits",
        "## Thresholds",
        "## Multipliers (3)",
        "## Who to listen to",
        "## Top members",
        "## Platform team",
    ):
        assert heading in md
    assert "| Skeptical Sam | Sceptic | -0.70 | high reach, negative sentiment |" in md
    assert "| 1 | Ada Lovelace | 240 | 80 |" in md
    assert "Not scored: Platform Pat, Ops \\*Olga\\*" in md
    # Silent members are not "top members".
    assert "Lurking Lou" not in md


def test_markdown_limits_long_tables() -> None:
    members = crowd(300)
    md = render_markdown(make_summary(members))
    active = [m for m in members if not m.silent]
    top = md.split("## Top members")[1].split("## Platform team")[0]
    assert top.count("| Member ") == TABLE_LIMIT
    assert f"… and {len(active) - TABLE_LIMIT:,} more active members" in top


def test_markdown_empty_summary(empty: OrbitSummary) -> None:
    md = render_markdown(empty)
    assert md.startswith("# Community Pulse — 2025-03-14\n")
    assert "No multipliers this time" in md
    assert "No active members in this window" in md


def test_escape_md_flattens_newlines() -> None:
    assert escape_md("a\nb  c") == "a b c"
    assert escape_md("_x_ [y](z)") == "\\_x\\_ \\[y\\](z)"


# --- html ----------------------------------------------------------------------------------


def test_html_is_self_contained(summary: OrbitSummary) -> None:
    png = render_orbit_map(summary)
    page = render_html(summary, png)
    assert page.startswith("<!DOCTYPE html>")
    assert "data:image/png;base64," in page
    match = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert match is not None
    assert base64.b64decode(match.group(1)) == png
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "http://" not in page
    assert "https://" not in page
    assert "<link" not in page
    assert "<script" not in page


def test_html_escapes_names_and_has_the_content(summary: OrbitSummary) -> None:
    page = render_html(summary, b"\x89PNG fake")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Grace | Hopper" in page
    for text in ("Ada Lovelace", "Skeptical Sam", "Platform Pat", "Who to listen to"):
        assert text in page
    assert "(+2)" in page
    assert "(-1)" in page
    assert "Lurking Lou" not in page


def test_html_empty_summary(empty: OrbitSummary) -> None:
    page = render_html(empty, render_orbit_map(empty))
    assert "No multipliers this time" in page
    assert page.rstrip().endswith("</html>")


# --- terminal ------------------------------------------------------------------------------


def _terminal(summary: OrbitSummary) -> str:
    console = Console(record=True, width=120, force_terminal=False)
    print_summary(summary, console)
    return console.export_text()


def test_terminal_shows_counts_multipliers_and_team(summary: OrbitSummary) -> None:
    text = _terminal(summary)
    assert "#dev-help" in text
    for name in ("Ada Lovelace", "Grace | Hopper", "<script>alert(1)</script>"):
        assert name in text
    assert re.search(r"Multipliers\s+3\s+\+2", text)
    assert re.search(r"Observers\s+3\s+-1", text)
    assert "Skeptical Sam" in text
    assert "Platform Pat" in text
    assert "Ops *Olga*" in text


def test_terminal_survives_markup_in_names(summary: OrbitSummary) -> None:
    text = _terminal(summary)
    assert "[bold]x" in text  # printed literally, not swallowed as a style


def test_terminal_empty_summary(empty: OrbitSummary) -> None:
    text = _terminal(empty)
    assert "Multipliers" in text
    assert "none this time" in text


# --- write_reports -------------------------------------------------------------------------


def test_formats() -> None:
    assert FORMATS == ("table", "json", "md", "html", "png")


@pytest.mark.parametrize(
    ("formats", "expected"),
    [
        (["json"], {"report.json"}),
        (["table", "md"], {"report.md"}),
        (["png", "html"], {"report.png", "report.html"}),
        (list(FORMATS), {"report.json", "report.md", "report.html", "report.png"}),
        (["table"], set()),
    ],
)
def test_write_reports_writes_exactly_what_was_asked(
    summary: OrbitSummary, tmp_path: Path, formats: list[str], expected: set[str]
) -> None:
    out = tmp_path / "a" / "b"
    written = write_reports(summary, out, formats)
    assert {p.name for p in written} == expected
    assert {p.name for p in out.iterdir()} == expected
    assert all(p.parent == out for p in written)


def test_write_reports_contents(
    summary: OrbitSummary, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bot.render as render

    calls = []
    real = render.render_orbit_map

    def counting(s: OrbitSummary, *args: Any, **kwargs: Any) -> bytes:
        calls.append(s)
        return real(s, *args, **kwargs)

    monkeypatch.setattr(render, "render_orbit_map", counting)
    write_reports(summary, tmp_path, ["json", "md", "html", "png"])
    assert len(calls) == 1
    assert json.loads((tmp_path / "report.json").read_text()) == summary.to_json()
    assert (tmp_path / "report.md").read_text() == render_markdown(summary)
    png = (tmp_path / "report.png").read_bytes()
    assert png.startswith(PNG_SIGNATURE)
    assert base64.b64encode(png).decode() in (tmp_path / "report.html").read_text()


def test_write_reports_rejects_unknown_formats(summary: OrbitSummary, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="pdf"):
        write_reports(summary, tmp_path / "out", ["md", "pdf"])
    assert not (tmp_path / "out").exists()


def test_summary_with_a_single_silent_member_renders() -> None:
    lone = make_summary(
        [MemberScore("U1", "Solo", 0.0, 0.0, Quadrant.OBSERVER, silent=True)], channel="#x"
    )
    assert _image(render_orbit_map(lone)).shape[:2] == (700, 1000)
    assert "1 silent" in render_markdown(lone)
