"""Health of the service, for ``/healthz``: pluggable checks, each ok or not.

The default checks: the scheduler's heartbeat is fresh; no configured watch
is overdue by more than two of its intervals; no alert has waited in the
outbox longer than ``scheduler.alerts_stuck_after`` (read only when the
outbox table exists). More checks can be added to :attr:`Health.checks`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import inspect, text

from model.errors import FactwatchError
from model.timefmt import iso_or_none, utcnow
from monitor.scheduler import period
from monitor.settings import Settings
from store import scheduling
from store.repo import Store

OUTBOX_TABLE = "alert_outbox"


@dataclass(frozen=True)
class Verdict:
    """The result of one health check."""

    name: str
    ok: bool
    detail: dict[str, Any] = field(default_factory=dict)


HealthCheck = Callable[[Store, Settings, datetime], Verdict]


def heartbeat_check(store: Store, settings: Settings, now: datetime) -> Verdict:
    """Red when no scheduler has renewed the lease within ``lease_ttl``."""
    lease = scheduling.lease_info(store)
    beat = lease.heartbeat_at if lease else None
    age = (now - beat).total_seconds() if beat else None
    holder = lease.holder if lease else None
    ok = holder is not None and age is not None and age <= settings.scheduler.lease_ttl
    return Verdict(
        "heartbeat", ok, {"holder": holder, "heartbeat_at": iso_or_none(beat), "age": age}
    )


def overdue_check(store: Store, settings: Settings, now: datetime) -> Verdict:
    """Red when a configured watch's last check is older than three of its intervals."""
    stored = {w.name: w for w in store.watches()}
    last = store.last_checks()
    overdue = []
    for watch in settings.watches:
        row = stored.get(watch.name)
        every = period(watch, settings.scheduler)
        check = last.get(row.id) if row else None
        since = check.started_at if check else (row.created_at if row else None)
        if since and now - since > timedelta(seconds=3 * every):
            overdue.append({"watch": watch.name, "since": iso_or_none(since), "every": every})
    return Verdict("overdue", not overdue, {"overdue": overdue})


def outbox_stats(store: Store, now: datetime, stuck_after: float) -> dict[str, Any] | None:
    """Pending alerts and how many have waited too long (``None`` without an outbox)."""
    with store.engine.connect() as conn:
        if not inspect(conn).has_table(OUTBOX_TABLE):
            return None
        cutoff = (now - timedelta(seconds=stuck_after)).replace(tzinfo=None)
        row = conn.execute(
            text(
                f"SELECT COUNT(*), SUM(CASE WHEN created_at < :cutoff THEN 1 ELSE 0 END) "
                f"FROM {OUTBOX_TABLE} WHERE status = 'pending'"
            ),
            {"cutoff": cutoff},
        ).one()
        return {"pending": int(row[0] or 0), "stuck": int(row[1] or 0)}


def alerts_check(store: Store, settings: Settings, now: datetime) -> Verdict:
    """Red when an alert has been pending longer than ``alerts_stuck_after``."""
    stats = outbox_stats(store, now, settings.scheduler.alerts_stuck_after)
    if stats is None:
        return Verdict("alerts", True, {"outbox": "absent"})
    return Verdict("alerts", stats["stuck"] == 0, stats)


@dataclass
class Health:
    """Runs the health checks; any failing check (or error) makes the service unhealthy."""

    store: Store
    settings: Callable[[], Settings]
    checks: list[HealthCheck] = field(
        default_factory=lambda: [heartbeat_check, overdue_check, alerts_check]
    )

    def verdicts(self) -> list[Verdict]:
        """Every check's verdict, now."""
        now, settings, out = utcnow(), self.settings(), []
        for check in self.checks:
            try:
                out.append(check(self.store, settings, now))
            except (FactwatchError, Exception) as exc:  # a broken check is a red check
                out.append(
                    Verdict(
                        getattr(check, "__name__", "check"),
                        False,
                        {"error": f"{type(exc).__name__}: {exc}"},
                    )
                )
        return out

    def report(self) -> tuple[bool, dict[str, Any]]:
        """``(ok, JSON body)`` for ``/healthz``."""
        verdicts = self.verdicts()
        ok = all(v.ok for v in verdicts)
        body = {
            "status": "ok" if ok else "fail",
            "checks": {v.name: {"ok": v.ok, **v.detail} for v in verdicts},
        }
        return ok, body
