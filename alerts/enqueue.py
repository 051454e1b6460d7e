"""Which alert rows a check causes: pure functions of the check and the watch's policy.

One row per channel per check: all the changes of one check make one
message (``changes``), restricted to the kinds the watch alerts on. A watch
whose checks keep failing gets one ``watch-failing`` message after
``health_failures`` failures in a row and one ``watch-recovered`` when it
works again (:mod:`alerts.health`). The rows are written by the caller in
the check's own transaction (:meth:`store.writes.Transaction.add_alerts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from alerts import health
from alerts.render import CHANGES, FAILING, RECOVERED, TEST
from model.events import EventMeta, event_json
from model.kinds import alert_kind, default_alert_on
from model.timefmt import iso, utcnow
from store.records import CheckResult, LastAlert, NewAlert, SavedCheck

HEALTH_KINDS = (FAILING, RECOVERED)


@dataclass(frozen=True)
class AlertPolicy:
    """Whom a watch alerts and about what."""

    channels: tuple[str, ...] = ()
    kinds: frozenset[str] = frozenset(default_alert_on())
    flaps: bool = True
    health_failures: int = 3


def changes_payload(
    result: CheckResult, saved: SavedCheck, kinds: Iterable[str], flaps: bool = True
) -> dict[str, Any] | None:
    """The ``changes`` payload of a check: its events of the wanted kinds, or None.

    Flaps (``note == "flap"``) are left out when ``flaps`` is false.
    """
    wanted, version, seq = set(kinds), result.version, saved.version_seq
    if version is None or seq is None or not saved.change_ids:
        return None
    events = []
    for change_id, change in zip(saved.change_ids, result.changes, strict=False):
        if alert_kind(change) in wanted and (flaps or change.note != "flap"):
            before = seq - 1 if seq > 1 else None
            meta = EventMeta(change_id, result.watch, version.url, result.started_at, before, seq)
            events.append(event_json(change, meta))
    if not events:
        return None
    return {
        "watch": result.watch,
        "title": version.title or result.watch,
        "url": version.url,
        "detected_at": iso(result.started_at),
        "events": events,
    }


def health_payload(
    result: CheckResult, saved: SavedCheck, threshold: int, last: LastAlert | None
) -> tuple[str, dict[str, Any]] | None:
    """The health alert this check causes (``watch-failing``/``-recovered``), if any."""
    failing = last is not None and last.kind == FAILING
    kind = health.transition(result.outcome, saved.consecutive_failures, threshold, failing)
    if kind is None:
        return None
    payload = {
        "watch": result.watch,
        "title": result.watch,
        "url": result.url,
        "detected_at": iso(result.started_at),
        "failures": saved.consecutive_failures,
        "reason": result.reason,
        "error": result.error,
    }
    if kind == RECOVERED and last is not None:
        payload["since"] = last.payload.get("detected_at")
        payload["failures"] = last.payload.get("failures")
    return kind, payload


def alerts_for(
    result: CheckResult, saved: SavedCheck, policy: AlertPolicy, last_health: LastAlert | None
) -> list[NewAlert]:
    """The rows to queue for a written check.

    None when the watch alerts no channel, and none for a backfill (a capture
    imported from a web archive is history, not news).
    """
    if not policy.channels or result.origin == "backfill":
        return []
    found: list[tuple[str, dict[str, Any]]] = []
    changed = changes_payload(result, saved, policy.kinds, policy.flaps)
    if changed is not None:
        found.append((CHANGES, changed))
    healthy = health_payload(result, saved, policy.health_failures, last_health)
    if healthy is not None:
        found.append(healthy)
    return [
        NewAlert(channel, kind, payload) for kind, payload in found for channel in policy.channels
    ]


def probe_alerts(channels: Sequence[str]) -> list[NewAlert]:
    """One test message for each of ``channels``."""
    now = iso(utcnow())
    return [NewAlert(name, TEST, {"channel": name, "detected_at": now}) for name in channels]
