"""Events API listeners: Slack events → the live recorder (same rules as the importer).

Bolt acknowledges events before these run; every write is idempotent, so Slack retries
(``X-Slack-Retry-Num``) and duplicate deliveries store nothing twice.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bot.adapters.slack.deps import SlackDeps
from bot.adapters.slack.surveys import on_survey_reaction
from bot.adapters.slack.translate import PayloadError, chat_message

log = logging.getLogger(__name__)

#: Direct and group messages are never read (DESIGN.md "Signals").
PRIVATE_CHANNEL_TYPES = frozenset({"im", "mpim"})


def on_message(deps: SlackDeps, event: dict[str, Any]) -> int:
    """Any ``message`` event: new posts, thread replies, broadcasts, edits and deletions."""
    if event.get("channel_type") in PRIVATE_CHANNEL_TYPES:
        return 0
    channel = event.get("channel")
    if not isinstance(channel, str):
        raise PayloadError("message event without a channel")
    subtype = event.get("subtype")
    if subtype == "message_deleted":
        deleted = event.get("deleted_ts") or (event.get("previous_message") or {}).get("ts")
        if not isinstance(deleted, str):
            raise PayloadError("message_deleted event without deleted_ts")
        return deps.recorder.message_deleted(channel, deleted)
    if subtype == "message_changed":
        changed = event.get("message")
        if not isinstance(changed, dict):
            raise PayloadError("message_changed event without the new message")
        return deps.recorder.message_changed(chat_message(channel, changed))
    return deps.recorder.message(chat_message(channel, event))


def on_reaction(
    deps: SlackDeps, event: dict[str, Any], added: bool, client: WebClient | None = None
) -> int:
    item = event.get("item") or {}
    if item.get("type") != "message":
        return 0  # reactions to files and file comments are not community talk
    channel, ts = item.get("channel"), item.get("ts")
    user, emoji = event.get("user"), event.get("reaction")
    if not (
        isinstance(channel, str)
        and isinstance(ts, str)
        and isinstance(user, str)
        and isinstance(emoji, str)
    ):
        raise PayloadError("reaction event without item.channel, item.ts, user or reaction")
    if client is not None:  # a listed emoji on a survey message is an answer, too
        on_survey_reaction(deps, client, channel, ts, user, emoji, added)
    if not added:
        return deps.recorder.reaction_removed(channel, ts, user, emoji)
    author = event.get("item_user") if isinstance(event.get("item_user"), str) else None
    when = float(event.get("event_ts") or ts)
    return deps.recorder.reaction_added(channel, ts, user, emoji, author, when)


def on_member_joined(deps: SlackDeps, event: dict[str, Any]) -> int:
    channel, user = event.get("channel"), event.get("user")
    if not isinstance(channel, str) or not isinstance(user, str):
        raise PayloadError("member_joined_channel event without channel or user")
    when = float(event.get("event_ts") or 0.0)
    return deps.recorder.member_joined(channel, user, when)


def register(app: App, deps: SlackDeps) -> None:
    @app.event("message")
    def message(event: dict[str, Any]) -> None:
        on_message(deps, event)

    @app.event("app_mention")
    def app_mention(event: dict[str, Any]) -> None:
        # The same message also arrives as a `message` event; keys make recording it twice a no-op.
        on_message(deps, event)

    @app.event("reaction_added")
    def reaction_added(event: dict[str, Any], client: WebClient) -> None:
        on_reaction(deps, event, added=True, client=client)

    @app.event("reaction_removed")
    def reaction_removed(event: dict[str, Any], client: WebClient) -> None:
        on_reaction(deps, event, added=False, client=client)

    @app.event("member_joined_channel")
    def member_joined(event: dict[str, Any]) -> None:
        on_member_joined(deps, event)

    @app.event("member_left_channel")
    def member_left(event: dict[str, Any]) -> None:
        channel, user = event.get("channel"), event.get("user")
        if isinstance(channel, str) and isinstance(user, str):
            deps.recorder.member_left(channel, user)
