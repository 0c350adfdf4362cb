"""Shared fixtures. ``db_engine`` runs a test on SQLite and, when PULSE_TEST_DATABASE_URL is set,
on PostgreSQL too. If that variable is set and the server cannot be reached the tests fail: CI
must never pass by silently skipping PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables)
from storage.engine import make_engine
from storage.migrate import upgrade

PG_URL = os.environ.get("PULSE_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]

_pg_ready: Engine | None = None


def _postgres() -> Engine:
    """One PostgreSQL engine per session, schema rebuilt from scratch by our migrations."""
    global _pg_ready
    if _pg_ready is None:
        assert PG_URL
        engine = make_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        _pg_ready = engine
    return _pg_ready


def clear(engine: Engine) -> None:
    """Empty every table of ours (children first)."""
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


def sqlite_engine(path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return engine


@pytest.fixture(params=BACKENDS)
def db_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = sqlite_engine(tmp_path / "pulse.db")
        yield engine
        engine.dispose()
    else:
        engine = _postgres()
        clear(engine)
        yield engine
        clear(engine)
