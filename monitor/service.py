"""The long-running service behind ``factwatch run``.

One loop in the main thread: it holds the database's scheduler lease (or
waits for it), renews it every ``heartbeat`` (the heartbeat ``/healthz`` and
``status`` read), drives the :class:`~monitor.scheduler.Scheduler`, reloads
the configuration on SIGHUP or when the file changes (``--watch-config``),
and on SIGTERM/SIGINT stops starting checks, lets running ones finish within
``shutdown_grace``, cuts the rest off and releases the lease so that a
waiting service takes over at once. Pending alerts stay in the outbox.

With ``queue:`` configured the leader enqueues due checks for the workers
(``factwatch worker``) instead of running them, and still delivers the
alerts the workers' checks queue in the outbox.
"""

from __future__ import annotations

import hashlib
import logging
import os
import signal
import socket
import threading
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from alerts.deliver import Deliverer
from model.clock import Clock, SystemClock
from model.errors import ConfigError, FactwatchError
from monitor.check import parse_analyser
from monitor.dispatch import FinishListener
from monitor.metrics import Metrics
from monitor.scheduler import Scheduler
from monitor.settings import Settings
from store import scheduling
from store.repo import Store

if TYPE_CHECKING:
    from monitor.queue import Enqueuer

log = logging.getLogger("factwatch.service")
MAX_SLEEP = 0.25
DELIVERY_PAUSE = 2.0
Reloader = Callable[[], Settings]


def holder_id() -> str:
    """Who holds the lease: host, process id and a random tag."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def file_digest(path: Path | None) -> str | None:
    """A digest of the config file's bytes (``None`` when it cannot be read)."""
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass
class ServiceState:
    """What the health endpoint asks the running service."""

    holder: str
    leader: bool = False
    waiting: bool = False
    last_beat: float = 0.0


class Service:
    """The ``factwatch run`` loop (see the module doc)."""

    def __init__(
        self,
        store: Store,
        settings: Settings,
        reload: Reloader,
        config_path: Path | None = None,
        watch_config: bool = False,
        metrics: Metrics | None = None,
        listener: FinishListener | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.reload_settings = reload
        self.config_path = config_path
        self.watch_config = watch_config
        self.clock = clock or SystemClock()
        self.state = ServiceState(holder_id(), last_beat=float("-inf"))
        self._resources = ExitStack()
        analyse = self._resources.enter_context(parse_analyser(settings.scheduler))
        self.scheduler = Scheduler(
            store, settings, metrics, listener, clock=self.clock, analyse=analyse
        )
        self.enqueuer: Enqueuer | None = None
        if settings.queue is not None:
            from monitor.queue import Enqueuer  # Celery loads only with a queue

            self.enqueuer = Enqueuer(settings.queue)
            self.scheduler.use_queue(self.enqueuer.send)
        self.stopping = threading.Event()
        self.caught_up = float("-inf")  # the clock when the last full pass of the loop began
        self.reload_wanted = threading.Event()
        self._digest = file_digest(config_path)
        self._next_poll = 0.0

    # -- signals ---------------------------------------------------------------

    def install_signals(self) -> None:
        """SIGTERM/SIGINT stop the service; SIGHUP reloads the configuration."""
        signal.signal(signal.SIGTERM, self._on_stop)
        signal.signal(signal.SIGINT, self._on_stop)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, self._on_hup)

    def _on_stop(self, signum: int, _frame: FrameType | None) -> None:
        log.info("stopping on %s", signal.Signals(signum).name)
        self.stop()

    def _on_hup(self, _signum: int, _frame: FrameType | None) -> None:
        self.reload()

    def reload(self) -> None:
        """Ask the loop to reload the configuration (as SIGHUP does)."""
        self.reload_wanted.set()
        self.scheduler.dispatch.wake.set()

    # -- the loop ----------------------------------------------------------------

    def run(self) -> None:
        """Run until SIGTERM/SIGINT (or :meth:`stop`)."""
        log.info(
            "service starting",
            extra={"holder": self.state.holder, "watches": len(self.settings.watches)},
        )
        delivery = threading.Thread(target=self._deliver_loop, name="alerts", daemon=True)
        delivery.start()
        try:
            while not self.stopping.is_set():
                began = self.clock.monotonic()
                self._maybe_reload()
                self._beat()
                pause = self.scheduler.tick() if self.state.leader else self._standby_wait()
                self.caught_up = began
                self.scheduler.dispatch.wait(min(pause, MAX_SLEEP))
        finally:
            self._shutdown()

    def stop(self) -> None:
        """Ask the loop to stop (as SIGTERM does)."""
        self.stopping.set()
        self.scheduler.dispatch.wake.set()

    def _deliver_loop(self) -> None:
        """While leading, send the alerts the checks queued; what is left stays queued."""
        while not self.stopping.wait(DELIVERY_PAUSE):
            if not self.state.leader or not self.settings.alerts:
                continue
            try:
                report = Deliverer(self.store, self.settings).deliver(0, self.stopping)
            except Exception:  # delivery must never stop the service
                log.exception("alert delivery failed")
                continue
            if report.sent or report.retried or report.dead:
                counts = {"sent": report.sent, "retried": report.retried, "dead": report.dead}
                log.info("alerts delivered", extra=counts)

    def _standby_wait(self) -> float:
        return self.settings.scheduler.heartbeat

    def _beat(self) -> None:
        limits = self.settings.scheduler
        now = self.clock.monotonic()
        due = limits.heartbeat if self.state.leader else min(limits.heartbeat, 1.0)
        if now - self.state.last_beat < due:
            return
        try:
            held = scheduling.try_lease(
                self.store, self.state.holder, limits.lease_ttl, self.clock.now()
            )
        except FactwatchError as exc:
            log.error("cannot renew the scheduler lease: %s", exc)
            held = self.state.leader and now - self.state.last_beat < limits.lease_ttl
        else:
            self.state.last_beat = now
        self._leadership(held)

    def _leadership(self, held: bool) -> None:
        if held and not self.state.leader:
            log.info("scheduler lease acquired", extra={"holder": self.state.holder})
            self.state.leader = True
            self.scheduler.launching = True
            self.scheduler.load(self.settings)
        elif not held and self.state.leader:
            log.warning("scheduler lease lost; waiting to take it back")
            self.state.leader = False
            self.scheduler.pause()
            self.scheduler.plans.clear()
        elif not held and not self.state.waiting:
            log.info("another scheduler holds the lease; waiting for it")
        self.state.waiting = not held

    def _maybe_reload(self) -> None:
        if self.watch_config and self.clock.monotonic() >= self._next_poll:
            self._next_poll = self.clock.monotonic() + self.settings.scheduler.reload_poll
            digest = file_digest(self.config_path)
            if digest is not None and digest != self._digest:
                self.reload_wanted.set()
        if not self.reload_wanted.is_set():
            return
        self.reload_wanted.clear()
        self._digest = file_digest(self.config_path)
        self._reload()

    def _reload(self) -> None:
        try:
            settings = self.reload_settings()
        except ConfigError as exc:
            log.error("configuration not reloaded, keeping the current one:\n%s", exc)
            return
        if settings.database != self.settings.database:
            log.warning("the database changed in the configuration; restart to use it")
            settings = settings.model_copy(update={"database": self.settings.database})
        self.settings = settings
        log.info("configuration reloaded", extra={"watches": len(settings.watches)})
        if self.state.leader:
            self.scheduler.load(settings)
        else:
            self.scheduler.settings = settings

    def _shutdown(self) -> None:
        self.scheduler.drain(self.settings.scheduler.shutdown_grace)
        if self.state.leader:
            try:
                scheduling.release_lease(self.store, self.state.holder)
            except FactwatchError as exc:
                log.error("cannot release the scheduler lease: %s", exc)
        self.state.leader = False
        self.scheduler.close()
        if self.enqueuer is not None:
            self.enqueuer.close()
        self._resources.close()
        log.info("service stopped")
