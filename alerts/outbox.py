"""The alert outbox: rows written with the check, a deliverer that sends them.

Writing: :class:`OutboxHook` runs inside :meth:`store.repo.Store.record_check`
(``Store.on_record``), so the alert rows commit in the same transaction as
the change events that cause them, or not at all. One row per channel per
check: all the changes of one check make one message. Watch-health alerts
(:mod:`alerts.health`) are rows too.

Delivering: :class:`Deliverer` processes each channel in its own thread, so a
slow or failing channel never delays another. A row is claimed (a token and
a lease), sent, and only marked ``sent`` after the server accepted it. A
transient failure is retried with exponential backoff and jitter (a 429's
``Retry-After`` is honoured) until ``delivery.max_attempts``; a permanent
failure (SMTP 5xx, HTTP 4xx other than 429) is dead at once. Claiming is an
``UPDATE`` of due, unleased rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL),
so two deliverers never hold the same row; a deliverer that dies leaves its
rows to whoever claims them after the lease expires.

The guarantee: every row is sent at least once. A message is sent twice only
when a deliverer dies between the server's acceptance and the mark; the
resend carries the same Message-ID / idempotency key (the row's ``key``).
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from alerts import health
from alerts.channels import Outgoing, channel_type
from alerts.render import CHANGES, FAILING, RECOVERED, TEST
from alerts.wording import EventMeta, alert_kind, event_json, iso
from monitor.errors import DeliveryError, PermanentDeliveryError
from monitor.settings import (
    DEFAULT_ALERT_ON,
    AlertChannelSettings,
    DeliverySettings,
    Settings,
    WatchSettings,
)
from store.models import Watch
from store.outbox_models import OutboxRow
from store.repo import CheckRecord, SavedCheck, Store, utcnow

log = logging.getLogger("factwatch.alerts")
PENDING, SENT, DEAD = "pending", "sent", "dead"

# -- writing rows (inside the check's transaction) ------------------------------


def new_key() -> str:
    """A fresh idempotency key for one outbox row."""
    return f"fw-{uuid.uuid4().hex}"


def add_row(
    s: Session,
    channel: str,
    kind: str,
    payload: dict[str, Any],
    *,
    watch_id: int | None = None,
    check_id: int | None = None,
) -> OutboxRow:
    """Add one pending row to the session's transaction."""
    now = utcnow()
    row = OutboxRow(
        key=new_key(),
        channel=channel,
        kind=kind,
        watch_id=watch_id,
        check_id=check_id,
        payload=payload,
        status=PENDING,
        attempts=0,
        created_at=now,
        next_attempt_at=now,
    )
    s.add(row)
    return row


def targets(settings: Settings, watch: WatchSettings | None) -> list[str]:
    """The channels a watch alerts: its ``alert:`` list, or every channel."""
    if watch is not None and watch.alert is not None:
        return list(watch.alert)
    return [c.name for c in settings.alerts]


def changes_payload(
    record: CheckRecord, saved: SavedCheck, kinds: Iterable[str], flaps: bool = True
) -> dict[str, Any] | None:
    """The ``changes`` payload of a check: its events of the wanted kinds, or None.

    Flaps (``note == "flap"``) are left out when ``flaps`` is false.
    """
    wanted, version, seq = set(kinds), record.version, saved.version_seq
    if version is None or seq is None or not saved.change_ids:
        return None
    events = []
    for change_id, change in zip(saved.change_ids, record.changes, strict=False):
        if alert_kind(change) in wanted and (flaps or change.note != "flap"):
            meta = EventMeta(
                change_id,
                record.watch,
                version.url,
                record.started_at,
                seq - 1 if seq > 1 else None,
                seq,
            )
            events.append(event_json(change, meta))
    if not events:
        return None
    return {
        "watch": record.watch,
        "title": version.title or record.watch,
        "url": version.url,
        "detected_at": iso(record.started_at),
        "events": events,
    }


def _last_health(s: Session, watch_id: int) -> OutboxRow | None:
    query = (
        select(OutboxRow)
        .where(OutboxRow.watch_id == watch_id, OutboxRow.kind.in_((FAILING, RECOVERED)))
        .order_by(OutboxRow.id.desc())
        .limit(1)
    )
    return s.scalar(query)


def health_payload(
    s: Session, watch: Watch, record: CheckRecord, threshold: int
) -> tuple[str, dict[str, Any]] | None:
    """The health alert this check causes (``watch-failing``/``-recovered``), if any."""
    last = _last_health(s, watch.id)
    failing = last is not None and last.kind == FAILING
    kind = health.transition(record.outcome, watch.consecutive_failures or 0, threshold, failing)
    if kind is None:
        return None
    payload = {
        "watch": record.watch,
        "title": record.watch,
        "url": watch.url,
        "detected_at": iso(record.started_at),
        "failures": watch.consecutive_failures,
        "reason": record.reason,
        "error": record.error,
    }
    if kind == RECOVERED and last is not None:
        payload["since"] = last.payload.get("detected_at")
        payload["failures"] = last.payload.get("failures")
    return kind, payload


@dataclass
class OutboxHook:
    """The ``Store.on_record`` hook that writes alert rows with each check."""

    settings: Settings

    def watch_settings(self, s: Session, watch: Watch) -> WatchSettings | None:
        """The configured watch (a followed document uses its parent's settings)."""
        found = self.settings.watch(watch.name)
        if found is None and watch.parent_id is not None:
            parent = s.scalar(select(Watch.name).where(Watch.id == watch.parent_id))
            found = self.settings.watch(parent) if parent else None
        return found

    def __call__(self, s: Session, watch: Watch, record: CheckRecord, saved: SavedCheck) -> None:
        configured = self.watch_settings(s, watch)
        channels = targets(self.settings, configured)
        if not channels:
            return
        kinds = (
            configured.alert_on
            if configured and configured.alert_on is not None
            else DEFAULT_ALERT_ON
        )
        found: list[tuple[str, dict[str, Any]]] = []
        flaps = configured.alert_flaps if configured is not None else True
        changed = changes_payload(record, saved, kinds, flaps)
        if changed is not None:
            found.append((CHANGES, changed))
        healthy = health_payload(s, watch, record, self.settings.delivery.health_failures)
        if healthy is not None:
            found.append(healthy)
        for kind, payload in found:
            for channel in channels:
                add_row(s, channel, kind, payload, watch_id=watch.id, check_id=saved.check_id)


def install(store: Store, settings: Settings) -> None:
    """Make ``store`` write alert rows with every check (replacing an earlier hook)."""
    store.on_record[:] = [h for h in store.on_record if not isinstance(h, OutboxHook)]
    store.on_record.append(OutboxHook(settings))


def enqueue_test(store: Store, channels: Sequence[str]) -> list[int]:
    """Queue a test message for each of ``channels``; their row ids."""
    with store.session() as s:
        rows = [
            add_row(s, name, TEST, {"channel": name, "detected_at": iso(utcnow())})
            for name in channels
        ]
        s.flush()
        return [r.id for r in rows]


# -- claiming and marking ------------------------------------------------------


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
    return {status: found.get(status, 0) for status in (PENDING, SENT, DEAD)}


# -- backoff and pacing -----------------------------------------------------------


def backoff(attempt: int, policy: DeliverySettings, rng: Callable[[], float]) -> float:
    """Seconds before retry ``attempt`` (1, 2, ...): exponential, capped, jittered 50-100%."""
    delay = min(policy.backoff_cap, policy.backoff_base * 2 ** max(attempt - 1, 0))
    return delay * (0.5 + rng() / 2)


def retry_delay(
    error: DeliveryError, attempts: int, policy: DeliverySettings, rng: Callable[[], float]
) -> float | None:
    """When to retry after ``error`` on attempt ``attempts``; None means dead now."""
    if isinstance(error, PermanentDeliveryError) or attempts >= policy.max_attempts:
        return None
    if error.retry_after is not None:
        return error.retry_after
    return backoff(attempts, policy, rng)


class Pacer:
    """At most one message per ``interval`` per key, across threads.

    Sends for one key are serialised, and the next starts ``interval`` after
    the previous one finished, so the receiver never sees two closer together.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._done: dict[str, float] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._clock = clock

    @contextmanager
    def slot(self, key: str | None, interval: float) -> Iterator[None]:
        """Hold the send slot of ``key`` (no pacing when ``key`` is None)."""
        if key is None or interval <= 0:
            yield
            return
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            pause = self._done.get(key, -interval) + interval - self._clock()
            if pause > 0:
                time.sleep(pause)
            try:
                yield
            finally:
                self._done[key] = self._clock()


# -- the deliverer -------------------------------------------------------------------


@dataclass
class Report:
    """What one delivery run did."""

    sent: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Report) -> None:
        """Fold ``other`` into this report."""
        self.sent += other.sent
        self.retried += other.retried
        self.dead += other.dead
        self.errors += other.errors


@dataclass
class Deliverer:
    """Sends due outbox rows, each channel in its own thread."""

    store: Store
    settings: Settings
    rng: Callable[[], float] = random.random
    pacer: Pacer = field(default_factory=Pacer)

    def deliver(self, timeout: float | None = None, stop: threading.Event | None = None) -> Report:
        """Send what is due, waiting for retries up to ``timeout`` seconds (default
        ``delivery.flush_timeout``); what is still pending then stays queued."""
        wait = self.settings.delivery.flush_timeout if timeout is None else timeout
        deadline = time.monotonic() + wait
        reports = {c.name: Report() for c in self.settings.alerts}
        threads = [
            threading.Thread(
                target=self._channel_loop,
                name=f"alerts-{c.name}",
                args=(c, deadline, reports[c.name], stop),
                daemon=True,
            )
            for c in self.settings.alerts
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        total = Report()
        for report in reports.values():
            total.add(report)
        total.dead += self._orphans()
        return total

    def _channel_loop(
        self,
        channel: AlertChannelSettings,
        deadline: float,
        report: Report,
        stop: threading.Event | None,
    ) -> None:
        token = uuid.uuid4().hex
        policy = self.settings.delivery
        while stop is None or not stop.is_set():
            batch = claim(self.store, channel.name, token, policy.lease, policy.batch_size)
            if batch:
                self._send_batch(channel, batch, token, report)
                continue
            wake = next_due(self.store, channel.name)
            if wake is None:
                return
            pause = max((wake - utcnow()).total_seconds(), 0.0) + 0.01
            if time.monotonic() + pause > deadline:
                return
            if stop is not None and stop.wait(pause):
                return
            if stop is None:
                time.sleep(pause)

    def _send_batch(
        self, channel: AlertChannelSettings, batch: list[OutboxRow], token: str, report: Report
    ) -> None:
        for index, row in enumerate(batch):
            if not self._send_one(channel, row, token, report):
                release(self.store, batch[index + 1 :], token)
                return

    def _send_one(
        self, channel: AlertChannelSettings, row: OutboxRow, token: str, report: Report
    ) -> bool:
        """Send ``row``; False after a transient failure (stop this channel's batch)."""
        kind, options = channel_type(channel.type), channel.options
        pace = options.pace_key()
        message = Outgoing(row.key, row.kind, row.payload, row.created_at)
        try:
            with self.pacer.slot(pace and f"{kind.name}:{pace}", kind.min_interval):
                kind.send(options, message)
        except DeliveryError as exc:
            return self._failed(channel, row, token, exc, report)
        mark_sent(self.store, row, token)
        report.sent += 1
        log.info("alert sent", extra={"channel": channel.name, "alert": row.id})
        return True

    def _failed(
        self,
        channel: AlertChannelSettings,
        row: OutboxRow,
        token: str,
        exc: DeliveryError,
        report: Report,
    ) -> bool:
        retry_in = retry_delay(exc, row.attempts + 1, self.settings.delivery, self.rng)
        mark_failed(self.store, row, token, str(exc), retry_in)
        report.errors.append(f"{channel.name}: alert {row.id}: {exc}")
        if retry_in is None:
            report.dead += 1
            log.warning("alert dead", extra={"channel": channel.name, "alert": row.id})
            return True
        report.retried += 1
        log.warning(
            "alert retry",
            extra={"channel": channel.name, "alert": row.id, "retry_in": round(retry_in, 1)},
        )
        return False

    def _orphans(self) -> int:
        """Rows for channels no longer configured are dead (``alerts retry`` revives them)."""
        names = [c.name for c in self.settings.alerts]
        with self.store.session() as s:
            done = s.execute(
                update(OutboxRow)
                .where(OutboxRow.status == PENDING, OutboxRow.channel.not_in(names))
                .values(status=DEAD, last_error="channel not configured")
                .execution_options(synchronize_session=False)
            )
            return int(getattr(done, "rowcount", 0) or 0)
