"""Settings from the environment (``PULSE_*``, ``DATABASE_URL``) and the scoring YAML file.

Nothing is read at import time: :func:`load_settings` is called by the bootstrap, which turns a
:class:`ConfigError` into one clear message.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.core.scoring import ScoringParams
from bot.yamlfile import ConfigError, validate_yaml

DEFAULT_SCORING = Path(__file__).with_name("scoring.yaml")


class Settings(BaseSettings):
    """Operator settings. Every field is ``PULSE_<NAME>`` in the environment (or ``.env``)."""

    model_config = SettingsConfigDict(
        env_prefix="PULSE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        "sqlite:///pulse.db",
        validation_alias=AliasChoices("DATABASE_URL", "PULSE_DATABASE_URL"),
        description="SQLAlchemy URL; sqlite:///path or postgresql://user@host/db",
    )
    scoring_file: Path | None = Field(None, description="YAML merged over bot/scoring.yaml")
    store_text: bool = Field(False, description="keep message text (off: privacy default)")
    platform_channel: str = Field("platform-team", description="its members are the team")
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="comma-separated member ids counted as platform team"
    )
    min_respondents: int = Field(5, ge=3, description="smallest survey slice ever shown")
    slack_bot_token: str | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_app_token: str | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_signing_secret: str | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_client_id: str | None = Field(None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(None, validation_alias="SLACK_CLIENT_SECRET")
    slack_api_url: str | None = Field(
        None,
        validation_alias="SLACK_API_URL",
        description="Slack Web API base URL (tests point it at a local fake)",
    )
    retention_days: int = Field(180, ge=1, description="activities older than this are purged")
    prompts_dir: Path | None = Field(
        None, description="the shipped question sets (default: prompts/ next to the code or cwd)"
    )
    questions_dir: Path | None = Field(None, description="the operator's own question sets")
    surveys_file: Path | None = Field(None, description="YAML with the survey schedules")
    survey_grace_minutes: int = Field(
        60, ge=0, description="a run missed while the bot was down is posted this late at most"
    )
    digest_cron: str = Field("0 9 * * mon", description="when the weekly digest is posted")
    digest_timezone: str = Field("UTC", description="time zone of PULSE_DIGEST_CRON")
    tick_seconds: float = Field(
        30.0, gt=0, le=3600, description="how often reminders and closes are looked for"
    )
    log_level: str = "INFO"

    @field_validator("admins", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgres:", "postgresql:", "postgresql+psycopg:")):
            raise ValueError(
                "use sqlite:///path/to/pulse.db or postgresql://user:password@host:5432/db"
            )
        return value

    @model_validator(mode="after")
    def _digest_schedule(self) -> Settings:
        from bot.schedules import cron_trigger

        try:
            cron_trigger(self.digest_cron, self.digest_timezone)
        except (ValueError, KeyError) as exc:
            raise ValueError(f"PULSE_DIGEST_CRON / PULSE_DIGEST_TIMEZONE: {exc}") from None
        return self

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("use DEBUG, INFO, WARNING or ERROR")
        return level


def _env_name(field: str) -> str:
    if field == "database_url":
        return "DATABASE_URL"
    if field.startswith("slack_"):
        return field.upper()
    return f"PULSE_{field.upper()}"


#: Values people leave in .env files from examples; never a real secret.
PLACEHOLDERS = (
    "your-",
    "your_",
    "changeme",
    "change-me",
    "placeholder",
    "xxxx",
    "<",
    "...",
    "todo",
)
SECRET_PREFIX = {"SLACK_BOT_TOKEN": "xoxb-", "SLACK_APP_TOKEN": "xapp-"}


def require_secret(name: str, value: str | None, purpose: str) -> str:
    """A secret that must be set for ``purpose``; missing or placeholder values are refused with
    the variable's name and where to find the real value."""
    if not value or not value.strip():
        raise ConfigError(f"{name} is not set; it is needed {purpose}. See README, 'Slack app'.")
    lowered = value.strip().lower()
    prefix = SECRET_PREFIX.get(name)
    if any(p in lowered for p in PLACEHOLDERS) or (prefix and lowered == prefix):
        raise ConfigError(
            f"{name} still holds a placeholder ({value[:12]}…); paste the real value."
        )
    if prefix and not lowered.startswith(prefix):
        raise ConfigError(f"{name} should start with {prefix!r}; check you pasted the right token.")
    return value.strip()


def load_settings(**overrides: Any) -> Settings:
    """Read and validate settings; errors name the environment variable and the fix."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["loc"]:
                lines.append(f"{_env_name(str(error['loc'][0]))}: {message}")
            else:  # a rule across several settings names them itself
                lines.append(message)
        raise ConfigError("invalid settings:\n  " + "\n  ".join(lines)) from None


@cache
def _defaults() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_SCORING.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def load_scoring(path: Path | None = None) -> ScoringParams:
    """The scoring parameters: the shipped defaults, with the operator's file merged over them."""
    if path is None:
        return validate_yaml(DEFAULT_SCORING, ScoringParams)
    return validate_yaml(path, ScoringParams, defaults=_defaults())
