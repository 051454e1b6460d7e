"""The service's schedule in simulated time: slots, restarts, misfires, stalls, reloads.

Each test runs the real service loop, dispatcher, store and HTTP checks
against a local server; only time is simulated (:class:`ManualClock`), so an
interval of ten seconds costs nothing and every slot lands exactly.
"""

from __future__ import annotations

import itertools
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from model.clock import ManualClock
from store import scheduling
from tests.server import LocalServer
from tests.service_support import check_times, simulated, write_config

PAGE = "<html><body><main><h1>{title}</h1><p>Members include Canada and France.</p></main></body></html>"


def _gaps(times: list[datetime]) -> list[float]:
    return [(b - a).total_seconds() for a, b in itertools.pairwise(times)]


def _page(server: LocalServer, path: str) -> str:
    server.route(path, PAGE.format(title=path))
    return server.url(path)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/service.db"


def test_watches_fire_once_per_slot(server: LocalServer, tmp_path: Path, sqlite_url: str) -> None:
    watches = [{"name": n, "url": _page(server, f"/{n}"), "every": "10s"} for n in ("a", "b")]
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, watches)
    with simulated(config, ManualClock()) as sim:
        sim.run_for(35, step=1)
        times = {n: check_times(sim.store, n) for n in ("a", "b")}
    assert {n: _gaps(t) for n, t in times.items()} == {"a": [10, 10, 10], "b": [10, 10, 10]}


def test_a_restart_keeps_the_rhythm(server: LocalServer, tmp_path: Path, sqlite_url: str) -> None:
    config = write_config(
        tmp_path / "factwatch.yaml",
        sqlite_url,
        [{"name": "a", "url": _page(server, "/a"), "every": "10s"}],
    )
    clock = ManualClock()
    with simulated(config, clock) as first:
        first.run_for(4, step=1)
    with simulated(config, clock) as second:
        second.run_for(10, step=0.5)
        times = check_times(second.store, "a")
        assert scheduling.misfires(second.store, "a") == []
    assert _gaps(times) == [10]  # from the last check, not from the restart


def test_missed_runs_are_coalesced_and_recorded(
    server: LocalServer, tmp_path: Path, sqlite_url: str
) -> None:
    config = write_config(
        tmp_path / "factwatch.yaml",
        sqlite_url,
        [{"name": "a", "url": _page(server, "/a"), "every": "10s"}],
    )
    clock = ManualClock()
    with simulated(config, clock) as first:
        down_since = check_times(first.store, "a")[-1]
    clock.advance(35)  # the service is down over three slots
    with simulated(config, clock) as second:
        second.run_for(12, step=1)
        [misfire] = scheduling.misfires(second.store, "a")
        after = [t for t in check_times(second.store, "a") if t > down_since]
    assert misfire.missed == 3 and misfire.due_at == down_since + timedelta(seconds=10)
    assert _gaps(after) == [10]  # one catch-up run, then the rhythm again


def test_a_stalled_server_is_cut_off_and_others_still_run(
    server: LocalServer, tmp_path: Path, sqlite_url: str
) -> None:
    release = threading.Event()

    def stall(_handler: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        release.wait(30)
        return 200, {"Content-Type": "text/html"}, PAGE.format(title="late").encode()

    server.route("/slow", handler=stall)
    watches = [
        {"name": "slow", "url": server.url("/slow"), "every": "1h"},
        {"name": "fast", "url": _page(server, "/fast"), "every": "1s"},
    ]
    config = write_config(
        tmp_path / "factwatch.yaml",
        sqlite_url,
        watches,
        check_deadline="5s",
        concurrency=4,
        per_host=4,
    )
    try:
        with simulated(config, ManualClock(), stalled={"slow"}) as sim:
            sim.run_for(6, step=0.5)
            [cut] = sim.store.checks("slow")
            sim.stalled.clear()
            release.set()  # the late answer arrives after the cut: its result is refused
            sim.run_for(2, step=0.5)
            assert len(sim.store.checks("slow")) == 1 and sim.store.versions("slow") == []
            fast = check_times(sim.store, "fast")
    finally:
        release.set()
    assert (cut.outcome, cut.reason) == ("failed", "deadline") and "cut off" in (cut.error or "")
    assert cut.duration == pytest.approx(5, abs=0.6)
    assert len([t for t in fast if t <= cut.started_at + timedelta(seconds=5)]) >= 5


@pytest.mark.parametrize("how", ["reload", "watch-config"])
def test_a_reloaded_config_adds_and_removes_watches(
    how: str, server: LocalServer, tmp_path: Path, sqlite_url: str
) -> None:
    a = {"name": "a", "url": _page(server, "/a"), "every": "2s"}
    b = {"name": "b", "url": _page(server, "/b"), "every": "2s"}
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, [a])
    with simulated(config, ManualClock(), watch_config=how == "watch-config") as sim:
        sim.run_for(3, step=1)
        write_config(config, sqlite_url, [b])
        if how == "reload":
            sim.service.reload()
        sim.run_for(1, step=0.5)
        stopped_at = len(check_times(sim.store, "a"))
        sim.run_for(8, step=1)
        assert len(check_times(sim.store, "a")) == stopped_at
        assert len(check_times(sim.store, "b")) == 5


def test_retry_after_pauses_the_host(server: LocalServer, tmp_path: Path, sqlite_url: str) -> None:
    server.route("/busy", "slow down", status=429, headers={"Retry-After": "20"})
    watches = [
        {"name": "busy", "url": server.url("/busy"), "every": "1s"},
        {"name": "other", "url": _page(server, "/other"), "every": "1s"},
    ]
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, watches, per_host=2)
    with simulated(config, ManualClock()) as sim:
        [first] = check_times(sim.store, "busy")
        sim.run_for(25, step=1)
        busy = check_times(sim.store, "busy")
        until = scheduling.schedules(sim.store)["busy"].retry_after_until
        started = sorted(busy + check_times(sim.store, "other"))
    resumed = first + timedelta(seconds=20)
    assert [t for t in started if first < t < resumed] == []  # the host rested as asked
    assert busy == [first, resumed] and until == resumed + timedelta(seconds=20)


def test_two_services_make_one_check_per_slot(
    database_url: str, server: LocalServer, tmp_path: Path
) -> None:
    watches = [{"name": "a", "url": _page(server, "/a"), "every": "2s"}]
    config = write_config(tmp_path / "factwatch.yaml", database_url, watches)
    clock = ManualClock()
    with simulated(config, clock) as leader, simulated(config, clock) as standby:
        assert leader.service.state.leader and standby.service.state.waiting
        leader.run_for(10, step=1)
        standby.settle()
        handed_over = check_times(leader.store, "a")[-1]
        leader.stop()  # gives the lease up
        standby.run_for(10, step=1)
        assert standby.service.state.leader
        times = check_times(standby.store, "a")
    assert len(times) >= 10 and len([t for t in times if t > handed_over]) >= 4
    assert min(_gaps(times)) >= 2  # never two checks in one slot
