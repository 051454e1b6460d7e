"""The store's API: everything the rest of factwatch reads or writes.

A :class:`Store` wraps one database. Writes of one check happen in one
transaction (:meth:`Store.transaction`, see :mod:`store.writes`), so a crash
leaves either the whole check (its version, facts, change events, links and
alert rows) or nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from model.changes import CHANGE_FIELDS, Change, change_from_dict
from model.errors import StoreError, UnknownWatchError
from model.facts import Fact
from model.timefmt import utcnow
from store.blobs import SNAPSHOT_EVERY, BlobReader
from store.cluster_models import CheckSlot  # noqa: F401 - registers the cluster tables
from store.db import ensure_schema, open_engine
from store.facts_codec import StoredFacts, decode_stored
from store.findings_models import FindingRow  # noqa: F401 - registers the findings table
from store.models import ChangeRow, Check, Version, Watch
from store.records import CheckResult, SavedCheck, WatchState

if TYPE_CHECKING:
    from store.writes import Transaction

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


@dataclass
class Store:
    """One factwatch database (SQLite or PostgreSQL)."""

    engine: Engine
    snapshot_every: int = SNAPSHOT_EVERY
    sessions: sessionmaker[Session] = field(init=False)

    def __post_init__(self) -> None:
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, *, migrate: bool = True, snapshot_every: int = SNAPSHOT_EVERY) -> Store:
        """Open the database at ``url``, migrating it to the newest schema.

        ``snapshot_every`` bounds the chain of deltas a new blob may join
        (``store.snapshot_every``, see :mod:`store.blobs`).
        """
        engine = open_engine(url)
        if migrate:
            try:
                ensure_schema(engine)
            except SQLAlchemyError as exc:
                raise StoreError(f"cannot migrate database: {exc}") from exc
        return cls(engine, snapshot_every)

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

    # -- writing ------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """One transaction to write a check and what it causes (see :mod:`store.writes`)."""
        with self.session() as s:
            from store.writes import Transaction  # loaded by the commands that write

            yield Transaction(s, self.snapshot_every)

    def write_check(self, result: CheckResult) -> SavedCheck:
        """Write one check (and its version, facts, changes, links) in its own transaction."""
        with self.transaction() as tx:
            return tx.write_check(result)

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
        return self.stored_facts(version_id).facts

    def stored_facts(self, version_id: int) -> StoredFacts:
        """The facts of a version and the blocks they were found in (when stored)."""
        with self.session() as s:
            sha = s.scalar(select(Version.facts_sha).where(Version.id == version_id))
        if sha is None:
            raise StoreError(f"no version with id {version_id}")
        return decode_stored(self.blob(sha))

    def blob(self, sha: str) -> bytes:
        """The bytes stored under ``sha``, their hash checked (a missing or
        damaged blob raises :class:`~store.blobs.BlobFaultError`)."""
        with self.session() as s:
            return BlobReader(s).read(sha)

    def blobs(self, shas: Sequence[str]) -> dict[str, bytes]:
        """The bytes stored under each of ``shas``, as :meth:`blob` reads them."""
        with self.session() as s:
            return BlobReader(s).read_many(shas)

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


def change_from_row(row: ChangeRow) -> Change:
    """The :class:`~model.changes.Change` a stored row holds."""
    return change_from_dict({name: getattr(row, name) for name in CHANGE_FIELDS})
