"""The outbox on SQLite and PostgreSQL: rows written with the check, claims, health."""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from alerts.deliver import Deliverer
from model.changes import Change
from model.errors import StoreError
from monitor import check
from monitor.settings import Settings
from store import outbox
from store.models import ChangeRow
from store.repo import Store
from tests.alerts_support import (
    DATE,
    FIGURE,
    MEMBERSHIP,
    MODIFIED,
    receiver,
    record_changes,
    record_failure,
    settings_yaml,
    webhook_spec,
)
from tests.server import LocalServer

FLAP = dataclasses.replace(FIGURE, note="flap")
URL = "http://127.0.0.1:9/hook"  # never contacted: these tests do not deliver


def _settings(
    store: Store, watches: list[dict[str, Any]] | None = None, **delivery: Any
) -> Settings:
    channels = {"mail": webhook_spec(URL), "chat": webhook_spec(URL)}
    return settings_yaml(str(store.engine.url), channels, watches or [], **delivery)


def _summary(store: Store) -> list[tuple[str, str, int]]:
    return sorted((r.channel, r.kind, len(r.payload.get("events", []))) for r in outbox.rows(store))


def test_one_row_per_channel_per_check(store: Store) -> None:
    settings = _settings(store)
    record_changes(store, "w", [MEMBERSHIP, FIGURE, DATE], settings=settings)
    assert _summary(store) == [("chat", "changes", 3), ("mail", "changes", 3)]
    keys = {r.key for r in outbox.rows(store)}
    assert len(keys) == 2 and all(r.status == "pending" for r in outbox.rows(store))


def test_rows_commit_with_the_changes_or_not_at_all(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = _settings(store)

    def crash(*_: object) -> None:
        raise StoreError("disk full")

    monkeypatch.setattr(check, "alerts_for", crash)  # fails after the check's rows are written
    with pytest.raises(StoreError):
        record_changes(store, "w", [FIGURE], settings=settings)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(ChangeRow)) == 0
    assert outbox.rows(store) == []


FILTERS: dict[str, tuple[dict[str, Any], list[Change], list[tuple[str, str, int]]]] = {
    "default-every-channel-all-fact-kinds": (
        {},
        [FIGURE, DATE],
        [("chat", "changes", 2), ("mail", "changes", 2)],
    ),
    "alert-one-channel": ({"alert": ["mail"]}, [FIGURE], [("mail", "changes", 1)]),
    "alert-none": ({"alert": []}, [FIGURE], []),
    "alert-on-keeps-listed-kinds": (
        {"alert_on": ["membership"]},
        [MEMBERSHIP, FIGURE],
        [("chat", "changes", 1), ("mail", "changes", 1)],
    ),
    "alert-on-nothing-matches": ({"alert_on": ["membership"]}, [FIGURE], []),
    "page-modified-alone-is-silent": ({}, [MODIFIED], []),
    "page-modified-rides-along-silently": (
        {"alert": ["mail"]},
        [MODIFIED, FIGURE],
        [("mail", "changes", 1)],
    ),
    "flap-silent-when-alert-flaps-false": ({"alert_flaps": False}, [FLAP], []),
    "flap-alerts-by-default": ({"alert": ["mail"]}, [FLAP], [("mail", "changes", 1)]),
    "page-modified-when-asked": (
        {"alert": ["mail"], "alert_on": ["page-modified"]},
        [MODIFIED],
        [("mail", "changes", 1)],
    ),
}


@pytest.mark.parametrize(("watch", "changes", "expected"), FILTERS.values(), ids=FILTERS.keys())
def test_alert_and_alert_on(
    store: Store, watch: dict[str, Any], changes: list[Change], expected: list[tuple[str, str, int]]
) -> None:
    settings = _settings(store, [{"name": "w", "url": "https://www.example.gc.ca/w", **watch}])
    record_changes(store, "w", changes, settings=settings)
    assert _summary(store) == expected


def test_watch_health_one_failing_one_recovered(store: Store) -> None:
    settings = _settings(
        store,
        [{"name": "w", "url": "https://www.example.gc.ca/w", "alert": ["mail"]}],
        health_failures=3,
    )
    kinds = []
    for ok in (False, False, False, False, False, True, True, False):
        record_failure(store, "w", ok=ok, settings=settings)
        kinds.append([r.kind for r in outbox.rows(store)][::-1])
    assert kinds[1] == [] and kinds[2] == ["watch-failing"] and kinds[4] == ["watch-failing"]
    assert kinds[-1] == ["watch-failing", "watch-recovered"]
    failing, recovered = outbox.rows(store)[::-1]
    assert failing.payload["failures"] == 3 and failing.payload["reason"] == "http-status"
    assert "503" in failing.payload["error"]
    assert recovered.payload["since"] == failing.payload["detected_at"]


def test_claims_never_overlap_and_expire(store: Store) -> None:
    settings = _settings(store)
    for name in "abc":
        record_changes(store, name, [FIGURE], settings=settings)
    first = outbox.claim(store, "mail", "token-1", lease=60, limit=2)
    second = outbox.claim(store, "mail", "token-2", lease=60, limit=5)
    assert len(first) == 2 and len(second) == 1
    assert not {r.id for r in first} & {r.id for r in second}
    assert outbox.claim(store, "mail", "token-3", lease=60, limit=5) == []
    expired = outbox.claim(store, "chat", "token-4", lease=0.001, limit=5)
    assert len(expired) == 3
    assert len(outbox.claim(store, "chat", "token-5", lease=60, limit=5)) == 3
    assert not outbox.mark_sent(store, expired[0], "token-4")  # its lease was lost


def test_two_deliverers_send_each_alert_once(store: Store, server: LocalServer) -> None:
    got = receiver(server, "/hook")
    settings = settings_yaml(str(store.engine.url), {"hook": webhook_spec(server.url("/hook"))})
    for n in range(12):
        record_changes(store, f"w{n}", [FIGURE], settings=settings)
    other = Store.open(str(store.engine.url))
    try:
        workers = [threading.Thread(target=Deliverer(s, settings).deliver) for s in (store, other)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        other.close()
    keys = [b["id"] for b in got.bodies]
    assert len(keys) == 12 and len(set(keys)) == 12
    assert {r.status for r in outbox.rows(store)} == {"sent"}


def test_retry_requeues_dead_alerts(store: Store) -> None:
    settings = _settings(store)
    record_changes(store, "w", [FIGURE], settings=settings)
    rows = outbox.rows(store)
    token = "t"
    outbox.claim(store, "mail", token, lease=60, limit=5)
    [mail] = [r for r in rows if r.channel == "mail"]
    assert outbox.mark_failed(store, mail, token, "SMTP 550: no such user", None)
    assert outbox.counts(store) == {"pending": 1, "sent": 0, "dead": 1}
    assert outbox.requeue(store, [mail.id, 999]) == [mail.id]
    assert outbox.counts(store) == {"pending": 2, "sent": 0, "dead": 0}
