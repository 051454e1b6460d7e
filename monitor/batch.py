"""Check rows of unchanged pages, written in batches.

Most checks find a page unchanged, and writing each one's row in a
transaction of its own costs more than fetching the page. A *quiet*
unchanged check (see :func:`quiet`: a healthy watch, nothing followed or
compared, no alert possible) is queued here instead and written with up to
:data:`BATCH_SIZE` others in one transaction, at the latest
:data:`MAX_WAIT` seconds after the first of them or as soon as no check is in
flight and none is due, and when the dispatcher closes. Each row is written exactly as
:func:`monitor.check.record_in` writes it, alerts included.

What a crash can lose: the rows of the batch not yet written, all of them
"unchanged" check rows. Never a version, a change event or an alert: those
come only from checks that are not quiet, written in their own transaction
before the check ends.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection

from alerts.enqueue import AlertPolicy
from model.errors import FactwatchError
from monitor.check import record_in
from monitor.settings import Settings, WatchSettings
from store import findings
from store.records import CheckResult, WatchState
from store.repo import Store

log = logging.getLogger("factwatch.check")
BATCH_SIZE = 100
MAX_WAIT = 1.0


def quiet(
    settings: Settings,
    watch: WatchSettings,
    parent: str | None,
    state: WatchState,
    result: CheckResult,
    open_findings: Collection[str],
) -> bool:
    """Whether ``result`` can wait in a batch: an unchanged page of a healthy watch that
    follows, compares and is compared with nothing (so nothing after the check needs its
    row), and is not in ``open_findings`` (the watches with open findings); never a
    queue worker's check of a slot (its row is the proof the slot was checked, written
    before the task is acknowledged)."""
    return (
        result.outcome == "unchanged"
        and result.origin == "check"
        and result.slot is None
        and result.links is None
        and not state.consecutive_failures
        and parent is None
        and not watch.follow
        and watch.translation_of is None
        and not settings.translations(watch.name)
        and watch.name not in open_findings
    )


class UnchangedBatch:
    """Quiet unchanged checks waiting to be written together (see the module doc)."""

    def __init__(
        self,
        store: Store,
        size: int = BATCH_SIZE,
        max_wait: float = MAX_WAIT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.size = size
        self.max_wait = max_wait
        self.clock = clock
        self.lock = threading.Lock()
        self.waiting: list[tuple[CheckResult, AlertPolicy]] = []
        self.since: float | None = None
        self.ids: dict[str, int] = {}
        self.open_read: tuple[float, frozenset[str]] | None = None

    def takes(
        self,
        settings: Settings,
        watch: WatchSettings,
        parent: str | None,
        state: WatchState,
        result: CheckResult,
    ) -> bool:
        """Whether ``result`` is :func:`quiet`, the watches with open findings read at
        most once per ``max_wait`` (a quiet watch never gains a finding: findings need
        a followed or translated page, and such watches are never quiet)."""
        if result.outcome != "unchanged":
            return False
        return quiet(settings, watch, parent, state, result, self._open_findings())

    def _open_findings(self) -> frozenset[str]:
        with self.lock:
            read = self.open_read
        if read is None or self.clock() - read[0] >= self.max_wait:
            read = (self.clock(), findings.watches_with_open_findings(self.store))
            with self.lock:
                self.open_read = read
        return read[1]

    def add(self, result: CheckResult, policy: AlertPolicy) -> None:
        """Queue a quiet check; the batch is written when full."""
        with self.lock:
            self.waiting.append((result, policy))
            self.since = self.since if self.since is not None else self.clock()
            full = len(self.waiting) >= self.size
        if full:
            self.flush()

    def holds(self, watch: str) -> bool:
        """Whether a check of ``watch`` waits to be written."""
        with self.lock:
            return any(result.watch == watch for result, _ in self.waiting)

    def due(self) -> bool:
        """Whether the oldest waiting check has waited ``max_wait`` seconds."""
        with self.lock:
            return self.since is not None and self.clock() - self.since >= self.max_wait

    def flush(self) -> int:
        """Write the waiting checks in one transaction; how many were written.

        A batch the store refuses is logged and dropped: only its unchanged
        check rows are lost.
        """
        with self.lock:
            batch, self.waiting, self.since = self.waiting, [], None
        if not batch:
            return 0
        try:
            with self.store.transaction() as tx:
                saved = [record_in(tx, result, policy) for result, policy in batch]
        except FactwatchError as exc:
            log.error("cannot record %d unchanged checks: %s", len(batch), exc)
            return 0
        with self.lock:
            self.ids.update((r.watch, s.check_id) for (r, _), s in zip(batch, saved, strict=True))
        return len(batch)
