"""WARC export of a watch's versions, and backfill of a watch from a web archive's captures.

:func:`export_warc` writes, with warcio, a ``warcinfo`` record and, per
version, a ``response`` record (status line, kept headers, the body exactly
as fetched, ``WARC-Date`` = fetch time to the microsecond, so the file is
WARC/1.1) and a ``metadata`` record with the version's facts and chain hash
as JSON. The file is written beside its name and moved into place when
complete.

:func:`read_captures` reads a WARC (the Wayback Machine's, Webrecorder's,
ours) and keeps the captures of one page; a damaged or hostile file raises
:class:`~model.errors.ArchiveError` before anything is written.
:func:`backfill` runs each capture, in capture order, through the check's own
steps (:func:`monitor.check.check_response`) as if the page had been
checked then, and writes them all in one transaction, marked ``backfill``
(never alerted).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http import HTTPStatus
from io import BytesIO
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import func, select
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import iso_date_to_datetime
from warcio.warcwriter import WARCWriter

from alerts.enqueue import AlertPolicy
from model.changes import Change
from model.errors import ArchiveError, UnknownWatchError
from model.timefmt import iso
from monitor.check import Analyser, Past, check_response, record_in, stored_past
from monitor.fetch import ACCEPTED_TYPES, FetchResult, Validators
from monitor.settings import WatchSettings
from parsers.job import run_job
from store import snapshots
from store.chain import chain_time
from store.facts_codec import StoredFacts, decode_stored
from store.models import Version, Watch
from store.records import CheckResult
from store.repo import Store

WATCH_FIELD = "Factwatch-Watch"
WATCH_URL_FIELD = "Factwatch-Watch-URL"
HEADERS_FIELD = "Factwatch-Headers"
"""Fields of our response records: the watch, its URL (a redirected version's
record has the final URL as its target), and ``none`` when the version's
headers were never recorded (stored before they were kept)."""
HEADER_SLACK = 1 << 16
CHUNK = 100
"""Versions whose bodies and facts an export reads at once."""
"""Bytes a record may hold beyond the body cap: its HTTP status line and headers."""


# -- export ------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote."""

    path: Path
    watches: int
    versions: int
    records: int
    bytes: int
    seconds: float


def export_warc(
    store: Store,
    names: Sequence[str],
    path: Path,
    progress: Callable[[str, int], None] | None = None,
) -> ExportSummary:
    """Write every version of the watches ``names`` (all when empty) to the WARC ``path``."""
    started = time.perf_counter()
    watches = _watches(store, names)
    versions = 0
    with _replacing(path) as out:
        writer = WARCWriter(out, gzip=True, warc_version="1.1")
        writer.write_record(_warcinfo(writer, path, [w.name for w in watches]))
        for watch in watches:
            stored = store.versions(watch.name)
            if progress is not None:
                progress(watch.name, len(stored))
            for start in range(0, len(stored), CHUNK):
                chunk = stored[start : start + CHUNK]
                blobs = store.blobs([sha for v in chunk for sha in (v.body_sha, v.facts_sha)])
                for version in chunk:
                    for record in _version_records(writer, watch, version, blobs):
                        writer.write_record(record)
            versions += len(stored)
    seconds = time.perf_counter() - started
    size = path.stat().st_size
    return ExportSummary(path, len(watches), versions, 1 + 2 * versions, size, seconds)


def _watches(store: Store, names: Sequence[str]) -> list[Watch]:
    if not names:
        return store.watches()
    return [store.watch(name) for name in names]


@contextmanager
def _replacing(path: Path) -> Iterator[IO[bytes]]:
    """A file that becomes ``path`` only when written completely."""
    folder = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            yield out
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _warcinfo(writer: WARCWriter, path: Path, names: Sequence[str]) -> ArcWarcRecord:
    from importlib.metadata import version

    info = {
        "software": f"factwatch/{version('factwatch')}",
        "format": "WARC File Format 1.1",
        "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
        "description": "Every stored version of the watches below: a response record per "
        "version (body exactly as fetched) and a metadata record with its facts",
        "watches": ", ".join(names),
        "exported-at": iso(datetime.now(UTC)),
    }
    return writer.create_warcinfo_record(path.name, info)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _version_records(
    writer: WARCWriter, watch: Watch, version: Version, blobs: dict[str, bytes]
) -> list[ArcWarcRecord]:
    body = blobs[version.body_sha]
    date = chain_time(version.created_at)
    fields = {"WARC-Date": date, WATCH_FIELD: watch.name, WATCH_URL_FIELD: watch.url}
    if version.headers is None:
        headers = [("Content-Type", version.content_type)]
        fields[HEADERS_FIELD] = "none"
    else:
        headers = [(str(n), str(v)) for n, v in version.headers]
    http = StatusAndHeaders(_status_line(version.status), headers, protocol="HTTP/1.1")
    response = writer.create_warc_record(
        version.url,
        "response",
        payload=BytesIO(body),
        length=len(body),
        http_headers=http,
        warc_headers_dict=fields,
    )
    document = _metadata(watch, version, decode_stored(blobs[version.facts_sha]))
    metadata = writer.create_warc_record(
        version.url,
        "metadata",
        payload=BytesIO(document),
        length=len(document),
        warc_content_type="application/json",
        warc_headers_dict={
            "WARC-Date": date,
            "WARC-Concurrent-To": response.rec_headers.get_header("WARC-Record-ID"),
        },
    )
    return [response, metadata]


def _metadata(watch: Watch, version: Version, stored: StoredFacts) -> bytes:
    document: dict[str, Any] = {
        "factwatch": 1,
        "watch": watch.name,
        "watch_url": watch.url,
        "version": version.seq,
        "fetched_at": chain_time(version.created_at),
        "url": version.url,
        "status": version.status,
        "content_type": version.content_type,
        "title": version.title,
        "body_sha256": version.body_sha,
        "chain_prev": version.chain_prev,
        "chain_sha256": version.chain_sha,
        "facts": [{**f.to_json(), "rule": f.rule, "id": f.id} for f in stored.facts],
    }
    if stored.region:
        document["region"] = stored.region
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# -- reading captures ----------------------------------------------------------


@dataclass(frozen=True)
class Capture:
    """One capture of the watched page: a 200 response with a body we parse."""

    url: str
    at: datetime
    status: int
    headers: tuple[tuple[str, str], ...] | None
    body: bytes
    content_type: str
    charset: str | None
    record: int
    record_id: str | None = None


@dataclass(frozen=True)
class Exported:
    """What one of our own metadata records says was stored with a capture."""

    fact_ids: tuple[tuple[str, str, str], ...]
    """Its facts' (kind, subject, id), in order."""
    region: str
    """Where its main content was read ("" when not recorded)."""


@dataclass
class Scan:
    """What reading a WARC found: the captures to import, and what was passed over."""

    captures: list[Capture] = field(default_factory=list)
    records: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    others: Counter[str] = field(default_factory=Counter)
    exported: dict[str, Exported] = field(default_factory=dict)
    """From our own metadata records: per response record id, what was stored with it."""


def normal_url(url: str) -> str:
    """``url`` with its scheme and host lowercased, a default port, fragment and empty path
    normalised, to compare captures with the watched URL."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


@dataclass(frozen=True)
class Match:
    """Which captures belong to the watch: its URL, or URLs starting with a prefix."""

    url: str
    prefixes: tuple[str, ...] = ()

    def __call__(self, target: str, watch_url: str | None) -> bool:
        wanted = normal_url(self.url)
        if normal_url(target) == wanted or (watch_url and normal_url(watch_url) == wanted):
            return True
        return any(target.startswith(prefix) for prefix in self.prefixes)


def read_captures(path: Path, match: Match, max_bytes: int) -> Scan:
    """The captures of the watched page in the WARC ``path``, in capture order.

    Raises :class:`ArchiveError` for a file that is not a WARC, is truncated or
    damaged, has a record of the page larger than ``max_bytes`` or whose digest
    does not match, or holds no capture of the page to import.
    """
    scan = Scan()
    try:
        with open(path, "rb") as stream:
            iterator = ArchiveIterator(stream, check_digests=True)
            for record in _records(iterator, path):
                scan.records += 1
                _scan_record(scan, record, scan.records, match, max_bytes)
    except OSError as exc:
        raise ArchiveError(f"cannot read {path}: {exc.strerror or exc}") from None
    _require_captures(scan, path, match)
    scan.captures.sort(key=lambda c: c.at)
    return scan


def _records(iterator: ArchiveIterator, path: Path) -> Iterator[ArcWarcRecord]:
    records = iter(iterator)
    while True:
        try:
            record = next(records)
        except StopIteration:
            return
        except ArchiveError:
            raise
        except (Exception, zlib.error) as exc:
            raise ArchiveError(
                f"{path.name} is not a readable WARC file, or is truncated or damaged "
                f"(near byte {iterator.offset}): {type(exc).__name__}: {exc}; nothing imported"
            ) from None
        if record.format != "warc":
            raise ArchiveError(
                f"{path.name} is not a readable WARC file: the record at byte "
                f"{iterator.offset} reads as {record.format or 'unknown'}; nothing imported"
            )
        yield record


def _scan_record(scan: Scan, record: ArcWarcRecord, number: int, match: Match, cap: int) -> None:
    kind = record.rec_type
    target = record.rec_headers.get_header("WARC-Target-URI") or ""
    if kind == "metadata":
        _scan_metadata(scan, record, cap)
    if kind not in ("response", "revisit", "resource"):
        return _drain(record, number, target)
    if not match(target, record.rec_headers.get_header(WATCH_URL_FIELD)):
        scan.others[target] += 1
        return _drain(record, number, target)
    if kind != "response" or not record.http_headers:
        scan.skipped["revisit (no body)" if kind == "revisit" else "not an HTTP response"] += 1
        return
    if (record.length or 0) > cap + HEADER_SLACK:
        raise ArchiveError(
            f"record {number} (for {target}) is {record.length} bytes, "
            f"over the {cap}-byte limit (fetch.max_bytes); nothing imported"
        )
    capture = _capture(record, target, number, cap)
    if isinstance(capture, str):
        scan.skipped[capture] += 1
    else:
        scan.captures.append(capture)


def _scan_metadata(scan: Scan, record: ArcWarcRecord, cap: int) -> None:
    """Keep the fact identities one of our metadata records gives for its response."""
    refers = record.rec_headers.get_header("WARC-Concurrent-To")
    if not refers or record.content_type != "application/json" or (record.length or 0) > cap:
        return
    try:
        document = json.loads(record.content_stream().read(cap))
        facts = document["facts"] if document.get("factwatch") == 1 else None
        ids = tuple((f["kind"], f["subject"], f["id"]) for f in facts or ())
        scan.exported[refers] = Exported(ids, str(document.get("region") or ""))
    except (ValueError, TypeError, KeyError, AttributeError):
        return  # not ours, or not as we write it: the facts get new identities


def _capture(record: ArcWarcRecord, target: str, number: int, cap: int) -> Capture | str:
    """The capture a response record holds, or why it is not one to import."""
    body = _read_body(record, target, number, cap)
    status = int(record.http_headers.get_statuscode() or 0)
    if 300 <= status < 400:
        return "redirect"
    if status != 200:
        return f"HTTP {status}"
    media, charset = _content_type(record.http_headers.get_header("Content-Type") or "", body)
    if media not in ACCEPTED_TYPES:
        return f"content type {media or '(none)'}"
    headers = None if record.rec_headers.get_header(HEADERS_FIELD) == "none" else _headers(record)
    at = iso_date_to_datetime(record.rec_headers.get_header("WARC-Date") or "", tz_aware=True)
    record_id = record.rec_headers.get_header("WARC-Record-ID")
    return Capture(target, at, status, headers, body, media, charset, number, record_id)


def _read_body(record: ArcWarcRecord, target: str, number: int, cap: int) -> bytes:
    try:
        body = record.content_stream().read(cap + 1)
    except Exception as exc:
        raise ArchiveError(
            f"record {number} (for {target}) cannot be read (truncated or "
            f"damaged): {type(exc).__name__}: {exc}; nothing imported"
        ) from None
    _drain(record, number, target)
    if len(body) > cap:
        raise ArchiveError(
            f"record {number} (for {target}) holds more than {cap} bytes "
            "(fetch.max_bytes); nothing imported"
        )
    if record.digest_checker.passed is False:
        problems = "; ".join(record.digest_checker.problems)
        raise ArchiveError(
            f"record {number} (for {target}) does not match its digest "
            f"({problems}): the file was altered or damaged; nothing imported"
        )
    return body


def _drain(record: ArcWarcRecord, number: int, target: str) -> None:
    """Read the record to its end, so its digests are checked and a truncation seen."""
    try:
        while record.raw_stream.read(1 << 16):
            pass
    except Exception as exc:
        raise ArchiveError(
            f"record {number} ({target or record.rec_type}) cannot be read (truncated or "
            f"damaged): {type(exc).__name__}: {exc}; nothing imported"
        ) from None
    if getattr(record.raw_stream, "limit", 0) > 0:
        raise ArchiveError(
            f"record {number} ({target or record.rec_type}) is truncated or damaged: "
            f"{record.raw_stream.limit} of its {record.length} bytes are missing; nothing imported"
        )


def _headers(record: ArcWarcRecord) -> tuple[tuple[str, str], ...]:
    return tuple((str(name), str(value)) for name, value in record.http_headers.headers)


def _content_type(value: str, body: bytes) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    media = media.strip().lower()
    charset = None
    for param in params.split(";"):
        key, _, val = param.strip().partition("=")
        if key.lower() == "charset" and val:
            charset = val.strip().strip("\"'").lower()
    if body.startswith(b"%PDF-"):
        media = "application/pdf"
    elif media in ("", "application/octet-stream"):
        head = body[:512].lstrip().lower()
        media = "text/html" if head.startswith((b"<!doctype html", b"<html")) else media
    return media, charset


def _require_captures(scan: Scan, path: Path, match: Match) -> None:
    if scan.captures:
        return
    if not scan.records:
        raise ArchiveError(f"{path.name} is not a readable WARC file: it holds no WARC record")
    if scan.skipped:
        reasons = ", ".join(f"{n} {why}" for why, n in scan.skipped.most_common())
        raise ArchiveError(f"{path.name} holds no capture of {match.url} to import ({reasons})")
    held = ", ".join(url for url, _ in scan.others.most_common(3)) or "none"
    raise ArchiveError(
        f"{path.name} holds no capture of {match.url} (it holds captures of: {held}); "
        "give --url-prefix to import captures of another address"
    )


# -- backfill --------------------------------------------------------------------


@dataclass(frozen=True)
class ImportSummary:
    """What a backfill recorded, and what it passed over."""

    watch: str
    records: int
    captures: int
    checks: int
    versions: tuple[int, ...]
    changes: int
    skipped: dict[str, int]
    seconds: float


@dataclass
class _Memory:
    """The watch's past as the import goes: the stored past, then the captures recorded so far."""

    store: Store
    name: str
    past: Past
    produced: list[tuple[datetime, Change]] = field(default_factory=list)

    def recent(self, since: datetime) -> list[Change]:
        stored = self.store.recent_changes(self.name, since)
        return stored + [change for at, change in self.produced if at >= since]

    def advance(self, result: CheckResult) -> None:
        """Take ``result`` as the current state, as writing it would."""
        version = result.version
        self.produced += [(result.started_at, c) for c in result.changes]
        if version is None:
            self.past = Past(result.body_sha, self.past.text_sha, self.past.facts, self.recent)
            return
        stored = StoredFacts(list(version.facts), list(version.blocks or []), version.region)
        text_sha = snapshots.digest(version.text.encode("utf-8"))
        self.past = Past(result.body_sha, text_sha, lambda: stored, self.recent)


def _latest(store: Store, name: str) -> tuple[int, datetime | None]:
    with store.session() as s:
        row = s.execute(
            select(func.max(Version.seq), func.max(Version.created_at))
            .join(Watch, Watch.id == Version.watch_id)
            .where(Watch.name == name)
        ).first()
    return (row[0] or 0, row[1]) if row else (0, None)


def backfill(
    store: Store,
    watch: WatchSettings,
    scan: Scan,
    policy: AlertPolicy,
    analyse: Analyser = run_job,
) -> ImportSummary:
    """Record the captures of ``scan`` as checks of ``watch`` made at their capture times.

    Captures not newer than the watch's latest version are passed over (a
    history is only ever appended to). Everything is written in one
    transaction, or nothing.
    """
    started = time.perf_counter()
    try:
        store.watch(
            watch.name
        )  # stored already: left as it is (a followed document keeps its page)
    except UnknownWatchError:
        store.ensure_watch(watch.name, watch.url)
    seq, latest = _latest(store, watch.name)
    skipped = Counter(scan.skipped)
    captures = [c for c in scan.captures if latest is None or c.at > latest]
    if len(captures) < len(scan.captures):
        skipped["not newer than the latest stored version"] += len(scan.captures) - len(captures)
    results = _analyse(store, watch, captures, analyse, skipped, scan.exported)
    _write(store, watch.name, results, policy, seq)
    return ImportSummary(
        watch.name,
        scan.records,
        len(scan.captures),
        len(results),
        tuple(range(seq + 1, seq + 1 + sum(1 for r in results if r.version))),
        sum(len(r.changes) for r in results),
        dict(skipped),
        time.perf_counter() - started,
    )


def _analyse(
    store: Store,
    watch: WatchSettings,
    captures: Sequence[Capture],
    analyse: Analyser,
    skipped: Counter[str],
    exported: dict[str, Exported],
) -> list[CheckResult]:
    stored = stored_past(store, watch.name, store.state(watch.name))
    memory = _Memory(store, watch.name, stored)
    memory.past = Past(stored.body_sha, stored.text_sha, stored.facts, memory.recent)
    results: list[CheckResult] = []
    for capture in captures:
        result = check_response(
            store, watch, memory.past, _response(capture), capture.at, analyse, "backfill"
        )
        if result.outcome == "failed":
            skipped[f"did not parse ({result.reason})"] += 1
            continue
        result = _as_exported(result, exported.get(capture.record_id or ""))
        memory.advance(result)
        results.append(result)
    return results


def _as_exported(result: CheckResult, exported: Exported | None) -> CheckResult:
    """A version re-imported from our own export keeps its facts' identities and the
    region it was read in, when the facts found again are the ones exported (same
    kinds and subjects, in order)."""
    version = result.version
    if version is None or exported is None:
        return result
    ids = exported.fact_ids
    if len(ids) != len(version.facts) or any(
        (f.kind, f.subject) != (k, s) for f, (k, s, _) in zip(version.facts, ids, strict=True)
    ):
        return result
    facts = [replace(f, id=i) for f, (_, _, i) in zip(version.facts, ids, strict=True)]
    return replace(result, version=replace(version, facts=facts, region=exported.region))


def _response(capture: Capture) -> FetchResult:
    return FetchResult(
        url=capture.url,
        status=capture.status,
        body=capture.body,
        content_type=capture.content_type,
        charset=capture.charset,
        validators=Validators(),
        elapsed=0.0,
        headers=capture.headers,  # type: ignore[arg-type]
    )


def _write(
    store: Store, name: str, results: Sequence[CheckResult], policy: AlertPolicy, seq: int
) -> None:
    with store.transaction() as tx:

        def unchanged_meanwhile() -> None:
            s = tx.session
            watch_id = s.scalar(select(Watch.id).where(Watch.name == name).with_for_update())
            latest = s.scalar(select(func.max(Version.seq)).where(Version.watch_id == watch_id))
            if (latest or 0) != seq:
                raise ArchiveError(
                    f"watch {name!r} got a new version while importing; nothing imported, "
                    "run the import again"
                )

        for index, result in enumerate(results):
            record_in(tx, result, policy, unchanged_meanwhile if index == 0 else None)


def summary_json(summary: ImportSummary) -> dict[str, Any]:
    """An import's summary as plain data (``import-warc --json``)."""
    return {
        "watch": summary.watch,
        "records": summary.records,
        "captures": summary.captures,
        "checks": summary.checks,
        "versions": list(summary.versions),
        "changes": summary.changes,
        "skipped": summary.skipped,
        "seconds": round(summary.seconds, 3),
    }
