"""A fake Bot Connector service: a real HTTP server on 127.0.0.1 that the Teams SDK's real API
client talks to (``TEAMS_API_URL`` points the bot at it), answering like the real service.

    with FakeConnector() as connector:
        connector.add_members("19:team@thread.tacv2", [account("UTEAM")])
        ...
        [post] = connector.wait_for(lambda c: c.kind == "post")
        assert post.card["body"][0]["text"] == "…"

Every request is recorded as a :class:`Call` before it is answered. Routes (as the service's):

* ``POST /v3/conversations/{id}/activities`` — a new activity (``?isTargetedActivity=true``: seen
  by one member only); answered ``{"id": …}`` with a Teams-like message id (epoch ms).
* ``POST /v3/conversations/{id}/activities/{activity}`` — a reply to an activity.
* ``PUT /v3/conversations/{id}/activities/{activity}`` — an update; answered ``{"id": …}``.
* ``GET /v3/conversations/{id}/members`` — the members set with :meth:`add_members`.
* ``POST /v3/conversations`` — a new (personal) conversation; answered ``{"id": "a:…"}``.

:meth:`fail` makes the next matching calls fail with an HTTP status.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

#: The first message id handed out: 2026-11-23 08:00:00 UTC in milliseconds.
FIRST_ID = 1795420800000
TOKEN_RE = re.compile(r"^Bearer \S+$")
_ACTIVITIES = re.compile(r"^/v3/conversations/(?P<conv>[^/]+)/activities(?:/(?P<act>[^/]+))?$")
_MEMBERS = re.compile(r"^/v3/conversations/(?P<conv>[^/]+)/members$")


@dataclass(frozen=True)
class Call:
    """One request: ``kind`` is ``post``, ``targeted``, ``reply``, ``update``, ``members``,
    ``create`` or ``other``; ``conversation`` the conversation id of the path (thread suffix
    included); ``body`` the JSON sent; ``response`` what the fake answered."""

    method: str
    path: str
    kind: str
    conversation: str | None
    activity_id: str | None
    body: Any
    headers: dict[str, str]
    status: int = 200
    response: Any = None

    @property
    def card(self) -> dict[str, Any]:
        """The first Adaptive Card attached to the activity."""
        for attachment in (self.body or {}).get("attachments") or []:
            if attachment.get("contentType") == "application/vnd.microsoft.card.adaptive":
                return dict(attachment["content"])
        raise AssertionError(f"no Adaptive Card in {self.body!r}")

    @property
    def recipient(self) -> str | None:
        recipient = (self.body or {}).get("recipient") or {}
        return recipient.get("id")

    @property
    def text(self) -> str:
        """Every text of the card, as JSON (for ``in`` checks); empty without a card."""
        attachments = (self.body or {}).get("attachments") if isinstance(self.body, dict) else None
        return json.dumps(self.card, ensure_ascii=False) if attachments else ""


@dataclass
class _Failure:
    kind: str
    status: int
    times: int
    conversation: str | None = None


@dataclass
class FakeConnector:
    members: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    require_token: bool = True
    _calls: list[Call] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(FIRST_ID, 1000))
    _failures: list[_Failure] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeConnector:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> FakeConnector:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._server is not None, "FakeConnector is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- set-up --------------------------------------------------------------------------

    def add_members(self, conversation_id: str, accounts: list[dict[str, Any]]) -> None:
        self.members[conversation_id] = accounts

    def fail(self, kind: str, status: int, times: int = 1, conversation: str | None = None) -> None:
        """The next ``times`` calls of ``kind`` (to ``conversation``) fail with ``status``."""
        self._failures.append(_Failure(kind, status, times, conversation))

    def next_id(self) -> str:
        return str(next(self._ids))

    # -- inspection ----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    def sent(self, kind: str | None = None, conversation: str | None = None) -> list[Call]:
        """Successful calls of ``kind`` (to ``conversation``, thread suffix included)."""
        return [
            c
            for c in self.calls
            if c.status < 400
            and (kind is None or c.kind == kind)
            and (conversation is None or c.conversation == conversation)
        ]

    def wait_for(
        self, check: Callable[[Call], bool], count: int = 1, timeout: float = 10.0
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self._calls if c.status < 400 and check(c)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    kinds = [(c.kind, c.conversation, c.status) for c in self._calls]
                    raise AssertionError(f"expected {count} matching call(s); got {kinds}")
                self._cond.wait(left)

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _take_failure(self, kind: str, conversation: str | None) -> int | None:
        with self._cond:
            for failure in self._failures:
                wanted = failure.conversation in (None, conversation)
                if failure.kind == kind and wanted and failure.times > 0:
                    failure.times -= 1
                    return failure.status
        return None

    # -- answers -------------------------------------------------------------------------

    def answer(
        self, method: str, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[str, str | None, str | None, int, Any]:
        if method in ("POST", "PUT") and (match := _ACTIVITIES.match(path)):
            conversation, activity = match.group("conv"), match.group("act")
            if method == "PUT":
                kind = "update"
            elif activity is not None:
                kind = "reply"
            elif query.get("isTargetedActivity") == ["true"]:
                kind = "targeted"
            else:
                kind = "post"
            if not isinstance(body, dict) or body.get("type") != "message":
                return kind, conversation, activity, 400, {"error": {"code": "BadArgument"}}
            new_id = activity if kind == "update" else self.next_id()
            return kind, conversation, activity, 200, {"id": new_id}
        if method == "GET" and (match := _MEMBERS.match(path)):
            conversation = match.group("conv")
            if conversation not in self.members:
                return "members", conversation, None, 404, {"error": {"code": "NotFound"}}
            return "members", conversation, None, 200, self.members[conversation]
        if method == "POST" and path == "/v3/conversations":
            members = (body or {}).get("members") or [{}]
            chat = f"a:personal-{members[0].get('id', 'unknown')}"
            return "create", None, None, 200, {"id": chat}
        return "other", None, None, 404, {"error": {"code": "NotFound"}}


class _Handler(BaseHTTPRequestHandler):
    fake: FakeConnector

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        return

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        path = unquote(parts.path)
        query = parse_qs(parts.query)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        kind, conversation, activity, status, response = self.fake.answer(
            self.command, path, query, body
        )
        if self.fake.require_token and not TOKEN_RE.match(headers.get("authorization", "")):
            status, response = 401, {"error": {"code": "Unauthorized"}}
        failed = self.fake._take_failure(kind, conversation)
        if failed is not None:
            status, response = failed, {"error": {"code": "Failure", "message": "programmed"}}
        self.fake._record(
            Call(self.command, path, kind, conversation, activity, body, headers, status, response)
        )
        data = json.dumps(response).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()


def account(member: str, name: str | None = None) -> dict[str, Any]:
    """A Teams user account for member ``member`` (its object id is the member id, lower-case
    as Teams sends it)."""
    return {"id": f"29:{member}", "name": name or member.lower(), "aadObjectId": member.lower()}
