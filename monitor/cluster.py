"""What a queue worker does with one task: check one watch's slot, once, politely.

A task carries a watch's name, its slot (the planned run time) and, for a
followed document, its parent. :meth:`SlotRunner.run`:

1. claims the slot (:func:`store.cluster.claim_slot`): a slot another live
   worker is checking, or one already recorded, is left alone;
2. waits for the host's turn in the cluster (``per_host``) and for its gate
   (the politeness delay after the last request, or a server's
   ``Retry-After``); a pause longer than :data:`MAX_PAUSE` sends the task
   back to the queue for later instead of holding a worker;
3. checks through the one :class:`~monitor.dispatch.Dispatcher`, as
   ``factwatch check`` does (limits, ``check_deadline``, parse workers); the
   check and its slot are recorded in one transaction;
4. rests the host for every worker, then enqueues the documents the page
   cites, for the same slot, so they are checked after their parent.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx

from model.errors import ConfigError
from model.http import host_of
from model.outcomes import Failed, Outcome
from model.timefmt import utcnow
from monitor import follow
from monitor.check import Analyser
from monitor.dispatch import Dispatcher, Finished, Job
from monitor.fetch import make_client
from monitor.settings import Settings, WatchSettings
from store import cluster
from store.repo import Store

log = logging.getLogger("factwatch.worker")
MAX_PAUSE = 60.0
Enqueue = Callable[[str, datetime, "str | None", "float | None"], None]


def worker_name() -> str:
    """This process as a worker: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class TaskResult:
    """What became of a task: ``checked``, ``recorded`` (already), ``busy`` (another
    worker holds it), ``deferred`` (back on the queue) or ``unknown`` (no such watch)."""

    status: str
    outcome: Outcome | None = None


class SlotRunner:
    """Runs check tasks in a worker process (see the module doc)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        analyse: Analyser,
        enqueue: Enqueue,
        name: str | None = None,
        reload: Callable[[], Settings] | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.reload = reload
        self.analyse = analyse
        self.enqueue = enqueue
        self.name = name or worker_name()
        self.started_at = utcnow()
        self.client: httpx.Client = make_client(settings.fetch)

    def close(self) -> None:
        """Release the HTTP connections."""
        self.client.close()

    def beat(self) -> None:
        """Record that this worker is alive."""
        cluster.worker_beat(self.store, self.name, self.started_at)

    def run(self, name: str, slot: datetime, parent: str | None = None) -> TaskResult:
        """Check watch ``name`` for ``slot`` unless that is done or being done elsewhere."""
        watch = self._watch(name, parent)
        if watch is None:
            log.warning("no such watch in this worker's configuration", extra={"watch": name})
            return TaskResult("unknown")
        with cluster.claim_slot(self.store, name, slot) as mine:
            if not mine:
                log.info("slot being checked by another worker", extra={"watch": name})
                return TaskResult("busy")
            if cluster.slot_recorded(self.store, name, slot):
                log.info("slot already recorded", extra={"watch": name, "slot": slot})
                result = TaskResult("recorded")
            else:
                result = self._politely(watch, slot, parent)
        if result.status != "deferred" and parent is None:
            self._follow(watch, slot)
        return result

    def _politely(self, watch: WatchSettings, slot: datetime, parent: str | None) -> TaskResult:
        host, limits = host_of(watch.url), self.settings.scheduler
        with cluster.host_turn(self.store, host, limits.per_host):
            pause = cluster.host_wait(self.store, host)
            if pause > MAX_PAUSE:
                self.enqueue(watch.name, slot, parent, pause)
                log.info("host paused; task deferred", extra={"watch": watch.name, "wait": pause})
                return TaskResult("deferred")
            time.sleep(pause)
            outcome, rest = self._check(watch, slot, parent)
            cluster.host_rest(self.store, host, rest)
        failed = isinstance(outcome, Failed)
        cluster.worker_beat(self.store, self.name, self.started_at, watch.name, failed)
        return TaskResult("checked", outcome)

    def _check(
        self, watch: WatchSettings, slot: datetime, parent: str | None
    ) -> tuple[Outcome, float]:
        """The check's outcome, and how long its host must rest after it."""
        finished: list[Finished] = []
        run = Dispatcher(
            self.store,
            self.settings,
            analyse=self.analyse,
            on_finish=finished.append,
            client=self.client,
        )
        run.worker, run.follows = self.name, lambda _job: False
        try:
            run.submit(Job(watch, run.clock.now(), parent=parent, slot=slot))
            while not run.idle:
                run.wait(run.tick())
        finally:
            run.close()
        ready = run.host_ready.get(host_of(watch.url), 0.0)
        return finished[0].outcome, max(0.0, ready - run.clock.monotonic())

    def _watch(self, name: str, parent: str | None) -> WatchSettings | None:
        """The watch a task names; a name this worker does not know reloads its configuration
        once (the watch was added after the worker started)."""
        found = self._lookup(name, parent)
        if found is None and self.reload is not None:
            try:
                self.settings = self.reload()
            except ConfigError as exc:
                log.error("configuration not reloaded:\n%s", exc)
                return None
            found = self._lookup(name, parent)
        return found

    def _lookup(self, name: str, parent: str | None) -> WatchSettings | None:
        if parent is None:
            return self.settings.watch(name)
        above = self.settings.watch(parent)
        if above is None:
            return None
        return next((c for c in follow.children(self.store, above) if c.name == name), None)

    def _follow(self, watch: WatchSettings, slot: datetime) -> None:
        """Enqueue the documents ``watch`` cites whose slot is not recorded yet."""
        for child in follow.children(self.store, watch):
            if not cluster.slot_recorded(self.store, child.name, slot):
                self.enqueue(child.name, slot, watch.name, None)
