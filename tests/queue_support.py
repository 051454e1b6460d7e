"""Real queue workers for the tests: RabbitMQ on 127.0.0.1:5672, PostgreSQL, and
``factwatch worker`` / ``factwatch run`` subprocesses.

Each test gets a queue of its own (dropped afterwards) and a PostgreSQL schema
of its own. Without a reachable broker the tests are skipped with the reason,
unless ``FACTWATCH_TEST_REQUIRE_BROKER`` is set (as in CI), where they fail.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from kombu import Connection, Queue

from tests.service_support import FactwatchProcess, wait_for

BROKER_URL = os.environ.get("FACTWATCH_TEST_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
REQUIRE_BROKER = bool(os.environ.get("FACTWATCH_TEST_REQUIRE_BROKER"))


def broker_reachable() -> str | None:
    """``None`` when the broker answers, else why not."""
    try:
        with Connection(BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def need_broker() -> None:
    """Skip (or fail, with FACTWATCH_TEST_REQUIRE_BROKER) when RabbitMQ is unreachable."""
    problem = broker_reachable()
    if problem is None:
        return
    message = f"RabbitMQ not reachable at 127.0.0.1:5672 ({problem}); start it to run"
    if REQUIRE_BROKER:
        pytest.fail(f"FACTWATCH_TEST_REQUIRE_BROKER is set but {message}")
    pytest.skip(message)


@contextmanager
def queue_name() -> Iterator[str]:
    """A queue name of the test's own, deleted afterwards."""
    name = f"factwatch.test.{uuid.uuid4().hex[:10]}"
    try:
        yield name
    finally:
        with Connection(BROKER_URL, connect_timeout=2) as conn:
            Queue(name, routing_key=name, durable=True)(conn.default_channel).delete()


class BrokerNode:
    """A RabbitMQ node of the test's own on 127.0.0.1 (another port, its own data), so it
    can be restarted without touching the node other tests and users share."""

    def __init__(self, base: Path, port: int) -> None:
        self.name = f"fwtest{port}@localhost"
        self.port = port
        self.url = f"amqp://guest:guest@127.0.0.1:{port}//"
        base.mkdir(parents=True, exist_ok=True)
        (base / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{port}\n")
        (base / "plugins").write_text("")
        self.env = {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_DIST_PORT": str(port + 20000),
            "RABBITMQ_MNESIA_BASE": str(base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(base / "log"),
            "RABBITMQ_CONFIG_FILE": str(base / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(base / "plugins"),
        }
        subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(base)], check=False)

    def ctl(self, *args: str) -> None:
        subprocess.run(
            ["rabbitmqctl", "-q", "-n", self.name, *args],
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> BrokerNode:
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, check=True, timeout=60)
        self.wait_up()
        return self

    def wait_up(self) -> None:
        wait_for(f"RabbitMQ on port {self.port}", lambda: _answers(self.port), 90)

    def restart(self, down: float) -> tuple[float, float]:
        """Stop the broker, leave it down ``down`` seconds, start it again (its durable
        queues and persistent messages survive).

        Returns when it was surely down: from the moment stopping it returned to the
        moment starting it began (stopping and starting take seconds themselves)."""
        self.ctl("stop_app")
        stopped = time.time()
        time.sleep(down)
        starting = time.time()
        self.ctl("start_app")
        self.wait_up()
        return stopped, starting

    def stop(self) -> None:
        self.ctl("stop")


def _answers(port: int) -> bool:
    try:
        with Connection(f"amqp://guest:guest@127.0.0.1:{port}//", connect_timeout=1) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception:
        return False
    return True


@contextmanager
def broker_node(port: int = 5679) -> Iterator[BrokerNode]:
    """A :class:`BrokerNode`, started and stopped afterwards (skipped without rabbitmq-server).

    Its data lives in a folder the ``rabbitmq`` user can reach, removed afterwards."""
    if shutil.which("rabbitmq-server") is None or shutil.which("rabbitmqctl") is None:
        message = "rabbitmq-server is not installed: the broker restart test needs its own node"
        if REQUIRE_BROKER:
            pytest.fail(message)
        pytest.skip(message)
    base = Path(tempfile.mkdtemp(prefix="factwatch-rabbitmq-"))
    base.chmod(0o755)
    try:
        node = BrokerNode(base, port).start()
        try:
            yield node
        finally:
            node.stop()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def queue_config(
    path: Path,
    database: str,
    queue: str,
    watches: list[dict[str, Any]],
    broker_url: str = BROKER_URL,
    **scheduler: Any,
) -> Path:
    """Write a config with a queue, loopback allowed and a fast scheduler."""
    data = {
        "database": database,
        "fetch": {"allow_private_networks": True, "connect_timeout": 2, "read_timeout": 20},
        "scheduler": {
            "heartbeat": "0.5s",
            "lease_ttl": "3s",
            "politeness_delay": 0,
            "jitter": 0,
            "misfire_grace": "1s",
            "shutdown_grace": "1s",
            "parse_processes": 0,
            **scheduler,
        },
        "queue": {"broker_url": broker_url, "name": queue},
        "watches": watches,
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


class Process(FactwatchProcess):
    """A ``factwatch`` subprocess (``run`` or ``worker``) logging to a file."""

    def kill(self) -> None:
        """SIGKILL: the process dies at once, mid-check."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


@contextmanager
def processes(config: Path, tmp: Path, *commands: list[str]) -> Iterator[list[Process]]:
    """Start one process per command (``["worker", ...]``, ``["run"]``); stop them all after."""
    started: list[Process] = []
    try:
        for i, args in enumerate(commands):
            started.append(Process(config, tmp / f"{args[0]}-{i}.log", *args))
        yield started
    finally:
        for proc in started:
            proc.stop()
