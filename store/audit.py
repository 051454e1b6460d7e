"""Read queries for auditing history: the web UI, the JSON API, feeds and export.

Everything here only reads. List queries return a :class:`Page` with an
opaque cursor for the next page (keyset pagination: a page costs the same
however deep it is). Results are our own frozen dataclasses, never ORM rows.

A fact's identity across versions comes from :func:`fact_id` alone: every
caller (pages, API, feeds, export) goes through it, so switching to stored
fact ids later changes this one function.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from model.changes import Change
from model.errors import FactwatchError, UnknownWatchError
from model.facts import Fact
from model.kinds import rule_kinds
from store.blobs import BlobReader
from store.facts_codec import decode_facts
from store.models import Blob, ChangeRow, Check, Version, Watch
from store.repo import Store, change_from_row
from store.scheduler_models import WatchSchedule

T = TypeVar("T")
MAX_PAGE = 500
MAX_ID = 2**31 - 1  # ids and version numbers are 32-bit integers in the database
CHUNK = 500
WatchFilter = Literal["all", "ok", "failing", "never"]
_FACT_ID = re.compile(r"^([0-9]{1,18})-[0-9a-f]{12}$")


class QueryError(FactwatchError):
    """A query the store cannot answer as asked: a bad cursor or filter."""


# -- fact identity -----------------------------------------------------------


def fact_id(watch_id: int, kind: str, section: str, subject: str, occurrence: int = 0) -> str:
    """The id of a fact across a watch's versions: ``<watch id>-<12 hex digits>``.

    A short hash of the watch, the kind, the section and the subject (case
    folded, as the diff aligns them); ``occurrence`` tells apart the n-th
    fact with the same key in one version. The watch id up front lets a fact
    be found from its id alone. This is the only place fact ids are made.
    """
    key = "\x1f".join((str(watch_id), kind, section, subject.casefold(), str(occurrence)))
    return f"{watch_id}-{hashlib.sha256(key.encode('utf-8')).hexdigest()[:12]}"


def fact_watch_id(fid: str) -> int | None:
    """The watch id a fact id belongs to, or ``None`` if ``fid`` is not a fact id."""
    match = _FACT_ID.match(fid)
    if match is None or int(match.group(1)) > MAX_ID:
        return None
    return int(match.group(1))


@dataclass(frozen=True)
class IdentifiedFact:
    """A fact of one version with its id."""

    id: str
    fact: Fact


def identify(watch_id: int, facts: Iterable[Fact]) -> list[IdentifiedFact]:
    """The facts of one version, each with its id, in document order.

    A fact's stored identity (:attr:`Fact.id`, carried across versions by the
    diff) makes the id; facts stored before identities were kept get
    :func:`fact_id`'s hash of their key.
    """
    seen: dict[tuple[str, str, str], int] = {}
    out = []
    for fact in facts:
        key = (fact.kind, fact.section, fact.subject.casefold())
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        fid = stored_fact_id(watch_id, fact.id) if fact.id else None
        out.append(
            IdentifiedFact(
                fid or fact_id(watch_id, fact.kind, fact.section, fact.subject, occurrence), fact
            )
        )
    return out


def stored_fact_id(watch_id: int, identity: str) -> str:
    """The public id of a fact whose stored identity is ``identity``."""
    return f"{watch_id}-{identity}"


def change_fact_id(watch_id: int, change: Change) -> str | None:
    """The id of the fact a change event is about (``None`` for events about no one fact)."""
    if change.fact_id:
        return stored_fact_id(watch_id, change.fact_id)
    if change.kind not in rule_kinds():
        return None
    return fact_id(watch_id, change.kind, change.section, change.subject)


# -- pages and cursors -------------------------------------------------------


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list and the cursor of the next one (``None`` on the last page)."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(key: Any) -> str:
    """An opaque cursor for the sort key ``key``."""
    raw = json.dumps({"k": key}, separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(cursor: str | None, kind: type) -> Any:
    """The sort key a cursor holds (``None`` without one); :class:`QueryError` if invalid."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))["k"]
    except (ValueError, KeyError, TypeError, UnicodeError, binascii.Error):
        raise QueryError("invalid cursor") from None
    if not isinstance(key, kind) or isinstance(key, bool):
        raise QueryError("invalid cursor")
    if isinstance(key, int) and not 0 <= key <= MAX_ID:
        raise QueryError("invalid cursor")
    if isinstance(key, str) and not usable(key):
        raise QueryError("invalid cursor")
    return key


def usable(text: str) -> bool:
    """True when ``text`` can be sent to the database (UTF-8, no NUL character)."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise QueryError(f"limit must be between 1 and {MAX_PAGE}")
    return limit


def _page(rows: list[T], limit: int, key: Any) -> Page[T]:
    if len(rows) <= limit:
        return Page(rows, None)
    items = rows[:limit]
    return Page(items, encode_cursor(key(items[-1])))


# -- watches and their status --------------------------------------------------


@dataclass(frozen=True)
class CheckInfo:
    """One check attempt."""

    id: int
    started_at: datetime
    outcome: str
    reason: str | None
    error: str | None
    status: int | None
    duration: float
    version_id: int | None


@dataclass(frozen=True)
class ChangeEvent:
    """One stored change event with where and when it happened."""

    id: int
    watch: str
    watch_id: int
    url: str
    check_id: int
    detected_at: datetime
    change: Change
    version_before: int | None
    version_after: int
    fact_id: str | None


@dataclass(frozen=True)
class WatchStatus:
    """A watch and its state: last check, next run, failures, last change, versions."""

    id: int
    name: str
    url: str
    parent: str | None
    created_at: datetime
    consecutive_failures: int
    last_check: CheckInfo | None = None
    next_run_at: datetime | None = None
    last_change: ChangeEvent | None = None
    versions: int = 0
    last_version_at: datetime | None = None


@dataclass(frozen=True)
class WatchCounts:
    """How many watches there are, failing and never checked."""

    total: int
    failing: int
    never_checked: int


def _pairs(result: Any) -> dict[Any, Any]:
    """A two-column query result as a dict (first column to second)."""
    return {a: b for a, b in result}


def _check_info(row: Check) -> CheckInfo:
    return CheckInfo(
        row.id,
        row.started_at,
        row.outcome,
        row.reason,
        row.error,
        row.status,
        row.duration,
        row.version_id,
    )


def _has_check() -> Any:
    return exists().where(Check.watch_id == Watch.id)


def _watch_query(q: str | None, status: WatchFilter) -> Select[Any]:
    query = select(Watch)
    if q:
        if not usable(q):
            raise QueryError("the name filter holds characters no watch name has")
        query = query.where(Watch.name.contains(q.lower(), autoescape=True))
    if status == "failing":
        query = query.where(Watch.consecutive_failures > 0)
    elif status == "ok":
        query = query.where(Watch.consecutive_failures == 0, _has_check())
    elif status == "never":
        query = query.where(~_has_check())
    elif status != "all":
        raise QueryError(f"unknown status filter {status!r}")
    return query


def watch_page(
    store: Store,
    *,
    q: str | None = None,
    status: WatchFilter = "all",
    cursor: str | None = None,
    limit: int = 50,
) -> Page[WatchStatus]:
    """Watches by name with their status; ``q`` filters names, ``status`` their health."""
    after = decode_cursor(cursor, str)
    query = _watch_query(q, status).order_by(Watch.name).limit(_limit(limit) + 1)
    if after is not None:
        query = query.where(Watch.name > after)
    with store.session() as s:
        rows = list(s.scalars(query))
        return _page(_statuses(s, rows), limit, lambda w: w.name)


def watch_counts(store: Store) -> WatchCounts:
    """Counts for the overview's header."""
    with store.session() as s:
        total = s.scalar(select(func.count()).select_from(Watch)) or 0
        failing = s.scalar(select(func.count()).where(Watch.consecutive_failures > 0)) or 0
        never = s.scalar(select(func.count()).select_from(Watch).where(~_has_check())) or 0
    return WatchCounts(int(total), int(failing), int(never))


def _watch_row(s: Session, name: str) -> Watch:
    row = s.scalar(select(Watch).where(Watch.name == name)) if usable(name) else None
    if row is None:
        raise UnknownWatchError(f"no watch named {name!r} in the database")
    return row


def watch_status(store: Store, name: str) -> WatchStatus:
    """One watch and its status (raises :class:`UnknownWatchError`)."""
    with store.session() as s:
        return _statuses(s, [_watch_row(s, name)])[0]


def children(store: Store, name: str) -> list[WatchStatus]:
    """The documents watch ``name`` follows (its child watches), by name, with their status."""
    with store.session() as s:
        parent = _watch_row(s, name)
        rows = list(
            s.scalars(select(Watch).where(Watch.parent_id == parent.id).order_by(Watch.name))
        )
        return _statuses(s, rows)


def _statuses(s: Session, watches: Sequence[Watch]) -> list[WatchStatus]:
    if not watches:
        return []
    ids = [w.id for w in watches]
    parent_ids = {w.parent_id for w in watches if w.parent_id}
    parents = _pairs(s.execute(select(Watch.id, Watch.name).where(Watch.id.in_(parent_ids))))
    latest = select(func.max(Check.id)).where(Check.watch_id.in_(ids)).group_by(Check.watch_id)
    checks = {
        c.watch_id: _check_info(c) for c in s.scalars(select(Check).where(Check.id.in_(latest)))
    }
    plans = _pairs(
        s.execute(
            select(WatchSchedule.watch_id, WatchSchedule.next_run_at).where(
                WatchSchedule.watch_id.in_(ids)
            )
        )
    )
    last_ids = select(func.max(ChangeRow.id)).where(ChangeRow.watch_id.in_(ids))
    changes = {
        e.watch_id: e for e in _events(s, ChangeRow.id.in_(last_ids.group_by(ChangeRow.watch_id)))
    }
    counts = {
        wid: (int(n), at)
        for wid, n, at in s.execute(
            select(Version.watch_id, func.count(), func.max(Version.created_at))
            .where(Version.watch_id.in_(ids))
            .group_by(Version.watch_id)
        )
    }
    return [
        WatchStatus(
            w.id,
            w.name,
            w.url,
            parents.get(w.parent_id) if w.parent_id else None,
            w.created_at,
            w.consecutive_failures or 0,
            checks.get(w.id),
            plans.get(w.id),
            changes.get(w.id),
            *counts.get(w.id, (0, None)),
        )
        for w in watches
    ]


# -- versions ------------------------------------------------------------------


@dataclass(frozen=True)
class VersionInfo:
    """One stored version; ``valid_to`` is when the next one replaced it."""

    id: int
    watch: str
    seq: int
    created_at: datetime
    valid_to: datetime | None
    url: str
    title: str
    content_type: str
    body_sha: str
    text_sha: str
    facts_sha: str
    watch_id: int


@dataclass(frozen=True)
class VersionDetail:
    """A version, the check that stored it, and its neighbours."""

    version: VersionInfo
    check: CheckInfo | None
    body_size: int | None
    text_size: int | None
    previous: int | None
    next: int | None
    latest: int


def _info(row: Version, watch: str, valid_to: datetime | None) -> VersionInfo:
    return VersionInfo(
        row.id,
        watch,
        row.seq,
        row.created_at,
        valid_to,
        row.url,
        row.title,
        row.content_type,
        row.body_sha,
        row.text_sha,
        row.facts_sha,
        row.watch_id,
    )


def _created_at(s: Session, watch_id: int, seq: int) -> datetime | None:
    query = select(Version.created_at).where(Version.watch_id == watch_id, Version.seq == seq)
    return s.scalar(query)


def versions_page(
    store: Store,
    name: str,
    *,
    cursor: str | None = None,
    limit: int = 50,
    newest_first: bool = True,
) -> Page[VersionInfo]:
    """The versions of watch ``name`` (newest first by default), with their validity."""
    start = decode_cursor(cursor, int)
    with store.session() as s:
        watch = _watch_row(s, name)
        query = select(Version).where(Version.watch_id == watch.id).limit(_limit(limit) + 1)
        if newest_first:
            query = query.order_by(Version.seq.desc())
            query = query.where(Version.seq < start) if start is not None else query
        else:
            query = query.order_by(Version.seq)
            query = query.where(Version.seq > start) if start is not None else query
        rows = list(s.scalars(query))
        return _page(_with_validity(s, watch, rows), limit, lambda v: v.seq)


def _with_validity(s: Session, watch: Watch, rows: list[Version]) -> list[VersionInfo]:
    by_seq = {r.seq: r.created_at for r in rows}
    out = []
    for row in rows:
        after = by_seq.get(row.seq + 1)
        if after is None and row.seq + 1 not in by_seq:
            after = _created_at(s, watch.id, row.seq + 1)
        out.append(_info(row, watch.name, after))
    return out


def all_versions(store: Store, name: str) -> list[VersionInfo]:
    """Every version of watch ``name``, oldest first, with their validity."""
    with store.session() as s:
        watch = _watch_row(s, name)
        rows = list(
            s.scalars(select(Version).where(Version.watch_id == watch.id).order_by(Version.seq))
        )
        return _with_validity(s, watch, rows)


def version_at(store: Store, name: str, at: datetime) -> VersionInfo | None:
    """The version of watch ``name`` in force at ``at`` (the last one stored by then)."""
    with store.session() as s:
        watch = _watch_row(s, name)
        row = s.scalar(
            select(Version)
            .where(Version.watch_id == watch.id, Version.created_at <= at)
            .order_by(Version.seq.desc())
            .limit(1)
        )
        return None if row is None else _with_validity(s, watch, [row])[0]


def version_detail(store: Store, name: str, seq: int | None = None) -> VersionDetail | None:
    """Version ``seq`` of watch ``name`` (the latest without ``seq``), or ``None``."""
    with store.session() as s:
        watch = _watch_row(s, name)
        latest = s.scalar(select(func.max(Version.seq)).where(Version.watch_id == watch.id))
        if latest is None:
            return None
        seq = latest if seq is None else seq
        row = s.scalar(select(Version).where(Version.watch_id == watch.id, Version.seq == seq))
        if row is None:
            return None
        check = s.scalar(
            select(Check).where(
                Check.watch_id == watch.id,
                Check.started_at == row.created_at,
                Check.version_id == row.id,
            )
        )
        sizes = _pairs(
            s.execute(
                select(Blob.sha256, Blob.size).where(Blob.sha256.in_([row.body_sha, row.text_sha]))
            )
        )
        return VersionDetail(
            _with_validity(s, watch, [row])[0],
            _check_info(check) if check else None,
            sizes.get(row.body_sha),
            sizes.get(row.text_sha),
            seq - 1 if seq > 1 else None,
            seq + 1 if seq < latest else None,
            latest,
        )


def blobs(store: Store, shas: Iterable[str]) -> dict[str, bytes]:
    """The bytes stored under each of ``shas`` (missing or damaged ones left out)."""
    wanted = list(dict.fromkeys(shas))
    out: dict[str, bytes] = {}
    with store.session() as s:
        reader = BlobReader(s)
        reader.load(wanted)
        for sha in wanted:
            found = reader.try_read(sha)
            if isinstance(found, bytes):
                out[sha] = found
    return out


def facts_of(store: Store, version: VersionInfo) -> list[IdentifiedFact]:
    """The facts of ``version``, each with its id, in document order."""
    return identify(version.watch_id, store.facts(version.id))


# -- change events ---------------------------------------------------------------


def _events(
    s: Session, *where: Any, order: Any = None, limit: int | None = None
) -> list[ChangeEvent]:
    query = select(ChangeRow, Watch.name, Watch.url).join(Watch, ChangeRow.watch_id == Watch.id)
    query = query.where(*where).order_by(order if order is not None else ChangeRow.id)
    rows = list(s.execute(query.limit(limit) if limit else query))
    ids = {r.version_after_id for r, _, _ in rows} | {r.version_before_id for r, _, _ in rows}
    ids.discard(None)
    seqs = (
        _pairs(s.execute(select(Version.id, Version.seq).where(Version.id.in_(ids)))) if ids else {}
    )
    out = []
    for row, name, url in rows:
        change = change_from_row(row)
        out.append(
            ChangeEvent(
                row.id,
                name,
                row.watch_id,
                url,
                row.check_id,
                row.detected_at,
                change,
                seqs.get(row.version_before_id) if row.version_before_id else None,
                seqs.get(row.version_after_id, 0),
                change_fact_id(row.watch_id, change),
            )
        )
    return out


@dataclass(frozen=True)
class ChangeFilter:
    """Which change events to list: one watch, one kind, a time range."""

    watch: str | None = None
    kind: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def changes_page(
    store: Store,
    filters: ChangeFilter = ChangeFilter(),
    *,
    cursor: str | None = None,
    limit: int = 50,
    newest_first: bool = False,
) -> Page[ChangeEvent]:
    """Change events matching ``filters``, oldest first (or newest first)."""
    start = decode_cursor(cursor, int)
    with store.session() as s:
        where = _change_where(s, filters)
        if start is not None:
            where.append(ChangeRow.id < start if newest_first else ChangeRow.id > start)
        order = ChangeRow.id.desc() if newest_first else ChangeRow.id
        rows = _events(s, *where, order=order, limit=_limit(limit) + 1)
        return _page(rows, limit, lambda e: e.id)


def _change_where(s: Session, filters: ChangeFilter) -> list[Any]:
    where: list[Any] = []
    if filters.watch is not None:
        where.append(ChangeRow.watch_id == _watch_row(s, filters.watch).id)
    if filters.kind is not None:
        where.append(ChangeRow.kind == filters.kind)
    if filters.since is not None:
        where.append(ChangeRow.detected_at >= filters.since)
    if filters.until is not None:
        where.append(ChangeRow.detected_at <= filters.until)
    return where


def watch_changes(store: Store, name: str, limit: int = 50) -> list[ChangeEvent]:
    """The newest ``limit`` change events of watch ``name``, newest first."""
    return changes_page(store, ChangeFilter(watch=name), limit=limit, newest_first=True).items


@dataclass(frozen=True)
class CheckChanges:
    """The change events one check found (one feed entry)."""

    check_id: int
    watch: str
    url: str
    detected_at: datetime
    version_before: int | None
    version_after: int
    events: list[ChangeEvent] = field(default_factory=list)


def checks_with_changes(
    store: Store, watch: str | None = None, limit: int = 50
) -> list[CheckChanges]:
    """The newest ``limit`` checks that found changes (all watches, or one), newest first."""
    with store.session() as s:
        where = [ChangeRow.watch_id == _watch_row(s, watch).id] if watch is not None else []
        recent = select(ChangeRow.check_id).where(*where).order_by(ChangeRow.id.desc())
        check_ids: list[int] = []
        for (check,) in s.execute(recent.limit(max(limit * 20, 200))):
            if check not in check_ids:
                check_ids.append(check)
            if len(check_ids) == limit:
                break
        events = _events(s, ChangeRow.check_id.in_(check_ids)) if check_ids else []
    grouped: dict[int, CheckChanges] = {}
    for event in events:
        entry = grouped.get(event.check_id)
        if entry is None:
            entry = CheckChanges(
                event.check_id,
                event.watch,
                event.url,
                event.detected_at,
                event.version_before,
                event.version_after,
            )
            grouped[event.check_id] = entry
        entry.events.append(event)
    return [grouped[c] for c in check_ids if c in grouped]


# -- fact history and export ---------------------------------------------------------


@dataclass(frozen=True)
class FactRow:
    """One state of one fact: from the version where it took this value until it changed."""

    fact_id: str
    watch: str
    kind: str
    subject: str
    section: str
    value: dict[str, Any]
    period: str | None
    evidence: str
    version: int
    valid_from: datetime
    valid_to: datetime | None
    version_to: int | None


@dataclass
class _Open:
    fact: Fact
    version: VersionInfo


def _row(fid: str, watch: str, state: _Open, end: VersionInfo | None) -> FactRow:
    fact, version = state.fact, state.version
    return FactRow(
        fid,
        watch,
        fact.kind,
        fact.subject,
        fact.section,
        dict(fact.value),
        fact.period,
        fact.evidence,
        version.seq,
        version.created_at,
        end.created_at if end else None,
        end.seq if end else None,
    )


def _walk(watch: str, versions: list[tuple[VersionInfo, list[IdentifiedFact]]]) -> list[FactRow]:
    """Fact rows from versions in order: a row opens when a fact appears or its value changes."""
    open_rows: dict[str, _Open] = {}
    done: list[FactRow] = []
    for version, facts in versions:
        present = {f.id: f.fact for f in facts}
        for fid in [k for k in open_rows if k not in present]:
            done.append(_row(fid, watch, open_rows.pop(fid), version))
        for fid, fact in present.items():
            current = open_rows.get(fid)
            if current and (current.fact.value, current.fact.period) == (fact.value, fact.period):
                continue
            if current:
                done.append(_row(fid, watch, current, version))
            open_rows[fid] = _Open(fact, version)
    done.extend(_row(fid, watch, state, None) for fid, state in open_rows.items())
    order = {f.id: i for _, facts in versions for i, f in enumerate(facts)}
    return sorted(done, key=lambda r: (r.version, order.get(r.fact_id, 0)))


def _history(store: Store, name: str) -> list[FactRow]:
    with store.session() as s:
        watch_id = _watch_row(s, name).id
    versions = all_versions(store, name)
    documents = blobs(store, (v.facts_sha for v in versions))
    decoded: dict[str, list[Fact]] = {}
    walked = []
    for version in versions:
        if version.facts_sha not in decoded:
            decoded[version.facts_sha] = decode_facts(documents[version.facts_sha])
        walked.append((version, identify(watch_id, decoded[version.facts_sha])))
    return _walk(name, walked)


def fact_rows(store: Store, name: str, since: datetime | None = None) -> list[FactRow]:
    """One row per fact per version where it took a new value (the export), oldest first.

    ``since`` keeps the rows of versions stored at or after that time.
    """
    rows = _history(store, name)
    return [r for r in rows if since is None or r.valid_from >= since]


@dataclass(frozen=True)
class FactHistory:
    """One fact's states across the versions of its watch."""

    fact_id: str
    watch: WatchStatus
    rows: list[FactRow]

    @property
    def latest(self) -> FactRow:
        """The newest state."""
        return self.rows[-1]


def fact_history(store: Store, fid: str) -> FactHistory | None:
    """The history of fact ``fid``, or ``None`` if no version of its watch states it."""
    watch_id = fact_watch_id(fid)
    if watch_id is None:
        return None
    with store.session() as s:
        name = s.scalar(select(Watch.name).where(Watch.id == watch_id))
    if name is None:
        return None
    rows = [r for r in _history(store, name) if r.fact_id == fid]
    return FactHistory(fid, watch_status(store, name), rows) if rows else None
