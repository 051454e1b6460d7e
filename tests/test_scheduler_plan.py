"""The schedule itself: triggers, next runs from the last check, misfires, Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from model.http import retry_after_seconds
from monitor.scheduler import (
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


def test_jitter_spreads_runs_within_its_bound() -> None:
    trigger = make_trigger(_watch(every="1h").model_copy(update={"jitter": 60.0}), DEFAULTS)
    dues = {next_due(trigger, NOW, NOW) for _ in range(20)}
    assert len(dues) > 1
    assert all(NOW + timedelta(hours=1) <= d <= NOW + timedelta(hours=1, minutes=1) for d in dues)
