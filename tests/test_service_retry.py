"""Retries after transient failures, cron start times and reload errors, in simulated time.

The real service loop, dispatcher, store and HTTP checks run against a local
server; only time is simulated (:class:`ManualClock`).
"""

from __future__ import annotations

import itertools
import json
import logging
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from model.clock import ManualClock
from monitor.cli import cli
from tests.server import LocalServer
from tests.service_support import check_times, simulated, write_config

PAGE = "<html><body><main><h1>Members</h1><p>Members include Canada and France.</p></main></body></html>"


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/service.db"


def _gaps(times: list[datetime]) -> list[float]:
    return [(b - a).total_seconds() for a, b in itertools.pairwise(times)]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _status(config: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--config", str(config), "status", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("failure", ["http-503", "refused"])
def test_a_transient_failure_is_retried_with_backoff_and_status_says_so(
    failure: str, server: LocalServer, tmp_path: Path, sqlite_url: str
) -> None:
    server.route("/flaky", "down for maintenance", status=503)
    url = server.url("/flaky") if failure == "http-503" else f"http://127.0.0.1:{_closed_port()}/"
    watches = [{"name": "flaky", "url": url, "every": "1h"}]
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, watches, retry_backoff="1m")
    with simulated(config, ManualClock()) as sim:
        for seconds in (60, 120, 240):
            sim.step(seconds)
        times = check_times(sim.store, "flaky")
        data = json.loads(_status(config, "--json"))["watches"][0]
        table = _status(config)
    reason = "HTTP 503" if failure == "http-503" else "connection"
    assert _gaps(times) == [60, 120, 240]  # 1 min, doubling
    assert data["retry"] == {"attempt": 4, "reason": reason}
    assert data["next_run"] == (times[-1] + timedelta(minutes=8)).isoformat(
        timespec="milliseconds"
    ).replace("+00:00", "Z")
    assert f"(retry 4: {reason})" in table


def test_after_a_retry_succeeds_the_watch_keeps_its_interval(
    server: LocalServer, tmp_path: Path, sqlite_url: str
) -> None:
    server.route("/flaky", "down for maintenance", status=503)
    watches = [{"name": "flaky", "url": server.url("/flaky"), "every": "1h"}]
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, watches)
    with simulated(config, ManualClock()) as sim:
        sim.step(60)
        server.route("/flaky", PAGE)
        sim.step(120)  # the second retry succeeds
        sim.step(1800)
        sim.step(1800)
        times = check_times(sim.store, "flaky")
    assert _gaps(times) == [60, 120, 3600]


def test_a_failure_that_will_not_pass_by_itself_waits_for_the_next_slot(
    server: LocalServer, tmp_path: Path, sqlite_url: str
) -> None:
    server.route("/gone", "not here", status=404)
    watches = [{"name": "gone", "url": server.url("/gone"), "every": "1h"}]
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, watches)
    with simulated(config, ManualClock()) as sim:
        for _ in range(4):
            sim.step(900)
        times = check_times(sim.store, "gone")
    assert _gaps(times) == [3600]


def test_a_cron_watch_runs_at_its_cron_times_only(
    server: LocalServer, tmp_path: Path, sqlite_url: str
) -> None:
    server.route("/office", PAGE)
    watches = [
        {
            "name": "office",
            "url": server.url("/office"),
            "cron": "0 9-17 * * 1-5",
            "timezone": "America/Toronto",
        }
    ]
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, watches)
    monday_0724_toronto = datetime(2026, 12, 7, 12, 24, tzinfo=UTC)
    with simulated(config, ManualClock(monday_0724_toronto)) as sim:
        for _ in range(3):
            sim.step(1800)
        before_nine = check_times(sim.store, "office")
        sim.step(360)
        at_nine = check_times(sim.store, "office")
        table = _status(config)
    assert before_nine == []
    assert at_nine == [datetime(2026, 12, 7, 14, 0, tzinfo=UTC)]
    assert "2026-12-07 09:00:00-05:00" in table and "2026-12-07 10:00:00-05:00" in table


def test_a_reload_error_points_at_the_key_and_line(
    server: LocalServer, tmp_path: Path, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    server.route("/a", PAGE)
    good = {"name": "a", "url": server.url("/a"), "every": "1h"}
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, [good])
    caplog.set_level(logging.ERROR, logger="factwatch.service")
    with simulated(config, ManualClock()) as sim:
        write_config(config, sqlite_url, [{**good, "cron": "0 * * * *"}])
        sim.service.reload()
        sim.step(1)
    lines = config.read_text().splitlines()
    cron_line = next(i for i, line in enumerate(lines, 1) if line.strip().startswith("cron:"))
    [record] = [r for r in caplog.records if "not reloaded" in r.getMessage()]
    assert (
        f"{config}:{cron_line}: watches.0.cron: give either every or cron, not both"
        in record.getMessage()
    )
    assert "Value error" not in record.getMessage()
