"""Slack payloads → core types. Export files and live Events API payloads share the message
shape, so the importer and the live listeners both go through these functions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bot.core.model import Channel, ChatMessage, Directory, Member, Reaction

SLACKBOT = "USLACKBOT"
#: Slack message timestamps: seconds and microseconds, e.g. "1719763200.000100".
TS_RE = re.compile(r"\d{1,12}(?:\.\d{1,9})?")


class PayloadError(ValueError):
    """A Slack payload that does not have the shape Slack documents."""


#: Longest member and channel ids stored (Slack's are about 11 characters).
MEMBER_ID_MAX = 64
CHANNEL_ID_MAX = 100


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _member_id(value: Any) -> str | None:
    text = _str(value)
    return text if text is not None and len(text) <= MEMBER_ID_MAX else None


def with_slack_bots(directory: Directory) -> Directory:
    """Slackbot posts as ``USLACKBOT`` and is not flagged ``is_bot`` by Slack: never a member."""
    directory.bots.add(SLACKBOT)
    return directory


def member_from_user(user: Mapping[str, Any]) -> Member:
    """A ``users.json`` entry or a ``users.info`` user."""
    user_id = _member_id(user.get("id"))
    if user_id is None:
        raise PayloadError(f"user without a valid 'id' (at most {MEMBER_ID_MAX} characters)")
    raw_profile = user.get("profile")
    profile: Mapping[str, Any] = raw_profile if isinstance(raw_profile, Mapping) else {}
    name = (
        _str(profile.get("display_name"))
        or _str(profile.get("real_name"))
        or _str(user.get("real_name"))
        or _str(user.get("name"))
        or user_id
    )
    return Member(
        id=user_id,
        name=name,
        is_bot=bool(user.get("is_bot")) or user_id == SLACKBOT or bool(user.get("is_app_user")),
        deleted=bool(user.get("deleted")),
    )


def channel_from_export(channel: Mapping[str, Any]) -> Channel:
    """A ``channels.json`` / ``groups.json`` entry."""
    channel_id = _str(channel.get("id"))
    name = _str(channel.get("name"))
    if channel_id is None or name is None or len(channel_id) > CHANNEL_ID_MAX:
        raise PayloadError("channel without a valid 'id' or 'name'")
    members = channel.get("members") or []
    if not isinstance(members, list):
        raise PayloadError(f"channel {name}: 'members' is not a list")
    return Channel(id=channel_id, name=name, members=tuple(m for m in members if _member_id(m)))


def _reactions(raw: Any) -> tuple[Reaction, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for r in raw:
        if not isinstance(r, Mapping) or not _str(r.get("name")):
            continue
        users = r.get("users")
        if isinstance(users, list):
            out.append(Reaction(emoji=r["name"], users=tuple(u for u in users if _member_id(u))))
    return tuple(out)


def chat_message(channel: str, msg: Mapping[str, Any]) -> ChatMessage:
    """A Slack message object (export file entry or ``message`` event) as a core message."""
    ts = _str(msg.get("ts"))
    if ts is None:
        raise PayloadError("message without a 'ts'")
    if not TS_RE.fullmatch(ts):
        raise PayloadError(f"message 'ts' is not a Slack timestamp: {ts!r}")
    text = msg.get("text")
    return ChatMessage(
        channel=channel,
        ts=ts,
        user=_member_id(msg.get("user")),
        text=text if isinstance(text, str) else "",
        subtype=_str(msg.get("subtype")),
        thread_ts=_str(msg.get("thread_ts")),
        parent_user=_str(msg.get("parent_user_id")),
        bot_id=_str(msg.get("bot_id")),
        reactions=_reactions(msg.get("reactions")),
    )
