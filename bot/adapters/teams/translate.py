"""Teams activities (Bot Framework JSON) → core types and the events the Teams adapter acts on.

Pure functions, no SDK and no I/O: :func:`parse` takes the activity as Teams sent it and
returns one event, or raises :class:`ActivityError` naming what is wrong (the endpoint answers
400 and logs it; nothing is stored).

Identity
--------
* A member is their Entra ID object id (``from.aadObjectId``), upper-cased: object ids are
  case-insensitive GUIDs, and the core upper-cases the ids it reads from ``<@ID>`` mentions, so
  one person has one id whether they post or are mentioned. Without an object id the caller's
  ``resolve`` may map the Teams user id (``29:…``) to one; otherwise the member is unknown and
  nothing is recorded for them.
* A channel is ``channelData.channel.id`` (``19:…@thread.tacv2``; a team's General channel has
  the team's id); other conversations are their conversation id without the ``;messageid=``
  suffix. Channel names are stored like Slack's (lower case, hyphens: "Platform Team" →
  ``platform-team``) so ``#name`` works in commands and ``PULSE_PLATFORM_CHANNEL`` matches.
* A message's ``ts`` is its Teams id (milliseconds since the epoch, e.g. ``1719763200123``) as
  seconds, ``1719763200.123``; a reply's ``thread_ts`` is its thread's root message id the same
  way, from the ``;messageid=`` suffix of the conversation id (or ``replyToId``).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from bot.core.model import ChatMessage

#: Longest member and channel ids stored (the database's column sizes).
MEMBER_ID_MAX = 64
CHANNEL_ID_MAX = 100
NAME_MAX = 256
#: A Teams message id: milliseconds since the epoch.
MESSAGE_ID_RE = re.compile(r"\d{10,16}")
#: The thread suffix of a channel conversation id.
THREAD_SUFFIX = ";messageid="

#: Teams' classic reaction types → the emoji names the core and the surveys use (Slack's).
REACTIONS = {
    "like": "+1",
    "heart": "heart",
    "laugh": "laughing",
    "surprised": "open_mouth",
    "sad": "cry",
    "angry": "angry",
}
#: Keycap emoji (newer Teams clients send the emoji itself) → Slack's names.
KEYCAPS = {
    f"{digit}\ufe0f\u20e3": name
    for digit, name in zip(
        "0123456789",
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"],
        strict=True,
    )
}
KEYCAPS |= {key.replace("\ufe0f", ""): name for key, name in KEYCAPS.items()}
EMOJI_MAX = 64

_AT = re.compile(r"<at(?:\s[^>]*)?>(.*?)</at>", re.IGNORECASE | re.DOTALL)
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*(?:br\s*/?|/p|/div)\s*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\f\v]+")
_SLUG = re.compile(r"[^a-z0-9._-]+")
_COMMAND = re.compile(r"^/?orbit\b[:,]?\s*(.*)$", re.IGNORECASE | re.DOTALL)

Resolve = Callable[[str], str | None]
ConversationKind = Literal["channel", "personal", "groupChat"]
KINDS: dict[str, ConversationKind] = {
    "channel": "channel",
    "personal": "personal",
    "groupChat": "groupChat",
}


class ActivityError(ValueError):
    """An activity that does not have the shape Teams documents."""


def no_resolve(_teams_id: str) -> str | None:
    return None


def slug(name: str) -> str:
    """A channel or team name as Slack writes channel names: "Platform Team" → ``platform-team``."""
    return _SLUG.sub("-", name.strip().lstrip("#").lower()).strip("-")[:80]


# --------------------------------------------------------------------------- events


@dataclass(frozen=True, slots=True)
class Person:
    """Someone in an activity: ``member_id`` as stored (None when unknown), the Teams user id
    (``29:…``, what the Bot Connector addresses) and the display name."""

    member_id: str | None
    teams_id: str
    name: str


@dataclass(frozen=True, slots=True)
class Where:
    """The conversation an activity came from, with what it takes to post there later."""

    conversation_id: str
    kind: ConversationKind
    channel_id: str
    channel_name: str
    service_url: str
    bot_id: str
    tenant_id: str | None = None
    team_id: str | None = None
    team_name: str | None = None
    #: the thread's root message id, for replies and posts in a thread
    thread_id: str | None = None

    @property
    def is_channel(self) -> bool:
        return self.kind == "channel"


@dataclass(frozen=True, slots=True)
class Message:
    """A new message. ``chat`` is the core message for a channel post (None elsewhere: direct
    and group chats are never recorded); ``command`` is the text after ``orbit`` when the message
    asks the bot (a personal chat, or a channel message that @mentions it)."""

    where: Where
    sender: Person
    activity_id: str
    text: str
    chat: ChatMessage | None
    mentions_bot: bool
    command: str | None
    #: the members the message mentions
    mentioned: tuple[Person, ...] = ()


@dataclass(frozen=True, slots=True)
class Submit:
    """An Adaptive Card's Action.Submit (a message with ``value``) or Action.Execute (an invoke
    ``adaptiveCard/action``): the action's data, with any inputs merged in."""

    where: Where
    sender: Person
    data: Mapping[str, Any]
    activity_id: str
    reply_to: str | None
    invoke: bool


@dataclass(frozen=True, slots=True)
class ReactionChange:
    where: Where
    sender: Person
    #: the message reacted to: its Teams id, and its ``ts`` (None when not a Teams message id)
    message_id: str
    message_ts: str | None
    added: tuple[str, ...]
    removed: tuple[str, ...]
    ts: float


@dataclass(frozen=True, slots=True)
class MembersChanged:
    where: Where
    added: tuple[Person, ...]
    removed: tuple[Person, ...]
    bot_added: bool
    bot_removed: bool
    ts: float


@dataclass(frozen=True, slots=True)
class Installation:
    where: Where
    action: str


@dataclass(frozen=True, slots=True)
class MessageEdited:
    where: Where
    chat: ChatMessage


@dataclass(frozen=True, slots=True)
class MessageDeleted:
    where: Where
    message_ts: str


@dataclass(frozen=True, slots=True)
class Ignored:
    """An activity the bot does nothing with (typing, read receipts, other invokes...)."""

    type: str
    where: Where | None = field(default=None)


Event = (
    Message
    | Submit
    | ReactionChange
    | MembersChanged
    | Installation
    | MessageEdited
    | MessageDeleted
    | Ignored
)

# --------------------------------------------------------------------------- field helpers


def _obj(body: Mapping[str, Any], key: str, *, required: bool = True) -> Mapping[str, Any]:
    value = body.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise ActivityError(f"'{key}' is {'missing' if value is None else 'not an object'}")
    return value


def _str(body: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise ActivityError(f"'{key}' is missing")
        return None
    if not isinstance(value, str):
        raise ActivityError(f"'{key}' is not a string")
    return value


def _list(body: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = body.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise ActivityError(f"'{key}' is not a list of objects")
    return value


def message_ts(message_id: str | None) -> str | None:
    """A Teams message id (epoch milliseconds) as a core ``ts`` in seconds, or None."""
    if message_id is None or not MESSAGE_ID_RE.fullmatch(message_id):
        return None
    ms = int(message_id)
    return f"{ms // 1000}.{ms % 1000:03d}"


def _timestamp(body: Mapping[str, Any]) -> float:
    raw = _str(body, "timestamp")
    if raw is None:
        return datetime.now(UTC).timestamp()
    try:
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ActivityError(f"'timestamp' is not an ISO date: {raw[:40]!r}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def member_id(account: Mapping[str, Any], resolve: Resolve = no_resolve) -> str | None:
    """The stored id of a Teams account: its Entra object id, upper-cased (or what ``resolve``
    makes of its Teams user id)."""
    aad = account.get("aadObjectId")
    if aad is not None and not isinstance(aad, str):
        raise ActivityError("'aadObjectId' is not a string")
    found = aad.strip().upper() if aad and aad.strip() else None
    if found is None:
        teams_id = account.get("id")
        found = resolve(teams_id) if isinstance(teams_id, str) and teams_id else None
    if found is not None and len(found) > MEMBER_ID_MAX:
        raise ActivityError(f"a member id is longer than {MEMBER_ID_MAX} characters")
    return found


def person(account: Mapping[str, Any], resolve: Resolve = no_resolve) -> Person:
    teams_id = _str(account, "id", required=True)
    assert teams_id is not None
    name = _str(account, "name") or ""
    return Person(member_id(account, resolve), teams_id, name[:NAME_MAX])


def where(body: Mapping[str, Any]) -> Where:
    """The conversation of an activity (every activity the bot handles has one)."""
    conversation = _obj(body, "conversation")
    raw_id = _str(conversation, "id", required=True)
    assert raw_id is not None
    base, _, thread = raw_id.partition(THREAD_SUFFIX)
    recipient = _obj(body, "recipient")
    bot_id = _str(recipient, "id", required=True)
    assert bot_id is not None
    service_url = _str(body, "serviceUrl", required=True)
    assert service_url is not None
    data = _obj(body, "channelData", required=False)
    channel = _obj(data, "channel", required=False)
    team = _obj(data, "team", required=False)
    tenant = _obj(data, "tenant", required=False)
    team_id, team_name = _str(team, "id"), _str(team, "name")
    kind_raw = _str(conversation, "conversationType")
    kind: ConversationKind
    if kind_raw is None:
        kind = "channel" if channel else "personal"
    elif kind_raw in KINDS:
        kind = KINDS[kind_raw]
    else:
        raise ActivityError(f"unknown conversationType {kind_raw[:30]!r}")
    channel_id = _str(channel, "id") or base
    if len(channel_id) > CHANNEL_ID_MAX and kind == "channel":
        raise ActivityError(f"the channel id is longer than {CHANNEL_ID_MAX} characters")
    if channel_id == team_id and team_name and not _str(channel, "name"):
        name = team_name  # a team's General channel has the team's id and no name of its own
    else:
        name = _str(channel, "name") or team_name or channel_id
    return Where(
        conversation_id=base,
        kind=kind,
        channel_id=channel_id,
        channel_name=slug(name) or channel_id,
        service_url=service_url,
        bot_id=bot_id,
        tenant_id=_str(conversation, "tenantId") or _str(tenant, "id"),
        team_id=team_id,
        team_name=team_name,
        thread_id=thread or _str(body, "replyToId"),
    )


# --------------------------------------------------------------------------- message text


def _mentions(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = []
    for entity in _list(body, "entities"):
        if entity.get("type") != "mention":
            continue
        mentioned = entity.get("mentioned")
        if not isinstance(mentioned, Mapping) or not isinstance(mentioned.get("id"), str):
            raise ActivityError("a mention entity has no 'mentioned.id'")
        found.append(entity)
    return found


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(markup: str) -> str:
    """Teams' HTML-ish message text as plain text, with ``& < >`` escaped (as Slack sends them),
    lines kept and runs of spaces collapsed."""
    text = _BREAK.sub("\n", markup)
    text = html.unescape(_TAG.sub("", text)).replace("\xa0", " ")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _escape("\n".join(line for line in lines if line))


def message_text(
    body: Mapping[str, Any], bot_id: str, resolve: Resolve = no_resolve
) -> tuple[str, bool, tuple[Person, ...]]:
    """The text with each ``<at>Name</at>`` as ``<@MEMBER>`` (or ``@Name`` for someone without
    a member id, and ``#channel-name`` for a channel) and the bot's own mention removed; whether
    the bot was mentioned; and the members mentioned (with their names)."""
    raw = body.get("text")
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise ActivityError("'text' is not a string")
    unused = _mentions(body)
    mentions_bot = False
    tokens: dict[str, str] = {}
    people: list[Person] = []

    def replace(match: re.Match[str]) -> str:
        nonlocal mentions_bot
        shown = html.unescape(_TAG.sub("", match.group(1))).strip()
        entity = next(
            (e for e in unused if e.get("text") == match.group(0)),
            next((e for e in unused if e["mentioned"].get("name") == shown), None),
        )
        if entity is not None:
            unused.remove(entity)
        token = f"\x00{len(tokens)}\x00"
        mentioned: Mapping[str, Any] = entity["mentioned"] if entity is not None else {}
        teams_id = mentioned.get("id")
        if teams_id == bot_id:
            mentions_bot = True
            tokens[token] = ""
        elif isinstance(teams_id, str) and teams_id.startswith("19:"):
            tokens[token] = "#" + (slug(str(mentioned.get("name") or shown)) or "channel")
        elif entity is not None and (found := member_id(mentioned, resolve)) is not None:
            tokens[token] = f"<@{found}>"
            name = str(mentioned.get("name") or shown)[:NAME_MAX]
            people.append(Person(found, str(teams_id), name))
        else:
            tokens[token] = "@" + _escape(shown)
        return token

    text = _plain(_AT.sub(replace, raw))
    for token, value in tokens.items():
        text = text.replace(token, value)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n")).strip()
    return text, mentions_bot, tuple(people)


def _command(text: str, where: Where, mentions_bot: bool) -> str | None:
    """``orbit …`` in a personal chat (any other text asks for help), or after @mentioning the
    bot elsewhere; the command's arguments, unescaped."""
    match = _COMMAND.match(text.strip())
    if match is not None and (where.kind == "personal" or mentions_bot):
        return html.unescape(" ".join(match.group(1).split()))
    if where.kind == "personal":
        return "help" if text.strip() else None
    return None


# --------------------------------------------------------------------------- activities


def _chat(
    body: Mapping[str, Any], where: Where, sender: Person, text: str, activity_id: str
) -> ChatMessage:
    ts = message_ts(activity_id) or f"{_timestamp(body):.3f}"
    root_ts = message_ts(where.thread_id)
    sender_account = _obj(body, "from")
    is_bot = sender_account.get("role") == "bot" or sender.teams_id.startswith("28:")
    return ChatMessage(
        channel=where.channel_id,
        ts=ts,
        user=sender.member_id,
        text=text,
        thread_ts=root_ts if root_ts is not None and root_ts != ts else None,
        bot_id=sender.teams_id if is_bot else None,
    )


def _message(body: Mapping[str, Any], resolve: Resolve) -> Event:
    place = where(body)
    sender = person(_obj(body, "from"), resolve)
    activity_id = _str(body, "id", required=True)
    assert activity_id is not None
    value = body.get("value")
    if value is not None:
        if not isinstance(value, Mapping):
            raise ActivityError("'value' of a card submit is not an object")
        return Submit(place, sender, value, activity_id, _str(body, "replyToId"), invoke=False)
    text, mentions_bot, mentioned = message_text(body, place.bot_id, resolve)
    chat = _chat(body, place, sender, text, activity_id) if place.is_channel else None
    return Message(
        where=place,
        sender=sender,
        activity_id=activity_id,
        text=text,
        chat=chat,
        mentions_bot=mentions_bot,
        command=_command(text, place, mentions_bot),
        mentioned=mentioned,
    )


def emoji_name(reaction_type: str) -> str:
    """A Teams reaction type as the emoji name the core stores (``like`` → ``+1``)."""
    kind = reaction_type.strip()
    if kind in KEYCAPS:
        return KEYCAPS[kind]
    lowered = kind.lower()
    return REACTIONS.get(lowered, lowered.strip(":"))[:EMOJI_MAX]


def _reaction_types(body: Mapping[str, Any], key: str) -> tuple[str, ...]:
    found = []
    for reaction in _list(body, key):
        kind = reaction.get("type")
        if not isinstance(kind, str) or not kind.strip():
            raise ActivityError(f"a reaction in '{key}' has no 'type'")
        found.append(emoji_name(kind))
    return tuple(found)


def _reaction(body: Mapping[str, Any], resolve: Resolve) -> Event:
    place = where(body)
    target = _str(body, "replyToId", required=True)
    assert target is not None
    added, removed = (
        _reaction_types(body, "reactionsAdded"),
        _reaction_types(body, "reactionsRemoved"),
    )
    if not added and not removed:
        raise ActivityError("a messageReaction without reactionsAdded or reactionsRemoved")
    return ReactionChange(
        where=place,
        sender=person(_obj(body, "from"), resolve),
        message_id=target,
        message_ts=message_ts(target),
        added=added,
        removed=removed,
        ts=_timestamp(body),
    )


def _members(body: Mapping[str, Any], bot_id: str, key: str) -> tuple[tuple[Person, ...], bool]:
    people, bot = [], False
    for account in _list(body, key):
        found = person(account)
        if found.teams_id == bot_id:
            bot = True
        else:
            people.append(found)
    return tuple(people), bot


def _conversation_update(body: Mapping[str, Any]) -> Event:
    place = where(body)
    added, bot_added = _members(body, place.bot_id, "membersAdded")
    removed, bot_removed = _members(body, place.bot_id, "membersRemoved")
    if not (added or removed or bot_added or bot_removed):
        return Ignored("conversationUpdate", place)  # channel created, renamed, ...
    return MembersChanged(place, added, removed, bot_added, bot_removed, _timestamp(body))


def _event_type(body: Mapping[str, Any]) -> str | None:
    return _str(_obj(body, "channelData", required=False), "eventType")


def _edited(body: Mapping[str, Any], resolve: Resolve) -> Event:
    place = where(body)
    if not place.is_channel or _event_type(body) not in (None, "editMessage"):
        return Ignored("messageUpdate", place)
    sender = person(_obj(body, "from"), resolve)
    activity_id = _str(body, "id", required=True)
    assert activity_id is not None
    text, _, _ = message_text(body, place.bot_id, resolve)
    return MessageEdited(place, _chat(body, place, sender, text, activity_id))


def _deleted(body: Mapping[str, Any]) -> Event:
    place = where(body)
    ts = message_ts(_str(body, "id", required=True))
    if not place.is_channel or ts is None or _event_type(body) not in (None, "softDeleteMessage"):
        return Ignored("messageDelete", place)
    return MessageDeleted(place, ts)


def _invoke(body: Mapping[str, Any], resolve: Resolve) -> Event:
    name = _str(body, "name", required=True)
    if name != "adaptiveCard/action":
        return Ignored(f"invoke:{name}")
    place = where(body)
    value = _obj(body, "value")
    action = _obj(value, "action")
    data = action.get("data", {})
    if not isinstance(data, Mapping):
        raise ActivityError("the card action's 'data' is not an object")
    activity_id = _str(body, "id") or ""
    sender = person(_obj(body, "from"), resolve)
    return Submit(place, sender, data, activity_id, _str(body, "replyToId"), invoke=True)


def parse(body: Mapping[str, Any], resolve: Resolve = no_resolve) -> Event:
    """One activity as the event the adapter acts on; ActivityError when it is malformed.

    ``resolve`` maps a Teams user id (``29:…``) to a member id for accounts that come without
    their Entra object id (some mentions)."""
    if not isinstance(body, Mapping):
        raise ActivityError("the activity is not a JSON object")
    kind = _str(body, "type", required=True)
    match kind:
        case "message":
            return _message(body, resolve)
        case "messageReaction":
            return _reaction(body, resolve)
        case "conversationUpdate":
            return _conversation_update(body)
        case "installationUpdate":
            action = _str(body, "action") or "add"
            return Installation(where(body), action)
        case "messageUpdate":
            return _edited(body, resolve)
        case "messageDelete":
            return _deleted(body)
        case "invoke":
            return _invoke(body, resolve)
    assert kind is not None
    return Ignored(kind[:40])
