"""Use case: live chat events → stored activities, through the same core rules as the importer.

Platform adapters translate their payloads into core messages and call these methods after
acknowledging the event; everything here is idempotent, so retries and duplicate deliveries
store nothing twice.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Engine

from bot.core.model import Activity, Channel, ChatMessage, Directory, Kind, Member
from bot.core.sentiment import polarity
from bot.core.signals import (
    activities_for_message,
    join_activity,
    message_ref,
    reaction_activity,
    survey_answer_activity,
    survey_answer_key,
)
from storage import activities as store
from storage import directory as people
from storage.sql import ACTIVITY
from storage.writer import GroupWriter

log = logging.getLogger(__name__)


class PeopleSource(Protocol):
    """The chat platform's directory (Slack: users.info, conversations.members)."""

    def member(self, member_id: str) -> Member | None: ...

    def channel_members(self, channel_id: str) -> list[str]: ...


@dataclass
class Recorder:
    """Records live signals. ``directory`` (bots, opted-out members, the bot itself) is cached
    and reloaded every ``ttl`` seconds or when privacy settings change."""

    engine: Engine
    people_source: PeopleSource | None = None
    self_id: str | None = None
    store_text: bool = False
    #: The platform's own bot accounts that its directory does not flag (Slack: Slackbot).
    platform_bots: frozenset[str] = frozenset()
    #: False: return once the activities are queued for the writer (chat listeners, which have
    #: acknowledged the platform already); True: once they are committed, with their count.
    wait: bool = True
    ttl: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _directory: Directory | None = field(default=None, init=False, repr=False)
    _loaded_at: float = field(default=0.0, init=False, repr=False)
    _known: set[str] = field(default_factory=set, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _writer: GroupWriter = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Listeners run on several threads; one writer groups their events into transactions.
        self._writer = GroupWriter(self.engine)

    def directory(self) -> Directory:
        with self._lock:
            if self._directory is None or self.clock() - self._loaded_at > self.ttl:
                with self.engine.connect() as conn:
                    self._directory = people.load_directory(conn, self.self_id)
                self._directory.bots.update(self.platform_bots)
                self._loaded_at = self.clock()
            return self._directory

    def invalidate(self) -> None:
        with self._lock:
            self._directory = None

    def _learn(self, ids: set[str]) -> None:
        """Make sure members seen for the first time have a row, with their name and bot flag
        from the platform's directory when there is one."""
        unknown = ids - self._known
        if not unknown:
            return
        found = []
        if self.people_source is not None:
            found = [m for i in sorted(unknown) if (m := self.people_source.member(i)) is not None]
        with self.engine.begin() as conn:
            people.upsert_members(conn, found)
            store.ensure_members(conn, unknown)
        bots = {m.id for m in found if m.is_bot}
        if bots:
            self.directory().bots.update(bots)
        self._known |= unknown

    def _store(self, activities: list[Activity]) -> int:
        if not activities:
            return 0
        self._learn({a.actor for a in activities} | {a.target for a in activities if a.target})
        directory = self.directory()
        kept = [a for a in activities if not directory.ignores(a.actor)]
        if not self.wait:
            self._writer.submit(kept)
            return len(kept)
        return self._writer.write(kept)

    def flush(self) -> bool:
        """Wait until queued activities are written (before deletions, and at shutdown)."""
        return self._writer.flush()

    def message(self, msg: ChatMessage) -> int:
        """A new message or thread reply (including ``thread_broadcast``)."""
        if msg.user:
            self._learn({msg.user})
        starter = None
        if msg.is_reply and msg.parent_user is None and msg.thread_ts:
            with self.engine.connect() as conn:
                starter = store.thread_starter(conn, msg.channel, msg.thread_ts)
            if starter is None and self.flush():  # the starter may still be queued
                with self.engine.connect() as conn:
                    starter = store.thread_starter(conn, msg.channel, msg.thread_ts)
        return self._store(
            activities_for_message(
                msg,
                self.directory(),
                polarity,
                thread_starter=starter,
                store_text=self.store_text,
            )
        )

    def message_changed(self, msg: ChatMessage) -> int:
        """An edit: the post and its mentions are replaced (sentiment and mentions follow the new
        text); reactions on the message are untouched."""
        self.flush()
        ref = message_ref(msg.channel, msg.ts)
        own = ACTIVITY.c.kind.in_([Kind.MESSAGE.value, Kind.REPLY.value, Kind.MENTION.value])
        with self.engine.begin() as conn:
            store.delete_where(conn, (ACTIVITY.c.ref == ref) & own)
        return self.message(msg)

    def message_deleted(self, channel: str, ts: str) -> int:
        """A deleted message takes its post, mentions and the reactions on it along."""
        self.flush()
        with self.engine.begin() as conn:
            return store.delete_where(conn, ACTIVITY.c.ref == message_ref(channel, ts))

    def reaction_added(
        self, channel: str, message_ts: str, reactor: str, emoji: str, author: str | None, ts: float
    ) -> int:
        directory = self.directory()
        if directory.ignores(reactor):
            return 0
        target_author = None if directory.ignores(author) else author
        return self._store(
            [reaction_activity(channel, message_ts, reactor, emoji, target_author, ts)]
        )

    def reaction_removed(self, channel: str, message_ts: str, reactor: str, emoji: str) -> int:
        key = reaction_activity(channel, message_ts, reactor, emoji, None, 0.0).key
        self.flush()
        with self.engine.begin() as conn:
            return store.delete_where(conn, ACTIVITY.c.key == key)

    def survey_answered(
        self, channel: str, run_id: int, question_id: str, member_id: str, ts: float
    ) -> int:
        """Participation in a survey (for love); opted-out members and bots are not recorded."""
        return self._store([survey_answer_activity(channel, run_id, question_id, member_id, ts)])

    def survey_answer_withdrawn(self, run_id: int, question_id: str, member_id: str) -> int:
        self.flush()
        key = survey_answer_key(run_id, question_id, member_id)
        with self.engine.begin() as conn:
            return store.delete_where(conn, ACTIVITY.c.key == key)

    def member_joined(self, channel: str, member_id: str, ts: float) -> int:
        with self.engine.begin() as conn:
            people.add_channel_member(conn, channel, member_id)
        if self.directory().ignores(member_id):
            return 0
        return self._store([join_activity(channel, member_id, ts)])

    def member_left(self, channel: str, member_id: str) -> None:
        """Leaving ends membership (silent counts, the platform team); history stays."""
        with self.engine.begin() as conn:
            people.remove_channel_member(conn, channel, member_id)

    def sync_channel(self, channel_id: str, name: str) -> int:
        """Refresh a channel's membership (for silent members and the platform team)."""
        if self.people_source is None:
            return 0
        members = self.people_source.channel_members(channel_id)
        with self.engine.begin() as conn:
            people.upsert_channels(conn, [Channel(channel_id, name, tuple(members))])
        return len(members)
