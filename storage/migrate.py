"""Apply Alembic migrations programmatically (``pulse db upgrade`` and on every start).

Start-up checks the stored revision with one query and loads Alembic only when the schema is
behind, which keeps short commands (``pulse report``) fast.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError, ProgrammingError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
#: The newest revision in migrations/versions (a test keeps this in step with the scripts).
HEAD = "0003"


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    """The stored schema revision, None for an empty database (one query in the usual case)."""
    with engine.connect() as conn:
        try:
            with conn.begin_nested() if conn.dialect.name == "postgresql" else nullcontext():
                version = conn.execute(text("SELECT version_num FROM alembic_version"))
                return version.scalar_one_or_none()
        except (OperationalError, ProgrammingError):  # no alembic_version table yet
            return None


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; a no-op costing one query when it is already there."""
    if revision == "head" and current_revision(engine) == HEAD:
        return
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
