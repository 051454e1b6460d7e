"""Shared fixtures: stores on SQLite and PostgreSQL, a local HTTP server.

Store tests take the ``store`` fixture, which runs each test on SQLite and on
PostgreSQL. PostgreSQL comes from ``FACTWATCH_TEST_POSTGRES_URL``; each test
gets a schema of its own, dropped afterwards. Without the variable the
PostgreSQL runs are skipped with the reason, unless
``FACTWATCH_TEST_REQUIRE_POSTGRES`` is set (as in CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.settings import FetchSettings, SchedulerSettings, Settings, WatchSettings
from store.db import scratch_schema
from store.repo import Store
from tests.server import LocalServer, local_server

POSTGRES_URL = os.environ.get("FACTWATCH_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = bool(os.environ.get("FACTWATCH_TEST_REQUIRE_POSTGRES"))


def _postgres_schema_url() -> Iterator[str]:
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail(
                "FACTWATCH_TEST_REQUIRE_POSTGRES is set but FACTWATCH_TEST_POSTGRES_URL is not"
            )
        pytest.skip("PostgreSQL not configured: set FACTWATCH_TEST_POSTGRES_URL to run")
    with scratch_schema(POSTGRES_URL, "t") as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/factwatch.db"
    else:
        yield from _postgres_schema_url()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated :class:`Store` on SQLite and on PostgreSQL."""
    opened = Store.open(database_url)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated SQLite store, for tests that are not about the database."""
    opened = Store.open(f"sqlite:///{tmp_path}/factwatch.db")
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A scripted HTTP server on 127.0.0.1."""
    with local_server() as started:
        yield started


def make_settings(database: str, **watches: str) -> Settings:
    """Settings with loopback allowed, quick timeouts, no politeness delay, ``name=url`` watches."""
    fetch = FetchSettings(
        allow_private_networks=True, connect_timeout=2, read_timeout=2, deadline=5
    )
    return Settings(
        database=database,
        fetch=fetch,
        scheduler=SchedulerSettings(politeness_delay=0, parse_processes=0),
        watches=tuple(WatchSettings(name=n.replace("_", "-"), url=u) for n, u in watches.items()),
    )
