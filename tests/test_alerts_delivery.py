"""Delivery through real servers: SMTP (aiosmtpd) and HTTP receivers on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from html import escape

import pytest

from alerts.deliver import Deliverer
from store import outbox
from store.repo import Store
from tests.alerts_support import (
    DATE,
    FIGURE,
    HANG,
    MEMBERSHIP,
    MailServer,
    email_spec,
    mail_server,
    receiver,
    record_changes,
    settings_yaml,
    slack_spec,
    webhook_spec,
)
from tests.server import LocalServer


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with mail_server() as started:
        yield started


def _statuses(store: Store) -> dict[str, str]:
    return {r.channel: r.status for r in outbox.rows(store)}


def test_email_one_multipart_message_per_check(sqlite_store: Store, mail: MailServer) -> None:
    settings = settings_yaml(str(sqlite_store.engine.url), {"team-mail": email_spec(mail)})
    record_changes(
        sqlite_store, "ps-international-efforts", [MEMBERSHIP, FIGURE, DATE], settings=settings
    )
    report = Deliverer(sqlite_store, settings).deliver()
    assert (report.sent, report.dead) == (1, 0)
    [message] = mail.received
    assert mail.handler.envelopes == [
        ("factwatch@example.org", ["policy@example.org", "ops@example.org"])
    ]
    assert message["Subject"] == "[factwatch] International Efforts and Cooperation: 3 changes"
    [row] = outbox.rows(sqlite_store)
    assert message["Message-ID"] == f"<{row.key}@example.org>"
    plain = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    sentences = [
        "G7 Child Sexual Exploitation and Abuse Working Group: European Union removed "
        "(8 -> 7 members)",
        "Reports to NCMEC: 29.4 million -> 32 million",
        "Principles launched: March 2020 -> April 2020",
        "https://www.example.gc.ca/ps-international-efforts",
        "Industry made 32 million reports",
    ]
    for sentence in sentences:
        assert sentence in plain and escape(sentence) in html
    assert "Before: In March 2020" in plain and "<ol>" in html
    assert row.status == "sent" and row.attempts == 1


SMTP_CASES = {
    "451-then-250-retried": (("451 4.3.0 try again later",), "sent", 2, 1),
    "550-dead-at-once": (("550 5.1.1 mailbox unavailable",), "dead", 1, 0),
    "421-every-time-dead-after-max-attempts": (("421 busy",) * 3, "dead", 3, 0),
}


@pytest.mark.parametrize(
    ("answers", "status", "attempts", "delivered"), SMTP_CASES.values(), ids=SMTP_CASES.keys()
)
def test_smtp_answers(
    sqlite_store: Store,
    mail: MailServer,
    answers: tuple[str, ...],
    status: str,
    attempts: int,
    delivered: int,
) -> None:
    settings = settings_yaml(
        str(sqlite_store.engine.url), {"team-mail": email_spec(mail)}, max_attempts=3
    )
    record_changes(sqlite_store, "w", [FIGURE], settings=settings)
    mail.answer(*answers)
    Deliverer(sqlite_store, settings).deliver()
    [row] = outbox.rows(sqlite_store)
    assert (row.status, row.attempts, len(mail.received)) == (status, attempts, delivered)
    if status == "dead":
        assert row.last_error and row.last_error.startswith(f"SMTP {answers[0][:3]}")


def test_smtp_connection_refused_is_retried(sqlite_store: Store) -> None:
    with mail_server() as gone:
        spec = email_spec(gone)
    settings = settings_yaml(str(sqlite_store.engine.url), {"team-mail": spec}, flush_timeout=0)
    record_changes(sqlite_store, "w", [FIGURE], settings=settings)
    report = Deliverer(sqlite_store, settings).deliver()
    [row] = outbox.rows(sqlite_store)
    assert (report.retried, row.status, row.attempts) == (1, "pending", 1)
    assert row.last_error and "connection failed" in row.last_error


HTTP_CASES = {
    "500-then-200-retried": ([(500, {}, b"oops")], "sent", 2),
    "429-retry-after-honoured": ([(429, {"Retry-After": "1"}, b"slow down")], "sent", 2),
    "404-dead-at-once": ([(404, {}, b"no_service")], "dead", 1),
    "hang-times-out-then-retried": ([HANG], "sent", 2),
}


@pytest.mark.parametrize(
    ("answers", "status", "attempts"), HTTP_CASES.values(), ids=HTTP_CASES.keys()
)
@pytest.mark.parametrize("kind", ["slack", "webhook"])
def test_http_answers(
    sqlite_store: Store,
    server: LocalServer,
    kind: str,
    answers: list[tuple[int, dict[str, str], bytes]],
    status: str,
    attempts: int,
) -> None:
    got = receiver(server, "/hook", *answers, hang=3)
    spec = slack_spec(server.url("/hook")) if kind == "slack" else webhook_spec(server.url("/hook"))
    settings = settings_yaml(str(sqlite_store.engine.url), {"chan": spec})
    record_changes(sqlite_store, "w", [FIGURE], settings=settings)
    Deliverer(sqlite_store, settings).deliver()
    [row] = outbox.rows(sqlite_store)
    assert (row.status, row.attempts) == (status, attempts)
    assert len(got.bodies) == (1 if status == "sent" else 0)
    keys = {h["X-Factwatch-Idempotency-Key"] for h in got.headers}
    assert keys <= {row.key}
    if answers[0][0] == 429:
        assert got.arrivals[1] - got.arrivals[0] >= 1.0


def test_failing_channel_does_not_stop_the_others(
    sqlite_store: Store, server: LocalServer, mail: MailServer
) -> None:
    receiver(server, "/slack", HANG, HANG, HANG, hang=3)
    hook = receiver(server, "/hook")
    channels = {
        "team-slack": slack_spec(server.url("/slack")),
        "team-mail": email_spec(mail),
        "team-hook": webhook_spec(server.url("/hook")),
    }
    settings = settings_yaml(str(sqlite_store.engine.url), channels, flush_timeout=0)
    record_changes(sqlite_store, "w", [FIGURE], settings=settings)
    report = Deliverer(sqlite_store, settings).deliver()
    assert _statuses(sqlite_store) == {
        "team-slack": "pending",
        "team-mail": "sent",
        "team-hook": "sent",
    }
    assert (report.sent, report.retried) == (2, 1)
    assert len(mail.received) == 1 and len(hook.bodies) == 1


def test_slack_paced_to_one_message_per_second(sqlite_store: Store, server: LocalServer) -> None:
    got = receiver(server, "/slack")
    settings = settings_yaml(
        str(sqlite_store.engine.url),
        {"a": slack_spec(server.url("/slack")), "b": slack_spec(server.url("/slack"))},
    )
    record_changes(sqlite_store, "w", [FIGURE], settings=settings)
    record_changes(sqlite_store, "v", [DATE], settings=settings)
    assert Deliverer(sqlite_store, settings).deliver().sent == 4
    gaps = [b - a for a, b in zip(got.arrivals, got.arrivals[1:], strict=False)]
    assert len(got.bodies) == 4 and min(gaps) >= 0.99


def test_webhook_body_and_signature(sqlite_store: Store, server: LocalServer) -> None:
    got = receiver(server, "/hook")
    settings = settings_yaml(
        str(sqlite_store.engine.url), {"hook": webhook_spec(server.url("/hook"), secret="k3y")}
    )
    record_changes(
        sqlite_store, "ps-international-efforts", [MEMBERSHIP, FIGURE], settings=settings
    )
    Deliverer(sqlite_store, settings).deliver()
    [request] = [r for r in server.requests if r.path == "/hook"]
    expected = "sha256=" + hmac.new(b"k3y", request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Factwatch-Signature"] == expected
    body = json.loads(request.body)
    [row] = outbox.rows(sqlite_store)
    assert body["id"] == row.key == request.headers["X-Factwatch-Idempotency-Key"]
    assert body["kind"] == "changes" and body["watch"] == "ps-international-efforts"
    [membership, figure] = body["events"]
    assert membership["removed"] == ["European Union"] and membership["kind"] == "membership"
    assert figure["summary"] == "Reports to NCMEC: 29.4 million -> 32 million"
    assert set(figure) >= {
        "id",
        "watch",
        "url",
        "detected_at",
        "before",
        "after",
        "evidence_before",
        "evidence_after",
        "version_before",
        "version_after",
    }
    assert got.bodies == [body]
