"""Checks on real queue workers: RabbitMQ, PostgreSQL, ``factwatch worker`` processes.

Each watch is fetched once per slot (counted at the server), the slot recorded
once, whichever worker runs it and whatever happens to the workers.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from store.cluster_models import CheckSlot
from store.models import Check, Watch
from store.repo import Store
from tests.conftest import _postgres_schema_url
from tests.queue_support import need_broker, processes, queue_config, queue_name, wait_for
from tests.server import LocalServer

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
        with processes(config, tmp_path, ["run"]) as (scheduler,):
            wait_for("the scheduler to lead", lambda: "lease acquired" in scheduler.text())
            time.sleep(10)
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
    store.close()
