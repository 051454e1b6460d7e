"""A time budget for one piece of work, and a switch to cut it off from another thread.

A :class:`Budget` has an end (a monotonic time, or none) and can be cancelled.
Whoever holds a resource the work is blocked on (a socket, a worker process)
registers a callback with :meth:`Budget.on_cancel` for as long as it holds
it; :meth:`Budget.cancel` runs those callbacks, so a blocked read returns at
once and a worker process is killed instead of being waited for.

The budget in force is a context variable (:func:`current`), so it follows
the work through the calls that do it, in a thread or in an asyncio task,
without being passed along. :func:`within` opens a nested budget: its end is
the earlier of its own and its parent's, and cancelling the parent cancels it.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Callback = Callable[[], None]
_CURRENT: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "factwatch_budget", default=None
)


class Budget:
    """A deadline and a cancel switch (see the module doc)."""

    def __init__(
        self,
        seconds: float | None = None,
        parent: Budget | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.clock = clock
        self.seconds = seconds
        own = None if seconds is None else clock() + seconds
        ends = [e for e in (own, parent.end if parent else None) if e is not None]
        self.end: float | None = min(ends) if ends else None
        self.parent = parent
        self._lock = threading.Lock()
        self._callbacks: dict[int, Callback] = {}
        self._next = 0
        self.cancelled = False

    def remaining(self) -> float | None:
        """Seconds left (may be negative), or ``None`` without an end."""
        return None if self.end is None else self.end - self.clock()

    @property
    def over(self) -> bool:
        """True once cancelled or past the end."""
        left = self.remaining()
        return self.cancelled or (left is not None and left <= 0)

    def limit(self, timeout: float | None) -> float | None:
        """``timeout`` shortened to what is left of the budget (at least a millisecond)."""
        left = self.remaining()
        if left is None:
            return timeout
        left = max(left, 0.001)
        return left if timeout is None else min(timeout, left)

    def cancel(self) -> None:
        """Cut the work off: run every registered callback (once)."""
        with self._lock:
            self.cancelled = True
            callbacks = list(self._callbacks.values())
            self._callbacks.clear()
        for callback in callbacks:
            callback()

    def add(self, callback: Callback) -> int:
        """Run ``callback`` when the budget is cancelled (at once if it already is); its key."""
        with self._lock:
            key = self._next
            self._next += 1
            self._callbacks[key] = callback
            cancelled = self.cancelled
        if cancelled:
            callback()
        return key

    def discard(self, key: int) -> None:
        """Forget the callback registered under ``key``."""
        with self._lock:
            self._callbacks.pop(key, None)

    @contextmanager
    def on_cancel(self, callback: Callback) -> Iterator[None]:
        """Run ``callback`` if the budget is cancelled while the block runs."""
        key = self.add(callback)
        try:
            yield
        finally:
            self.discard(key)


def current() -> Budget | None:
    """The budget of the work running here, if any."""
    return _CURRENT.get()


@contextmanager
def within(seconds: float | None = None, budget: Budget | None = None) -> Iterator[Budget]:
    """Run the block under ``budget`` (or a new one of ``seconds``), nested in the current one."""
    parent = _CURRENT.get()
    inner = budget or Budget(seconds, parent)
    token = _CURRENT.set(inner)
    try:
        if parent is not None and parent is not inner:
            with parent.on_cancel(inner.cancel):
                yield inner
        else:
            yield inner
    finally:
        _CURRENT.reset(token)


@contextmanager
def enforced(seconds: float) -> Iterator[Budget]:
    """:func:`within` ``seconds``, and cancelled by a timer when they run out.

    For blocking work that reads the budget only through its callbacks
    (an SMTP session's socket, shut down when the time is up).
    """
    with within(seconds) as scope:
        timer = threading.Timer(max(scope.remaining() or 0.0, 0.0), scope.cancel)
        timer.daemon = True
        timer.start()
        try:
            yield scope
        finally:
            timer.cancel()
