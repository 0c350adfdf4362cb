"""Survey Block Kit: the shipped question sets in, Slack-valid, escaped, anonymous blocks out,
with button values that the listeners can read back."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.slack.survey_views import (
    ANSWER_ACTION_PREFIX,
    MAX_ACTIONS_ELEMENTS,
    MAX_BUTTON_TEXT,
    MAX_VIEW_TITLE,
    TEXT_ACTION_PREFIX,
    TEXT_BLOCK,
    TEXT_INPUT,
    TEXT_MAX,
    TEXT_MODAL_CALLBACK,
    answer_value,
    answered_blocks,
    check_survey_limits,
    check_view_limits,
    closed_blocks,
    closed_notice_blocks,
    modal_errors,
    notice_blocks,
    overview_blocks,
    parse_answer_value,
    parse_modal_metadata,
    parse_text_value,
    reminder_blocks,
    removed_blocks,
    results_blocks,
    schedules_blocks,
    slack_date,
    survey_blocks,
    text_modal,
    text_value,
    unknown_run_blocks,
)
from bot.adapters.slack.translate import PayloadError
from bot.adapters.slack.views import Block, check_limits, fallback_text
from bot.core.questions import Question, QuestionSet
from bot.core.surveys import (
    RESULTS_HIDDEN,
    Answer,
    RunResults,
    RunView,
    build_overview,
    culture_advice,
    reaction_question,
    summarize,
)
from bot.prompts import SHIPPED, load_question_sets
from storage.surveys import ScheduleRow

SETS = load_question_sets([SHIPPED])
SET_IDS = sorted(SETS)
OPENED = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
CLOSES = OPENED + timedelta(hours=48)
CLOSES_TOKEN = f"<!date^{int(CLOSES.timestamp())}^{{date_short_pretty}} at {{time}}|"
RUN_ID = 42
SECRET = "ZQX-builds-are-slow-SECRET"
NASTY = "<script>&"


# --- builders -----------------------------------------------------------------------------------


def make_run(
    qset: QuestionSet,
    questions: Sequence[Question] | None = None,
    *,
    run_id: int = RUN_ID,
    respondents: int = 6,
    closes_at: datetime = CLOSES,
    closed: bool = False,
) -> RunView:
    asked = tuple(qset.questions if questions is None else questions)
    return RunView(
        run_id=run_id,
        channel="C1",
        qset=qset,
        questions=asked,
        opened_at=closes_at - timedelta(hours=48),
        closes_at=closes_at,
        reaction_question=reaction_question(asked),
        closed=closed,
        respondents=respondents,
    )


def answers(question_id: str, values: Sequence[str]) -> list[Answer]:
    return [Answer(question_id, v) for v in values]


def cycled(question: Question, count: int) -> list[Answer]:
    """``count`` answers to ``question``, cycling through its options (or distinct texts)."""
    if question.kind == "text":
        return answers(question.id, [f"{SECRET} {i}" for i in range(count)])
    values = [o.value for o in question.options]
    return answers(question.id, [values[i % len(values)] for i in range(count)])


def results_for(
    run: RunView,
    by_question: dict[str, list[Answer]],
    *,
    respondents: int,
    audience: int | None = None,
    min_respondents: int = 5,
    polarities: dict[str, Sequence[float]] | None = None,
) -> RunResults:
    summary = summarize(run.qset, by_question, min_respondents, polarities)
    return RunResults(run, summary, respondents, audience, advice=culture_advice(run.qset, summary))


def full_results(qset: QuestionSet, count: int = 6) -> RunResults:
    run = make_run(qset)
    return results_for(
        run, {q.id: cycled(q, count) for q in run.questions}, respondents=count, audience=10
    )


def pulse_results(**kwargs: Any) -> RunResults:
    """Pulse: satisfaction by 6, last_task_ease by only 2 (hidden), 5 written answers, eNPS +20."""
    run = make_run(SETS["pulse"])
    by_question = {
        "satisfaction": answers("satisfaction", list("524355")),
        "last_task_ease": answers("last_task_ease", ["1", "1"]),
        "blocker": answers("blocker", [f"{SECRET} {i}" for i in range(5)]),
        "enps": answers("enps", ["10", "9", "9", "8", "3", "6", "10", "7", "9", "0"]),
    }
    polarities = {"blocker": [0.3, 0.2, 0.1, 0.5, 0.05]}
    defaults: dict[str, Any] = {"respondents": 10, "audience": 14, "polarities": polarities}
    return results_for(run, by_question, **{**defaults, **kwargs})


def operator_set(emoji: bool = True) -> QuestionSet:
    """An operator's set whose every text tries to inject mrkdwn."""
    return QuestionSet.model_validate(
        {
            "id": "ops",
            "title": f"Ops {NASTY} team",
            "description": f"Say {NASTY} <@U0BOSS> <!channel>",
            "questions": [
                {
                    "id": "mood",
                    "text": f"Is {NASTY} ok?",
                    "kind": "choice",
                    "options": [
                        {"value": "a", "label": f"<x> {NASTY} y"},
                        {"value": "b|c", "label": "b <@U0BOSS>"},
                    ],
                    "emoji": {"one": "a", "two": "b|c"} if emoji else {},
                },
                {"id": "why", "text": f"{NASTY} why?", "kind": "text"},
            ],
        }
    )


# --- reading blocks -----------------------------------------------------------------------------


def dump(blocks: Any) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def mrkdwn_texts(blocks: Sequence[Block]) -> list[str]:
    """Every ``mrkdwn`` text of the blocks (the ones Slack parses)."""
    out: list[str] = []
    for block in blocks:
        objects = [block.get("text"), *block.get("fields", []), *block.get("elements", [])]
        out += [o["text"] for o in objects if isinstance(o, dict) and o.get("type") == "mrkdwn"]
    return out


def section_texts(blocks: Sequence[Block]) -> list[str]:
    return [b["text"]["text"] for b in blocks if b["type"] == "section" and "text" in b]


def actions_blocks(blocks: Sequence[Block]) -> list[Block]:
    return [b for b in blocks if b["type"] == "actions"]


def section_for(blocks: Sequence[Block], question: Question) -> str:
    [text] = [t for t in section_texts(blocks) if question.text in t]
    return text


def no_markup_injected(text: str) -> bool:
    """Only the bot's own ``<!date^…>``, ``<#C…>`` and ``<@U…>`` markup; entities intact."""
    rest = re.sub(r"<!date\^\d+\^[^|>]*\|[^>]*>|<#[CG][A-Z0-9]*>", "", text)
    return "<" not in rest and ">" not in rest and not re.search(r"&(?!amp;|lt;|gt;)", rest)


def every_view(qset: QuestionSet) -> list[list[Block]]:
    run = make_run(qset)
    views = [
        survey_blocks(run),
        closed_blocks(run),
        reminder_blocks(run),
        results_blocks(full_results(qset)),
        results_blocks(full_results(qset, count=2)),
        results_blocks(full_results(qset, count=1000)),
        removed_blocks(qset.questions[0]),
        closed_notice_blocks(),
        unknown_run_blocks(),
    ]
    for question in qset.questions:
        if question.kind == "text":
            views.append(answered_blocks(question, None, CLOSES))
        views += [answered_blocks(question, o.value, CLOSES) for o in question.options]
    return views


# --- limits -------------------------------------------------------------------------------------


@pytest.mark.parametrize("set_id", SET_IDS)
def test_every_builder_keeps_to_slacks_limits(set_id: str) -> None:
    for blocks in every_view(SETS[set_id]):
        check_limits(blocks)
        check_survey_limits(blocks)
        assert fallback_text(blocks)


def test_the_overview_keeps_to_the_limits_next_to_a_full_summary() -> None:
    overview = build_overview([full_results(q) for q in SETS.values()], 5, open_runs=2)
    blocks = overview_blocks(overview)
    check_survey_limits(blocks)
    assert len(blocks) <= 12


def test_the_limit_checker_catches_what_views_does_not_check() -> None:
    button = {"type": "button", "text": {"type": "plain_text", "text": "x"}, "value": "v"}
    too_many = [{**button, "action_id": f"a{i}"} for i in range(MAX_ACTIONS_ELEMENTS + 1)]
    with pytest.raises(ValueError, match="elements"):
        check_survey_limits([{"type": "actions", "elements": too_many}])
    with pytest.raises(ValueError, match="not unique"):
        check_survey_limits([{"type": "actions", "elements": [{**button, "action_id": "a"}] * 2}])
    long_text = {**button, "action_id": "a", "text": {"type": "plain_text", "text": "x" * 76}}
    with pytest.raises(ValueError, match="at most 75"):
        check_survey_limits([{"type": "actions", "elements": [long_text]}])


# --- the survey message and its buttons ---------------------------------------------------------


@pytest.mark.parametrize("set_id", SET_IDS)
def test_answer_buttons_follow_the_wire_convention(set_id: str) -> None:
    run = make_run(SETS[set_id])
    blocks = survey_blocks(run)
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": run.qset.title}}
    actions = actions_blocks(blocks)
    assert [b["block_id"] for b in actions] == [f"survey:{RUN_ID}:{q.id}" for q in run.questions]
    for block, question in zip(actions, run.questions, strict=True):
        if question.kind == "text":
            continue
        elements = block["elements"]
        assert len(elements) == len(question.options)
        for element, option in zip(elements, question.options, strict=True):
            assert element["type"] == "button"
            assert element["action_id"] == f"{ANSWER_ACTION_PREFIX}{question.id}:{option.value}"
            assert element["value"] == f"{RUN_ID}|{question.id}|{option.value}"
            assert element["text"] == {"type": "plain_text", "text": option.label}
            assert len(element["text"]["text"]) <= MAX_BUTTON_TEXT
            assert parse_answer_value(element["value"]) == (RUN_ID, question.id, option.value)


def test_nps_puts_all_eleven_buttons_in_one_block() -> None:
    enps = SETS["pulse"].question("enps")
    assert enps is not None
    [block] = actions_blocks(survey_blocks(make_run(SETS["pulse"], [enps])))
    assert [e["text"]["text"] for e in block["elements"]] == [str(n) for n in range(11)]
    assert block["block_id"] == f"survey:{RUN_ID}:enps"


def test_a_text_question_gets_a_write_button_that_round_trips() -> None:
    run = make_run(SETS["pulse"])
    [block] = [b for b in actions_blocks(survey_blocks(run)) if b["block_id"].endswith("blocker")]
    [button] = block["elements"]
    assert button["action_id"] == f"{TEXT_ACTION_PREFIX}blocker" == "survey_text:blocker"
    assert button["value"] == f"{RUN_ID}|blocker"
    assert button["text"]["text"] == "Write an answer"
    assert parse_text_value(button["value"]) == (RUN_ID, "blocker")


def test_the_survey_message_says_how_to_react_and_that_answers_are_anonymous() -> None:
    blocks = survey_blocks(make_run(SETS["pulse"]))
    contexts = [t for b in blocks if b["type"] == "context" for t in mrkdwn_texts([b])]
    reaction = next(t for t in contexts if "react to this message" in t)
    assert ":one: 1 · Very unhappy" in reaction
    assert ":five: 5 · Very happy" in reaction
    assert "Overall, how happy" in reaction  # several questions: says which one reactions answer
    closing = contexts[-1]
    assert "anonymous" in closing
    assert "without your name" in closing
    assert "change your answer" in closing
    assert CLOSES_TOKEN in closing
    assert closing.endswith("|2026-11-26 10:00 UTC>.")
    assert fallback_text(blocks) == "Platform pulse"


def test_long_labels_are_listed_numbered_and_reactions_refer_to_the_numbers() -> None:
    qset = SETS["culture"]
    blocks = survey_blocks(make_run(qset))
    [question] = qset.questions
    text = section_for(blocks, question)
    for i, option in enumerate(question.options, start=1):
        assert f"\n{i}. {option.label.replace('&', '&amp;')}" in text
    [block] = actions_blocks(blocks)
    assert [e["text"]["text"] for e in block["elements"]] == [o.label for o in question.options]
    reaction = next(t for t in mrkdwn_texts(blocks) if "react to this message" in t)
    assert ":one: 1  :two: 2  :three: 3  :four: 4  :five: 5" in reaction


def test_a_survey_without_emoji_does_not_mention_reactions() -> None:
    blocks = survey_blocks(make_run(operator_set(emoji=False)))
    assert "react" not in dump(blocks)


def test_operator_text_is_escaped_everywhere() -> None:
    qset = operator_set()
    run = make_run(qset)
    mood, why = qset.questions
    results = results_for(
        run,
        {"mood": cycled(mood, 6), "why": cycled(why, 6)},
        respondents=6,
        polarities={"why": [0.0] * 6},
    )
    views = [
        survey_blocks(run),
        closed_blocks(run),
        reminder_blocks(run),
        results_blocks(results),
        answered_blocks(mood, "a", CLOSES),
        answered_blocks(mood, "b|c", CLOSES),
        removed_blocks(mood),
        overview_blocks(build_overview([results], 5)),
    ]
    for blocks in views:
        check_survey_limits(blocks)
        texts = mrkdwn_texts(blocks)
        assert texts
        for text in texts:
            assert no_markup_injected(text), text
    survey = mrkdwn_texts(survey_blocks(run))
    assert any("Is &lt;script&gt;&amp; ok?" in t for t in survey)
    assert any("Say &lt;script&gt;&amp; &lt;@U0BOSS&gt; &lt;!channel&gt;" in t for t in survey)
    assert "&lt;x&gt; &lt;script&gt;&amp; y" in dump(results_blocks(results))
    # plain_text (header, buttons) is not parsed by Slack: the raw text, unescaped.
    assert survey_blocks(run)[0]["text"]["text"] == "Ops <script>& team"


def test_an_option_value_with_the_separator_still_round_trips() -> None:
    blocks = survey_blocks(make_run(operator_set()))
    [block, _] = actions_blocks(blocks)
    second = block["elements"][1]
    assert second["value"] == f"{RUN_ID}|mood|b|c"
    assert parse_answer_value(second["value"]) == (RUN_ID, "mood", "b|c")


# --- parsing button values ----------------------------------------------------------------------

question_ids = st.from_regex(r"[a-z0-9_]{1,64}", fullmatch=True)


@given(
    run_id=st.integers(min_value=0, max_value=10**15),
    question_id=question_ids,
    value=st.text(min_size=1, max_size=75),
)
def test_answer_values_round_trip(run_id: int, question_id: str, value: str) -> None:
    assert parse_answer_value(answer_value(run_id, question_id, value)) == (
        run_id,
        question_id,
        value,
    )


@given(run_id=st.integers(min_value=0, max_value=10**15), question_id=question_ids)
def test_text_values_and_modal_metadata_round_trip(run_id: int, question_id: str) -> None:
    value = text_value(run_id, question_id)
    assert parse_text_value(value) == (run_id, question_id)
    assert parse_modal_metadata(value) == (run_id, question_id)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "garbage",
        "42",
        "42|satisfaction",  # no answer part
        "42|satisfaction|",  # empty answer
        "|satisfaction|5",  # no run id
        "x|satisfaction|5",  # run id is not a number
        "4.2|satisfaction|5",
        "-1|satisfaction|5",
        " 42|satisfaction|5",
        "42||5",  # empty question id
        "42|Satisfaction|5",  # not a question id
        f"42|{'q' * 65}|5",
        f"42|satisfaction|{'5' * 76}",
    ],
)
def test_malformed_answer_values_raise_payload_errors(value: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_answer_value(value)
    assert "answer button" in str(caught.value)


@pytest.mark.parametrize(
    "value", ["", "42", "42|", "|blocker", "x|blocker", "42|blocker|extra", "42|no-id"]
)
def test_malformed_text_values_and_metadata_raise_payload_errors(value: str) -> None:
    with pytest.raises(PayloadError, match="button"):
        parse_text_value(value)
    with pytest.raises(PayloadError, match="form"):
        parse_modal_metadata(value)


# --- closed, reminder, confirmations ------------------------------------------------------------


def test_the_closed_message_lists_the_questions_without_buttons() -> None:
    run = make_run(SETS["pulse"], closed=True)
    blocks = closed_blocks(run)
    assert not actions_blocks(blocks)
    assert "survey_answer" not in dump(blocks)
    assert blocks[0]["text"]["text"] == "Platform pulse (closed)"
    for question in run.questions:
        assert question.text in dump(blocks)
    assert "Closed · 6 people answered · results in the thread" in mrkdwn_texts(blocks)
    one = closed_blocks(make_run(SETS["pulse"], respondents=1))
    assert "Closed · 1 person answered · results in the thread" in mrkdwn_texts(one)


def test_the_reminder_says_when_it_closes_and_names_no_one() -> None:
    text = dump(reminder_blocks(make_run(SETS["pulse"], respondents=6)))
    assert CLOSES_TOKEN in text
    assert "6 people answered so far" in text
    assert "<@" not in text
    assert "Nobody has answered yet" in dump(
        reminder_blocks(make_run(SETS["pulse"], respondents=0))
    )


def test_an_answer_is_confirmed_with_its_label() -> None:
    question = SETS["pulse"].questions[0]
    [section, context] = answered_blocks(question, "4", CLOSES)
    text = section["text"]["text"]
    assert text.startswith(f"Thanks — your answer to “{question.text}” is *4 · Happy*.")
    assert CLOSES_TOKEN in text
    assert "anonymous" in context["elements"][0]["text"]


def test_a_written_answer_is_confirmed_without_echoing_it() -> None:
    question = SETS["pulse"].question("blocker")
    assert question is not None
    text = answered_blocks(question, None, CLOSES)[0]["text"]["text"]
    assert text.startswith(f"Thanks — your written answer to “{question.text}” is saved.")
    assert CLOSES_TOKEN in text


def test_removed_and_notices() -> None:
    question = SETS["pulse"].questions[0]
    assert "removed" in removed_blocks(question)[0]["text"]["text"]
    assert mrkdwn_texts(closed_notice_blocks()) == [
        "This survey has closed; answers are no longer taken."
    ]
    assert mrkdwn_texts(unknown_run_blocks())[0].startswith("I don't know this survey")


def test_slack_dates_have_a_utc_fallback_and_take_naive_times_as_utc() -> None:
    assert slack_date(CLOSES) == (
        f"<!date^{int(CLOSES.timestamp())}^{{date_short_pretty}} at {{time}}|2026-11-26 10:00 UTC>"
    )
    assert slack_date(CLOSES.replace(tzinfo=None)) == slack_date(CLOSES)
    assert slack_date(CLOSES.astimezone(ZoneInfo("Europe/Berlin"))) == slack_date(CLOSES)


# --- results ------------------------------------------------------------------------------------


def test_results_show_mean_distribution_and_counts_per_question() -> None:
    res = pulse_results()
    blocks = results_blocks(res)
    assert blocks[0]["text"]["text"] == "You said: Platform pulse"
    satisfaction = section_for(blocks, SETS["pulse"].questions[0])
    assert "Mean *4.0* of 5 · 6 answers" in satisfaction
    assert "`█████░░░░░` 50% · 5 · Very happy" in satisfaction
    assert "`░░░░░░░░░░` 0% · 1 · Very unhappy" in satisfaction
    footer = mrkdwn_texts(blocks)[-1]
    assert "10 people answered" in footer
    assert "response rate 71% of 14 members" in footer
    assert "at least 5 people" in footer


def test_a_hidden_result_shows_the_notice_and_no_number() -> None:
    res = pulse_results()
    blocks = results_blocks(res)
    question = SETS["pulse"].question("last_task_ease")
    assert question is not None
    text = section_for(blocks, question)
    assert RESULTS_HIDDEN in text
    assert not re.search(r"\d|%", text.replace(question.text, ""))
    assert "Painful" not in dump(blocks)  # the two answers' option is never shown


def test_written_answers_never_appear_only_their_count_and_mood() -> None:
    res = pulse_results()
    question = SETS["pulse"].question("blocker")
    assert question is not None
    blocks = results_blocks(res)
    assert "5 written answers, mood: positive (polarity mean 0.23)" in section_for(blocks, question)
    everything = [
        blocks,
        closed_blocks(res.run),
        reminder_blocks(res.run),
        overview_blocks(build_overview([res], 5)),
    ]
    for shown in everything:
        assert SECRET not in dump(shown)
    unjudged = results_blocks(pulse_results(polarities=None))
    assert "5 written answers." in section_for(unjudged, question)
    negative = results_blocks(pulse_results(polarities={"blocker": [-0.5] * 5}))
    assert "mood: negative (polarity mean -0.50)" in section_for(negative, question)


@pytest.mark.parametrize(
    ("values", "shown"),
    [
        (["10", "9", "9", "8", "3", "6", "10", "7", "9", "0"], "+20"),
        (["0", "0", "0", "9", "8"], "-40"),
        (["9", "0", "7", "8", "9", "1"], "0"),
        (["10"] * 5, "+100"),
    ],
)
def test_enps_is_shown_signed(values: list[str], shown: str) -> None:
    enps = SETS["pulse"].question("enps")
    assert enps is not None
    run = make_run(SETS["pulse"], [enps])
    blocks = results_blocks(results_for(run, {"enps": answers("enps", values)}, respondents=9))
    text = section_for(blocks, enps)
    assert f"eNPS *{shown}* ·" in text
    assert "Promoters (9–10)" in text
    check_survey_limits(blocks)


def test_maturity_results_show_the_median_level_and_shares() -> None:
    qset = SETS["maturity"]
    run = make_run(qset, qset.questions[:2])
    values = ["scalable", "operational", "scalable", "optimizing", "provisional", "scalable"]
    res = results_for(run, {q.id: answers(q.id, values) for q in run.questions}, respondents=6)
    blocks = results_blocks(res)
    text = section_for(blocks, qset.questions[0])
    assert "Level: *Scalable* (median) · 6 answers" in text
    assert "`█████░░░░░` 50% · Scalable" in text
    assert "17% · Provisional" in text


def test_culture_results_show_stage_shares_and_the_advice_for_the_next_stage() -> None:
    qset = SETS["culture"]
    run = make_run(qset)
    values = ["were_great", "im_great", "were_great", "life_is_great", "im_great", "were_great"]
    res = results_for(run, {"team_statement": answers("team_statement", values)}, respondents=6)
    text = section_for(results_blocks(res), qset.questions[0])
    assert "Most common: *We're great*" in text
    assert "33% · I'm great (and you're not)" in text
    assert "0% · Life sucks" in text
    assert res.advice is not None
    assert f"*To reach the next stage:* {res.advice.split()[0]}" in text


def test_journey_results_are_a_funnel() -> None:
    qset = SETS["journey"]
    run = make_run(qset)
    values = ["discover", "learn", "build", "build", "scale", "evaluate"]
    res = results_for(run, {"journey_step": answers("journey_step", values)}, respondents=6)
    text = section_for(results_blocks(res), qset.questions[0])
    lines = [line for line in text.splitlines() if line.startswith("`")]
    assert [line.split(" · ")[-1] for line in lines] == [
        "Discover",
        "Evaluate",
        "Learn",
        "Build",
        "Scale",
    ]
    assert [int(line.split()[1]) for line in lines] == [6, 5, 4, 3, 1]


def test_without_any_shown_result_one_line_says_so() -> None:
    run = make_run(SETS["pulse"])
    res = results_for(run, {"satisfaction": answers("satisfaction", ["3", "4"])}, respondents=2)
    blocks = results_blocks(res)
    assert mrkdwn_texts(blocks) == [
        "Not enough answers to show results (2 answered; results need at least 5)."
    ]
    floor = results_for(
        run, {"satisfaction": answers("satisfaction", ["3"])}, respondents=1, min_respondents=1
    )
    assert "results need at least 3" in dump(results_blocks(floor))


def test_the_footer_leaves_out_the_rate_when_the_audience_is_unknown() -> None:
    footer = mrkdwn_texts(results_blocks(pulse_results(audience=None)))[-1]
    assert footer.startswith("10 people answered")
    assert "response rate" not in footer


# --- the free-text modal ------------------------------------------------------------------------


def test_the_text_modal_carries_the_run_and_question() -> None:
    run = make_run(SETS["pulse"])
    question = SETS["pulse"].question("blocker")
    assert question is not None
    view = text_modal(run, question)
    check_view_limits(view)
    assert view["type"] == "modal"
    assert view["callback_id"] == TEXT_MODAL_CALLBACK == "survey_text"
    assert view["private_metadata"] == f"{RUN_ID}|blocker"
    assert parse_modal_metadata(view["private_metadata"]) == (RUN_ID, "blocker")
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == (
        "Pulse survey",
        "Send",
        "Cancel",
    )
    context, field = view["blocks"]
    assert "anonymous" in context["elements"][0]["text"]
    assert field["type"] == "input"
    assert field["block_id"] == TEXT_BLOCK == "answer"
    assert field["label"] == {"type": "plain_text", "text": question.text}
    element = field["element"]
    assert element["type"] == "plain_text_input"
    assert element["action_id"] == TEXT_INPUT == "text"
    assert element["multiline"] is True
    assert (element["min_length"], element["max_length"]) == (1, TEXT_MAX) == (1, 1000)


def test_the_view_checker_refuses_a_long_title() -> None:
    run = make_run(SETS["pulse"])
    view = text_modal(run, SETS["pulse"].questions[2])
    view["title"] = {"type": "plain_text", "text": "x" * (MAX_VIEW_TITLE + 1)}
    with pytest.raises(ValueError, match="title"):
        check_view_limits(view)


def test_modal_errors_point_at_the_answer_field() -> None:
    assert modal_errors("Write at least one word.") == {
        "response_action": "errors",
        "errors": {"answer": "Write at least one word."},
    }


@settings(max_examples=50, deadline=None)
@given(
    texts=st.lists(
        st.text(min_size=1, max_size=300).map(str.strip).filter(bool), min_size=4, max_size=4
    ),
    labels=st.lists(
        st.text(min_size=1, max_size=75).map(str.strip).filter(bool),
        min_size=2,
        max_size=10,
        unique=True,
    ),
)
def test_any_operator_set_makes_valid_escaped_blocks(texts: list[str], labels: list[str]) -> None:
    title, description, choice_text, free_text = texts
    qset = QuestionSet.model_validate(
        {
            "id": "any",
            "title": title[:150],
            "description": description,
            "questions": [
                {
                    "id": "pick",
                    "text": choice_text,
                    "kind": "choice",
                    "options": [{"value": label, "label": label} for label in labels],
                    "emoji": {"one": labels[0]},
                },
                {"id": "say", "text": free_text, "kind": "text"},
            ],
        }
    )
    run = make_run(qset)
    blocks = survey_blocks(run)
    check_survey_limits(blocks)
    for text in mrkdwn_texts(blocks):
        assert no_markup_injected(text)
    [choice, _] = actions_blocks(blocks)
    assert [parse_answer_value(e["value"])[2] for e in choice["elements"]] == labels
    check_view_limits(text_modal(run, qset.questions[1]))
    res = results_for(run, {"pick": cycled(qset.questions[0], 5)}, respondents=5)
    check_survey_limits(results_blocks(res))


# --- the surveys section of /orbit --------------------------------------------------------------


def test_an_empty_overview_says_how_to_start() -> None:
    blocks = overview_blocks(build_overview([], 5))
    check_limits(blocks)
    assert len(blocks) <= 2
    assert mrkdwn_texts(blocks) == [
        "*Surveys*\nNo surveys yet — start one with `/orbit survey pulse`."
    ]


def test_a_filled_overview_shows_rate_runs_trends_and_frameworks() -> None:
    pulse = SETS["pulse"]
    satisfaction, enps = pulse.question("satisfaction"), pulse.question("enps")
    assert satisfaction is not None
    assert enps is not None
    earlier, later = CLOSES - timedelta(days=7), CLOSES
    first = results_for(
        make_run(pulse, [satisfaction, enps], run_id=1, closes_at=earlier),
        {
            "satisfaction": answers("satisfaction", ["3"] * 5),
            "enps": answers("enps", ["10", "9", "9", "8", "3", "6", "10", "7", "9", "0"]),
        },
        respondents=10,
        audience=20,
    )
    second = results_for(
        make_run(pulse, [satisfaction, enps], run_id=2, closes_at=later),
        {
            "satisfaction": answers("satisfaction", ["4"] * 5),
            "enps": answers("enps", ["0", "0", "0", "9", "8"]),
        },
        respondents=5,
        audience=20,
    )
    closed = [first, second, full_results(SETS["maturity"])]
    closed += [full_results(SETS["culture"]), full_results(SETS["journey"])]
    overview = build_overview(closed, 5, open_runs=1)
    blocks = overview_blocks(overview)
    check_survey_limits(blocks)
    assert len(blocks) <= 12
    text = "\n".join(mrkdwn_texts(blocks))
    assert text.startswith("*Surveys*\nResponse rate: *")
    assert "1 survey is still open" in text
    assert "<#C1> · Platform pulse · 5 of 20 answered" in text
    assert "Overall, how happy are you with the platform right now? — mean 3.0 → 4.0" in text
    assert "eNPS +20 → -40" in text
    assert "• Investment: *" in text
    assert "*Team culture* (6 answers)" in text
    assert overview.culture_advice is not None
    assert overview.culture_advice.split()[0] in text
    assert "*Platform journey*" in text
    assert "Discover" in text
    assert "at least 5 people" in text


def test_an_overview_of_hidden_runs_says_nothing_is_shown_yet() -> None:
    run = make_run(SETS["pulse"])
    hidden = results_for(run, {"satisfaction": answers("satisfaction", ["3"])}, respondents=1)
    text = dump(overview_blocks(build_overview([hidden], 5)))
    assert "No question has had enough answers" in text
    assert "mean" not in text


def test_latest_runs_are_capped_at_five() -> None:
    shown = full_results(SETS["journey"]).results
    runs = [
        RunResults(
            make_run(SETS["journey"], run_id=i, closes_at=CLOSES + timedelta(days=i)), shown, 6
        )
        for i in range(8)
    ]
    text = dump(overview_blocks(build_overview(runs, 5)))
    assert text.count("Platform journey · 6 answered") == 5
    assert "… and 3 more runs" in text


# --- command answers ----------------------------------------------------------------------------


def test_notices_keep_the_bots_mentions_and_escape_the_rest() -> None:
    [block] = notice_blocks(f"Posted *Platform pulse* in <#C1> ({NASTY}); it closes soon.")
    assert block["text"]["text"] == (
        "Posted *Platform pulse* in <#C1> (&lt;script&gt;&amp;); it closes soon."
    )


def test_schedules_are_listed_per_channel() -> None:
    row = ScheduleRow(
        channel_id="C1",
        set_id="pulse",
        cron="0 10 * * tue",
        timezone="Europe/Berlin",
        questions=2,
        open_hours=48,
        reminder=True,
        rotation_weeks=4,
        enabled=False,
        origin="yaml",
    )
    blocks = schedules_blocks([row])
    check_limits(blocks)
    text = dump(blocks)
    assert "<#C1> · *pulse* · `0 10 * * tue` (Europe/Berlin)" in text
    assert "_off_" in text
    empty = schedules_blocks([])
    check_limits(empty)
    assert "No survey schedules yet" in dump(empty)
