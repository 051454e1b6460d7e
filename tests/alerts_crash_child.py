"""Run ``factwatch check`` and SIGKILL this very process at a named point.

Usage: ``python -m tests.alerts_crash_child CONFIG POINT`` where POINT is
``none``, ``after-commit`` (the check's transaction committed, nothing sent),
``after-claim`` (rows claimed, nothing sent), ``after-send`` (the server
accepted the message, not yet marked), ``before-mark`` (about to mark it
sent) or ``after-mark`` (marked sent, before exiting). The crash is a real
SIGKILL: no cleanup, no flush, no ``finally``.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import sys
from typing import Any

from alerts.channels import CHANNEL_TYPES
from model.outcomes import Changed
from monitor import dispatch
from monitor.cli import main
from store import outbox


def die() -> None:
    """SIGKILL this process now."""
    os.kill(os.getpid(), signal.SIGKILL)


def _after(function: Any, when: Any = bool) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = function(*args, **kwargs)
        if when(result):
            die()
        return result

    return wrapper


def _before(function: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        die()
        return function(*args, **kwargs)

    return wrapper


def arm(point: str) -> None:
    """Install the crash at ``point``."""
    if point == "after-commit":
        changed = lambda outcome: isinstance(outcome, Changed) and outcome.changes  # noqa: E731
        dispatch.record = _after(dispatch.record, changed)
    elif point == "after-claim":
        outbox.claim = _after(outbox.claim)
    elif point == "after-send":
        email = CHANNEL_TYPES["email"]
        CHANNEL_TYPES["email"] = dataclasses.replace(email, send=_after(email.send, lambda _: True))
    elif point == "before-mark":
        outbox.mark_sent = _before(outbox.mark_sent)
    elif point == "after-mark":
        outbox.mark_sent = _after(outbox.mark_sent)
    elif point != "none":
        raise SystemExit(f"unknown crash point {point!r}")


if __name__ == "__main__":
    config, point = sys.argv[1:3]
    arm(point)
    sys.argv = ["factwatch", "--config", config, "check", "--quiet"]
    main()
