"""Checks on real queue workers: RabbitMQ, PostgreSQL, ``factwatch worker`` processes.

Each watch is fetched once per slot (counted at the server), the slot recorded
once, whichever worker runs it and whatever happens to the workers.
"""

from __future__ import annotations

import itertools
import json
import socket
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from model.errors import UnknownWatchError
from monitor.cli import cli
from monitor.queue import Enqueuer
from monitor.settings import load_settings
from store.cluster_models import CheckSlot
from store.models import Check, Watch
from store.repo import Store
from tests.conftest import _postgres_schema_url
from tests.queue_support import (
    broker_node,
    need_broker,
    processes,
    queue_config,
    queue_name,
)
from tests.server import LocalServer
from tests.service_support import wait_for

pytestmark = pytest.mark.postgres
PAGE = (
    "<html><body><main><h1>Members</h1><p>Canada joined the group in 2022.</p></main></body></html>"
)


@pytest.fixture
def pg_url() -> Iterator[str]:
    need_broker()
    yield from _postgres_schema_url()


@pytest.fixture
def queue() -> Iterator[str]:
    with queue_name() as name:
        yield name


def _counts(store: Store) -> dict[str, tuple[int, int]]:
    """Per watch: recorded checks and recorded slots."""
    with store.session() as s:
        checks = dict(
            s.execute(
                select(Watch.name, func.count(Check.id))
                .join(Check, Check.watch_id == Watch.id)
                .group_by(Watch.name)
            ).all()
        )
        slots = dict(
            s.execute(
                select(Watch.name, func.count(CheckSlot.id))
                .join(CheckSlot, CheckSlot.watch_id == Watch.id)
                .group_by(Watch.name)
            ).all()
        )
    return {name: (checks[name], slots.get(name, 0)) for name in checks}


def _workers(store: Store) -> Counter[str]:
    with store.session() as s:
        return Counter(w for (w,) in s.execute(select(Check.worker)))


def _settled(store: Store, wait: float = 1.5) -> dict[str, tuple[int, int]]:
    """The counts once nothing was recorded for ``wait`` seconds."""
    last: dict[str, tuple[int, int]] | None = None
    while True:
        now = _counts(store)
        if now == last:
            return now
        last = now
        time.sleep(wait)


def test_two_workers_check_each_slot_once(
    server: LocalServer, tmp_path: Path, pg_url: str, queue: str
) -> None:
    names = [f"w{i:02d}" for i in range(40)]
    for name in names:
        server.route(f"/{name}", PAGE)
    watches = [{"name": n, "url": server.url(f"/{n}"), "every": "2s"} for n in names]
    config = queue_config(tmp_path / "factwatch.yaml", pg_url, queue, watches, per_host=8)
    store = Store.open(pg_url)
    with processes(
        config, tmp_path, ["worker", "--concurrency", "4"], ["worker", "--concurrency", "4"]
    ) as workers:
        port = _free_port()
        with processes(config, tmp_path, ["run", "--http", f"127.0.0.1:{port}"]) as (scheduler,):
            wait_for("the scheduler to lead", lambda: "lease acquired" in scheduler.text())
            time.sleep(10)
            metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10)
            scraped = metrics.read().decode()
            scheduler.stop()
        counts = _settled(store)
        text = "\n".join(w.text() for w in workers)
    fetched = Counter(r.path.lstrip("/") for r in server.requests)
    assert set(counts) == set(names), text[-3000:]
    for name in names:
        checks, slots = counts[name]
        assert checks == slots == fetched[name], (name, counts[name], fetched[name])
        assert checks >= 4, (name, checks)
    by_worker = _workers(store)
    assert len(by_worker) == 2 and None not in by_worker, by_worker
    assert "factwatch_queue_depth " in scraped
    assert scraped.count("factwatch_worker_tasks{worker=") == 2, scraped
    status = _cli(config, "status", "--json")["queue"]
    assert status["depth"] == 0
    assert {w["name"] for w in status["workers"]} == set(by_worker)
    assert sum(w["tasks"] for w in status["workers"]) == sum(by_worker.values())
    history = _cli(config, "history", "w00", "--json")["checks"]
    assert history and all(c["worker"] in by_worker for c in history)
    store.close()


def _cli(config: Path, *args: str) -> Any:
    result = CliRunner().invoke(cli, ["-c", str(config), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _enqueuer(config: Path) -> Enqueuer:
    queue = load_settings(config).settings.queue
    assert queue is not None
    return Enqueuer(queue)


def _slots(store: Store, name: str) -> list[datetime]:
    with store.session() as s:
        query = (
            select(CheckSlot.slot)
            .join(Watch, Watch.id == CheckSlot.watch_id)
            .where(Watch.name == name)
        )
        return list(s.scalars(query))


def test_a_worker_killed_mid_check_hands_its_task_over_and_a_duplicate_does_nothing(
    server: LocalServer, tmp_path: Path, pg_url: str, queue: str
) -> None:
    server.route("/slow", PAGE, delay=3.0)
    watches = [{"name": "slow", "url": server.url("/slow"), "every": "1h"}]
    config = queue_config(tmp_path / "factwatch.yaml", pg_url, queue, watches)
    store = Store.open(pg_url)
    enqueuer = _enqueuer(config)
    slot = datetime.fromisoformat("2026-11-30T12:00:00+00:00")
    enqueuer.send("slow", slot)
    with processes(config, tmp_path, ["worker", "--concurrency", "1"]) as (first,):
        wait_for("the first worker to fetch", lambda: len(server.requests) == 1)
        first.kill()  # mid-check: the page answers after 3 s
    assert _slots(store, "slow") == []
    with processes(config, tmp_path, ["worker", "--concurrency", "1"]) as (second,):
        wait_for("the redelivered task to be checked", lambda: _slots(store, "slow"), 60)
        assert len(server.requests) == 2  # the killed worker's fetch, and the redelivery's
        enqueuer.send("slow", slot)  # a duplicate of a recorded slot
        wait_for("the duplicate to be seen", lambda: "already recorded" in second.text(), 30)
        time.sleep(0.5)
    checks = store.checks("slow")
    assert len(checks) == 1 and checks[0].worker == f"{checks[0].worker.split(':')[0]}:{second.pid}"
    assert len(server.requests) == 2
    assert [s.replace(tzinfo=None) for s in _slots(store, "slow")] == [slot.replace(tzinfo=None)]
    enqueuer.close()
    store.close()


def test_politeness_holds_across_two_workers(
    server: LocalServer, tmp_path: Path, pg_url: str, queue: str
) -> None:
    times: list[float] = []
    lock = threading.Lock()

    def page(_handler: object) -> tuple[int, dict[str, str], bytes]:
        with lock:
            times.append(time.monotonic())
        return 200, {"Content-Type": "text/html"}, PAGE.encode()

    names = [f"p{i}" for i in range(6)]
    for name in names:
        server.route(f"/{name}", handler=page)
    watches = [{"name": n, "url": server.url(f"/{n}"), "every": "1h"} for n in names]
    config = queue_config(
        tmp_path / "factwatch.yaml", pg_url, queue, watches, politeness_delay="1s"
    )
    store = Store.open(pg_url)
    enqueuer = _enqueuer(config)
    slot = datetime.fromisoformat("2026-11-30T12:00:00+00:00")
    for name in names:
        enqueuer.send(name, slot)
    with processes(
        config, tmp_path, ["worker", "--concurrency", "2"], ["worker", "--concurrency", "2"]
    ):
        wait_for("every watch to be checked", lambda: all(_slots(store, n) for n in names), 60)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) == len(names)
    assert min(gaps) >= 1.0, gaps
    assert len(_workers(store)) == 2
    enqueuer.close()
    store.close()


def test_retry_after_pauses_the_host_for_every_worker_and_a_new_watch_is_found(
    server: LocalServer, tmp_path: Path, pg_url: str, queue: str
) -> None:
    times: dict[str, float] = {}

    def answer(status: int, headers: dict[str, str]) -> Any:
        def page(handler: Any) -> tuple[int, dict[str, str], bytes]:
            times[handler.path.strip("/")] = time.monotonic()
            return status, {"Content-Type": "text/html", **headers}, PAGE.encode()

        return page

    server.route("/busy", handler=answer(503, {"Retry-After": "3"}))
    server.route("/after", handler=answer(200, {}))
    watches = [{"name": n, "url": server.url(f"/{n}"), "every": "1h"} for n in ("busy", "after")]
    config = queue_config(tmp_path / "factwatch.yaml", pg_url, queue, watches[:1], retry_backoff=0)
    store = Store.open(pg_url)
    enqueuer = _enqueuer(config)
    slot = datetime.fromisoformat("2026-11-30T12:00:00+00:00")
    enqueuer.send("busy", slot)
    with processes(
        config, tmp_path, ["worker", "--concurrency", "1"], ["worker", "--concurrency", "1"]
    ):
        wait_for("the 503 to be recorded", lambda: _slots(store, "busy"), 60)
        # a watch added after the workers started: the one that takes it reloads its config
        queue_config(tmp_path / "factwatch.yaml", pg_url, queue, watches, retry_backoff=0)
        enqueuer.send("after", slot)  # whichever worker takes it waits for the host
        wait_for("the other watch to be checked", lambda: _slots(store, "after"), 60)
    assert store.checks("busy")[0].status == 503
    assert times["after"] - times["busy"] >= 2.9, times
    enqueuer.close()
    store.close()


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _starts(store: Store, name: str) -> list[float]:
    """Start times of the watch's checks, in order (none before the watch exists)."""
    try:
        checks = store.checks(name)
    except UnknownWatchError:
        return []
    return [c.started_at.timestamp() for c in sorted(checks, key=lambda c: c.id)]


def test_after_a_broker_restart_scheduler_and_workers_reconnect_and_missed_slots_coalesce(
    server: LocalServer, tmp_path: Path, pg_url: str
) -> None:
    names = [f"b{i}" for i in range(4)]
    for name in names:
        server.route(f"/{name}", PAGE)
    watches = [{"name": n, "url": server.url(f"/{n}"), "every": "2s"} for n in names]
    with broker_node() as broker:
        config = queue_config(
            tmp_path / "factwatch.yaml", pg_url, "factwatch.checks", watches, broker.url, per_host=4
        )
        store = Store.open(pg_url)
        with processes(config, tmp_path, ["worker", "--concurrency", "2"], ["run"]) as procs:
            wait_for("a first check of each", lambda: all(_starts(store, n) for n in names), 60)
            down, up = broker.restart(down=6)  # three slots pass while the broker is down
            back = time.time()
            wait_for(
                "two checks of each after the restart",
                lambda: all(len([t for t in _starts(store, n) if t > back]) >= 2 for n in names),
                90,
            )
            procs[1].stop()
            counts = _settled(store)
            scheduler_log = procs[1].text()
    assert "cannot enqueue a check" in scheduler_log
    fetched = Counter(r.path.lstrip("/") for r in server.requests)
    for name in names:
        checks, slots = counts[name]
        assert checks == slots == fetched[name], (name, counts[name], fetched[name])
        starts = _starts(store, name)
        assert not [t for t in starts if down + 1 < t < up - 1], (name, starts, down, up)
        planned = [_utc(slot).timestamp() for slot in _slots(store, name)]
        missed = [t for t in planned if down < t < up]
        assert len(missed) <= 1, (name, missed)  # the slots missed while down: coalesced
    store.close()


def test_a_check_past_its_deadline_on_a_worker_is_recorded_failed_once(
    server: LocalServer, tmp_path: Path, pg_url: str, queue: str
) -> None:
    server.route("/stalled", PAGE, delay=4.0)
    watches = [{"name": "stalled", "url": server.url("/stalled"), "every": "1h"}]
    config = queue_config(
        tmp_path / "factwatch.yaml", pg_url, queue, watches, check_deadline="1s", retry_backoff=0
    )
    store = Store.open(pg_url)
    enqueuer = _enqueuer(config)
    enqueuer.send("stalled", datetime.fromisoformat("2026-11-30T12:00:00+00:00"))
    with processes(config, tmp_path, ["worker", "--concurrency", "1"]):
        wait_for("the cut-off check", lambda: _slots(store, "stalled"), 60)
        time.sleep(4.5)  # the page answers meanwhile: its late result is discarded
    checks = store.checks("stalled")
    assert [(c.outcome, c.reason) for c in checks] == [("failed", "deadline")]
    assert len(server.requests) == 1
    enqueuer.close()
    store.close()
