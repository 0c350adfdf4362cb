"""Real, signed Slack requests (Events API, slash commands, interactivity) for a Bolt app served
over HTTP on 127.0.0.1.

    with FakeSlack() as slack:
        app = App(signing_secret="secret", client=WebClient(token="xoxb-test",
                                                               base_url=slack.base_url))
        ...register listeners...
        with serve_bolt(app) as url:
            status, _, _ = post_event(url, "secret", {"type": "app_mention", ...})
            assert status == 200
            slack.wait_for("chat.postMessage")

Bodies are byte-for-byte what Slack sends: JSON for events, ``application/x-www-form-urlencoded``
for slash commands and ``payload=<json>`` for interactivity. Signatures follow Slack's scheme:
``v0=`` + hex HMAC-SHA256(secret, ``v0:{timestamp}:{body}``).
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

    from slack_bolt import App

TEAM_ID = "T0TEST"
TEAM_DOMAIN = "test"
APP_ID = "A0PULSE"
BOT_USER_ID = "UPULSEBOT"
VERIFICATION_TOKEN = "fake-verification-token"  # deprecated by Slack, still sent in bodies
DEFAULT_RESPONSE_URL = "https://hooks.slack.com/commands/T0TEST/1/fake"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

_ids = itertools.count(1)


def _unique(prefix: str) -> str:
    return f"{prefix}{int(time.time())}{next(_ids):06d}"


# -- signatures -------------------------------------------------------------------------------


def compute_signature(secret: str, body: str, timestamp: int) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign(
    secret: str,
    body: str,
    timestamp: int | None = None,
    *,
    content_type: str | None = None,
) -> dict[str, str]:
    """The headers Slack sends with ``body``: timestamp, signature and content type (JSON when
    the body is a JSON object, else form-encoded, unless ``content_type`` says otherwise)."""
    ts = int(time.time()) if timestamp is None else timestamp
    if content_type is None:
        content_type = JSON if body.lstrip().startswith("{") else FORM
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": compute_signature(secret, body, ts),
        "Content-Type": content_type,
    }


# -- bodies -----------------------------------------------------------------------------------


def event_body(
    event: dict[str, Any],
    *,
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    api_app_id: str = APP_ID,
    event_time: int | None = None,
    bot_user_id: str = BOT_USER_ID,
) -> str:
    """An Events API ``event_callback`` envelope around ``event`` (``event_ts`` added if
    missing)."""
    now = int(time.time()) if event_time is None else event_time
    inner = {"event_ts": f"{now}.000100", **event}
    return json.dumps(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "api_app_id": api_app_id,
            "event": inner,
            "type": "event_callback",
            "event_id": event_id or _unique("Ev"),
            "event_time": now,
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": bot_user_id,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": _unique("4-"),
        }
    )


def command_body(
    command: str = "/orbit",
    text: str = "",
    *,
    user_id: str = "U0ALICE",
    user_name: str = "alice",
    channel_id: str = "C0GENERAL",
    channel_name: str = "general",
    response_url: str = DEFAULT_RESPONSE_URL,
    trigger_id: str | None = None,
    team_id: str = TEAM_ID,
    team_domain: str = TEAM_DOMAIN,
    api_app_id: str = APP_ID,
) -> str:
    """A slash command, form-encoded with Slack's fields in Slack's order."""
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": team_id,
            "team_domain": team_domain,
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": api_app_id,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": trigger_id or _unique("1."),
        }
    )


def action_body(payload: dict[str, Any]) -> str:
    """An interactivity request: form-encoded ``payload=<json>``."""
    return urlencode({"payload": json.dumps(payload)})


def url_verification_body(challenge: str) -> str:
    return json.dumps(
        {"token": VERIFICATION_TOKEN, "challenge": challenge, "type": "url_verification"}
    )


def block_actions_payload(
    action_id: str,
    value: str = "",
    *,
    block_id: str = "b1",
    user_id: str = "U0ALICE",
    user_name: str = "alice",
    channel_id: str = "C0GENERAL",
    message_ts: str = "1700000000.000100",
    response_url: str = DEFAULT_RESPONSE_URL,
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
) -> dict[str, Any]:
    """A ``block_actions`` payload for a button click in a channel message."""
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel_id,
            "is_ephemeral": False,
        },
        "trigger_id": _unique("1."),
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel_id, "name": "general"},
        "message": {"type": "message", "ts": message_ts, "text": ""},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "value": value,
                "text": {"type": "plain_text", "text": action_id},
                "action_ts": f"{int(time.time())}.000200",
            }
        ],
    }


def view_submission_payload(
    callback_id: str,
    values: dict[str, Any] | None = None,
    *,
    private_metadata: str = "",
    user_id: str = "U0ALICE",
    user_name: str = "alice",
    view_id: str = "V00000001",
    team_id: str = TEAM_ID,
    api_app_id: str = APP_ID,
) -> dict[str, Any]:
    """A ``view_submission`` payload; ``values`` is ``view.state.values``."""
    return {
        "type": "view_submission",
        "team": {"id": team_id, "domain": TEAM_DOMAIN},
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "api_app_id": api_app_id,
        "token": VERIFICATION_TOKEN,
        "trigger_id": _unique("1."),
        "view": {
            "id": view_id,
            "team_id": team_id,
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": values or {}},
            "hash": f"{view_id}.hash",
            "app_id": api_app_id,
            "bot_id": "BPULSE",
        },
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }


# -- posting ----------------------------------------------------------------------------------


def post(
    url: str,
    secret: str,
    body: str,
    *,
    content_type: str,
    timestamp: int | None = None,
    signature: str | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """POST ``body`` signed with ``secret`` (or with a forged ``signature``); returns (status,
    headers with lower-cased names, body). 4xx/5xx are returned, not raised."""
    headers = sign(secret, body, timestamp, content_type=content_type)
    if signature is not None:
        headers["X-Slack-Signature"] = signature
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
    if retry_reason is not None:
        headers["X-Slack-Retry-Reason"] = retry_reason
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, _lower(response.headers.items()), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, _lower(error.headers.items()), error.read()


def _lower(items: Any) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in items}


def post_event(
    url: str,
    secret: str,
    event: dict[str, Any],
    *,
    team_id: str = TEAM_ID,
    event_id: str | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
    retry_num: int | None = None,
    retry_reason: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    body = event_body(event, team_id=team_id, event_id=event_id)
    return post(
        url,
        secret,
        body,
        content_type=JSON,
        timestamp=timestamp,
        signature=signature,
        retry_num=retry_num,
        retry_reason=retry_reason,
    )


def post_command(
    url: str,
    secret: str,
    command: str = "/orbit",
    text: str = "",
    *,
    user_id: str = "U0ALICE",
    channel_id: str = "C0GENERAL",
    response_url: str = DEFAULT_RESPONSE_URL,
    trigger_id: str | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    body = command_body(
        command,
        text,
        user_id=user_id,
        channel_id=channel_id,
        response_url=response_url,
        trigger_id=trigger_id,
    )
    return post(url, secret, body, content_type=FORM, timestamp=timestamp, signature=signature)


def post_action(
    url: str,
    secret: str,
    payload: dict[str, Any],
    *,
    timestamp: int | None = None,
    signature: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    body = action_body(payload)
    return post(url, secret, body, content_type=FORM, timestamp=timestamp, signature=signature)


# -- serving a Bolt app -----------------------------------------------------------------------


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


@contextmanager
def serve_wsgi(app: WSGIApplication) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 (free port, threaded); yields ``http://127.0.0.1:PORT``."""
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@contextmanager
def serve_bolt(app: App, path: str = "/slack/events") -> Iterator[str]:
    """Serve a Bolt app through its WSGI adapter; yields the events URL."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    with serve_wsgi(SlackRequestHandler(app, path=path)) as root:
        yield root + path
