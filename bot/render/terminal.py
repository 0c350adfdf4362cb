"""The summary as rich tables, for ``pulse`` on a terminal."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from bot.core.summary import COUNT_KEYS, OrbitSummary, Quadrant
from bot.core.surveys import SurveyOverview
from bot.render.markdown import (
    COUNT_HINTS,
    COUNT_TITLES,
    TABLE_LIMIT,
    format_change,
    format_score,
    format_sentiment,
    heading_text,
    more_text,
    orbit_name,
    subheading_text,
)
from bot.render.orbit_map import QUADRANT_COLOURS
from bot.render.surveys import Line, SurveyTable, survey_section


def print_summary(
    summary: OrbitSummary, console: Console, *, surveys: SurveyOverview | None = None
) -> None:
    """Print counts, thresholds, multipliers, who to listen to and the team to ``console``, and
    the surveys section when ``surveys`` is given."""
    console.print(Text(heading_text(summary), style="bold"))
    console.print(Text(subheading_text(summary), style="dim"))
    console.print()
    console.print(_counts_table(summary))
    t = summary.thresholds
    console.print(
        f"Thresholds: love [bold]{format_score(t.love)}[/], reach [bold]{format_score(t.reach)}[/]"
        " (high love and high reach make a multiplier)"
    )
    console.print()
    console.print(_multipliers_table(summary))
    shown = min(len(summary.multipliers), TABLE_LIMIT)
    more = more_text(shown, len(summary.multipliers), "multipliers")
    if more:
        console.print(Text(more, style="dim"))
    console.print()
    if summary.listen:
        console.print(_listen_table(summary))
    else:
        console.print(Text("Who to listen to: nobody stands out this time.", style="dim"))
    console.print()
    if summary.team:
        names = ", ".join(escape(t.name) for t in summary.team)
        console.print(f"[bold]Platform team[/] (not scored): {names}")
    else:
        console.print(Text("No platform team configured.", style="dim"))
    if surveys is not None:
        console.print()
        _print_surveys(surveys, console)


def _print_surveys(overview: SurveyOverview, console: Console) -> None:
    section = survey_section(overview)
    console.print(Text("Surveys", style="bold"))
    for line in section.lines:
        console.print(_survey_line(line))
    for table in section.tables:
        console.print()
        console.print(_survey_table(table))
        for line in table.lines:
            console.print(_survey_line(line))


def _survey_line(line: Line) -> Text:
    text = Text()
    if line.label:
        text.append(f"{line.label}: ", style="bold")
    text.append(line.text, style="dim" if line.muted else "")
    return text


def _survey_table(table: SurveyTable) -> Table:
    rich_table = Table(title=table.title, box=box.SIMPLE_HEAVY, title_justify="left")
    for column in table.columns:
        rich_table.add_column(column.title, justify="right" if column.numeric else "left")
    for row in table.rows:
        rich_table.add_row(*(Text(cell) for cell in row))
    return rich_table


def _counts_table(summary: OrbitSummary) -> Table:
    with_change = summary.previous_counts is not None
    table = Table(title="Orbits", box=box.SIMPLE_HEAVY, title_justify="left")
    table.add_column("Orbit")
    table.add_column("Members", justify="right")
    if with_change:
        table.add_column("Change", justify="right")
    table.add_column("Meaning", style="dim")
    for key in COUNT_KEYS:
        row = [
            f"[{_key_style(key)}]{COUNT_TITLES[key]}[/]",
            f"{summary.counts.get(key, 0):,}",
        ]
        if with_change:
            change = format_change(key, summary)
            colour = "dim" if change == "±0" else "green" if change.startswith("+") else "red"
            row.append(f"[{colour}]{change}[/]")
        row.append(COUNT_HINTS[key])
        table.add_row(*row)
    return table


def _multipliers_table(summary: OrbitSummary) -> Table:
    table = Table(
        title=f"Multipliers ({len(summary.multipliers):,})",
        box=box.SIMPLE_HEAVY,
        title_justify="left",
    )
    table.add_column("#", justify="right", style="dim")
    table.add_column("Name")
    table.add_column("Love", justify="right")
    table.add_column("Reach", justify="right")
    for i, m in enumerate(summary.multipliers[:TABLE_LIMIT], 1):
        table.add_row(str(i), escape(m.name), format_score(m.love), format_score(m.reach))
    if not summary.multipliers:
        table.add_row("", "[dim]none this time[/]", "", "")
    return table


def _listen_table(summary: OrbitSummary) -> Table:
    table = Table(title="Who to listen to", box=box.SIMPLE_HEAVY, title_justify="left")
    table.add_column("Name")
    table.add_column("Orbit")
    table.add_column("Sentiment", justify="right")
    table.add_column("Why")
    for pick in summary.listen:
        m = pick.member
        table.add_row(
            escape(m.name),
            f"[{QUADRANT_COLOURS[m.quadrant]}]{orbit_name(m)}[/]",
            format_sentiment(m.sentiment),
            escape(pick.reason),
        )
    return table


def _key_style(key: str) -> str:
    """Rich style for a ``COUNT_KEYS`` entry, matching the orbit map's colours."""
    for quadrant in Quadrant:
        if quadrant.value == key:
            return f"bold {QUADRANT_COLOURS[quadrant]}"
    return "dim"
