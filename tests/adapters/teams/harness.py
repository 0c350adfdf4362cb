"""The Teams bot for tests: bootstrapped on a SQLite file, served by uvicorn on 127.0.0.1 with
request authentication off, talking to a :class:`FakeConnector`; and the activities Teams
would send it, as JSON."""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
import uvicorn
from sqlalchemy import Engine

from bot.adapters.teams.app import REPLY_THREADS, TeamsRuntime, teams_runtime
from bot.adapters.teams.settings import load_teams_settings
from bot.bootstrap import bootstrap
from bot.config import load_settings
from tests.adapters.teams.fake_connector import FakeConnector, account

APP_ID = "00000000-0000-0000-0000-00000000b0b0"
BOT = f"28:{APP_ID}"
TENANT = "tenant-1"
TEAM_ID = "19:platform@thread.tacv2"
GENERAL = "19:general@thread.tacv2"
#: A token the fake accepts (the SDK reads tokens as JWTs, without checking the signature).
TOKEN = jwt.encode(
    {"appid": APP_ID, "exp": 4102444800}, "a-test-key-of-at-least-32-bytes!", algorithm="HS256"
)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def drain(pool: ThreadPoolExecutor, workers: int, timeout: float = 30) -> None:
    """Wait until every task queued in ``pool`` (of ``workers`` threads) has finished."""
    barrier = threading.Barrier(workers + 1)
    for _ in range(workers):
        pool.submit(barrier.wait, timeout)
    barrier.wait(timeout)


def fake_token(_scope: str | list[str], _tenant: str | None) -> str:
    return TOKEN


@dataclass
class TeamsBot:
    """One bot process: the Teams runtime on uvicorn, its scheduler started."""

    runtime: TeamsRuntime
    engine: Engine
    url: str
    _server: uvicorn.Server
    _thread: threading.Thread

    @property
    def messages_url(self) -> str:
        return f"{self.url}/api/messages"

    def post(self, activity: dict[str, Any] | bytes) -> httpx.Response:
        if isinstance(activity, bytes):
            return httpx.post(
                self.messages_url,
                content=activity,
                headers={"Content-Type": "application/json"},
                timeout=30,
            )
        return httpx.post(self.messages_url, json=activity, timeout=30)

    def settle(self) -> None:
        """Wait until queued activities are handled, answered and their writes committed."""
        drain(self.runtime.ordered, 1)
        drain(self.runtime.replies, REPLY_THREADS)
        self.runtime.bot.recorder.flush()

    def stop(self) -> None:
        self.runtime.scheduler.shutdown()
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.runtime.close()


def launch(
    fake: FakeConnector,
    db: Path,
    *,
    clock: Clock | None = None,
    platform_channel: str = "platform-team",
    authenticate: bool = False,
    references: Path | None = None,
) -> TeamsBot:
    settings = load_settings(
        database_url=f"sqlite:///{db}", tick_seconds=0.1, platform_channel=platform_channel
    )
    container = bootstrap(settings)
    teams = load_teams_settings(
        app_id=APP_ID,
        tenant_id=TENANT,
        api_url=fake.url,
        references_file=references or db.with_suffix(".references.json"),
        dangerously_allow_unauthenticated=not authenticate,
    )
    runtime = teams_runtime(container, settings=teams, token=fake_token)
    if clock is not None:
        runtime.surveys.clock = clock
        runtime.digest.clock = clock
        runtime.digest.experiments.clock = clock
    runtime.scheduler.start()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(runtime.asgi, log_config=None, access_log=False, lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise AssertionError("uvicorn did not start")
        time.sleep(0.01)
    return TeamsBot(runtime, container.engine, f"http://127.0.0.1:{port}", server, thread)


# --------------------------------------------------------------------------- activities


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Teams:
    """Builds activities as Teams sends them to the bot at ``service_url``."""

    service_url: str
    ids: Iterator[int] = field(default_factory=lambda: itertools.count(1795417200000, 1000))

    def next_id(self) -> str:
        return str(next(self.ids))

    def _base(self, kind: str, member: str | None, conversation: dict[str, Any]) -> dict[str, Any]:
        activity_id = self.next_id()
        body: dict[str, Any] = {
            "type": kind,
            "id": activity_id,
            "timestamp": iso(int(activity_id)),
            "serviceUrl": self.service_url,
            "channelId": "msteams",
            "conversation": conversation,
            "recipient": {"id": BOT, "name": "Community Pulse"},
        }
        if member is not None:
            body["from"] = account(member)
        return body

    def channel(
        self,
        kind: str,
        member: str | None,
        channel: str = GENERAL,
        name: str | None = "General",
        team: str = "19:community@thread.tacv2",
        team_name: str = "Community",
        thread: str | None = None,
    ) -> dict[str, Any]:
        conversation_id = channel + (f";messageid={thread}" if thread else "")
        body = self._base(
            kind,
            member,
            {
                "id": conversation_id,
                "conversationType": "channel",
                "isGroup": True,
                "tenantId": TENANT,
            },
        )
        channel_data: dict[str, Any] = {
            "team": {"id": team, "name": team_name},
            "tenant": {"id": TENANT},
            "channel": {"id": channel},
        }
        if name is not None:
            channel_data["channel"]["name"] = name
        body["channelData"] = channel_data
        return body

    def message(
        self,
        member: str,
        text: str,
        *,
        mentions: Sequence[str] = (),
        mention_bot: bool = False,
        thread: str | None = None,
        **where: Any,
    ) -> dict[str, Any]:
        """A channel message; ``mentions`` are members whose ``<at>`` tags are appended."""
        entities = []
        parts = []
        if mention_bot:
            parts.append("<at>Community Pulse</at>")
            entities.append(
                {
                    "type": "mention",
                    "text": "<at>Community Pulse</at>",
                    "mentioned": {"id": BOT, "name": "Community Pulse"},
                }
            )
        parts.append(text)
        for member_id in mentions:
            tag = f"<at>{member_id.lower()}</at>"
            parts.append(tag)
            entities.append({"type": "mention", "text": tag, "mentioned": account(member_id)})
        body = self.channel("message", member, thread=thread, **where)
        body |= {"text": " ".join(parts), "textFormat": "xml", "entities": entities}
        if thread is not None:
            body["replyToId"] = thread
        return body

    def personal(self, member: str, text: str) -> dict[str, Any]:
        body = self._base(
            "message",
            member,
            {"id": f"a:personal-29:{member}", "conversationType": "personal", "tenantId": TENANT},
        )
        body |= {"text": text, "textFormat": "plain", "channelData": {"tenant": {"id": TENANT}}}
        return body

    def reaction(
        self,
        member: str,
        target: str,
        *,
        added: Sequence[str] = (),
        removed: Sequence[str] = (),
        **where: Any,
    ) -> dict[str, Any]:
        body = self.channel("messageReaction", member, **where)
        body["replyToId"] = target
        if added:
            body["reactionsAdded"] = [{"type": t} for t in added]
        if removed:
            body["reactionsRemoved"] = [{"type": t} for t in removed]
        return body

    def members_added(
        self, members: list[str], *, bot: bool = False, **where: Any
    ) -> dict[str, Any]:
        body = self.channel("conversationUpdate", "UADMIN", **where)
        added = [account(m) for m in members]
        if bot:
            added.append({"id": BOT})
        body["membersAdded"] = added
        body["channelData"]["eventType"] = "teamMemberAdded"
        return body

    def installed(self, **where: Any) -> dict[str, Any]:
        body = self.channel("installationUpdate", "UADMIN", **where)
        body["action"] = "add"
        return body

    def submit(
        self, member: str, data: dict[str, Any], *, reply_to: str | None = None, **where: Any
    ) -> dict[str, Any]:
        """An Action.Submit from a card in a channel: a message with ``value``."""
        body = self.channel("message", member, **where)
        body["value"] = data
        if reply_to is not None:
            body["replyToId"] = reply_to
        return body

    def execute(self, member: str, data: dict[str, Any], **where: Any) -> dict[str, Any]:
        """An Action.Execute: the invoke ``adaptiveCard/action``."""
        body = self.channel("invoke", member, **where)
        body["name"] = "adaptiveCard/action"
        body["value"] = {"action": {"type": "Action.Execute", "verb": "answer", "data": data}}
        return body
