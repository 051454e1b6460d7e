"""Verifying a watch's history: every stored body against its hash, every version against its chain.

:func:`verify_watch` walks the versions of a watch in order and reports the
first :class:`Break`, classified so an auditor knows what happened:

* ``body``: a body (or its text, or its facts document) no longer hashes to
  its address: the bytes were changed;
* ``missing``: a version number is skipped, or a version is chained after one
  that is no longer in the store: a version was removed;
* ``order``: a version is chained after another version than the one before
  it: versions were reordered;
* ``time``: the fetch time differs from the one the chain (and the version's
  check) recorded: the timestamp was edited;
* ``fields``: the URL, fetch time, status or headers, or the chain hash
  itself, no longer match;
* ``head``: an expected head (published earlier) is not in the chain.

A chain is only as good as a copy of its head kept elsewhere: whoever can
rewrite the database can rebuild a consistent chain after an edit, and only
a head published before (``factwatch verify --head``) shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from model.errors import UnknownWatchError
from model.timefmt import iso
from store.blobs import BlobFault, BlobReader
from store.chain import chain_hash
from store.models import Check, Version, Watch
from store.repo import Store

CHUNK = 200


@dataclass(frozen=True)
class Break:
    """The first place a watch's history stops matching: the version, what, and in words."""

    seq: int
    kind: str
    message: str


@dataclass(frozen=True)
class Head:
    """A watch's chain head: the chain hash of its latest version."""

    watch: str
    seq: int
    fetched_at: datetime
    sha: str


@dataclass(frozen=True)
class WatchReport:
    """What verifying one watch found."""

    watch: str
    versions: int
    head: Head | None
    broken: Break | None = None
    expected_at: int | None = None

    @property
    def ok(self) -> bool:
        """True when the whole history matches its chain (and the expected head, if any)."""
        return self.broken is None

    def to_json(self) -> dict[str, Any]:
        """The report as plain data (``factwatch verify --json``)."""
        return {
            "watch": self.watch,
            "ok": self.ok,
            "versions": self.versions,
            "head": self.head.sha if self.head else None,
            "head_version": self.head.seq if self.head else None,
            "head_fetched_at": iso(self.head.fetched_at, ms=True) if self.head else None,
            "expected_head_version": self.expected_at,
            "break": None
            if self.broken is None
            else {
                "version": self.broken.seq,
                "kind": self.broken.kind,
                "message": self.broken.message,
            },
        }


def verify_all(store: Store) -> list[WatchReport]:
    """Verify every stored watch, by name."""
    return [verify_watch(store, w.name) for w in store.watches()]


def verify_watch(store: Store, name: str, expect: str | None = None) -> WatchReport:
    """Verify watch ``name``; with ``expect``, also that this head is in its chain."""
    with store.session() as s:
        watch = s.scalar(select(Watch).where(Watch.name == name))
        if watch is None:
            raise UnknownWatchError(f"no watch named {name!r} in the database")
        versions = list(
            s.scalars(select(Version).where(Version.watch_id == watch.id).order_by(Version.seq))
        )
        check_times = _check_times(s, watch.id)
        broken = _first_break(s, versions, check_times)
    head = (
        Head(name, versions[-1].seq, versions[-1].created_at, versions[-1].chain_sha)
        if versions
        else None
    )
    expected_at = None
    if expect is not None:
        expected_at, missing = _expected(versions, expect.strip().lower())
        broken = broken or missing
    return WatchReport(name, len(versions), head, broken, expected_at)


def _expected(versions: Sequence[Version], expect: str) -> tuple[int | None, Break | None]:
    for version in versions:
        if version.chain_sha == expect:
            return version.seq, None
    last = versions[-1].seq if versions else 0
    message = (
        f"the expected head {expect[:16]}... is not the chain hash of any version: "
        "the history up to it was changed or removed"
    )
    return None, Break(last, "head", message)


def _check_times(s: Session, watch_id: int) -> dict[int, datetime]:
    rows = s.execute(
        select(Check.version_id, Check.started_at).where(
            Check.watch_id == watch_id, Check.version_id.is_not(None)
        )
    )
    return {version_id: started for version_id, started in rows if version_id is not None}


def _first_break(
    s: Session, versions: Sequence[Version], check_times: dict[int, datetime]
) -> Break | None:
    by_chain = {v.chain_sha: v.seq for v in versions}
    prev: str | None = None
    for start in range(0, len(versions), CHUNK):
        chunk = versions[start : start + CHUNK]
        blobs = _blobs(s, chunk)
        for offset, version in enumerate(chunk, start + 1):
            found = (
                _gap(version, offset)
                or _bodies(version, blobs)
                or _link(version, prev, by_chain)
                or _fields(version, prev, check_times.get(version.id))
            )
            if found:
                return found
            prev = version.chain_sha
    return None


def _blobs(s: Session, versions: Sequence[Version]) -> dict[str, bytes | BlobFault]:
    """Each blob of ``versions``, decoded and its hash checked, or why it cannot be read."""
    reader = BlobReader(s)
    shas = [sha for v in versions for sha in (v.body_sha, v.text_sha, v.facts_sha)]
    shas = list(dict.fromkeys(shas))
    reader.load(shas)
    return {sha: reader.try_read(sha) for sha in shas}


def _gap(version: Version, expected_seq: int) -> Break | None:
    if version.seq == expected_seq:
        return None
    gone = (
        f"v{expected_seq}"
        if version.seq == expected_seq + 1
        else f"v{expected_seq} to v{version.seq - 1}"
    )
    return Break(expected_seq, "missing", f"{gone} removed: v{version.seq} follows it")


def _bodies(version: Version, blobs: dict[str, bytes | BlobFault]) -> Break | None:
    seq = version.seq
    for what, sha in (("body", version.body_sha), ("text", version.text_sha)):
        found = blobs.get(sha)
        if found is None or (isinstance(found, BlobFault) and found.kind == "missing"):
            return Break(seq, "body", f"v{seq}: its {what} is missing")
        if isinstance(found, BlobFault):
            return Break(seq, "body", f"v{seq}: its {what} was changed ({_fault(found)})")
    if isinstance(blobs.get(version.facts_sha), BlobFault | None):
        return Break(seq, "body", f"v{seq}: its facts document was changed")
    return None


def _fault(fault: BlobFault) -> str:
    """How a stored blob was found changed, in words."""
    if fault.at != fault.sha:
        return f"the blob it is stored as a delta against, {fault.at[:16]}..., was changed"
    if fault.kind == "undecodable":
        return f"stored under SHA-256 {fault.sha[:16]}..., its bytes no longer decode"
    actual = fault.actual or ""
    return f"stored under SHA-256 {fault.sha[:16]}..., its bytes hash to {actual[:16]}..."


def _link(version: Version, prev: str | None, by_chain: dict[str, int]) -> Break | None:
    if version.chain_prev == prev:
        return None
    seq = version.seq
    if version.chain_prev is None:
        return Break(seq, "order", f"v{seq} was chained as a first version: v1 to v{seq - 1} "
                     "were put before it afterwards")  # fmt: skip
    other = by_chain.get(version.chain_prev)
    if other is not None:
        return Break(seq, "order", f"v{seq} was chained after v{other}, not after v{seq - 1}: "
                     "versions reordered")  # fmt: skip
    before = f"v{seq - 1}" if seq > 1 else "no version"
    return Break(seq, "missing", f"v{seq} was chained after a version no longer in the store, "
                 f"not after {before}: a version was removed")  # fmt: skip


def _fields(version: Version, prev: str | None, check_time: datetime | None) -> Break | None:
    def chained(at: datetime) -> str:
        return chain_hash(prev, version.body_sha, version.url, at, version.status, version.headers)

    if chained(version.created_at) == version.chain_sha:
        return None
    seq = version.seq
    edited = check_time is not None and check_time != version.created_at
    if check_time is not None and edited and chained(check_time) == version.chain_sha:
        return Break(
            seq,
            "time",
            f"v{seq}: fetch time edited: stored {iso(version.created_at, ms=True)}, "
            f"fetched {iso(check_time, ms=True)} (its check and its chain hash agree)",
        )
    return Break(
        seq,
        "fields",
        f"v{seq}: its URL, fetch time, status or headers, or its chain hash, "
        "no longer match the chain",
    )
