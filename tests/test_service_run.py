"""``factwatch run`` as a real process: its log, SIGKILL takeover, SIGTERM, SIGHUP, HTTP.

The schedule itself (slots, restarts, misfires, stalls, reloads, Retry-After) is
tested in simulated time in :mod:`tests.test_service_sim`.
"""

from __future__ import annotations

import itertools
import json
import signal
from pathlib import Path

import httpx
import pytest

from store import scheduling
from store.repo import Store
from tests.server import LocalServer
from tests.service_support import check_times, lease_holder, running, wait_for, write_config

PAGE = "<html><body><main><h1>{title}</h1><p>Members include Canada and France.</p></main></body></html>"


def _gaps(times: list) -> list[float]:
    return [(b - a).total_seconds() for a, b in itertools.pairwise(times)]


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/service.db"


def _page(server: LocalServer, path: str, **options: object) -> str:
    server.route(path, PAGE.format(title=path), **options)  # type: ignore[arg-type]
    return server.url(path)


def test_one_log_line_per_check_and_a_clean_stop(
    server: LocalServer, tmp_path: Path, sqlite_url: str
) -> None:
    watches = [{"name": n, "url": _page(server, f"/{n}"), "every": "0.5s"} for n in ("a", "b")]
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, watches)
    store = Store.open(sqlite_url)
    with running(config, tmp_path / "run.log") as run:
        for name in ("a", "b"):
            wait_for(f"2 checks of {name}", lambda n=name: len(check_times(store, n)) >= 2)
        run.signal(signal.SIGTERM)
        assert run.wait() == 0
    for name in ("a", "b"):
        assert (
            min(_gaps(check_times(store, name))) >= 0.25
        )  # one check per slot: a second one would follow at once
    lines = [json.loads(line) for line in run.text().splitlines() if line.startswith("{")]
    logged = [ln for ln in lines if ln.get("message", "").startswith("check a:")]
    assert logged and {"watch", "outcome", "duration", "next_run"} <= set(logged[0])


def test_two_runs_make_one_check_per_slot(
    database_url: str, server: LocalServer, tmp_path: Path
) -> None:
    watches = [{"name": "a", "url": _page(server, "/a"), "every": "1s"}]
    config = write_config(tmp_path / "factwatch.yaml", database_url, watches, lease_ttl="1s")
    store = Store.open(database_url)
    with (
        running(config, tmp_path / "first.log") as first,
        running(config, tmp_path / "second.log") as second,
    ):
        holder = wait_for("a lease holder", lambda: lease_holder(store))
        leader, standby = (first, second) if holder == str(first.pid) else (second, first)
        wait_for("the standby to wait", lambda: "waiting for it" in standby.text())
        wait_for("3 checks", lambda: len(check_times(store, "a")) >= 3)
        leader.proc.kill()  # dies without releasing the lease
        killed_at = check_times(store, "a")[-1]
        wait_for("the standby to take over", lambda: lease_holder(store) == str(standby.pid))
        wait_for(
            "2 checks after the takeover",
            lambda: len([t for t in check_times(store, "a") if t > killed_at]) >= 2,
        )
    assert min(_gaps(check_times(store, "a"))) >= 0.5  # never two checks in one slot


@pytest.mark.parametrize(
    ("delay", "grace", "outcome", "reason"),
    [(6.0, "0.5s", "failed", "shutdown"), (0.8, "15s", "baseline", None)],
    ids=["cut-at-the-grace-deadline", "finishes-within-the-grace"],
)
def test_sigterm_during_a_check_leaves_a_consistent_database(
    delay: float,
    grace: str,
    outcome: str,
    reason: str | None,
    server: LocalServer,
    tmp_path: Path,
    sqlite_url: str,
) -> None:
    watches = [{"name": "slow", "url": _page(server, "/slow", delay=delay), "every": "1h"}]
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, watches, shutdown_grace=grace)
    store = Store.open(sqlite_url)
    with running(config, tmp_path / "run.log") as run:
        wait_for("the check to reach the server", lambda: server.requests)
        run.signal(signal.SIGTERM)
        assert run.wait() == 0
    checks = store.checks("slow")
    assert len(checks) == 1
    recorded = "baseline" if checks[0].version_id and outcome == "baseline" else checks[0].outcome
    assert (recorded, checks[0].reason) == (outcome, reason)
    assert len(store.versions("slow")) == (1 if outcome == "baseline" else 0)
    info = scheduling.lease_info(store)
    assert info is not None and info.holder is None  # released for the next start
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


def test_sighup_reloads_the_config(server: LocalServer, tmp_path: Path, sqlite_url: str) -> None:
    a = {"name": "a", "url": _page(server, "/a"), "every": "0.3s"}
    b = {"name": "b", "url": _page(server, "/b"), "every": "0.3s"}
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, [a])
    store = Store.open(sqlite_url)
    with running(config, tmp_path / "run.log") as run:
        wait_for("2 checks of a", lambda: len(check_times(store, "a")) >= 2)
        write_config(config, sqlite_url, [b])
        run.signal(signal.SIGHUP)
        wait_for("2 checks of b", lambda: len(check_times(store, "b")) >= 2)
        stopped_at = len(check_times(store, "a"))
        wait_for("2 more checks of b", lambda: len(check_times(store, "b")) >= 4)
        assert len(check_times(store, "a")) == stopped_at
        assert "configuration reloaded" in run.text()


def test_health_and_metrics_over_http(server: LocalServer, tmp_path: Path, sqlite_url: str) -> None:
    watches = [{"name": "a", "url": _page(server, "/a"), "every": "0.5s"}]
    config = write_config(tmp_path / "factwatch.yaml", sqlite_url, watches)
    store = Store.open(sqlite_url)
    with running(config, tmp_path / "run.log", "--http", "127.0.0.1:0") as run:
        line = wait_for(
            "the http line", lambda: [ln for ln in run.text().splitlines() if '"http"' in ln]
        )
        address = json.loads(line[0])["http"]
        wait_for("2 checks", lambda: len(check_times(store, "a")) >= 2)
        health = httpx.get(f"http://{address}/healthz", timeout=10)
        metrics = httpx.get(f"http://{address}/metrics", timeout=10).text
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert 'factwatch_checks_total{outcome="baseline"} 1.0' in metrics
    assert "factwatch_fetch_seconds_count" in metrics and "factwatch_alert_queue_depth" in metrics
