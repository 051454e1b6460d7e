"""WARC export and backfill: a round trip that changes nothing, an archive's captures as history,
and hostile files that import nothing.
"""

from __future__ import annotations

import gzip
import hashlib
from argparse import Namespace
from base64 import b32encode
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select
from warcio.checker import Checker
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from alerts.diff import with_ids
from alerts.enqueue import AlertPolicy
from model.errors import ArchiveError
from model.kinds import describe
from monitor.dispatch import check_once
from monitor.settings import WatchSettings
from monitor.warc import Match, backfill, export_warc, read_captures
from parsers.job import ParseJob, run_job
from store.db import scratch_schema
from store.models import Check, Version
from store.outbox_models import OutboxRow
from store.records import CheckResult, NewVersion
from store.repo import Store, change_from_row
from store.verify import verify_watch
from tests.conftest import POSTGRES_URL, make_settings
from tests.pages import SEED_URL_PATH, seed_html
from tests.server import LocalServer

PAGE = "https://www.publicsafety.gc.ca/cnt/efforts-en.aspx"
ALERTING = AlertPolicy(channels=("ops-mail",))
VERSION_FIELDS = (
    "seq", "created_at", "url", "status", "headers", "body_sha", "text_sha", "facts_sha",
    "content_type", "title", "chain_prev", "chain_sha",
)  # fmt: skip


def _edit(old: str, new: str) -> Callable[[str], str]:
    def edit(page: str) -> str:
        assert old in page, old
        return page.replace(old, new, 1)

    return edit


EDITS = [
    _edit("a total of 19 companies", "a total of 21 companies"),
    _edit("the United Kingdom and the European Union.", "and the United Kingdom."),
]


def page(edits: int) -> bytes:
    """The seed page after the first ``edits`` of :data:`EDITS`."""
    html = seed_html()
    for edit in EDITS[:edits]:
        html = edit(html)
    return html.encode("utf-8")


@pytest.fixture
def empty_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A second, empty database on the same backend as ``database_url``."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path}/imported.db"
        return
    assert POSTGRES_URL
    with scratch_schema(POSTGRES_URL, "t2") as url:
        yield url


def _outbox_rows(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count()).select_from(OutboxRow)) or 0)


def _versions(store: Store, name: str) -> list[tuple[object, ...]]:
    return [tuple(getattr(v, f) for f in VERSION_FIELDS) for v in store.versions(name)]


def test_export_then_import_into_an_empty_database_changes_nothing(
    server: LocalServer,
    store: Store,
    empty_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = server.url(SEED_URL_PATH)
    settings = make_settings("sqlite://", efforts=url)
    for edits in range(3):
        server.route(SEED_URL_PATH, page(edits), headers={"X-Served-By": f"cache-{edits}"})
        check_once(store, settings, settings.watches)
    _legacy_version(store)
    path = tmp_path / "history.warc.gz"
    summary = export_warc(store, [], path)
    assert (summary.watches, summary.versions, summary.records) == (2, 4, 9)
    assert Checker(Namespace(inputs=[str(path)], verbose=True)).process_all() == 0
    assert capsys.readouterr().out.count("digest pass") == 9  # warcio's own checker

    imported = Store.open(empty_url)
    try:
        for watch in (
            WatchSettings(name="efforts", url=url),
            WatchSettings(name="legacy", url=PAGE),
        ):
            scan = read_captures(path, Match(watch.url), 10_000_000)
            backfill(imported, watch, scan, ALERTING)
            for a, b in zip(
                _versions(imported, watch.name), _versions(store, watch.name), strict=True
            ):
                assert [x for x in zip(VERSION_FIELDS, a, b, strict=True) if x[1] != x[2]] == []
            for before, after in zip(
                store.versions(watch.name), imported.versions(watch.name), strict=True
            ):
                assert imported.facts(after.id) == store.facts(before.id)
                assert imported.blob(after.body_sha) == store.blob(before.body_sha)
            assert verify_watch(imported, watch.name).head == verify_watch(store, watch.name).head
        events = [(change_from_row(r), r.origin) for r, _ in imported.changes(watch="efforts")]
        originals = [change_from_row(r) for r, _ in store.changes(watch="efforts")]
        assert [c for c, _ in events] == originals and len(originals) == 2
        assert {origin for _, origin in events} == {"backfill"}
        assert _outbox_rows(imported) == 0
    finally:
        imported.close()


def _legacy_version(store: Store) -> None:
    """A version stored before headers were kept (its headers ``None``)."""
    store.ensure_watch("legacy", PAGE)
    doc, facts = run_job(ParseJob(page(0), "text/html", PAGE))
    blocks = [b.to_json() for b in doc.blocks]
    body, title = page(0), doc.title
    version = NewVersion(
        body, doc.text, PAGE, "text/html", title, with_ids(facts), blocks, headers=None
    )
    store.write_check(
        CheckResult(
            "legacy",
            PAGE,
            datetime(2025, 1, 2, 3, 4, 5, 6, tzinfo=UTC),
            0.1,
            "changed",
            version=version,
        )
    )


# -- an archive's captures, built here as a web archive would hold them ------------------


@dataclass(frozen=True)
class Record:
    """One WARC record to write: a capture of ``url`` at ``date`` with ``status`` and ``body``."""

    url: str
    date: str
    body: bytes = b""
    status: str = "200 OK"
    kind: str = "response"
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/html; charset=utf-8"),)
    fields: tuple[tuple[str, str], ...] = ()


def build_warc(path: Path, records: list[Record]) -> Path:
    """A WARC/1.0 file, as the Wayback Machine serves them (second-precision dates)."""
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test"}))
        for r in records:
            http = StatusAndHeaders(r.status, list(r.headers), protocol="HTTP/1.1")
            fields = {"WARC-Date": r.date, **dict(r.fields)}
            if r.kind == "request":
                http = StatusAndHeaders("GET / HTTP/1.1", [("Host", "x")], is_http_request=True)
            record = writer.create_warc_record(
                r.url, r.kind, payload=BytesIO(r.body), length=len(r.body),
                http_headers=http, warc_headers_dict=fields,
            )  # fmt: skip
            writer.write_record(record)
    return path


THREE_CAPTURES = [
    Record(PAGE, "2024-03-01T10:00:00Z", page(1)),  # out of order in the file
    Record(PAGE, "2023-06-09T08:30:00Z", page(0)),
    Record(PAGE, "2023-06-09T08:30:00Z", kind="request"),
    Record(
        "https://www.publicsafety.gc.ca/wet-boew.min.css",
        "2023-06-09T08:30:01Z",
        b"body{}",
        headers=(("Content-Type", "text/css"),),
    ),
    Record(PAGE, "2023-09-01T00:00:00Z", status="302 Found", headers=(("Location", PAGE + "?x"),)),
    Record(PAGE, "2025-01-15T12:00:00Z", page(2)),
]
EXPECTED_HISTORY = [
    (
        "2024-03-01T10:00:00Z",
        [("figure", "changed", "companies have endorsed the Principles: 19 -> 21")],
    ),
    (
        "2025-01-15T12:00:00Z",
        [
            (
                "membership",
                "changed",
                "G7 Child Sexual Exploitation and Abuse Working Group: European Union removed (8 -> 7 members)",
            )
        ],
    ),
]


def test_three_captures_become_a_fact_history_without_alerts(store: Store, tmp_path: Path) -> None:
    path = build_warc(tmp_path / "wayback.warc.gz", THREE_CAPTURES)
    scan = read_captures(path, Match(PAGE), 10_000_000)
    assert [c.at.isoformat() for c in scan.captures] == [
        "2023-06-09T08:30:00+00:00", "2024-03-01T10:00:00+00:00", "2025-01-15T12:00:00+00:00",
    ]  # fmt: skip
    summary = backfill(store, WatchSettings(name="efforts", url=PAGE), scan, ALERTING)
    assert summary.versions == (1, 2, 3) and summary.changes == 2
    assert summary.skipped == {"redirect": 1}
    versions = store.versions("efforts")
    assert [v.created_at.isoformat() for v in versions] == [c.at.isoformat() for c in scan.captures]
    history = [
        (
            v.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            [(c.kind, c.change, describe(c)) for c in _changes_into(store, v.id)],
        )
        for v in versions[1:]
    ]
    assert history == EXPECTED_HISTORY
    assert len(store.facts(versions[0].id)) == 19
    with store.session() as s:
        assert set(s.scalars(select(Check.origin))) == {"backfill"}
    assert _outbox_rows(store) == 0
    assert verify_watch(store, "efforts").ok


def _changes_into(store: Store, version_id: int) -> list:  # type: ignore[type-arg]
    return [
        change_from_row(r)
        for r, _ in store.changes(watch="efforts")
        if r.version_after_id == version_id
    ]


def test_a_backfill_only_appends_after_the_latest_version(store: Store, tmp_path: Path) -> None:
    path = build_warc(tmp_path / "wayback.warc.gz", THREE_CAPTURES)
    watch = WatchSettings(name="efforts", url=PAGE)
    backfill(store, watch, read_captures(path, Match(PAGE), 10_000_000), ALERTING)
    again = backfill(store, watch, read_captures(path, Match(PAGE), 10_000_000), ALERTING)
    assert again.versions == () and again.skipped["not newer than the latest stored version"] == 3
    assert len(store.versions("efforts")) == 3


def test_url_prefix_takes_captures_of_other_addresses(store: Store, tmp_path: Path) -> None:
    moved = [Record(PAGE.replace("https://", "http://"), "2022-01-01T00:00:00Z", page(0))]
    path = build_warc(tmp_path / "old.warc.gz", moved)
    with pytest.raises(ArchiveError, match="holds no capture of"):
        read_captures(path, Match(PAGE), 10_000_000)
    scan = read_captures(path, Match(PAGE, ("http://www.publicsafety.gc.ca/",)), 10_000_000)
    assert len(scan.captures) == 1


# -- hostile files: a clear error, and nothing imported ---------------------------------

GOOD = [
    Record(PAGE, "2023-06-09T08:30:00Z", page(0)),
    Record(PAGE, "2024-03-01T10:00:00Z", page(1)),
]


def _truncated(path: Path) -> None:
    build_warc(path, GOOD)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 900])


def _wrong_digest(path: Path) -> None:
    body = page(2)
    wrong = "sha1:" + b32encode(hashlib.sha1(body + b"x").digest()).decode()
    build_warc(
        path,
        [
            *GOOD,
            Record(PAGE, "2025-01-15T12:00:00Z", body, fields=(("WARC-Payload-Digest", wrong),)),
        ],
    )


def _other_url(path: Path) -> None:
    build_warc(path, [Record("https://example.org/another-page", "2024-01-01T00:00:00Z", page(0))])


def _huge(path: Path) -> None:
    build_warc(path, [*GOOD, Record(PAGE, "2025-01-15T12:00:00Z", page(2) + b" " * 300_000)])


def _bomb(path: Path) -> None:
    body = gzip.compress(b"<html><body>" + b"x" * 5_000_000 + b"</body></html>")
    headers = (("Content-Type", "text/html"), ("Content-Encoding", "gzip"))
    build_warc(path, [*GOOD, Record(PAGE, "2025-01-15T12:00:00Z", body, headers=headers)])


def _not_a_warc(path: Path) -> None:
    path.write_bytes(b"<html>this is a web page, not an archive</html>" * 10)


HOSTILE = {
    "truncated-record": (_truncated, "record 3 .* is truncated or damaged"),
    "wrong-digest": (_wrong_digest, "does not match its digest"),
    "record-for-another-url": (
        _other_url,
        "holds no capture of .*it holds captures of: https://example.org/another-page",
    ),
    "huge-record": (_huge, "over the 200000-byte limit"),
    "decompression-bomb": (_bomb, "holds more than 200000 bytes"),
    "not-a-warc": (_not_a_warc, "not a readable WARC file"),
}


@pytest.mark.parametrize(("make", "message"), HOSTILE.values(), ids=list(HOSTILE))
def test_a_hostile_warc_imports_nothing(
    store: Store, tmp_path: Path, make: Callable[[Path], None], message: str
) -> None:
    path = tmp_path / "hostile.warc.gz"
    make(path)
    with pytest.raises(ArchiveError, match=message):
        scan = read_captures(path, Match(PAGE), 200_000)
        backfill(store, WatchSettings(name="efforts", url=PAGE), scan, ALERTING)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == 0
        assert s.scalar(select(func.count()).select_from(Check)) == 0


def test_a_backfill_leaves_a_followed_document_under_its_page(store: Store, tmp_path: Path) -> None:
    store.ensure_watch("page", "https://www.publicsafety.gc.ca/")
    store.ensure_watch("efforts", PAGE, parent="page")
    path = build_warc(tmp_path / "wayback.warc.gz", GOOD)
    backfill(
        store,
        WatchSettings(name="efforts", url=PAGE),
        read_captures(path, Match(PAGE), 10_000_000),
        ALERTING,
    )
    assert store.watch("efforts").parent_id == store.watch("page").id
    assert len(store.versions("efforts")) == 2
