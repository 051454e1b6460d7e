"""Time as the scheduler and the service see it, injectable.

:class:`SystemClock` is real time. :class:`ManualClock` only moves when
:meth:`ManualClock.advance` is called, so the service's schedules, deadlines
and leases can be exercised in simulated time: a test advances the clock and
the waiting loop wakes as if that much time had passed.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """What the scheduler and the service ask of time."""

    def now(self) -> datetime:
        """The current wall-clock time, aware, in UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back."""
        ...

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Wait until ``event`` is set or ``timeout`` seconds passed; whether it was set."""
        ...


class SystemClock:
    """Real time."""

    def now(self) -> datetime:
        """The current time, aware, in UTC."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """:func:`time.monotonic`."""
        return time.monotonic()

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """:meth:`threading.Event.wait`."""
        return event.wait(max(0.0, timeout))


class ManualClock:
    """Simulated time: it stands still until :meth:`advance` moves it.

    Every :meth:`advance` wakes whoever waits, as a wake-up they re-check
    their schedule on; a thread that was busy when time moved returns from its
    next wait at once. So a loop never sleeps through a step of time.
    """

    POLL = 0.005

    def __init__(self, start: datetime | None = None) -> None:
        self._start = start or datetime.now(UTC)
        self._elapsed = 0.0
        self._steps = 0
        self._seen: dict[int, int] = {}
        self._moved = threading.Condition()

    def now(self) -> datetime:
        """The start time plus the simulated seconds elapsed."""
        return self._start + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        """The simulated seconds elapsed."""
        return self._elapsed

    def advance(self, seconds: float) -> None:
        """Move time forward and wake whoever waits on it."""
        with self._moved:
            self._elapsed += seconds
            self._steps += 1
            self._moved.notify_all()

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Wait until ``event`` is set, or the clock moved (by any amount)."""
        me = threading.get_ident()
        with self._moved:
            seen = self._seen.get(me, self._steps)
            while not event.is_set() and self._steps == seen and timeout > 0:
                self._moved.wait(self.POLL)
            self._seen[me] = self._steps
        return event.is_set()
