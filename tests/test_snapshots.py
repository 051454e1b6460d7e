"""Versions stored as deltas, on SQLite and PostgreSQL: every version reads back, reading
is bounded, damage is found, and blobs stored before deltas still read."""

from __future__ import annotations

import random
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select, text

from model.facts import Fact
from store import snapshots
from store.blobs import BlobFaultError, BlobReader
from store.chain import chain_hash
from store.db import open_engine, upgrade
from store.models import Blob, Version
from store.records import CheckResult, NewVersion
from store.repo import Store
from store.verify import verify_watch

T0 = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
WORDS = ("canada", "partner", "group", "report", "member", "figure", "date", "council")


def page(seq: int, lines: int = 400) -> bytes:
    """A page of about 25 KB whose version ``seq`` differs from ``seq - 1`` in one line."""
    rng = random.Random(7)
    body = [
        f"<p id='l{i}'>{' '.join(rng.choice(WORDS) for _ in range(8))} {rng.random()}</p>"
        for i in range(lines)
    ]
    for edit in range(1, seq):
        body[(edit * 37) % lines] = f"<p>revision {edit}: {edit * 13} members</p>"
    return ("<html><body>" + "\n".join(body) + "</body></html>").encode()


def fact(seq: int) -> Fact:
    return Fact("figure", "members", {"amount": seq * 13, "qualifier": None, "unit": None},
                f"{seq * 13} members", "Members")  # fmt: skip


def record(
    store: Store, seq: int, name: str = "w", url: str = "https://example.org/p", lines: int = 400
) -> None:
    """Store version ``seq`` of watch ``name`` (its page, text and facts)."""
    store.ensure_watch(name, url)
    body = page(seq, lines)
    new = NewVersion(body, body.decode()[::3], url, "text/html", "T", [fact(seq)])
    at = T0 + timedelta(hours=seq)
    store.write_check(CheckResult(name, url, at, 0.1, "changed", status=200,
                                  body_sha=snapshots.digest(body), version=new))  # fmt: skip


@pytest.fixture
def short_chains(store: Store) -> Store:
    """The same database, storing a snapshot every 5 blobs."""
    return Store(store.engine, snapshot_every=5)


def test_every_version_reads_back_after_many(short_chains: Store) -> None:
    for seq in range(1, 41):
        record(short_chains, seq)
    versions = short_chains.versions("w")
    assert len(versions) == 40
    for version in versions:
        assert short_chains.blob(version.body_sha) == page(version.seq)
        assert short_chains.text(version) == page(version.seq).decode()[::3]
        assert short_chains.facts(version.id)[0].value["amount"] == version.seq * 13
    bodies = short_chains.blobs([v.body_sha for v in versions])
    assert [bodies[v.body_sha] for v in versions] == [page(v.seq) for v in versions]
    assert verify_watch(short_chains, "w").ok


def test_a_delta_costs_a_small_part_of_a_snapshot(store: Store) -> None:
    for seq in (1, 2):
        record(store, seq)
    first, second = store.versions("w")
    with store.session() as s:
        rows = {b.sha256: b for b in s.scalars(select(Blob))}
    full, delta = rows[first.body_sha], rows[second.body_sha]
    assert (full.base_sha, full.depth) == (None, 0)
    assert (delta.base_sha, delta.depth) == (first.body_sha, 1)
    assert len(delta.data) <= 0.05 * len(full.data)
    assert rows[second.text_sha].base_sha == first.text_sha


def test_a_chain_longer_than_n_reads_in_at_most_n_steps(short_chains: Store) -> None:
    for seq in range(1, 18):
        record(short_chains, seq)
    steps = []
    for version in short_chains.versions("w"):
        with short_chains.session() as s:
            reader = BlobReader(s)
            assert reader.read(version.body_sha) == page(version.seq)
            steps.append(reader.steps)
    assert max(steps) == 5
    assert steps[:6] == [1, 2, 3, 4, 5, 1]


def test_a_first_version_is_never_a_delta_against_another_watch(store: Store) -> None:
    record(store, 1, "a", "https://example.org/a")
    record(store, 2, "b", "https://example.org/b")
    with store.session() as s:
        assert s.scalar(select(func.count()).where(Blob.base_sha.is_not(None))) == 0


def test_a_much_larger_base_is_not_loaded_as_dictionary(store: Store) -> None:
    record(store, 1, lines=20_000)  # about 1.3 MB
    record(store, 2, lines=10)
    second = store.versions("w")[1]
    with store.session() as s:
        assert s.scalar(select(Blob.base_sha).where(Blob.sha256 == second.body_sha)) is None
    assert store.blob(second.body_sha) == page(2, 10)


def _damage(store: Store, sha: str) -> None:
    with store.session() as s:
        data = bytearray(s.scalar(select(Blob.data).where(Blob.sha256 == sha)) or b"")
        data[len(data) // 2] ^= 0x20
        s.execute(Blob.__table__.update().where(Blob.sha256 == sha).values(data=bytes(data)))


def test_a_damaged_delta_is_found_by_the_hash_check(store: Store) -> None:
    for seq in range(1, 6):
        record(store, seq)
    v = {version.seq: version for version in store.versions("w")}
    _damage(store, v[3].body_sha)
    with pytest.raises(BlobFaultError) as raised:
        store.blob(v[3].body_sha)
    assert raised.value.fault.at == v[3].body_sha
    with pytest.raises(BlobFaultError) as built_on:
        store.blob(v[4].body_sha)  # a delta against the damaged one
    assert (built_on.value.fault.sha, built_on.value.fault.at) == (v[4].body_sha, v[3].body_sha)
    assert store.blob(v[2].body_sha) == page(2)
    report = verify_watch(store, "w")
    assert report.broken is not None
    assert (report.broken.seq, report.broken.kind) == (3, "body")


def test_a_new_version_never_builds_on_a_damaged_one(store: Store) -> None:
    for seq in (1, 2):
        record(store, seq)
    _damage(store, store.versions("w")[1].body_sha)
    record(store, 3)
    third = store.versions("w")[2]
    assert store.blob(third.body_sha) == page(3)


def test_blobs_stored_whole_with_zlib_still_read(store: Store) -> None:
    record(store, 1)
    first = store.versions("w")[0]
    with store.session() as s:
        s.execute(
            Blob.__table__.update()
            .where(Blob.sha256 == first.body_sha)
            .values(data=zlib.compress(page(1), 6))
        )
    assert store.blob(first.body_sha) == page(1)
    record(store, 2)  # a delta against the zlib blob
    second = store.versions("w")[1]
    with store.session() as s:
        assert s.scalar(select(Blob.base_sha).where(Blob.sha256 == second.body_sha)) == (
            first.body_sha
        )
    assert store.blob(second.body_sha) == page(2)
    assert verify_watch(store, "w").ok


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    opened = open_engine(database_url)
    try:
        yield opened
    finally:
        opened.dispose()


def test_blobs_from_before_the_migration_read_and_take_deltas(engine: Engine) -> None:
    upgrade(engine, "0007")
    body, at = page(1), datetime(2026, 1, 1, 6, 0)
    sha, facts = snapshots.digest(body), b'{"facts": []}'
    with engine.begin() as conn:
        for blob in (body, facts):
            conn.execute(
                text("INSERT INTO blobs VALUES (:s, :n, :d, :t)"),
                {"s": snapshots.digest(blob), "n": len(blob), "d": zlib.compress(blob), "t": at},
            )
        conn.execute(text("INSERT INTO watches (name, url, created_at, consecutive_failures)"
                          " VALUES ('w', 'https://example.org/p', :t, 0)"), {"t": at})  # fmt: skip
        conn.execute(
            text("INSERT INTO versions (watch_id, seq, created_at, body_sha, text_sha, facts_sha,"
                 " url, content_type, title, status, chain_sha) VALUES ((SELECT id FROM watches),"
                 " 1, :t,"
                 " :b, :b, :f, 'https://example.org/p', 'text/html', 't', 200, :c)"),
            {"t": at, "b": sha, "f": snapshots.digest(facts),
             "c": chain_hash(None, sha, "https://example.org/p", at.replace(tzinfo=UTC), 200, None)},
        )  # fmt: skip
    upgrade(engine)
    store = Store(engine)
    assert store.blob(sha) == body
    record(store, 2)
    second = store.version("w")
    assert second is not None and store.blob(second.body_sha) == page(2)
    with store.session() as s:
        assert s.scalar(select(Blob.depth).where(Blob.sha256 == second.body_sha)) == 1
        assert s.scalar(select(Version.body_sha).where(Version.seq == 1)) == sha
