"""Core data → Slack Block Kit: every answer the bot shows in Slack, as plain dicts.

Pure functions: no Slack SDK calls, no I/O. The wording and rounding follow the text renderers
(``bot.render.markdown``) so Slack, the terminal and the files say the same thing.

Conventions
-----------
* Members are shown as ``<@ID>`` when their id is a Slack user id (Slack renders the name for the
  viewer); any other id (exports, the demo) falls back to the member's name, escaped.
* User-controlled text (names, reasons, channel names, messages) is escaped for ``mrkdwn``:
  ``&`` → ``&amp;``, ``<`` → ``&lt;``, ``>`` → ``&gt;``. ``plain_text`` objects (headers) are not
  parsed by Slack, so they get the raw text with whitespace collapsed.
* Changes against the previous snapshot are shown as ``(+2)``, ``(-1)`` and ``(±0)``, exactly as
  ``bot.render.markdown.format_change`` words them; without a previous snapshot there is no
  bracket at all.
* Slack's limits are enforced by construction: long text is cut with "…", long lists end in
  "… and N more". ``check_limits`` verifies a block list and raises ``ValueError`` naming the
  first violation; it is cheap enough to call before every send.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from enum import StrEnum
from typing import Any

from bot.core.commands import USAGE
from bot.core.detail import MemberDetail
from bot.core.model import Kind
from bot.core.scoring import ScoringParams
from bot.core.summary import COUNT_KEYS, OrbitSummary, Quadrant, Thresholds
from bot.render.markdown import (
    COUNT_HINTS,
    COUNT_TITLES,
    format_count,
    format_score,
    format_sentiment,
    heading_text,
    more_text,
    orbit_name,
    subheading_text,
)

Block = dict[str, Any]

# --- Slack's limits (docs.slack.dev, Block Kit reference) ---------------------------------------

#: Blocks in one message.
MAX_MESSAGE_BLOCKS = 50
#: Blocks in a Home tab view (we still build at most ``MAX_MESSAGE_BLOCKS``).
MAX_HOME_BLOCKS = 100
#: ``text`` of a section block.
MAX_SECTION_TEXT = 3000
#: Items in a section's ``fields``, and the length of each.
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
#: ``plain_text`` of a header block.
MAX_HEADER_TEXT = 150
#: Elements of a context block, and the length of any text object.
MAX_CONTEXT_ELEMENTS = 10
MAX_TEXT_OBJECT = 3000
#: ``alt_text`` and ``title`` of an image block.
MAX_ALT_TEXT = 2000
MAX_IMAGE_TITLE = 2000

# --- our own display limits ---------------------------------------------------------------------

#: Multipliers listed in the summary before "… and N more".
MULTIPLIERS_SHOWN = 10
#: "Who to listen to" picks listed before "… and N more".
LISTEN_SHOWN = 10
#: Platform team members listed before "… and N more".
TEAM_SHOWN = 30
#: Connections listed in the team's member view before "… and N more".
CONNECTIONS_SHOWN = 10
#: Characters of a name, reason or message shown before "…" (before escaping).
NAME_MAX = 80
REASON_MAX = 300
MESSAGE_MAX = 500
#: Length of ``fallback_text``: the notification line, not the message.
FALLBACK_MAX = 150

ELLIPSIS = "…"

#: Slack user ids (``U…``, or ``W…`` on Enterprise Grid): shown as ``<@ID>`` mentions.
SLACK_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

_WHITESPACE = re.compile(r"\s+")

_QUADRANT_NAMES: dict[Quadrant, str] = {
    Quadrant.MULTIPLIER: "Multiplier",
    Quadrant.FAN: "Fan",
    Quadrant.SCEPTIC: "Sceptic",
    Quadrant.OBSERVER: "Observer",
}

#: How each kind of activity is named in "what counts" (singular, with article).
_KIND_PHRASES: dict[Kind, str] = {
    Kind.MESSAGE: "a message",
    Kind.REPLY: "a reply",
    Kind.REACTION: "a reaction",
    Kind.MENTION: "a mention",
    Kind.JOIN: "joining a channel",
    Kind.SURVEY_ANSWER: "a survey answer",
}

#: How each kind of activity is titled in the activity counts.
_KIND_TITLES: dict[str, str] = {
    Kind.MESSAGE.value: "Messages",
    Kind.REPLY.value: "Replies",
    Kind.REACTION.value: "Reactions",
    Kind.MENTION.value: "Mentions",
    Kind.JOIN.value: "Channel joins",
    Kind.SURVEY_ANSWER.value: "Survey answers",
}


# --- text helpers -------------------------------------------------------------------------------


def escape_mrkdwn(text: str) -> str:
    """Untrusted text made literal in ``mrkdwn``: whitespace collapsed, ``& < >`` escaped."""
    text = _WHITESPACE.sub(" ", text).strip()
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Plain text cut to at most ``limit`` characters, ending in "…" when cut."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def clip_mrkdwn(text: str, limit: int) -> str:
    """``mrkdwn`` cut to at most ``limit`` characters without splitting an entity or a ``<…>``."""
    if len(text) <= limit:
        return text
    cut = text[: max(0, limit - 1)]
    amp = cut.rfind("&")
    if amp != -1 and ";" not in cut[amp:]:
        cut = cut[:amp]
    angle = cut.rfind("<")
    if angle != -1 and ">" not in cut[angle:]:
        cut = cut[:angle]
    return cut.rstrip() + ELLIPSIS


def _plain(text: str, limit: int) -> str:
    """Untrusted text for a ``plain_text`` object: one line, cut to ``limit``."""
    return clip(_WHITESPACE.sub(" ", text).strip(), limit)


def _name(name: str) -> str:
    return escape_mrkdwn(clip(_WHITESPACE.sub(" ", name).strip(), NAME_MAX)) or "(no name)"


def who(member_id: str, name: str | None = None) -> str:
    """A member in ``mrkdwn``: ``<@U123>`` for a Slack user id, else the escaped name."""
    if SLACK_USER_ID.match(member_id):
        return f"<@{member_id}>"
    return _name(name if name else member_id)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _ordinal(value: float) -> str:
    text = format_score(value)
    if value != int(value):
        return f"{text}th"
    n = int(value)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{text}{suffix}"


def _thresholds_text(t: Thresholds) -> str:
    return f"love *{format_score(t.love)}*, reach *{format_score(t.reach)}*"


# --- block builders (every one enforces its limits) ---------------------------------------------


def _header(text: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": _plain(text, MAX_HEADER_TEXT) or "Community Pulse"},
    }


def _section(text: str) -> Block:
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": clip_mrkdwn(text, MAX_SECTION_TEXT) or " "},
    }


def _fields(items: Sequence[str]) -> list[Block]:
    """Section blocks of at most ``MAX_FIELDS`` fields each."""
    texts = [clip_mrkdwn(item, MAX_FIELD_TEXT) or " " for item in items]
    return [
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": t} for t in texts[start : start + MAX_FIELDS]],
        }
        for start in range(0, len(texts), MAX_FIELDS)
    ]


def _context(*texts: str) -> Block:
    elements = [
        {"type": "mrkdwn", "text": clip_mrkdwn(t, MAX_TEXT_OBJECT)}
        for t in texts[:MAX_CONTEXT_ELEMENTS]
        if t
    ]
    return {"type": "context", "elements": elements or [{"type": "mrkdwn", "text": " "}]}


def _divider() -> Block:
    return {"type": "divider"}


def _image(file_id: str, alt_text: str, title: str) -> Block:
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": _plain(alt_text, MAX_ALT_TEXT) or "Orbit map",
        "title": {"type": "plain_text", "text": _plain(title, MAX_IMAGE_TITLE) or "Orbit map"},
    }


def _sections(lines: Iterable[str]) -> list[Block]:
    """Lines packed into as few sections as fit ``MAX_SECTION_TEXT`` (a line is never split)."""
    blocks: list[Block] = []
    current: list[str] = []
    size = 0
    for raw in lines:
        line = clip_mrkdwn(raw, MAX_SECTION_TEXT)
        extra = len(line) + (1 if current else 0)
        if current and size + extra > MAX_SECTION_TEXT:
            blocks.append(_section("\n".join(current)))
            current, size = [], 0
            extra = len(line)
        current.append(line)
        size += extra
    if current:
        blocks.append(_section("\n".join(current)))
    return blocks


def _joined_within(parts: Sequence[str], *, total: int, noun: str, budget: int) -> str:
    """``a, b, c … and N more noun``: as many of ``parts`` as fit ``budget`` characters."""
    reserve = len(more_text(0, total, noun)) + 1
    shown: list[str] = []
    size = 0
    for part in parts:
        extra = len(part) + (2 if shown else 0)
        if size + extra + reserve > budget:
            break
        shown.append(part)
        size += extra
    more = more_text(len(shown), total, noun)
    return ", ".join(shown) + (f" {more}" if more else "")


def _fit(blocks: list[Block], max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """At most ``max_blocks`` blocks; a last context block says when some were left out."""
    if len(blocks) <= max_blocks:
        return blocks
    kept = blocks[: max_blocks - 1]
    return [*kept, _context(f"{ELLIPSIS} {len(blocks) - len(kept):,} more parts left out.")]


# --- /orbit: the community summary --------------------------------------------------------------


def summary_blocks(summary: OrbitSummary, *, image_file_id: str | None = None) -> list[Block]:
    """The ``/orbit`` (or ``/orbit #channel``) answer for the platform team.

    Header (date, channel), window and thresholds, quadrant counts with their change against
    ``previous_counts``, the first ``MULTIPLIERS_SHOWN`` multipliers in the summary's order,
    who to listen to, the platform team (not scored) and, with ``image_file_id``, the orbit map
    as an ``image`` block with ``slack_file.id``. Team members are never listed as scored even if
    the summary carried them by mistake.
    """
    team_ids = {t.id for t in summary.team}
    blocks: list[Block] = [_header(heading_text(summary))]
    blocks.append(
        _context(
            escape_mrkdwn(subheading_text(summary)),
            f"Thresholds: {_thresholds_text(summary.thresholds)}"
            " (high love and high reach make a multiplier)",
        )
    )

    blocks += _fields(
        [
            f"*{COUNT_TITLES[key]}* {format_count(key, summary)}\n_{COUNT_HINTS[key]}_"
            for key in COUNT_KEYS
        ]
    )
    if summary.previous_counts is not None:
        blocks.append(_context("Changes in brackets are against the previous snapshot."))

    multipliers = [m for m in summary.multipliers if m.id not in team_ids]
    blocks.append(_divider())
    lines = [f"*Multipliers ({len(multipliers):,})*"]
    if multipliers:
        shown = multipliers[:MULTIPLIERS_SHOWN]
        lines += [
            f"{i}. {who(m.id, m.name)} · love {format_score(m.love)}"
            f" · reach {format_score(m.reach)}"
            for i, m in enumerate(shown, 1)
        ]
        more = more_text(len(shown), len(multipliers), "multipliers")
        if more:
            lines.append(f"_{more}_")
    else:
        lines.append("_No multipliers this time._")
    blocks += _sections(lines)

    picks = [p for p in summary.listen if p.member.id not in team_ids]
    blocks.append(_divider())
    lines = ["*Who to listen to*"]
    if picks:
        shown_picks = picks[:LISTEN_SHOWN]
        for pick in shown_picks:
            m = pick.member
            reason = escape_mrkdwn(clip(_WHITESPACE.sub(" ", pick.reason).strip(), REASON_MAX))
            line = f"• {who(m.id, m.name)} · {orbit_name(m)}"
            if m.sentiment is not None:
                line += f" · sentiment {format_sentiment(m.sentiment)}"
            lines.append(line + (f" — {reason}" if reason else ""))
        more = more_text(len(shown_picks), len(picks), "people")
        if more:
            lines.append(f"_{more}_")
    else:
        lines.append("_Nobody stands out this time._")
    blocks += _sections(lines)

    blocks.append(_divider())
    if summary.team:
        lead = "*Platform team* (not scored): "
        names = _joined_within(
            [who(t.id, t.name) for t in summary.team[:TEAM_SHOWN]],
            total=len(summary.team),
            noun="members",
            budget=MAX_TEXT_OBJECT - len(lead),
        )
        blocks.append(_context(lead + names))
    else:
        blocks.append(_context("_No platform team configured._"))

    if image_file_id:
        active = len(summary.active)
        blocks.append(
            _image(
                image_file_id,
                alt_text=(
                    f"Orbit map: {active:,} active members placed by love (across) and reach "
                    f"(up); quadrant lines at love {format_score(summary.thresholds.love)} "
                    f"and reach {format_score(summary.thresholds.reach)}."
                ),
                title="Orbit map",
            )
        )
    return _fit(blocks)


# --- /orbit @member and /orbit me ---------------------------------------------------------------


def _weights_text(weights: dict[Kind, float], kinds: Iterable[Kind]) -> tuple[str, list[str]]:
    """``a message counts 3, a reply 4`` and the kinds that do not count at all."""
    counted: list[str] = []
    ignored: list[str] = []
    for kind in kinds:
        weight = weights.get(kind, 0.0)
        phrase = _KIND_PHRASES[kind]
        if weight > 0:
            counted.append(
                f"{phrase} counts {format_score(weight)}"
                if not counted
                else f"{phrase} {format_score(weight)}"
            )
        else:
            ignored.append(_KIND_TITLES[kind.value].lower())
    return ", ".join(counted), ignored


def what_counts_text(params: ScoringParams, thresholds: Thresholds | None = None) -> str:
    """How love, reach and "high" are worked out, in second person, from ``params``."""
    love, reach, th = params.love, params.reach, params.thresholds
    love_parts, love_ignored = _weights_text(love.weights, list(Kind))
    reach_parts, _ = _weights_text(reach.weights, [Kind.REPLY, Kind.REACTION, Kind.MENTION])
    lines = ["*What counts*"]
    love_line = (
        f"• *Love* is how much you take part: {love_parts or 'nothing counts yet'}; "
        f"at most {format_score(love.daily_cap)} a day, so steady presence beats bursts."
    )
    if love_ignored:
        love_line += f" ({', '.join(love_ignored).capitalize()} do not count towards love.)"
    lines.append(love_line)
    lines.append(
        f"  Only the last {love.window_days} days count, and older days fade "
        f"(half as much after {format_score(love.half_life_days)} days)."
    )
    lines.append(
        f"• *Reach* counts the people who respond to you: {reach_parts or 'nothing counts yet'}"
        f"; at most {format_score(reach.connection_cap)} from any one person, plus "
        f"{format_score(reach.pulled_in_bonus)} when someone's very first activity is a "
        f"response to you. It covers the last {reach.window_days} days and fades "
        f"(half as much after {format_score(reach.half_life_days)} days)."
    )
    if th.love is not None or th.reach is not None:
        high = "• *High* means at or above the team's fixed thresholds"
    else:
        high = (
            f"• *High* means at or above the {_ordinal(th.percentile)} percentile of active "
            f"members (at least love {format_score(th.love_floor)} and reach "
            f"{format_score(th.reach_floor)})"
        )
    if thresholds is not None:
        high += f"; right now {_thresholds_text(thresholds)}"
    lines.append(
        high + ". High love and high reach make a multiplier, love alone a fan, "
        "reach alone a sceptic, neither an observer."
    )
    lines.append("• No message text is kept: only what kind of activity happened, and when.")
    return "\n".join(lines)


def _standing_text(detail: MemberDetail, *, own: bool) -> str:
    subject = "You" if own else who(detail.id, detail.name)
    verb = "are" if own else "is"
    have = "have" if own else "has"
    if detail.silent:
        tail = " Say hello in any channel to change that." if own else ""
        return (
            f"{subject} {have} had no activity in the last {detail.window_days} days, so "
            f"{'you count' if own else 'they count'} as a *silent observer*.{tail}"
        )
    if detail.quadrant is None:
        return f"{subject} {verb} not placed in an orbit this time."
    return (
        f"{subject} {verb} a *{_QUADRANT_NAMES[detail.quadrant]}* "
        f"({COUNT_HINTS[detail.quadrant.value]})."
    )


def _activity_text(detail: MemberDetail) -> str:
    keys = [k.value for k in Kind] + sorted(k for k in detail.counts if k not in _KIND_TITLES)
    parts = [
        f"{_KIND_TITLES.get(key, escape_mrkdwn(key).capitalize())} {detail.counts.get(key, 0):,}"
        for key in keys
    ]
    return " · ".join(parts)


def member_blocks(detail: MemberDetail, *, own: bool, params: ScoringParams) -> list[Block]:
    """``/orbit @member`` (``own=False``, platform team) or ``/orbit me`` (``own=True``).

    The team sees who responds to the member most; the member sees only how many people do
    (individual views are for the team). ``own=True`` also explains what counts, from ``params``.
    Platform team members are not scored and opted-out members show no data.
    """
    day = detail.as_of.isoformat()
    title = f"Your orbit — {day}" if own else f"{_plain(detail.name, NAME_MAX)} — {day}"
    blocks: list[Block] = [_header(title)]

    if detail.is_team:
        text = (
            "You are on the platform team, so you are not scored: your activity never counts "
            "towards anyone's numbers."
            if own
            else f"{who(detail.id, detail.name)} is on the platform team, so they are not scored."
        )
        return [*blocks, _section(text)]
    if detail.opted_out:
        text = (
            "Collection is off for you: nothing about your activity is kept. "
            "`/orbit optin` turns it back on."
            if own
            else f"{who(detail.id, detail.name)} has opted out: nothing about them is "
            "collected or shown."
        )
        return [*blocks, _section(text)]

    blocks.append(_section(_standing_text(detail, own=own)))
    t = detail.thresholds
    last = detail.last_active.isoformat() if detail.last_active else "no activity kept"
    fields = [
        f"*Love*\n{format_score(detail.love)} (high from {format_score(t.love)})",
        f"*Reach*\n{format_score(detail.reach)} (high from {format_score(t.reach)})",
        f"*Active days*\n{detail.active_days:,} of the last {detail.window_days}",
        f"*Last active*\n{last}",
        f"*Recent tone*\n{format_sentiment(detail.sentiment)}",
    ]
    if detail.pulled_in_by:
        fields.append(f"*Pulled in by*\n{who(detail.pulled_in_by, detail.pulled_in_by)}")
    blocks += _fields(fields)
    blocks.append(
        _section(
            f"*{'Your activity' if own else 'Activity'} in the last {detail.window_days} days*\n"
            + _activity_text(detail)
        )
    )

    connections = detail.connections
    if own:
        text = (
            f"{_plural(len(connections), 'person responds', 'people respond')} to what you post."
            if connections
            else "Nobody has responded to what you post in this window yet."
        )
        blocks.append(_section(text))
        blocks.append(_divider())
        blocks.append(_section(what_counts_text(params, detail.thresholds)))
        blocks.append(
            _context(
                "Only you can see this. `/orbit forget` erases what is kept about you; "
                "`/orbit optout` also stops collecting it."
            )
        )
    else:
        lines = ["*Who responds most*"]
        if connections:
            ranked = sorted(connections, key=lambda c: c.strength, reverse=True)
            shown = ranked[:CONNECTIONS_SHOWN]
            lines += [f"• {who(c.id, c.name)} · {format_score(c.strength)}" for c in shown]
            more = more_text(len(shown), len(ranked), "people")
            if more:
                lines.append(f"_{more}_")
        else:
            lines.append("_Nobody has responded in this window._")
        blocks += _sections(lines)
        blocks.append(
            _context(
                f"Scores cover the last {detail.window_days} days "
                f"(love {params.love.window_days}, reach {params.reach.window_days})."
            )
        )
    return _fit(blocks)


# --- help, usage, refusal -----------------------------------------------------------------------


def help_blocks(*, is_team: bool) -> list[Block]:
    """``/orbit help``: the verbs of ``USAGE``; team-only verbs only for the platform team."""
    lines = [
        f"`{usage}` — {what}" + (" _(platform team)_" if team_only else "")
        for usage, what, team_only in USAGE
        if is_team or not team_only
    ]
    blocks: list[Block] = [_header("Community Pulse — /orbit"), *_sections(lines)]
    note = (
        "Answers are only visible to you."
        if is_team
        else "Answers are only visible to you. No message text is ever kept."
    )
    blocks.append(_context(note))
    return _fit(blocks)


def usage_blocks(message: str, *, is_team: bool) -> list[Block]:
    """A command we do not know: ``message`` (e.g. "I don't know `x`.") followed by the help."""
    text = escape_mrkdwn(clip(message, MESSAGE_MAX)) or "I don't know that command."
    return _fit([_section(text), *help_blocks(is_team=is_team)])


def refusal_blocks() -> list[Block]:
    """A polite refusal for team views asked by someone outside the team. Holds no data."""
    return [
        _section(
            "Sorry, community views are for the platform team only: they show other "
            "people's activity."
        ),
        _context(
            "You can always see your own standing with `/orbit me`, or `/orbit help` for "
            "everything you can do."
        ),
    ]


# --- privacy ------------------------------------------------------------------------------------


class PrivacyAction(StrEnum):
    """What ``privacy_blocks`` confirms; the values are accepted as plain strings too.

    ``optout``: collection stopped and ``erased`` records deleted. ``optin``: collection back on.
    ``forget``: ``erased`` records deleted, collection continues. ``already_opted_out`` /
    ``already_opted_in``: nothing changed.
    """

    OPTOUT = "optout"
    OPTIN = "optin"
    FORGET = "forget"
    ALREADY_OPTED_OUT = "already_opted_out"
    ALREADY_OPTED_IN = "already_opted_in"


def _erased_text(erased: int) -> str:
    if erased <= 0:
        return "there was nothing to erase"
    verb = "was" if erased == 1 else "were"
    return f"{_plural(erased, 'record', 'records')} kept about you {verb} erased"


def privacy_blocks(action: PrivacyAction | str, *, erased: int = 0) -> list[Block]:
    """Confirmation of ``/orbit optout | optin | forget``; raises ValueError for other actions."""
    kind = PrivacyAction(action)
    if kind is PrivacyAction.OPTOUT:
        text = (
            f"Done: your activity is no longer collected, and {_erased_text(erased)}. "
            "`/orbit optin` turns collection back on."
        )
    elif kind is PrivacyAction.OPTIN:
        text = (
            "Welcome back: your activity counts again from now on. "
            "`/orbit optout` stops it at any time."
        )
    elif kind is PrivacyAction.FORGET:
        text = (
            f"Done: {_erased_text(erased)}. Collection continues; `/orbit optout` stops it as well."
        )
    elif kind is PrivacyAction.ALREADY_OPTED_OUT:
        text = "Collection is already off for you; nothing is kept. `/orbit optin` turns it on."
    else:
        text = (
            "Collection is already on for you. `/orbit optout` stops it and erases what was kept."
        )
    return [_section(text), _context("`/orbit me` shows what is kept about you.")]


def error_blocks(message: str) -> list[Block]:
    """A friendly error: the first line of ``message`` only, never a stack trace."""
    first = next((line for line in message.splitlines() if line.strip()), "")
    detail = escape_mrkdwn(clip(first.strip(), MESSAGE_MAX))
    text = (
        f":warning: Sorry, that did not work: {detail}"
        if detail
        else (":warning: Sorry, something went wrong on our side.")
    )
    return [
        _section(text),
        _context("Try again in a moment; if it keeps happening, tell the platform team."),
    ]


# --- App Home -----------------------------------------------------------------------------------


def home_view(
    *,
    detail: MemberDetail | None,
    summary: OrbitSummary | None,
    image_file_id: str | None = None,
    is_team: bool,
    params: ScoringParams | None = None,
) -> dict[str, Any]:
    """The App Home tab: the member's own standing and, for the team only, the latest summary.

    ``summary`` is ignored unless ``is_team`` (community data is for the platform team).
    ``params`` explains what counts (default: the built-in scoring parameters). The view keeps
    to ``MAX_MESSAGE_BLOCKS`` blocks although Home allows ``MAX_HOME_BLOCKS``.
    """
    blocks: list[Block] = []
    if detail is not None:
        blocks += member_blocks(detail, own=True, params=params or ScoringParams())
    else:
        blocks += [
            _header("Community Pulse"),
            _section(
                "Nothing is kept about you yet. Once you take part in the community, "
                "`/orbit me` and this tab show your standing and what counts."
            ),
        ]
    if is_team and summary is not None:
        blocks.append(_divider())
        blocks += summary_blocks(summary, image_file_id=image_file_id)
    elif is_team:
        blocks.append(_context("No community summary yet: run `/orbit` once data is in."))
    return {"type": "home", "blocks": _fit(blocks)}


# --- fallback text and messages -----------------------------------------------------------------


def fallback_text(blocks: Sequence[Block]) -> str:
    """The short ``text`` Slack wants beside ``blocks`` (notifications, screen readers).

    The first header, else the first line of the first section or context; ``mrkdwn``-safe and
    at most ``FALLBACK_MAX`` characters.
    """
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            return clip_mrkdwn(escape_mrkdwn(block["text"]["text"]), FALLBACK_MAX)
        texts: list[str] = []
        if kind == "section":
            if "text" in block:
                texts.append(block["text"]["text"])
            texts += [f["text"] for f in block.get("fields", [])]
        elif kind == "context":
            texts += [e["text"] for e in block.get("elements", []) if "text" in e]
        for text in texts:
            line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
            if line:
                return clip_mrkdwn(line, FALLBACK_MAX)
    return "Community Pulse"


def as_message(blocks: list[Block]) -> dict[str, Any]:
    """``{"blocks": ..., "text": fallback_text(blocks)}``, ready for ``respond``/``chat_*``."""
    return {"blocks": blocks, "text": fallback_text(blocks)}


# --- limits -------------------------------------------------------------------------------------


def _check_text(obj: Any, where: str, limit: int, *, plain_only: bool = False) -> None:
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        raise ValueError(f"{where}: not a text object")
    allowed = ("plain_text",) if plain_only else ("plain_text", "mrkdwn")
    if obj.get("type") not in allowed:
        raise ValueError(f"{where}: text type must be one of {', '.join(allowed)}")
    length = len(obj["text"])
    if length == 0:
        raise ValueError(f"{where}: text is empty")
    if length > limit:
        raise ValueError(f"{where}: text has {length} characters (at most {limit})")


def check_limits(blocks: Sequence[Block], *, max_blocks: int = MAX_MESSAGE_BLOCKS) -> None:
    """Raise ValueError describing the first Slack limit ``blocks`` break.

    Checks the block count, headers, sections (text and fields), context blocks and image
    blocks; other block types are only counted. For a Home view pass
    ``max_blocks=MAX_HOME_BLOCKS``.
    """
    if len(blocks) > max_blocks:
        raise ValueError(f"{len(blocks)} blocks (at most {max_blocks})")
    for i, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        where = f"block {i} ({kind})"
        if not isinstance(kind, str):
            raise ValueError(f"block {i}: no type")
        if kind == "header":
            _check_text(block.get("text"), where, MAX_HEADER_TEXT, plain_only=True)
        elif kind == "section":
            if "text" not in block and "fields" not in block:
                raise ValueError(f"{where}: needs text or fields")
            if "text" in block:
                _check_text(block["text"], where, MAX_SECTION_TEXT)
            if "fields" in block:
                fields = block["fields"]
                if not isinstance(fields, list) or not fields:
                    raise ValueError(f"{where}: fields must be a non-empty list")
                if len(fields) > MAX_FIELDS:
                    raise ValueError(f"{where}: {len(fields)} fields (at most {MAX_FIELDS})")
                for j, field in enumerate(fields):
                    _check_text(field, f"{where} field {j}", MAX_FIELD_TEXT)
        elif kind == "context":
            elements = block.get("elements")
            if not isinstance(elements, list) or not elements:
                raise ValueError(f"{where}: elements must be a non-empty list")
            if len(elements) > MAX_CONTEXT_ELEMENTS:
                raise ValueError(
                    f"{where}: {len(elements)} elements (at most {MAX_CONTEXT_ELEMENTS})"
                )
            for j, element in enumerate(elements):
                if isinstance(element, dict) and element.get("type") == "image":
                    continue
                _check_text(element, f"{where} element {j}", MAX_TEXT_OBJECT)
        elif kind == "image":
            alt = block.get("alt_text")
            if not isinstance(alt, str) or not alt:
                raise ValueError(f"{where}: alt_text is required")
            if len(alt) > MAX_ALT_TEXT:
                raise ValueError(
                    f"{where}: alt_text has {len(alt)} characters (at most {MAX_ALT_TEXT})"
                )
            if ("image_url" in block) == ("slack_file" in block):
                raise ValueError(f"{where}: needs exactly one of image_url and slack_file")
            if "slack_file" in block:
                ref = block["slack_file"]
                if not isinstance(ref, dict) or ("id" in ref) == ("url" in ref):
                    raise ValueError(f"{where}: slack_file needs exactly one of id and url")
            if "title" in block:
                _check_text(block["title"], f"{where} title", MAX_IMAGE_TITLE, plain_only=True)
