"""Store access for a cluster of queue workers: slots, claims, host gates, workers.

A slot (a watch's planned run time) is recorded once: the row of
``check_slots`` is written in the check's own transaction
(:meth:`store.writes.Transaction.write_check`). While a worker checks a slot
it holds a PostgreSQL advisory lock on it, so a duplicated task that arrives
meanwhile does nothing; the lock lives with the worker's connection, so a
worker that dies releases it and the redelivered task runs.

``per_host`` holds for the whole cluster through advisory locks too (one of
``per_host`` locks per host), and the politeness delay and ``Retry-After``
through ``host_gates``: the time the next request to a host may start. On
SQLite (one machine) the locks are the process's own.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, text

from model.timefmt import utcnow
from store.cluster_models import CheckSlot, HostGate, WorkerRow
from store.models import Watch
from store.repo import Store
from store.writes import dialect_insert

POLL = 0.05
_local_hosts: dict[tuple[str, int], threading.Semaphore] = {}
_local_guard = threading.Lock()


def lock_key(kind: str, name: str) -> int:
    """A signed 64-bit advisory lock key for ``kind`` and ``name``."""
    digest = hashlib.blake2b(f"factwatch:{kind}:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def _postgres(store: Store) -> bool:
    return store.engine.dialect.name == "postgresql"


def slot_recorded(store: Store, name: str, slot: datetime) -> bool:
    """Whether a check of watch ``name`` at ``slot`` is recorded."""
    with store.session() as s:
        query = (
            select(CheckSlot.id)
            .join(Watch, Watch.id == CheckSlot.watch_id)
            .where(Watch.name == name, CheckSlot.slot == slot)
        )
        return s.scalar(query) is not None


@contextmanager
def _locked(conn: Connection, key: int) -> Iterator[bool]:
    got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
    try:
        yield got
    finally:
        if got:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


@contextmanager
def claim_slot(store: Store, name: str, slot: datetime) -> Iterator[bool]:
    """Hold the claim on watch ``name``'s ``slot``: True when no live worker holds it.

    On PostgreSQL an advisory lock held on a connection of its own; on SQLite
    always True (the unique key alone keeps the slot recorded once).
    """
    if not _postgres(store):
        yield True
        return
    with (
        store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn,
        _locked(conn, lock_key("slot", f"{name}@{slot.isoformat()}")) as got,
    ):
        yield got


@contextmanager
def host_turn(
    store: Store, host: str, per_host: int, cancelled: Callable[[], bool] = lambda: False
) -> Iterator[bool]:
    """Wait for one of the ``per_host`` turns of ``host`` in the cluster; hold it.

    Yields False when ``cancelled`` said so before a turn came.
    """
    if not _postgres(store):
        with _local_turn(host, per_host, cancelled) as got:
            yield got
        return
    with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        while True:
            for k in range(per_host):
                with _locked(conn, lock_key("host", f"{host}#{k}")) as got:
                    if got:
                        yield True
                        return
            if cancelled():
                yield False
                return
            time.sleep(POLL)


@contextmanager
def _local_turn(host: str, per_host: int, cancelled: Callable[[], bool]) -> Iterator[bool]:
    with _local_guard:
        gate = _local_hosts.setdefault((host, per_host), threading.Semaphore(per_host))
    while not gate.acquire(timeout=POLL):
        if cancelled():
            yield False
            return
    try:
        yield True
    finally:
        gate.release()


def host_wait(store: Store, host: str, now: datetime | None = None) -> float:
    """Seconds until a request to ``host`` may start (0 when it may start now)."""
    now = now or utcnow()
    with store.session() as s:
        ready = s.scalar(select(HostGate.ready_at).where(HostGate.host == host))
    return max(0.0, (ready - now).total_seconds()) if ready else 0.0


def host_rest(store: Store, host: str, seconds: float, now: datetime | None = None) -> None:
    """Let no request to ``host`` start for ``seconds`` (never shortening a longer rest)."""
    ready = (now or utcnow()) + timedelta(seconds=max(0.0, seconds))
    with store.session() as s:
        insert = dialect_insert(s)(HostGate).values(host=host, ready_at=ready)
        s.execute(
            insert.on_conflict_do_update(
                index_elements=["host"],
                set_={"ready_at": ready},
                where=HostGate.ready_at < ready,
            )
        )


@dataclass(frozen=True)
class WorkerSeen:
    """A worker as ``status`` shows it."""

    name: str
    host: str
    pid: int
    started_at: datetime
    seen_at: datetime
    last_task_at: datetime | None
    last_watch: str | None
    tasks: int
    failed: int


def worker_beat(
    store: Store,
    name: str,
    started_at: datetime,
    watch: str | None = None,
    failed: bool = False,
) -> None:
    """Record that worker ``name`` (``host:pid``) is alive; with ``watch``, that it ran a task."""
    now = utcnow()
    host, _, pid = name.rpartition(":")
    with store.session() as s:
        row = s.get(WorkerRow, name, with_for_update=True)
        if row is None:
            row = WorkerRow(
                name=name, host=host, pid=int(pid), started_at=started_at, tasks=0, failed=0
            )
            s.add(row)
        row.seen_at = now
        if watch is not None:
            row.last_task_at, row.last_watch = now, watch
            row.tasks = (row.tasks or 0) + 1
            row.failed = (row.failed or 0) + (1 if failed else 0)


def workers_seen(store: Store, since: datetime) -> list[WorkerSeen]:
    """The workers seen since ``since``, by name."""
    with store.session() as s:
        query = select(WorkerRow).where(WorkerRow.seen_at >= since).order_by(WorkerRow.name)
        return [
            WorkerSeen(
                r.name,
                r.host,
                r.pid,
                r.started_at,
                r.seen_at,
                r.last_task_at,
                r.last_watch,
                r.tasks or 0,
                r.failed or 0,
            )
            for r in s.scalars(query)
        ]
