"""Shared fixtures. ``db_engine`` runs a test on SQLite and, when PULSE_TEST_DATABASE_URL is set,
on PostgreSQL too. If that variable is set and the server cannot be reached the tests fail: CI
must never pass by silently skipping PostgreSQL.

Each test run creates a database of its own on that server (``pulse_test_<random>``) and drops
it at the end, so two runs on one server (two CI jobs, a developer beside CI) never meet.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables)
from storage.engine import make_engine, normalise_url
from storage.migrate import upgrade

PG_SERVER_URL = os.environ.get("PULSE_TEST_DATABASE_URL")
BACKENDS = ["sqlite", "postgresql"] if PG_SERVER_URL else ["sqlite"]

_pg_ready: Engine | None = None
_pg_url: str | None = None


def _admin_engine() -> Engine:
    """A connection to the server's maintenance database, for CREATE/DROP DATABASE."""
    assert PG_SERVER_URL
    url = make_url(normalise_url(PG_SERVER_URL)).set(database="postgres")
    return create_engine(url, isolation_level="AUTOCOMMIT")


def pg_test_url() -> str:
    """The URL of this run's own PostgreSQL database, created on first use (empty, no schema)."""
    global _pg_url
    if _pg_url is None:
        assert PG_SERVER_URL
        name = f"pulse_test_{os.getpid()}_{secrets.token_hex(4)}"
        admin = _admin_engine()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        _pg_url = (
            make_url(normalise_url(PG_SERVER_URL))
            .set(database=name)
            .render_as_string(hide_password=False)
        )
    return _pg_url


def new_pg_database() -> str:
    """A further empty database for one test (dropped with the run's own at the end)."""
    assert PG_SERVER_URL
    name = f"{make_url(pg_test_url()).database}_{secrets.token_hex(3)}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    _extra_databases.append(name)
    return make_url(pg_test_url()).set(database=name).render_as_string(hide_password=False)


_extra_databases: list[str] = []


def _postgres() -> Engine:
    """One PostgreSQL engine per session, on this run's own database, migrated from scratch."""
    global _pg_ready
    if _pg_ready is None:
        engine = make_engine(pg_test_url())
        upgrade(engine)
        _pg_ready = engine
    return _pg_ready


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the run's databases (connections first, so nothing holds them open)."""
    if _pg_url is None:
        return
    if _pg_ready is not None:
        _pg_ready.dispose()
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            for name in [make_url(_pg_url).database, *_extra_databases]:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


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
