"""Slack's directory for the live recorder: ``users.info`` and ``conversations.members``, cached
so that a busy channel costs one lookup per person, not one per message."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.translate import PayloadError, member_from_user
from bot.core.model import Member

log = logging.getLogger(__name__)


class SlackPeople:
    def __init__(
        self, client: WebClient, ttl: float = 3600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._members: dict[str, tuple[float, Member | None]] = {}
        self._lock = threading.Lock()

    def member(self, member_id: str) -> Member | None:
        with self._lock:
            cached = self._members.get(member_id)
        if cached is not None and self.clock() - cached[0] < self.ttl:
            return cached[1]
        try:
            user = self.client.users_info(user=member_id)["user"]
            found: Member | None = member_from_user(user)
        except SlackApiError as exc:
            log.warning("users.info %s failed: %s", member_id, exc.response.get("error"))
            found = None
        except (PayloadError, KeyError, TypeError):
            log.warning("users.info %s returned an unexpected user object", member_id)
            found = None
        with self._lock:
            self._members[member_id] = (self.clock(), found)
        return found

    def channel_members(self, channel_id: str) -> list[str]:
        members: list[str] = []
        cursor = None
        while True:
            page = self.client.conversations_members(channel=channel_id, limit=200, cursor=cursor)
            members.extend(page.get("members", []))
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    def channel_id(self, name: str) -> str | None:
        """Find a channel by name (conversations.list), for the configured platform channel."""
        cursor = None
        while True:
            page = self.client.conversations_list(
                types="public_channel,private_channel",
                exclude_archived=True,
                limit=200,
                cursor=cursor,
            )
            channels: list[dict[str, str]] = page.get("channels", [])
            for channel in channels:
                if channel.get("name") == name or channel.get("id") == name:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
