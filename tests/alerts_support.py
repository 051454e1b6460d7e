"""Helpers for the alert tests: a scripted SMTP server, receivers, settings, changes.

:class:`MailServer` is a real aiosmtpd server on 127.0.0.1 whose answers to
``DATA`` can be scripted (``451``, ``550``...); every accepted message is kept
as a parsed :class:`email.message.EmailMessage`. :func:`receiver` scripts a
route of :class:`tests.server.LocalServer` to play Slack or a webhook.
"""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler
from typing import Any

from aiosmtpd.controller import Controller

from alerts.config import DeliverySettings
from model.changes import Change
from model.timefmt import utcnow
from monitor.check import record
from monitor.policy import alert_policy
from monitor.settings import Settings, WatchSettings, parse_settings
from store.records import CheckResult, NewVersion
from store.repo import Store
from tests.server import LocalServer

HOSTILE = "<script>alert(1)</script> <!channel> @here {{ 7*7 }} & <b>bold</b>"

MEMBERSHIP = Change(
    kind="membership",
    change="changed",
    subject="G7 Child Sexual Exploitation and Abuse Working Group",
    before={
        "members": [
            "Canada",
            "European Union",
            "France",
            "Germany",
            "Italy",
            "Japan",
            "United Kingdom",
            "United States",
        ]
    },
    after={
        "members": [
            "Canada",
            "France",
            "Germany",
            "Italy",
            "Japan",
            "United Kingdom",
            "United States",
        ]
    },
    removed=("European Union",),
    evidence_before="Members include Canada, ... and the European Union.",
    evidence_after="Members include Canada, ... and the United Kingdom.",
)
FIGURE = Change(
    kind="figure",
    change="changed",
    subject="Reports to NCMEC",
    before={"amount": 29_400_000},
    after={"amount": 32_000_000},
    evidence_before="Industry made 29.4 million reports in 2021 alone.",
    evidence_after="Industry made 32 million reports in 2021 alone.",
)
DATE = Change(
    kind="date",
    change="changed",
    subject="Principles launched",
    before={"date": "2020-03"},
    after={"date": "2020-04"},
    evidence_before="In March 2020, the Five Country Ministerial launched the Principles.",
    evidence_after="In April 2020, the Five Country Ministerial launched the Principles.",
)
MODIFIED = Change(
    kind="date",
    change="changed",
    subject="Date modified",
    before={"date": "2023-06-09"},
    after={"date": "2024-01-10"},
)
HOSTILE_CHANGE = Change(
    kind="figure",
    change="changed",
    subject=f"Reports {HOSTILE}",
    before={"amount": 1},
    after={"amount": 2},
    evidence_before=f"Before {HOSTILE}",
    evidence_after=f"After {HOSTILE}\r\nBcc: x@evil.test",
)


# -- SMTP --------------------------------------------------------------------------


@dataclass
class _Handler:
    answers: list[str] = field(default_factory=list)
    received: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        answer = self.answers.pop(0) if self.answers else "250 OK"
        if answer.startswith("250"):
            parsed = email.message_from_bytes(envelope.content, policy=default)
            self.received.append(parsed)  # type: ignore[arg-type]
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return answer


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class MailServer:
    """A real SMTP server on 127.0.0.1 with scripted ``DATA`` answers."""

    def __init__(self) -> None:
        self.handler = _Handler()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=_free_port())

    def start(self) -> MailServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def answer(self, *answers: str) -> None:
        """The next ``DATA`` answers, in order (then 250 OK)."""
        self.handler.answers.extend(answers)

    @property
    def received(self) -> list[EmailMessage]:
        return self.handler.received


@contextmanager
def mail_server() -> Iterator[MailServer]:
    """A started :class:`MailServer`, stopped afterwards."""
    server = MailServer().start()
    try:
        yield server
    finally:
        server.stop()


# -- HTTP receivers -----------------------------------------------------------------


@dataclass
class Receiver:
    """A route of the local server playing Slack or a webhook receiver."""

    answers: list[tuple[int, dict[str, str], bytes]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    hang: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: BaseHTTPRequestHandler) -> tuple[int, dict[str, str], bytes]:
        payload = self._last_body(request)
        with self.lock:
            self.arrivals.append(time.monotonic())
            answer = self.answers.pop(0) if self.answers else (200, {}, b"ok")
        if self.hang and answer[0] == 0:
            time.sleep(self.hang)
            return (200, {}, b"too late")
        if 200 <= answer[0] < 300:
            self.bodies.append(payload)
            self.headers.append(dict(request.headers))
        return answer

    @staticmethod
    def _last_body(request: BaseHTTPRequestHandler) -> dict[str, Any]:
        mine = [r for r in request.server.requests if r.path == request.path]  # type: ignore[attr-defined]
        return dict(json.loads(mine[-1].body or b"{}"))


def receiver(
    server: LocalServer, path: str, *answers: tuple[int, dict[str, str], bytes], hang: float = 0.0
) -> Receiver:
    """Route ``path`` to a new :class:`Receiver` answering ``answers`` (then 200)."""
    found = Receiver(list(answers), hang=hang)
    server.route(path, handler=found)
    return found


HANG = (0, {}, b"")  # an answer that makes a receiver hang for its ``hang`` seconds


# -- settings and stores -------------------------------------------------------------------

FAST = {"backoff_base": 0.05, "backoff_cap": 0.2, "lease": 5, "flush_timeout": 5}


def settings_yaml(
    database: str,
    channels: dict[str, dict[str, Any]],
    watches: Sequence[dict[str, Any]] = (),
    **delivery: Any,
) -> Settings:
    """Settings from plain data, as a user's YAML would give them."""
    data = {
        "database": database,
        "fetch": {
            "allow_private_networks": True,
            "connect_timeout": 2,
            "read_timeout": 2,
            "deadline": 5,
        },
        "scheduler": {"politeness_delay": 0, "parse_processes": 0},
        "alerts": [{"name": name, **spec} for name, spec in channels.items()],
        "watches": list(watches),
        "delivery": {**FAST, **delivery},
    }
    return parse_settings(json.dumps(data), env={})


def email_spec(mail: MailServer, **extra: Any) -> dict[str, Any]:
    """An ``email:`` channel for ``mail``."""
    return {
        "email": {
            "host": "127.0.0.1",
            "port": mail.port,
            "from": "factwatch@example.org",
            "to": ["policy@example.org", "ops@example.org"],
            "timeout": 2,
            "allow_private_networks": True,
            **extra,
        }
    }


def slack_spec(url: str, **extra: Any) -> dict[str, Any]:
    """A ``slack:`` channel posting to ``url``."""
    return {"slack": {"webhook_url": url, "timeout": 1, "allow_private_networks": True, **extra}}


def webhook_spec(url: str, secret: str = "s3cret", **extra: Any) -> dict[str, Any]:
    """A ``webhook:`` channel posting to ``url``."""
    return {
        "webhook": {
            "url": url,
            "secret": secret,
            "timeout": 1,
            "allow_private_networks": True,
            **extra,
        }
    }


def _write(store: Store, result: CheckResult, settings: Settings | None) -> None:
    """Write ``result`` as a check does, queueing the alerts ``settings`` ask for."""
    if settings is None:
        store.write_check(result)
        return
    watch = settings.watch(result.watch) or WatchSettings.model_construct(
        name=result.watch, url=result.url
    )
    record(store, result, alert_policy(settings, watch))


def record_changes(
    store: Store,
    watch: str,
    changes: Sequence[Change],
    *,
    settings: Settings | None = None,
    title: str = "International Efforts and Cooperation",
) -> None:
    """Store a baseline version, then one with ``changes``, as a check would."""
    url = f"https://www.example.gc.ca/{watch}"
    store.ensure_watch(watch, url)
    for n, found in enumerate(((), tuple(changes))):
        version = NewVersion(
            f"body {n}".encode(),
            f"text {n}",
            f"https://www.example.gc.ca/{watch}",
            "text/html",
            title,
            (),
        )
        result = CheckResult(
            watch,
            url,
            utcnow(),
            0.1,
            "changed",
            status=200,
            body_sha=f"{n}" * 64,
            version=version,
            changes=found,
        )
        _write(store, result, settings)


def record_failure(
    store: Store, watch: str, ok: bool = False, *, settings: Settings | None = None
) -> None:
    """Store one failed (or, with ``ok``, unchanged) check of ``watch``."""
    url = f"https://www.example.gc.ca/{watch}"
    store.ensure_watch(watch, url)
    result = CheckResult(
        watch,
        url,
        utcnow(),
        0.1,
        "unchanged" if ok else "failed",
        status=503 if not ok else 200,
        reason=None if ok else "http-status",
        error=None if ok else "HTTP 503 Service Unavailable",
    )
    _write(store, result, settings)


def delivery(**values: Any) -> DeliverySettings:
    """Delivery settings with fast retries."""
    return DeliverySettings.model_validate({**FAST, **values})
