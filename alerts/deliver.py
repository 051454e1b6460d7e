"""The deliverer: sends due outbox rows, each channel in its own thread.

A slow or failing channel never delays another. A row is claimed (a token
and a lease, see :mod:`store.outbox`), sent, and only marked ``sent`` after
the server accepted it. A transient failure is retried with exponential
backoff and jitter (a 429's ``Retry-After`` is honoured) until
``delivery.max_attempts``; a permanent failure (SMTP 5xx, HTTP 4xx other
than 408/429) is dead at once (:mod:`alerts.policy`). A deliverer that dies
leaves its rows to whoever claims them after the lease expires.

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
from collections.abc import Callable
from dataclasses import dataclass, field

from alerts.channels import Outgoing, channel_type
from alerts.config import AlertChannelSettings, DeliveryConfig
from alerts.policy import Pacer, retry_delay
from model.errors import DeliveryError
from model.timefmt import utcnow
from store import outbox
from store.outbox_models import OutboxRow
from store.repo import Store

log = logging.getLogger("factwatch.alerts")


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
    settings: DeliveryConfig
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
        total.dead += outbox.kill_orphans(self.store, [c.name for c in self.settings.alerts])
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
            batch = outbox.claim(self.store, channel.name, token, policy.lease, policy.batch_size)
            if batch:
                self._send_batch(channel, batch, token, report)
                continue
            wake = outbox.next_due(self.store, channel.name)
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
                outbox.release(self.store, batch[index + 1 :], token)
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
        outbox.mark_sent(self.store, row, token)
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
        outbox.mark_failed(self.store, row, token, str(exc), retry_in)
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
