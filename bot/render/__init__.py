"""Report surfaces for an ``OrbitSummary``: terminal tables, JSON, Markdown, HTML and the PNG map,
each optionally with the surveys section of a ``SurveyOverview``; plus the pictures of
``bot.render.charts`` (quadrants over time, survey frameworks).

Renderers only present the summary; every number comes from ``bot.core``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path

from bot.core.digest import CountsPoint, Position
from bot.core.summary import OrbitSummary
from bot.core.surveys import SurveyOverview
from bot.render.charts import (
    culture_alt,
    journey_alt,
    maturity_alt,
    quadrant_history_alt,
    render_culture_bar,
    render_journey_funnel,
    render_maturity_heatmap,
    render_quadrant_history,
)
from bot.render.html import Picture, render_html
from bot.render.markdown import render_markdown
from bot.render.orbit_map import orbit_map_alt, render_orbit_map
from bot.render.surveys import overview_json, overview_markdown
from bot.render.terminal import print_summary

__all__ = [
    "CHART_FILES",
    "FILE_NAMES",
    "FORMATS",
    "Picture",
    "overview_json",
    "overview_markdown",
    "print_summary",
    "render_culture_bar",
    "render_html",
    "render_journey_funnel",
    "render_markdown",
    "render_maturity_heatmap",
    "render_orbit_map",
    "render_quadrant_history",
    "write_reports",
]

#: Every output format the CLI accepts; ``table`` is the terminal view.
FORMATS = ("table", "json", "md", "html", "png")

#: The file each file format is written to by ``write_reports``.
FILE_NAMES = {"json": "report.json", "md": "report.md", "html": "report.html", "png": "report.png"}

#: The extra pictures the ``png`` format writes next to ``report.png`` when there is data.
CHART_FILES = {
    "quadrants": "quadrants.png",
    "maturity": "maturity.png",
    "culture": "culture.png",
    "journey": "journey.png",
}


def _charts(
    surveys: SurveyOverview | None, history: Sequence[CountsPoint] | None
) -> dict[str, Picture]:
    """The pictures there is data for, keyed like CHART_FILES (and in its order)."""
    charts: dict[str, Picture] = {}
    if history:
        charts["quadrants"] = Picture(
            render_quadrant_history(history), quadrant_history_alt(history)
        )
    if surveys is None:
        return charts
    if any(m.n for m in surveys.maturity):
        charts["maturity"] = Picture(
            render_maturity_heatmap(surveys.maturity), maturity_alt(surveys.maturity)
        )
    if surveys.culture is not None and surveys.culture.n:
        charts["culture"] = Picture(
            render_culture_bar(surveys.culture), culture_alt(surveys.culture)
        )
    if surveys.journey is not None and surveys.journey.n:
        charts["journey"] = Picture(
            render_journey_funnel(surveys.journey), journey_alt(surveys.journey)
        )
    return charts


def write_reports(
    summary: OrbitSummary,
    out_dir: Path,
    formats: Iterable[str],
    surveys: SurveyOverview | None = None,
    *,
    history: Sequence[CountsPoint] | None = None,
    previous: Mapping[str, Position] | None = None,
    previous_as_of: date | None = None,
) -> list[Path]:
    """Write one ``report.<ext>`` per requested file format into ``out_dir``; return the paths.

    ``table`` is terminal-only and skipped; an unknown format raises ``ValueError`` before
    anything is written. Every picture is rendered once even when both ``html`` and ``png`` are
    asked. With ``surveys``, the JSON gets a ``surveys`` key and Markdown and HTML a surveys
    section.

    ``png`` writes ``report.png`` (the orbit map; with ``previous``, the positions of the
    snapshot of ``previous_as_of``, arrows for members who changed quadrant) and, when there is
    data, the CHART_FILES: ``quadrants.png`` from ``history`` (at least one point), and
    ``maturity.png``, ``culture.png``, ``journey.png`` from ``surveys``. ``html`` embeds the same
    pictures. Every written path is returned.
    """
    wanted = set(formats)
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown report format(s): {', '.join(unknown)}; choose from {FORMATS}")
    out_dir.mkdir(parents=True, exist_ok=True)
    pictures = bool(wanted & {"html", "png"})
    png = render_orbit_map(summary, previous, previous_as_of=previous_as_of) if pictures else b""
    charts = _charts(surveys, history) if pictures else {}
    written: list[Path] = []
    for fmt, name in FILE_NAMES.items():
        if fmt not in wanted:
            continue
        path = out_dir / name
        if fmt == "json":
            data = summary.to_json()
            if surveys is not None:
                data = {**data, "surveys": overview_json(surveys)}
            path.write_text(json.dumps(data, indent=2), encoding="utf-8")
        elif fmt == "md":
            path.write_text(render_markdown(summary, surveys=surveys), encoding="utf-8")
        elif fmt == "html":
            page = render_html(
                summary,
                png,
                surveys=surveys,
                orbit_alt=orbit_map_alt(summary, previous, previous_as_of),
                quadrants=charts.get("quadrants"),
                maturity=charts.get("maturity"),
                culture=charts.get("culture"),
                journey=charts.get("journey"),
            )
            path.write_text(page, encoding="utf-8")
        else:
            path.write_bytes(png)
        written.append(path)
    if "png" in wanted:
        for key, picture in charts.items():
            path = out_dir / CHART_FILES[key]
            path.write_bytes(picture.png)
            written.append(path)
    return written
