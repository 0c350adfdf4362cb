"""Outbound calls to the Bot Connector (post, update, members), for code that is not async.

The Teams SDK's API client is asyncio-based while our services, listeners and the scheduler
run on threads. :class:`Connector` owns one event loop on a thread of its own; every call is
handed to it and waited for, so the SDK's HTTP clients live on exactly one loop. Rate limits
(honouring ``Retry-After``), 5xx answers and dropped connections are retried a few times, as
the Slack adapter's client does.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import warnings
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from microsoft_teams.api import Account, ApiClient, ConversationAccount
from microsoft_teams.api.activities.message import MessageActivityInput
from microsoft_teams.api.clients.conversation.params import CreateConversationParams
from microsoft_teams.api.models.attachment import Attachment
from microsoft_teams.common.experimental import ExperimentalWarning

from bot.adapters.teams.cards import CONTENT_TYPE, Card
from bot.adapters.teams.translate import THREAD_SUFFIX

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Targeted messages (one member sees them, in a channel: Slack's ephemeral messages) are a
#: preview API of the Teams SDK; it warns on every call. We use them on purpose.
warnings.filterwarnings(
    "ignore", message=r".*ExperimentalTeamsTargeted.*", category=ExperimentalWarning
)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 10.0


class ConnectorError(Exception):
    """The Bot Connector refused a call (``status`` is its HTTP status; None: no answer)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def permanent(self) -> bool:
        """Retrying will not help: the bot is not in the conversation, or it is gone."""
        return self.status in (400, 401, 403, 404)


@dataclass(frozen=True, slots=True)
class Target:
    """Where to post: a conversation (a channel's id, or a chat's) and its service URL."""

    conversation_id: str
    service_url: str
    bot_id: str | None = None


def thread(conversation_id: str, message_id: str) -> str:
    """The conversation id of a channel message's thread."""
    return f"{conversation_id.split(THREAD_SUFFIX, 1)[0]}{THREAD_SUFFIX}{message_id}"


def card_activity(card: Card) -> MessageActivityInput:
    return MessageActivityInput(attachments=[Attachment(content_type=CONTENT_TYPE, content=card)])


class Connector:
    """Bot Connector calls on a private event loop; see the module docstring. ``service_url``
    (TEAMS_API_URL) replaces every activity's own service URL, for tests against a fake."""

    def __init__(
        self,
        api: ApiClient,
        *,
        service_url: str | None = None,
        timeout: float = 30.0,
        retries: int = 2,
    ) -> None:
        self.api = api
        self.override = service_url.rstrip("/") if service_url else None
        self.timeout = timeout
        self.retries = retries
        self._clients: dict[str, ApiClient] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="teams-connector", daemon=True
        )
        self._thread.start()

    # ------------------------------------------------------------------ plumbing

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        self._loop.close()

    def service_url(self, service_url: str | None) -> str:
        return (self.override or service_url or self.api.service_url).rstrip("/")

    def _client(self, service_url: str | None) -> ApiClient:
        url = self.service_url(service_url)
        if url == self.api.service_url:
            return self.api
        if url not in self._clients:
            self._clients[url] = self.api.clone(service_url=url)
        return self._clients[url]

    def _run(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        if threading.current_thread() is self._thread:
            raise RuntimeError("Connector calls must not be made from its own loop")
        future = asyncio.run_coroutine_threadsafe(self._retrying(call, what), self._loop)
        try:
            return future.result(self.timeout)
        except TimeoutError:
            future.cancel()
            raise ConnectorError(f"{what}: no answer within {self.timeout:.0f} s") from None

    async def _retrying(self, call: Callable[[], Awaitable[T]], what: str) -> T:
        attempt = 0
        while True:
            try:
                return await call()
            except httpx.HTTPStatusError as exc:
                status = exc.response.status_code
                if status not in RETRY_STATUSES or attempt >= self.retries:
                    detail = exc.response.text[:200].replace("\n", " ")
                    raise ConnectorError(f"{what}: HTTP {status} {detail}", status) from None
                wait = _retry_after(exc.response, attempt)
            except httpx.TransportError as exc:
                if attempt >= self.retries:
                    raise ConnectorError(f"{what}: {type(exc).__name__}: {exc}") from None
                wait = 0.2 * 2**attempt
            attempt += 1
            log.info("%s: retrying in %.1f s (attempt %d)", what, wait, attempt + 1)
            await asyncio.sleep(wait)

    # ------------------------------------------------------------------ calls

    def send(
        self,
        target: Target,
        card: Card,
        *,
        thread_id: str | None = None,
        targeted: Account | None = None,
    ) -> str:
        """Post ``card`` in the conversation (in the thread of ``thread_id``, if given); with
        ``targeted``, only that member sees it. Returns the new activity's id."""
        conversation = thread(target.conversation_id, thread_id) if thread_id else None
        conversation = conversation or target.conversation_id
        activity = card_activity(card)
        if target.bot_id:
            activity.from_ = Account(id=target.bot_id)
        activity.conversation = ConversationAccount(id=conversation)

        async def call() -> str:
            conversations = self._client(target.service_url).conversations
            if targeted is not None:
                activity.recipient = targeted.model_copy(update={"is_targeted": True})
                sent = await conversations.create_targeted_activity(conversation, activity)
            else:
                sent = await conversations.create_activity(conversation, activity)
            return str(sent.id)

        return self._run(call, f"post to {conversation}")

    def update(self, target: Target, activity_id: str, card: Card) -> None:
        """Replace the card of an activity the bot posted."""
        activity = card_activity(card)
        activity.id = activity_id
        if target.bot_id:
            activity.from_ = Account(id=target.bot_id)
        activity.conversation = ConversationAccount(id=target.conversation_id)

        async def call() -> None:
            conversations = self._client(target.service_url).conversations
            await conversations.update_activity(target.conversation_id, activity_id, activity)

        self._run(call, f"update {activity_id} in {target.conversation_id}")

    def members(self, conversation_id: str, service_url: str | None) -> list[dict[str, Any]]:
        """The members of a conversation (a channel: its team's members) as Bot Framework
        accounts (``id``, ``aadObjectId``, ``name``...)."""

        async def call() -> list[dict[str, Any]]:
            client = self._client(service_url)
            found = await client.conversations.get_members(conversation_id)
            return [m.model_dump(by_alias=True, exclude_none=True) for m in found]

        return self._run(call, f"members of {conversation_id}")

    def personal_chat(self, member: Account, tenant_id: str | None, service_url: str | None) -> str:
        """The id of the bot's personal chat with ``member`` (created if needed)."""
        params = CreateConversationParams(
            members=[member],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}} if tenant_id else None,
        )

        async def call() -> str:
            created = await self._client(service_url).conversations.create(params)
            return str(created.id)

        return self._run(call, f"personal chat with {member.id}")


def _retry_after(response: httpx.Response, attempt: int) -> float:
    header = response.headers.get("Retry-After")
    try:
        wait = float(header) if header is not None else 0.5 * 2**attempt
    except ValueError:
        wait = 0.5 * 2**attempt
    return max(0.0, min(wait, MAX_RETRY_AFTER))
