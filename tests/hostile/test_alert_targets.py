"""Alert targets go through the same gate as pages, and their replies are capped.

A webhook, Slack or SMTP target on a non-public address is refused unless its
channel opts in (``allow_private_networks: true``); a refused target is a
dead alert whose reason says so, and the target never sees a connection.
Replies are read up to a few KB, sessions end at the channel's timeout.
"""

from __future__ import annotations

from typing import Any

import pytest

from alerts.channels._http import MAX_DETAIL
from alerts.deliver import Deliverer
from store import outbox
from store.outbox_models import OutboxRow
from store.repo import Store
from tests.alerts_support import (
    HOSTILE_CHANGE,
    email_spec,
    mail_server,
    record_changes,
    settings_yaml,
    slack_spec,
    webhook_spec,
)
from tests.hostile import server as hs
from tests.hostile.conftest import Network
from tests.hostile.server import HostileServer, hostile_server

BIG = 50_000_000


def _deliver(store: Store, channel: dict[str, Any]) -> OutboxRow:
    settings = settings_yaml(str(store.engine.url), {"target": channel}, max_attempts=1)
    record_changes(store, "w", [HOSTILE_CHANGE], settings=settings)
    Deliverer(store, settings).deliver(timeout=0)
    [row] = outbox.rows(store)
    return row


def _smtp(port: int, **extra: Any) -> dict[str, Any]:
    return {
        "email": {
            "host": "127.0.0.1",
            "port": port,
            "from": "factwatch@example.org",
            "to": ["policy@example.org"],
            "timeout": 1,
            "allow_private_networks": True,
            **extra,
        }
    }


@pytest.mark.parametrize("kind", ["webhook", "slack"])
def test_private_http_targets_are_refused_without_the_opt_in(
    sqlite_store: Store, hostile: HostileServer, network: Network, kind: str
) -> None:
    hostile.route("/hook", hs.page("ok"))
    url = hostile.url("/hook")
    spec = webhook_spec(url) if kind == "webhook" else slack_spec(url)
    spec[kind]["allow_private_networks"] = False
    row = _deliver(sqlite_store, spec)
    assert row.status == outbox.DEAD
    assert "refused non-public address 127.0.0.1" in (row.last_error or "")
    assert "allow_private_networks on the channel" in (row.last_error or "")
    assert hostile.accepted == 0 and network.refused == []


def test_private_smtp_relay_is_refused_without_the_opt_in(sqlite_store: Store) -> None:
    with mail_server() as mail:
        row = _deliver(sqlite_store, email_spec(mail, allow_private_networks=False))
        received = mail.received
    assert row.status == outbox.DEAD and received == []
    assert "refused non-public address 127.0.0.1" in (row.last_error or "")


def test_a_public_looking_target_is_attempted_at_the_address_checked(
    sqlite_store: Store, hostile: HostileServer, network: Network
) -> None:
    network.answer("hooks.example.test", ["93.184.216.34"], ["127.0.0.1"])
    spec = webhook_spec(hostile.url("/hook", host="hooks.example.test"))
    spec["webhook"]["allow_private_networks"] = False
    row = _deliver(sqlite_store, spec)
    assert row.status == outbox.DEAD and "connection failed" in (row.last_error or "")
    assert network.refused == [("93.184.216.34", hostile.port)]
    assert hostile.accepted == 0


def test_a_huge_error_reply_is_read_only_a_few_kb(
    sqlite_store: Store, hostile: HostileServer
) -> None:
    hostile.route("/hook", hs.endless(status=500, content_type="text/plain", declared=BIG))
    row = _deliver(sqlite_store, webhook_spec(hostile.url("/hook")))
    assert row.status == outbox.DEAD
    assert (row.last_error or "").startswith("HTTP 500: xxxx")
    assert len(row.last_error or "") <= MAX_DETAIL + len("HTTP 500: ")
    [request] = hostile.requests
    assert not request.answered and request.sent < BIG // 4


def test_endless_smtp_replies_are_cut(sqlite_store: Store) -> None:
    with hostile_server(raw=hs.smtp_replies(lines=BIG // 64)) as smtp:
        row = _deliver(sqlite_store, _smtp(smtp.port))
        [session] = smtp.requests
    assert row.status == outbox.DEAD
    assert "replies exceed 65536 bytes" in (row.last_error or "")
    assert not session.answered and session.sent < BIG // 4


def test_a_trickling_smtp_server_cannot_outlast_the_timeout(sqlite_store: Store) -> None:
    with hostile_server(raw=hs.smtp_replies(lines=100, interval=0.1)) as smtp:
        row = _deliver(sqlite_store, _smtp(smtp.port))
        [session] = smtp.requests
    assert row.status == outbox.DEAD and "timeout after 1s" in (row.last_error or "")
    assert not session.answered
