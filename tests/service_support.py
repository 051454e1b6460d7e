"""Run the service against a config the test writes: as a ``factwatch run``
subprocess (:func:`running`), or in this process on a simulated clock
(:func:`simulated`).

Every wait is bounded (:func:`wait_for` fails the test after ``timeout``);
the services are stopped (SIGTERM, then SIGKILL) when the test ends.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from model.clock import ManualClock
from monitor.dispatch import Dispatcher
from monitor.service import Service
from monitor.settings import load_settings
from store import scheduling
from store.repo import Store

WAIT = 60.0
FAST = {
    "heartbeat": "0.2s",
    "lease_ttl": "2s",
    "politeness_delay": 0,
    "jitter": 0,
    "misfire_grace": "0.5s",
    "shutdown_grace": "1s",
    "reload_poll": "0.2s",
    "parse_processes": 0,  # parse in the checking threads: the workers are tested on their own
}


def wait_for(what: str, predicate: Callable[[], Any], timeout: float = WAIT) -> Any:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout`` s."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def write_config(
    path: Path, database: str, watches: list[dict[str, Any]], **scheduler: Any
) -> Path:
    """Write a config with loopback allowed, quick timeouts and a fast scheduler."""
    data = {
        "database": database,
        "fetch": {
            "allow_private_networks": True,
            "connect_timeout": 2,
            "read_timeout": 20,
            "deadline": 30,
        },
        "scheduler": {**FAST, **scheduler},
        "watches": watches,
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


class FactwatchProcess:
    """One ``factwatch`` subprocess (``run``, ``worker``, ...); its output goes to a file."""

    def __init__(self, config: Path, log: Path, *args: str) -> None:
        self.log = log
        command = [sys.executable, "-m", "monitor", "-c", str(config), *args]
        env = {k: v for k, v in os.environ.items() if not k.startswith("FACTWATCH_")}
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=config.parent
            )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        """Everything the process logged so far."""
        return self.log.read_text("utf-8", errors="replace")

    def signal(self, signum: int) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float = WAIT) -> int:
        """Wait for the process to exit (bounded); its exit status."""
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


class Run(FactwatchProcess):
    """One ``factwatch run`` process logging JSON lines to a file."""

    def __init__(self, config: Path, log: Path, *extra: str) -> None:
        super().__init__(config, log, "run", "--log-format", "json", *extra)


@contextmanager
def running(config: Path, log: Path, *extra: str) -> Iterator[Run]:
    """A ``factwatch run`` process, stopped afterwards whatever happens."""
    run = Run(config, log, *extra)
    try:
        yield run
    finally:
        run.stop()


def check_times(store: Store, name: str) -> list[datetime]:
    """Start times of the recorded checks of ``name``, oldest first."""
    try:
        return sorted(c.started_at for c in store.checks(name))
    except Exception:  # the watch does not exist yet
        return []


def lease_holder(store: Store) -> str | None:
    """The pid part of the current lease holder, if any."""
    info = scheduling.lease_info(store)
    return info.holder.split(":")[1] if info and info.holder else None


class SimulatedService:
    """A :class:`~monitor.service.Service` in a thread, on a :class:`ManualClock`.

    The test moves time with :meth:`step` or :meth:`run_for`; after each move
    it waits (in real time, bounded) until the service has caught up: no check
    running and none that could start before time moves again.
    """

    def __init__(
        self,
        config: Path,
        clock: ManualClock,
        *,
        watch_config: bool = False,
        stalled: Collection[str] = (),
    ) -> None:
        self.config = config
        self.clock = clock
        self.stalled = set(stalled)  # watches whose checks hang on purpose
        loaded = load_settings(config)
        self.store = Store.open(loaded.settings.database)
        self.service = Service(
            self.store,
            loaded.settings,
            lambda: load_settings(config).settings,
            config,
            watch_config,
            clock=clock,
        )
        self.thread = threading.Thread(target=self.service.run, daemon=True, name="service")

    @property
    def dispatch(self) -> Dispatcher:
        return self.service.scheduler.dispatch

    def start(self) -> SimulatedService:
        """Start the loop; return once it leads and its first checks are done (or it waits)."""
        self.thread.start()
        self.settle()
        return self

    def settle(self) -> None:
        """Wait until a pass of the service's loop began at the clock's time and nothing
        is left to do before time moves: no check running, none that could start."""
        wait_for(
            "the service to catch up",
            lambda: (
                self.service.caught_up >= self.clock.monotonic()
                and self.dispatch.quiet(self.stalled)
            ),
        )

    def step(self, seconds: float) -> None:
        """Move the clock by ``seconds`` and let the service catch up."""
        self.clock.advance(seconds)
        self.settle()

    def run_for(self, seconds: float, step: float = 0.5) -> None:
        """Move the clock ``seconds`` forward in steps of ``step``."""
        for _ in range(round(seconds / step)):
            self.step(step)

    def stop(self) -> None:
        """Stop the service (as SIGTERM does), moving time until it has."""
        self.service.stop()
        while self.thread.is_alive():
            self.clock.advance(0.5)
            self.thread.join(0.05)
        self.store.close()


@contextmanager
def simulated(config: Path, clock: ManualClock, **options: Any) -> Iterator[SimulatedService]:
    """A started :class:`SimulatedService`, stopped afterwards whatever happens."""
    sim = SimulatedService(config, clock, **options)
    try:
        yield sim.start()
    finally:
        sim.stop()
