"""The summary as one self-contained HTML5 page: inline CSS, the orbit map and the other pictures
(quadrants over time, survey charts) as data URIs.

Nothing is fetched from anywhere, so the file can be mailed, attached to a chat or opened
offline, and shows the same thing everywhere.
"""

from __future__ import annotations

import base64
import struct
from dataclasses import dataclass
from html import escape

from bot.core.summary import COUNT_KEYS, MemberScore, OrbitSummary
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

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_ORBIT_ALT = "Orbit map: members by love and reach"

_CSS = """
:root { --ink: #1f2328; --muted: #656d76; --line: #d8dee4; --soft: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; background: #fff; color: var(--ink);
  font: 15px/1.5 -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 32px 24px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 36px 0 10px; padding-bottom: 6px;
  border-bottom: 1px solid var(--line); }
.sub, .note, .empty { color: var(--muted); }
.empty { font-style: italic; }
figure { margin: 20px 0 0; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--line);
  border-radius: 8px; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { padding: 6px 10px; border-bottom: 1px solid var(--line); text-align: left;
  vertical-align: top; }
th { background: var(--soft); font-weight: 600; font-size: 13px; color: var(--muted); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr:hover td { background: #fbfcfd; }
.up { color: #1a7f37; } .down { color: #cf222e; } .same { color: var(--muted); }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 12px;
  font-weight: 600; color: #fff; white-space: nowrap; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { flex: 1 1 150px; border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px;
  border-top: 4px solid var(--c, var(--line)); }
.card .n { font-size: 26px; font-weight: 700; }
.card .k { font-weight: 600; }
.card .h { color: var(--muted); font-size: 13px; }
ul.team { columns: 3 180px; padding-left: 18px; }
h3 { font-size: 16px; margin: 24px 0 6px; }
.advice { border-left: 4px solid var(--line); padding: 4px 0 4px 12px; }
"""


@dataclass(frozen=True, slots=True)
class Picture:
    """A PNG to embed, with the text that stands in for it (the ``alt`` attribute)."""

    png: bytes
    alt: str


def render_html(
    summary: OrbitSummary,
    orbit_png: bytes,
    *,
    surveys: SurveyOverview | None = None,
    orbit_alt: str | None = None,
    quadrants: Picture | None = None,
    maturity: Picture | None = None,
    culture: Picture | None = None,
    journey: Picture | None = None,
) -> str:
    """The whole report as an HTML5 document with ``orbit_png`` embedded inline, and the surveys
    section when ``surveys`` is given.

    Optional pictures go where they belong: ``quadrants`` (counts over time) under the orbit
    cards; ``maturity``, ``culture`` and ``journey`` each after its table in the surveys section
    (so only when ``surveys`` is given), or at the end of that section if it has no such table.
    """
    title = escape(heading_text(summary))
    png = base64.b64encode(orbit_png).decode("ascii")
    silent = summary.counts.get("silent", 0)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{title}</h1>",
        f'<p class="sub">{escape(subheading_text(summary))}</p>',
        "<figure>",
        f'<img src="data:image/png;base64,{png}" alt="{escape(orbit_alt or _ORBIT_ALT)}"'
        ' width="1000" height="700">',
        f"<figcaption>{escape(_caption(silent))}</figcaption>",
        "</figure>",
    ]
    parts += _counts(summary)
    if quadrants is not None:
        parts += _picture("Orbits over time", quadrants)
    parts += _thresholds(summary)
    parts += _multipliers(summary)
    parts += _listen(summary)
    parts += _top_members(summary)
    parts += _team(summary)
    if surveys is not None:
        parts += _surveys(surveys, maturity=maturity, culture=culture, journey=journey)
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _caption(silent: int) -> str:
    if not silent:
        return "Orbit map of every active member."
    noun = "member is" if silent == 1 else "members are"
    return f"Orbit map. {silent:,} silent {noun} counted among observers but not plotted."


def _counts(summary: OrbitSummary) -> list[str]:
    """One card per orbit, with the change since the previous snapshot."""
    out = ["<h2>Orbits</h2>", '<div class="cards">']
    for key in COUNT_KEYS:
        colour = _key_colour(key)
        change = format_change(key, summary)
        change_html = ""
        if change:
            cls = "same" if change == "±0" else "up" if change.startswith("+") else "down"
            change_html = f' <span class="{cls}">({escape(change)})</span>'
        out.append(
            f'<div class="card" style="--c: {colour}">'
            f'<div class="k">{escape(COUNT_TITLES[key])}</div>'
            f'<div class="n">{summary.counts.get(key, 0):,}{change_html}</div>'
            f'<div class="h">{escape(COUNT_HINTS[key])}</div></div>'
        )
    out.append("</div>")
    if summary.previous_counts is not None:
        out.append('<p class="note">Changes in brackets are against the previous snapshot.</p>')
    return out


def _thresholds(summary: OrbitSummary) -> list[str]:
    t = summary.thresholds
    return [
        "<h2>Thresholds</h2>",
        f"<p>Love <strong>{format_score(t.love)}</strong> · "
        f"Reach <strong>{format_score(t.reach)}</strong>. "
        "High love and high reach make a multiplier.</p>",
    ]


def _multipliers(summary: OrbitSummary) -> list[str]:
    out = [f"<h2>Multipliers ({len(summary.multipliers):,})</h2>"]
    if not summary.multipliers:
        return [*out, '<p class="empty">No multipliers this time.</p>']
    shown = summary.multipliers[:TABLE_LIMIT]
    out += [
        "<table>",
        '<thead><tr><th class="num">#</th><th>Name</th><th class="num">Love</th>'
        '<th class="num">Reach</th></tr></thead>',
        "<tbody>",
    ]
    for i, m in enumerate(shown, 1):
        out.append(
            f'<tr><td class="num">{i}</td><td>{escape(m.name)}</td>'
            f'<td class="num">{format_score(m.love)}</td>'
            f'<td class="num">{format_score(m.reach)}</td></tr>'
        )
    out += ["</tbody>", "</table>"]
    return out + _more(len(shown), len(summary.multipliers), "multipliers")


def _listen(summary: OrbitSummary) -> list[str]:
    out = ["<h2>Who to listen to</h2>"]
    if not summary.listen:
        return [*out, '<p class="empty">Nobody stands out this time.</p>']
    out += [
        "<table>",
        '<thead><tr><th>Name</th><th>Orbit</th><th class="num">Sentiment</th>'
        "<th>Why</th></tr></thead>",
        "<tbody>",
    ]
    for pick in summary.listen:
        m = pick.member
        out.append(
            f"<tr><td>{escape(m.name)}</td><td>{_badge(m)}</td>"
            f'<td class="num">{format_sentiment(m.sentiment)}</td>'
            f"<td>{escape(pick.reason)}</td></tr>"
        )
    out += ["</tbody>", "</table>"]
    return out


def _top_members(summary: OrbitSummary) -> list[str]:
    active = summary.active
    out = ["<h2>Top members</h2>"]
    if not active:
        return [*out, '<p class="empty">No active members in this window.</p>']
    shown = active[:TABLE_LIMIT]
    out += [
        "<table>",
        '<thead><tr><th class="num">#</th><th>Name</th><th>Orbit</th><th class="num">Love</th>'
        '<th class="num">Reach</th><th class="num">Sentiment</th></tr></thead>',
        "<tbody>",
    ]
    for i, m in enumerate(shown, 1):
        out.append(
            f'<tr><td class="num">{i}</td><td>{escape(m.name)}</td><td>{_badge(m)}</td>'
            f'<td class="num">{format_score(m.love)}</td>'
            f'<td class="num">{format_score(m.reach)}</td>'
            f'<td class="num">{format_sentiment(m.sentiment)}</td></tr>'
        )
    out += ["</tbody>", "</table>"]
    return out + _more(len(shown), len(active), "active members")


def _team(summary: OrbitSummary) -> list[str]:
    out = ["<h2>Platform team</h2>"]
    if not summary.team:
        return [*out, '<p class="empty">No platform team configured.</p>']
    out.append('<p class="note">Listed apart and never scored.</p>')
    out.append('<ul class="team">')
    out += [f"<li>{escape(t.name)}</li>" for t in summary.team]
    out.append("</ul>")
    return out


def _badge(member: MemberScore) -> str:
    colour = QUADRANT_COLOURS[member.quadrant]
    return f'<span class="badge" style="background: {colour}">{escape(orbit_name(member))}</span>'


def _key_colour(key: str) -> str:
    """Colour for a ``COUNT_KEYS`` entry; silent shares the observers' grey, lighter."""
    for quadrant, colour in QUADRANT_COLOURS.items():
        if quadrant.value == key:
            return colour
    return "#c4c4c4"


def _more(shown: int, total: int, noun: str) -> list[str]:
    text = more_text(shown, total, noun)
    return [f'<p class="note">{escape(text)}</p>'] if text else []


def _png_size(png: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG's header (IHDR), or None if ``png`` is not one."""
    if len(png) < 24 or not png.startswith(_PNG_SIGNATURE) or png[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", png[16:24])
    return int(width), int(height)


def _picture(heading: str, picture: Picture) -> list[str]:
    """A picture under its own heading, inline as a data URI, sized so the page does not jump."""
    data = base64.b64encode(picture.png).decode("ascii")
    size = _png_size(picture.png)
    dims = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return [
        f"<h3>{escape(heading)}</h3>",
        "<figure>",
        f'<img src="data:image/png;base64,{data}" alt="{escape(picture.alt)}"{dims}>',
        "</figure>",
    ]


# Which survey table each picture follows, by the start of the table's title (see
# ``bot.render.surveys``): (title prefix, heading of the picture).
_SURVEY_PICTURES = (
    ("Platform maturity", "Platform maturity by aspect"),
    ("Team culture", "Team culture stages"),
    ("Platform journey", "Platform journey funnel"),
)


def _surveys(
    overview: SurveyOverview,
    *,
    maturity: Picture | None = None,
    culture: Picture | None = None,
    journey: Picture | None = None,
) -> list[str]:
    section = survey_section(overview)
    out = ["<h2>Surveys</h2>"]
    out += [_survey_line(line) for line in section.lines]
    pending = {
        prefix: (heading, picture)
        for (prefix, heading), picture in zip(
            _SURVEY_PICTURES, (maturity, culture, journey), strict=True
        )
        if picture is not None
    }
    for table in section.tables:
        out += _survey_table(table)
        prefix = next((p for p in pending if table.title.startswith(p)), None)
        if prefix is not None:
            out += _picture(*pending.pop(prefix))
    for heading, picture in pending.values():  # No table to follow: still shown.
        out += _picture(heading, picture)
    return out


def _survey_line(line: Line) -> str:
    text = escape(line.text)
    if line.label:
        cls = ' class="advice"' if line.highlight else ""
        return f"<p{cls}><strong>{escape(line.label)}:</strong> {text}</p>"
    return f'<p class="note">{text}</p>' if line.muted else f"<p>{text}</p>"


def _survey_table(table: SurveyTable) -> list[str]:
    def cell(tag: str, numeric: bool, text: str) -> str:
        cls = ' class="num"' if numeric else ""
        return f"<{tag}{cls}>{escape(text)}</{tag}>"

    head = "".join(cell("th", c.numeric, c.title) for c in table.columns)
    out = [
        f"<h3>{escape(table.title)}</h3>",
        "<table>",
        f"<thead><tr>{head}</tr></thead>",
        "<tbody>",
    ]
    for row in table.rows:
        cells = "".join(
            cell("td", c.numeric, text) for c, text in zip(table.columns, row, strict=True)
        )
        out.append(f"<tr>{cells}</tr>")
    out += ["</tbody>", "</table>"]
    return out + [_survey_line(line) for line in table.lines]
