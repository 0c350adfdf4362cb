"""Block Kit → Adaptive Cards 1.5, so Teams says exactly what Slack says.

Every answer is built once, as Block Kit, by the pure builders in ``bot.adapters.slack.*views``
(no Slack SDK involved); :func:`blocks_to_card` turns that into an Adaptive Card. Pure functions:
plain dicts in, plain dicts out, no I/O.

The subset converted (all the builders use): ``header`` → a large bold TextBlock; ``section``
text → TextBlocks (one per line, so every Teams client breaks lines the same way) and its
``fields`` → a FactSet when each is ``*Title*`` over a value, else a two-column ColumnSet;
``context`` → small subtle TextBlocks; ``divider`` → a separator on what follows; ``image`` →
an Image (``image_url``, or a ``slack_file`` id looked up in ``images`` — data URIs or URLs);
``actions`` → an ActionSet of Action.Submit whose ``data`` is ``{"action_id", "value"}``.

Slack ``mrkdwn`` becomes the Markdown Adaptive Cards know: ``*bold*`` → ``**bold**``,
``_italic_`` stays, ``<@U1>`` and ``<#C1>`` become names (``names``, falling back to the label
Slack carried or the id), ``<!date^…|fallback>`` its fallback, ``<url|text>`` → ``[text](url)``,
``&lt; &gt; &amp;`` unescaped, and the few emoji shortcodes the builders use → emoji.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from bot.adapters.slack import survey_views
from bot.adapters.slack.views import fallback_text
from bot.core.questions import Question
from bot.core.surveys import RunView

Block = Mapping[str, Any]
Card = dict[str, Any]
Element = dict[str, Any]

SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"
CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

#: ``action_id`` of the free-text survey form's submit button; its data names run and question.
TEXT_SUBMIT = "survey_text_submit"
#: id of the free-text answer input (its value arrives under this key of the submit's data).
TEXT_INPUT_ID = "answer"

_USER = re.compile(r"<@([^|>\s]+)(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#([^|>\s]+)(?:\|([^>]*))?>")
_DATE = re.compile(r"<!date\^[^|>]*\|([^>]*)>")
_SPECIAL = re.compile(r"<!(here|channel|everyone)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto):[^|>\s]+)(?:\|([^>]*))?>")
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_FACT = re.compile(r"^\*([^*\n]+)\*\n(.+)$", re.DOTALL)
_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")

#: The emoji shortcodes the builders write, as emoji (others stay as typed).
EMOJI = {
    "warning": "⚠️",
    "hourglass_flowing_sand": "⏳",
    "white_check_mark": "✅",
    "tada": "🎉",
    "+1": "👍",
    "thumbsup": "👍",
    "heart": "❤️",
    "zero": "0️⃣",
    "one": "1️⃣",
    "two": "2️⃣",
    "three": "3️⃣",
    "four": "4️⃣",
    "five": "5️⃣",
    "six": "6️⃣",
    "seven": "7️⃣",
    "eight": "8️⃣",
    "nine": "9️⃣",
    "keycap_ten": "🔟",
}

_BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}


# --------------------------------------------------------------------------- text


def _name(names: Mapping[str, str], ident: str, label: str | None) -> str:
    return names.get(ident) or (label.strip() if label and label.strip() else ident)


def to_markdown(mrkdwn: str, names: Mapping[str, str] | None = None) -> str:
    """Slack ``mrkdwn`` as Adaptive Card Markdown (see the module docstring)."""
    known = names or {}
    text = _BOLD.sub(r"**\1**", mrkdwn)
    text = _USER.sub(lambda m: _name(known, m.group(1), m.group(2)), text)
    text = _CHANNEL.sub(lambda m: "#" + _name(known, m.group(1), m.group(2)).lstrip("#"), text)
    text = _DATE.sub(lambda m: m.group(1), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _LINK.sub(lambda m: f"[{m.group(2) or m.group(1)}]({m.group(1)})", text)
    text = _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return _known_ids(text, known)


def _known_ids(text: str, names: Mapping[str, str]) -> str:
    """Ids the Slack builders could not mark up (Teams ids are not Slack-shaped: ``<#19:…>`` is
    escaped, ``#19:…`` written plainly), by name too."""
    present = sorted((i for i in names if i and i in text), key=len, reverse=True)
    if not present:
        return text
    pattern = re.compile(r"(<#|<@|#)(" + "|".join(map(re.escape, present)) + r")(>?)(?![\w:@.-])")

    def name(match: re.Match[str]) -> str:
        shown = names[match.group(2)]
        if match.group(1) == "<@":
            return shown
        return "#" + shown.lstrip("#")

    return pattern.sub(name, text)


def _plain(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- elements


def _text_block(text: str, **style: Any) -> Element:
    return {"type": "TextBlock", "text": text or " ", "wrap": True, **style}


def _lines(mrkdwn: str, names: Mapping[str, str], **style: Any) -> list[Element]:
    lines = [line for line in to_markdown(mrkdwn, names).split("\n") if line.strip()]
    out = [_text_block(line, **style) for line in lines or [" "]]
    for element in out[1:]:
        element["spacing"] = "None"
    return out


def _fields(fields: Sequence[Any], names: Mapping[str, str]) -> list[Element]:
    texts = [str(f.get("text", "")) for f in fields if isinstance(f, Mapping)]
    facts = [_FACT.match(t) for t in texts]
    if texts and all(facts):
        return [
            {
                "type": "FactSet",
                "facts": [
                    {
                        "title": _plain(to_markdown(m.group(1), names)),
                        "value": to_markdown(m.group(2), names).replace("\n", " · "),
                    }
                    for m in facts
                    if m is not None
                ],
            }
        ]
    rows = []
    for start in range(0, len(texts), 2):
        columns = [
            {"type": "Column", "width": "stretch", "items": _lines(t, names)}
            for t in texts[start : start + 2]
        ]
        if len(columns) == 1:
            columns.append({"type": "Column", "width": "stretch", "items": []})
        rows.append({"type": "ColumnSet", "columns": columns})
    return rows


def _image(block: Block, images: Mapping[str, str], names: Mapping[str, str]) -> list[Element]:
    url = block.get("image_url")
    file = block.get("slack_file")
    if not isinstance(url, str) and isinstance(file, Mapping):
        url = images.get(str(file.get("id", ""))) or file.get("url")
    alt = _plain(str(block.get("alt_text", ""))) or "picture"
    title = block.get("title")
    title_text = _plain(str(title.get("text", ""))) if isinstance(title, Mapping) else ""
    if not isinstance(url, str) or not url:
        return [_text_block(f"_{alt}_", isSubtle=True)]  # no picture to show: say what it was
    out: list[Element] = []
    if title_text:
        out.append(_text_block(f"**{title_text}**"))
    out.append({"type": "Image", "url": url, "altText": alt, "size": "Stretch"})
    return out


def button_action(element: Block) -> Element | None:
    """A Block Kit button as an Adaptive Card action: a link opens, any other is submitted with
    ``{"action_id", "value"}``."""
    if element.get("type") != "button":
        return None
    text = element.get("text")
    title = _plain(str(text.get("text", ""))) if isinstance(text, Mapping) else ""
    title = title or "OK"
    if isinstance(element.get("url"), str):
        return {"type": "Action.OpenUrl", "title": title, "url": element["url"]}
    action: Element = {
        "type": "Action.Submit",
        "title": title,
        "data": {"action_id": element.get("action_id", ""), "value": element.get("value", "")},
    }
    style = _BUTTON_STYLES.get(str(element.get("style", "")))
    if style:
        action["style"] = style
    return action


def _actions(block: Block) -> list[Element]:
    actions = [a for e in block.get("elements", []) if (a := button_action(e)) is not None]
    if not actions:
        return []
    action_set: Element = {"type": "ActionSet", "actions": actions}
    if isinstance(block.get("block_id"), str):
        action_set["id"] = block["block_id"]
    return [action_set]


def block_elements(
    block: Block, names: Mapping[str, str], images: Mapping[str, str]
) -> list[Element]:
    """One Block Kit block as Adaptive Card elements (unknown blocks: none)."""
    kind = block.get("type")
    if kind == "header":
        text = block.get("text")
        title = _plain(str(text.get("text", ""))) if isinstance(text, Mapping) else ""
        return [_text_block(title or " ", size="Large", weight="Bolder")]
    if kind == "section":
        out: list[Element] = []
        text = block.get("text")
        if isinstance(text, Mapping) and isinstance(text.get("text"), str):
            if text.get("type") == "plain_text":
                out.append(_text_block(_plain(text["text"])))
            else:
                out += _lines(text["text"], names)
        fields = block.get("fields")
        if isinstance(fields, list) and fields:
            out += _fields(fields, names)
        accessory = block.get("accessory")
        if isinstance(accessory, Mapping):
            out += _actions({"elements": [accessory]})
        return out
    if kind == "context":
        parts = [
            str(e["text"])
            for e in block.get("elements", [])
            if isinstance(e, Mapping) and isinstance(e.get("text"), str) and e["text"].strip()
        ]
        return _lines("  ".join(parts), names, size="Small", isSubtle=True) if parts else []
    if kind == "image":
        return _image(block, images, names)
    if kind == "actions":
        return _actions(block)
    return []


def blocks_to_card(
    blocks: Iterable[Block],
    names: Mapping[str, str] | None = None,
    images: Mapping[str, str] | None = None,
) -> Card:
    """Block Kit blocks as an Adaptive Card 1.5. ``names`` maps member and channel ids to what
    to show for them; ``images`` maps ``slack_file`` ids to an image URL or data URI."""
    known, pictures = names or {}, images or {}
    body: list[Element] = []
    separate = False
    all_blocks = list(blocks)
    for block in all_blocks:
        if block.get("type") == "divider":
            separate = bool(body)
            continue
        elements = block_elements(block, known, pictures)
        if not elements:
            continue
        if separate:
            elements[0]["separator"] = True
            elements[0]["spacing"] = "Medium"
            separate = False
        body += elements
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body or [_text_block(" ")],
        "fallbackText": card_summary(all_blocks, known),
        "msteams": {"width": "Full"},
    }


def card_summary(blocks: Sequence[Block], names: Mapping[str, str] | None = None) -> str:
    """One line for notifications and screen readers (Slack's ``fallback_text``, as plain text)."""
    line = to_markdown(fallback_text([dict(b) for b in blocks]), names).replace("**", "")
    return _plain(line) or "Community Pulse"


def attachment(card: Card) -> dict[str, Any]:
    """The card as a Bot Framework attachment."""
    return {"contentType": CONTENT_TYPE, "content": card}


# --------------------------------------------------------------------------- surveys


def text_input_card(run: RunView, question: Question) -> Card:
    """The form that takes a written answer (Slack's free-text modal): an Input.Text and a
    submit whose data is ``{"action_id": "survey_text_submit", "run": …, "question": …}``."""
    modal = survey_views.text_modal(run, question)
    blocks = modal["blocks"]
    note = next((b for b in blocks if b.get("type") == "context"), None)
    body: list[Element] = [
        _text_block(to_markdown(question.text), weight="Bolder"),
        {
            "type": "Input.Text",
            "id": TEXT_INPUT_ID,
            "isMultiline": True,
            "maxLength": survey_views.TEXT_MAX,
            "placeholder": "A sentence or two is plenty.",
            "isRequired": True,
            "errorMessage": "Write a few words, or leave it.",
        },
    ]
    if note is not None:
        body += block_elements(note, {}, {})
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "actions": [
            {
                "type": "Action.Submit",
                "title": "Send",
                "data": {"action_id": TEXT_SUBMIT, "run": run.run_id, "question": question.id},
            }
        ],
    }


def survey_card(run: RunView, names: Mapping[str, str] | None = None) -> Card:
    """The open survey (Slack's survey message). A written-answer question's "Write an answer"
    button opens :func:`text_input_card` in place (Action.ShowCard): only the member who opens
    it sees it, like Slack's modal."""
    card = blocks_to_card(survey_views.survey_blocks(run), names)
    questions = {q.id: q for q in run.questions}
    for element in card["body"]:
        if element.get("type") != "ActionSet":
            continue
        for i, action in enumerate(element["actions"]):
            action_id = str(action.get("data", {}).get("action_id", ""))
            if not action_id.startswith(survey_views.TEXT_ACTION_PREFIX):
                continue
            question = questions.get(action_id.removeprefix(survey_views.TEXT_ACTION_PREFIX))
            if question is not None:
                element["actions"][i] = {
                    "type": "Action.ShowCard",
                    "title": action["title"],
                    "card": text_input_card(run, question),
                }
    return card


def mentioned_ids(blocks: Iterable[Block]) -> set[str]:
    """Every ``<@ID>`` and ``<#ID>`` in the blocks' text (to look their names up)."""
    found: set[str] = set()
    stack: list[Any] = list(blocks)
    while stack:
        item = stack.pop()
        if isinstance(item, Mapping):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and ("<" in item or "&lt;" in item):
            text = item.replace("&lt;", "<").replace("&gt;", ">")
            found |= {m.group(1) for m in _USER.finditer(text)}
            found |= {m.group(1) for m in _CHANNEL.finditer(text)}
    return found


# --------------------------------------------------------------------------- forms


def _input(element: Mapping[str, Any], field: str, label: str, required: bool) -> Element | None:
    kind = element.get("type")
    placeholder = element.get("placeholder")
    hint = _plain(str(placeholder.get("text", ""))) if isinstance(placeholder, Mapping) else ""
    out: Element = {"id": field, "label": label, "isRequired": required}
    if required:
        out["errorMessage"] = f"{label} is needed."
    if kind == "plain_text_input":
        out |= {"type": "Input.Text", "isMultiline": bool(element.get("multiline"))}
        if isinstance(element.get("max_length"), int):
            out["maxLength"] = element["max_length"]
        if isinstance(element.get("initial_value"), str):
            out["value"] = element["initial_value"]
    elif kind in ("static_select", "radio_buttons"):
        options = [o for o in element.get("options", []) if isinstance(o, Mapping)]
        out |= {
            "type": "Input.ChoiceSet",
            "style": "expanded" if kind == "radio_buttons" else "compact",
            "choices": [
                {"title": _plain(str(o.get("text", {}).get("text", ""))), "value": o.get("value")}
                for o in options
            ],
        }
        initial = element.get("initial_option")
        if isinstance(initial, Mapping):
            out["value"] = initial.get("value")
    elif kind == "datepicker":
        out["type"] = "Input.Date"
        if isinstance(element.get("initial_date"), str):
            out["value"] = element["initial_date"]
    elif kind in ("conversations_select", "channels_select"):
        out |= {"type": "Input.Text"}  # Teams has no channel picker in cards: a name or an id
        hint = hint or "a channel name or id"
    else:
        return None
    if hint and out["type"] == "Input.Text":
        out["placeholder"] = hint
    return out


def modal_to_card(modal: Mapping[str, Any], action_id: str) -> Card:
    """A Slack modal (its ``input`` and ``context`` blocks) as an Adaptive Card form: each input
    keeps its ``block_id`` as its id; the submit button's data is ``{"action_id": action_id}``
    and Teams merges the inputs' values into it."""
    body: list[Element] = []
    title = modal.get("title")
    if isinstance(title, Mapping):
        body.append(_text_block(_plain(str(title.get("text", ""))), size="Large", weight="Bolder"))
    for block in modal.get("blocks", []):
        if not isinstance(block, Mapping):
            continue
        if block.get("type") != "input":
            body += block_elements(block, {}, {})
            continue
        field = str(block.get("block_id", ""))
        label_obj = block.get("label")
        label = _plain(str(label_obj.get("text", ""))) if isinstance(label_obj, Mapping) else field
        element = block.get("element")
        if not isinstance(element, Mapping):
            continue
        made = _input(element, field, label, not block.get("optional"))
        if made is not None:
            body.append(made)
        hint = block.get("hint")
        if isinstance(hint, Mapping) and hint.get("text"):
            body.append(_text_block(str(hint["text"]), size="Small", isSubtle=True, spacing="None"))
    submit = modal.get("submit")
    submit_title = _plain(str(submit.get("text", ""))) if isinstance(submit, Mapping) else "Submit"
    return {
        "type": "AdaptiveCard",
        "$schema": SCHEMA,
        "version": VERSION,
        "body": body,
        "actions": [
            {"type": "Action.Submit", "title": submit_title, "data": {"action_id": action_id}}
        ],
    }


def modal_state(modal: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
    """A submitted form's data in the shape of Slack's ``view.state.values`` for ``modal``, so
    the Slack form readers (``digest_views.read_experiment_form``) read Teams forms too."""
    state: dict[str, Any] = {}
    for block in modal.get("blocks", []):
        if not isinstance(block, Mapping) or block.get("type") != "input":
            continue
        field = str(block.get("block_id", ""))
        element = block.get("element")
        kind = element.get("type") if isinstance(element, Mapping) else None
        raw = data.get(field)
        value = raw.strip() if isinstance(raw, str) and raw.strip() else None
        entry: dict[str, Any] = {"type": kind}
        if kind in ("static_select", "radio_buttons"):
            entry["selected_option"] = None if value is None else {"value": value}
        elif kind == "datepicker":
            entry["selected_date"] = value
        elif kind == "conversations_select":
            entry["selected_conversation"] = value
        elif kind == "channels_select":
            entry["selected_channel"] = value
        else:
            entry["value"] = value
        state[field] = {field: entry}
    return state
