"""Processes that start together on a fresh database migrate it once, without a traceback."""

from __future__ import annotations

import threading

from store.db import current_revision, head_revision
from store.repo import Store

RACERS = 6


def test_concurrent_first_migrations(database_url: str) -> None:
    barrier = threading.Barrier(RACERS)
    errors: list[str] = []
    stores: list[Store] = []

    def race() -> None:
        barrier.wait(30)
        try:
            stores.append(Store.open(database_url))
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=race) for _ in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    try:
        assert errors == []
        assert len(stores) == RACERS
        assert current_revision(stores[0].engine) == head_revision()
    finally:
        for store in stores:
            store.close()
