"""Plain data the core works on: members, chat messages, activities.

Adapters translate platform payloads (a Slack export, live Slack events, Teams activities) into
these types; nothing here knows which chat platform produced them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum


class Kind(StrEnum):
    """The kinds of activity DESIGN.md defines."""

    MESSAGE = "message"
    REPLY = "reply"
    REACTION = "reaction"
    MENTION = "mention"
    JOIN = "join"
    SURVEY_ANSWER = "survey_answer"


#: Kinds that respond to someone else's content and so feed that person's reach.
RESPONSE_KINDS = frozenset({Kind.REPLY, Kind.REACTION, Kind.MENTION})

SECONDS_PER_DAY = 86_400
EPOCH = date(1970, 1, 1)


def epoch_day(ts: float) -> int:
    """Days since 1970-01-01 (UTC) for a Unix timestamp; rollups are keyed by it."""
    return int(ts // SECONDS_PER_DAY)


def date_to_day(d: date) -> int:
    return (d - EPOCH).days


def day_to_date(day: int) -> date:
    return EPOCH + timedelta(days=day)


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str
    is_bot: bool = False
    deleted: bool = False


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    name: str
    members: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Reaction:
    emoji: str
    users: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A message as the core sees it, whatever platform it came from.

    ``thread_ts`` equals ``ts`` for a thread starter and differs for a reply; ``parent_user`` is
    the thread starter's author when the platform tells us (Slack's ``parent_user_id``).
    ``subtype`` keeps the platform's system subtype (``channel_join``, ``bot_message``, ...) or
    ``None`` for an ordinary message.
    """

    channel: str
    ts: str
    user: str | None
    text: str = ""
    subtype: str | None = None
    thread_ts: str | None = None
    parent_user: str | None = None
    bot_id: str | None = None
    reactions: tuple[Reaction, ...] = ()

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts


@dataclass(frozen=True, slots=True)
class Activity:
    """One signal. ``ref`` is the ``channel:ts`` of the message it came from, so that deleting or
    editing that message can find it; ``key`` makes storing it idempotent."""

    key: str
    kind: Kind
    actor: str
    channel: str
    ts: float
    target: str | None = None
    ref: str | None = None
    sentiment: float | None = None
    text: str | None = None

    @property
    def day(self) -> int:
        return epoch_day(self.ts)

    def as_row(self) -> ActivityRow:
        """The activity as a database row, in :data:`ROW_COLUMNS` order."""
        return (
            self.key,
            self.kind.value,
            self.actor,
            self.target,
            self.channel,
            self.ts,
            epoch_day(self.ts),
            self.ref,
            self.sentiment,
            self.text,
        )


#: Column order of :meth:`Activity.as_row`.
ROW_COLUMNS = ("key", "kind", "actor", "target", "channel", "ts", "day", "ref", "sentiment", "text")
ActivityRow = tuple[
    str, str, str, str | None, str, float, int, str | None, float | None, str | None
]


@dataclass(slots=True)
class Directory:
    """What the rules need to know about people: who is a bot, who opted out, who the bot is."""

    bots: set[str] = field(default_factory=set)
    opted_out: set[str] = field(default_factory=set)
    self_id: str | None = None

    def ignores(self, user: str | None) -> bool:
        return user is None or user in self.bots or user in self.opted_out or user == self.self_id
