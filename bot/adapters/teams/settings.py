"""Microsoft Teams settings: the Azure bot registration (``TEAMS_*``) and where the bot keeps the
conversation references it needs to post on its own (surveys, reminders, the digest)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.config import PLACEHOLDERS
from bot.yamlfile import ConfigError


class TeamsSettings(BaseSettings):
    """Every field is ``TEAMS_<NAME>`` in the environment (or ``.env``)."""

    model_config = SettingsConfigDict(
        env_prefix="TEAMS_", env_file=".env", extra="ignore", populate_by_name=True
    )

    app_id: str | None = Field(None, description="the bot's Microsoft App ID (Azure Bot resource)")
    app_password: str | None = Field(None, description="a client secret of that app registration")
    tenant_id: str | None = Field(
        None, description="the app's tenant (single-tenant bots); empty for multi-tenant"
    )
    api_url: str | None = Field(
        None,
        description="Bot Connector service URL for every outbound call (tests point it at a "
        "local fake); by default the serviceUrl Teams sends with each activity",
    )
    references_file: Path = Field(
        Path("teams-references.json"),
        description="JSON file keeping the conversations the bot may post to (channels it saw)",
    )
    dangerously_allow_unauthenticated: bool = Field(
        False,
        description="accept activities without Bot Framework's JWT: local tests only, never "
        "on a reachable address",
    )


def load_teams_settings(**overrides: Any) -> TeamsSettings:
    try:
        return TeamsSettings(**overrides)
    except ValidationError as exc:
        lines = [
            f"TEAMS_{str(e['loc'][0]).upper()}: {e['msg']}" if e["loc"] else str(e["msg"])
            for e in exc.errors()
        ]
        raise ConfigError("invalid Teams settings:\n  " + "\n  ".join(lines)) from None


def require(name: str, value: str | None, purpose: str) -> str:
    """A Teams setting that must be set for ``purpose``: missing or placeholder values stop
    start-up with the variable's name."""
    if not value or not value.strip():
        raise ConfigError(f"{name} is not set; it is needed {purpose}. See README, 'Teams app'.")
    if any(p in value.strip().lower() for p in PLACEHOLDERS):
        raise ConfigError(
            f"{name} still holds a placeholder ({value[:12]}…); paste the real value."
        )
    return value.strip()
