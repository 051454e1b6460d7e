"""The versioned store, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from model.changes import Change
from model.errors import UnknownWatchError
from model.facts import Fact
from store.db import current_revision
from store.models import Blob, Check, Version
from store.records import CheckResult, NewVersion
from store.repo import Store

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
FIG = Fact(
    "figure",
    "companies",
    {"amount": 19, "qualifier": None, "unit": "companies"},
    "a total of 19 companies",
    "Voluntary Principles",
)


def _version(body: bytes, text: str, facts: list[Fact] | None = None) -> NewVersion:
    return NewVersion(body, text, "https://example.org/p", "text/html", "Title", facts or [FIG])


def _record(store: Store, at: datetime, body: bytes, text: str, **extra: object) -> int:
    store.ensure_watch("w", "https://example.org/p")
    saved = store.write_check(
        CheckResult(
            "w",
            "https://example.org/p",
            at,
            0.1,
            "changed",
            status=200,
            body_sha="x" + text[:3],
            version=_version(body, text),
            **extra,
        )
    )  # type: ignore[arg-type]
    assert saved.version_seq is not None
    return saved.version_seq


def test_migrates_to_head(store: Store) -> None:
    assert current_revision(store.engine) is not None


def test_versions_are_numbered_and_found_by_time(store: Store) -> None:
    seqs = [
        _record(store, T0 + timedelta(days=i), f"body{i}".encode(), f"text {i}") for i in range(3)
    ]
    assert seqs == [1, 2, 3]
    v1, v2, v3 = store.versions("w")
    for version, moment in ((v1, v1.created_at), (v2, v2.created_at + timedelta(seconds=1))):
        found = store.version("w", at=moment)
        assert found is not None and found.seq == version.seq
    assert store.version("w", at=v1.created_at - timedelta(seconds=1)) is None
    latest = store.version("w")
    assert latest is not None and latest.seq == v3.seq
    assert store.text(v2) == "text 1"


def test_identical_bodies_are_stored_once(store: Store) -> None:
    for i in range(3):
        _record(store, T0 + timedelta(hours=i), b"same body", f"text {i}")
    with store.session() as s:
        blobs = s.scalar(select(func.count()).select_from(Blob))
        bodies = set(s.scalars(select(Version.body_sha)))
    assert len(bodies) == 1
    assert blobs == 1 + 3 + 1  # one body, three distinct texts, one fact set
    version = store.version("w")
    assert version is not None and store.blob(version.body_sha) == b"same body"


def test_facts_round_trip(store: Store) -> None:
    _record(store, T0, b"b", "t")
    version = store.version("w")
    assert version is not None
    assert store.facts(version.id) == [FIG]


def test_failed_checks_are_recorded_and_counted(store: Store) -> None:
    store.ensure_watch("w", "https://example.org/p")
    for _ in range(2):
        failed = CheckResult("w", "https://example.org/p", T0, 0.5, "failed", reason="timeout")
        store.write_check(failed)
    assert store.state("w").consecutive_failures == 2
    assert [c.reason for c in store.checks("w")] == ["timeout", "timeout"]
    _record(store, T0, b"b", "t")
    assert store.state("w").consecutive_failures == 0


def test_changes_link_consecutive_versions(store: Store) -> None:
    _record(store, T0, b"a", "a")
    change = Change("figure", "changed", "companies", before={"amount": 19}, after={"amount": 21})
    _record(store, T0 + timedelta(hours=1), b"b", "b", changes=[change])
    [(row, watch)] = store.changes()
    seqs = store.version_seqs([row.version_before_id, row.version_after_id])
    assert (watch.name, seqs[row.version_before_id], seqs[row.version_after_id]) == ("w", 1, 2)
    assert (row.before, row.after) == ({"amount": 19}, {"amount": 21})
    assert store.changes(since=T0 + timedelta(hours=2)) == []


def test_a_failed_write_leaves_nothing(store: Store) -> None:
    store.ensure_watch("w", "https://example.org/p")

    result = CheckResult(
        "w", "https://example.org/p", T0, 0.1, "changed", version=_version(b"a", "a")
    )
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.write_check(result)
        raise RuntimeError("crash inside the transaction")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Check)) == 0
        assert s.scalar(select(func.count()).select_from(Version)) == 0


def test_unknown_watch(store: Store) -> None:
    with pytest.raises(UnknownWatchError):
        store.state("nope")


def test_open_watches_creates_updates_and_reads_states_at_once(store: Store) -> None:
    _record(store, T0, b"a", "a")  # watch "w" with one version
    states = store.open_watches(
        [("w", "https://example.org/moved", None), ("new", "https://example.org/n", None)]
    )
    assert states["w"].version_seq == 1 and states["w"].text_sha is not None
    assert states["new"].version_id is None and states["new"].last_body_sha is None
    assert store.watch("w").url == "https://example.org/moved"
    child = store.open_watches([("new/doc", "https://example.org/d.pdf", "new")])
    assert store.watch("new/doc").parent_id == states["new"].watch_id
    assert child["new/doc"].consecutive_failures == 0
    with pytest.raises(UnknownWatchError):
        store.open_watches([("orphan", "https://example.org/o", "no-such-parent")])
