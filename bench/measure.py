"""Measuring one phase from inside the process that runs it: wall, CPU, peak memory.

CPU counts the process and its reaped children (user + system); peak RSS
is the process's high-water mark since :func:`reset_peak` (Linux resets it
through ``/proc/self/clear_refs``; elsewhere it is the lifetime peak) plus
the largest reaped child's.
"""

from __future__ import annotations

import contextlib
import os
import resource
import time
from dataclasses import dataclass
from pathlib import Path

_STATUS = Path("/proc/self/status")
_CLEAR_REFS = Path("/proc/self/clear_refs")


def cpu_seconds() -> float:
    """User + system seconds of this process and its reaped children."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def reset_peak() -> None:
    """Reset this process's peak RSS, where the system allows it."""
    with contextlib.suppress(OSError):
        _CLEAR_REFS.write_text("5")


def _status_kb(field: str) -> int | None:
    try:
        for line in _STATUS.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def peak_rss_mb(children: int = 1) -> float:
    """This process's peak RSS (since :func:`reset_peak`) plus ``children`` times its
    largest reaped child's, in MB (worker processes run side by side)."""
    own = _status_kb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return (own + max(1, children) * child) / 1024


@dataclass
class Timer:
    """Wall and CPU seconds between :meth:`start` and :meth:`stop`."""

    wall: float = 0.0
    cpu: float = 0.0

    def start(self) -> Timer:
        """Start timing now (and reset the peak RSS)."""
        reset_peak()
        self._wall0, self._cpu0 = time.perf_counter(), cpu_seconds()
        return self

    def stop(self) -> Timer:
        """Stop timing."""
        self.wall = time.perf_counter() - self._wall0
        self.cpu = cpu_seconds() - self._cpu0
        return self
