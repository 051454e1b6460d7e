"""The alert outbox's SQL: adding rows, claiming, marking, requeueing, counting.

One row is one message to one channel. Rows are added in the transaction of
the check that causes them (:meth:`store.writes.Transaction.add_alerts`).
A deliverer claims due rows (a token and a lease: an ``UPDATE`` of due,
unleased rows, with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL), so two
deliverers never hold the same row; it marks a row ``sent`` only after the
server accepted it, or schedules a retry, or moves it to ``dead``. The
policy (when to retry, pacing) lives in :mod:`alerts.policy`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from model.timefmt import utcnow
from store.outbox_models import OutboxRow
from store.records import LastAlert, NewAlert

if TYPE_CHECKING:
    from store.repo import Store

PENDING, SENT, DEAD = "pending", "sent", "dead"
STATUSES = (PENDING, SENT, DEAD)


def new_key() -> str:
    """A fresh idempotency key for one outbox row."""
    return f"fw-{uuid.uuid4().hex}"


def add_rows(
    s: Session,
    alerts: Sequence[NewAlert],
    *,
    watch_id: int | None = None,
    check_id: int | None = None,
) -> list[OutboxRow]:
    """Add pending rows to the session's transaction."""
    now = utcnow()
    rows = [
        OutboxRow(
            key=new_key(),
            channel=alert.channel,
            kind=alert.kind,
            watch_id=watch_id,
            check_id=check_id,
            payload=alert.payload,
            status=PENDING,
            attempts=0,
            created_at=now,
            next_attempt_at=now,
        )
        for alert in alerts
    ]
    s.add_all(rows)
    s.flush()
    return rows


def enqueue(store: Store, alerts: Sequence[NewAlert]) -> list[int]:
    """Queue messages that belong to no check (test messages); their row ids."""
    with store.session() as s:
        return [row.id for row in add_rows(s, alerts)]


def last_alert(s: Session, watch_id: int, kinds: Sequence[str]) -> LastAlert | None:
    """The watch's latest row of one of ``kinds`` (its health state), if any."""
    query = (
        select(OutboxRow.kind, OutboxRow.payload)
        .where(OutboxRow.watch_id == watch_id, OutboxRow.kind.in_(kinds))
        .order_by(OutboxRow.id.desc())
        .limit(1)
    )
    row = s.execute(query).first()
    return LastAlert(row[0], row[1]) if row else None


def _due(channel: str, now: datetime) -> Any:
    return (
        OutboxRow.status == PENDING,
        OutboxRow.channel == channel,
        OutboxRow.next_attempt_at <= now,
        or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
    )


def _claimable(s: Session, channel: str, now: datetime, limit: int) -> Any:
    """The ids to claim: locked and skipped by others on PostgreSQL; one statement on SQLite."""
    ids = select(OutboxRow.id).where(*_due(channel, now)).order_by(OutboxRow.id).limit(limit)
    if s.get_bind().dialect.name == "postgresql":  # materialised: LIMIT inside IN may re-run
        return list(s.scalars(ids.with_for_update(skip_locked=True)))
    return ids.scalar_subquery()  # SQLite: the UPDATE takes the write lock for both


def claim(store: Store, channel: str, token: str, lease: float, limit: int) -> list[OutboxRow]:
    """Claim up to ``limit`` due rows of ``channel`` for ``lease`` seconds.

    Only rows still due and unleased are taken, so two deliverers never hold
    the same row (``FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has one
    writer at a time).
    """
    now = utcnow()
    with store.session() as s:
        s.execute(
            update(OutboxRow)
            .where(OutboxRow.id.in_(_claimable(s, channel, now, limit)), *_due(channel, now))
            .values(claim_token=token, claimed_until=now + timedelta(seconds=lease))
            .execution_options(synchronize_session=False)
        )
    with store.session() as s:
        query = (
            select(OutboxRow)
            .where(OutboxRow.claim_token == token, OutboxRow.status == PENDING)
            .order_by(OutboxRow.id)
        )
        return list(s.scalars(query))


def _finish(store: Store, row: OutboxRow, token: str, **values: Any) -> bool:
    with store.session() as s:
        done = s.execute(
            update(OutboxRow)
            .where(OutboxRow.id == row.id, OutboxRow.claim_token == token)
            .values(claim_token=None, claimed_until=None, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(done, "rowcount", 0))


def mark_sent(store: Store, row: OutboxRow, token: str) -> bool:
    """Record that the server accepted ``row`` (False if our claim was lost)."""
    return _finish(
        store, row, token, status=SENT, sent_at=utcnow(), attempts=row.attempts + 1, last_error=None
    )


def mark_failed(
    store: Store, row: OutboxRow, token: str, error: str, retry_in: float | None
) -> bool:
    """Schedule a retry in ``retry_in`` seconds, or move the row to dead (None)."""
    if retry_in is None:
        return _finish(store, row, token, status=DEAD, attempts=row.attempts + 1, last_error=error)
    when = utcnow() + timedelta(seconds=retry_in)
    return _finish(
        store, row, token, attempts=row.attempts + 1, last_error=error, next_attempt_at=when
    )


def release(store: Store, rows: Iterable[OutboxRow], token: str) -> None:
    """Give claimed rows back untouched (no attempt counted)."""
    for row in rows:
        _finish(store, row, token)


def next_due(store: Store, channel: str) -> datetime | None:
    """When the earliest pending row of ``channel`` may be claimed."""
    with store.session() as s:
        rows = s.execute(
            select(OutboxRow.next_attempt_at, OutboxRow.claimed_until).where(
                OutboxRow.status == PENDING, OutboxRow.channel == channel
            )
        )
        times = [max(a, b) if b is not None else a for a, b in rows]
    return min(times, default=None)


def requeue(store: Store, ids: Sequence[int] = ()) -> list[int]:
    """Move dead rows (all, or those of ``ids``) back to pending; their ids."""
    with store.session() as s:
        query = select(OutboxRow.id).where(OutboxRow.status == DEAD)
        if ids:
            query = query.where(OutboxRow.id.in_(ids))
        found = list(s.scalars(query.order_by(OutboxRow.id)))
        if found:
            s.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(found))
                .values(status=PENDING, attempts=0, next_attempt_at=utcnow())
                .execution_options(synchronize_session=False)
            )
        return found


def kill_orphans(store: Store, channels: Sequence[str]) -> int:
    """Pending rows for channels not in ``channels`` become dead; how many."""
    with store.session() as s:
        done = s.execute(
            update(OutboxRow)
            .where(OutboxRow.status == PENDING, OutboxRow.channel.not_in(channels))
            .values(status=DEAD, last_error="channel not configured")
            .execution_options(synchronize_session=False)
        )
        return int(getattr(done, "rowcount", 0) or 0)


def rows(store: Store, status: str | None = None, limit: int | None = None) -> list[OutboxRow]:
    """Outbox rows, newest first."""
    with store.session() as s:
        query = select(OutboxRow).order_by(OutboxRow.id.desc())
        if status:
            query = query.where(OutboxRow.status == status)
        return list(s.scalars(query.limit(limit) if limit else query))


def counts(store: Store) -> dict[str, int]:
    """How many rows are pending, sent and dead."""
    with store.session() as s:
        query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
        found = {status: int(n) for status, n in s.execute(query)}
    return {status: found.get(status, 0) for status in STATUSES}
