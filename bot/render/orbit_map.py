"""The orbit map: every active member on love × reach, as a PNG, optionally with arrows from
where members who changed quadrant stood in the previous snapshot.

Uses ``Figure`` + ``FigureCanvasAgg`` directly (never ``pyplot``) so rendering is headless and
safe to call from the bot's worker threads without sharing global pyplot state.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, FuncFormatter
from matplotlib.transforms import Bbox, Transform

from bot.core.digest import Position
from bot.core.summary import MemberScore, OrbitSummary, Quadrant

#: Okabe-Ito colours: distinguishable with the common kinds of colour blindness.
QUADRANT_COLOURS: dict[Quadrant, str] = {
    Quadrant.MULTIPLIER: "#D55E00",  # vermillion
    Quadrant.FAN: "#009E73",  # bluish green
    Quadrant.SCEPTIC: "#0072B2",  # blue
    Quadrant.OBSERVER: "#8C8C8C",  # grey: the quiet majority should not shout
}

#: Plural display names, also used by the text renderers.
QUADRANT_TITLES: dict[Quadrant, str] = {
    Quadrant.MULTIPLIER: "Multipliers",
    Quadrant.FAN: "Fans",
    Quadrant.SCEPTIC: "Sceptics",
    Quadrant.OBSERVER: "Observers",
}

Segment = tuple[float, float, float, float]

WIDTH_IN, HEIGHT_IN, DPI = 10.0, 7.0, 100
MAX_LABELLED = 5
MAX_ARROWS = 40
MAX_LABEL_CHARS = 24
_LINTHRESH = 1.0
_LINSCALE = 0.6
_INK = "#222222"
_MUTED = "#666666"
# Draw the crowd first so the interesting quadrants sit on top.
_DRAW_ORDER = (Quadrant.OBSERVER, Quadrant.FAN, Quadrant.SCEPTIC, Quadrant.MULTIPLIER)
# Corner of the axes (in axes fractions) and text alignment for each quadrant's name.
_CORNERS: dict[Quadrant, tuple[float, float, str, str]] = {
    Quadrant.MULTIPLIER: (0.985, 0.975, "right", "top"),
    Quadrant.SCEPTIC: (0.015, 0.975, "left", "top"),
    Quadrant.FAN: (0.985, 0.025, "right", "bottom"),
    Quadrant.OBSERVER: (0.015, 0.025, "left", "bottom"),
}


@dataclass(frozen=True, slots=True)
class _Candidate:
    """One place to try a label: offset from the point (points) and the text alignment."""

    dx: float
    dy: float
    ha: str
    va: str
    dist: float


def _label_candidates() -> tuple[_Candidate, ...]:
    """Rings of positions around a point, nearest first, the text leaning away from it."""
    found = []
    for radius in (12.0, 26.0, 44.0, 66.0, 90.0):
        for step in range(12):
            angle = math.radians(45 + 30 * step)
            dx, dy = radius * math.cos(angle), radius * math.sin(angle)
            ha = "left" if dx > 3 else "right" if dx < -3 else "center"
            va = "bottom" if dy > 3 else "top" if dy < -3 else "center"
            found.append(_Candidate(round(dx, 1), round(dy, 1), ha, va, radius))
    return tuple(found)


_CANDIDATES = _label_candidates()


@dataclass(frozen=True, slots=True)
class Move:
    """A member drawn with an arrow: where they stood before, and where they are now."""

    member: MemberScore
    before: Position


def render_orbit_map(
    summary: OrbitSummary,
    previous: Mapping[str, Position] | None = None,
    *,
    previous_as_of: date | None = None,
) -> bytes:
    """Render the orbit map of ``summary`` as PNG bytes (WIDTH_IN × HEIGHT_IN at DPI).

    With ``previous`` (member id → position in the previous snapshot), every plotted member whose
    quadrant changed gets a thin arrow from the old point to the new one, coloured by the new
    quadrant: at most MAX_ARROWS, the longest moves on screen first. ``previous_as_of`` (the
    previous snapshot's date) only goes into the caption.
    """
    fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)  # Attaches itself to ``fig``: Agg for this figure only.
    # Fixed margins (no tight bbox) so the PNG is always exactly 1000 × 700 pixels.
    fig.subplots_adjust(left=0.08, right=0.975, top=0.86, bottom=0.13)
    ax = fig.add_subplot()

    active = summary.active
    _set_scales(ax)
    moves = _moves(ax, active, previous) if previous is not None else []
    shown = moves[:MAX_ARROWS]
    _setup_axes(ax, summary, active, [m.before for m in shown])
    _plot_points(ax, active)
    arrows = _draw_arrows(ax, shown)
    obstacles = _draw_thresholds(ax, summary) + _draw_quadrant_names(ax, summary)
    _draw_titles(fig, summary, len(active))
    if previous is not None:
        _draw_arrow_caption(fig, len(moves), len(shown), previous_as_of)
    if not active:
        ax.text(
            0.5,
            0.5,
            "No active members in this window",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=14,
            color=_MUTED,
        )
    labelled = [m for m in summary.multipliers if not m.silent][:MAX_LABELLED]
    if labelled:
        fig.canvas.draw()  # Text extents are only known after a draw.
        _label_members(ax, labelled, active, obstacles, arrows)

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, facecolor="white")
    return buf.getvalue()


def orbit_map_alt(
    summary: OrbitSummary,
    previous: Mapping[str, Position] | None = None,
    previous_as_of: date | None = None,
) -> str:
    """One sentence for the map's alt text, naming the arrows when there are any."""
    text = "Orbit map: members by love and reach"
    if previous is None:
        return text
    moved = sum(
        1
        for m in summary.active
        if (before := previous.get(m.id)) is not None and before.quadrant != m.quadrant
    )
    when = f"since {previous_as_of.isoformat()}" if previous_as_of else "since the last snapshot"
    if not moved:
        return f"{text}; nobody changed orbit {when}"
    noun = "member who" if moved == 1 else "members who"
    shown = "" if moved <= MAX_ARROWS else f" (the {MAX_ARROWS} longest moves)"
    return f"{text}, with arrows for the {moved:,} {noun} changed orbit {when}{shown}"


def _set_scales(ax: Axes) -> None:
    """Symlog axes: linear near 0 (scores are often 0), logarithmic for the long tail."""
    ax.set_xscale("symlog", linthresh=_LINTHRESH, linscale=_LINSCALE)
    ax.set_yscale("symlog", linthresh=_LINTHRESH, linscale=_LINSCALE)


def _moves(ax: Axes, active: Sequence[MemberScore], previous: Mapping[str, Position]) -> list[Move]:
    """Plotted members whose quadrant changed since ``previous``, the longest moves first.

    Lengths are measured on the symlog scales (independent of the limits), i.e. as the eye sees
    them; ties keep the summary's order (biggest scores first).
    """
    moves = [
        Move(m, before)
        for m in active
        if (before := previous.get(m.id)) is not None and before.quadrant != m.quadrant
    ]
    if not moves:
        return []
    x_scale, y_scale = ax.xaxis.get_transform(), ax.yaxis.get_transform()
    olds = np.array([(mv.before.love, mv.before.reach) for mv in moves], dtype=float)
    news = np.array([(mv.member.love, mv.member.reach) for mv in moves], dtype=float)
    dx = x_scale.transform(news[:, 0]) - x_scale.transform(olds[:, 0])
    dy = y_scale.transform(news[:, 1]) - y_scale.transform(olds[:, 1])
    lengths = np.hypot(dx, dy)
    order = sorted(range(len(moves)), key=lambda i: -float(lengths[i]))
    return [moves[i] for i in order]


def _setup_axes(
    ax: Axes,
    summary: OrbitSummary,
    active: Sequence[MemberScore],
    tails: Sequence[Position] = (),
) -> None:
    """Limits, ticks and labels of the (already symlog) axes; ``tails`` are arrow starts."""
    # Room for at least three times each threshold, so both lines sit well inside the plot.
    max_love = max([3 * summary.thresholds.love, *(m.love for m in active), 10.0])
    max_reach = max([3 * summary.thresholds.reach, *(m.reach for m in active), 10.0])
    max_love = max([max_love, *(t.love for t in tails)])
    max_reach = max([max_reach, *(t.reach for t in tails)])
    # Bands above and below the data (in screen space) keep the corner quadrant names off the
    # points; a little room left of 0 keeps members with no love off the spine.
    ax.set_xlim(*_padded_limits(ax.xaxis.get_transform(), max_love, below=0.03, above=0.06))
    ax.set_ylim(*_padded_limits(ax.yaxis.get_transform(), max_reach, below=0.09, above=0.11))
    for axis, top in ((ax.xaxis, max_love), (ax.yaxis, max_reach)):
        decades = [10.0**k for k in range(math.ceil(math.log10(top * 3)) + 1)]
        axis.set_major_locator(FixedLocator([0.0, *decades]))
        axis.set_minor_locator(FixedLocator([d * k for d in decades for k in range(2, 10)]))
        axis.set_major_formatter(FuncFormatter(_tick_label))
    ax.set_xlabel("Love  (engagement) →", fontsize=11, color=_INK)
    ax.set_ylabel("Reach  (others they pull along) →", fontsize=11, color=_INK)
    ax.tick_params(colors=_MUTED, labelsize=9)
    ax.tick_params(which="minor", length=2)
    ax.grid(True, which="major", color="#e6e6e6", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#bbbbbb")


def _padded_limits(
    transform: Transform, top: float, *, below: float, above: float
) -> tuple[float, float]:
    """Axis limits from 0 to ``top`` with ``below``/``above`` fractions of empty screen space."""
    lo, hi = (float(v) for v in transform.transform([0.0, top]))
    span = (hi - lo) / (1.0 - below - above)
    inverse = transform.inverted()
    start, end = (float(v) for v in inverse.transform([lo - below * span, hi + above * span]))
    return start, end


def _tick_label(value: float, _pos: int | None) -> str:
    """Plain numbers (0, 1, 10, 100, 1k) rather than 10^x: this is read by non-statisticians."""
    if value < 0:
        return ""
    if value >= 1000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


def _plot_points(ax: Axes, active: Sequence[MemberScore]) -> None:
    """Scatter by quadrant; smaller, fainter, rasterized markers as the crowd grows."""
    n = len(active)
    if n == 0:
        return
    if n <= 60:
        size, alpha, edge = 46.0, 0.9, 0.7
    elif n <= 1_000:
        size, alpha, edge = 22.0, 0.75, 0.4
    elif n <= 10_000:
        size, alpha, edge = 7.0, 0.4, 0.0
    else:
        size, alpha, edge = 3.0, 0.25, 0.0
    for quadrant in _DRAW_ORDER:
        members = [m for m in active if m.quadrant == quadrant]
        if not members:
            continue
        ax.scatter(
            [m.love for m in members],
            [m.reach for m in members],
            s=size,
            c=QUADRANT_COLOURS[quadrant],
            alpha=alpha,
            edgecolors="white" if edge else "none",
            linewidths=edge,
            rasterized=n > 2_000,
            zorder=3,
        )


def _draw_arrows(ax: Axes, moves: Sequence[Move]) -> list[Segment]:
    """A thin arrow per move, coloured by the new quadrant; returns them in display space."""
    segments: list[Segment] = []
    if not moves:
        return segments
    # Tails are marked with a small hollow ring so the eye can tell where a move started.
    ax.scatter(
        [mv.before.love for mv in moves],
        [mv.before.reach for mv in moves],
        s=14,
        facecolors="white",
        edgecolors=[QUADRANT_COLOURS[mv.member.quadrant] for mv in moves],
        linewidths=0.9,
        zorder=3.4,
    )
    for mv in moves:
        colour = QUADRANT_COLOURS[mv.member.quadrant]
        ax.annotate(
            "",
            xy=(mv.member.love, mv.member.reach),
            xytext=(mv.before.love, mv.before.reach),
            arrowprops={
                "arrowstyle": "-|>,head_length=0.45,head_width=0.22",
                "color": colour,
                "linewidth": 0.9,
                "alpha": 0.8,
                "shrinkA": 2.5,
                "shrinkB": 3.5,
                "mutation_scale": 12,
                # A gentle bend keeps moves along the same line (often reach 0) apart.
                "connectionstyle": "arc3,rad=0.12",
            },
            zorder=3.5,
            annotation_clip=False,
        )
    ends = ax.transData.transform(
        np.array(
            [(mv.before.love, mv.before.reach, mv.member.love, mv.member.reach) for mv in moves],
            dtype=float,
        ).reshape(-1, 2)
    ).reshape(-1, 4)
    segments.extend((float(a), float(b), float(c), float(d)) for a, b, c, d in ends)
    return segments


def _draw_arrow_caption(fig: Figure, moved: int, shown: int, since: date | None) -> None:
    """The arrows' legend, bottom left (the silent-member caption is bottom right)."""
    # Short: it shares the bottom line with the silent-member caption.
    when = f"since {since.isoformat()}" if since else "since the last snapshot"
    if not moved:
        text = f"Nobody changed orbit {when}"
    else:
        text = f"→  {moved:,} changed orbit {when}"
        if shown < moved:
            text += f" · {shown} longest drawn"
    fig.text(0.08, 0.02, text, fontsize=9, color=_MUTED, ha="left", va="bottom", parse_math=False)


def _draw_thresholds(ax: Axes, summary: OrbitSummary) -> list[Text]:
    """The two lines that split the map into quadrants, each labelled with its value."""
    t = summary.thresholds
    for line in (ax.axvline(t.love), ax.axhline(t.reach)):
        line.set(color="#444444", linestyle=(0, (5, 3)), linewidth=1.2, zorder=2)
    # Love's label sits just above the plot; reach's at the right end of its line, where the
    # headroom of the log scale leaves the fewest points.
    love_label = ax.annotate(
        f"love threshold {_num(t.love)}",
        xy=(t.love, 1.0),
        xycoords=("data", "axes fraction"),
        xytext=(0, 3),
        textcoords="offset points",
        ha="center",
        va="bottom",
        fontsize=9,
        color="#444444",
    )
    reach_label = ax.annotate(
        f"reach threshold {_num(t.reach)}",
        xy=(1.0, t.reach),
        xycoords=("axes fraction", "data"),
        xytext=(-2, 3),
        textcoords="offset points",
        ha="right",
        va="bottom",
        fontsize=9,
        color="#444444",
        bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": "none", "alpha": 0.8},
        zorder=4,
    )
    return [love_label, reach_label]


def _draw_quadrant_names(ax: Axes, summary: OrbitSummary) -> list[Text]:
    """Quadrant names with their counts, in the corner of the axes inside each quadrant."""
    texts: list[Text] = []
    for quadrant, (x, y, ha, va) in _CORNERS.items():
        count = summary.counts.get(quadrant.value, 0)
        texts.append(
            ax.text(
                x,
                y,
                f"{QUADRANT_TITLES[quadrant]} ({count:,})",
                transform=ax.transAxes,
                ha=ha,
                va=va,
                fontsize=13,
                fontweight="bold",
                color=QUADRANT_COLOURS[quadrant],
                bbox={
                    "boxstyle": "round,pad=0.3",
                    "facecolor": "white",
                    "edgecolor": "none",
                    "alpha": 0.8,
                },
                zorder=5,
            )
        )
    return texts


def _draw_titles(fig: Figure, summary: OrbitSummary, n_active: int) -> None:
    """Title (date, channel), subtitle (window, who is plotted) and the silent-member caption."""
    title = f"Community orbit — {summary.as_of.isoformat()}"
    if summary.channel:
        title += f"  ·  {_channel(summary.channel)}"
    fig.text(
        0.08, 0.955, title, fontsize=16, fontweight="bold", color=_INK, va="top", parse_math=False
    )
    noun = "member" if n_active == 1 else "members"
    subtitle = (
        f"{n_active:,} active {noun} over the last {summary.window_days} days"
        "  ·  symlog axes (linear near 0, logarithmic beyond)"
    )
    fig.text(0.08, 0.905, subtitle, fontsize=10, color=_MUTED, va="top")
    silent = summary.counts.get("silent", 0)
    noun = "member" if silent == 1 else "members"
    caption = (
        f"{silent:,} silent {noun} not shown (counted among Observers)"
        if silent
        else "No silent members"
    )
    fig.text(0.975, 0.02, caption, fontsize=9, color=_MUTED, ha="right", va="bottom")


def _label_members(
    ax: Axes,
    members: Sequence[MemberScore],
    active: Sequence[MemberScore],
    obstacles: list[Text],
    arrows: Sequence[Segment] = (),
) -> None:
    """Name the top multipliers where a label hides no other text and as few points (and movement
    arrows) as possible.

    Candidate boxes are computed arithmetically from the measured text size, so the cost is a
    few vectorised point counts per label, even for 100,000 members.
    """
    ax_box = ax.get_window_extent()
    label_boxes = [o.get_window_extent().padded(4) for o in obstacles]
    points = ax.transData.transform(np.array([(m.love, m.reach) for m in active], dtype=float))
    anchors = ax.transData.transform(np.array([(m.love, m.reach) for m in members], dtype=float))
    # The labelled points themselves must stay visible.
    rings = [Bbox.from_extents(x - 7, y - 7, x + 7, y + 7) for x, y in anchors]
    leaders: list[Segment] = []
    px_per_pt = ax.figure.dpi / 72.0
    # Redraw the labelled points solid and ringed: in a crowd of faint dots they must stand out.
    ax.scatter(
        [m.love for m in members],
        [m.reach for m in members],
        s=60,
        c=QUADRANT_COLOURS[Quadrant.MULTIPLIER],
        edgecolors=_INK,
        linewidths=1.2,
        zorder=4,
    )
    for i, (member, (x, y)) in enumerate(zip(members, anchors, strict=True)):
        name = member.name
        if len(name) > MAX_LABEL_CHARS:
            name = name[: MAX_LABEL_CHARS - 1] + "…"
        probe = ax.text(0, 0, name, fontsize=10, fontweight="bold", parse_math=False)
        extent = probe.get_window_extent()
        probe.remove()
        pad = 5.0  # The rounded box around the text, plus a little air.
        width, height = extent.width + 2 * pad, extent.height + 2 * pad
        best: tuple[float, _Candidate, Bbox, Segment] | None = None
        for cand in _CANDIDATES:
            ox, oy = x + cand.dx * px_per_pt, y + cand.dy * px_per_pt
            x0 = {"left": ox - pad, "right": ox - width + pad, "center": ox - width / 2}[cand.ha]
            y0 = {"bottom": oy - pad, "top": oy - height + pad, "center": oy - height / 2}[cand.va]
            box = Bbox.from_bounds(x0, y0, width, height)
            clash = any(box.overlaps(other) for other in (*label_boxes, *rings))
            outside = not (
                ax_box.x0 <= box.x0
                and box.x1 <= ax_box.x1
                and ax_box.y0 <= box.y0
                and box.y1 <= ax_box.y1
            )
            hidden = int(
                np.count_nonzero(
                    (points[:, 0] >= box.x0)
                    & (points[:, 0] <= box.x1)
                    & (points[:, 1] >= box.y0)
                    & (points[:, 1] <= box.y1)
                )
            )
            # Annotation leaders run from the point towards the middle of the label.
            leader = (float(x), float(y), x0 + width / 2, y0 + height / 2)
            tangled = (
                sum(_segments_cross(leader, other) for other in leaders)
                + sum(_segment_hits_box(leader, other) for other in label_boxes)
                + sum(_segment_hits_box(leader, r) for j, r in enumerate(rings) if j != i)
            )
            crossed = sum(_segment_hits_box(arrow, box) for arrow in arrows)
            cost = (
                1e6 * clash
                + 1e5 * outside
                + 1e3 * tangled
                + min(hidden, 50) * 4
                + 30 * crossed
                + cand.dist
            )
            if best is None or cost < best[0]:
                best = (cost, cand, box, leader)
        assert best is not None
        _, cand, box, leader = best
        label_boxes.append(box)
        leaders.append(leader)
        ax.annotate(
            name,
            xy=(member.love, member.reach),
            xytext=(cand.dx, cand.dy),
            textcoords="offset points",
            ha=cand.ha,
            va=cand.va,
            fontsize=10,
            fontweight="bold",
            color=_INK,
            parse_math=False,
            bbox={
                "boxstyle": "round,pad=0.25",
                "facecolor": "white",
                "edgecolor": QUADRANT_COLOURS[Quadrant.MULTIPLIER],
                "linewidth": 0.8,
                "alpha": 0.92,
            },
            arrowprops={
                "arrowstyle": "-",
                "color": _INK,
                "linewidth": 0.7,
                "shrinkA": 0,
                "shrinkB": 4,
            },
            zorder=6,
        )


def _segments_cross(a: Segment, b: Segment) -> bool:
    """Whether two leader lines properly intersect (so the eye can't tell whose name is whose)."""

    def side(p: tuple[float, float], q: tuple[float, float], r: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])

    p1, p2, p3, p4 = (a[0], a[1]), (a[2], a[3]), (b[0], b[1]), (b[2], b[3])
    return side(p3, p4, p1) * side(p3, p4, p2) < 0 and side(p1, p2, p3) * side(p1, p2, p4) < 0


def _segment_hits_box(seg: Segment, box: Bbox) -> bool:
    """Whether a leader line runs through (or ends inside) another label's box."""
    if box.contains(seg[2], seg[3]):
        return True
    corners = [(box.x0, box.y0), (box.x1, box.y0), (box.x1, box.y1), (box.x0, box.y1)]
    return any(_segments_cross(seg, (*corners[i], *corners[(i + 1) % 4])) for i in range(4))


def _num(value: float) -> str:
    """Scores at one decimal, without a trailing ``.0``."""
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def _channel(channel: str) -> str:
    return channel if channel.startswith("#") else f"#{channel}"
