from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine
from sqlmodel import SQLModel

from bot.services.scheduler import JOBSTORE_TABLE
from storage.engine import make_engine
from storage.migrate import HEAD, current_revision, head_revision, upgrade


def test_head_constant_matches_the_migration_scripts(tmp_path: Path) -> None:
    assert head_revision(make_engine(f"sqlite:///{tmp_path}/x.db")) == HEAD


def test_migrations_create_exactly_the_models(db_engine: Engine) -> None:
    assert current_revision(db_engine) == HEAD
    with db_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # APScheduler creates and owns its job store table; it is not part of our schema.
    ours = [
        d
        for d in diff
        if not (d[0] == "remove_table" and d[1].name == JOBSTORE_TABLE)
        and not (d[0] == "remove_index" and d[1].table.name == JOBSTORE_TABLE)
    ]
    assert ours == []


def test_upgrade_twice_is_harmless(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/twice.db")
    assert current_revision(engine) is None
    upgrade(engine)
    upgrade(engine)
    assert current_revision(engine) == HEAD
