"""Store access for the scheduler: the lease, per-watch plans, misfires, followed links.

The lease is one row renewed with a conditional ``UPDATE`` (atomic on SQLite
and PostgreSQL alike): a holder renews its own row; anyone may take a row
whose ``expires_at`` has passed. Followed links are written by
:func:`write_links`, a :attr:`store.repo.Store.on_record` hook, in the same
transaction as the check that saw them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from store.models import ChangeRow, Watch
from store.repo import CheckRecord, SavedCheck, Store, utcnow
from store.scheduler_models import (
    LEASE_NAME,
    FollowedLink,
    Misfire,
    SchedulerLease,
    WatchSchedule,
)


@dataclass(frozen=True)
class LeaseInfo:
    """The lease row as last written."""

    holder: str | None
    acquired_at: datetime | None
    heartbeat_at: datetime | None
    expires_at: datetime | None


@dataclass(frozen=True)
class LinkRow:
    """A link a page cites, as stored: URL, text and the child watch's name."""

    url: str
    text: str
    child_name: str


def _insert(s: Session) -> Any:
    return pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert


def try_lease(store: Store, holder: str, ttl: float, now: datetime | None = None) -> bool:
    """Renew ``holder``'s lease, or take an expired one; True when ``holder`` holds it."""
    now = now or utcnow()
    expires = now + timedelta(seconds=ttl)
    with store.session() as s:
        blank = _insert(s)(SchedulerLease).values(name=LEASE_NAME)
        s.execute(blank.on_conflict_do_nothing(index_elements=["name"]))
        row = SchedulerLease.name == LEASE_NAME
        renewed = s.execute(
            update(SchedulerLease)
            .where(row, SchedulerLease.holder == holder, SchedulerLease.expires_at >= now)
            .values(heartbeat_at=now, expires_at=expires)
        )
        if renewed.rowcount == 1:  # type: ignore[attr-defined]
            return True
        free = or_(SchedulerLease.holder.is_(None), SchedulerLease.expires_at < now)
        taken = s.execute(
            update(SchedulerLease)
            .where(row, free)
            .values(holder=holder, acquired_at=now, heartbeat_at=now, expires_at=expires)
        )
        return bool(taken.rowcount == 1)  # type: ignore[attr-defined]


def release_lease(store: Store, holder: str) -> None:
    """Give the lease up now, so a waiting scheduler takes over at once."""
    with store.session() as s:
        s.execute(
            update(SchedulerLease)
            .where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
            .values(holder=None, expires_at=utcnow())
        )


def lease_info(store: Store) -> LeaseInfo | None:
    """The lease row, or ``None`` if no scheduler ever ran on this database."""
    with store.session() as s:
        row = s.get(SchedulerLease, LEASE_NAME)
        if row is None:
            return None
        return LeaseInfo(row.holder, row.acquired_at, row.heartbeat_at, row.expires_at)


def _schedule_row(s: Session, watch_id: int) -> WatchSchedule:
    row = s.get(WatchSchedule, watch_id)
    if row is None:
        row = WatchSchedule(watch_id=watch_id, updated_at=utcnow())
        s.add(row)
    return row


def _watch_id(s: Session, name: str) -> int | None:
    return s.scalar(select(Watch.id).where(Watch.name == name))


def set_next_run(store: Store, names: Sequence[str], at: datetime | None) -> None:
    """Record the next planned run of the watches ``names``."""
    with store.session() as s:
        for name in names:
            watch_id = _watch_id(s, name)
            if watch_id is not None:
                row = _schedule_row(s, watch_id)
                row.next_run_at, row.updated_at = at, utcnow()


def set_retry_after(store: Store, name: str, until: datetime) -> None:
    """Record that the server of watch ``name`` asked us to wait until ``until``."""
    with store.session() as s:
        watch_id = _watch_id(s, name)
        if watch_id is not None:
            row = _schedule_row(s, watch_id)
            row.retry_after_until, row.updated_at = until, utcnow()


def schedules(store: Store) -> dict[str, WatchSchedule]:
    """Every watch's schedule row, by watch name."""
    with store.session() as s:
        query = select(Watch.name, WatchSchedule).join(
            WatchSchedule, WatchSchedule.watch_id == Watch.id
        )
        return {name: row for name, row in s.execute(query)}


def record_misfire(store: Store, name: str, due: datetime, missed: int) -> None:
    """Record that watch ``name`` was due at ``due`` and ``missed`` runs were coalesced."""
    with store.session() as s:
        watch_id = _watch_id(s, name)
        if watch_id is not None:
            s.add(Misfire(watch_id=watch_id, due_at=due, detected_at=utcnow(), missed=missed))


def misfire_counts(store: Store) -> dict[str, int]:
    """How many misfires each watch has had, by watch name."""
    with store.session() as s:
        query = (
            select(Watch.name, func.count(Misfire.id))
            .join(Misfire, Misfire.watch_id == Watch.id)
            .group_by(Watch.name)
        )
        return {name: int(n) for name, n in s.execute(query)}


def misfires(store: Store, name: str) -> list[Misfire]:
    """The misfires of watch ``name``, oldest first."""
    with store.session() as s:
        watch_id = _watch_id(s, name)
        query = select(Misfire).where(Misfire.watch_id == watch_id).order_by(Misfire.id)
        return list(s.scalars(query))


def followed(store: Store, parent: str) -> tuple[str | None, list[LinkRow]]:
    """The follow-rule fingerprint and the links watch ``parent`` cites now."""
    with store.session() as s:
        watch_id = _watch_id(s, parent)
        if watch_id is None:
            return None, []
        schedule = s.get(WatchSchedule, watch_id)
        query = (
            select(FollowedLink)
            .where(FollowedLink.parent_id == watch_id, FollowedLink.active.is_(True))
            .order_by(FollowedLink.id)
        )
        links = [LinkRow(r.url, r.text, r.child_name) for r in s.scalars(query)]
        return (schedule.follow_sig if schedule else None), links


def write_links(s: Session, watch: Watch, record: CheckRecord, _saved: SavedCheck) -> None:
    """``on_record`` hook: store the links a check saw (``record.links``) atomically."""
    if record.links is None:
        return
    now = record.started_at
    current = {url: (text, child) for url, text, child in record.links}
    rows = {
        r.url: r for r in s.scalars(select(FollowedLink).where(FollowedLink.parent_id == watch.id))
    }
    for url, row in rows.items():
        row.active = url in current
        if row.active:
            row.text, row.child_name, row.last_seen_at = *current[url], now
    for url, (text, child) in current.items():
        if url not in rows:
            s.add(
                FollowedLink(
                    parent_id=watch.id,
                    url=url,
                    text=text,
                    child_name=child,
                    active=True,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
    schedule = _schedule_row(s, watch.id)
    schedule.follow_sig, schedule.updated_at = record.follow_sig, utcnow()


def install(store: Store) -> None:
    """Register :func:`write_links` on ``store`` (once)."""
    if write_links not in store.on_record:
        store.on_record.append(write_links)


def last_changes(store: Store) -> dict[int, ChangeRow]:
    """The latest change event of every watch, by watch id."""
    with store.session() as s:
        latest = select(func.max(ChangeRow.id)).group_by(ChangeRow.watch_id).scalar_subquery()
        return {c.watch_id: c for c in s.scalars(select(ChangeRow).where(ChangeRow.id.in_(latest)))}
