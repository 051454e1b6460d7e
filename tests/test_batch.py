"""Unchanged checks written in batches, on SQLite and PostgreSQL, through the real
dispatcher and a real HTTP server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from alerts.enqueue import AlertPolicy
from model.outcomes import Changed, Unchanged
from monitor.batch import UnchangedBatch, quiet
from monitor.dispatch import check_once
from monitor.settings import WatchSettings
from store import findings
from store.records import CheckResult
from store.repo import Store
from tests.conftest import make_settings
from tests.pages import seed_html
from tests.server import LocalServer

NAMES = [f"p{i}" for i in range(12)]


def _serve(server: LocalServer) -> dict[str, str]:
    for name in NAMES:
        server.route(f"/{name}", seed_html(token=name).encode())
    return {name: server.url(f"/{name}") for name in NAMES}


def test_an_unchanged_pass_writes_every_check_row(server: LocalServer, store: Store) -> None:
    settings = make_settings("sqlite://", **_serve(server))
    first = check_once(store, settings, settings.watches)
    assert all(isinstance(o, Changed) for o in first)
    again = check_once(store, settings, settings.watches)
    assert all(isinstance(o, Unchanged) for o in again)
    for outcome in again:
        checks = store.checks(outcome.watch)
        assert [c.outcome for c in checks] == ["unchanged", "changed"]
        assert outcome.check_id == checks[0].id


def _unchanged(watch: str, at: datetime) -> CheckResult:
    url = f"https://example.org/{watch}"
    return CheckResult(watch, url, at, 0.1, "unchanged", 200, via="hash")


def test_a_batch_not_written_loses_only_its_unchanged_rows(store: Store) -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    for name in ("a", "b"):
        store.ensure_watch(name, f"https://example.org/{name}")
    batch = UnchangedBatch(store, size=10)
    batch.add(_unchanged("a", at), AlertPolicy(()))
    assert batch.holds("a") and not batch.holds("b")
    assert store.checks("a") == []  # a crash now would lose this row, and nothing else
    batch.add(_unchanged("b", at), AlertPolicy(()))
    assert batch.flush() == 2
    assert [len(store.checks(name)) for name in ("a", "b")] == [1, 1]
    assert batch.ids == {"a": store.checks("a")[0].id, "b": store.checks("b")[0].id}


def test_a_full_batch_is_written_at_once(store: Store) -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    store.ensure_watch("a", "https://example.org/a")
    batch = UnchangedBatch(store, size=3)
    for _ in range(3):
        batch.add(_unchanged("a", at), AlertPolicy(()))
    assert len(store.checks("a")) == 3 and not batch.holds("a")


def test_only_quiet_checks_wait(store: Store) -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    settings = make_settings("sqlite://", a="https://example.org/a")
    watch = settings.watches[0]
    state = store.open_watches([("a", watch.url, None)])["a"]
    result = _unchanged("a", at)
    assert quiet(settings, watch, None, state, result, ())
    assert not quiet(settings, watch, None, state, result, {"a"})  # an open finding
    failing = replace(state, consecutive_failures=2)
    assert not quiet(settings, watch, None, failing, result, ())
    follows = WatchSettings.model_validate(
        {"name": "a", "url": watch.url, "follow": [{"css": "a.statement"}]}
    )
    assert not quiet(settings, follows, None, state, result, ())
    assert not quiet(settings, watch, "parent", state, result, ())
    changed = CheckResult("a", watch.url, at, 0.1, "changed", 200)
    assert not quiet(settings, watch, None, state, changed, ())
    assert not quiet(settings, watch, None, state, replace(result, slot=at), ())


def test_a_watch_with_an_open_finding_is_not_batched_until_it_is_resolved(store: Store) -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    settings = make_settings("sqlite://", a="https://example.org/a", b="https://example.org/b")
    states = store.open_watches([(w.name, w.url, None) for w in settings.watches])
    now = [0.0]
    batch = UnchangedBatch(store, clock=lambda: now[0])
    with findings.transaction(store, ["a", "b"]) as tx:
        opened = tx.add("discrepancy", "k", "a", ("a", "b"), at, subject="s", detail="d")
    assert findings.watches_with_open_findings(store) == {"a", "b"}
    takes = [
        batch.takes(settings, w, None, states[w.name], _unchanged(w.name, at))
        for w in settings.watches
    ]
    assert takes == [False, False]
    with findings.transaction(store, ["a", "b"]) as tx:
        tx.resolve(opened, "agree", at)
    assert not batch.takes(settings, settings.watches[0], None, states["a"], _unchanged("a", at))
    now[0] += batch.max_wait  # read again at most once per max_wait
    assert batch.takes(settings, settings.watches[0], None, states["a"], _unchanged("a", at))
