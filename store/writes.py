"""Writing one check: its row, its new version and facts, its change events, its links.

:meth:`store.repo.Store.transaction` opens a :class:`Transaction`; everything
written through it commits together or not at all. A check is written with
:meth:`Transaction.write_check`; the alert rows it causes are added with
:meth:`Transaction.add_alerts` in the same transaction. Nothing runs behind
the caller's back: no hooks, no ambient state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from model.changes import Change, change_to_dict
from model.errors import SlotTaken, UnknownWatchError
from model.timefmt import utcnow
from store import outbox, snapshots
from store.blobs import SNAPSHOT_EVERY, BlobReader, pack_against
from store.chain import chain_hash, headers_json, keep_headers
from store.cluster_models import CheckSlot
from store.facts_codec import encode_facts
from store.models import Blob, ChangeRow, Check, Version, Watch
from store.records import CheckResult, CitedLink, LastAlert, NewAlert, SavedCheck
from store.scheduler_models import FollowedLink, WatchSchedule

_INSERT_CHECK = insert(Check.__table__).returning(Check.__table__.c.id)  # type: ignore[arg-type]


def dialect_insert(s: Session) -> Any:
    """The backend's ``INSERT`` (with ``ON CONFLICT``) for the session's database."""
    return pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert


def schedule_row(s: Session, watch_id: int) -> WatchSchedule:
    """The watch's scheduling row, created when missing."""
    row = s.get(WatchSchedule, watch_id)
    if row is None:
        row = WatchSchedule(watch_id=watch_id, updated_at=utcnow())
        s.add(row)
    return row


class Transaction:
    """One database transaction of the store (see the module doc)."""

    def __init__(self, session: Session, snapshot_every: int = SNAPSHOT_EVERY) -> None:
        self.session = session
        self.snapshot_every = snapshot_every
        self._reader: BlobReader | None = None

    def write_check(self, result: CheckResult) -> SavedCheck:
        """Write one check, and its new version, facts, changes and links."""
        s = self.session
        watch = s.scalar(select(Watch).where(Watch.name == result.watch).with_for_update())
        if watch is None:
            raise UnknownWatchError(f"no watch named {result.watch!r} in the database")
        if result.slot is not None and self._slot_taken(watch.id, result.slot):
            raise SlotTaken(f"{result.watch}: the slot {result.slot} is already recorded")
        version = self._add_version(watch, result) if result.version else None
        check_id = self._add_check(watch, result, version)
        if result.slot is not None:
            self.session.add(
                CheckSlot(
                    watch_id=watch.id, slot=result.slot, check_id=check_id, recorded_at=utcnow()
                )
            )
        change_ids = self._add_changes(watch, check_id, result, version) if version else ()
        _advance_cursor(watch, result)
        if result.links is not None:
            self._write_links(watch, result.links, result.follow_sig, result.started_at)
        return SavedCheck(
            check_id,
            watch.id,
            version.id if version else None,
            version.seq if version else None,
            change_ids,
            watch.consecutive_failures or 0,
        )

    def add_alerts(self, saved: SavedCheck, alerts: Sequence[NewAlert]) -> list[int]:
        """Queue ``alerts`` as caused by the check ``saved``; their outbox row ids."""
        rows = outbox.add_rows(
            self.session, alerts, watch_id=saved.watch_id, check_id=saved.check_id
        )
        return [r.id for r in rows]

    def last_alert(self, watch_id: int, kinds: Sequence[str]) -> LastAlert | None:
        """The watch's latest alert of one of ``kinds``."""
        return outbox.last_alert(self.session, watch_id, kinds)

    def _slot_taken(self, watch_id: int, slot: datetime) -> bool:
        """Whether a check of this slot is recorded (read under the watch's row lock)."""
        query = select(CheckSlot.id).where(CheckSlot.watch_id == watch_id, CheckSlot.slot == slot)
        return self.session.scalar(query) is not None

    def _add_check(self, watch: Watch, result: CheckResult, version: Version | None) -> int:
        values = {
            "watch_id": watch.id,
            "started_at": result.started_at,
            "duration": result.duration,
            "status": result.status,
            "outcome": result.outcome,
            "reason": result.reason,
            "error": result.error,
            "body_sha": result.body_sha,
            "version_id": version.id if version else None,
            "origin": result.origin,
            "worker": result.worker,
        }
        return int(self.session.execute(_INSERT_CHECK, values).scalar_one())

    def _add_version(self, watch: Watch, result: CheckResult) -> Version:
        """The new version, chained to the watch's latest (read under the watch's row lock)."""
        new = result.version
        assert new is not None
        last = self.session.execute(
            select(
                Version.seq, Version.chain_sha, Version.body_sha, Version.text_sha,
                Version.facts_sha,
            )
            .where(Version.watch_id == watch.id)
            .order_by(Version.seq.desc())
            .limit(1)
        ).first()  # fmt: skip
        last_seq, prev = (last[0], last[1]) if last else (0, None)
        bases = (last[2], last[3], last[4]) if last else (None, None, None)
        body_sha, text_sha, facts_sha = self.put_blobs(
            [
                (new.body, bases[0]),
                (new.text.encode("utf-8"), bases[1]),
                (encode_facts(new.facts, new.blocks, new.region), bases[2]),
            ]
        )
        headers = None if new.headers is None else keep_headers(new.headers)
        version = Version(
            watch_id=watch.id,
            seq=last_seq + 1,
            created_at=result.started_at,
            body_sha=body_sha,
            text_sha=text_sha,
            facts_sha=facts_sha,
            url=new.url,
            content_type=new.content_type,
            title=new.title,
            status=new.status,
            headers=headers_json(headers),
            chain_prev=prev,
            chain_sha=chain_hash(prev, body_sha, new.url, result.started_at, new.status, headers),
        )
        self.session.add(version)
        self.session.flush()
        return version

    def put_blob(self, data: bytes, base: str | None = None) -> str:
        """Store ``data`` once under its SHA-256 (as a delta against blob ``base``
        when that pays, see :mod:`store.blobs`); the address."""
        return self.put_blobs([(data, base)])[0]

    def put_blobs(self, items: Sequence[tuple[bytes, str | None]]) -> list[str]:
        """Store each ``(data, base)`` as :meth:`put_blob` does; the addresses in order.

        Blobs already stored are neither compressed again nor rewritten.
        """
        shas = [snapshots.digest(data) for data, _ in items]
        stored = set(self.session.scalars(select(Blob.sha256).where(Blob.sha256.in_(shas))))
        for sha, (data, base) in zip(shas, items, strict=True):
            if sha in stored:
                continue
            stored.add(sha)
            self._insert_blob(sha, data, None if base == sha else base)
        return shas

    def _insert_blob(self, sha: str, data: bytes, base: str | None) -> None:
        if self._reader is None:
            self._reader = BlobReader(self.session, keep=4)
        packed = pack_against(self._reader, data, base, self.snapshot_every)
        values = {
            "sha256": sha,
            "size": len(data),
            "data": packed.data,
            "base_sha": packed.base,
            "depth": packed.depth,
            "created_at": utcnow(),
        }
        statement = dialect_insert(self.session)(Blob).values(**values)
        self.session.execute(statement.on_conflict_do_nothing(index_elements=["sha256"]))

    def _add_changes(
        self, watch: Watch, check_id: int, result: CheckResult, version: Version
    ) -> tuple[int, ...]:
        if not result.changes:
            return ()
        before = self.session.scalar(
            select(Version.id).where(Version.watch_id == watch.id, Version.seq == version.seq - 1)
        )
        rows = [
            _change_row(c, watch.id, check_id, before, version.id, result.started_at, result.origin)
            for c in result.changes
        ]
        self.session.add_all(rows)
        self.session.flush()
        return tuple(r.id for r in rows)

    def _write_links(
        self, watch: Watch, links: Sequence[CitedLink], sig: str | None, now: datetime
    ) -> None:
        s = self.session
        current = {link.url: link for link in links}
        stored = s.scalars(select(FollowedLink).where(FollowedLink.parent_id == watch.id))
        rows = {r.url: r for r in stored}
        for url, row in rows.items():
            row.active = url in current
            if row.active:
                row.text, row.child_name, row.last_seen_at = (
                    current[url].text,
                    current[url].child,
                    now,
                )
        for url, link in current.items():
            if url not in rows:
                s.add(_link_row(watch.id, link, now))
        schedule = schedule_row(s, watch.id)
        schedule.follow_sig, schedule.updated_at = sig, utcnow()


def _advance_cursor(watch: Watch, result: CheckResult) -> None:
    if result.outcome == "failed":
        watch.consecutive_failures = (watch.consecutive_failures or 0) + 1
        return
    watch.consecutive_failures = 0
    if result.body_sha:
        watch.last_body_sha = result.body_sha
    # a new version replaces the validators, even with none: old ones would
    # make the server answer 304 for a body that is no longer the current one
    if result.version is not None or result.etag is not None or result.last_modified is not None:
        watch.etag, watch.last_modified = result.etag, result.last_modified


def _link_row(parent_id: int, link: CitedLink, now: datetime) -> FollowedLink:
    return FollowedLink(
        parent_id=parent_id,
        url=link.url,
        text=link.text,
        child_name=link.child,
        active=True,
        first_seen_at=now,
        last_seen_at=now,
    )


def _change_row(
    change: Change,
    watch_id: int,
    check_id: int,
    before_id: int | None,
    after_id: int,
    at: datetime,
    origin: str,
) -> ChangeRow:
    return ChangeRow(
        **change_to_dict(change),
        origin=origin,
        watch_id=watch_id,
        check_id=check_id,
        version_before_id=before_id,
        version_after_id=after_id,
        detected_at=at,
    )
