"""The surveys section of a report, from a :class:`~bot.core.surveys.SurveyOverview`.

:func:`overview_json` is the stable JSON form. :func:`survey_section` words the overview once,
as plain-text lines and tables, and every text surface (:func:`overview_markdown`, the HTML page,
the terminal) only lays that out and escapes it, so all of them say exactly the same thing.
Every number comes from ``bot.core``; nothing here is computed from answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.questions import LABELS, MATURITY_LEVELS
from bot.core.surveys import (
    CultureResult,
    JourneyResult,
    MaturityResult,
    QuestionTrend,
    RunLine,
    SurveyOverview,
    TrendPoint,
)
from bot.render.markdown import escape_md, more_text

#: Closed runs listed in the "Latest runs" table before "… and N more runs".
RUNS_LIMIT = 10

NO_SURVEYS = "No surveys yet."

_DASH = "—"
_ARROW = " → "
_SCALES = {"scale": "1–5", "nps": "0–10"}
_MEDIAN_NOTE = "With an even number of answers, the median is the lower of the two middle levels."

# --------------------------------------------------------------------------- JSON


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _run_json(run: RunLine) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "day": run.day.isoformat(),
        "channel": run.channel,
        "set": run.set_title,
        "respondents": run.respondents,
        "audience": run.audience,
    }


def _point_json(point: TrendPoint) -> dict[str, Any]:
    return {
        "day": point.day.isoformat(),
        "channel": point.channel,
        "n": point.n,
        "mean": _round(point.mean),
        "enps": point.enps,
    }


def _trend_json(trend: QuestionTrend) -> dict[str, Any]:
    return {
        "set": trend.set_id,
        "question": trend.question_id,
        "text": trend.text,
        "kind": trend.kind,
        "points": [_point_json(p) for p in trend.points],
    }


def _shares_json(shares: tuple[tuple[str, float], ...]) -> dict[str, float]:
    return {key: round(share, 3) for key, share in shares}


def _maturity_json(result: MaturityResult) -> dict[str, Any]:
    return {
        "aspect": result.aspect,
        "median": result.median,
        "n": result.n,
        "shares": _shares_json(result.shares),
    }


def _culture_json(result: CultureResult, advice: str | None) -> dict[str, Any]:
    return {
        "n": result.n,
        "most_common": result.most_common,
        "shares": _shares_json(result.shares),
        "advice": advice,
    }


def _journey_json(result: JourneyResult) -> dict[str, Any]:
    return {"n": result.n, "counts": dict(result.counts), "funnel": dict(result.funnel)}


def overview_json(overview: SurveyOverview) -> dict[str, Any]:
    """The overview as JSON-ready data; see the README's "Report JSON".

    Days are ISO dates; means, shares and the response rate are rounded to 3 decimals. Framework
    keys are the ids of ``bot.core.questions`` (levels, stages, steps), in their canonical order.
    ``runs`` are every closed run, newest first; ``trends`` the oldest reading first.
    """
    culture = overview.culture
    return {
        "min_respondents": overview.min_respondents,
        "response_rate": _round(overview.response_rate),
        "open_runs": overview.open_runs,
        "runs": [_run_json(r) for r in overview.runs],
        "trends": [_trend_json(t) for t in overview.trends],
        "maturity": [_maturity_json(m) for m in overview.maturity],
        "culture": None if culture is None else _culture_json(culture, overview.culture_advice),
        "journey": None if overview.journey is None else _journey_json(overview.journey),
        "comments": [
            {"question": question, "answers": list(answers)}
            for question, answers in overview.comments
        ],
    }


# --------------------------------------------------------------------------- wording


@dataclass(frozen=True)
class Line:
    """One sentence of the section, in plain (unescaped) text. ``label`` is a bold lead-in
    (``Next step``: ...); ``muted`` marks side notes, ``highlight`` advice worth setting apart."""

    text: str
    label: str = ""
    muted: bool = False
    highlight: bool = False


@dataclass(frozen=True)
class Column:
    title: str
    numeric: bool = False


@dataclass(frozen=True)
class SurveyTable:
    """A titled table of plain-text cells, with lines shown under it."""

    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[str, ...], ...]
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class SurveySection:
    """The whole surveys section: lines under the heading, then the tables."""

    lines: tuple[Line, ...]
    tables: tuple[SurveyTable, ...]


def label(key: str | None) -> str:
    """Display name of an aspect, level, stage or step (the id itself if it has none)."""
    return _DASH if key is None else LABELS.get(key, key)


def format_share(share: float) -> str:
    """A share as a whole percentage: ``0.625`` → ``62%`` (Python rounding)."""
    return f"{share:.0%}"


def format_mean(mean: float | None) -> str:
    return _DASH if mean is None else f"{mean:.2f}"


def format_enps(enps: int | None) -> str:
    """eNPS signed (``+29``, ``-10``, ``0``)."""
    if enps is None:
        return _DASH
    return "0" if enps == 0 else f"{enps:+d}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _lead(overview: SurveyOverview) -> list[Line]:
    lines: list[Line] = []
    if overview.runs:
        rate = overview.response_rate
        if rate is None:
            text = "not known (no run recorded its audience)"
        elif any(r.audience is None for r in overview.runs):
            text = f"{format_share(rate)} (runs with a known audience only)"
        else:
            text = format_share(rate)
        lines.append(Line(text, label="Response rate"))
    if overview.open_runs:
        verb = "is" if overview.open_runs == 1 else "are"
        lines.append(
            Line(
                f"{_count(overview.open_runs, 'survey')} {verb} still open; "
                "results show once they close."
            )
        )
    lines.append(
        Line(
            f"Results are only shown for questions at least {overview.min_respondents:,} "
            "people answered.",
            muted=True,
        )
    )
    return lines


def _runs_table(runs: tuple[RunLine, ...]) -> SurveyTable:
    shown = runs[:RUNS_LIMIT]
    more = more_text(len(shown), len(runs), "runs")
    return SurveyTable(
        title="Latest runs",
        columns=(
            Column("Closed"),
            Column("Channel"),
            Column("Set"),
            Column("Answered", numeric=True),
            Column("Audience", numeric=True),
        ),
        rows=tuple(
            (
                r.day.isoformat(),
                r.channel,
                r.set_title,
                f"{r.respondents:,}",
                _DASH if r.audience is None else f"{r.audience:,}",
            )
            for r in shown
        ),
        lines=(Line(more, muted=True),) if more else (),
    )


def _trends_table(trends: tuple[QuestionTrend, ...]) -> SurveyTable:
    with_enps = any(t.kind == "nps" for t in trends)
    columns = [
        Column("Question"),
        Column("Scale"),
        Column("Answers (latest)", numeric=True),
        Column("Mean, oldest → newest", numeric=True),
    ]
    if with_enps:
        columns.append(Column("eNPS, oldest → newest", numeric=True))
    rows = []
    for trend in trends:
        latest = trend.points[-1].n if trend.points else 0
        row = [
            trend.text,
            _SCALES.get(trend.kind, trend.kind),
            f"{latest:,}",
            _ARROW.join(format_mean(p.mean) for p in trend.points),
        ]
        if with_enps:
            enps = _ARROW.join(format_enps(p.enps) for p in trend.points)
            row.append(enps if trend.kind == "nps" else _DASH)
        rows.append(tuple(row))
    return SurveyTable(title="Trends", columns=tuple(columns), rows=tuple(rows))


def _maturity_table(results: tuple[MaturityResult, ...]) -> SurveyTable:
    return SurveyTable(
        title="Platform maturity",
        columns=(
            Column("Aspect"),
            Column("Median level"),
            Column("Answers", numeric=True),
            *(Column(label(level), numeric=True) for level in MATURITY_LEVELS),
        ),
        rows=tuple(
            (
                label(m.aspect),
                label(m.median),
                f"{m.n:,}",
                *(format_share(dict(m.shares).get(level, 0.0)) for level in MATURITY_LEVELS),
            )
            for m in results
        ),
        lines=(Line(_MEDIAN_NOTE, muted=True),) if any(m.n % 2 == 0 for m in results) else (),
    )


def _culture_table(result: CultureResult, advice: str | None) -> SurveyTable:
    lines = [Line(label(result.most_common), label="Most common stage")]
    if advice:
        lines.append(Line(advice, label="Next step", highlight=True))
    return SurveyTable(
        title=f"Team culture ({_count(result.n, 'answer')})",
        columns=(Column("Stage"), Column("Share", numeric=True)),
        rows=tuple((label(stage), format_share(share)) for stage, share in result.shares),
        lines=tuple(lines),
    )


def _journey_table(result: JourneyResult) -> SurveyTable:
    funnel = dict(result.funnel)
    return SurveyTable(
        title=f"Platform journey ({_count(result.n, 'answer')})",
        columns=(
            Column("Step"),
            Column("At this step", numeric=True),
            Column("At this step or later", numeric=True),
        ),
        rows=tuple(
            (label(step), f"{count:,}", f"{funnel.get(step, 0):,}") for step, count in result.counts
        ),
    )


def survey_section(overview: SurveyOverview) -> SurveySection:
    """What the surveys section says, before any markup. An empty overview says only
    :data:`NO_SURVEYS`; tables without data are left out."""
    if overview.empty:
        return SurveySection(lines=(Line(NO_SURVEYS, muted=True),), tables=())
    tables: list[SurveyTable] = []
    if overview.runs:
        tables.append(_runs_table(overview.runs))
    if overview.trends:
        tables.append(_trends_table(overview.trends))
    if overview.maturity:
        tables.append(_maturity_table(overview.maturity))
    if overview.culture is not None:
        tables.append(_culture_table(overview.culture, overview.culture_advice))
    if overview.journey is not None:
        tables.append(_journey_table(overview.journey))
    tables.extend(
        SurveyTable(
            title=f"What people wrote: {question}",
            columns=(Column("Answer"),),
            rows=tuple((answer,) for answer in answers),
        )
        for question, answers in overview.comments
    )
    lines = _lead(overview)
    if overview.runs and len(tables) == 1:
        lines.append(Line("No question has had enough answers to show results yet.", muted=True))
    return SurveySection(lines=tuple(lines), tables=tuple(tables))


# --------------------------------------------------------------------------- Markdown


def _line_md(line: Line) -> str:
    text = escape_md(line.text)
    if line.label:
        return f"**{escape_md(line.label)}:** {text}"
    return f"_{text}_" if line.muted else text


def overview_markdown(overview: SurveyOverview) -> str:
    """The ``## Surveys`` section as GitHub-flavoured Markdown; every text is escaped."""
    section = survey_section(overview)
    out = ["## Surveys", ""]
    for line in section.lines:
        out += [_line_md(line), ""]
    for table in section.tables:
        out += [f"### {escape_md(table.title)}", ""]
        out.append("| " + " | ".join(escape_md(c.title) for c in table.columns) + " |")
        out.append("| " + " | ".join("---:" if c.numeric else "---" for c in table.columns) + " |")
        for row in table.rows:
            out.append("| " + " | ".join(escape_md(cell) for cell in row) + " |")
        out.append("")
        for line in table.lines:
            out += [_line_md(line), ""]
    return "\n".join(out)
