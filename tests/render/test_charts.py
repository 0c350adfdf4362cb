"""The pictures: orbit-map movement arrows, quadrant history and the survey charts, and how
``write_reports`` writes and embeds them. Every PNG is opened (Pillow) and looked at as pixels.

Survey results are built the real way: the shipped question sets, anonymous answers, ``tally``,
``summarize`` and ``build_overview``.
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bot.core.digest import CountsPoint, Position
from bot.core.questions import MATURITY_LEVELS, QuestionSet
from bot.core.summary import MemberScore, OrbitSummary, Quadrant
from bot.core.surveys import (
    Answer,
    CultureResult,
    JourneyResult,
    MaturityResult,
    RunResults,
    RunView,
    SurveyOverview,
    build_overview,
    summarize,
    tally,
)
from bot.prompts import SHIPPED, load_question_sets
from bot.render import (
    CHART_FILES,
    Picture,
    charts,
    render_culture_bar,
    render_html,
    render_journey_funnel,
    render_maturity_heatmap,
    render_orbit_map,
    render_quadrant_history,
    write_reports,
)
from bot.render.orbit_map import MAX_ARROWS, QUADRANT_COLOURS, orbit_map_alt
from tests.render.test_render import THRESHOLDS, make_summary

DATA_URI = "data:image/png;base64,"
START = datetime(2025, 3, 1, 9, 0)
# Pixel rows and columns inside the orbit map's axes (see its fixed subplots_adjust).
AXES = (slice(100, 605), slice(82, 973))


# --- helpers ---------------------------------------------------------------------------------


def pixels(png: bytes, size: tuple[int, int]) -> np.ndarray:
    """The PNG as an RGB array, after checking it opens and is ``size`` (width, height)."""
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == size
    return np.asarray(image.convert("RGB"), dtype=float) / 255


def not_blank(image: np.ndarray) -> bool:
    return float(image.var()) > 1e-3


def count_colour(image: np.ndarray, hex_colour: str, tolerance: float = 0.04) -> int:
    """How many pixels are (nearly) ``hex_colour``."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255
    return int((np.abs(image - rgb).max(axis=-1) < tolerance).sum())


def changed(a: np.ndarray, b: np.ndarray) -> int:
    """How many pixels differ between two images of the same size."""
    return int((np.abs(a - b).max(axis=-1) > 0.05).sum())


@pytest.fixture(scope="module")
def sets() -> dict[str, QuestionSet]:
    return load_question_sets([SHIPPED])


def framework(
    sets: dict[str, QuestionSet], set_id: str, question_id: str, values: Sequence[str]
) -> MaturityResult | CultureResult | JourneyResult:
    question = sets[set_id].question(question_id)
    assert question is not None
    result = tally(question, [Answer(question_id, v) for v in values]).framework
    assert result is not None
    return result


def maturity(sets: dict[str, QuestionSet], aspect: str, values: Sequence[str]) -> MaturityResult:
    result = framework(sets, "maturity", aspect, values)
    assert isinstance(result, MaturityResult)
    return result


def culture(sets: dict[str, QuestionSet], values: Sequence[str]) -> CultureResult:
    result = framework(sets, "culture", "team_statement", values)
    assert isinstance(result, CultureResult)
    return result


def journey(sets: dict[str, QuestionSet], values: Sequence[str]) -> JourneyResult:
    result = framework(sets, "journey", "journey_step", values)
    assert isinstance(result, JourneyResult)
    return result


def points(*counts: tuple[int, int, int, int, int]) -> list[CountsPoint]:
    """Weekly CountsPoints from (multiplier, fan, sceptic, observer, silent) tuples."""
    keys = ("multiplier", "fan", "sceptic", "observer", "silent")
    return [
        CountsPoint(date(2025, 1, 6) + timedelta(weeks=i), dict(zip(keys, c, strict=True)))
        for i, c in enumerate(counts)
    ]


HISTORY = points((3, 10, 4, 120, 60), (4, 12, 4, 118, 58), (5, 12, 6, 117, 55), (7, 15, 5, 115, 50))


def closed_run(
    run_id: int, qset: QuestionSet, answered: dict[str, list[str]], *, days: int
) -> RunResults:
    """A closed run of ``qset`` answering the questions of ``answered``."""
    opened = START + timedelta(days=days)
    by_question = {q: [Answer(q, v) for v in values] for q, values in answered.items()}
    respondents = max(len(v) for v in answered.values())
    view = RunView(
        run_id=run_id,
        channel="dev-help",
        qset=qset,
        questions=tuple(q for q in qset.questions if q.id in answered),
        opened_at=opened,
        closes_at=opened + timedelta(days=2),
        closed=True,
        respondents=respondents,
    )
    results = summarize(qset, by_question, min_respondents=5)
    return RunResults(view, results, respondents, audience=20)


@pytest.fixture(scope="module")
def overview(sets: dict[str, QuestionSet]) -> SurveyOverview:
    """An overview with every framework reading (two maturity aspects)."""
    runs = [
        closed_run(
            1,
            sets["maturity"],
            {
                "investment": ["provisional", "operational", "operational", "scalable", "scalable"],
                "adoption": ["scalable", "optimizing", "scalable", "operational", "optimizing"],
            },
            days=0,
        ),
        closed_run(
            2,
            sets["culture"],
            {"team_statement": ["were_great", "im_great", "were_great", "im_great", "were_great"]},
            days=1,
        ),
        closed_run(
            3,
            sets["journey"],
            {"journey_step": ["learn", "discover", "build", "learn", "build", "scale"]},
            days=2,
        ),
    ]
    return build_overview(runs, min_respondents=5)


# --- quadrant history ------------------------------------------------------------------------


def test_quadrant_history_is_a_picture_of_every_quadrant() -> None:
    image = pixels(render_quadrant_history(HISTORY), (1000, 600))
    assert not_blank(image)
    for quadrant, colour in QUADRANT_COLOURS.items():
        assert count_colour(image, colour) > 100, quadrant
    assert count_colour(image, charts.SILENT_COLOUR) > 20  # the dashed silent line


def test_quadrant_history_differs_with_the_data() -> None:
    more = points(
        *((m, f, s, o + 30, q) for m, f, s, o, q in ((3, 10, 4, 120, 60), (9, 2, 8, 80, 10)))
    )
    a = pixels(render_quadrant_history(HISTORY), (1000, 600))
    b = pixels(render_quadrant_history(more), (1000, 600))
    assert changed(a, b) > 1000


def test_quadrant_history_sorts_its_points() -> None:
    assert render_quadrant_history(HISTORY[::-1]) == render_quadrant_history(HISTORY)


@pytest.mark.parametrize("n", [0, 1])
def test_quadrant_history_with_too_few_points_says_so(n: int) -> None:
    image = pixels(render_quadrant_history(HISTORY[:n]), (1000, 600))
    assert not_blank(image)  # a title and a message, not an empty canvas
    # No lines: none of the quadrant colours is drawn.
    assert count_colour(image, QUADRANT_COLOURS[Quadrant.MULTIPLIER]) == 0
    assert render_quadrant_history(HISTORY[:n]) != render_quadrant_history(HISTORY[:2])


def test_one_point_message_differs_from_no_points() -> None:
    assert render_quadrant_history(HISTORY[:1]) != render_quadrant_history([])


def test_quadrant_history_alt_text() -> None:
    alt = charts.quadrant_history_alt(HISTORY)
    assert "2025-01-06" in alt
    assert "multipliers 3 → 7" in alt
    assert charts.quadrant_history_alt(HISTORY[:1]).endswith("not enough snapshots yet.")


# --- maturity heatmap ------------------------------------------------------------------------


def test_maturity_heatmap_is_a_picture(sets: dict[str, QuestionSet]) -> None:
    results = [
        maturity(sets, "investment", ["provisional", "operational", "scalable", "scalable"]),
        maturity(sets, "operations", ["optimizing"] * 3 + ["scalable"]),
    ]
    image = pixels(render_maturity_heatmap(results), (1000, 500))
    assert not_blank(image)
    assert count_colour(image, charts._INK, tolerance=0.02) > 400  # the median outlines


def test_maturity_heatmap_differs_with_the_answers(sets: dict[str, QuestionSet]) -> None:
    a = [maturity(sets, "investment", ["provisional"] * 4 + ["scalable"])]
    b = [maturity(sets, "investment", ["optimizing"] * 4 + ["scalable"])]
    assert (
        changed(
            pixels(render_maturity_heatmap(a), (1000, 500)),
            pixels(render_maturity_heatmap(b), (1000, 500)),
        )
        > 1000
    )


def test_maturity_heatmap_marks_the_median() -> None:
    shares = tuple(zip(MATURITY_LEVELS, (0.25, 0.25, 0.25, 0.25), strict=True))
    low = MaturityResult("adoption", 4, "operational", shares)
    high = MaturityResult("adoption", 4, "scalable", shares)
    assert render_maturity_heatmap([low]) != render_maturity_heatmap([high])


def test_maturity_heatmap_shows_missing_aspects_as_no_data(sets: dict[str, QuestionSet]) -> None:
    one = [maturity(sets, "interfaces", ["scalable", "scalable", "operational"])]
    every = [
        maturity(sets, aspect, ["scalable", "scalable", "operational"])
        for aspect in ("investment", "adoption", "interfaces", "operations", "measurement")
    ]
    grey = charts._NO_DATA
    sparse = pixels(render_maturity_heatmap(one), (1000, 500))
    full = pixels(render_maturity_heatmap(every), (1000, 500))
    # Four grey rows against none.
    assert count_colour(sparse, grey, 0.02) > 4 * count_colour(full, grey, 0.02) + 10_000
    # A result with no answers is no data too, and order of the input does not matter.
    empty = MaturityResult("investment", 0, None, tuple((lv, 0.0) for lv in MATURITY_LEVELS))
    assert render_maturity_heatmap([empty, *one]) == render_maturity_heatmap(one)
    assert render_maturity_heatmap(every[::-1]) == render_maturity_heatmap(every)


def test_maturity_heatmap_without_results_renders_a_message() -> None:
    image = pixels(render_maturity_heatmap([]), (1000, 500))
    assert not_blank(image)
    assert count_colour(image, charts._NO_DATA, 0.02) > 100_000
    assert charts.maturity_alt([]) == "Platform maturity heatmap: no answers yet."


# --- culture ---------------------------------------------------------------------------------


def test_culture_bar_highlights_the_most_common_stage(sets: dict[str, QuestionSet]) -> None:
    result = culture(sets, ["were_great", "im_great", "were_great", "life_sucks"])
    assert result.most_common == "were_great"
    image = pixels(render_culture_bar(result), (1000, 450))
    assert not_blank(image)
    assert count_colour(image, charts._ACCENT) > 2000  # the highlighted bar
    assert count_colour(image, charts._SOFT) > 2000  # the others
    assert "most common stage: We're great" in charts.culture_alt(result)


def test_culture_bar_differs_with_the_answers(sets: dict[str, QuestionSet]) -> None:
    a = culture(sets, ["were_great", "im_great", "were_great"])
    b = culture(sets, ["life_is_great", "life_is_great", "my_life_sucks"])
    assert (
        changed(
            pixels(render_culture_bar(a), (1000, 450)), pixels(render_culture_bar(b), (1000, 450))
        )
        > 1000
    )


def test_culture_bar_without_answers_renders_a_message(sets: dict[str, QuestionSet]) -> None:
    image = pixels(render_culture_bar(culture(sets, [])), (1000, 450))
    assert not_blank(image)
    assert count_colour(image, charts._ACCENT) == 0


# --- journey ---------------------------------------------------------------------------------


def test_journey_funnel_is_a_picture(sets: dict[str, QuestionSet]) -> None:
    result = journey(sets, ["discover", "learn", "learn", "build", "scale", "build"])
    assert result.funnel[0] == ("discover", 6)
    image = pixels(render_journey_funnel(result), (1000, 450))
    assert not_blank(image)
    assert count_colour(image, charts._FUNNEL) > 20_000
    assert "Discover 6, Evaluate 5, Learn 5, Build 3, Scale 1" in charts.journey_alt(result)


def test_journey_funnel_width_follows_the_funnel(sets: dict[str, QuestionSet]) -> None:
    early = journey(sets, ["discover"] * 5 + ["scale"])
    late = journey(sets, ["scale"] * 5 + ["discover"])
    a = pixels(render_journey_funnel(early), (1000, 450))
    b = pixels(render_journey_funnel(late), (1000, 450))
    # Everyone far along makes a fuller funnel: more bar colour.
    assert count_colour(b, charts._FUNNEL) > count_colour(a, charts._FUNNEL) + 20_000


def test_journey_funnel_without_answers_renders_a_message(sets: dict[str, QuestionSet]) -> None:
    image = pixels(render_journey_funnel(journey(sets, [])), (1000, 450))
    assert not_blank(image)
    assert count_colour(image, charts._FUNNEL) == 0


# --- all charts: headless and thread-safe ----------------------------------------------------


def test_charts_are_deterministic_and_thread_safe(sets: dict[str, QuestionSet]) -> None:
    jobs: list[Callable[[], bytes]] = [
        partial(render_quadrant_history, HISTORY),
        partial(render_maturity_heatmap, [maturity(sets, "adoption", ["scalable"] * 3)]),
        partial(render_culture_bar, culture(sets, ["were_great", "im_great"])),
        partial(render_journey_funnel, journey(sets, ["learn", "build"])),
    ]
    expected = [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(job) for _ in range(3) for job in jobs]
        results = [f.result() for f in futures]
    assert results == expected * 3
    code = (
        "import sys\n"
        "from bot.render.charts import render_quadrant_history\n"
        "assert render_quadrant_history([]).startswith(b'\\x89PNG')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, timeout=60)


# --- orbit map arrows ------------------------------------------------------------------------


def moved_summary() -> tuple[OrbitSummary, dict[str, Position]]:
    """The standard summary and a previous snapshot in which the sceptic was an observer and one
    fan a multiplier; everyone else where they are now."""
    summary = make_summary()
    previous = {
        m.id: Position(m.love, m.reach, m.quadrant) for m in summary.members if not m.silent
    }
    previous["U6"] = Position(3.0, 2.0, Quadrant.OBSERVER)  # Skeptical Sam, now a sceptic
    previous["U4"] = Position(40.0, 20.0, Quadrant.MULTIPLIER)  # now a fan
    return summary, previous


def test_arrows_are_drawn_for_changed_quadrants() -> None:
    summary, previous = moved_summary()
    plain = pixels(render_orbit_map(summary), (1000, 700))
    arrows = pixels(render_orbit_map(summary, previous), (1000, 700))
    assert changed(plain[AXES], arrows[AXES]) > 100
    # The arrows take the colour of the new quadrant.
    sceptic, fan = QUADRANT_COLOURS[Quadrant.SCEPTIC], QUADRANT_COLOURS[Quadrant.FAN]
    assert count_colour(arrows[AXES], sceptic, 0.1) > count_colour(plain[AXES], sceptic, 0.1)
    assert count_colour(arrows[AXES], fan, 0.1) > count_colour(plain[AXES], fan, 0.1)


def test_no_arrows_without_a_change_of_quadrant() -> None:
    summary, previous = moved_summary()
    same = {
        mid: Position(p.love * 1.5, p.reach, Quadrant(m.quadrant))
        for mid, p in previous.items()
        for m in summary.members
        if m.id == mid
    }
    # Silent members are not plotted, so they get no arrow whatever their old quadrant.
    same["U8"] = Position(30.0, 30.0, Quadrant.MULTIPLIER)
    same["gone"] = Position(30.0, 30.0, Quadrant.MULTIPLIER)  # not in the summary any more
    plain = pixels(render_orbit_map(summary), (1000, 700))
    quiet = pixels(render_orbit_map(summary, same), (1000, 700))
    assert changed(plain[AXES], quiet[AXES]) == 0
    assert changed(plain, quiet) > 0  # only the caption: "Nobody changed orbit …"


def test_arrow_caption_names_the_previous_snapshot() -> None:
    summary, previous = moved_summary()
    dated = render_orbit_map(summary, previous, previous_as_of=date(2025, 3, 7))
    assert dated != render_orbit_map(summary, previous)
    alt = orbit_map_alt(summary, previous, date(2025, 3, 7))
    assert alt.endswith("arrows for the 2 members who changed orbit since 2025-03-07")
    assert orbit_map_alt(summary) == "Orbit map: members by love and reach"


def test_arrow_tails_extend_the_axes() -> None:
    summary, previous = moved_summary()
    previous["U6"] = Position(50_000.0, 3.0, Quadrant.FAN)  # far beyond every current point
    image = pixels(render_orbit_map(summary, previous), (1000, 700))
    plain = pixels(render_orbit_map(summary), (1000, 700))
    # The whole map is rescaled (new ticks, moved points), not just an arrow added.
    assert changed(plain[AXES], image[AXES]) > 2000


def test_at_most_max_arrows_and_big_maps_still_render() -> None:
    members = [
        MemberScore(f"U{i}", f"Member {i}", 20.0 + i, 8.0 + i % 7, Quadrant.MULTIPLIER)
        for i in range(120)
    ]
    summary = make_summary(members)
    previous = {m.id: Position(1.0 + m.love / 40, 0.5, Quadrant.OBSERVER) for m in members}
    image = pixels(render_orbit_map(summary, previous), (1000, 700))
    assert not_blank(image)
    alt = orbit_map_alt(summary, previous)
    assert f"the 120 members who changed orbit since the last snapshot (the {MAX_ARROWS}" in alt


def test_platform_team_never_gets_an_arrow() -> None:
    summary, previous = moved_summary()
    assert {t.id for t in summary.team}.isdisjoint(m.id for m in summary.members)
    with_team = {**previous, "T1": Position(50.0, 50.0, Quadrant.MULTIPLIER)}
    assert render_orbit_map(summary, with_team) == render_orbit_map(summary, previous)


def test_thresholds_are_kept_with_arrows() -> None:
    summary, previous = moved_summary()
    assert summary.thresholds == THRESHOLDS
    image = pixels(render_orbit_map(summary, previous), (1000, 700))
    # The dashed threshold lines (#444444) are still there.
    assert count_colour(image, "#444444", 0.03) > 300


# --- write_reports ---------------------------------------------------------------------------


def test_write_reports_writes_every_picture_with_data(
    overview: SurveyOverview, tmp_path: Path
) -> None:
    summary, previous = moved_summary()
    written = write_reports(
        summary,
        tmp_path,
        ["png", "html"],
        overview,
        history=HISTORY,
        previous=previous,
        previous_as_of=date(2025, 3, 7),
    )
    names = [p.name for p in written]
    assert names == ["report.html", "report.png", *CHART_FILES.values()]
    assert {p.name for p in tmp_path.iterdir()} == set(names)
    sizes = {
        "report.png": (1000, 700),
        "quadrants.png": (1000, 600),
        "maturity.png": (1000, 500),
        "culture.png": (1000, 450),
        "journey.png": (1000, 450),
    }
    for path in written[1:]:
        assert not_blank(pixels(path.read_bytes(), sizes[path.name]))
    assert (tmp_path / "report.png").read_bytes() == render_orbit_map(
        summary, previous, previous_as_of=date(2025, 3, 7)
    )
    assert (tmp_path / "report.png").read_bytes() != render_orbit_map(summary)
    assert (tmp_path / "quadrants.png").read_bytes() == render_quadrant_history(HISTORY)
    assert (tmp_path / "maturity.png").read_bytes() == render_maturity_heatmap(overview.maturity)

    page = (tmp_path / "report.html").read_text()
    assert page.count(DATA_URI) == 5
    for path in written[1:]:
        assert _b64(path.read_bytes()) in page
    assert "changed orbit since 2025-03-07" in page  # the orbit map's alt text


def _b64(png: bytes) -> str:
    return base64.b64encode(png).decode("ascii")


def test_html_puts_each_picture_in_its_place(overview: SurveyOverview, tmp_path: Path) -> None:
    write_reports(make_summary(), tmp_path, ["html"], overview, history=HISTORY)
    page = (tmp_path / "report.html").read_text()
    assert not list(tmp_path.glob("*.png"))  # html alone writes no picture files
    order = [
        "<h2>Orbits</h2>",
        "<h3>Orbits over time</h3>",
        "<h2>Thresholds</h2>",
        "<h2>Surveys</h2>",
        "<h3>Platform maturity</h3>",
        "<h3>Platform maturity by aspect</h3>",
        "<h3>Team culture (5 answers)</h3>",
        "<h3>Team culture stages</h3>",
        "<h3>Platform journey (6 answers)</h3>",
        "<h3>Platform journey funnel</h3>",
    ]
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)
    # Every picture is an <img> with a data URI, real alt text and its pixel size.
    img = r'<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="([^"]+)"'
    images = re.findall(img + r'( width="\d+" height="\d+")', page)
    assert len(images) == 5
    alts = [alt for alt, _ in images]
    assert alts[1].startswith("Orbits over time, 4 snapshots")
    assert alts[2].startswith("Platform maturity heatmap")
    assert "most common stage: We&#x27;re great" in alts[3]
    assert alts[4].startswith("Platform journey funnel, 6 answers")


def test_write_reports_skips_pictures_without_data(
    sets: dict[str, QuestionSet], tmp_path: Path
) -> None:
    only_culture = build_overview(
        [closed_run(1, sets["culture"], {"team_statement": ["were_great"] * 5}, days=0)],
        min_respondents=5,
    )
    written = write_reports(make_summary(), tmp_path, ["png", "html"], only_culture, history=[])
    assert [p.name for p in written] == ["report.html", "report.png", "culture.png"]
    assert (tmp_path / "report.html").read_text().count(DATA_URI) == 2

    empty = build_overview([], min_respondents=5)
    out = tmp_path / "empty"
    written = write_reports(make_summary(), out, ["png", "html"], empty, history=HISTORY[:1])
    # One kept snapshot is enough for the (message) picture of the history.
    assert [p.name for p in written] == ["report.html", "report.png", "quadrants.png"]
    assert (out / "report.html").read_text().count(DATA_URI) == 2

    out = tmp_path / "none"
    written = write_reports(make_summary(), out, ["png", "html", "md"])
    assert [p.name for p in written] == ["report.md", "report.html", "report.png"]
    assert (out / "report.html").read_text().count(DATA_URI) == 1


def test_html_keeps_survey_pictures_without_their_table(sets: dict[str, QuestionSet]) -> None:
    """A picture whose table is missing still shows, at the end of the surveys section."""
    empty = build_overview([], min_respondents=5)
    picture = Picture(render_culture_bar(culture(sets, ["im_great"] * 3)), "Culture <bars>")
    page = render_html(
        make_summary(), render_orbit_map(make_summary()), surveys=empty, culture=picture
    )
    assert page.count(DATA_URI) == 2
    assert 'alt="Culture &lt;bars&gt;"' in page
    assert page.index("<h2>Surveys</h2>") < page.index("<h3>Team culture stages</h3>")
    # Without a surveys section there is nowhere for survey pictures to go.
    bare = render_html(make_summary(), render_orbit_map(make_summary()), culture=picture)
    assert bare.count(DATA_URI) == 1
