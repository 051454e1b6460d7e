"""Schema migrations on SQLite and PostgreSQL: the models match, data survives."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from model.facts import Fact
from store.db import alembic_config, current_revision, head_revision, open_engine, upgrade
from store.models import Base
from store.records import CheckResult, NewVersion
from store.repo import Store

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
