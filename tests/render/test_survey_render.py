"""The surveys section of a report: JSON shape and values, Markdown, HTML, terminal, files.

Everything is built the real way: shipped question sets, anonymous answers, ``summarize`` (so
the respondent minimum applies), runs by hand and ``build_overview``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from bot.core.questions import QuestionSet
from bot.core.summary import OrbitSummary, Thresholds
from bot.core.surveys import (
    Answer,
    RunResults,
    RunView,
    SurveyOverview,
    build_overview,
    summarize,
)
from bot.prompts import SHIPPED, load_question_sets
from bot.render import (
    overview_json,
    overview_markdown,
    print_summary,
    render_html,
    render_markdown,
    render_orbit_map,
    write_reports,
)
from bot.render.surveys import RUNS_LIMIT

START = datetime(2025, 3, 1, 9, 0)
OPERATOR_TEXT = "Is <deploy> fast & [bold]safe[/bold]?"


@pytest.fixture(scope="module")
def sets() -> dict[str, QuestionSet]:
    shipped = load_question_sets([SHIPPED])
    operator = QuestionSet.model_validate(
        {
            "id": "ops",
            "title": "Ops & <friends>",
            "description": "An operator's own set.",
            "questions": [{"id": "deploys", "text": OPERATOR_TEXT, "kind": "scale"}],
        }
    )
    return {**shipped, "ops": operator}


def answers(question_id: str, values: Sequence[str]) -> list[Answer]:
    return [Answer(question_id, v) for v in values]


def closed_run(
    run_id: int,
    qset: QuestionSet,
    answered: dict[str, list[Answer]],
    *,
    days: int,
    channel: str = "dev-help",
    audience: int | None = None,
) -> RunResults:
    """A closed run of ``qset`` asking the questions of ``answered``, closing ``days`` after
    START; everyone who answered answered every question."""
    opened = START + timedelta(days=days)
    questions = tuple(q for q in qset.questions if q.id in answered)
    respondents = max(len(a) for a in answered.values())
    view = RunView(
        run_id=run_id,
        channel=channel,
        qset=qset,
        questions=questions,
        opened_at=opened,
        closes_at=opened + timedelta(days=2),
        closed=True,
        respondents=respondents,
    )
    results = summarize(qset, answered, min_respondents=5)
    return RunResults(view, results, respondents, audience=audience)


@pytest.fixture(scope="module")
def runs(sets: dict[str, QuestionSet]) -> list[RunResults]:
    pulse, maturity = sets["pulse"], sets["maturity"]
    culture, journey = sets["culture"], sets["journey"]
    return [
        closed_run(
            1,
            pulse,
            {
                "satisfaction": answers("satisfaction", ["4", "5", "3", "4", "4", "5", "3"]),
                "enps": answers("enps", ["10", "9", "8", "6", "10", "3", "9"]),
                # Two answers are below the minimum: never tallied, never shown.
                "last_task_ease": answers("last_task_ease", ["1", "5"]),
            },
            days=0,
            audience=10,
        ),
        closed_run(
            2,
            pulse,
            {
                "satisfaction": answers("satisfaction", ["5", "5", "4", "4", "3"]),
                "enps": answers("enps", ["10", "10", "9", "7", "8"]),
            },
            days=7,
            channel="platform",
            audience=None,
        ),
        closed_run(
            3,
            maturity,
            {
                "investment": answers(
                    "investment",
                    [
                        "provisional",
                        "operational",
                        "operational",
                        "scalable",
                        "optimizing",
                        "scalable",
                    ],
                ),
            },
            days=3,
            audience=20,
        ),
        closed_run(
            4,
            culture,
            {
                "team_statement": answers(
                    "team_statement",
                    ["were_great", "im_great", "were_great", "im_great", "were_great"],
                )
            },
            days=4,
            audience=5,
        ),
        closed_run(
            5,
            journey,
            {
                "journey_step": answers(
                    "journey_step", ["learn", "discover", "build", "learn", "build"]
                )
            },
            days=5,
        ),
        closed_run(
            6,
            sets["ops"],
            {"deploys": answers("deploys", ["2", "3", "2", "2", "1"])},
            days=6,
        ),
    ]


@pytest.fixture(scope="module")
def overview(runs: list[RunResults]) -> SurveyOverview:
    return build_overview(runs, min_respondents=5, open_runs=1)


@pytest.fixture
def summary() -> OrbitSummary:
    return OrbitSummary(
        as_of=START.date(),
        window_days=30,
        thresholds=Thresholds(love=10.0, reach=5.0),
        counts={},
        members=[],
        multipliers=[],
        listen=[],
        team=[],
        channel="dev-help",
    )


def trend(data: dict[str, Any], question: str) -> dict[str, Any]:
    """The trend of ``question`` in the JSON of an overview."""
    trends: list[dict[str, Any]] = data["trends"]
    return next(t for t in trends if t["question"] == question)


# --- JSON ------------------------------------------------------------------------------------


def test_json_has_the_documented_shape(overview: SurveyOverview) -> None:
    data = overview_json(overview)
    assert list(data) == [
        "min_respondents",
        "response_rate",
        "open_runs",
        "runs",
        "trends",
        "maturity",
        "culture",
        "journey",
        "comments",
    ]
    assert json.loads(json.dumps(data)) == data
    assert data["min_respondents"] == 5
    assert data["open_runs"] == 1
    # Runs newest first, with the set's title and the audience when known.
    assert [r["run_id"] for r in data["runs"]] == [2, 6, 5, 4, 3, 1]
    assert data["runs"][0] == {
        "run_id": 2,
        "day": "2025-03-10",
        "channel": "platform",
        "set": "Platform pulse",
        "respondents": 5,
        "audience": None,
    }
    # Known audiences only: (7 + 6 + 5) / (10 + 20 + 5).
    assert data["response_rate"] == round(18 / 35, 3) == 0.514


def test_json_trends_means_and_enps(overview: SurveyOverview) -> None:
    data = overview_json(overview)
    satisfaction = trend(data, "satisfaction")
    assert satisfaction["set"] == "pulse"
    assert satisfaction["kind"] == "scale"
    assert satisfaction["text"] == "Overall, how happy are you with the platform right now?"
    assert satisfaction["points"] == [
        {"day": "2025-03-03", "channel": "dev-help", "n": 7, "mean": 4.0, "enps": None},
        {"day": "2025-03-10", "channel": "platform", "n": 5, "mean": 4.2, "enps": None},
    ]
    enps = trend(data, "enps")
    assert enps["kind"] == "nps"
    # 55 / 7 = 7.857…; promoters 4 (10, 9, 10, 9), detractors 2 (6, 3): 2 / 7 → 29.
    assert [p["mean"] for p in enps["points"]] == [7.857, 8.8]
    assert [p["enps"] for p in enps["points"]] == [29, 60]
    assert trend(data, "deploys")["text"] == OPERATOR_TEXT


def test_json_leaves_out_results_below_the_minimum(overview: SurveyOverview) -> None:
    data = overview_json(overview)
    assert "last_task_ease" not in {t["question"] for t in data["trends"]}
    assert "last_task_ease" not in json.dumps(data)


def test_json_frameworks(overview: SurveyOverview, sets: dict[str, QuestionSet]) -> None:
    data = overview_json(overview)
    # Sorted: provisional, operational, operational, scalable, scalable, optimizing → the lower
    # of the two middle levels.
    assert data["maturity"] == [
        {
            "aspect": "investment",
            "median": "operational",
            "n": 6,
            "shares": {
                "provisional": 0.167,
                "operational": 0.333,
                "scalable": 0.333,
                "optimizing": 0.167,
            },
        }
    ]
    assert data["culture"] == {
        "n": 5,
        "most_common": "were_great",
        "shares": {
            "life_sucks": 0.0,
            "my_life_sucks": 0.0,
            "im_great": 0.4,
            "were_great": 0.6,
            "life_is_great": 0.0,
        },
        "advice": sets["culture"].advice["were_great"],
    }
    assert data["journey"] == {
        "n": 5,
        "counts": {"discover": 1, "evaluate": 0, "learn": 2, "build": 2, "scale": 0},
        "funnel": {"discover": 5, "evaluate": 4, "learn": 4, "build": 2, "scale": 0},
    }


def test_json_of_an_empty_overview() -> None:
    assert overview_json(build_overview([], min_respondents=1)) == {
        "min_respondents": 3,
        "response_rate": None,
        "open_runs": 0,
        "runs": [],
        "trends": [],
        "maturity": [],
        "culture": None,
        "journey": None,
        "comments": [],
    }


def test_written_answers_are_shown_escaped_in_every_format(overview: SurveyOverview) -> None:
    from dataclasses import replace

    written = replace(overview, comments=(("What <slows> you?", ("CI & <builds>",)),))
    assert overview_json(written)["comments"] == [
        {"question": "What <slows> you?", "answers": ["CI & <builds>"]}
    ]
    md = overview_markdown(written)
    assert "What people wrote" in md
    assert "<builds>" not in md


# --- Markdown --------------------------------------------------------------------------------


def test_markdown_section(overview: SurveyOverview, sets: dict[str, QuestionSet]) -> None:
    md = overview_markdown(overview)
    assert md.startswith("## Surveys\n")
    assert "**Response rate:** 51% (runs with a known audience only)" in md
    assert "1 survey is still open" in md
    assert "at least 5 people answered" in md
    assert "| 2025-03-10 | platform | Platform pulse | 5 | — |" in md
    assert "| 2025-03-03 | dev-help | Platform pulse | 7 | 10 |" in md
    assert (
        "| Overall, how happy are you with the platform right now? | 1–5 | 5 | 4.00 → 4.20 | — |"
        in md
    )
    assert "| 0–10 | 5 | 7.86 → 8.80 | +29 → +60 |" in md
    assert "| Investment | Operational | 6 | 17% | 33% | 33% | 17% |" in md
    assert "the median is the lower of the two middle levels" in md  # 6 answers: an even split
    assert "### Team culture (5 answers)" in md
    assert "| We're great | 60% |" in md
    assert "**Most common stage:** We're great" in md
    advice = sets["culture"].advice["were_great"]
    assert f"**Next step:** {advice}" in md
    assert "| Discover | 1 | 5 |" in md
    assert "| Build | 2 | 2 |" in md


def test_markdown_escapes_operator_text(overview: SurveyOverview) -> None:
    md = overview_markdown(overview)
    assert "Is \\<deploy\\> fast \\& \\[bold\\]safe\\[/bold\\]?" in md
    assert "Ops \\& \\<friends\\>" in md
    assert "<deploy>" not in md
    assert "<friends>" not in md


def test_markdown_empty_and_open_only() -> None:
    empty = overview_markdown(build_overview([], min_respondents=5))
    assert empty == "## Surveys\n\n_No surveys yet._\n"
    open_only = overview_markdown(build_overview([], min_respondents=5, open_runs=2))
    assert "No surveys yet" not in open_only
    assert "2 surveys are still open" in open_only
    assert "###" not in open_only


def test_markdown_when_nothing_passed_the_minimum(sets: dict[str, QuestionSet]) -> None:
    run = closed_run(
        1, sets["pulse"], {"satisfaction": answers("satisfaction", ["4", "5"])}, days=0
    )
    md = overview_markdown(build_overview([run], min_respondents=5))
    assert "### Latest runs" in md
    assert "No question has had enough answers to show results yet." in md
    assert "### Trends" not in md
    assert "**Response rate:** not known" in md


def test_markdown_lists_the_latest_runs_only(sets: dict[str, QuestionSet]) -> None:
    many = [
        closed_run(
            i,
            sets["pulse"],
            {"satisfaction": answers("satisfaction", ["4"] * 5)},
            days=i,
            audience=10,
        )
        for i in range(RUNS_LIMIT + 3)
    ]
    md = overview_markdown(build_overview(many, min_respondents=5))
    runs = md.split("### Latest runs")[1].split("###")[0]
    assert runs.count("| Platform pulse |") == RUNS_LIMIT
    assert "… and 3 more runs" in runs
    # The trend keeps the latest readings only, oldest first.
    assert "4.00 → 4.00 → 4.00 → 4.00 → 4.00 → 4.00 |" in md
    assert "**Response rate:** 50%\n" in md  # every audience known: no qualifier


def test_render_markdown_appends_the_section_only_when_given(
    summary: OrbitSummary, overview: SurveyOverview
) -> None:
    plain = render_markdown(summary)
    assert "## Surveys" not in plain
    with_surveys = render_markdown(summary, surveys=overview)
    assert with_surveys.startswith(plain)
    assert with_surveys.endswith(overview_markdown(overview))


# --- HTML ------------------------------------------------------------------------------------


def test_html_section_is_escaped_and_self_contained(
    summary: OrbitSummary, overview: SurveyOverview, sets: dict[str, QuestionSet]
) -> None:
    page = render_html(summary, b"\x89PNG fake", surveys=overview)
    section = page.split("<h2>Surveys</h2>")[1]
    assert section.rstrip().endswith("</html>")
    assert "Is &lt;deploy&gt; fast &amp; [bold]safe[/bold]?" in section
    assert "Ops &amp; &lt;friends&gt;" in section
    assert "<deploy>" not in page
    assert "<friends>" not in page
    assert '<p class="advice"><strong>Next step:</strong> ' in section
    assert escape(sets["culture"].advice["were_great"]) in section
    assert '<td class="num">7.86 → 8.80</td><td class="num">+29 → +60</td>' in section
    assert "<td>Investment</td><td>Operational</td>" in section
    assert "<h3>Platform journey (5 answers)</h3>" in section
    assert "http://" not in page
    assert "https://" not in page
    assert "<script" not in page


def test_html_without_or_with_an_empty_overview(summary: OrbitSummary) -> None:
    assert "Surveys" not in render_html(summary, b"")
    page = render_html(summary, b"", surveys=build_overview([], min_respondents=5))
    assert '<h2>Surveys</h2>\n<p class="note">No surveys yet.</p>' in page


# --- terminal --------------------------------------------------------------------------------


def _terminal(summary: OrbitSummary, surveys: SurveyOverview | None) -> str:
    console = Console(record=True, width=200, force_terminal=False)
    print_summary(summary, console, surveys=surveys)
    return console.export_text()


def test_terminal_section(
    summary: OrbitSummary, overview: SurveyOverview, sets: dict[str, QuestionSet]
) -> None:
    assert "Surveys" not in _terminal(summary, None)
    text = _terminal(summary, overview)
    section = text.split("\nSurveys\n")[1]
    assert "Response rate: 51% (runs with a known audience only)" in section
    assert "Latest runs" in section
    assert "4.00 → 4.20" in section
    assert "+29 → +60" in section
    assert OPERATOR_TEXT in section  # markup printed literally, not swallowed as a style
    assert "Ops & <friends>" in section
    assert "Most common stage: We're great" in section
    assert "Next step: " + sets["culture"].advice["were_great"][:60] in section


def test_terminal_empty_overview(summary: OrbitSummary) -> None:
    text = _terminal(summary, build_overview([], min_respondents=5))
    assert text.rstrip().endswith("Surveys\nNo surveys yet.")


# --- write_reports ---------------------------------------------------------------------------


def test_write_reports_with_surveys(
    summary: OrbitSummary, overview: SurveyOverview, tmp_path: Path
) -> None:
    write_reports(summary, tmp_path, ["json", "md", "html", "png"], surveys=overview)
    assert (tmp_path / "report.png").read_bytes() == render_orbit_map(summary)
    data = json.loads((tmp_path / "report.json").read_text())
    assert data == {**summary.to_json(), "surveys": overview_json(overview)}
    assert trend(data["surveys"], "enps")["points"][-1]["enps"] == 60
    md = (tmp_path / "report.md").read_text()
    assert md == render_markdown(summary, surveys=overview)
    assert "## Surveys" in md
    assert "<h2>Surveys</h2>" in (tmp_path / "report.html").read_text()


def test_write_reports_without_surveys(summary: OrbitSummary, tmp_path: Path) -> None:
    write_reports(summary, tmp_path, ["json", "md", "html"])
    data = json.loads((tmp_path / "report.json").read_text())
    assert "surveys" not in data
    assert data == summary.to_json()
    assert "## Surveys" not in (tmp_path / "report.md").read_text()
    assert "<h2>Surveys</h2>" not in (tmp_path / "report.html").read_text()
