"""The hash chain: kept headers, chained versions, and tampering caught where it happened.

Each tampering is data: what a person with write access to the database does
(plain SQL, as they would), and the version and kind of break ``verify``
must report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from model.errors import UnknownWatchError
from monitor.check import record
from monitor.dispatch import check_once
from store import snapshots
from store.chain import MAX_HEADER_BYTES, chain_hash, keep_headers
from store.records import CheckResult, NewVersion
from store.repo import Store
from store.verify import verify_all, verify_watch
from tests.conftest import make_settings
from tests.pages import seed_html
from tests.server import LocalServer

T0 = datetime(2026, 12, 1, 6, 0, 3, 123456, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ([("Content-Type", "text/html")], [("Content-Type", "text/html")]),
        ([("Content-Length", "12"), ("ETag", '"a"')], [("ETag", '"a"')]),
        ([("Content-Encoding", "gzip"), ("Transfer-Encoding", "chunked")], []),
        ([("Connection", "keep-alive"), ("Keep-Alive", "timeout=5")], []),
        ([("X-Note", "caf\xe9")], []),
        ([("Bad Name", "x"), ("X-Ok", " padded ")], [("X-Ok", "padded")]),
        ([("X-Line", "a\r\nInjected: b")], []),
        (
            [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
            [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")],
        ),
        ([("X-Huge", "x" * MAX_HEADER_BYTES), ("Date", "Tue")], [("Date", "Tue")]),
    ],
    ids=[
        "kept-as-is",
        "length-dropped",
        "encodings-dropped",
        "hop-by-hop-dropped",
        "non-ascii-dropped",
        "bad-name-dropped-value-trimmed",
        "line-break-dropped",
        "repeats-kept-in-order",
        "over-budget-dropped",
    ],
)
def test_kept_headers(raw: list[tuple[str, str]], kept: list[tuple[str, str]]) -> None:
    assert list(keep_headers(raw)) == kept
    assert keep_headers(keep_headers(raw)) == keep_headers(raw)


def test_kept_headers_stay_within_the_budget() -> None:
    many = [(f"X-H{i}", "v" * 100) for i in range(1000)]
    kept = keep_headers(many)
    assert 0 < len(kept) < 1000
    assert sum(len(n) + len(v) + 4 for n, v in kept) <= MAX_HEADER_BYTES
    assert list(kept) == many[: len(kept)]


def write_versions(store: Store, count: int, name: str = "w") -> None:
    """``count`` versions of watch ``name``, an hour apart, each with its check."""
    store.ensure_watch(name, "https://example.org/page")
    for i in range(1, count + 1):
        body = f"<p>{name} version {i}</p>".encode()
        version = NewVersion(
            body,
            f"version {i}",
            "https://example.org/page",
            "text/html",
            f"V{i}",
            [],
            status=200,
            headers=[("Content-Type", "text/html"), ("ETag", f'"e{i}"')],
        )
        store.write_check(
            CheckResult(
                name,
                "https://example.org/page",
                T0 + timedelta(hours=i),
                0.1,
                "changed",
                body_sha=snapshots.digest(body),
                version=version,
            )
        )


def test_each_version_commits_to_the_one_before(store: Store) -> None:
    write_versions(store, 3)
    versions = store.versions("w")
    assert [v.chain_prev for v in versions] == [None, versions[0].chain_sha, versions[1].chain_sha]
    for version in versions:
        assert version.status == 200
        assert version.headers == [["Content-Type", "text/html"], ["ETag", f'"e{version.seq}"']]
        assert version.chain_sha == chain_hash(
            version.chain_prev,
            version.body_sha,
            version.url,
            version.created_at,
            200,
            version.headers,
        )
    report = verify_watch(store, "w")
    assert report.ok and report.versions == 3
    assert report.head is not None and report.head.sha == versions[-1].chain_sha
    assert report.head.fetched_at == T0 + timedelta(hours=3)


def test_a_check_keeps_the_response_headers(server: LocalServer, store: Store) -> None:
    server.route(
        "/p", body=seed_html().encode(), headers={"X-Served-By": "cache-7", "Vary": "Accept"}
    )
    settings = make_settings("sqlite://", p=server.url("/p"))
    check_once(store, settings, settings.watches)
    [version] = store.versions("p")
    names = [name for name, _ in version.headers or []]
    assert ["X-Served-By", "cache-7"] in (version.headers or [])
    assert "Content-Type" in names and "Content-Length" not in names
    assert verify_watch(store, "p").ok


def _sql(statement: str) -> Callable[[Store], None]:
    def run(store: Store) -> None:
        with store.engine.begin() as conn:
            for part in statement.split(";"):
                if part.strip():
                    conn.execute(text(part))

    return run


def _change_body_byte(store: Store) -> None:
    version = store.version("w", seq=2)
    assert version is not None
    body = bytearray(store.blob(version.body_sha))
    body[4] ^= 0x01
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE blobs SET data = :d WHERE sha256 = :s"),
            {"d": snapshots.pack(bytes(body)), "s": version.body_sha},
        )


def _shift_time(store: Store, seq: int, *, check_too: bool) -> None:
    version = store.version("w", seq=seq)
    assert version is not None
    later = (version.created_at + timedelta(minutes=30)).replace(tzinfo=None)
    with store.engine.begin() as conn:
        conn.execute(
            text("UPDATE versions SET created_at = :t WHERE id = :i"), {"t": later, "i": version.id}
        )
        if check_too:
            conn.execute(
                text("UPDATE checks SET started_at = :t WHERE version_id = :i"),
                {"t": later, "i": version.id},
            )


W = "watch_id = (SELECT id FROM watches WHERE name = 'w')"


def _set_seq(old: int, new: int) -> str:
    return f"UPDATE versions SET seq = {new} WHERE seq = {old} AND {W};"


_FREE_V2 = (
    f"UPDATE checks SET version_id = NULL WHERE version_id IN (SELECT id FROM versions WHERE seq = 2 AND {W});"
    f"DELETE FROM versions WHERE seq = 2 AND {W};"
)


@dataclass(frozen=True)
class Tamper:
    """An edit of the database and where ``verify`` must find it: (version, kind)."""

    edit: Callable[[Store], None]
    found: tuple[int, str] | None


TAMPERS = {
    "untouched": Tamper(lambda store: None, None),
    "body-byte-changed": Tamper(_change_body_byte, (2, "body")),
    "version-deleted": Tamper(_sql(_FREE_V2), (2, "missing")),
    "version-deleted-and-renumbered": Tamper(
        _sql(_FREE_V2 + _set_seq(3, 2) + _set_seq(4, 3)),
        (2, "missing"),
    ),
    "versions-reordered": Tamper(
        _sql(_set_seq(2, 99) + _set_seq(3, 2) + _set_seq(99, 3)),
        (2, "order"),
    ),
    "timestamp-edited": Tamper(lambda store: _shift_time(store, 3, check_too=False), (3, "time")),
    "timestamp-edited-with-its-check": Tamper(
        lambda store: _shift_time(store, 3, check_too=True), (3, "fields")
    ),
    "status-edited": Tamper(
        _sql(f"UPDATE versions SET status = 203 WHERE seq = 4 AND {W}"), (4, "fields")
    ),
    "url-edited": Tamper(
        _sql(f"UPDATE versions SET url = 'https://example.org/other' WHERE seq = 2 AND {W}"),
        (2, "fields"),
    ),
}


@pytest.mark.parametrize("case", TAMPERS.values(), ids=list(TAMPERS))
def test_verify_finds_tampering_where_it_happened(store: Store, case: Tamper) -> None:
    write_versions(store, 4)
    write_versions(store, 2, name="other")
    case.edit(store)
    report = verify_watch(store, "w")
    if case.found is None:
        assert report.ok, report.broken
    else:
        assert report.broken is not None
        assert (report.broken.seq, report.broken.kind) == case.found, report.broken.message
    assert verify_watch(store, "other").ok  # one watch's break is its own
    assert [r.ok for r in verify_all(store)] == [True, case.found is None]


def test_a_rebuilt_chain_is_caught_by_the_head_published_before(store: Store) -> None:
    write_versions(store, 2)
    published = verify_watch(store, "w").head
    assert published is not None
    write_versions_after = 2
    for i in range(write_versions_after):
        store.write_check(
            CheckResult(
                "w",
                "https://example.org/page",
                T0 + timedelta(days=1, hours=i),
                0.1,
                "changed",
                version=NewVersion(
                    f"<p>later {i}</p>".encode(),
                    f"later {i}",
                    "https://example.org/page",
                    "text/html",
                    "",
                    [],
                ),
            )
        )
    later = verify_watch(store, "w", expect=published.sha)
    assert later.ok and later.expected_at == 2 and later.versions == 4
    _rebuild_from(store, seq=1, body=b"<p>a quietly revised version 1</p>")
    assert verify_watch(store, "w").ok  # a consistent forgery: only the published head shows it
    forged = verify_watch(store, "w", expect=published.sha)
    assert forged.broken is not None and forged.broken.kind == "head"


def _rebuild_from(store: Store, seq: int, body: bytes) -> None:
    """Replace version ``seq``'s body and recompute the chain after it, as a forger would."""
    with store.transaction() as tx:
        sha = tx.put_blob(body)
    versions = store.versions("w")
    prev = None
    with store.engine.begin() as conn:
        for version in versions:
            body_sha = sha if version.seq == seq else version.body_sha
            chained = chain_hash(
                prev, body_sha, version.url, version.created_at, version.status, version.headers
            )
            conn.execute(
                text(
                    "UPDATE versions SET body_sha = :b, chain_prev = :p, chain_sha = :c WHERE id = :i"
                ),
                {"b": body_sha, "p": prev, "c": chained, "i": version.id},
            )
            prev = chained


def test_verify_an_unknown_watch(store: Store) -> None:
    with pytest.raises(UnknownWatchError):
        verify_watch(store, "nope")


def test_record_writes_the_chain_with_the_check(store: Store) -> None:
    from alerts.enqueue import AlertPolicy

    store.ensure_watch("w", "https://example.org/page")
    version = NewVersion(b"<p>x</p>", "x", "https://example.org/page", "text/html", "", [])
    record(
        store,
        CheckResult("w", "https://example.org/page", T0, 0.1, "changed", version=version),
        AlertPolicy(),
    )
    [stored] = store.versions("w")
    assert stored.chain_prev is None and stored.headers == [] and verify_watch(store, "w").ok
