"""The two things the UI can change: check a watch now, retry a dead alert.

Each goes through one small function over the existing machinery, so the
web layer holds no checking or delivery logic of its own.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from model.outcomes import Outcome
from monitor.dispatch import check_once
from monitor.settings import Settings
from store import audit, outbox
from store.repo import Store

_running: set[str] = set()
_lock = threading.Lock()


class AlreadyChecking(Exception):
    """A check of this watch started from the UI is still running."""


def configured_root(store: Store, settings: Settings, name: str) -> str | None:
    """The configured watch that checks ``name``: itself, or the page that follows it."""
    if settings.watch(name) is not None:
        return name
    status = audit.watch_status(store, name)
    if status.parent and settings.watch(status.parent) is not None:
        return status.parent
    return None


def check_now(store: Store, settings: Settings, name: str) -> list[Outcome]:
    """Check the configured watch ``name`` (and the documents it follows) once, now."""
    watch = settings.watch(name)
    if watch is None:
        raise LookupError(f"{name!r} is not in the configuration")
    with _lock:
        if name in _running:
            raise AlreadyChecking(name)
        _running.add(name)
    try:
        return check_once(store, settings, [watch])
    finally:
        with _lock:
            _running.discard(name)


def retry_alerts(store: Store, ids: Sequence[int]) -> list[int]:
    """Move the dead alerts ``ids`` back to pending; the ids requeued."""
    return outbox.requeue(store, list(ids)) if ids else []
