"""Runaway work is stopped: linear-time user regexes, parse workers under limits, real cuts.

The dispatcher tests run on a simulated clock: time moves only when the
test says so, and every real-time wait is bounded (``wait_for``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from model.budget import Budget, within
from model.clock import ManualClock
from model.errors import ConfigError, ParseError, ResourceLimitError
from model.outcomes import Changed, Failed
from monitor.dispatch import Dispatcher, Job, check_once
from monitor.settings import (
    FetchSettings,
    PatternSettings,
    SchedulerSettings,
    Settings,
    WatchSettings,
    parse_settings,
)
from monitor.workers import Limits, WorkerPool
from parsers.job import ParseJob
from store.repo import Store
from tests.hostile import server as hs
from tests.hostile import work
from tests.hostile.server import HostileServer
from tests.service_support import wait_for

EVIL = "(?P<value>(a+)+b)"
PAGE = (
    "<html><head><title>Fund</title></head><body><main><h1>Fund</h1>"
    f"<p>{'a' * 34}!</p><p>The fund holds 42 grants.</p></main></body></html>"
)
JOB = ParseJob(PAGE.encode(), "text/html", "http://127.0.0.1/fund")


def _settings(store: Store, *watches: WatchSettings, **scheduler: object) -> Settings:
    return Settings(
        database=str(store.engine.url),
        fetch=FetchSettings(allow_private_networks=True, connect_timeout=2, read_timeout=60),
        scheduler=SchedulerSettings(politeness_delay=0, **scheduler),  # type: ignore[arg-type]
        watches=watches,
    )


def test_a_backtracking_user_regex_runs_in_linear_time(
    sqlite_store: Store, hostile: HostileServer
) -> None:
    """``(a+)+b`` on 34 a's and a "!" spun Python's engine for minutes; RE2 answers at once."""
    hostile.route("/fund", hs.page(PAGE))
    rule = PatternSettings(name="evil", kind="figure", regex=EVIL)
    watch = WatchSettings(name="fund", url=hostile.url("/fund"), patterns=(rule,))
    settings = _settings(sqlite_store, watch, check_deadline=30)
    [outcome] = check_once(sqlite_store, settings, [watch])
    assert isinstance(outcome, Changed) and outcome.baseline, outcome


@pytest.mark.parametrize(
    "item",
    [
        "patterns: [{name: p, kind: figure, regex: '(?P<value>(a)\\2)'}]",
        "patterns: [{name: p, kind: figure, regex: '(?P<value>\\d+)(?= members)'}]",
        "follow: [{link_text: '(?<!not )statement'}]",
        "follow: [{url: '(.)\\1'}]",
    ],
    ids=["backreference", "lookahead", "lookbehind", "url-backreference"],
)
def test_regexes_that_cannot_run_in_linear_time_are_refused_at_load(item: str) -> None:
    text = f"watches:\n  - name: w\n    url: https://example.org/\n    {item}\n"
    with pytest.raises(ConfigError, match="cannot run in linear time"):
        parse_settings(text, where="f.yaml", env={})


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    found = WorkerPool(1, Limits(cpu_seconds=60, memory_mb=512), work=work.spin_unless_ok)
    try:
        yield found
    finally:
        found.close()


def test_cpu_limit_stops_a_runaway_parse() -> None:
    pool = WorkerPool(1, Limits(cpu_seconds=1, memory_mb=512), work=work.spin)
    try:
        with pytest.raises(ResourceLimitError, match=r"more than 1s of CPU time") as caught:
            pool(JOB)
        assert caught.value.reason == "resource-limit"
    finally:
        pool.close()


def test_memory_limit_stops_a_runaway_parse() -> None:
    pool = WorkerPool(1, Limits(cpu_seconds=60, memory_mb=300), work=work.hog)
    try:
        with pytest.raises(ResourceLimitError, match=r"more than 300 MB"):
            pool(JOB)
    finally:
        pool.close()


def test_a_cancelled_budget_kills_the_worker_and_the_next_job_gets_a_fresh_one(
    pool: WorkerPool,
) -> None:
    scope, errors = Budget(), []

    def parse() -> None:
        with within(budget=scope):
            try:
                pool(ParseJob(b"<p>spin</p>", "text/html", "http://127.0.0.1/"))
            except ParseError as exc:
                errors.append(str(exc))

    thread = threading.Thread(target=parse)
    thread.start()
    wait_for("the worker to be busy", lambda: pool.busy == 1, 10)
    scope.cancel()
    thread.join(10)
    assert not thread.is_alive() and errors == ["parsing cut off (the check was cut off)"]
    doc, facts = pool(JOB)
    assert doc.title == "Fund" and any(f.value.get("amount") == 42 for f in facts)


def _check_threads(name: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == f"check {name}" and t.is_alive()]


def _run_until_cut(dispatch: Dispatcher, clock: ManualClock, job: Job, busy: object) -> None:
    dispatch.submit(job)
    dispatch.tick()
    wait_for("the check to be under way", busy, 10)
    clock.advance(11)
    dispatch.tick()


def test_a_cut_off_fetch_releases_its_thread_and_socket(
    sqlite_store: Store, hostile: HostileServer, tmp_path: Path
) -> None:
    """Headers trickling for minutes, a 10 s check deadline: the cut ends the exchange."""
    hostile.route("/slow", hs.trickle_headers(interval=0.2))
    watch = WatchSettings(name="slow", url=hostile.url("/slow"))
    settings = _settings(sqlite_store, watch, check_deadline=10)
    settings = settings.model_copy(
        update={"fetch": settings.fetch.model_copy(update={"deadline": 600})}
    )
    clock = ManualClock()
    dispatch = Dispatcher(sqlite_store, settings, clock=clock)
    try:
        _run_until_cut(dispatch, clock, Job(watch, clock.now()), lambda: hostile.open == 1)
        [check] = sqlite_store.checks("slow")
        assert (check.outcome, check.reason) == ("failed", "deadline")
        wait_for("the check's thread to end", lambda: not _check_threads("slow"), 10)
        wait_for("its socket to close", lambda: hostile.open == 0, 10)
    finally:
        dispatch.close()


def test_a_cut_off_parse_kills_its_worker(
    sqlite_store: Store, hostile: HostileServer, pool: WorkerPool
) -> None:
    hostile.route("/spin", hs.page("<html><body><main><p>spin</p></main></body></html>"))
    hostile.route("/fund", hs.page(PAGE))
    spinning = WatchSettings(name="spin", url=hostile.url("/spin"))
    fine = WatchSettings(name="fund", url=hostile.url("/fund"))
    settings = _settings(sqlite_store, spinning, fine, check_deadline=10)
    clock = ManualClock()
    dispatch = Dispatcher(sqlite_store, settings, clock=clock, analyse=pool)
    finished: list[object] = []
    dispatch.on_finish = lambda done: finished.append(done.outcome)
    try:
        _run_until_cut(dispatch, clock, Job(spinning, clock.now()), lambda: pool.busy == 1)
        wait_for("the check's thread to end", lambda: not _check_threads("spin"), 10)
        assert pool.busy == 0
        dispatch.submit(Job(fine, clock.now()))
        wait_for("the next check", lambda: dispatch.tick() is not None and len(finished) == 2, 30)
    finally:
        dispatch.close()
    assert isinstance(finished[0], Failed) and finished[0].reason == "deadline"
    assert isinstance(finished[1], Changed) and finished[1].baseline


def test_a_worker_killed_between_jobs_is_replaced_not_blamed(pool: WorkerPool) -> None:
    """A cut that lands just as its job ended kills a worker that went back idle: the next
    job, someone else's, runs on a fresh worker instead of failing."""
    pool(JOB)
    [idle] = pool._idle
    idle.kill()
    idle.process.join(5)
    doc, _ = pool(JOB)
    assert doc.title == "Fund"
