"""The lease and ``/healthz`` on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from model.timefmt import utcnow
from monitor.health import Health
from monitor.settings import SchedulerSettings, Settings, WatchSettings
from store import scheduling
from store.outbox_models import OutboxRow
from store.records import CheckResult
from store.repo import Store

TTL = 5.0


def test_one_holder_at_a_time_and_takeover_after_expiry(store: Store) -> None:
    now = utcnow()
    assert scheduling.try_lease(store, "a", TTL, now)
    assert not scheduling.try_lease(store, "b", TTL, now + timedelta(seconds=1))
    assert scheduling.try_lease(store, "a", TTL, now + timedelta(seconds=2))  # renewed
    later = now + timedelta(seconds=2 + TTL + 1)
    assert scheduling.try_lease(store, "b", TTL, later)  # a stopped renewing
    assert not scheduling.try_lease(store, "a", TTL, later)
    scheduling.release_lease(store, "b")
    assert scheduling.try_lease(store, "a", TTL, later)


def _settings(**watch: object) -> Settings:
    watches = (WatchSettings(name="w", url="https://example.org/", **watch),) if watch else ()  # type: ignore[arg-type]
    return Settings(
        scheduler=SchedulerSettings(lease_ttl=TTL, heartbeat=1, alerts_stuck_after=600),
        watches=watches,
    )


def _failing(store: Store, settings: Settings) -> list[str]:
    ok, body = Health(store, lambda: settings).report()
    failing = [name for name, check in body["checks"].items() if not check["ok"]]
    assert ok == (not failing)
    return failing


def test_healthy_with_a_fresh_heartbeat(store: Store) -> None:
    scheduling.try_lease(store, "me", TTL)
    assert _failing(store, _settings()) == []


@pytest.mark.parametrize("age", [None, 60.0], ids=["never-ran", "stale"])
def test_red_without_a_fresh_heartbeat(store: Store, age: float | None) -> None:
    if age is not None:
        scheduling.try_lease(store, "me", TTL, utcnow() - timedelta(seconds=age))
    assert _failing(store, _settings()) == ["heartbeat"]


@pytest.mark.parametrize(
    ("last_check", "overdue"), [(2.0, False), (10.0, True)], ids=["on-time", "three-intervals-late"]
)
def test_red_when_a_watch_is_overdue(store: Store, last_check: float, overdue: bool) -> None:
    scheduling.try_lease(store, "me", TTL)
    store.ensure_watch("w", "https://example.org/")
    at = utcnow() - timedelta(seconds=last_check)
    store.write_check(
        CheckResult("w", "https://example.org/w", at, 0.1, "failed", reason="timeout")
    )
    assert _failing(store, _settings(every="3s")) == (["overdue"] if overdue else [])


@pytest.mark.parametrize(
    ("waited", "stuck"), [(60, False), (3600, True)], ids=["fresh-alert", "stuck-alert"]
)
def test_red_when_alerts_are_stuck(store: Store, waited: int, stuck: bool) -> None:
    scheduling.try_lease(store, "me", TTL)
    created = utcnow() - timedelta(seconds=waited)
    with store.session() as s:
        s.add(
            OutboxRow(
                key=f"k{waited}",
                channel="mail",
                kind="changes",
                payload={},
                status="pending",
                attempts=0,
                created_at=created,
                next_attempt_at=created,
            )
        )
    assert _failing(store, _settings()) == (["alerts"] if stuck else [])
