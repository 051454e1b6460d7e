"""Engines and migrations.

:func:`open_engine` creates an engine for any SQLAlchemy URL (SQLite gets WAL,
foreign keys and a busy timeout; a relative SQLite path gets its folder
created) and :func:`upgrade` brings the schema to the newest Alembic revision.
Both run automatically on first use through :class:`store.repo.Store`.

:func:`ensure_schema` creates an empty database's schema in one step and
migrates an older one; :func:`upgrade` migrates one process at a time: on PostgreSQL it holds an
advisory lock (one per schema), on an SQLite file a lock on
``<file>-migrate.lock`` beside it. Processes that start together on a fresh
database migrate it once; the others wait, then find it at the newest revision.
"""

from __future__ import annotations

import fcntl
import importlib
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from model.errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
MODELS = Path(__file__).parent / "models.py"
_REVISION = re.compile(r"^revision\s*(?::\s*str\s*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def open_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; raises :class:`ConfigError` for an unusable URL."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"database: not a database URL: {url!r} ({exc})") from None
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    try:
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"database: driver not installed for {parsed.drivername}: {exc}"
        ) from None


def alembic_config(engine: Engine) -> Config:
    """An Alembic config that runs our migrations on ``engine``."""
    from alembic.config import Config  # Alembic loads only when a migration may run

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database to ``revision`` (the newest by default), one process at a time."""
    from alembic import command

    with migration_lock(engine):
        command.upgrade(alembic_config(engine), revision)


_LOCK_KEY = "hashtext('factwatch-migrations:' || current_schema())"


_IN_PROCESS = threading.Lock()  # Alembic's context is global: one migration per process


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the lock on migrating this database (see the module doc)."""
    with _IN_PROCESS:
        if engine.dialect.name == "postgresql":
            with _advisory_lock(engine):
                yield
        elif engine.dialect.name == "sqlite" and _sqlite_file(engine):
            with open(f"{_sqlite_file(engine)}-migrate.lock", "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
                yield
        else:
            yield


def _sqlite_file(engine: Engine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return database


@contextmanager
def _advisory_lock(engine: Engine) -> Iterator[None]:
    with engine.connect() as conn:
        conn.execute(text(f"SELECT pg_advisory_lock({_LOCK_KEY})"))
        conn.commit()
        try:
            yield
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock({_LOCK_KEY})"))
            conn.commit()


@cache
def head_revision() -> str:
    """The newest schema revision this version of factwatch ships (migrations are linear)."""
    found = [
        match.group(1)
        for path in (MIGRATIONS / "versions").glob("*.py")
        if (match := _REVISION.search(path.read_text(encoding="utf-8")))
    ]
    return max(found)


def ensure_schema(engine: Engine) -> None:
    """Bring the database to :func:`head_revision`: an empty one is created in one step
    (:func:`create_fresh`), an older one migrated; one at the head is left as it is."""
    if current_revision(engine) == head_revision():
        return
    with migration_lock(engine):
        created = _is_empty(engine) and create_fresh(engine)
    if not created:
        upgrade(engine)


def _is_empty(engine: Engine) -> bool:
    with engine.connect() as conn:
        return not inspect(conn).get_table_names()


def create_fresh(engine: Engine) -> bool:
    """Create the newest schema on an empty database from the models and stamp it at
    :func:`head_revision`, in one transaction (Alembic's advice for new databases;
    ``tests/test_migrations.py`` keeps the models equal to the migrations).

    Returns ``False``, creating nothing, when the database holds tables already.
    """
    from store.models import Base

    for module in sorted(MODELS.parent.glob("*models.py")):  # every table's model
        importlib.import_module(f"store.{module.stem}")

    with engine.begin() as conn:
        if inspect(conn).get_table_names():
            return False
        Base.metadata.create_all(conn)
        conn.execute(
            text(
                "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
                "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
            )
        )
        conn.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head_revision()})
    return True


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or ``None`` if never migrated."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
        return None if row is None else str(row[0])


@contextmanager
def scratch_schema(url: str, prefix: str = "scratch") -> Iterator[str]:
    """A new, empty schema on the PostgreSQL database ``url``, dropped afterwards.

    Yields a URL whose connections use that schema (for tests and benchmarks
    that need a database of their own next to others).
    """
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    try:
        yield f"{url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
