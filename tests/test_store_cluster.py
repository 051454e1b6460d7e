"""What a cluster of workers shares in the store: slots recorded once, claims, host gates,
workers seen (on SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from model.errors import ConfigError, SlotTaken
from monitor.settings import parse_settings
from store import cluster
from store.records import CheckResult
from store.repo import Store

SLOT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _result(slot: datetime | None, worker: str | None = "vm:1") -> CheckResult:
    return CheckResult(
        "w", "https://example.org/w", SLOT, 0.1, "unchanged", via="hash", slot=slot, worker=worker
    )


def test_a_slot_is_recorded_once_and_a_second_write_leaves_nothing(store: Store) -> None:
    store.ensure_watch("w", "https://example.org/w")
    assert not cluster.slot_recorded(store, "w", SLOT)
    store.write_check(_result(SLOT))
    assert cluster.slot_recorded(store, "w", SLOT)
    with pytest.raises(SlotTaken):
        store.write_check(_result(SLOT, "vm:2"))
    checks = store.checks("w")
    assert [c.worker for c in checks] == ["vm:1"]
    store.write_check(_result(SLOT + timedelta(hours=6)))  # the next slot is another
    store.write_check(_result(None, None))  # a check without a queue records no slot
    assert len(store.checks("w")) == 3


def test_a_claimed_slot_is_busy_for_others_until_released(store: Store) -> None:
    with cluster.claim_slot(store, "w", SLOT) as first:
        assert first
        with cluster.claim_slot(store, "w", SLOT) as second:
            # PostgreSQL: the advisory lock is held on another connection; SQLite has no
            # cross-process claim (the unique key alone keeps the slot once)
            assert second is (store.engine.dialect.name != "postgresql")
    with cluster.claim_slot(store, "w", SLOT) as again:
        assert again


def test_per_host_turns_are_limited_and_the_gate_never_shortens(store: Store) -> None:
    with cluster.host_turn(store, "example.org", 1) as got:
        assert got
        waited: list[bool] = []
        other = threading.Thread(
            target=lambda: waited.append(_turn(store, cancel_after=0.3)), daemon=True
        )
        other.start()
        other.join(10)
        assert waited == [False]  # the only turn was held: the other gave up
    assert _turn(store, cancel_after=0.3)
    now = datetime.now(UTC)
    cluster.host_rest(store, "example.org", 5, now)
    cluster.host_rest(store, "example.org", 1, now)  # shorter: ignored
    assert 4.9 <= cluster.host_wait(store, "example.org", now) <= 5.0
    assert cluster.host_wait(store, "other.example", now) == 0.0


def _turn(store: Store, cancel_after: float) -> bool:
    end = datetime.now(UTC) + timedelta(seconds=cancel_after)
    with cluster.host_turn(store, "example.org", 1, lambda: datetime.now(UTC) > end) as got:
        return got


def test_workers_are_seen_with_their_tasks(store: Store) -> None:
    started = datetime.now(UTC)
    cluster.worker_beat(store, "vm:10", started)
    cluster.worker_beat(store, "vm:10", started, "w", failed=False)
    cluster.worker_beat(store, "vm:10", started, "w", failed=True)
    cluster.worker_beat(store, "other:11", started)
    seen = {w.name: w for w in cluster.workers_seen(store, started - timedelta(seconds=1))}
    assert set(seen) == {"vm:10", "other:11"}
    assert (seen["vm:10"].host, seen["vm:10"].pid, seen["vm:10"].tasks) == ("vm", 10, 2)
    assert seen["vm:10"].failed == 1 and seen["vm:10"].last_watch == "w"
    assert cluster.workers_seen(store, datetime.now(UTC) + timedelta(minutes=1)) == []


def test_the_queue_needs_a_broker_url_celery_knows() -> None:
    settings = parse_settings("queue:\n  broker_url: amqp://guest:guest@127.0.0.1:5672//\n")
    assert settings.queue is not None and settings.queue.name == "factwatch.checks"
    assert parse_settings("watches: []\n").queue is None
    with pytest.raises(ConfigError, match="broker"):
        parse_settings("queue:\n  broker_url: http://127.0.0.1:5672/\n")
