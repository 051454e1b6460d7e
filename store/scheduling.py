"""Store access for the scheduler: the lease, per-watch plans, misfires, followed links.

The lease is one row renewed with a conditional ``UPDATE`` (atomic on SQLite
and PostgreSQL alike): a holder renews its own row; anyone may take a row
whose ``expires_at`` has passed. Followed links are written with the check
that saw them (:meth:`store.writes.Transaction.write_check`) and read here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from model.timefmt import utcnow
from store.models import ChangeRow, Watch
from store.records import CitedLink
from store.repo import Store
from store.scheduler_models import (
    LEASE_NAME,
    FollowedLink,
    Misfire,
    SchedulerLease,
    WatchSchedule,
)
from store.writes import dialect_insert, schedule_row


@dataclass(frozen=True)
class LeaseInfo:
    """The lease row as last written."""

    holder: str | None
    acquired_at: datetime | None
    heartbeat_at: datetime | None
    expires_at: datetime | None


def try_lease(store: Store, holder: str, ttl: float, now: datetime | None = None) -> bool:
    """Renew ``holder``'s lease, or take an expired one; True when ``holder`` holds it."""
    now = now or utcnow()
    expires = now + timedelta(seconds=ttl)
    with store.session() as s:
        blank = dialect_insert(s)(SchedulerLease).values(name=LEASE_NAME)
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


def _watch_id(s: Session, name: str) -> int | None:
    return s.scalar(select(Watch.id).where(Watch.name == name))


def set_next_run(store: Store, names: Sequence[str], at: datetime | None) -> None:
    """Record the next planned run of the watches ``names``."""
    with store.session() as s:
        for name in names:
            watch_id = _watch_id(s, name)
            if watch_id is not None:
                row = schedule_row(s, watch_id)
                row.next_run_at, row.updated_at = at, utcnow()


def set_retry_after(store: Store, name: str, until: datetime) -> None:
    """Record that the server of watch ``name`` asked us to wait until ``until``."""
    with store.session() as s:
        watch_id = _watch_id(s, name)
        if watch_id is not None:
            row = schedule_row(s, watch_id)
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


def followed(store: Store, parent: str) -> tuple[str | None, list[CitedLink]]:
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
        links = [CitedLink(r.url, r.text, r.child_name) for r in s.scalars(query)]
        return (schedule.follow_sig if schedule else None), links


def last_changes(store: Store) -> dict[int, ChangeRow]:
    """The latest change event of every watch, by watch id."""
    with store.session() as s:
        latest = select(func.max(ChangeRow.id)).group_by(ChangeRow.watch_id).scalar_subquery()
        return {c.watch_id: c for c in s.scalars(select(ChangeRow).where(ChangeRow.id.in_(latest)))}
