"""Delivery policy: when to retry a failed message, and pacing per receiver."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from alerts.config import DeliverySettings
from model.errors import DeliveryError, PermanentDeliveryError


def backoff(attempt: int, policy: DeliverySettings, rng: Callable[[], float]) -> float:
    """Seconds before retry ``attempt`` (1, 2, ...): exponential, capped, jittered 50-100%."""
    delay = min(policy.backoff_cap, policy.backoff_base * 2 ** max(attempt - 1, 0))
    return delay * (0.5 + rng() / 2)


def retry_delay(
    error: DeliveryError, attempts: int, policy: DeliverySettings, rng: Callable[[], float]
) -> float | None:
    """When to retry after ``error`` on attempt ``attempts``; None means dead now."""
    if isinstance(error, PermanentDeliveryError) or attempts >= policy.max_attempts:
        return None
    if error.retry_after is not None:
        return error.retry_after
    return backoff(attempts, policy, rng)


class Pacer:
    """At most one message per ``interval`` per key, across threads.

    Sends for one key are serialised, and the next starts ``interval`` after
    the previous one finished, so the receiver never sees two closer together.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._done: dict[str, float] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()
        self._clock = clock

    @contextmanager
    def slot(self, key: str | None, interval: float) -> Iterator[None]:
        """Hold the send slot of ``key`` (no pacing when ``key`` is None)."""
        if key is None or interval <= 0:
            yield
            return
        with self._guard:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            pause = self._done.get(key, -interval) + interval - self._clock()
            if pause > 0:
                time.sleep(pause)
            try:
                yield
            finally:
                self._done[key] = self._clock()
