"""Block Kit → Adaptive Cards: every block type the builders use, Slack mrkdwn → card Markdown,
and the real builders' answers converted without losing a word."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.adapters.slack import digest_views, survey_views, views
from bot.adapters.teams.cards import (
    TEXT_INPUT_ID,
    TEXT_SUBMIT,
    blocks_to_card,
    card_summary,
    mentioned_ids,
    modal_state,
    modal_to_card,
    survey_card,
    text_input_card,
    to_markdown,
)
from bot.core.questions import QuestionSet
from bot.core.surveys import RunView


@pytest.mark.parametrize(
    ("mrkdwn", "markdown"),
    [
        ("*bold* and _italic_", "**bold** and _italic_"),
        ("a*b*c stays", "a*b*c stays"),
        ("<@U123>", "Ada"),
        ("<@U999|someone>", "someone"),
        ("<@U999>", "U999"),
        ("<#C1> and <#C9|random>", "#general and #random"),
        (
            "closes <!date^1700000000^{date_short_pretty} at {time}|Tue 10:00 UTC>",
            "closes Tue 10:00 UTC",
        ),
        ("see <https://example.com/a?b=1|the docs>", "see [the docs](https://example.com/a?b=1)"),
        ("<https://example.com>", "[https://example.com](https://example.com)"),
        ("1 &lt; 2 &gt; 0 &amp;&amp; &amp;lt;", "1 < 2 > 0 && &lt;"),
        (":warning: done", "⚠️ done"),
        (":unknown_emoji:", ":unknown_emoji:"),
        ("<!here> look", "@here look"),
        # Teams channel ids are not Slack-shaped: the builders leave them escaped or plain.
        ("in &lt;#19:abc@thread.tacv2&gt; now", "in #platform-team now"),
        ("• #19:abc@thread.tacv2 · pulse", "• #platform-team · pulse"),
    ],
)
def test_mrkdwn_to_markdown(mrkdwn: str, markdown: str) -> None:
    names = {"U123": "Ada", "C1": "general", "19:abc@thread.tacv2": "platform-team"}
    assert to_markdown(mrkdwn, names) == markdown


def test_every_block_type() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": "Community  Pulse"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "*Hi* <@U1>\nsecond line"}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Active* 12 (+2)\n_posted this month_"},
                {"type": "mrkdwn", "text": "*Fans* 3"},
                {"type": "mrkdwn", "text": "*Silent* 1"},
            ],
        },
        {"type": "divider"},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": "*Metric*\nreplies"},
                {"type": "mrkdwn", "text": "*Target*\n12"},
            ],
        },
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "_small_"}]},
        {
            "type": "image",
            "slack_file": {"id": "orbit"},
            "alt_text": "Orbit map",
            "title": {"type": "plain_text", "text": "Orbit map"},
        },
        {"type": "image", "image_url": "https://example.com/x.png", "alt_text": "x"},
        {"type": "image", "slack_file": {"id": "missing"}, "alt_text": "Quadrants over time"},
        {
            "type": "actions",
            "block_id": "survey:1:q",
            "elements": [
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Yes"},
                    "action_id": "survey_answer:q:yes",
                    "value": "1|q|yes",
                    "style": "primary",
                },
                {
                    "type": "button",
                    "text": {"type": "plain_text", "text": "Docs"},
                    "url": "https://d",
                },
            ],
        },
        {"type": "input", "label": {"type": "plain_text", "text": "ignored in messages"}},
    ]
    card = blocks_to_card(blocks, {"U1": "Ada"}, {"orbit": "data:image/png;base64,AAAA"})
    assert card["type"] == "AdaptiveCard"
    assert card["version"] == "1.5"
    assert card["fallbackText"] == "Community Pulse"
    body = card["body"]
    kinds = [e["type"] for e in body]
    assert kinds == [
        "TextBlock",  # header
        "TextBlock",  # section line 1
        "TextBlock",  # section line 2
        "ColumnSet",  # fields that are not title/value pairs: two per row
        "ColumnSet",
        "FactSet",  # *Title* over a value
        "TextBlock",  # context
        "TextBlock",  # image title
        "Image",
        "Image",
        "TextBlock",  # an image without a picture: its alt text
        "ActionSet",
    ]
    assert body[0] == {
        "type": "TextBlock",
        "text": "Community Pulse",
        "wrap": True,
        "size": "Large",
        "weight": "Bolder",
    }
    assert body[1]["text"] == "**Hi** Ada"
    assert body[2]["spacing"] == "None"
    assert body[3]["columns"][0]["items"][0]["text"] == "**Active** 12 (+2)"
    assert body[4]["columns"][1]["items"] == []  # the odd field keeps its half
    assert body[5]["separator"] is True  # the divider before it
    assert body[5]["facts"] == [
        {"title": "Metric", "value": "replies"},
        {"title": "Target", "value": "12"},
    ]
    assert body[6]["isSubtle"] is True
    assert body[6]["size"] == "Small"
    assert body[8] == {
        "type": "Image",
        "url": "data:image/png;base64,AAAA",
        "altText": "Orbit map",
        "size": "Stretch",
    }
    assert body[9]["url"] == "https://example.com/x.png"
    assert body[10]["text"] == "_Quadrants over time_"
    submit, link = body[11]["actions"]
    assert submit == {
        "type": "Action.Submit",
        "title": "Yes",
        "data": {"action_id": "survey_answer:q:yes", "value": "1|q|yes"},
        "style": "positive",
    }
    assert link == {"type": "Action.OpenUrl", "title": "Docs", "url": "https://d"}
    assert body[11]["id"] == "survey:1:q"


def test_an_empty_answer_is_still_a_valid_card() -> None:
    card = blocks_to_card([])
    assert card["body"] == [{"type": "TextBlock", "text": " ", "wrap": True}]


def test_the_builders_answers_say_the_same_in_teams() -> None:
    blocks = views.error_blocks("the database is down\ntrace...")
    card = blocks_to_card(blocks)
    text = json.dumps(card, ensure_ascii=False)
    assert "⚠️ Sorry, that did not work: the database is down" in text
    assert "trace" not in text
    assert card_summary(blocks).startswith("⚠️ Sorry")
    help_card = json.dumps(blocks_to_card(views.help_blocks(is_team=False)))
    assert "/orbit me" in help_card
    assert "/orbit digest" not in help_card
    started = json.dumps(blocks_to_card(digest_views.experiment_list_blocks([])))
    assert "Experiments" in started


def question_set() -> QuestionSet:
    return QuestionSet.model_validate(
        {
            "id": "pulse",
            "title": "Platform pulse",
            "description": "Quick.",
            "questions": [
                {
                    "id": "satisfaction",
                    "text": "How happy are you?",
                    "kind": "scale",
                    "options": [
                        {"value": str(v), "label": f"{v} · {label}"}
                        for v, label in enumerate(["Unhappy", "Meh", "Okay", "Good", "Happy"], 1)
                    ],
                    "emoji": {"one": "1", "five": "5"},
                },
                {"id": "blocker", "text": "What slows you down?", "kind": "text"},
            ],
        }
    )


def run_view() -> RunView:
    qset = question_set()
    return RunView(
        run_id=7,
        channel="19:general@thread.tacv2",
        qset=qset,
        questions=tuple(qset.questions),
        opened_at=datetime(2026, 11, 24, 10, tzinfo=UTC),
        closes_at=datetime(2026, 11, 26, 10, tzinfo=UTC),
        reaction_question="satisfaction",
    )


def test_the_survey_card_has_its_buttons_and_the_written_answer_form() -> None:
    run = run_view()
    card = survey_card(run)
    text = json.dumps(card, ensure_ascii=False)
    assert "Platform pulse" in text
    assert "1️⃣" in text  # the reaction line's :one:
    actions = [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]
    submits = [a for a in actions if a["type"] == "Action.Submit"]
    assert [a["data"] for a in submits] == [
        {"action_id": f"survey_answer:satisfaction:{v}", "value": f"7|satisfaction|{v}"}
        for v in "12345"
    ]
    assert survey_views.parse_answer_value(submits[0]["data"]["value"]) == (7, "satisfaction", "1")
    [show] = [a for a in actions if a["type"] == "Action.ShowCard"]
    assert show["title"] == "Write an answer"
    assert show["card"] == text_input_card(run, run.questions[1])


def test_the_written_answer_form() -> None:
    run = run_view()
    card = text_input_card(run, run.questions[1])
    assert card["body"][0]["text"] == "What slows you down?"
    field = card["body"][1]
    assert field["type"] == "Input.Text"
    assert field["id"] == TEXT_INPUT_ID
    assert field["maxLength"] == survey_views.TEXT_MAX
    assert "anonymous" in json.dumps(card).lower()
    [submit] = card["actions"]
    assert submit["data"] == {"action_id": TEXT_SUBMIT, "run": 7, "question": "blocker"}


def test_the_experiment_form_reads_back_like_slacks() -> None:
    channels = [("19:general@thread.tacv2", "general")]
    modal = digest_views.experiment_modal(channels, today=date(2026, 11, 24))
    card = modal_to_card(modal, "experiment_submit")
    inputs = {e["id"]: e for e in card["body"] if e["type"].startswith("Input.")}
    assert set(inputs) == set(digest_views.EXPERIMENT_FIELDS)
    assert inputs["direction"]["style"] == "expanded"
    assert inputs["channel"]["choices"][1] == {
        "title": "#general",
        "value": "19:general@thread.tacv2",
    }
    assert inputs["param"]["isRequired"] is False
    assert inputs["start"] == {
        "id": "start",
        "label": "Start",
        "isRequired": True,
        "errorMessage": "Start is needed.",
        "type": "Input.Date",
        "value": "2026-11-24",
    }
    submitted = {
        "action_id": "experiment_submit",
        "hypothesis": " More office hours ",
        "action": "Thursdays",
        "metric": inputs["metric"]["choices"][0]["value"],
        "param": "",
        "channel": "19:general@thread.tacv2",
        "direction": "decrease",
        "threshold": "40%",
        "start": "2026-11-24",
        "end": "2026-12-24",
    }
    form = digest_views.read_experiment_form(modal_state(modal, submitted))
    assert form == {
        "hypothesis": "More office hours",
        "action": "Thursdays",
        "metric": submitted["metric"],
        "param": None,
        "channel": "19:general@thread.tacv2",
        "direction": "decrease",
        "threshold": "40%",
        "start": "2026-11-24",
        "end": "2026-12-24",
    }


def test_mentioned_ids() -> None:
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": "<@U1> in <#C1|x> &lt;#19:a@b&gt;"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "<@W2|w>"}]},
    ]
    assert mentioned_ids(blocks) == {"U1", "C1", "19:a@b", "W2"}
