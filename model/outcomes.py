"""Explicit outcomes of one check: ``Unchanged | Changed | Failed``.

A check never raises for a normal result; a broken page or a dead server is
a :class:`Failed` with a short ``reason`` code and a readable ``message``.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.changes import Change


@dataclass(frozen=True)
class Unchanged:
    """The page says what it said before (``via`` tells how we knew).

    ``check_id`` is ``None`` while the check waits in a batch of unchanged
    checks to be written (see :mod:`monitor.batch`).
    """

    watch: str
    check_id: int | None
    via: str = "hash"  # "304", "hash" (same bytes) or "text" (same content, other markup)


@dataclass(frozen=True)
class Changed:
    """A new version was stored; ``baseline`` for a watch's first version."""

    watch: str
    check_id: int
    version: int
    changes: tuple[Change, ...] = ()
    baseline: bool = False


@dataclass(frozen=True)
class Failed:
    """The check failed; recorded with its reason, nothing else changed."""

    watch: str
    reason: str
    message: str
    check_id: int | None = None


Outcome = Unchanged | Changed | Failed
