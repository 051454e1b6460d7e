"""Watch health: one "failing" alert after N failed checks in a row, one "recovered".

The decision is a pure function of the check's outcome, the watch's count of
consecutive failures (already updated by this check) and whether the last
health alert of the watch said "failing". No alert is sent per failure.
"""

from __future__ import annotations

from alerts.render import FAILING, RECOVERED


def transition(outcome: str, failures: int, threshold: int, failing: bool) -> str | None:
    """The health alert kind this check causes, if any.

    ``failing`` tells whether the last health alert of the watch was a
    "watch failing" one; ``threshold`` 0 turns health alerts off.
    """
    if threshold <= 0:
        return None
    if outcome == "failed":
        return FAILING if failures >= threshold and not failing else None
    return RECOVERED if failing else None
