"""Block Kit for the weekly digest and for experiments: real summaries, digests and experiment
statuses in, Slack-valid, escaped blocks out; the experiment form round-trips."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import pytest

from bot.adapters.slack.digest_views import (
    ALL_CHANNELS,
    DIGEST_EXPERIMENTS_SHOWN,
    EXPERIMENT_CALLBACK,
    EXPERIMENT_FIELDS,
    IMAGE_TITLES,
    NO_EXPERIMENTS,
    digest_blocks,
    experiment_closed_blocks,
    experiment_list_blocks,
    experiment_modal,
    experiment_started_blocks,
    experiment_verdict_blocks,
    form_errors,
    format_metric,
    read_experiment_form,
)
from bot.adapters.slack.survey_views import MAX_VIEW_BLOCKS, MAX_VIEW_TITLE, check_view_limits
from bot.adapters.slack.translate import PayloadError
from bot.adapters.slack.views import (
    MAX_MESSAGE_BLOCKS,
    MESSAGE_MAX,
    Block,
    check_limits,
    fallback_text,
)
from bot.core.digest import MOVES_SHOWN, CountsPoint, Digest, Drift, Movement
from bot.core.experiments import (
    CATALOGUE,
    Experiment,
    ExperimentStatus,
    Metric,
    MetricSpec,
    Verdict,
    status,
)
from bot.core.summary import (
    ListenPick,
    MemberScore,
    OrbitSummary,
    Quadrant,
    TeamMember,
    Thresholds,
)
from bot.core.surveys import (
    CultureResult,
    JourneyResult,
    MaturityResult,
    QuestionTrend,
    RunLine,
    SurveyOverview,
    TrendPoint,
)
from bot.services.experiments import parse_form

AS_OF = date(2025, 3, 14)
BEFORE = date(2025, 3, 7)
NASTY = "<script>&"
IMAGES = {key: f"F{i:08d}" for i, key in enumerate(IMAGE_TITLES)}

# --- builders -----------------------------------------------------------------------------------


def uid(i: int) -> str:
    return f"U{i:08d}"


def member(i: int, quadrant: Quadrant, *, name: str | None = None, silent: bool = False) -> Any:
    love, reach = {
        Quadrant.MULTIPLIER: (9.0, 9.0),
        Quadrant.FAN: (9.0, 1.0),
        Quadrant.SCEPTIC: (1.0, 9.0),
        Quadrant.OBSERVER: (0.0, 0.0) if silent else (1.0, 1.0),
    }[quadrant]
    return MemberScore(
        uid(i),
        name or f"Member {i}",
        love - i * 0.001,
        reach,
        quadrant,
        sentiment=None if silent else 0.25,
        silent=silent,
    )


def make_summary(
    members: Sequence[MemberScore],
    *,
    previous: dict[str, int] | None = None,
    listen: int = 1,
    team: Sequence[TeamMember] = (),
    reason: str = "asks good questions, rarely answered",
) -> OrbitSummary:
    counts = {q.value: sum(m.quadrant is q for m in members) for q in Quadrant}
    counts["silent"] = sum(m.silent for m in members)
    return OrbitSummary(
        as_of=AS_OF,
        window_days=90,
        thresholds=Thresholds(love=3.0, reach=2.0),
        counts=counts,
        members=list(members),
        multipliers=[m for m in members if m.quadrant is Quadrant.MULTIPLIER],
        listen=[ListenPick(m, reason) for m in list(members)[:listen]],
        team=list(team),
        previous_counts=previous,
    )


def make_experiment(
    id: int = 1,
    *,
    metric: Metric = Metric.MEDIAN_LOVE,
    param: str | None = None,
    channel: str | None = None,
    direction: str = "increase",
    threshold: float = 3.0,
    baseline: float | None = 2.0,
    start: date = date(2025, 3, 1),
    end: date = date(2025, 3, 29),
    hypothesis: str = "Office hours turn fans into multipliers",
    closed: bool = False,
    verdict: Verdict | None = None,
    final: float | None = None,
) -> Experiment:
    return Experiment(
        id=id,
        hypothesis=hypothesis,
        action="Office hours every Thursday",
        spec=MetricSpec(metric, param, channel),
        direction="increase" if direction == "increase" else "decrease",
        threshold=threshold,
        start=start,
        end=end,
        baseline=baseline,
        closed=closed,
        verdict=verdict,
        final=final,
    )


def make_overview() -> SurveyOverview:
    return SurveyOverview(
        min_respondents=5,
        runs=(RunLine(1, date(2025, 3, 10), "C0PULSE", "Platform pulse", 12, 40),),
        trends=(
            QuestionTrend(
                "pulse",
                "satisfaction",
                "How happy are you with the platform?",
                "scale",
                (TrendPoint(date(2025, 3, 10), "C0PULSE", 12, 3.8, None),),
            ),
        ),
        maturity=(
            MaturityResult(
                "adoption",
                8,
                "operational",
                (
                    ("provisional", 0.25),
                    ("operational", 0.5),
                    ("scalable", 0.25),
                    ("optimizing", 0),
                ),
            ),
        ),
        culture=CultureResult(
            10,
            (
                ("life_sucks", 0.0),
                ("my_life_sucks", 0.1),
                ("im_great", 0.2),
                ("were_great", 0.6),
                ("life_is_great", 0.1),
            ),
            "were_great",
        ),
        culture_advice=None,
        journey=JourneyResult(
            6,
            (("discover", 1), ("evaluate", 1), ("learn", 2), ("build", 1), ("scale", 1)),
            (("discover", 6), ("evaluate", 5), ("learn", 4), ("build", 2), ("scale", 1)),
        ),
    )


def make_digest(
    summary: OrbitSummary,
    *,
    previous_as_of: date | None = BEFORE,
    moved_up: Sequence[Movement] = (),
    moved_down: Sequence[Movement] = (),
    drifted: Sequence[Drift] = (),
    surveys: SurveyOverview | None = None,
    experiments: Sequence[ExperimentStatus] = (),
    previous_active: int | None = None,
) -> Digest:
    return Digest(
        period="2025-W11",
        summary=summary,
        previous_as_of=previous_as_of,
        moved_up=tuple(moved_up),
        moved_down=tuple(moved_down),
        drifted=tuple(drifted),
        history=(
            CountsPoint(BEFORE, {"multiplier": 1, "fan": 3, "sceptic": 1, "observer": 2}),
            CountsPoint(AS_OF, dict(summary.counts)),
        ),
        surveys=surveys,
        experiments=tuple(experiments),
        previous_active=previous_active,
    )


def texts(blocks: Sequence[Block]) -> list[str]:
    """Every mrkdwn and plain_text string of ``blocks``, in order."""
    out: list[str] = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        out += [f["text"] for f in block.get("fields", [])]
        out += [e["text"] for e in block.get("elements", []) if "text" in e]
    return out


def joined(blocks: Sequence[Block]) -> str:
    return "\n".join(texts(blocks))


def field_text(blocks: Sequence[Block], title: str) -> str:
    for block in blocks:
        for field in block.get("fields", []):
            if field["text"].startswith(f"*{title}*"):
                return str(field["text"])
    raise AssertionError(f"no field {title!r}")


def images_of(blocks: Sequence[Block]) -> list[tuple[int, str, str]]:
    return [
        (i, b["slack_file"]["id"], b["title"]["text"])
        for i, b in enumerate(blocks)
        if b["type"] == "image"
    ]


def index_of(blocks: Sequence[Block], needle: str) -> int:
    return next(i for i, b in enumerate(blocks) if any(needle in t for t in texts([b])))


# A small community: 2 multipliers, 3 fans, 1 sceptic, 2 observers of whom 1 silent.
SMALL = [
    member(1, Quadrant.MULTIPLIER),
    member(2, Quadrant.MULTIPLIER),
    member(3, Quadrant.FAN),
    member(4, Quadrant.FAN),
    member(5, Quadrant.FAN),
    member(6, Quadrant.SCEPTIC),
    member(7, Quadrant.OBSERVER),
    member(8, Quadrant.OBSERVER, silent=True),
]
PREVIOUS = {"multiplier": 0, "fan": 4, "sceptic": 1, "observer": 2, "silent": 1}


# --- the digest ---------------------------------------------------------------------------------


def test_the_headline_shows_each_count_with_its_change_since_the_last_digest() -> None:
    digest = make_digest(make_summary(SMALL, previous=PREVIOUS), previous_active=5)
    blocks = digest_blocks(digest)
    check_limits(blocks)
    assert blocks[0]["text"]["text"] == "Community digest · week 2025-W11"
    assert "As of 2025-03-14" in blocks[1]["elements"][0]["text"]
    assert field_text(blocks, "Active members").split("\n")[1] == "7 (+2)"
    assert field_text(blocks, "Multipliers").split("\n")[1] == "2 (+2)"
    assert field_text(blocks, "Fans").split("\n")[1] == "3 (-1)"
    assert field_text(blocks, "Sceptics").split("\n")[1] == "1 (±0)"
    assert field_text(blocks, "Silent (among observers)").split("\n")[1] == "1 (±0)"
    assert "since the last digest (2025-03-07)" in joined(blocks)


def test_the_first_digest_has_no_brackets_and_says_movements_come_later() -> None:
    digest = make_digest(make_summary(SMALL), previous_as_of=None)
    blocks = digest_blocks(digest)
    check_limits(blocks)
    for title in ("Active members", "Multipliers", "Fans", "Sceptics", "Observers"):
        assert "(" not in field_text(blocks, title).split("\n")[1]
    assert field_text(blocks, "Active members").split("\n")[1] == "7"
    text = joined(blocks)
    assert "first digest" in text
    assert "Changes in brackets" not in text
    assert "show from the next one on" in text


def test_an_empty_community_renders_sensibly() -> None:
    digest = make_digest(make_summary([], listen=0), previous_as_of=None)
    blocks = digest_blocks(digest, images={})
    check_limits(blocks)
    text = joined(blocks)
    assert field_text(blocks, "Active members").split("\n")[1] == "0"
    assert "Nobody stands out this time." in text
    assert NO_EXPERIMENTS in text
    assert not images_of(blocks)


def test_an_empty_week_after_a_previous_digest_says_nobody_moved() -> None:
    digest = make_digest(make_summary(SMALL, previous=PREVIOUS))
    text = joined(digest_blocks(digest))
    assert "Nobody moved up this week." in text
    assert "Nobody drifted away." in text
    assert "Moved down" not in text


def test_movement_and_drift_lines_name_the_members() -> None:
    summary = make_summary(SMALL, previous=PREVIOUS)
    digest = make_digest(
        summary,
        moved_up=[Movement(SMALL[0], Quadrant.FAN), Movement(SMALL[1], Quadrant.OBSERVER)],
        moved_down=[Movement(SMALL[6], Quadrant.SCEPTIC)],
        drifted=[
            Drift("U00000099", "Grace", Quadrant.MULTIPLIER, date(2025, 2, 1)),
            Drift("m-ada", "Ada <Lovelace>", Quadrant.FAN, None),
        ],
    )
    text = joined(digest_blocks(digest))
    assert "*Moved up (2)*" in text
    assert "• <@U00000001> → *Multiplier* (from Fan)" in text
    assert "• <@U00000002> → *Multiplier* (from Observer)" in text
    assert "*Moved down (1)*" in text
    assert "• <@U00000007> → *Observer* (from Sceptic)" in text
    assert "*Drifted away (2)*" in text
    assert "• <@U00000099> — a multiplier with no activity since 2025-02-01" in text
    assert "• Ada &lt;Lovelace&gt; — a fan with no activity in the last 90 days" in text


def test_long_movement_lists_are_cut_with_and_n_more() -> None:
    members = [member(i, Quadrant.MULTIPLIER) for i in range(25)]
    digest = make_digest(
        make_summary(members, previous=PREVIOUS),
        moved_up=[Movement(m, Quadrant.FAN) for m in members],
        drifted=[Drift(uid(100 + i), f"D{i}", Quadrant.FAN, None) for i in range(12)],
    )
    text = joined(digest_blocks(digest))
    assert text.count("→ *Multiplier*") == MOVES_SHOWN
    assert "… and 15 more members" in text
    assert "… and 2 more members" in text


def test_platform_team_members_are_never_listed() -> None:
    team_member = member(1, Quadrant.MULTIPLIER)
    summary = make_summary(
        [team_member, *SMALL[1:]], team=[TeamMember(team_member.id, "Team person")], listen=2
    )
    digest = make_digest(
        summary,
        moved_up=[Movement(team_member, Quadrant.FAN)],
        drifted=[Drift(team_member.id, "Team person", Quadrant.FAN, None)],
    )
    text = joined(digest_blocks(digest))
    assert team_member.id not in text
    assert "<@U00000002>" in text  # the second listen pick is shown


def test_who_to_listen_to_shows_reasons_escaped() -> None:
    digest = make_digest(make_summary(SMALL, listen=2, reason="says <b>things</b> & more"))
    text = joined(digest_blocks(digest))
    assert "*Who to listen to*" in text
    assert "• <@U00000001> · Multiplier · sentiment +0.25 — says &lt;b&gt;things&lt;/b&gt;" in text
    assert "<b>" not in text


def test_images_are_slack_file_blocks_next_to_their_sections() -> None:
    digest = make_digest(make_summary(SMALL, previous=PREVIOUS), surveys=make_overview())
    blocks = digest_blocks(digest, images={**IMAGES, "unknown": "F99999999"})
    check_limits(blocks)
    found = images_of(blocks)
    assert [(file_id, title) for _, file_id, title in found] == [
        (IMAGES[key], IMAGE_TITLES[key])
        for key in ("orbit", "quadrants", "maturity", "culture", "journey")
    ]
    positions = {title: i for i, _, title in found}
    movement = index_of(blocks, "*Moved up")
    listen = index_of(blocks, "*Who to listen to*")
    surveys = index_of(blocks, "*Surveys*")
    experiments = index_of(blocks, "*Experiments*")
    assert positions["Orbit map"] < movement < positions["Quadrant counts over time"] < listen
    assert listen < surveys < positions["Platform maturity"] < experiments
    for title in ("Platform maturity", "Team culture", "Platform journey"):
        assert texts([blocks[positions[title] - 1]])[0].startswith(f"*{title}*")
    by_title = {b["title"]["text"]: b for b in blocks if b["type"] == "image"}
    assert by_title["Orbit map"]["slack_file"] == {"id": IMAGES["orbit"]}
    assert "multipliers 1 → 2" in by_title["Quadrant counts over time"]["alt_text"]
    assert "Adoption Operational" in by_title["Platform maturity"]["alt_text"]


def test_the_survey_part_is_the_survey_overview() -> None:
    digest = make_digest(make_summary(SMALL), surveys=make_overview())
    text = joined(digest_blocks(digest))
    assert "*Surveys*" in text
    assert "Response rate: *30%*" in text
    assert "How happy are you with the platform?" in text
    without = joined(digest_blocks(make_digest(make_summary(SMALL))))
    assert "*Surveys*" not in without


def test_experiments_show_progress_and_verdicts() -> None:
    digest = make_digest(
        make_summary(SMALL),
        experiments=[
            status(make_experiment(1, threshold=3.0), 3.5),
            status(
                make_experiment(
                    2,
                    metric=Metric.SILENT_SHARE,
                    direction="decrease",
                    threshold=0.1,
                    baseline=0.25,
                    end=date(2025, 3, 15),
                ),
                0.2,
            ),
            status(make_experiment(3, metric=Metric.ENPS, param="pulse.nps", baseline=None), None),
            status(
                make_experiment(
                    4,
                    metric=Metric.QUADRANT_COUNT,
                    param="multiplier",
                    threshold=5,
                    baseline=2,
                    end=date(2025, 3, 10),
                    closed=True,
                    verdict=Verdict.NOT_MET,
                    final=3,
                ),
                None,
            ),
        ],
    )
    blocks = digest_blocks(digest)
    check_limits(blocks)
    lines = joined(blocks).split("\n")

    def line_of(number: int) -> str:
        at = next(i for i, ln in enumerate(lines) if ln.startswith(f"• *#{number}*"))
        return lines[at] + "\n" + lines[at + 1]

    first = line_of(1)
    assert "Office hours turn fans into multipliers" in first
    assert "Median love of active members: baseline 2.0 → now 3.5 · target ≥ 3.0" in first
    assert "*on track* · 15 days left" in first
    second = line_of(2)
    assert "baseline 25% → now 20% · target ≤ 10%" in second
    assert "*not on track* · 1 day left" in second
    third = line_of(3)
    assert "eNPS of an NPS question: pulse.nps" in third
    assert "baseline — → now —" in third
    assert "*no data yet*" in third
    fourth = line_of(4)
    assert "Number of members in a quadrant: multiplier" in fourth
    assert "baseline 2 → final 3 · target ≥ 5" in fourth
    assert "ended 2025-03-10 · verdict *not met*" in fourth
    assert "(3 running, 1 ended)" in joined(blocks)
    assert [int(ln[4]) for ln in lines if ln.startswith("• *#")] == [2, 1, 3, 4]


def test_many_experiments_are_cut_in_the_digest() -> None:
    statuses = [status(make_experiment(i), 2.5) for i in range(1, 31)]
    blocks = digest_blocks(make_digest(make_summary(SMALL), experiments=statuses))
    check_limits(blocks)
    text = joined(blocks)
    assert text.count("• *#") == DIGEST_EXPERIMENTS_SHOWN
    assert "… and 20 more experiments" in text


def test_a_huge_digest_keeps_to_slacks_limits() -> None:
    nasty = (NASTY * 40)[:200]
    members = [member(i, Quadrant.MULTIPLIER, name=f"{i} {nasty}") for i in range(600)]
    members += [member(i, Quadrant.OBSERVER, silent=True) for i in range(600, 900)]
    summary = make_summary(
        members,
        previous={"multiplier": 1, "fan": 600, "sceptic": 0, "observer": 0, "silent": 0},
        listen=40,
        reason=NASTY * 300,
        team=[TeamMember(f"t{i}", nasty) for i in range(100)],
    )
    plain = [m._replace(id=f"m{m.id}") for m in members]  # names shown, not mentions
    digest = make_digest(
        summary,
        moved_up=[Movement(m, Quadrant.FAN) for m in plain[:300]],
        moved_down=[Movement(m, Quadrant.MULTIPLIER) for m in plain[300:600]],
        drifted=[Drift(f"d{i}", nasty, Quadrant.MULTIPLIER, BEFORE) for i in range(400)],
        surveys=make_overview(),
        experiments=[
            status(make_experiment(i, hypothesis=nasty * 3, channel=nasty), 2.5) for i in range(200)
        ],
        previous_active=1,
    )
    blocks = digest_blocks(digest, images=IMAGES)
    check_limits(blocks)
    assert len(blocks) <= MAX_MESSAGE_BLOCKS
    text = joined(blocks)
    assert "… and 290 more members" in text
    assert "*Experiments* (200 running, 0 ended)" in text
    assert fallback_text(blocks) == "Community digest · week 2025-W11"
    assert "<script>" not in json.dumps(blocks)


# --- format_metric ------------------------------------------------------------------------------

FORMATS = [
    (Metric.QUADRANT_COUNT, "multiplier", 12.0, "12"),
    (Metric.QUADRANT_COUNT, "fan", 1204.0, "1,204"),
    (Metric.QUADRANT_COUNT, "fan", 12.5, "12.5"),
    (Metric.MEDIAN_LOVE, None, 2.345, "2.3"),
    (Metric.MEDIAN_REACH, None, 4.0, "4.0"),
    (Metric.SILENT_SHARE, None, 0.25, "25%"),
    (Metric.QUESTION_AVERAGE, "pulse.satisfaction", 3.75, "3.8"),
    (Metric.ENPS, "pulse.nps", 20.0, "+20"),
    (Metric.ENPS, "pulse.nps", -10.0, "-10"),
    (Metric.ENPS, "pulse.nps", 0.0, "0"),
    (Metric.RESPONSE_RATE, None, 0.4, "40%"),
    (Metric.MATURITY_LEVEL, "adoption", 2.0, "2 (Operational)"),
    (Metric.MATURITY_LEVEL, "adoption", 4.0, "4 (Optimizing)"),
    (Metric.MATURITY_LEVEL, "adoption", 2.5, "2.5"),
    (Metric.CULTURE_SHARE, "were_great", 0.6, "60%"),
]


@pytest.mark.parametrize(("metric", "param", "value", "shown"), FORMATS)
def test_format_metric(metric: Metric, param: str | None, value: float, shown: str) -> None:
    assert format_metric(MetricSpec(metric, param), value) == shown


def test_format_metric_covers_every_metric_and_no_data() -> None:
    assert {metric for metric, *_ in FORMATS} == set(Metric)
    for metric in Metric:
        assert format_metric(MetricSpec(metric), None) == "—"


# --- the experiment form ------------------------------------------------------------------------

CHANNELS = [("C0PLATFORM", "platform"), ("C0HELP", "#platform-help")]


def state_from(view: dict[str, Any]) -> dict[str, Any]:
    """The ``view.state.values`` Slack sends when ``view`` is submitted as it was opened."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] in ("static_select", "radio_buttons"):
            state["selected_option"] = element.get("initial_option")
        elif element["type"] == "datepicker":
            state["selected_date"] = element.get("initial_date")
        elif element["type"] == "conversations_select":
            state["selected_conversation"] = element.get("initial_conversation")
        else:
            state["value"] = element.get("initial_value")
        values[block["block_id"]] = {element["action_id"]: state}
    return values


def test_the_modal_has_every_field_and_keeps_to_the_limits() -> None:
    view = experiment_modal(CHANNELS, today=AS_OF)
    check_view_limits(view)
    assert view["callback_id"] == EXPERIMENT_CALLBACK == "experiment_new"
    assert view["title"]["text"] == "New experiment"
    assert len(view["title"]["text"]) <= MAX_VIEW_TITLE
    assert view["submit"]["text"] == "Start"
    assert len(view["blocks"]) <= MAX_VIEW_BLOCKS
    inputs = {b["block_id"]: b for b in view["blocks"] if b["type"] == "input"}
    assert tuple(inputs) == EXPERIMENT_FIELDS
    for block_id, block in inputs.items():
        assert block["element"]["action_id"] == block_id
    assert {k for k, b in inputs.items() if b.get("optional")} == {"param", "channel"}
    assert inputs["hypothesis"]["element"]["multiline"] is True
    assert inputs["hypothesis"]["element"]["max_length"] == 500
    assert inputs["action"]["element"]["max_length"] == 500
    metrics = inputs["metric"]["element"]["options"]
    assert [(o["value"], o["text"]["text"]) for o in metrics] == [
        (m.value, name) for m, (name, _) in CATALOGUE.items()
    ]
    channel = inputs["channel"]["element"]
    assert channel["type"] == "static_select"
    assert [o["value"] for o in channel["options"]] == [ALL_CHANNELS, "C0PLATFORM", "C0HELP"]
    assert [o["text"]["text"] for o in channel["options"]] == [
        "All channels",
        "#platform",
        "#platform-help",
    ]
    assert channel["initial_option"]["value"] == ALL_CHANNELS
    hint = inputs["param"]["hint"]["text"]
    for needed in ("multiplier", "pulse.satisfaction", "adoption", "were_great"):
        assert needed in hint
    assert {o["value"] for o in inputs["direction"]["element"]["options"]} == {
        "increase",
        "decrease",
    }
    assert inputs["start"]["element"] == {
        "type": "datepicker",
        "initial_date": "2025-03-14",
        "action_id": "start",
    }
    assert inputs["end"]["element"]["initial_date"] == "2025-04-11"


def test_the_modal_uses_slacks_channel_picker_for_many_channels() -> None:
    channels = [(f"C{i:08d}", f"channel-{i}") for i in range(150)]
    view = experiment_modal(channels, today=AS_OF)
    check_view_limits(view)
    channel = next(b for b in view["blocks"] if b.get("block_id") == "channel")
    assert channel["element"]["type"] == "conversations_select"
    assert channel["optional"] is True


def test_the_form_round_trips_through_slacks_state() -> None:
    typed = {
        "hypothesis": "Office hours turn fans into multipliers",
        "action": "Office hours every Thursday",
        "metric": "quadrant_count",
        "param": "multiplier",
        "channel": "C0HELP",
        "direction": "decrease",
        "threshold": "40%",
        "start": "2025-03-17",
        "end": "2025-04-14",
    }
    view = experiment_modal(CHANNELS, today=AS_OF, values=typed)
    check_view_limits(view)
    assert read_experiment_form(state_from(view)) == typed
    parsed = parse_form(read_experiment_form(state_from(view)), AS_OF)
    assert parsed.spec == MetricSpec(Metric.QUADRANT_COUNT, "multiplier", "C0HELP")
    assert parsed.threshold == pytest.approx(0.4)


def test_an_untouched_form_reads_as_empty_fields_with_the_defaults() -> None:
    form = read_experiment_form(state_from(experiment_modal(CHANNELS, today=AS_OF)))
    assert form == {
        "hypothesis": None,
        "action": None,
        "metric": None,
        "param": None,
        "channel": ALL_CHANNELS,
        "direction": "increase",
        "threshold": None,
        "start": "2025-03-14",
        "end": "2025-04-11",
    }


def slack_payload() -> dict[str, Any]:
    """``view.state.values`` as Slack sends it (option texts, emoji flags and all)."""

    def option(text: str, value: str) -> dict[str, Any]:
        return {"text": {"type": "plain_text", "text": text, "emoji": True}, "value": value}

    return {
        "hypothesis": {"hypothesis": {"type": "plain_text_input", "value": "More replies"}},
        "action": {"action": {"type": "plain_text_input", "value": "Answer within a day"}},
        "metric": {
            "metric": {
                "type": "static_select",
                "selected_option": option("Median reach of active members", "median_reach"),
            }
        },
        "param": {"param": {"type": "plain_text_input", "value": None}},
        "channel": {
            "channel": {"type": "static_select", "selected_option": option("All channels", "*")}
        },
        "direction": {
            "direction": {
                "type": "radio_buttons",
                "selected_option": option("Increase: at or above the target", "increase"),
            }
        },
        "threshold": {"threshold": {"type": "plain_text_input", "value": "2.5"}},
        "start": {"start": {"type": "datepicker", "selected_date": "2025-03-14"}},
        "end": {"end": {"type": "datepicker", "selected_date": "2025-04-11"}},
    }


def test_a_realistic_payload_reads_back() -> None:
    assert read_experiment_form(slack_payload()) == {
        "hypothesis": "More replies",
        "action": "Answer within a day",
        "metric": "median_reach",
        "param": None,
        "channel": "*",
        "direction": "increase",
        "threshold": "2.5",
        "start": "2025-03-14",
        "end": "2025-04-11",
    }


def broken(path: Sequence[str], value: Any) -> dict[str, Any]:
    payload = slack_payload()
    target: Any = payload
    for key in path[:-1]:
        target = target[key]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return payload


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param([], id="not-a-mapping"),
        pytest.param(broken(["metric"], KeyError), id="missing-field"),
        pytest.param(broken(["end"], "2025-04-11"), id="block-not-a-mapping"),
        pytest.param(broken(["param", "param"], KeyError), id="missing-action"),
        pytest.param(broken(["hypothesis", "hypothesis", "type"], "datepicker"), id="wrong-type"),
        pytest.param(broken(["threshold", "threshold", "type"], KeyError), id="no-type"),
        pytest.param(broken(["threshold", "threshold", "value"], 2.5), id="number-not-text"),
        pytest.param(broken(["metric", "metric", "selected_option"], "x"), id="option-not-obj"),
        pytest.param(broken(["metric", "metric", "selected_option", "value"], 3), id="bad-value"),
        pytest.param(broken(["start", "start", "selected_date"], "14/03/2025"), id="bad-date"),
        pytest.param(broken(["end", "end", "selected_date"], "2025-02-30"), id="no-such-date"),
    ],
)
def test_malformed_payloads_raise_payload_errors(payload: Any) -> None:
    with pytest.raises(PayloadError):
        read_experiment_form(payload)


def test_form_errors_show_under_each_field_clipped() -> None:
    answer = form_errors({"threshold": "Give a number " * 100, "end": "Pick a date.", "x": "Oops"})
    assert answer["response_action"] == "errors"
    errors = answer["errors"]
    assert set(errors) == {"threshold", "end", "hypothesis"}
    assert len(errors["threshold"]) <= MESSAGE_MAX
    assert errors["threshold"].endswith("…")
    assert errors["end"] == "Pick a date."
    assert errors["hypothesis"] == "Oops"


# --- experiment answers -------------------------------------------------------------------------


def test_an_empty_experiment_list_says_how_to_start_one() -> None:
    blocks = experiment_list_blocks([])
    check_limits(blocks)
    assert NO_EXPERIMENTS in joined(blocks)
    assert "No experiments yet — start one with `/orbit experiment new`." in joined(blocks)


def test_the_experiment_list_shows_running_then_ended() -> None:
    statuses = [
        status(
            make_experiment(
                1, closed=True, verdict=Verdict.MET, final=3.2, end=date(2025, 3, 1), start=BEFORE
            ),
            None,
        ),
        status(make_experiment(2, metric=Metric.MATURITY_LEVEL, param="adoption", threshold=3), 2),
        status(make_experiment(3, channel="C0HELP"), None),
    ]
    blocks = experiment_list_blocks(statuses)
    check_limits(blocks)
    text = joined(blocks)
    assert text.index("*Running (2)*") < text.index("*Ended (1)*")
    assert text.index("*#2*") < text.index("*#1*")
    assert "Maturity level of an aspect (1–4): Adoption" in text
    assert "baseline 2 (Operational) → now 2 (Operational) · target ≥ 3 (Scalable)" in text
    assert "*not on track*" in text
    assert "Median love of active members in <#C0HELP>" in text
    assert "*no data yet*" in text
    assert "baseline 2.0 → final 3.2 · target ≥ 3.0 · verdict *met*" in text
    assert "_2025-03-07 → 2025-03-01_" in text


def test_a_long_experiment_list_keeps_to_the_limits() -> None:
    nasty = NASTY * 60
    statuses = [status(make_experiment(i, hypothesis=nasty), 1.0) for i in range(100)]
    statuses += [
        status(make_experiment(i, closed=True, verdict=Verdict.NOT_MET, final=1.0), None)
        for i in range(100, 200)
    ]
    blocks = experiment_list_blocks(statuses)
    check_limits(blocks)
    text = joined(blocks)
    assert "… and 80 more running experiments" in text
    assert "… and 90 more ended experiments" in text


def test_closing_shows_the_verdict_and_values() -> None:
    closed = status(
        make_experiment(
            7,
            metric=Metric.RESPONSE_RATE,
            threshold=0.5,
            baseline=0.3,
            closed=True,
            verdict=Verdict.MET,
            final=0.55,
        ),
        None,
    )
    for build, verb in ((experiment_closed_blocks, "closed"), (experiment_verdict_blocks, "ended")):
        blocks = build(closed)
        check_limits(blocks)
        text = joined(blocks)
        assert f"Experiment #7 {verb}: verdict met" in text
        assert field_text(blocks, "Baseline").endswith("30%")
        assert field_text(blocks, "Final").endswith("55%")
        assert field_text(blocks, "Target").endswith("≥ 50%")
        assert "The metric reached the target." in text


def test_a_verdict_without_data_says_so() -> None:
    ended = status(
        make_experiment(8, metric=Metric.ENPS, param="pulse.nps", baseline=None, closed=True),
        None,
    )
    text = joined(experiment_verdict_blocks(ended))
    assert "Experiment #8 ended: verdict not enough data" in text
    assert "There was no data for the metric at the end." in text


def test_starting_confirms_the_baseline() -> None:
    started = make_experiment(
        9, metric=Metric.QUADRANT_COUNT, param="fan", direction="decrease", threshold=3, baseline=5
    )
    blocks = experiment_started_blocks(started)
    check_limits(blocks)
    assert "*Experiment #9 started*" in joined(blocks)
    assert field_text(blocks, "Baseline").endswith("\n5")
    assert field_text(blocks, "Target").endswith("≤ 3")
    assert field_text(blocks, "Runs").endswith("2025-03-01 → 2025-03-29")
    no_data = experiment_started_blocks(make_experiment(10, baseline=None))
    assert "no data yet" in field_text(no_data, "Baseline")


def test_experiment_text_is_escaped() -> None:
    nasty = make_experiment(11, hypothesis="<!channel> & <@U1>", param=None)
    for blocks in (
        experiment_started_blocks(nasty),
        experiment_closed_blocks(status(nasty, 1.0)),
        experiment_list_blocks([status(nasty, 1.0)]),
    ):
        text = joined(blocks)
        assert "&lt;!channel&gt; &amp; &lt;@U1&gt;" in text
        assert "<!channel>" not in text


def test_the_form_defaults_end_four_weeks_after_today() -> None:
    today = date(2025, 12, 20)
    view = experiment_modal([], today=today)
    end = next(b for b in view["blocks"] if b.get("block_id") == "end")
    assert end["element"]["initial_date"] == (today + timedelta(days=28)).isoformat()
    channel = next(b for b in view["blocks"] if b.get("block_id") == "channel")
    assert [o["value"] for o in channel["element"]["options"]] == [ALL_CHANNELS]
