"""The Teams bot on the Microsoft Teams SDK (``microsoft-teams-apps``): the messaging endpoint
``/api/messages`` (plus ``/healthz``) served by uvicorn, wired to the same services as Slack.

Request path
------------
1. :class:`GuardedAdapter` (the SDK's HTTP adapter port, on FastAPI) reads the body: anything
   that is not a well-formed activity — not JSON, not an object, or not what Teams documents
   (:func:`bot.adapters.teams.translate.parse` and the SDK's own activity models) — is answered
   400 and logged, and never reaches the SDK or the database.
2. The SDK authenticates the request (Bot Framework JWT; off only with
   ``TEAMS_DANGEROUSLY_ALLOW_UNAUTHENTICATED``) and routes the activity to our one handler.
3. The handler queues the activity for :class:`~bot.adapters.teams.handlers.TeamsBot` on an
   ordered worker thread and answers Teams at once (200), as the Slack adapter acknowledges
   first; card actions sent as invokes are answered in the response instead.

Outbound calls (replies, surveys, the digest) go through one
:class:`~bot.adapters.teams.connector.Connector`.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import logging
import signal
import threading
import warnings
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING, Any

from microsoft_teams.common.experimental import ExperimentalWarning

# The SDK warns about its own preview features on import; we use none of them.
warnings.filterwarnings(
    "ignore", message=r".*ExperimentalTeamsHtmlWidget.*", category=ExperimentalWarning
)

from fastapi import FastAPI, Request, Response  # noqa: E402
from fastapi.responses import JSONResponse  # noqa: E402
from microsoft_teams.api import ActivityTypeAdapter  # noqa: E402
from microsoft_teams.api.auth.credentials import TokenProvider  # noqa: E402
from microsoft_teams.apps import ActivityContext, App  # noqa: E402
from microsoft_teams.apps.events import CoreActivity  # noqa: E402
from microsoft_teams.apps.http import HttpMethod, HttpRequest, HttpRouteHandler  # noqa: E402
from pydantic import ValidationError  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from bot.adapters.teams.connector import Connector  # noqa: E402
from bot.adapters.teams.handlers import TeamsBot, TeamsPeople  # noqa: E402
from bot.adapters.teams.posters import TeamsDigestPoster, TeamsSurveyPoster  # noqa: E402
from bot.adapters.teams.references import ReferenceStore  # noqa: E402
from bot.adapters.teams.settings import TeamsSettings, load_teams_settings, require  # noqa: E402
from bot.adapters.teams.translate import ActivityError, parse  # noqa: E402

if TYPE_CHECKING:
    from microsoft_teams.api import ActivityBase

    from bot.bootstrap import Container
    from bot.services.digest import DigestService
    from bot.services.scheduler import PulseScheduler
    from bot.services.surveys import SurveyService

log = logging.getLogger(__name__)

MESSAGING_ENDPOINT = "/api/messages"
#: Threads answering ``orbit`` and card actions (recording runs on one ordered thread).
REPLY_THREADS = 2


def check_activity(body: Any) -> str | None:
    """Why ``body`` is not an activity the bot can take (None: it is one)."""
    if not isinstance(body, dict):
        return "the activity is not a JSON object"
    try:
        parse(body)
    except ActivityError as exc:
        return str(exc)
    try:
        core = CoreActivity.model_validate(body)
        ActivityTypeAdapter.validate_python(core.model_dump(by_alias=True, exclude_none=True))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][1:] or first["loc"])
        return f"{where or 'activity'}: {first['msg']}"
    return None


def _bad_request(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


class GuardedAdapter:
    """The SDK's :class:`~microsoft_teams.apps.http.HttpServerAdapter` on a FastAPI app: the
    SDK's routes, behind a check that answers malformed activities 400 (see the module
    docstring). The server itself is run by :meth:`TeamsRuntime.serve`, not by the SDK."""

    def __init__(self, app: FastAPI, messaging_endpoint: str = MESSAGING_ENDPOINT) -> None:
        self.app = app
        self.messaging_endpoint = messaging_endpoint

    def register_route(self, method: HttpMethod, path: str, handler: HttpRouteHandler) -> None:
        if method != "POST":
            raise ValueError(f"unsupported HTTP method {method}")
        checked = path == self.messaging_endpoint

        async def route(request: Request) -> Response:
            raw = await request.body()
            try:
                body = json.loads(raw)
            except ValueError:
                log.warning("rejected a request to %s: the body is not JSON", path)
                return _bad_request("the body is not JSON")
            problem = check_activity(body) if checked else None
            if problem is not None or not isinstance(body, dict):
                problem = problem or "the body is not a JSON object"
                log.warning("rejected a malformed Teams activity (400): %s", problem)
                return _bad_request(problem)
            result = await handler(HttpRequest(body=body, headers=dict(request.headers)))
            if result.get("body") is not None:
                return JSONResponse(result["body"], status_code=result["status"])
            return Response(status_code=result["status"])

        self.app.post(path)(route)

    def serve_static(self, path: str, directory: str) -> None:
        raise NotImplementedError("the Teams bot serves no static pages")

    async def start(self, port: int) -> None:
        raise NotImplementedError("TeamsRuntime.serve runs the server")

    async def stop(self) -> None:
        return None


def health_route(app: FastAPI, engine: Engine) -> None:
    @app.get("/healthz")
    def healthz() -> JSONResponse:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # health must answer whatever the database says
            log.warning("health check failed: %s", exc)
            return JSONResponse({"ok": False}, status_code=503)
        return JSONResponse({"ok": True})


Handler = Callable[["ActivityContext[ActivityBase]"], Awaitable[Any]]


def activity_handler(bot: TeamsBot, ordered: ThreadPoolExecutor) -> Handler:
    """The SDK route taking every activity: queued for the bot, Teams answered at once."""

    async def on_activity(ctx: ActivityContext[ActivityBase]) -> Any:
        body = ctx.activity.model_dump(by_alias=True, exclude_none=True, mode="json")
        if body.get("type") == "invoke":
            if body.get("name") != "adaptiveCard/action":
                return None  # sign-in and other invokes: the SDK's own handlers answer
            try:
                answer = await asyncio.to_thread(bot.invoke, body)
            except ActivityError as exc:
                log.warning("rejected a malformed Teams card action (400): %s", exc)
                return {"status": 400, "body": {"error": str(exc)}}
            return {"status": 200, "body": answer}
        ordered.submit(bot.handle, body)
        return None

    return on_activity


@dataclass
class TeamsRuntime:
    app: App
    asgi: FastAPI
    bot: TeamsBot
    scheduler: PulseScheduler
    surveys: SurveyService
    digest: DigestService
    connector: Connector
    references: ReferenceStore
    ordered: ThreadPoolExecutor
    replies: ThreadPoolExecutor

    def serve(self, host: str = "0.0.0.0", port: int = 3978) -> None:
        """Serve ``/api/messages`` and ``/healthz`` until SIGINT or SIGTERM; then finish the
        queued work (:meth:`close`) and return (SIGTERM: SystemExit(0), so ``atexit`` runs)."""
        import uvicorn

        config = uvicorn.Config(self.asgi, host=host, port=port, log_config=None, access_log=False)
        # uvicorn shuts down gracefully, then re-raises the signal it caught: exit cleanly
        # instead of being killed by SIGTERM's default action.
        main = threading.current_thread() is threading.main_thread()
        if main and signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            uvicorn.Server(config).run()
        finally:
            self.close()

    def close(self) -> None:
        """Finish queued work and stop the outbound loop (after the server stopped)."""
        self.ordered.shutdown(wait=True)
        self.replies.shutdown(wait=True)
        self.bot.recorder.flush()
        self.connector.close()


def _exit_on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def teams_runtime(
    container: Container,
    *,
    settings: TeamsSettings | None = None,
    token: TokenProvider | None = None,
) -> TeamsRuntime:
    """The Teams app with the bot's services, like ``bootstrap.slack``. Needs TEAMS_APP_ID and
    TEAMS_APP_PASSWORD (a client secret); ``token`` replaces the password with a token source
    (tests). Missing or placeholder settings stop here with the variable's name."""
    from bot.bootstrap import digest_service, scheduler, survey_service, sync_schedules_file
    from bot.services.live import Recorder
    from bot.services.orbit import OrbitService
    from storage import directory as people

    teams = settings or load_teams_settings()
    app_id = require("TEAMS_APP_ID", teams.app_id, "to identify the bot to Teams")
    password = None
    if token is None:
        password = require(
            "TEAMS_APP_PASSWORD", teams.app_password, "to get tokens for the Bot Connector"
        )
    if teams.dangerously_allow_unauthenticated:
        log.warning("TEAMS_DANGEROUSLY_ALLOW_UNAUTHENTICATED is on: requests are not verified")
    asgi = FastAPI(title="Community Pulse for Teams", docs_url=None, redoc_url=None)
    app = App(
        client_id=app_id,
        client_secret=password,
        tenant_id=teams.tenant_id or None,
        token=token,
        service_url=teams.api_url or None,
        http_server_adapter=GuardedAdapter(asgi),
        messaging_endpoint=MESSAGING_ENDPOINT,
        dangerously_allow_unauthenticated_requests=teams.dangerously_allow_unauthenticated,
        fetch_user_token=False,
        state=False,
        telemetry={"agent365": False},
    )
    health_route(asgi, container.engine)

    s = container.settings
    connector = Connector(app.api, service_url=teams.api_url)
    references = ReferenceStore(teams.references_file)
    directory = TeamsPeople(connector, references)
    recorder = Recorder(
        container.engine, people_source=directory, store_text=s.store_text, wait=False
    )
    atexit.register(recorder.flush)
    surveys = survey_service(container, recorder)
    digest = digest_service(container, surveys)
    clock = scheduler(container, surveys, digest)
    orbit = OrbitService(
        container.engine,
        container.scoring,
        container.team,
        surveys=surveys,
        digest=digest,
        experiments=digest.experiments,
        on_schedules_changed=clock.sync,
    )

    def team_channel() -> str | None:
        with container.engine.connect() as conn:
            known = people.channel_by_name(conn, s.platform_channel)
        return known.id if known else None

    surveys.poster = TeamsSurveyPoster(connector, references, container.engine)
    digest_poster = TeamsDigestPoster(connector, references, container.engine, team_channel)
    digest.poster = digest_poster
    replies = ThreadPoolExecutor(max_workers=REPLY_THREADS, thread_name_prefix="teams-reply")
    ordered = ThreadPoolExecutor(max_workers=1, thread_name_prefix="teams-activity")
    bot = TeamsBot(
        engine=container.engine,
        recorder=recorder,
        orbit=orbit,
        params=container.scoring,
        connector=connector,
        references=references,
        people=directory,
        platform_channel=s.platform_channel,
        surveys=surveys,
        digest_poster=digest_poster,
        replies=replies,
    )
    app.router.add_handler(lambda _activity: True, activity_handler(bot, ordered))
    asyncio.run(app.initialize())  # registers /api/messages on the adapter

    def resolve(name: str) -> str | None:
        with container.engine.connect() as conn:
            known = people.channel_by_name(conn, name)
        return known.id if known else None

    sync_schedules_file(container, surveys, resolve)
    return TeamsRuntime(
        app=app,
        asgi=asgi,
        bot=bot,
        scheduler=clock,
        surveys=surveys,
        digest=digest,
        connector=connector,
        references=references,
        ordered=ordered,
        replies=replies,
    )
