"""factwatch passes through the real pipeline and a real database.

These functions run in one long-lived process of their own (as ``factwatch
run`` would), started by :mod:`bench.run`: :func:`setup` opens the store and
builds the watches, then each :func:`run_pass` checks every watch once with
:func:`monitor.dispatch.check_once` and reports what it cost and what it found.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from bench import corpus
from bench.measure import Timer, peak_rss_mb
from model.outcomes import Changed, Failed, Outcome, Unchanged
from monitor.dispatch import check_once
from monitor.settings import FetchSettings, SchedulerSettings, Settings, WatchSettings
from store.models import Blob, Check, Version
from store.repo import Store

_open: dict[str, Any] = {}


def watch_name(index: int) -> str:
    """The name of the watch of page ``index``."""
    return f"p{index:05d}"


def page_index(name: str) -> int:
    """The page index of a watch named by :func:`watch_name`."""
    return int(name[1:])


def bench_settings(
    database: str, base_url: str, n: int, concurrency: int, processes: int = 0
) -> Settings:
    """Settings for ``n`` watches on the page server (loopback allowed, one host);
    ``processes`` parse processes (0: parse in the checking threads)."""
    watches = tuple(
        WatchSettings(name=watch_name(i), url=base_url + corpus.path(i)) for i in range(n)
    )
    return Settings(
        database=database,
        fetch=FetchSettings(allow_private_networks=True),
        scheduler=SchedulerSettings(
            concurrency=concurrency,
            per_host=concurrency,
            politeness_delay=0,
            parse_processes=processes,
        ),
        watches=watches,
    )


def setup(database: str, base_url: str, n: int, concurrency: int, processes: int = 0) -> None:
    """Open (and migrate) the store and prepare the watches of this process."""
    _open["store"] = Store.open(database)
    _open["settings"] = bench_settings(database, base_url, n, concurrency, processes)


def close() -> None:
    """Close the store."""
    _open.pop("store").close()


def run_pass() -> dict[str, Any]:
    """Check every watch once; timings, counts and the database's size afterwards."""
    store: Store = _open["store"]
    settings: Settings = _open["settings"]
    gc.collect()
    timer = Timer().start()
    outcomes = check_once(store, settings, settings.watches)
    timer.stop()
    workers = settings.scheduler.parse_workers
    result = {"wall": timer.wall, "cpu": timer.cpu, "peak_rss_mb": peak_rss_mb(workers)}
    return result | summarise(outcomes) | database_stats(store)


def summarise(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    """Counts of outcomes and change events, with events on noise-only pages apart."""
    kinds: Counter[str] = Counter()
    events = noise_events = 0
    failures: list[str] = []
    for outcome in outcomes:
        if isinstance(outcome, Changed):
            kinds["baseline" if outcome.baseline else "changed"] += 1
            events += len(outcome.changes)
            if corpus.plan(page_index(outcome.watch)) == "noise":
                noise_events += len(outcome.changes)
        elif isinstance(outcome, Unchanged):
            kinds[f"unchanged-{outcome.via}"] += 1
        elif isinstance(outcome, Failed):
            kinds["failed"] += 1
            failures.append(f"{outcome.watch}: {outcome.reason}: {outcome.message}")
    return {
        "pages": len(outcomes),
        "outcomes": dict(sorted(kinds.items())),
        "events": events,
        "noise_events": noise_events,
        "failures": failures[:5],
    }


def database_stats(store: Store) -> dict[str, Any]:
    """Rows and bytes in the store (SQLite: the files after a checkpoint)."""
    with store.session() as s:
        versions = s.scalar(select(func.count()).select_from(Version)) or 0
        checks = s.scalar(select(func.count()).select_from(Check)) or 0
        blobs = s.scalar(select(func.count()).select_from(Blob)) or 0
        blob_bytes = s.scalar(select(func.coalesce(func.sum(func.length(Blob.data)), 0))) or 0
    return {
        "versions": versions,
        "checks": checks,
        "blobs": blobs,
        "blob_bytes": int(blob_bytes),
        "db_bytes": database_bytes(store),
    }


def database_bytes(store: Store) -> int:
    """The size of the database on disk (tables, indexes and TOAST on PostgreSQL)."""
    engine = store.engine
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        main = Path(str(engine.url.database))
        files = [main, main.with_name(main.name + "-wal")]
        return sum(f.stat().st_size for f in files if f.exists())
    query = text(
        "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r'"
    )
    with engine.connect() as conn:
        return int(conn.execute(query).scalar_one())
