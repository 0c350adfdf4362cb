"""The Bolt app: one factory for Socket Mode, HTTP mode and OAuth installs, and the HTTP server
that serves ``/slack/events`` (events, commands and interactions) plus ``/healthz``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt import App
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from sqlalchemy import Engine, text

from bot.adapters.slack import commands, digest, events, home, surveys, views
from bot.adapters.slack.deps import SlackDeps
from bot.adapters.slack.translate import PayloadError

log = logging.getLogger(__name__)

#: Threads running listeners after Bolt acknowledges. Listener work is mostly Python (the GIL)
#: and one database writer, so a few threads keep up; many only contend with the HTTP threads.
LISTENER_THREADS = 2

#: Bot scopes the app asks for (manifest.yaml lists the same).
BOT_SCOPES = [
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "groups:history",
    "groups:read",
    "reactions:read",
    "users:read",
    "chat:write",
    "commands",
    "files:write",
]


def web_client(token: str | None, api_url: str | None) -> WebClient:
    """A Web API client that retries rate limits (honouring Retry-After), 5xx answers and
    dropped connections, so a hiccup at Slack loses nothing."""
    kwargs: dict[str, Any] = {
        "token": token,
        "retry_handlers": [
            RateLimitErrorRetryHandler(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    }
    if api_url:
        kwargs["base_url"] = api_url if api_url.endswith("/") else api_url + "/"
    return WebClient(**kwargs)


def create_app(
    deps: SlackDeps,
    *,
    token: str | None,
    signing_secret: str | None,
    api_url: str | None = None,
    oauth: OAuthSettings | None = None,
    request_verification: bool = True,
) -> App:
    """Bolt app with our listeners. HTTP mode verifies every request's signature; Socket Mode
    requests come over Slack's authenticated websocket instead."""
    app = App(
        signing_secret=signing_secret or "",
        client=web_client(None if oauth else token, api_url),
        oauth_settings=oauth,
        request_verification_enabled=request_verification,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        listener_executor=ThreadPoolExecutor(max_workers=LISTENER_THREADS),
    )
    events.register(app, deps)
    commands.register(app, deps)
    home.register(app, deps)
    surveys.register(app, deps)
    digest.register(app, deps)

    @app.error
    def on_error(error: Exception, body: dict[str, Any], respond: Any) -> None:
        """The one place errors become a user-facing message; the operator gets the traceback."""
        if isinstance(error, PayloadError):
            log.warning("ignored a malformed Slack payload: %s", error)
        else:
            log.exception("error while handling a Slack request", exc_info=error)
        if body.get("command") or body.get("response_url"):
            try:
                respond(
                    blocks=views.error_blocks("Something went wrong on my side; please try again."),
                    text="Something went wrong; please try again.",
                    response_type="ephemeral",
                )
            except Exception:  # the error reply itself failing must not take the bot down
                log.exception("could not tell the user about the error")

    return app


def oauth_settings(engine: Engine, client_id: str, client_secret: str) -> OAuthSettings:
    """Multi-workspace installs with Bolt's SQLAlchemy stores on our own engine."""
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
    from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

    installations = SQLAlchemyInstallationStore(client_id=client_id, engine=engine)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine)
    installations.metadata.create_all(engine)
    states.metadata.create_all(engine)
    return OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=BOT_SCOPES,
        installation_store=installations,
        state_store=states,
    )


WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def wsgi_app(app: App, engine: Engine) -> WSGIApp:
    """``/slack/events`` (and the OAuth paths) to Bolt, ``/healthz`` answered here."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    bolt = SlackRequestHandler(app)

    def serve(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            try:
                with engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
                status, body = "200 OK", b'{"ok": true}'
            except Exception as exc:  # health must answer whatever the database says
                log.warning("health check failed: %s", exc)
                status, body = "503 Service Unavailable", b'{"ok": false}'
            start_response(status, [("Content-Type", "application/json")])
            return [body]
        if path.startswith("/slack/"):
            return bolt(environ, start_response)
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return serve
