"""The store's API: everything the rest of factwatch reads or writes.

A :class:`Store` wraps one database. Writes of one check happen in one
transaction (:meth:`Store.record_check`), so a crash leaves either the whole
check (its version, facts, change events) or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from alerts.diff import Change
from monitor.errors import StoreError, UnknownWatchError
from parsers.model import Fact
from store import snapshots
from store.db import open_engine, upgrade
from store.models import Blob, ChangeRow, Check, Version, Watch


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class NewVersion:
    """The content of a version about to be stored."""

    body: bytes
    text: str
    url: str
    content_type: str
    title: str
    facts: Sequence[Fact]


@dataclass(frozen=True)
class CheckRecord:
    """Everything one check wants written, committed atomically."""

    watch: str
    started_at: datetime
    duration: float
    outcome: str
    status: int | None = None
    reason: str | None = None
    error: str | None = None
    body_sha: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    version: NewVersion | None = None
    changes: Sequence[Change] = ()
    # The (url, text, child watch name) links a ``follow`` rule picked from the page,
    # when they were (re)computed, and the fingerprint of those rules.
    links: Sequence[tuple[str, str, str]] | None = None
    follow_sig: str | None = None


@dataclass(frozen=True)
class SavedCheck:
    """Ids of what :meth:`Store.record_check` wrote."""

    check_id: int
    version_id: int | None
    version_seq: int | None
    change_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class WatchState:
    """What a check needs to know about a watch before fetching it."""

    watch_id: int
    last_body_sha: str | None
    etag: str | None
    last_modified: str | None
    version_id: int | None
    version_seq: int | None
    text_sha: str | None
    consecutive_failures: int = 0


_INSERT_CHECK = insert(Check.__table__).returning(Check.__table__.c.id)  # type: ignore[arg-type]
WatchSpec = tuple[str, str, str | None]
"""A watch as configured: ``(name, url, parent name or None)``."""
CHUNK = 500


def _in_chunks(s: Session, model: Any, column: Any, values: Sequence[Any]) -> list[Any]:
    """Rows of ``model`` whose ``column`` is in ``values``, queried in chunks."""
    unique = list(dict.fromkeys(values))
    found: list[Any] = []
    for start in range(0, len(unique), CHUNK):
        found += s.scalars(select(model).where(column.in_(unique[start : start + CHUNK])))
    return found


def _state(watch: Watch, current: Version | None) -> WatchState:
    return WatchState(
        watch.id,
        watch.last_body_sha,
        watch.etag,
        watch.last_modified,
        current.id if current else None,
        current.seq if current else None,
        current.text_sha if current else None,
        watch.consecutive_failures,
    )


Hook = Callable[[Session, Watch, CheckRecord, "SavedCheck"], None]


@dataclass
class Store:
    """One factwatch database (SQLite or PostgreSQL)."""

    engine: Engine
    sessions: sessionmaker[Session] = field(init=False)
    on_record: list[Hook] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True) -> Store:
        """Open the database at ``url``, migrating it to the newest schema."""
        engine = open_engine(url)
        if migrate:
            try:
                upgrade(engine)
            except SQLAlchemyError as exc:
                raise StoreError(f"cannot migrate database: {exc}") from exc
        return cls(engine)

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction, committed on success, rolled back on error."""
        with self.sessions() as session:
            try:
                with session.begin():
                    yield session
            except SQLAlchemyError as exc:
                raise StoreError(f"database error: {exc}") from exc

    # -- watches ---------------------------------------------------------

    def ensure_watch(self, name: str, url: str, parent: str | None = None) -> int:
        """The id of watch ``name``, created (or its URL updated) as configured."""
        return self.open_watches([(name, url, parent)])[name].watch_id

    def open_watches(self, specs: Sequence[WatchSpec]) -> dict[str, WatchState]:
        """Create or update the watches ``(name, url, parent)`` in one transaction.

        Returns each watch's state for its next check (one query for all of
        them, so a pass over thousands of watches does not pay per watch).
        """
        with self.session() as s:
            names = [name for name, _, _ in specs]
            parents = {p for _, _, p in specs if p}
            rows = {w.name: w for w in _in_chunks(s, Watch, Watch.name, [*names, *parents])}
            for name, url, parent in specs:
                if parent and parent not in rows:
                    raise UnknownWatchError(f"no watch named {parent!r} in the database")
                self._sync_watch(s, rows, name, url, rows[parent].id if parent else None)
            s.flush()
            states: dict[str, WatchState] = {}
            for start in range(0, len(names), CHUNK):
                states |= self._states(s, [rows[n] for n in names[start : start + CHUNK]])
            return states

    def _sync_watch(
        self, s: Session, rows: dict[str, Watch], name: str, url: str, parent_id: int | None
    ) -> None:
        watch = rows.get(name)
        if watch is None:
            watch = Watch(name=name, url=url, parent_id=parent_id, created_at=utcnow())
            watch.consecutive_failures = 0
            s.add(watch)
            rows[name] = watch
        elif watch.url != url or watch.parent_id != parent_id:
            watch.url, watch.parent_id = url, parent_id

    def _states(self, s: Session, watches: Sequence[Watch]) -> dict[str, WatchState]:
        ids = [w.id for w in watches]
        latest = (
            select(Version.watch_id, func.max(Version.seq).label("seq"))
            .where(Version.watch_id.in_(ids))
            .group_by(Version.watch_id)
            .subquery()
        )
        query = select(Version).join(
            latest, (Version.watch_id == latest.c.watch_id) & (Version.seq == latest.c.seq)
        )
        current = {v.watch_id: v for v in s.scalars(query)} if ids else {}
        return {w.name: _state(w, current.get(w.id)) for w in watches}

    def _watch_id(self, s: Session, name: str) -> int:
        found = s.scalar(select(Watch.id).where(Watch.name == name))
        if found is None:
            raise UnknownWatchError(f"no watch named {name!r} in the database")
        return found

    def watches(self) -> list[Watch]:
        """All stored watches, by name."""
        with self.session() as s:
            return list(s.scalars(select(Watch).order_by(Watch.name)))

    def watch(self, name: str) -> Watch:
        """The stored watch ``name`` (raises :class:`UnknownWatchError`)."""
        with self.session() as s:
            found = s.scalar(select(Watch).where(Watch.name == name))
            if found is None:
                raise UnknownWatchError(f"no watch named {name!r} in the database")
            return found

    def state(self, name: str) -> WatchState:
        """The watch's cursor and its current version, for the next check."""
        with self.session() as s:
            watch = s.scalar(select(Watch).where(Watch.name == name))
            if watch is None:
                raise UnknownWatchError(f"no watch named {name!r} in the database")
            return self._states(s, [watch])[name]

    # -- writing a check ---------------------------------------------------

    def record_check(self, record: CheckRecord) -> SavedCheck:
        """Write one check, and its new version, facts and changes, atomically."""
        with self.session() as s:
            watch = s.scalar(select(Watch).where(Watch.name == record.watch).with_for_update())
            if watch is None:
                raise UnknownWatchError(f"no watch named {record.watch!r} in the database")
            version = self._add_version(s, watch, record) if record.version else None
            check_id = self._add_check(s, watch, record, version)
            change_ids = self._add_changes(s, watch, check_id, record, version)
            self._advance_cursor(watch, record)
            saved = SavedCheck(
                check_id,
                version.id if version else None,
                version.seq if version else None,
                change_ids,
            )
            for hook in self.on_record:
                hook(s, watch, record, saved)
            return saved

    def _advance_cursor(self, watch: Watch, record: CheckRecord) -> None:
        if record.outcome == "failed":
            watch.consecutive_failures = (watch.consecutive_failures or 0) + 1
            return
        watch.consecutive_failures = 0
        if record.body_sha:
            watch.last_body_sha = record.body_sha
        if record.etag is not None or record.last_modified is not None:
            watch.etag, watch.last_modified = record.etag, record.last_modified

    def _add_check(
        self, s: Session, watch: Watch, record: CheckRecord, version: Version | None
    ) -> int:
        values = {
            "watch_id": watch.id,
            "started_at": record.started_at,
            "duration": record.duration,
            "status": record.status,
            "outcome": record.outcome,
            "reason": record.reason,
            "error": record.error,
            "body_sha": record.body_sha,
            "version_id": version.id if version else None,
        }
        return int(s.execute(_INSERT_CHECK, values).scalar_one())

    def _add_version(self, s: Session, watch: Watch, record: CheckRecord) -> Version:
        new = record.version
        assert new is not None
        body_sha = self._put_blob(s, new.body)
        text_sha = self._put_blob(s, new.text.encode("utf-8"))
        facts_sha = self._put_blob(s, encode_facts(new.facts))
        last = self._latest_version(s, watch.id)
        version = Version(
            watch_id=watch.id,
            seq=(last.seq + 1) if last else 1,
            created_at=record.started_at,
            body_sha=body_sha,
            text_sha=text_sha,
            facts_sha=facts_sha,
            url=new.url,
            content_type=new.content_type,
            title=new.title,
        )
        s.add(version)
        s.flush()
        return version

    def _put_blob(self, s: Session, data: bytes) -> str:
        sha = snapshots.digest(data)
        values = {
            "sha256": sha,
            "size": len(data),
            "data": snapshots.pack(data),
            "created_at": utcnow(),
        }
        insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
        s.execute(insert(Blob).values(**values).on_conflict_do_nothing(index_elements=["sha256"]))
        return sha

    def _add_changes(
        self,
        s: Session,
        watch: Watch,
        check_id: int,
        record: CheckRecord,
        version: Version | None,
    ) -> tuple[int, ...]:
        changes = record.changes
        if not changes or version is None:
            return ()
        before = s.scalar(
            select(Version.id).where(Version.watch_id == watch.id, Version.seq == version.seq - 1)
        )
        rows = [
            _change_row(c, watch.id, check_id, before, version.id, record.started_at)
            for c in changes
        ]
        s.add_all(rows)
        s.flush()
        return tuple(r.id for r in rows)

    @staticmethod
    def _latest_version(s: Session, watch_id: int) -> Version | None:
        return s.scalar(
            select(Version)
            .where(Version.watch_id == watch_id)
            .order_by(Version.seq.desc())
            .limit(1)
        )

    # -- reading -------------------------------------------------------------

    def versions(self, name: str) -> list[Version]:
        """Every version of watch ``name``, oldest first."""
        with self.session() as s:
            watch_id = self._watch_id(s, name)
            return list(
                s.scalars(select(Version).where(Version.watch_id == watch_id).order_by(Version.seq))
            )

    def version(
        self, name: str, seq: int | None = None, at: datetime | None = None
    ) -> Version | None:
        """Version ``seq`` of a watch, or the one current at time ``at``, or the latest."""
        with self.session() as s:
            query = select(Version).where(Version.watch_id == self._watch_id(s, name))
            if seq is not None:
                return s.scalar(query.where(Version.seq == seq))
            if at is not None:
                query = query.where(Version.created_at <= at)
            return s.scalar(query.order_by(Version.seq.desc()).limit(1))

    def facts(self, version_id: int) -> list[Fact]:
        """The facts of a version, in document order."""
        with self.session() as s:
            sha = s.scalar(select(Version.facts_sha).where(Version.id == version_id))
        if sha is None:
            raise StoreError(f"no version with id {version_id}")
        return decode_facts(self.blob(sha))

    def blob(self, sha: str) -> bytes:
        """The bytes stored under ``sha``."""
        with self.session() as s:
            data = s.scalar(select(Blob.data).where(Blob.sha256 == sha))
            if data is None:
                raise StoreError(f"missing blob {sha}")
            return snapshots.unpack(data)

    def text(self, version: Version) -> str:
        """The clean text of a version, as it was extracted then."""
        return self.blob(version.text_sha).decode("utf-8")

    def changes(
        self, watch: str | None = None, since: datetime | None = None, limit: int | None = None
    ) -> list[tuple[ChangeRow, Watch]]:
        """Change events (with their watch), oldest first."""
        with self.session() as s:
            query = select(ChangeRow, Watch).join(Watch, ChangeRow.watch_id == Watch.id)
            if watch is not None:
                query = query.where(ChangeRow.watch_id == self._watch_id(s, watch))
            if since is not None:
                query = query.where(ChangeRow.detected_at >= since)
            query = query.order_by(ChangeRow.id)
            rows = [(c, w) for c, w in s.execute(query)]
            return rows[-limit:] if limit else rows

    def recent_changes(self, name: str, since: datetime) -> list[Change]:
        """The watch's change events detected at or after ``since``, oldest first."""
        return [change_from_row(row) for row, _ in self.changes(watch=name, since=since)]

    def version_seqs(self, ids: Sequence[int | None]) -> dict[int, int]:
        """Map version ids to their per-watch ``seq`` numbers."""
        wanted = {i for i in ids if i is not None}
        if not wanted:
            return {}
        with self.session() as s:
            rows = s.execute(select(Version.id, Version.seq).where(Version.id.in_(wanted)))
            return {vid: seq for vid, seq in rows}

    def checks(self, name: str, limit: int | None = None) -> list[Check]:
        """The watch's check attempts, newest first."""
        with self.session() as s:
            query = (
                select(Check)
                .where(Check.watch_id == self._watch_id(s, name))
                .order_by(Check.id.desc())
            )
            return list(s.scalars(query.limit(limit) if limit else query))

    def last_checks(self) -> dict[int, Check]:
        """The latest check of every watch, by watch id."""
        with self.session() as s:
            latest = select(func.max(Check.id)).group_by(Check.watch_id).scalar_subquery()
            return {c.watch_id: c for c in s.scalars(select(Check).where(Check.id.in_(latest)))}

    def version_counts(self) -> dict[int, int]:
        """How many versions each watch has, by watch id."""
        with self.session() as s:
            rows = s.execute(select(Version.watch_id, func.count()).group_by(Version.watch_id))
            return {wid: n for wid, n in rows}


FACT_FIELDS = ("kind", "subject", "section", "value", "evidence", "period", "rule")


def encode_facts(facts: Sequence[Fact]) -> bytes:
    """The stored form of a version's facts: a compact, canonical JSON document."""
    rows = [{name: getattr(f, name) for name in FACT_FIELDS} for f in facts]
    document = {"format": 1, "facts": rows}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def decode_facts(data: bytes) -> list[Fact]:
    """The facts a stored document holds (see :func:`encode_facts`)."""
    document = json.loads(data)
    if document.get("format") != 1:
        raise StoreError(f"unknown facts document format {document.get('format')!r}")
    return [Fact(**{name: row.get(name) for name in FACT_FIELDS}) for row in document["facts"]]


def _change_row(
    change: Change, watch_id: int, check_id: int, before_id: int | None, after_id: int, at: datetime
) -> ChangeRow:
    return ChangeRow(
        watch_id=watch_id,
        check_id=check_id,
        version_before_id=before_id,
        version_after_id=after_id,
        detected_at=at,
        kind=change.kind,
        change=change.change,
        subject=change.subject,
        section=change.section,
        before=change.before,
        after=change.after,
        added=list(change.added),
        removed=list(change.removed),
        evidence_before=change.evidence_before,
        evidence_after=change.evidence_after,
        period_before=change.period_before,
        period_after=change.period_after,
        note=change.note,
    )


def change_from_row(row: ChangeRow) -> Change:
    """The :class:`alerts.diff.Change` a stored row holds."""
    return Change(
        kind=row.kind,
        change=row.change,
        subject=row.subject,
        section=row.section,
        before=row.before,
        after=row.after,
        added=tuple(row.added or ()),
        removed=tuple(row.removed or ()),
        evidence_before=row.evidence_before,
        evidence_after=row.evidence_after,
        period_before=row.period_before,
        period_after=row.period_after,
        note=row.note,
    )
