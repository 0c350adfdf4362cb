"""Report surfaces for an ``OrbitSummary``: terminal tables, JSON, Markdown, HTML and the PNG map,
each optionally with the surveys section of a ``SurveyOverview``.

Renderers only present the summary; every number comes from ``bot.core``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from bot.core.summary import OrbitSummary
from bot.core.surveys import SurveyOverview
from bot.render.html import render_html
from bot.render.markdown import render_markdown
from bot.render.orbit_map import render_orbit_map
from bot.render.surveys import overview_json, overview_markdown
from bot.render.terminal import print_summary

__all__ = [
    "FILE_NAMES",
    "FORMATS",
    "overview_json",
    "overview_markdown",
    "print_summary",
    "render_html",
    "render_markdown",
    "render_orbit_map",
    "write_reports",
]

#: Every output format the CLI accepts; ``table`` is the terminal view.
FORMATS = ("table", "json", "md", "html", "png")

#: The file each file format is written to by ``write_reports``.
FILE_NAMES = {"json": "report.json", "md": "report.md", "html": "report.html", "png": "report.png"}


def write_reports(
    summary: OrbitSummary,
    out_dir: Path,
    formats: Iterable[str],
    surveys: SurveyOverview | None = None,
) -> list[Path]:
    """Write one ``report.<ext>`` per requested file format into ``out_dir``; return the paths.

    ``table`` is terminal-only and skipped; an unknown format raises ``ValueError`` before
    anything is written. The PNG is rendered once even when both ``html`` and ``png`` are asked.
    With ``surveys``, the JSON gets a ``surveys`` key and Markdown and HTML a surveys section;
    the PNG stays the orbit map alone.
    """
    wanted = set(formats)
    unknown = sorted(wanted - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown report format(s): {', '.join(unknown)}; choose from {FORMATS}")
    out_dir.mkdir(parents=True, exist_ok=True)
    png = render_orbit_map(summary) if wanted & {"html", "png"} else b""
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
            path.write_text(render_html(summary, png, surveys=surveys), encoding="utf-8")
        else:
            path.write_bytes(png)
        written.append(path)
    return written
