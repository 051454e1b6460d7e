"""The schedule itself: triggers, next runs from the last check, misfires, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from model.http import retry_after_seconds
from monitor.scheduler import (
    LastCheck,
    NextRun,
    Plan,
    crontab_weekdays,
    jitter_for,
    make_trigger,
    missed_runs,
    next_due,
)
from monitor.settings import SchedulerSettings, WatchSettings

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)  # a Saturday
DEFAULTS = SchedulerSettings(jitter=0)


def _watch(**schedule: object) -> WatchSettings:
    return WatchSettings(name="w", url="https://example.org/", jitter=0, **schedule)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("schedule", "last", "expected"),
    [
        ({"every": "6h"}, None, NOW),
        ({"cron": "0 7 * * 1-5"}, None, datetime(2026, 12, 7, 7, tzinfo=UTC)),
        ({"every": "6h"}, NOW - timedelta(hours=1), NOW + timedelta(hours=5)),
        ({"every": "30m"}, NOW - timedelta(hours=3), NOW - timedelta(hours=2, minutes=30)),
        ({}, NOW - timedelta(hours=1), NOW + timedelta(hours=5)),
        ({"cron": "0 7 * * 1-5"}, NOW - timedelta(hours=1), datetime(2026, 12, 7, 7, tzinfo=UTC)),
        (
            {"cron": "0 7 * * 1-5", "timezone": "America/Toronto"},
            NOW,
            datetime(2026, 12, 7, 12, tzinfo=UTC),
        ),
        ({"cron": "30 6 * * 0"}, NOW, datetime(2026, 12, 6, 6, 30, tzinfo=UTC)),
    ],
    ids=[
        "never-checked",
        "never-checked-cron-waits",
        "interval",
        "overdue-interval",
        "default-interval",
        "weekdays",
        "timezone",
        "sunday-is-0",
    ],
)
def test_next_run_comes_from_the_last_check(
    schedule: dict[str, str], last: datetime | None, expected: datetime
) -> None:
    trigger = make_trigger(_watch(**schedule), DEFAULTS)
    assert next_due(trigger, last, NOW) == expected


@pytest.mark.parametrize(
    ("late", "expected"),
    [(timedelta(seconds=30), 0), (timedelta(hours=1), 1), (timedelta(hours=13), 3)],
    ids=["within-grace", "one-slot", "three-slots"],
)
def test_missed_runs_are_counted(late: timedelta, expected: int) -> None:
    trigger = make_trigger(_watch(every="6h"), DEFAULTS)
    assert missed_runs(trigger, NOW - late, NOW, grace=60) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        ("99999", 3600.0),
        ("Sat, 05 Dec 2026 12:05:00 GMT", 300.0),
        ("Sat, 05 Dec 2026 11:00:00 GMT", 0.0),
        ("Sat, 05 Dec 2026 12:05:00 -0000", 300.0),
        ("soon", None),
        (None, None),
    ],
    ids=[
        "seconds",
        "capped",
        "http-date",
        "date-in-the-past",
        "date-without-zone",
        "garbage",
        "absent",
    ],
)
def test_retry_after(header: str | None, expected: float | None) -> None:
    assert retry_after_seconds(header, NOW, cap=3600) == expected


@pytest.mark.parametrize(
    ("field", "expected"),
    [("1-5", "mon-fri"), ("0", "sun"), ("7", "sun"), ("*/2", "*/2"), ("1,3,5", "mon,wed,fri")],
)
def test_crontab_weekdays(field: str, expected: str) -> None:
    assert crontab_weekdays(field) == expected


@pytest.mark.parametrize(
    ("watch", "expected"),
    [
        ({"every": "6h", "jitter": None}, 300.0),
        ({"every": "10s", "jitter": None}, 1.0),
        ({"every": "6h", "jitter": "0.5s"}, 0.5),
    ],
    ids=["default", "capped-at-a-tenth", "own"],
)
def test_jitter(watch: dict[str, str | None], expected: float) -> None:
    settings = WatchSettings(name="w", url="https://example.org/", **watch)  # type: ignore[arg-type]
    assert jitter_for(settings, SchedulerSettings()) == expected


def test_jitter_is_drawn_once_per_slot_and_spreads_watches_within_its_bound() -> None:
    watches = [
        _watch(every="1h").model_copy(update={"name": f"w{i}", "jitter": 60.0}) for i in range(20)
    ]
    plans = [Plan(w, DEFAULTS) for w in watches]
    dues = [plan.slot(NOW, NOW) for plan in plans]
    assert dues == [plan.slot(NOW, NOW) for plan in plans]  # the same every time it is asked
    assert len(set(dues)) == 20
    assert all(NOW + timedelta(hours=1) <= d < NOW + timedelta(hours=1, minutes=1) for d in dues)


def test_a_new_cron_watch_waits_for_its_first_cron_time() -> None:
    plan = Plan(_watch(cron="0 9-17 * * 1-5", timezone="America/Toronto"), DEFAULTS)
    monday_0724_toronto = datetime(2026, 12, 7, 12, 24, tzinfo=UTC)
    assert plan.next_run(None, monday_0724_toronto) == NextRun(
        datetime(2026, 12, 7, 14, 0, tzinfo=UTC)
    )


def test_a_cron_watch_skips_a_missed_slot_on_start_and_counts_it() -> None:
    plan = Plan(_watch(cron="0 * * * *"), DEFAULTS)
    last = LastCheck(NOW - timedelta(hours=3), NOW - timedelta(hours=3))
    assert plan.on_start(last, NOW + timedelta(minutes=30), grace=60) == (
        NextRun(NOW + timedelta(hours=1)),
        3,
    )
    interval = Plan(_watch(every="1h"), DEFAULTS)
    assert interval.on_start(last, NOW, grace=60) == (NextRun(NOW - timedelta(hours=2)), 0)


def _failed(reason: str, status: int | None, failures: int) -> LastCheck:
    return LastCheck(NOW, NOW + timedelta(seconds=2), reason, status, failures)


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        (_failed("connection", None, 1), NextRun(NOW + timedelta(seconds=62), 1, "connection")),
        (_failed("timeout", None, 2), NextRun(NOW + timedelta(seconds=122), 2, "timeout")),
        (_failed("http-status", 503, 3), NextRun(NOW + timedelta(seconds=242), 3, "HTTP 503")),
        (_failed("http-status", 429, 1), NextRun(NOW + timedelta(seconds=62), 1, "HTTP 429")),
        (_failed("deadline", None, 6), NextRun(NOW + timedelta(seconds=1922), 6, "deadline")),
        (_failed("connection", None, 7), NextRun(NOW + timedelta(hours=1))),
        (_failed("http-status", 404, 1), NextRun(NOW + timedelta(hours=1))),
        (_failed("parse", None, 1), NextRun(NOW + timedelta(hours=1))),
        (LastCheck(NOW, NOW), NextRun(NOW + timedelta(hours=1))),
    ],
    ids=[
        "connection-1m",
        "timeout-2m",
        "5xx-4m",
        "429",
        "deadline-32m",
        "capped-at-the-interval",
        "404-waits",
        "parse-waits",
        "success",
    ],
)
def test_transient_failures_are_retried_with_backoff(last: LastCheck, expected: NextRun) -> None:
    assert Plan(_watch(every="1h"), DEFAULTS).next_run(last, NOW) == expected


def test_retries_can_be_turned_off() -> None:
    plan = Plan(_watch(every="1h"), SchedulerSettings(jitter=0, retry_backoff=0))
    assert plan.next_run(_failed("connection", None, 1), NOW) == NextRun(NOW + timedelta(hours=1))
