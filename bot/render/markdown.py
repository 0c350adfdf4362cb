"""The summary as Markdown (GitHub-flavoured), plus the text helpers every text renderer shares.

The helpers live here because Markdown is the plainest text form; the HTML and terminal
renderers import them so all surfaces word and round things the same way.
"""

from __future__ import annotations

import re

from bot.core.summary import COUNT_KEYS, MemberScore, OrbitSummary, Quadrant
from bot.core.surveys import SurveyOverview

#: Rows shown in the long member tables before "... and N more".
TABLE_LIMIT = 25

#: Row titles for ``summary.counts``, in ``COUNT_KEYS`` order.
COUNT_TITLES: dict[str, str] = {
    "multiplier": "Multipliers",
    "fan": "Fans",
    "sceptic": "Sceptics",
    "observer": "Observers",
    "silent": "Silent (among observers)",
}

#: What each orbit means, in words a platform team uses.
COUNT_HINTS: dict[str, str] = {
    "multiplier": "high love, high reach",
    "fan": "high love, low reach",
    "sceptic": "low love, high reach",
    "observer": "low love, low reach",
    "silent": "no activity at all",
}

_QUADRANT_NAMES: dict[Quadrant, str] = {
    Quadrant.MULTIPLIER: "Multiplier",
    Quadrant.FAN: "Fan",
    Quadrant.SCEPTIC: "Sceptic",
    Quadrant.OBSERVER: "Observer",
}

# Characters that mean something mid-line in GitHub-flavoured Markdown or a table cell: emphasis,
# code, links (``(`` and ``!`` are inert once ``[`` is escaped), HTML and entities, table pipes,
# strikethrough, math, issue refs and @mentions. CommonMark lets any ASCII punctuation be
# backslash-escaped, and line-start markers (``-``, ``+``, ``1.``) never reach a line start here.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~&$#@])")
_WHITESPACE = re.compile(r"\s+")


def escape_md(text: str) -> str:
    """Make untrusted text (member names, reasons) literal inside Markdown, tables included."""
    return _MD_SPECIAL.sub(r"\\\1", _WHITESPACE.sub(" ", text).strip())


def format_score(value: float) -> str:
    """Love/reach at one decimal without a trailing ``.0`` (``12``, ``12.5``, ``1,204``)."""
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def format_sentiment(value: float | None) -> str:
    """Signed to two decimals (``+0.42``); an em dash when there was nothing to judge."""
    return "—" if value is None else f"{value:+.2f}"


def format_change(key: str, summary: OrbitSummary) -> str:
    """Change of one count against the previous snapshot (``+2``, ``-1``, ``±0``), or ``""``."""
    if summary.previous_counts is None:
        return ""
    delta = summary.counts.get(key, 0) - summary.previous_counts.get(key, 0)
    return "±0" if delta == 0 else f"{delta:+d}"


def format_count(key: str, summary: OrbitSummary) -> str:
    """A count with its change in brackets when there is a previous snapshot: ``7 (+2)``."""
    count = f"{summary.counts.get(key, 0):,}"
    change = format_change(key, summary)
    return f"{count} ({change})" if change else count


def orbit_name(member: MemberScore) -> str:
    """The member's quadrant in the singular, flagging silent observers."""
    name = _QUADRANT_NAMES[member.quadrant]
    return f"{name} (silent)" if member.silent else name


def heading_text(summary: OrbitSummary) -> str:
    """``Community Pulse — 2025-03-14 · #channel`` (the channel only when set)."""
    text = f"Community Pulse — {summary.as_of.isoformat()}"
    if summary.channel:
        text += f" · {channel_name(summary.channel)}"
    return text


def channel_name(channel: str) -> str:
    return channel if channel.startswith("#") else f"#{channel}"


def subheading_text(summary: OrbitSummary) -> str:
    """The window and how many members it covers."""
    active = len(summary.active)
    silent = summary.counts.get("silent", 0)
    return (
        f"Last {summary.window_days} days · {active:,} active "
        f"{'member' if active == 1 else 'members'}, {silent:,} silent"
    )


def more_text(shown: int, total: int, noun: str) -> str:
    """``… and 12 more multipliers`` (empty when nothing was cut)."""
    rest = total - shown
    return f"… and {rest:,} more {noun}" if rest > 0 else ""


def render_markdown(summary: OrbitSummary, *, surveys: SurveyOverview | None = None) -> str:
    """The whole report as Markdown: counts, thresholds, multipliers, who to listen to, team,
    and the surveys section when ``surveys`` is given."""
    out: list[str] = [f"# {escape_md(heading_text(summary))}", "", subheading_text(summary), ""]

    out += ["## Orbits", ""]
    change_note = summary.previous_counts is not None
    out += ["| Orbit | Members | Meaning |", "| --- | ---: | --- |"]
    for key in COUNT_KEYS:
        out.append(f"| {COUNT_TITLES[key]} | {format_count(key, summary)} | {COUNT_HINTS[key]} |")
    out.append("")
    if change_note:
        out += ["Changes in brackets are against the previous snapshot.", ""]

    t = summary.thresholds
    out += [
        "## Thresholds",
        "",
        f"- Love: **{format_score(t.love)}**",
        f"- Reach: **{format_score(t.reach)}**",
        "",
        "High love and high reach make a multiplier.",
        "",
    ]

    out += [f"## Multipliers ({len(summary.multipliers):,})", ""]
    if summary.multipliers:
        shown = summary.multipliers[:TABLE_LIMIT]
        out += ["| # | Name | Love | Reach |", "| ---: | --- | ---: | ---: |"]
        for i, m in enumerate(shown, 1):
            out.append(
                f"| {i} | {escape_md(m.name)} | {format_score(m.love)} | {format_score(m.reach)} |"
            )
        out.append("")
        more = more_text(len(shown), len(summary.multipliers), "multipliers")
        if more:
            out += [f"_{more}_", ""]
    else:
        out += ["_No multipliers this time._", ""]

    out += ["## Who to listen to", ""]
    if summary.listen:
        out += ["| Name | Orbit | Sentiment | Why |", "| --- | --- | ---: | --- |"]
        for pick in summary.listen:
            m = pick.member
            out.append(
                f"| {escape_md(m.name)} | {orbit_name(m)} | {format_sentiment(m.sentiment)} "
                f"| {escape_md(pick.reason)} |"
            )
        out.append("")
    else:
        out += ["_Nobody stands out this time._", ""]

    active = summary.active
    out += ["## Top members", ""]
    if active:
        shown = active[:TABLE_LIMIT]
        out += [
            "| # | Name | Orbit | Love | Reach | Sentiment |",
            "| ---: | --- | --- | ---: | ---: | ---: |",
        ]
        for i, m in enumerate(shown, 1):
            out.append(
                f"| {i} | {escape_md(m.name)} | {orbit_name(m)} | {format_score(m.love)} "
                f"| {format_score(m.reach)} | {format_sentiment(m.sentiment)} |"
            )
        out.append("")
        more = more_text(len(shown), len(active), "active members")
        if more:
            out += [f"_{more}_", ""]
    else:
        out += ["_No active members in this window._", ""]

    out += ["## Platform team", ""]
    if summary.team:
        out += ["Not scored: " + ", ".join(escape_md(t.name) for t in summary.team), ""]
    else:
        out += ["_No platform team configured._", ""]
    if surveys is not None:
        # Imported here: bot.render.surveys builds on the helpers of this module.
        from bot.render.surveys import overview_markdown

        out.append(overview_markdown(surveys))
    return "\n".join(out)
