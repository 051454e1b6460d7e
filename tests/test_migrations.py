"""Schema migrations on SQLite and PostgreSQL: the models match, data survives."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from model.facts import Fact
from store.db import (
    alembic_config,
    create_fresh,
    current_revision,
    ensure_schema,
    head_revision,
    open_engine,
    scratch_schema,
    upgrade,
)
from store.models import Base
from store.records import CheckResult, NewVersion
from store.repo import Store
from tests.conftest import POSTGRES_URL

FACTS = [
    Fact(
        "figure",
        "companies",
        {"amount": 19, "qualifier": None, "unit": "companies"},
        "a total of 19 companies",
        "Principles",
        None,
        "figures",
    ),
    Fact(
        "date",
        "Principles launched",
        {"date": "2020-03"},
        "In March 2020, ...",
        "Principles",
        "2020",
        "dates",
    ),
]


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    opened = open_engine(database_url)
    try:
        yield opened
    finally:
        opened.dispose()


def test_models_match_the_migrations(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _schema(engine: Engine) -> dict[str, object]:
    """Every table's columns (type, nullability, default; in any order), keys, indexes
    and constraints."""
    found: dict[str, object] = {}
    with engine.connect() as conn:
        seen = inspect(conn)
        for table in sorted(seen.get_table_names()):
            found[table] = (
                sorted(
                    (c["name"], str(c["type"]), c["nullable"], str(c.get("default")))
                    for c in seen.get_columns(table)
                ),
                seen.get_pk_constraint(table)["constrained_columns"],
                sorted(
                    (tuple(f["constrained_columns"]), f["referred_table"], str(f["options"]))
                    for f in seen.get_foreign_keys(table)
                ),
                sorted(
                    (i["name"], tuple(i["column_names"]), i["unique"])
                    for i in seen.get_indexes(table)
                ),
                sorted(
                    (u["name"], tuple(u["column_names"]))
                    for u in seen.get_unique_constraints(table)
                ),
                sorted(str(c["sqltext"]) for c in seen.get_check_constraints(table)),
            )
    return found


def test_a_fresh_database_is_created_as_the_migrations_would_make_it(database_url: str) -> None:
    migrated = open_engine(database_url)
    try:
        upgrade(migrated)
        expected = _schema(migrated)
    finally:
        migrated.dispose()
    with _second_database(database_url) as url:
        fresh = open_engine(url)
        try:
            ensure_schema(fresh)
            assert current_revision(fresh) == head_revision()
            assert _schema(fresh) == expected
            assert not create_fresh(fresh)  # not empty any more: nothing created twice
        finally:
            fresh.dispose()


@contextmanager
def _second_database(database_url: str) -> Iterator[str]:
    if database_url.startswith("sqlite"):
        yield database_url.replace("factwatch.db", "fresh.db")
        return
    assert POSTGRES_URL
    with scratch_schema(POSTGRES_URL, "fresh") as url:
        yield url


def test_facts_survive_the_move_to_documents_and_back(engine: Engine, database_url: str) -> None:
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO blobs VALUES ('b', 1, :d, :t)"),
            {"d": b"x", "t": datetime(2026, 1, 1)},
        )
        conn.execute(
            text(
                "INSERT INTO watches (id, name, url, created_at, consecutive_failures)"
                " VALUES (1, 'w', 'https://example.org', :t, 0)"
            ),
            {"t": datetime(2026, 1, 1)},
        )
        conn.execute(
            text(
                "INSERT INTO versions (id, watch_id, seq, created_at, body_sha, text_sha,"
                " url, content_type, title) VALUES (1, 1, 1, :t, 'b', 'b', 'u', 'text/html',"
                " 't')"
            ),
            {"t": datetime(2026, 1, 1)},
        )
        for i, f in enumerate(FACTS):
            conn.execute(
                text(
                    "INSERT INTO facts (version_id, position, kind, subject, section, value,"
                    " evidence, period, rule) VALUES (1, :p, :k, :s, :sec, :v, :e, :per, :r)"
                ),
                {
                    "p": i,
                    "k": f.kind,
                    "s": f.subject,
                    "sec": f.section,
                    "v": json.dumps(f.value),
                    "e": f.evidence,
                    "per": f.period,
                    "r": f.rule,
                },
            )
    upgrade(engine)
    store = Store(engine)
    assert store.facts(1) == FACTS
    command.downgrade(alembic_config(engine), "0003")
    assert current_revision(engine) == "0003"
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT subject, rule FROM facts ORDER BY position")).all()
    assert [tuple(r) for r in rows] == [(f.subject, f.rule) for f in FACTS]


def test_a_version_written_now_reads_back(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        store.ensure_watch("w", "https://example.org")
        version = NewVersion(b"<p>x</p>", "x", "https://example.org", "text/html", "T", FACTS)
        saved = store.write_check(
            CheckResult(
                "w",
                "https://example.org/w",
                datetime(2026, 12, 1, tzinfo=UTC),
                0.1,
                "changed",
                version=version,
            )
        )
        assert saved.version_id is not None and store.facts(saved.version_id) == FACTS
    finally:
        store.close()


def test_the_head_revision_read_from_the_files_is_alembics_head() -> None:
    from alembic.script import ScriptDirectory

    engine = open_engine("sqlite://")
    assert head_revision() == ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def _insert_at_0004(engine: Engine) -> None:
    """Two watches at schema 0004: two versions (with a check and a change) and one."""
    t = datetime(2026, 1, 1, 6, 0, 3, 250000)
    with engine.begin() as conn:
        for sha in ("b1", "b2", "b3"):
            conn.execute(
                text("INSERT INTO blobs VALUES (:s, 1, :d, :t)"),
                {"s": sha, "d": zlib.compress(sha.encode()), "t": t},
            )
        for wid, name in ((1, "w"), (2, "x")):
            conn.execute(
                text(
                    "INSERT INTO watches (id, name, url, created_at, consecutive_failures)"
                    " VALUES (:i, :n, 'https://example.org', :t, 0)"
                ),
                {"i": wid, "n": name, "t": t},
            )
        for vid, wid, seq, body in ((1, 1, 1, "b1"), (2, 1, 2, "b2"), (3, 2, 1, "b3")):
            conn.execute(
                text(
                    "INSERT INTO versions (id, watch_id, seq, created_at, body_sha, text_sha,"
                    " facts_sha, url, content_type, title) VALUES (:v, :w, :s, :t, :b, :b, :b,"
                    " 'https://example.org', 'text/html', 't')"
                ),
                {"v": vid, "w": wid, "s": seq, "t": t + timedelta(hours=vid), "b": body},
            )
        conn.execute(
            text(
                "INSERT INTO checks (id, watch_id, started_at, duration, outcome, version_id)"
                " VALUES (1, 1, :t, 0.1, 'changed', 2)"
            ),
            {"t": t + timedelta(hours=2)},
        )
        conn.execute(
            text(
                "INSERT INTO changes (watch_id, check_id, version_before_id, version_after_id,"
                " detected_at, kind, change, subject, section, added, removed)"
                " VALUES (1, 1, 1, 2, :t, 'figure', 'changed', 's', '', '[]', '[]')"
            ),
            {"t": t + timedelta(hours=2)},
        )


def test_existing_versions_are_chained_and_rows_get_their_origin(engine: Engine) -> None:
    from store.chain import chain_hash
    from store.verify import verify_all

    upgrade(engine, "0004")
    _insert_at_0004(engine)
    upgrade(engine)
    store = Store(engine)
    first, second = store.versions("w")
    assert (first.status, first.headers, first.chain_prev) == (200, None, None)
    assert second.chain_prev == first.chain_sha
    assert second.chain_sha == chain_hash(
        first.chain_sha, "b2", "https://example.org", second.created_at, 200, None
    )
    assert first.created_at == datetime(2026, 1, 1, 7, 0, 3, 250000, tzinfo=UTC)
    assert [r.ok for r in verify_all(store)] == [False, False]  # the test's blobs are not real
    with engine.connect() as conn:
        assert conn.execute(text("SELECT origin FROM checks")).scalar_one() == "check"
        assert conn.execute(text("SELECT origin FROM changes")).scalar_one() == "check"
    command.downgrade(alembic_config(engine), "0004")
    assert current_revision(engine) == "0004"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM versions")).scalar_one() == 3
        assert conn.execute(text("SELECT count(*) FROM changes")).scalar_one() == 1


def test_existing_real_versions_verify_after_the_upgrade(engine: Engine) -> None:
    from store.verify import verify_watch

    upgrade(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO watches (id, name, url, created_at, consecutive_failures)"
                " VALUES (1, 'w', 'https://example.org', :t, 0)"
            ),
            {"t": datetime(2026, 1, 1)},
        )
        for seq in (1, 2):
            body = f"<p>body {seq}</p>".encode()
            packed = {"s": hashlib.sha256(body).hexdigest(), "d": zlib.compress(body)}
            conn.execute(
                text("INSERT INTO blobs VALUES (:s, 1, :d, :t)"),
                {**packed, "t": datetime(2026, 1, 1)},
            )
            conn.execute(
                text(
                    "INSERT INTO versions (watch_id, seq, created_at, body_sha, text_sha,"
                    " facts_sha, url, content_type, title) VALUES (1, :q, :t, :s, :s, :s,"
                    " 'https://example.org', 'text/html', 't')"
                ),
                {**packed, "q": seq, "t": datetime(2026, 1, seq, 12, 30, 1, 5)},
            )
    upgrade(engine)
    report = verify_watch(Store(engine), "w")
    assert report.ok and report.versions == 2
