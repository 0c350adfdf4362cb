"""A fake Slack Web API: a real HTTP server on 127.0.0.1 that the real ``slack_sdk.WebClient``
talks to, so tests exercise slack_sdk's encoding, retries and error handling for real.

    with FakeSlack() as slack:
        slack.add_user("U0ALICE", "alice")
        client = WebClient(token="xoxb-test", base_url=slack.base_url)
        client.chat_postMessage(channel="C1", text="hi")
        [call] = slack.calls_to("chat.postMessage")
        assert call.params["text"] == "hi"

Every request is recorded as a ``Call`` before it is answered, so a synchronous client call is
visible as soon as it returns; Bolt listeners run in background threads after the ack, so use
``slack.wait_for(method)`` for those.

Routes: ``/api/<method>`` (Web API), ``/upload/<file_id>`` (the ``upload_url`` of
``files.getUploadURLExternal``, recorded as method ``"upload_url"``) and ``/response/<name>``
(see ``response_url()``, recorded as method ``"response_url"``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import itertools
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

FailureKind = Literal["ratelimited", "server_error", "error", "disconnect"]
Params = dict[str, Any]

TEAM_ID = "T0TEST"
BOT_USER_ID = "UPULSEBOT"
BOT_ID = "BPULSE"
APP_ID = "A0PULSE"

AUTH_TEST: dict[str, Any] = {
    "ok": True,
    "url": "https://test.slack.com/",
    "team": "Test",
    "user": "pulse",
    "team_id": TEAM_ID,
    "user_id": BOT_USER_ID,
    "bot_id": BOT_ID,
}

DEFAULT_SCOPES = (
    "app_mentions:read,channels:history,channels:read,chat:write,commands,files:write,"
    "groups:read,im:write,reactions:read,users:read"
)

# Free-text params are never JSON-decoded, even if they happen to look like JSON.
_TEXT_PARAMS = frozenset({"text", "initial_comment", "title", "alt_txt", "filename", "query"})

# Methods that are not Web API methods but are recorded as calls too.
UPLOAD_URL = "upload_url"
RESPONSE_URL = "response_url"


@dataclass(frozen=True)
class Call:
    """One request the fake received.

    ``params`` merges query string and body (JSON, form or multipart); form values stay strings
    (``"200"``), except JSON-looking values (``blocks``, ``view``, ``files``...) which are
    decoded. ``headers`` has lower-cased names. ``response`` is the JSON the fake answered
    (``None`` for non-JSON answers); ``failed`` is true when the answer was not HTTP 200 with
    ``ok: true`` (programmed failures and Slack-level errors such as ``user_not_found``).
    """

    method: str
    params: Params
    headers: dict[str, str]
    path: str = ""
    encoding: str = "none"  # "json" | "form" | "multipart" | "raw" | "none"
    status: int = 200
    response: dict[str, Any] | None = None
    failed: bool = False
    body: bytes = b""

    @property
    def token(self) -> str | None:
        """The token, from ``Authorization: Bearer`` or a ``token`` param."""
        return _token(self.headers, self.params)


@dataclass(frozen=True)
class _Failure:
    kind: FailureKind
    status: int
    retry_after: int
    error: str


class FakeSlack:
    """A fake Slack Web API server; see the module docstring."""

    def __init__(self) -> None:
        self.users: dict[str, dict[str, Any]] = {}
        self.channel_members: dict[str, list[str]] = {}
        self.channels: dict[str, str] = {}
        self.uploads: dict[str, bytes] = {}
        self.auth: dict[str, Any] = dict(AUTH_TEST)
        self.scopes: str = DEFAULT_SCOPES
        self.require_token: bool = True
        self._file_names: dict[str, str] = {}
        self._calls: list[Call] = []
        self._cond = threading.Condition()
        self._failures: dict[str, deque[_Failure]] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._handlers: dict[str, Callable[[Params], dict[str, Any]]] = {
            "auth.test": lambda _p: dict(self.auth),
            "users.info": self._users_info,
            "conversations.members": self._conversations_members,
            "conversations.info": self._conversations_info,
            "chat.postMessage": self._chat_post_message,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "views.publish": self._views,
            "views.open": self._views,
            "views.update": self._views,
            "views.push": self._views,
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        if self._server is not None:
            return self
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"fake-slack-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What ``WebClient(base_url=...)`` takes (slack_sdk appends the method name)."""
        return f"{self.root_url}/api/"

    def response_url(self, name: str = "r1") -> str:
        """A ``response_url``; JSON POSTed there is recorded with method ``"response_url"``."""
        return f"{self.root_url}/response/{name}"

    # -- data --------------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        is_bot: bool = False,
        deleted: bool = False,
        real_name: str | None = None,
        **extra: Any,
    ) -> dict[str, Any]:
        """Add a ``users.info`` user shaped like Slack's; ``extra`` overrides top-level keys."""
        real = real_name if real_name is not None else name.title()
        user: dict[str, Any] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name,
            "real_name": real,
            "deleted": deleted,
            "is_bot": is_bot,
            "is_app_user": False,
            "is_admin": False,
            "tz": "Europe/Amsterdam",
            "tz_offset": 3600,
            "profile": {
                "real_name": real,
                "display_name": name,
                "real_name_normalized": real,
                "display_name_normalized": name,
                "team": TEAM_ID,
            },
            **extra,
        }
        self.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str, members: list[str] | None = None) -> None:
        self.channels[channel_id] = name
        if members is not None:
            self.channel_members[channel_id] = list(members)

    # -- failures ----------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        times: int = 1,
        kind: FailureKind = "ratelimited",
        retry_after: int = 1,
        *,
        error: str | None = None,
        status: int | None = None,
    ) -> None:
        """Make the next ``times`` calls to ``method`` fail.

        ``ratelimited``: HTTP 429, ``Retry-After: <retry_after>``, ``{"ok": false, "error":
        "ratelimited"}``. ``server_error``: HTTP ``status`` (500, or 503), ``ok: false``.
        ``error``: HTTP 200 ``{"ok": false, "error": error}``. ``disconnect``: the connection is
        closed without any answer. ``method`` may also be ``"response_url"``/``"upload_url"``.
        """
        defaults: dict[FailureKind, tuple[int, str]] = {
            "ratelimited": (429, "ratelimited"),
            "server_error": (500, "internal_error"),
            "error": (200, "fatal_error"),
            "disconnect": (0, ""),
        }
        default_status, default_error = defaults[kind]
        failure = _Failure(
            kind=kind,
            status=status if status is not None else default_status,
            retry_after=retry_after,
            error=error if error is not None else default_error,
        )
        with self._cond:
            self._failures.setdefault(method, deque()).extend([failure] * times)

    def _take_failure(self, method: str) -> _Failure | None:
        with self._cond:
            queue = self._failures.get(method)
            return queue.popleft() if queue else None

    # -- recorded calls ----------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        """A snapshot of every call so far, in arrival order."""
        with self._cond:
            return list(self._calls)

    @property
    def methods(self) -> list[str]:
        """The method of every call so far, in arrival order."""
        return [call.method for call in self.calls]

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until at least ``count`` calls to ``method`` arrived; return all of them."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [call for call in self._calls if call.method == method]
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self._cond.wait(remaining)
        if len(found) < count:
            raise AssertionError(
                f"expected {count} call(s) to {method} within {timeout}s, got {len(found)}; "
                f"calls so far: {self.methods}"
            )
        return found

    def reset(self) -> None:
        """Forget recorded calls, uploads and pending failures (data such as users stays)."""
        with self._cond:
            self._calls.clear()
            self._failures.clear()
            self.uploads.clear()

    def _record(self, call: Call) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    # -- Web API methods ---------------------------------------------------------------------

    def _next_ts(self) -> str:
        n = next(self._ts)
        return f"{1_700_000_000 + n // 1_000_000}.{n % 1_000_000:06d}"

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):08d}"

    def api(self, method: str, params: Params) -> dict[str, Any]:
        """Answer a Web API call (no failures, no recording): ``{"ok": true, ...}``."""
        handler = self._handlers.get(method)
        answer = handler(params) if handler is not None else {}
        return answer if "ok" in answer else {"ok": True, **answer}

    def _users_info(self, params: Params) -> dict[str, Any]:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"user": user}

    def _conversations_members(self, params: Params) -> dict[str, Any]:
        members = self.channel_members.get(str(params.get("channel", "")))
        if members is None:
            return {"ok": False, "error": "channel_not_found"}
        limit = max(1, min(int(params.get("limit") or 100), 1000))
        cursor = str(params.get("cursor") or "")
        offset = _decode_cursor(cursor) if cursor else 0
        if offset is None:
            return {"ok": False, "error": "invalid_cursor"}
        end = offset + limit
        next_cursor = _encode_cursor(end) if end < len(members) else ""
        return {"members": members[offset:end], "response_metadata": {"next_cursor": next_cursor}}

    def _conversations_info(self, params: Params) -> dict[str, Any]:
        channel_id = str(params.get("channel", ""))
        name = self.channels.get(channel_id)
        if name is None:
            return {"ok": False, "error": "channel_not_found"}
        return {"channel": {"id": channel_id, "name": name, "is_channel": True}}

    def _message(self, params: Params, ts: str) -> dict[str, Any]:
        message: dict[str, Any] = {
            "type": "message",
            "text": params.get("text", ""),
            "user": self.auth["user_id"],
            "bot_id": self.auth["bot_id"],
            "team": self.auth["team_id"],
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if key in params:
                message[key] = params[key]
        return message

    def _chat_post_message(self, params: Params) -> dict[str, Any]:
        channel = params.get("channel")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not any(params.get(key) for key in ("text", "blocks", "attachments")):
            return {"ok": False, "error": "no_text"}
        ts = self._next_ts()
        return {"channel": channel, "ts": ts, "message": self._message(params, ts)}

    def _chat_post_ephemeral(self, params: Params) -> dict[str, Any]:
        if not params.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("user"):
            return {"ok": False, "error": "user_not_found"}
        # Like Slack: only ``message_ts`` (an ephemeral message has no ``ts`` of its own).
        return {"message_ts": self._next_ts()}

    def _chat_update(self, params: Params) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        message = self._message(params, str(ts))
        return {"channel": channel, "ts": ts, "text": message["text"], "message": message}

    def _chat_delete(self, params: Params) -> dict[str, Any]:
        channel, ts = params.get("channel"), params.get("ts")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not ts:
            return {"ok": False, "error": "message_not_found"}
        return {"channel": channel, "ts": ts}

    def _views(self, params: Params) -> dict[str, Any]:
        view = params.get("view")
        if not isinstance(view, dict):
            return {"ok": False, "error": "invalid_arguments"}
        view_id = str(params.get("view_id") or self._next_id("V"))
        return {
            "view": {
                "id": view_id,
                "team_id": self.auth["team_id"],
                "app_id": APP_ID,
                "bot_id": self.auth["bot_id"],
                "hash": f"{view_id}.hash",
                **view,
            }
        }

    def _files_get_upload_url(self, params: Params) -> dict[str, Any]:
        if not params.get("filename") or not params.get("length"):
            return {"ok": False, "error": "invalid_arguments"}
        file_id = self._next_id("F")
        self._file_names[file_id] = str(params["filename"])
        return {"upload_url": f"{self.root_url}/upload/{file_id}", "file_id": file_id}

    def _files_complete_upload(self, params: Params) -> dict[str, Any]:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        out: list[dict[str, Any]] = []
        for item in files:
            file_id = str(item.get("id", ""))
            if file_id not in self._file_names:
                return {"ok": False, "error": "file_not_found"}
            name = self._file_names[file_id]
            out.append(
                {
                    "id": file_id,
                    "title": item.get("title") or name,
                    "name": name,
                    "size": len(self.uploads.get(file_id, b"")),
                }
            )
        return {"files": out}


# -- HTTP plumbing ---------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops bursts of concurrent connects for ~1 s

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake = self.server.fake
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        parts = url.path.strip("/").split("/", 1)
        if len(parts) != 2 or parts[0] not in {"api", "upload", "response"}:
            self._send(404, b"Not Found", "text/plain")
            return
        route, name = parts[0], unquote(parts[1])

        if route == "upload":
            method, encoding, params = UPLOAD_URL, "raw", {"file_id": name, "length": len(raw)}
        else:
            encoding, params = _parse_body(headers.get("content-type", ""), raw)
            query = _flatten(parse_qs(url.query, keep_blank_values=True))
            params = _decode_jsonish({**query, **params})
            method = RESPONSE_URL if route == "response" else name

        def record(status: int, response: dict[str, Any] | None, ok: bool) -> None:
            fake._record(
                Call(
                    method=method,
                    params=params,
                    headers=headers,
                    path=url.path,
                    encoding=encoding,
                    status=status,
                    response=response,
                    failed=not ok,
                    body=raw,
                )
            )

        failure = fake._take_failure(method)
        if failure is not None:
            if failure.kind == "disconnect":
                record(0, None, ok=False)
                self.close_connection = True
                return
            answer = {"ok": False, "error": failure.error}
            record(failure.status, answer, ok=False)
            extra = (
                {"Retry-After": str(failure.retry_after)} if failure.kind == "ratelimited" else {}
            )
            self._send_json(failure.status, answer, extra)
            return

        if route == "upload":
            fake.uploads[name] = raw
            record(200, None, ok=True)
            self._send(200, f"OK - {len(raw)}".encode(), "text/plain")
        elif route == "response":
            record(200, None, ok=True)
            self._send(200, b"ok", "text/plain")
        else:
            if fake.require_token and not _token(headers, params):
                answer = {"ok": False, "error": "not_authed"}
            else:
                answer = fake.api(method, params)
            record(200, answer, ok=bool(answer.get("ok")))
            self._send_json(200, answer, {"x-oauth-scopes": fake.scopes})

    def _send_json(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        self._send(status, json.dumps(body).encode(), "application/json; charset=utf-8", headers)

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)


def _parse_body(content_type: str, raw: bytes) -> tuple[str, Params]:
    if not raw:
        return "none", {}
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json" or (not mime and raw.lstrip().startswith(b"{")):
        data = json.loads(raw)
        return "json", data if isinstance(data, dict) else {"json": data}
    if mime == "multipart/form-data":
        return "multipart", _parse_multipart(content_type, raw)
    if mime in {"application/x-www-form-urlencoded", ""}:
        return "form", _flatten(parse_qs(raw.decode(), keep_blank_values=True))
    return "raw", {}


def _parse_multipart(content_type: str, raw: bytes) -> Params:
    head = f"Content-Type: {content_type}\r\n\r\n".encode()
    message: Message = BytesParser(policy=HTTP).parsebytes(head + raw)
    params: Params = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        params[name] = data if part.get_filename() else data.decode()
    return params


def _token(headers: dict[str, str], params: Params) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[len("bearer ") :] or None
    token = params.get("token")
    return token if isinstance(token, str) and token else None


def _flatten(values: dict[str, list[str]]) -> Params:
    return {key: items[0] if len(items) == 1 else items for key, items in values.items()}


def _decode_jsonish(params: Params) -> Params:
    """Decode JSON-encoded string params (``blocks``, ``view``, ``files``...) in place."""
    for key, value in params.items():
        start = value.lstrip()[:1] if isinstance(value, str) else ""
        if key in _TEXT_PARAMS or start not in {"[", "{"}:
            continue
        with contextlib.suppress(ValueError):
            params[key] = json.loads(value)
    return params


def _encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def _decode_cursor(cursor: str) -> int | None:
    try:
        prefix, _, offset = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        return int(offset) if prefix == "offset" and int(offset) >= 0 else None
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A started ``FakeSlack``, stopped after the test."""
    with FakeSlack() as slack:
        yield slack
