"""Slack payloads → core types. Export files and live Events API payloads share the message
shape, so the importer and the live listeners both go through these functions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.core.model import Channel, ChatMessage, Member, Reaction

SLACKBOT = "USLACKBOT"


class PayloadError(ValueError):
    """A Slack payload that does not have the shape Slack documents."""


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def member_from_user(user: Mapping[str, Any]) -> Member:
    """A ``users.json`` entry or a ``users.info`` user."""
    user_id = _str(user.get("id"))
    if user_id is None:
        raise PayloadError("user without an 'id'")
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
    if channel_id is None or name is None:
        raise PayloadError("channel without an 'id' or 'name'")
    members = channel.get("members") or []
    if not isinstance(members, list):
        raise PayloadError(f"channel {name}: 'members' is not a list")
    return Channel(id=channel_id, name=name, members=tuple(m for m in members if _str(m)))


def _reactions(raw: Any) -> tuple[Reaction, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for r in raw:
        if not isinstance(r, Mapping) or not _str(r.get("name")):
            continue
        users = r.get("users")
        if isinstance(users, list):
            out.append(Reaction(emoji=r["name"], users=tuple(u for u in users if _str(u))))
    return tuple(out)


def chat_message(channel: str, msg: Mapping[str, Any]) -> ChatMessage:
    """A Slack message object (export file entry or ``message`` event) as a core message."""
    ts = _str(msg.get("ts"))
    if ts is None:
        raise PayloadError("message without a 'ts'")
    try:
        float(ts)
    except ValueError:
        raise PayloadError(f"message 'ts' is not a Slack timestamp: {ts!r}") from None
    text = msg.get("text")
    return ChatMessage(
        channel=channel,
        ts=ts,
        user=_str(msg.get("user")),
        text=text if isinstance(text, str) else "",
        subtype=_str(msg.get("subtype")),
        thread_ts=_str(msg.get("thread_ts")),
        parent_user=_str(msg.get("parent_user_id")),
        bot_id=_str(msg.get("bot_id")),
        reactions=_reactions(msg.get("reactions")),
    )
