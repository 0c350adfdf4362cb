"""The one place that wires settings, engine, migrations and scoring parameters together."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from bot.config import Settings, load_scoring, load_settings
from bot.core.scoring import ScoringParams
from bot.services.reporting import TeamConfig
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
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLevelName(level)))


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
