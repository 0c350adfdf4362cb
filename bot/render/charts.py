"""The report's other pictures, as PNG bytes: quadrant counts over time and the survey frameworks
(maturity heatmap, culture stages, journey funnel).

Same style as the orbit map: ``Figure`` + ``FigureCanvasAgg`` (never ``pyplot``), a fixed size in
pixels (no tight bbox) and no global state, so every function is headless and thread-safe. Each
function renders a readable message instead of failing when there is nothing to draw. The
``*_alt`` functions describe a picture in one sentence, for the HTML ``alt`` text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from bot.core.digest import CountsPoint
from bot.core.questions import (
    CULTURE_STAGES,
    JOURNEY_STEPS,
    LABELS,
    MATURITY_ASPECTS,
    MATURITY_LEVELS,
)
from bot.core.summary import Quadrant
from bot.core.surveys import CultureResult, JourneyResult, MaturityResult
from bot.render.orbit_map import QUADRANT_COLOURS, QUADRANT_TITLES

DPI = 100
#: Figure sizes in inches (at DPI): every PNG of a kind has exactly this many pixels × 100.
HISTORY_SIZE = (10.0, 6.0)
MATURITY_SIZE = (10.0, 5.0)
CULTURE_SIZE = (10.0, 4.5)
JOURNEY_SIZE = (10.0, 4.5)

SILENT_COLOUR = "#9a9a9a"
_INK = "#222222"
_MUTED = "#666666"
_GRID = "#e6e6e6"
_NO_DATA = "#f0f0f0"
_ACCENT = "#0072B2"  # Okabe-Ito blue: the highlighted bar
_SOFT = "#b9d3e8"  # the same blue, washed out: the other bars
_FUNNEL = "#56B4E9"  # Okabe-Ito sky blue
# Shares map onto this ramp: near-white for 0, deep blue for 1 (fixed, so weeks compare).
_WHITE_TEXT = 0.55  # shares from here on are dark enough for white text
_SHARE_CMAP = LinearSegmentedColormap.from_list(
    "share", ["#f4f8fb", "#9ecae1", "#3b83bd", "#0b3d6e"]
)
# Panel layout of the history: the same corners as the quadrants on the orbit map.
_PANELS = ((Quadrant.SCEPTIC, Quadrant.MULTIPLIER), (Quadrant.OBSERVER, Quadrant.FAN))


# --------------------------------------------------------------------------- shared


def _figure(size: tuple[float, float]) -> Figure:
    fig = Figure(figsize=size, dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)  # Attaches itself to ``fig``: Agg for this figure only.
    return fig


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


def _titles(fig: Figure, title: str, subtitle: str) -> None:
    fig.text(0.03, 0.955, title, fontsize=16, fontweight="bold", color=_INK, va="top")
    fig.text(0.03, 0.955 - 0.42 / fig.get_figheight(), subtitle, fontsize=10, color=_MUTED)


def _message(size: tuple[float, float], title: str, message: str) -> bytes:
    """A picture that only says why there is nothing to draw."""
    fig = _figure(size)
    fig.text(0.03, 0.955, title, fontsize=16, fontweight="bold", color=_INK, va="top")
    fig.text(
        0.5,
        0.45,
        message,
        ha="center",
        va="center",
        fontsize=13,
        color=_MUTED,
        wrap=True,
        bbox={"boxstyle": "round,pad=0.8", "facecolor": "#f6f8fa", "edgecolor": "#d8dee4"},
    )
    return _png(fig)


def _plain(ax: Axes, *, keep: tuple[str, ...] = ()) -> None:
    """Hide the spines not in ``keep``."""
    for side, spine in ax.spines.items():
        spine.set_visible(side in keep)
        spine.set_color("#bbbbbb")


def _label(key: str | None) -> str:
    return "—" if key is None else LABELS.get(key, key)


def _pct(share: float) -> str:
    return f"{share:.0%}"


def _plural(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


# --------------------------------------------------------------------------- quadrant history


def render_quadrant_history(points: Sequence[CountsPoint]) -> bytes:
    """Quadrant counts over time, one small panel per quadrant (laid out like the orbit map) so
    the few multipliers are not flattened by hundreds of observers; the silent members are a
    dashed line in the observers' panel. Fewer than two points render a message."""
    ordered = sorted(points, key=lambda p: p.day)
    title = "Orbits over time"
    if len(ordered) < 2:
        if not ordered:
            return _message(HISTORY_SIZE, title, "No snapshots kept yet: nothing to show.")
        only = ordered[0]
        counts = " · ".join(
            f"{QUADRANT_TITLES[q]} {only.counts.get(q.value, 0):,}" for q in Quadrant
        )
        return _message(
            HISTORY_SIZE,
            title,
            f"One snapshot so far ({only.day.isoformat()}): {counts}.\n"
            "The history starts with the next kept snapshot.",
        )

    fig = _figure(HISTORY_SIZE)
    fig.subplots_adjust(left=0.06, right=0.975, top=0.8, bottom=0.08, hspace=0.5, wspace=0.14)
    axes = fig.subplots(2, 2, sharex=True)
    days = [p.day for p in ordered]
    first, last = ordered[0], ordered[-1]
    _titles(
        fig,
        title,
        f"{_plural(len(ordered), 'snapshot')}, {first.day.isoformat()} to "
        f"{last.day.isoformat()}  ·  each panel has its own scale",
    )
    marker = "o" if len(ordered) <= 30 else None
    for row, quadrants in enumerate(_PANELS):
        for col, quadrant in enumerate(quadrants):
            ax = axes[row][col]
            colour = QUADRANT_COLOURS[quadrant]
            values = [p.counts.get(quadrant.value, 0) for p in ordered]
            ax.plot(days, values, color=colour, linewidth=2, marker=marker, markersize=4)
            ax.fill_between(days, values, color=colour, alpha=0.1, linewidth=0)
            top = max(values)
            if quadrant is Quadrant.OBSERVER:
                silent = [p.counts.get("silent", 0) for p in ordered]
                if any(silent):
                    ax.plot(
                        days,
                        silent,
                        color=SILENT_COLOUR,
                        linewidth=1.5,
                        linestyle=(0, (4, 3)),
                        label="silent (part of observers)",
                    )
                    ax.legend(loc="lower left", fontsize=8, frameon=False)
                    top = max(top, *silent)
            ax.set_ylim(0, max(top * 1.15, 4))
            ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
            ax.grid(True, axis="y", color=_GRID, linewidth=0.8)
            ax.set_axisbelow(True)
            _plain(ax, keep=("bottom",))
            ax.tick_params(colors=_MUTED, labelsize=9, length=0, axis="y")
            ax.tick_params(colors=_MUTED, labelsize=9, axis="x")
            ax.set_title(
                f"{QUADRANT_TITLES[quadrant]}  {values[-1]:,}",
                loc="left",
                fontsize=12,
                fontweight="bold",
                color=colour,
            )
            change = values[-1] - values[0]
            sign = "±" if change == 0 else "+" if change > 0 else "−"
            ax.set_title(
                f"{sign}{abs(change):,} since {first.day.isoformat()}",
                loc="right",
                fontsize=9,
                color=_MUTED,
            )
            # matplotlib.dates is not annotated.
            locator = AutoDateLocator(minticks=3, maxticks=7)  # type: ignore[no-untyped-call]
            formatter = ConciseDateFormatter(locator, show_offset=False)  # type: ignore[no-untyped-call]
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(formatter)
    return _png(fig)


def quadrant_history_alt(points: Sequence[CountsPoint]) -> str:
    """One sentence for the picture's alt text."""
    ordered = sorted(points, key=lambda p: p.day)
    if len(ordered) < 2:
        return "Orbits over time: not enough snapshots yet."
    first, last = ordered[0], ordered[-1]
    parts = ", ".join(
        f"{QUADRANT_TITLES[q].lower()} {first.counts.get(q.value, 0):,} → "
        f"{last.counts.get(q.value, 0):,}"
        for q in Quadrant
    )
    return (
        f"Orbits over time, {len(ordered)} snapshots from {first.day.isoformat()} to "
        f"{last.day.isoformat()}: {parts}."
    )


# --------------------------------------------------------------------------- maturity


def render_maturity_heatmap(results: Sequence[MaturityResult]) -> bytes:
    """Aspects (rows, MATURITY_ASPECTS order) × levels (columns, MATURITY_LEVELS order): each cell
    coloured and labelled with its share of answers, the median level outlined. Aspects without
    answers are a grey "no data" row, so the grid always has all five."""
    by_aspect = {r.aspect: r for r in results if r.n > 0}
    fig = _figure(MATURITY_SIZE)
    fig.subplots_adjust(left=0.17, right=0.975, top=0.74, bottom=0.05)
    ax = fig.add_subplot()
    if by_aspect:
        subtitle = (
            "Colour and number: share of answers at each level  ·  "
            "outlined: the median level (the lower middle one on a tie)"
        )
    else:
        subtitle = "No maturity answers yet: no aspect has enough answers to show."
    _titles(fig, "Platform maturity", subtitle)
    n_rows, n_cols = len(MATURITY_ASPECTS), len(MATURITY_LEVELS)
    ax.set_xlim(0, n_cols)
    ax.set_ylim(n_rows, 0)
    gap = 0.04
    for row, aspect in enumerate(MATURITY_ASPECTS):
        result = by_aspect.get(aspect)
        if result is None:
            ax.add_patch(
                Rectangle(
                    (gap, row + gap),
                    n_cols - 2 * gap,
                    1 - 2 * gap,
                    facecolor=_NO_DATA,
                    edgecolor="#d0d0d0",
                    hatch="////",
                    linewidth=0,
                )
            )
            ax.text(
                n_cols / 2,
                row + 0.5,
                "no data",
                ha="center",
                va="center",
                fontsize=11,
                fontstyle="italic",
                color=_MUTED,
                bbox={"boxstyle": "round,pad=0.25", "facecolor": _NO_DATA, "edgecolor": "none"},
            )
            continue
        shares = dict(result.shares)
        for col, level in enumerate(MATURITY_LEVELS):
            share = shares.get(level, 0.0)
            ax.add_patch(
                Rectangle(
                    (col + gap, row + gap),
                    1 - 2 * gap,
                    1 - 2 * gap,
                    facecolor=_SHARE_CMAP(share),
                    edgecolor="none",
                )
            )
            median = level == result.median
            ax.text(
                col + 0.5,
                row + (0.42 if median else 0.5),
                _pct(share),
                ha="center",
                va="center",
                fontsize=13 if median else 12,
                fontweight="bold" if median else "normal",
                color="white" if share >= _WHITE_TEXT else _INK,
            )
            if median:
                ax.add_patch(
                    Rectangle(
                        (col + gap, row + gap),
                        1 - 2 * gap,
                        1 - 2 * gap,
                        facecolor="none",
                        edgecolor=_INK,
                        linewidth=2.8,
                        zorder=4,
                    )
                )
                ax.text(
                    col + 0.5,
                    row + 0.74,
                    "median",
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    fontweight="bold",
                    color="white" if share >= _WHITE_TEXT else _INK,
                )
    ax.set_yticks([r + 0.5 for r in range(n_rows)])
    ax.set_yticklabels(
        [
            f"{_label(a)}\n{_plural(by_aspect[a].n, 'answer')}" if a in by_aspect else _label(a)
            for a in MATURITY_ASPECTS
        ],
        fontsize=11,
        color=_INK,
    )
    ax.set_xticks([c + 0.5 for c in range(n_cols)])
    ax.set_xticklabels([_label(level) for level in MATURITY_LEVELS], fontsize=11, color=_INK)
    ax.xaxis.tick_top()
    ax.tick_params(length=0, pad=6)
    ax.set_xlabel("less mature  →  more mature", fontsize=9, color=_MUTED, labelpad=8)
    ax.xaxis.set_label_position("top")
    _plain(ax)
    return _png(fig)


def maturity_alt(results: Sequence[MaturityResult]) -> str:
    shown = [r for r in results if r.n > 0]
    if not shown:
        return "Platform maturity heatmap: no answers yet."
    medians = "; ".join(f"{_label(r.aspect)}: {_label(r.median)}" for r in shown)
    return f"Platform maturity heatmap, share of answers per level and aspect. Medians: {medians}."


# --------------------------------------------------------------------------- culture


def render_culture_bar(result: CultureResult) -> bytes:
    """One horizontal bar per culture stage (CULTURE_STAGES order, top to bottom) with its share
    and count; the most common stage in a strong colour."""
    title = "Team culture"
    if result.n == 0:
        return _message(CULTURE_SIZE, title, "No culture answers yet.")
    shares = dict(result.shares)
    values = [shares.get(stage, 0.0) for stage in CULTURE_STAGES]
    fig = _figure(CULTURE_SIZE)
    fig.subplots_adjust(left=0.25, right=0.96, top=0.76, bottom=0.06)
    ax = fig.add_subplot()
    _titles(
        fig,
        title,
        f"{_plural(result.n, 'answer')}  ·  most common: {_label(result.most_common)}  ·  "
        "stages from lowest to highest; teams move up one at a time",
    )
    rows = range(len(CULTURE_STAGES))
    colours = [_ACCENT if s == result.most_common else _SOFT for s in CULTURE_STAGES]
    ax.barh(list(rows), [v * 100 for v in values], height=0.68, color=colours)
    ax.set_ylim(len(CULTURE_STAGES) - 0.5, -0.5)
    ax.set_xlim(0, max(max(values) * 100 * 1.3, 10))
    for row, (stage, share) in enumerate(zip(CULTURE_STAGES, values, strict=True)):
        top = stage == result.most_common
        text = f"{_pct(share)}  ({round(share * result.n):,})"
        ax.text(
            share * 100,
            row,
            "  " + text,
            ha="left",
            va="center",
            fontsize=11,
            fontweight="bold" if top else "normal",
            color=_ACCENT if top else _INK,
        )
    ax.set_yticks(list(rows))
    ax.set_yticklabels([_label(s) for s in CULTURE_STAGES], fontsize=11, color=_INK)
    for tick, stage in zip(ax.get_yticklabels(), CULTURE_STAGES, strict=True):
        if stage == result.most_common:
            tick.set_fontweight("bold")
    ax.set_xticks([])
    ax.tick_params(length=0, pad=8)
    _plain(ax, keep=("left",))
    return _png(fig)


def culture_alt(result: CultureResult) -> str:
    if result.n == 0:
        return "Team culture: no answers yet."
    shares = ", ".join(f"{_label(stage)} {_pct(share)}" for stage, share in result.shares)
    return (
        f"Team culture, {_plural(result.n, 'answer')}; most common stage: "
        f"{_label(result.most_common)}. Shares: {shares}."
    )


# --------------------------------------------------------------------------- journey


def render_journey_funnel(result: JourneyResult) -> bytes:
    """A centred funnel of ``result.funnel`` (people at this step or later) in JOURNEY_STEPS order,
    each bar with its count and share of all answers; how many are at exactly that step on the
    right."""
    title = "Platform journey"
    if result.n == 0:
        return _message(JOURNEY_SIZE, title, "No journey answers yet.")
    funnel = dict(result.funnel)
    here = dict(result.counts)
    values = [funnel.get(step, 0) for step in JOURNEY_STEPS]
    widest = max(max(values), 1)
    fig = _figure(JOURNEY_SIZE)
    fig.subplots_adjust(left=0.12, right=0.83, top=0.76, bottom=0.06)
    ax = fig.add_subplot()
    _titles(
        fig,
        title,
        f"{_plural(result.n, 'answer')}  ·  bars: people at this step or further along",
    )
    height = 0.66
    rows = list(range(len(JOURNEY_STEPS)))
    lefts = [(widest - v) / 2 for v in values]
    ax.barh(rows, values, left=lefts, height=height, color=_FUNNEL)
    # Soft trapezoids between the bars make it read as one funnel.
    for row in rows[:-1]:
        a0, a1 = lefts[row], lefts[row] + values[row]
        b0, b1 = lefts[row + 1], lefts[row + 1] + values[row + 1]
        y0, y1 = row + height / 2, row + 1 - height / 2
        ax.add_patch(
            Polygon(
                [(a0, y0), (a1, y0), (b1, y1), (b0, y1)],
                closed=True,
                facecolor=_FUNNEL,
                alpha=0.25,
                linewidth=0,
            )
        )
    for row, value in zip(rows, values, strict=True):
        text = f"{value:,}  ({_pct(value / result.n)})"
        inside = value / widest >= 0.3
        ax.text(
            widest / 2 if inside else lefts[row] + value + widest * 0.015,
            row,
            text,
            ha="center" if inside else "left",
            va="center",
            fontsize=11,
            fontweight="bold",
            color=_INK,
        )
    ax.set_xlim(-widest * 0.02, widest * 1.02)
    ax.set_ylim(len(JOURNEY_STEPS) - 0.5, -0.5)
    ax.set_yticks(rows)
    ax.set_yticklabels([_label(s) for s in JOURNEY_STEPS], fontsize=11, color=_INK)
    ax.set_xticks([])
    ax.tick_params(length=0, pad=8)
    _plain(ax)
    # Right margin: how many stopped at exactly this step.
    for row, step in enumerate(JOURNEY_STEPS):
        ax.annotate(
            f"{here.get(step, 0):,} at this step",
            xy=(1.0, row),
            xycoords=("axes fraction", "data"),
            xytext=(12, 0),
            textcoords="offset points",
            ha="left",
            va="center",
            fontsize=9.5,
            color=_MUTED,
        )
    return _png(fig)


def journey_alt(result: JourneyResult) -> str:
    if result.n == 0:
        return "Platform journey funnel: no answers yet."
    steps = ", ".join(f"{_label(step)} {count:,}" for step, count in result.funnel)
    return (
        f"Platform journey funnel, {_plural(result.n, 'answer')}; people at each step or "
        f"later: {steps}."
    )
