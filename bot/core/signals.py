"""DESIGN.md "Signals": which chat events become which activities.

One translation for every source: the Slack export importer, live Slack events and other
platforms all turn their payloads into :class:`ChatMessage` and call these functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from bot.core.model import SECONDS_PER_DAY, Activity, ChatMessage, Directory, Kind, epoch_day

#: ``<@U123>`` or ``<@U123|name>`` (Slack) — adapters for other platforms normalise to this form.
MENTION_RE = re.compile(r"<@([A-Z0-9][A-Z0-9._-]{0,39})(?:\|[^>]*)?>", re.IGNORECASE)

#: Subtypes that are a member talking: ordinary messages, replies also sent to the channel and
#: ``/me`` messages. ``channel_join`` is a join; every other subtype (bot, file and channel-admin
#: system messages, and any Slack adds later) yields nothing, so new subtypes never inflate scores.
COUNTED_SUBTYPES = frozenset({None, "thread_broadcast", "me_message"})
JOIN_SUBTYPE = "channel_join"

Sentiment = Callable[[str], float]


def message_ref(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def ts_float(ts: str) -> float:
    return float(ts)


def mentions(text: str) -> list[str]:
    """Distinct mentioned ids in order of first appearance."""
    seen: dict[str, None] = {}
    for match in MENTION_RE.finditer(text or ""):
        seen.setdefault(match.group(1).upper(), None)
    return list(seen)


def join_activity(channel: str, user: str, ts: float) -> Activity:
    """A join is keyed by channel and member only, so that ``member_joined_channel`` and the
    ``channel_join`` system message for the same join are stored once."""
    return Activity(
        key=f"join:{channel}:{user}", kind=Kind.JOIN, actor=user, channel=channel, ts=ts
    )


def survey_answer_key(run_id: int, question_id: str, member: str) -> str:
    return f"answer:{run_id}:{question_id}:{member}"


def survey_answer_activity(
    channel: str, run_id: int, question_id: str, member: str, ts: float
) -> Activity:
    """Answering a pulse question counts for love, as participation only: the activity says that
    the member answered, never what. Its time is the start of the day, so it cannot be matched
    to the moment an (anonymous) answer was stored."""
    day_start = float(epoch_day(ts) * SECONDS_PER_DAY)
    return Activity(
        key=survey_answer_key(run_id, question_id, member),
        kind=Kind.SURVEY_ANSWER,
        actor=member,
        channel=channel,
        ts=day_start,
        ref=f"survey:{run_id}",
    )


def reaction_activity(
    channel: str, message_ts: str, reactor: str, emoji: str, author: str | None, ts: float
) -> Activity:
    target = author if author and author != reactor else None
    return Activity(
        key=f"react:{channel}:{message_ts}:{reactor}:{emoji}",
        kind=Kind.REACTION,
        actor=reactor,
        channel=channel,
        ts=ts,
        target=target,
        ref=message_ref(channel, message_ts),
    )


def mention_activities(msg: ChatMessage, directory: Directory) -> Iterator[Activity]:
    assert msg.user is not None
    for mentioned in mentions(msg.text):
        if mentioned == msg.user or directory.ignores(mentioned):
            continue
        yield Activity(
            key=f"mention:{msg.channel}:{msg.ts}:{mentioned}",
            kind=Kind.MENTION,
            actor=msg.user,
            channel=msg.channel,
            ts=ts_float(msg.ts),
            target=mentioned,
            ref=message_ref(msg.channel, msg.ts),
        )


def is_counted(msg: ChatMessage, directory: Directory) -> bool:
    """Whether the message's author produces activities at all."""
    if msg.bot_id is not None and msg.subtype != JOIN_SUBTYPE:
        return False
    return not directory.ignores(msg.user)


def activities_for_message(
    msg: ChatMessage,
    directory: Directory,
    sentiment: Sentiment | None = None,
    *,
    thread_starter: str | None = None,
    store_text: bool = False,
) -> list[Activity]:
    """The activities one message yields: its post (message or reply), its mentions, and the
    reactions already on it (exports carry them; live events send them separately).

    ``thread_starter`` is the author of the thread a reply belongs to, when the caller knows it
    better than ``msg.parent_user`` does.
    """
    if msg.subtype == JOIN_SUBTYPE:
        if directory.ignores(msg.user):
            return []
        assert msg.user is not None
        return [join_activity(msg.channel, msg.user, ts_float(msg.ts))]
    if msg.subtype not in COUNTED_SUBTYPES or not is_counted(msg, directory):
        return reaction_activities(msg, directory)
    assert msg.user is not None
    ts = ts_float(msg.ts)
    ref = message_ref(msg.channel, msg.ts)
    starter = thread_starter or msg.parent_user
    if msg.is_reply:
        kind = Kind.REPLY
        target = starter if starter != msg.user and not directory.ignores(starter) else None
    else:
        kind, target = Kind.MESSAGE, None
    post = Activity(
        key=f"post:{ref}",
        kind=kind,
        actor=msg.user,
        channel=msg.channel,
        ts=ts,
        target=target,
        ref=ref,
        sentiment=sentiment(msg.text) if sentiment and msg.text else None,
        text=msg.text if store_text else None,
    )
    return [post, *mention_activities(msg, directory), *reaction_activities(msg, directory)]


def reaction_activities(msg: ChatMessage, directory: Directory) -> list[Activity]:
    """Reactions listed on a message. An export does not say when a reaction was added, so the
    message's own time is used."""
    author = None if directory.ignores(msg.user) or msg.bot_id else msg.user
    ts = ts_float(msg.ts)
    return [
        reaction_activity(msg.channel, msg.ts, reactor, reaction.emoji, author, ts)
        for reaction in msg.reactions
        for reactor in reaction.users
        if not directory.ignores(reactor)
    ]
