"""The one place that wires settings, engine, migrations and scoring parameters together."""

from __future__ import annotations

import atexit
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.config import Settings, load_scoring, load_settings, require_secret
from bot.core.scoring import ScoringParams
from bot.services.reporting import TeamConfig

if TYPE_CHECKING:
    from collections.abc import Callable

    from slack_bolt import App

    from bot.core.questions import QuestionSet
    from bot.services.digest import DigestService
    from bot.services.live import Recorder
    from bot.services.scheduler import PulseScheduler
    from bot.services.surveys import SurveyService
from bot.yamlfile import ConfigError
from storage.engine import make_engine
from storage.migrate import upgrade


@dataclass(frozen=True, slots=True)
class Container:
    settings: Settings
    engine: Engine
    scoring: ScoringParams

    @property
    def team(self) -> TeamConfig:
        return TeamConfig(self.settings.platform_channel, tuple(self.settings.admins))


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True
    )
    quiet = max(logging.WARNING, logging.getLevelName(level))
    logging.getLogger("alembic").setLevel(quiet)
    # APScheduler logs every run of every job at INFO (the tick runs twice a minute).
    logging.getLogger("apscheduler.executors").setLevel(quiet)


def bootstrap(settings: Settings | None = None, *, migrate: bool = True) -> Container:
    """Validate configuration, open the database and bring its schema up to date.

    Raises ``ConfigError`` (a ``PulseError``) with a message naming the setting to fix.
    """
    settings = settings or load_settings()
    configure_logging(settings.log_level)
    scoring = load_scoring(settings.scoring_file)
    engine = make_engine(settings.database_url)
    if migrate:
        try:
            upgrade(engine)
        except OperationalError as exc:
            where = engine.url.render_as_string(hide_password=True)
            raise ConfigError(
                f"cannot open the database {where}: {exc.orig}\n"
                "Check DATABASE_URL (or PULSE_DATABASE_URL) and that the server is running."
            ) from None
    return Container(settings=settings, engine=engine, scoring=scoring)


@dataclass(frozen=True, slots=True)
class SlackRuntime:
    app: App
    app_token: str | None
    scheduler: PulseScheduler
    surveys: SurveyService
    digest: DigestService


def question_sets(settings: Settings) -> dict[str, QuestionSet]:
    """The shipped and the operator's question sets; an invalid file stops start-up."""
    from bot.prompts import load_question_sets, question_folders

    return load_question_sets(question_folders(settings.prompts_dir, settings.questions_dir))


def survey_service(container: Container, recorder: Recorder | None) -> SurveyService:
    from datetime import timedelta

    from bot.services.surveys import SurveyService

    s = container.settings
    return SurveyService(
        container.engine,
        question_sets(s),
        container.team,
        recorder=recorder,
        min_respondents=s.min_respondents,
        grace=timedelta(minutes=s.survey_grace_minutes),
    )


def scheduler(
    container: Container, surveys: SurveyService, digest: DigestService | None = None
) -> PulseScheduler:
    from bot.services.scheduler import PulseScheduler

    s = container.settings
    return PulseScheduler(
        container.engine,
        surveys,
        retention_days=s.retention_days,
        tick_seconds=s.tick_seconds,
        grace_seconds=s.survey_grace_minutes * 60,
        digest=digest,
    )


def digest_service(container: Container, surveys: SurveyService) -> DigestService:
    """The digest with the experiments it evaluates (no poster: the platform adapter adds it)."""
    from datetime import timedelta

    from bot.services.digest import DigestService
    from bot.services.experiments import ExperimentService

    s = container.settings
    experiments = ExperimentService(container.engine, container.scoring, container.team, surveys)
    return DigestService(
        container.engine,
        container.scoring,
        container.team,
        experiments,
        surveys=surveys,
        cron=s.digest_cron,
        timezone=s.digest_timezone,
        grace=timedelta(minutes=s.survey_grace_minutes),
    )


def sync_schedules_file(
    container: Container, surveys: SurveyService, resolve: Callable[[str], str | None]
) -> None:
    """PULSE_SURVEYS_FILE's schedules into the database (an invalid file stops start-up)."""
    from bot.schedules import load_schedules

    path = container.settings.surveys_file
    if path is None:
        return
    surveys.sync_file(load_schedules(path, surveys.sets), resolve)


def slack(container: Container, *, http: bool) -> SlackRuntime:
    """The Bolt app with its listeners, for Socket Mode (bot + app token) or HTTP mode (bot token +
    signing secret, or an OAuth install with client id and secret). Missing or placeholder
    secrets stop here with the variable's name."""
    from bot.adapters.slack.app import create_app, oauth_settings
    from bot.adapters.slack.deps import SlackDeps
    from bot.adapters.slack.digest import SlackDigestPoster
    from bot.adapters.slack.people import SlackPeople
    from bot.adapters.slack.surveys import SlackSurveyPoster
    from bot.adapters.slack.translate import SLACKBOT
    from bot.services.live import Recorder
    from bot.services.orbit import OrbitService
    from storage import directory as people

    s = container.settings
    oauth = None
    token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = None
    if http:
        signing_secret = require_secret(
            "SLACK_SIGNING_SECRET",
            s.slack_signing_secret,
            "to verify Slack's requests in HTTP mode",
        )
        if s.slack_client_id:
            secret = require_secret(
                "SLACK_CLIENT_SECRET", s.slack_client_secret, "for multi-workspace installs"
            )
            oauth = oauth_settings(container.engine, s.slack_client_id, secret)
        else:
            token = require_secret("SLACK_BOT_TOKEN", s.slack_bot_token, "to call Slack's Web API")
    else:
        token = require_secret("SLACK_BOT_TOKEN", s.slack_bot_token, "to call Slack's Web API")
        app_token = require_secret(
            "SLACK_APP_TOKEN", s.slack_app_token, "for Socket Mode (or run with --http)"
        )
        signing_secret = s.slack_signing_secret
    # Listeners run after Slack was answered: they queue activities for the writer and return.
    recorder = Recorder(
        container.engine,
        store_text=s.store_text,
        wait=False,
        platform_bots=frozenset({SLACKBOT}),
    )
    atexit.register(recorder.flush)
    surveys = survey_service(container, recorder)
    digest = digest_service(container, surveys)
    clock = scheduler(container, surveys, digest)
    deps = SlackDeps(
        recorder=recorder,
        orbit=OrbitService(
            container.engine,
            container.scoring,
            container.team,
            surveys=surveys,
            digest=digest,
            experiments=digest.experiments,
            on_schedules_changed=clock.sync,
        ),
        params=container.scoring,
        surveys=surveys,
    )
    app = create_app(
        deps,
        token=token,
        signing_secret=signing_secret,
        api_url=s.slack_api_url,
        oauth=oauth,
        request_verification=http,
    )
    surveys.poster = SlackSurveyPoster(app.client)

    def team_channel() -> str | None:
        with container.engine.connect() as conn:
            known = people.channel_by_name(conn, s.platform_channel)
        return known.id if known else None

    deps.digest_poster = SlackDigestPoster(app.client, team_channel)
    digest.poster = deps.digest_poster
    if token is not None:
        recorder.self_id = str(app.client.auth_test()["user_id"])
        source = SlackPeople(app.client)
        recorder.people_source = source
        with container.engine.connect() as conn:
            known = people.channel_by_name(conn, s.platform_channel)
        channel_id = known.id if known else source.channel_id(s.platform_channel)
        if channel_id is None:
            logging.getLogger(__name__).warning(
                "platform channel %r not found: only PULSE_ADMINS count as the platform team",
                s.platform_channel,
            )
        else:
            recorder.sync_channel(channel_id, s.platform_channel.lstrip("#"))

        def resolve(name: str) -> str | None:
            with container.engine.connect() as conn:
                known = people.channel_by_name(conn, name)
            return known.id if known else source.channel_id(name)

        sync_schedules_file(container, surveys, resolve)
    return SlackRuntime(
        app=app, app_token=app_token, scheduler=clock, surveys=surveys, digest=digest
    )
