"""Runaway work for the parse workers' tests (module-level, so a worker can import it)."""

from __future__ import annotations

import time
from typing import Any

from parsers.job import ParseJob, run_job


def spin(job: ParseJob) -> Any:
    """Burn CPU for ever (a parser stuck on a hostile body)."""
    n = 0
    while True:
        n += 1


def hog(job: ParseJob) -> Any:
    """Allocate memory without end, one megabyte at a time."""
    held = []
    while True:
        held.append(bytearray(1024 * 1024))


def spin_unless_ok(job: ParseJob) -> Any:
    """Parse normally, except a body that says "spin", which spins."""
    if b"spin" in job.data:
        return spin(job)
    return run_job(job)


def slow(job: ParseJob) -> Any:
    """Sleep a minute, then parse (a worker that will be cut while idle on CPU)."""
    time.sleep(60)
    return run_job(job)
