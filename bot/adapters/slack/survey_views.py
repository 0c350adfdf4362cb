"""Pulse surveys → Slack Block Kit: the survey message, its reminder and results, the free-text
form, the ephemeral confirmations and the surveys section of ``/orbit``. Plain dicts only: no
Slack SDK calls, no I/O. Text is escaped and clipped as in :mod:`bot.adapters.slack.views`.

Wire conventions (the listeners in :mod:`bot.adapters.slack.surveys` depend on them exactly)
---------------------------------------------------------------------------------------------
* One ``actions`` block per answerable question, ``block_id = "survey:{run_id}:{question_id}"``.
* An answer button: ``action_id = "survey_answer:{question_id}:{value}"`` and
  ``value = "{run_id}|{question_id}|{value}"`` (``value`` is the option's value; question ids never
  contain ``|``, so the option value may). Read it back with :func:`parse_answer_value`.
* A free-text question: a "Write an answer" button, ``action_id = "survey_text:{question_id}"``,
  ``value = "{run_id}|{question_id}"`` (:func:`parse_text_value`). It opens :func:`text_modal`,
  whose ``private_metadata`` has the same shape (:func:`parse_modal_metadata`).

Privacy: results are built from :class:`~bot.core.surveys.RunResults` only, so a question
answered by too few people shows :data:`~bot.core.surveys.RESULTS_HIDDEN` and no number, and a
written answer is never shown anywhere (only how many there were and their mean polarity).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from bot.adapters.slack.translate import PayloadError
from bot.adapters.slack.views import (
    MAX_SECTION_TEXT,
    MESSAGE_MAX,
    Block,
    _context,
    _divider,
    _fit,
    _header,
    _section,
    _sections,
    check_limits,
    clip,
    clip_mrkdwn,
    escape_mrkdwn,
)
from bot.core.questions import ID_PATTERN, LABELS, MATURITY_LEVELS, OPTION_LABEL_MAX, Question
from bot.core.surveys import (
    DETRACTOR_MAX,
    PROMOTER_MIN,
    RESULTS_HIDDEN,
    CultureResult,
    HiddenResult,
    JourneyResult,
    MaturityResult,
    QuestionResult,
    QuestionTrend,
    RunResults,
    RunView,
    SurveyOverview,
)
from bot.render.markdown import more_text
from bot.render.surveys import format_enps, format_share

if TYPE_CHECKING:
    from storage.surveys import ScheduleRow

# --- wire conventions ---------------------------------------------------------------------------

#: ``action_id`` prefix of every answer button: ``survey_answer:{question_id}:{value}``.
ANSWER_ACTION_PREFIX: Final = "survey_answer:"
#: ``action_id`` prefix of the "Write an answer" button: ``survey_text:{question_id}``.
TEXT_ACTION_PREFIX: Final = "survey_text:"
#: ``block_id`` prefix of a question's actions block: ``survey:{run_id}:{question_id}``.
BLOCK_PREFIX: Final = "survey:"
#: ``callback_id`` of the free-text modal.
TEXT_MODAL_CALLBACK: Final = "survey_text"
#: ``block_id`` of the modal's input block, and ``action_id`` of its text input.
TEXT_BLOCK: Final = "answer"
TEXT_INPUT: Final = "text"
#: Longest written answer taken by the modal.
TEXT_MAX: Final = 1000
#: Separator inside button values and the modal's ``private_metadata``.
SEPARATOR: Final = "|"

# --- Slack's limits for interactive parts (docs.slack.dev, Block Kit reference) -----------------

#: Elements of an ``actions`` block.
MAX_ACTIONS_ELEMENTS: Final = 25
#: ``plain_text`` of a button, and its ``accessibility_label``.
MAX_BUTTON_TEXT: Final = 75
#: ``action_id`` and ``block_id``.
MAX_ACTION_ID: Final = 255
MAX_BLOCK_ID: Final = 255
#: ``value`` of a button.
MAX_BUTTON_VALUE: Final = 2000
#: Modal title, submit and close texts.
MAX_VIEW_TITLE: Final = 24
#: Blocks in a modal.
MAX_VIEW_BLOCKS: Final = 100
#: ``label`` of an input block, ``placeholder`` of an input, ``private_metadata``, ``callback_id``.
MAX_INPUT_LABEL: Final = 2000
MAX_PLACEHOLDER: Final = 150
MAX_PRIVATE_METADATA: Final = 3000
MAX_CALLBACK_ID: Final = 255
#: ``max_length`` of a ``plain_text_input``.
MAX_TEXT_INPUT: Final = 3000

# --- our own display choices --------------------------------------------------------------------

#: A choice question with an option label longer than this lists its options numbered in the
#: question's text, so the reactions (:one:, :two: …) can refer to the numbers.
LONG_LABEL: Final = 32
#: Width of a share bar, in characters.
BAR_WIDTH: Final = 10
BAR_FULL: Final = "█"
BAR_EMPTY: Final = "░"
#: Mean polarity from which written answers read as positive (or, negated, negative).
MOOD_THRESHOLD: Final = 0.1
#: Latest runs listed in the ``/orbit`` surveys section.
RUNS_SHOWN: Final = 5
#: Written answers shown per question in /orbit, and for how many questions.
COMMENTS_SHOWN: Final = 5
COMMENT_QUESTIONS_SHOWN: Final = 2
#: Characters of a question's text in a trend line.
TREND_TEXT_MAX: Final = 80
#: Characters of a question's text quoted in a confirmation or the reaction line.
QUOTE_MAX: Final = 120

TITLE: Final = "Pulse survey"
NO_SURVEYS: Final = "No surveys yet — start one with `/orbit survey pulse`."
ANONYMOUS: Final = "Answers are anonymous: they are stored without your name."

_DASH: Final = "—"
_ARROW: Final = " → "
_RUN_ID = re.compile(r"\d{1,18}")
_QUESTION_ID = re.compile(ID_PATTERN.removeprefix("^").removesuffix("$"))
_QUESTION_ID_MAX: Final = 64
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{0,30}$")
#: Channel and user mentions the bot itself writes into notices, restored after escaping.
_MENTION = re.compile(r"&lt;(#[CG][A-Z0-9]{0,30}|@[UW][A-Z0-9]{0,30})&gt;")
_SCALE_TOP: Final = {"scale": 5, "nps": 10}


# --- values on the wire -------------------------------------------------------------------------


def answer_action_id(question_id: str, value: str) -> str:
    return f"{ANSWER_ACTION_PREFIX}{question_id}:{value}"


def answer_value(run_id: int, question_id: str, value: str) -> str:
    return f"{run_id}{SEPARATOR}{question_id}{SEPARATOR}{value}"


def text_action_id(question_id: str) -> str:
    return f"{TEXT_ACTION_PREFIX}{question_id}"


def text_value(run_id: int, question_id: str) -> str:
    """The "Write an answer" button's value; also the modal's ``private_metadata``."""
    return f"{run_id}{SEPARATOR}{question_id}"


def question_block_id(run_id: int, question_id: str) -> str:
    return f"{BLOCK_PREFIX}{run_id}:{question_id}"


def _run_id(text: str, what: str) -> int:
    if not _RUN_ID.fullmatch(text):
        raise PayloadError(f"{what} does not start with a survey number (got {text[:20]!r})")
    return int(text)


def _question_id(text: str, what: str) -> str:
    if not text:
        raise PayloadError(f"{what} names no question")
    if len(text) > _QUESTION_ID_MAX or not _QUESTION_ID.fullmatch(text):
        raise PayloadError(f"{what} names no valid question id (got {text[:20]!r})")
    return text


def parse_answer_value(value: str) -> tuple[int, str, str]:
    """``(run_id, question_id, option value)`` from an answer button's value
    ``"{run_id}|{question_id}|{value}"``; PayloadError if it does not have that shape."""
    what = "the answer button's value"
    parts = value.split(SEPARATOR, 2)
    if len(parts) != 3:
        raise PayloadError(f"{what} is not survey|question|answer")
    run, question, option = parts
    if not option:
        raise PayloadError(f"{what} carries no answer")
    if len(option) > OPTION_LABEL_MAX:
        raise PayloadError(f"{what} carries an answer longer than {OPTION_LABEL_MAX} characters")
    return _run_id(run, what), _question_id(question, what), option


def _parse_pair(value: str, what: str) -> tuple[int, str]:
    parts = value.split(SEPARATOR)
    if len(parts) != 2:
        raise PayloadError(f"{what} is not survey|question")
    return _run_id(parts[0], what), _question_id(parts[1], what)


def parse_text_value(value: str) -> tuple[int, str]:
    """``(run_id, question_id)`` from a "Write an answer" button's value; PayloadError if
    malformed."""
    return _parse_pair(value, "the write-an-answer button's value")


def parse_modal_metadata(private_metadata: str) -> tuple[int, str]:
    """``(run_id, question_id)`` from the free-text modal's ``private_metadata``; PayloadError if
    malformed."""
    return _parse_pair(private_metadata, "the form's metadata")


# --- small wording helpers ----------------------------------------------------------------------


def slack_date(when: datetime) -> str:
    """A time Slack shows in the reader's own time zone, e.g. "Thursday at 10:00", with a UTC
    fallback for clients that cannot. A naive ``when`` is taken as UTC."""
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    fallback = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _people(n: int) -> str:
    return f"{n:,} {'person' if n == 1 else 'people'}"


def _answers(n: int, noun: str = "answer") -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _text(text: str, limit: int = MAX_SECTION_TEXT) -> str:
    """Operator text (titles, questions, labels) for ``mrkdwn``: escaped, cut to ``limit``."""
    return clip_mrkdwn(escape_mrkdwn(text), limit)


def _quote(question: Question) -> str:
    return f"“{_text(clip(question.text, QUOTE_MAX))}”"


def _label(key: str | None) -> str:
    return _DASH if key is None else LABELS.get(key, key)


def _channel(channel: str) -> str:
    if _CHANNEL_ID.match(channel):
        return f"<#{channel}>"
    return "#" + escape_mrkdwn(clip(channel.lstrip("#"), 80))


def _bar(share: float) -> str:
    filled = max(0, min(BAR_WIDTH, round(share * BAR_WIDTH)))
    return f"`{BAR_FULL * filled}{BAR_EMPTY * (BAR_WIDTH - filled)}`"


def _share_line(share: float, label: str) -> str:
    return f"{_bar(share)} {format_share(share)} · {label}"


def _mean(mean: float | None) -> str:
    return _DASH if mean is None else f"{mean:.1f}"


def _is_long(question: Question) -> bool:
    return question.kind == "choice" and any(len(o.label) > LONG_LABEL for o in question.options)


def _question_for(run: RunView, question_id: str) -> Question | None:
    return next((q for q in run.questions if q.id == question_id), None) or run.qset.question(
        question_id
    )


# --- the survey message -------------------------------------------------------------------------


def _plain_text(text: str, limit: int) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(" ".join(text.split()), limit) or " "}


def _button(text: str, action_id: str, value: str) -> Block:
    return {
        "type": "button",
        "text": _plain_text(text, MAX_BUTTON_TEXT),
        "action_id": action_id,
        "value": value,
    }


def _question_text(question: Question, number: int | None) -> str:
    lead = f"*{number}.* " if number is not None else ""
    text = f"{lead}*{_text(question.text)}*"
    if _is_long(question):
        text += "".join(f"\n{i}. {_text(o.label)}" for i, o in enumerate(question.options, start=1))
    return text


def _actions(run_id: int, question: Question) -> Block:
    if question.kind == "text":
        elements = [
            _button("Write an answer", text_action_id(question.id), text_value(run_id, question.id))
        ]
    else:
        elements = [
            _button(
                o.label,
                answer_action_id(question.id, o.value),
                answer_value(run_id, question.id, o.value),
            )
            for o in question.options[:MAX_ACTIONS_ELEMENTS]
        ]
    return {
        "type": "actions",
        "block_id": question_block_id(run_id, question.id),
        "elements": elements,
    }


def _reaction_line(run: RunView) -> str:
    question = run.reaction_target
    if question is None or not question.emoji:
        return ""
    order = {o.value: i for i, o in enumerate(question.options)}
    numbered = _is_long(question)
    parts = []
    for name, value in sorted(question.emoji.items(), key=lambda kv: order.get(kv[1], 99)):
        option = question.option(value)
        if option is None:
            continue
        shown = str(order[value] + 1) if numbered else _text(option.label)
        parts.append(f":{name}: {shown}")
    if not parts:
        return ""
    which = f" to answer {_quote(question)}" if len(run.questions) > 1 else ""
    return f"Or react to this message{which}:  " + "  ".join(parts)


def _closing_line(closes_at: datetime) -> str:
    return (
        f"{ANONYMOUS} You can change your answer until the survey closes {slack_date(closes_at)}."
    )


def survey_blocks(run: RunView) -> list[Block]:
    """The open survey message: title, description, each question with its buttons (or a "Write
    an answer" button), the emoji that answer by reaction, and when it closes."""
    blocks: list[Block] = [_header(run.qset.title), _section(_text(run.qset.description))]
    numbered = len(run.questions) > 1
    for i, question in enumerate(run.questions, start=1):
        blocks.append(_section(_question_text(question, i if numbered else None)))
        blocks.append(_actions(run.run_id, question))
    reaction = _reaction_line(run)
    if reaction:
        blocks.append(_context(reaction))
    blocks.append(_context(_closing_line(run.closes_at)))
    return _fit(blocks)


def closed_blocks(run: RunView) -> list[Block]:
    """The survey message once closed: the questions without buttons, and how many answered."""
    lines = [f"• {_text(clip(q.text, QUOTE_MAX * 2))}" for q in run.questions]
    blocks: list[Block] = [_header(f"{run.qset.title} (closed)")]
    blocks += _sections(lines) if lines else []
    answered = f"{_people(run.respondents)} answered"
    blocks.append(_context(f"Closed · {answered} · results in the thread"))
    return _fit(blocks)


def reminder_blocks(run: RunView) -> list[Block]:
    """A reminder in the survey's thread: when it closes and how many answered (no names)."""
    so_far = (
        f"{_people(run.respondents)} answered so far."
        if run.respondents
        else "Nobody has answered yet."
    )
    return [
        _section(
            f":hourglass_flowing_sand: Reminder: *{_text(clip(run.qset.title, QUOTE_MAX))}* "
            f"closes {slack_date(run.closes_at)}. {so_far} There's still time to add yours."
        ),
        _context(ANONYMOUS),
    ]


# --- results ------------------------------------------------------------------------------------


def _scale_lines(question: Question, result: QuestionResult) -> list[str]:
    n = result.n
    top = _SCALE_TOP.get(result.kind, 5)
    lines: list[str] = []
    if result.kind == "nps":
        lines.append(
            f"eNPS *{format_enps(result.enps)}* · mean {_mean(result.mean)} of {top} · "
            f"{_answers(n)}"
        )
        counts = dict(result.counts)
        promoters = sum(c for v, c in counts.items() if int(v) >= PROMOTER_MIN)
        detractors = sum(c for v, c in counts.items() if int(v) <= DETRACTOR_MAX)
        passives = n - promoters - detractors
        lines.append(
            f"Promoters ({PROMOTER_MIN}–10) {format_share(promoters / n if n else 0)} · "
            f"passives {format_share(passives / n if n else 0)} · "
            f"detractors (0–{DETRACTOR_MAX}) {format_share(detractors / n if n else 0)}"
        )
    else:
        lines.append(f"Mean *{_mean(result.mean)}* of {top} · {_answers(n)}")
    lines += _option_lines(question, result)
    return lines


def _option_lines(question: Question, result: QuestionResult) -> list[str]:
    n = result.n
    lines = []
    counts = result.counts if result.kind == "choice" else tuple(reversed(result.counts))
    for value, count in counts:
        option = question.option(value)
        label = _text(clip(option.label if option else value, QUOTE_MAX))
        lines.append(_share_line(count / n if n else 0.0, label))
    return lines


def _framework_lines(result: QuestionResult, advice: str | None) -> list[str]:
    framework = result.framework
    if isinstance(framework, MaturityResult):
        lines = [f"Level: *{_label(framework.median)}* (median) · {_answers(framework.n)}"]
        shares = dict(framework.shares)
        lines += [_share_line(shares.get(level, 0.0), _label(level)) for level in MATURITY_LEVELS]
        return lines
    if isinstance(framework, CultureResult):
        lines = [f"Most common: *{_label(framework.most_common)}* · {_answers(framework.n)}"]
        lines += [_share_line(share, _label(stage)) for stage, share in framework.shares]
        if advice:
            lines.append(f"*To reach the next stage:* {_text(advice)}")
        return lines
    if isinstance(framework, JourneyResult):
        lines = [f"People at each step or later · {_answers(framework.n)}"]
        n = framework.n
        lines += [
            f"{_bar(count / n if n else 0.0)} {count:,} · {_label(step)}"
            for step, count in framework.funnel
        ]
        return lines
    return []


def _mood(polarity: float) -> str:
    if polarity >= MOOD_THRESHOLD:
        return "positive"
    if polarity <= -MOOD_THRESHOLD:
        return "negative"
    return "neutral"


def _result_lines(question: Question, result: QuestionResult, advice: str | None) -> list[str]:
    if result.kind == "text":
        written = _answers(result.n, "written answer")
        if result.polarity_mean is None:
            return [f"{written}."]
        return [
            f"{written}, mood: {_mood(result.polarity_mean)} "
            f"(polarity mean {result.polarity_mean:.2f})"
        ]
    if result.framework is not None:
        return _framework_lines(result, advice)
    if result.kind in ("scale", "nps"):
        return _scale_lines(question, result)
    return [_answers(result.n), *_option_lines(question, result)]


def _question_result(
    res: RunResults, result: QuestionResult | HiddenResult, advice: str | None
) -> Block:
    question = _question_for(res.run, result.question_id)
    title = _text(clip(question.text, QUOTE_MAX * 2)) if question else _text(result.question_id)
    if isinstance(result, HiddenResult):
        body = [f"_{RESULTS_HIDDEN}_"]
    elif question is None:  # a question the set no longer has: nothing to word it with
        body = [_answers(result.n)]
    else:
        body = _result_lines(question, result, advice)
    return _section("\n".join([f"*{title}*", *body]))


def _footer(res: RunResults) -> str:
    parts = [f"{_people(res.respondents)} answered"]
    rate = res.response_rate
    if rate is not None:
        parts.append(f"response rate {format_share(rate)} of {res.audience:,} members")
    parts.append(
        f"results are only shown for questions at least {res.results.min_respondents:,} "
        "people answered"
    )
    return " · ".join(parts)


def results_blocks(res: RunResults) -> list[Block]:
    """ "You said": the results of a closed run, posted in its thread. Hidden results show
    RESULTS_HIDDEN and no number; written answers only as a count and a mood."""
    blocks: list[Block] = [_header(f"You said: {res.run.qset.title}")]
    if not res.shown:
        blocks.append(
            _section(
                f"Not enough answers to show results ({res.respondents:,} answered; results "
                f"need at least {res.results.min_respondents:,})."
            )
        )
        return blocks
    advice_left = res.advice
    for i, result in enumerate(res.results.results):
        if i:
            blocks.append(_divider())
        is_culture = isinstance(result, QuestionResult) and isinstance(
            result.framework, CultureResult
        )
        blocks.append(_question_result(res, result, advice_left if is_culture else None))
        if is_culture:
            advice_left = None  # the advice follows the first culture result only
    blocks.append(_context(_footer(res)))
    return _fit(blocks)


# --- ephemeral confirmations --------------------------------------------------------------------


def answered_blocks(question: Question, value: str | None, closes_at: datetime) -> list[Block]:
    """The member's answer, confirmed only to them. ``value`` None is a written answer, which is
    never echoed back."""
    if value is None:
        text = f"Thanks — your written answer to {_quote(question)} is saved."
    else:
        option = question.option(value)
        label = _text(option.label if option else value)
        text = f"Thanks — your answer to {_quote(question)} is *{label}*."
    return [
        _section(f"{text} You can change it until the survey closes {slack_date(closes_at)}."),
        _context(ANONYMOUS + " Only you can see this message."),
    ]


def removed_blocks(question: Question) -> list[Block]:
    """A member took back their reaction, and with it their answer."""
    return [
        _section(
            f"Your answer to {_quote(question)} is removed. React again, or use the buttons, "
            "to answer while the survey is open."
        ),
        _context("Only you can see this message."),
    ]


def closed_notice_blocks() -> list[Block]:
    return [_section("This survey has closed; answers are no longer taken.")]


def unknown_run_blocks() -> list[Block]:
    return [
        _section(
            "I don't know this survey: it may have been removed. Nothing was stored; "
            "answer the latest survey in the channel instead."
        )
    ]


# --- the free-text modal ------------------------------------------------------------------------


def text_modal(run: RunView, question: Question) -> dict[str, Any]:
    """The form that takes a written answer to ``question`` of ``run``."""
    return {
        "type": "modal",
        "callback_id": TEXT_MODAL_CALLBACK,
        "private_metadata": text_value(run.run_id, question.id),
        "title": _plain_text(TITLE, MAX_VIEW_TITLE),
        "submit": _plain_text("Send", MAX_VIEW_TITLE),
        "close": _plain_text("Cancel", MAX_VIEW_TITLE),
        "blocks": [
            _context(
                f"{ANONYMOUS} Only the number of written answers and their overall mood are "
                f"shared, never the words. You can change it until {slack_date(run.closes_at)}."
            ),
            {
                "type": "input",
                "block_id": TEXT_BLOCK,
                "label": _plain_text(question.text, MAX_INPUT_LABEL),
                "element": {
                    "type": "plain_text_input",
                    "action_id": TEXT_INPUT,
                    "multiline": True,
                    "min_length": 1,
                    "max_length": TEXT_MAX,
                    "placeholder": _plain_text("A sentence or two is plenty.", MAX_PLACEHOLDER),
                },
            },
        ],
    }


def modal_errors(message: str) -> dict[str, Any]:
    """The ``ack`` payload that shows ``message`` under the modal's answer field."""
    text = clip(" ".join(message.split()), MESSAGE_MAX) or "That answer could not be saved."
    return {"response_action": "errors", "errors": {TEXT_BLOCK: text}}


# --- limits of interactive parts ----------------------------------------------------------------


def _check_plain(obj: Any, where: str, limit: int) -> None:
    if not isinstance(obj, dict) or obj.get("type") != "plain_text":
        raise ValueError(f"{where}: needs a plain_text object")
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        raise ValueError(f"{where}: text is empty")
    if len(text) > limit:
        raise ValueError(f"{where}: text has {len(text)} characters (at most {limit})")


def _check_id(value: Any, where: str, limit: int) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{where}: missing")
    if len(value) > limit:
        raise ValueError(f"{where}: {len(value)} characters (at most {limit})")


def check_survey_limits(blocks: Sequence[Block], *, max_blocks: int | None = None) -> None:
    """:func:`views.check_limits` plus the limits of ``actions`` and ``input`` blocks (which it
    only counts); ValueError naming the first violation."""
    if max_blocks is None:
        check_limits(blocks)
    else:
        check_limits(blocks, max_blocks=max_blocks)
    for i, block in enumerate(blocks):
        where = f"block {i} ({block.get('type')})"
        if "block_id" in block:
            _check_id(block["block_id"], f"{where} block_id", MAX_BLOCK_ID)
        if block.get("type") == "actions":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                raise ValueError(f"{where}: elements must be a non-empty list")
            if len(elements) > MAX_ACTIONS_ELEMENTS:
                raise ValueError(
                    f"{where}: {len(elements)} elements (at most {MAX_ACTIONS_ELEMENTS})"
                )
            action_ids = [e.get("action_id") for e in elements]
            if len(set(action_ids)) != len(action_ids):
                raise ValueError(f"{where}: action_ids are not unique")
            for j, element in enumerate(elements):
                at = f"{where} element {j}"
                _check_id(element.get("action_id"), f"{at} action_id", MAX_ACTION_ID)
                if element.get("type") == "button":
                    _check_plain(element.get("text"), at, MAX_BUTTON_TEXT)
                    if len(str(element.get("value", ""))) > MAX_BUTTON_VALUE:
                        raise ValueError(f"{at}: value is over {MAX_BUTTON_VALUE} characters")
        elif block.get("type") == "input":
            _check_plain(block.get("label"), f"{where} label", MAX_INPUT_LABEL)
            element = block.get("element") or {}
            _check_id(element.get("action_id"), f"{where} action_id", MAX_ACTION_ID)
            if "placeholder" in element:
                _check_plain(element["placeholder"], f"{where} placeholder", MAX_PLACEHOLDER)
            if int(element.get("max_length", 0)) > MAX_TEXT_INPUT:
                raise ValueError(f"{where}: max_length over {MAX_TEXT_INPUT}")


def check_view_limits(view: dict[str, Any]) -> None:
    """ValueError naming the first Slack limit a modal view breaks (title, submit and close
    texts, callback id, metadata, and its blocks)."""
    if view.get("type") != "modal":
        raise ValueError("not a modal view")
    _check_plain(view.get("title"), "title", MAX_VIEW_TITLE)
    for key in ("submit", "close"):
        if key in view:
            _check_plain(view[key], key, MAX_VIEW_TITLE)
    if "callback_id" in view:
        _check_id(view["callback_id"], "callback_id", MAX_CALLBACK_ID)
    if len(str(view.get("private_metadata", ""))) > MAX_PRIVATE_METADATA:
        raise ValueError(f"private_metadata is over {MAX_PRIVATE_METADATA} characters")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        raise ValueError("blocks must be a list")
    check_survey_limits(blocks, max_blocks=MAX_VIEW_BLOCKS)


# --- the surveys section of /orbit --------------------------------------------------------------


def _run_lines(overview: SurveyOverview) -> list[str]:
    shown = overview.runs[:RUNS_SHOWN]
    lines = ["*Latest runs*"]
    for run in shown:
        of = f" of {run.audience:,}" if run.audience else ""
        lines.append(
            f"• {run.day.isoformat()} · {_channel(run.channel)} · "
            f"{_text(clip(run.set_title, QUOTE_MAX))} · {run.respondents:,}{of} answered"
        )
    more = more_text(len(shown), len(overview.runs), "runs")
    if more:
        lines.append(f"_{more}_")
    return lines


def _trend_line(trend: QuestionTrend) -> str:
    text = _text(clip(trend.text, TREND_TEXT_MAX))
    means = _ARROW.join(_mean(p.mean) for p in trend.points)
    line = f"• {text} — mean {means}"
    if trend.kind == "nps":
        line += " · eNPS " + _ARROW.join(format_enps(p.enps) for p in trend.points)
    return line


def overview_blocks(overview: SurveyOverview) -> list[Block]:
    """The surveys section appended to the team's ``/orbit`` summary (at most 9 blocks)."""
    if overview.empty:
        return [_divider(), _section(f"*Surveys*\n{NO_SURVEYS}")]
    lead = ["*Surveys*"]
    if overview.runs:
        rate = overview.response_rate
        shown = "not known (no run recorded its audience)" if rate is None else None
        lead.append(f"Response rate: {shown or f'*{format_share(rate or 0.0)}*'}")
    if overview.open_runs:
        verb = "is" if overview.open_runs == 1 else "are"
        lead.append(
            f"{_answers(overview.open_runs, 'survey')} {verb} still open; results show once "
            "they close."
        )
    blocks: list[Block] = [_divider(), _section("\n".join(lead))]
    if overview.runs:
        blocks += _sections(_run_lines(overview))
    if overview.trends:
        blocks += _sections(["*Trends* (oldest → newest)", *map(_trend_line, overview.trends)])
    if overview.maturity:
        lines = ["*Platform maturity* (median level per aspect)"]
        lines += [
            f"• {_label(m.aspect)}: *{_label(m.median)}* ({_answers(m.n)})"
            for m in overview.maturity
        ]
        blocks += _sections(lines)
    culture = overview.culture
    if culture is not None:
        lines = [f"*Team culture* ({_answers(culture.n)})"]
        lines += [_share_line(share, _label(stage)) for stage, share in culture.shares]
        lines.append(f"Most common: *{_label(culture.most_common)}*")
        if overview.culture_advice:
            lines.append(f"*Next step:* {_text(overview.culture_advice)}")
        blocks += _sections(lines)
    journey = overview.journey
    if journey is not None:
        lines = [f"*Platform journey* ({_answers(journey.n)}, at each step or later)"]
        n = journey.n
        lines += [
            f"{_bar(count / n if n else 0.0)} {count:,} · {_label(step)}"
            for step, count in journey.funnel
        ]
        blocks += _sections(lines)
    for question, answers in overview.comments[:COMMENT_QUESTIONS_SHOWN]:
        lines = [f"*What people wrote:* “{_text(clip(question, QUOTE_MAX))}”"]
        lines += [f"> {escape_mrkdwn(clip(a, QUOTE_MAX))}" for a in answers[:COMMENTS_SHOWN]]
        blocks += _sections(lines)
    if overview.runs and not (
        overview.trends or overview.maturity or overview.culture or overview.journey
    ):
        blocks.append(_context("No question has had enough answers to show results yet."))
    blocks.append(
        _context(
            f"Results are only shown for questions at least {overview.min_respondents:,} "
            "people answered."
        )
    )
    return blocks


# --- /orbit survey … answers --------------------------------------------------------------------


def notice_blocks(message: str) -> list[Block]:
    """A short answer to a survey command, e.g. "Posted *Platform pulse* in <#C1> …".

    ``message`` is the bot's own wording and may use ``*bold*`` and `` `code` ``; it is escaped
    like any other text, except that the channel and user mentions it contains (``<#C…>``,
    ``<@U…>``) are kept."""
    text = _MENTION.sub(r"<\1>", escape_mrkdwn(clip(message, MAX_SECTION_TEXT - 100)))
    return [_section(text or "Done.")]


def _schedule_line(row: ScheduleRow) -> str:
    questions = _answers(row.questions, "question")
    reminder = "with a reminder" if row.reminder else "no reminder"
    origin = "from the surveys file" if row.origin == "yaml" else "set by command"
    state = "" if row.enabled else " · _off_"
    return (
        f"• {_channel(row.channel_id)} · *{_text(row.set_id)}* · `{_text(row.cron)}` "
        f"({_text(row.timezone)}) · {questions} a run, open {row.open_hours:,} h, {reminder}, "
        f"no repeat within {row.rotation_weeks:,} week{'' if row.rotation_weeks == 1 else 's'}"
        f" · {origin}{state}"
    )


def schedules_blocks(rows: Sequence[ScheduleRow]) -> list[Block]:
    """``/orbit survey schedule``: every channel's survey schedule."""
    blocks: list[Block] = [_header("Survey schedules")]
    if not rows:
        blocks.append(
            _section(
                "No survey schedules yet. Add one with "
                "`/orbit survey schedule #channel SET CRON`, e.g. "
                "`/orbit survey schedule #general pulse 0 10 * * tue`."
            )
        )
        return blocks
    blocks += _sections([_schedule_line(row) for row in rows])
    blocks.append(_context("`/orbit survey schedule #channel off` stops a channel's surveys."))
    return _fit(blocks)
