"""Email over STARTTLS and implicit TLS with login, against a real aiosmtpd server.

The server runs on 127.0.0.1 with a certificate from a throwaway CA (trustme);
the channel trusts that CA through ``ca_file`` and keeps verifying. The server
records every login and every ``MAIL FROM`` with whether it came encrypted, so
the tests see that credentials and mail never travel in clear text.
"""

from __future__ import annotations

import email
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from alerts.deliver import Deliverer
from model.errors import ConfigError
from monitor.settings import parse_settings
from store import outbox
from store.outbox_models import OutboxRow
from store.repo import Store
from tests.alerts_support import FIGURE, record_changes, settings_yaml

# implicit TLS: aiosmtpd counts only STARTTLS as TLS, so AUTH is offered without requiring it
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
USER, PASSWORD = "bot", "right-horse-battery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _encrypted(server: Any) -> bool:
    return server.transport.get_extra_info("ssl_object") is not None


@dataclass
class Recorder:
    """An aiosmtpd handler and authenticator that records what reached it."""

    logins: list[tuple[str, str, bool]] = field(default_factory=list)
    senders: list[tuple[str, bool]] = field(default_factory=list)
    received: list[EmailMessage] = field(default_factory=list)
    recipients: list[list[str]] = field(default_factory=list)

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((user, password, _encrypted(server)))
        return AuthResult(success=(user, password) == (USER, PASSWORD), handled=False)

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        self.senders.append((address, _encrypted(server)))
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=default)
        self.received.append(parsed)
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 OK"


@dataclass(frozen=True)
class Mode:
    """How the server offers TLS, and the matching channel option."""

    option: dict[str, bool]
    controller: dict[str, Any]


def _modes(context: ssl.SSLContext) -> dict[str, Mode]:
    return {
        "starttls": Mode(
            {"starttls": True},
            {"tls_context": context, "require_starttls": True, "auth_required": True},
        ),
        "implicit-tls": Mode(
            {"tls": True},
            {"ssl_context": context, "auth_required": True, "auth_require_tls": False},
        ),
        "plain-server": Mode(
            {"starttls": True},
            {"auth_require_tls": False},  # would take a login in clear text
        ),
    }


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture(scope="module")
def modes(ca: trustme.CA) -> dict[str, Mode]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return _modes(context)


@dataclass
class SecureMail:
    """A started server in one :class:`Mode`."""

    mode: Mode
    recorder: Recorder
    port: int

    def spec(self, *, password: str = PASSWORD, ca_file: Path | None = None) -> dict[str, Any]:
        """The ``email:`` channel for this server."""
        trust = {"ca_file": str(ca_file)} if ca_file else {}
        return {
            "email": {
                "host": "127.0.0.1",
                "port": self.port,
                "from": "factwatch@example.org",
                "to": ["policy@example.org", "ops@example.org"],
                "timeout": 2,
                "allow_private_networks": True,
                "username": USER,
                "password": password,
                **self.mode.option,
                **trust,
            }
        }


@pytest.fixture
def secure_mail(request: pytest.FixtureRequest, modes: dict[str, Mode]) -> Iterator[SecureMail]:
    mode, recorder, port = modes[request.param], Recorder(), _free_port()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=port, authenticator=recorder, **mode.controller
    )
    controller.start()
    try:
        yield SecureMail(mode, recorder, port)
    finally:
        controller.stop()


def _deliver(store: Store, spec: dict[str, Any]) -> OutboxRow:
    # no retry can come due within the run: one attempt is one attempt, however slow it is
    settings = settings_yaml(
        str(store.engine.url),
        {"team-mail": spec},
        flush_timeout=0,
        backoff_base=60,
        backoff_cap=120,
    )
    record_changes(store, "ps-international-efforts", [FIGURE], settings=settings)
    Deliverer(store, settings).deliver()
    [row] = outbox.rows(store)
    return row


TLS_MODES = ["starttls", "implicit-tls"]


@pytest.mark.parametrize("secure_mail", TLS_MODES, indirect=True)
def test_mail_arrives_encrypted_after_login(
    sqlite_store: Store, secure_mail: SecureMail, ca_file: Path
) -> None:
    row = _deliver(sqlite_store, secure_mail.spec(ca_file=ca_file))
    got = secure_mail.recorder
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, None)
    assert got.logins == [(USER, PASSWORD, True)]
    assert got.senders == [("factwatch@example.org", True)]
    assert got.recipients == [["policy@example.org", "ops@example.org"]]
    [message] = got.received
    assert message["Subject"] == "[factwatch] International Efforts and Cooperation: 1 change"
    assert message["Message-ID"] == f"<{row.key}@example.org>"


@pytest.mark.parametrize("secure_mail", TLS_MODES, indirect=True)
def test_wrong_password_is_dead_at_once(
    sqlite_store: Store, secure_mail: SecureMail, ca_file: Path
) -> None:
    row = _deliver(sqlite_store, secure_mail.spec(password="wrong", ca_file=ca_file))
    got = secure_mail.recorder
    assert (row.status, row.attempts) == ("dead", 1)
    assert row.last_error is not None and row.last_error.startswith("SMTP 535")
    assert set(got.logins) == {(USER, "wrong", True)}  # smtplib tries PLAIN, then LOGIN
    assert (got.senders, got.received) == ([], [])


@pytest.mark.parametrize("secure_mail", TLS_MODES, indirect=True)
def test_untrusted_certificate_sends_nothing(sqlite_store: Store, secure_mail: SecureMail) -> None:
    row = _deliver(sqlite_store, secure_mail.spec())  # no ca_file: the system CAs only
    got = secure_mail.recorder
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.last_error is not None and "CERTIFICATE_VERIFY_FAILED" in row.last_error
    assert (got.logins, got.senders, got.received) == ([], [], [])


@pytest.mark.parametrize("secure_mail", ["plain-server"], indirect=True)
def test_server_without_starttls_gets_neither_login_nor_mail(
    sqlite_store: Store, secure_mail: SecureMail, ca_file: Path
) -> None:
    row = _deliver(sqlite_store, secure_mail.spec(ca_file=ca_file))
    got = secure_mail.recorder
    assert (row.status, row.attempts) == ("dead", 1)
    assert row.last_error == (
        f"127.0.0.1:{secure_mail.port} does not offer STARTTLS; not sending in clear text"
    )
    assert (got.logins, got.senders, got.received) == ([], [], [])


CONFIG_ERRORS = {
    "ca-file-without-tls": ({}, "ca_file needs starttls or tls"),
    "ca-file-missing": (
        {"starttls": True, "ca_file": "/nonexistent/ca.pem"},
        "ca_file: Path does not point to a file",
    ),
}


@pytest.mark.parametrize(("options", "message"), CONFIG_ERRORS.values(), ids=CONFIG_ERRORS.keys())
def test_ca_file_config_errors(ca_file: Path, options: dict[str, Any], message: str) -> None:
    spec = {"host": "smtp.example.org", "from": "a@example.org", "to": ["b@example.org"]}
    text = (
        "alerts:\n  - name: team-mail\n    email: "
        + repr({**spec, "ca_file": str(ca_file), **options}).replace("'", '"')
        + "\n"
    )
    with pytest.raises(ConfigError, match=message):
        parse_settings(text, env={})


LOGIN_RULE = {
    "remote-host-clear-text-refused": ("smtp.example.org", {}, "password in clear text"),
    "remote-host-starttls-ok": ("smtp.example.org", {"starttls": True}, None),
    "loopback-relay-ok": ("127.0.0.1", {}, None),
    "localhost-relay-ok": ("localhost", {}, None),
}


@pytest.mark.parametrize(("host", "options", "message"), LOGIN_RULE.values(), ids=LOGIN_RULE.keys())
def test_login_never_goes_out_in_clear_text(
    host: str, options: dict[str, Any], message: str | None
) -> None:
    spec = {
        "host": host,
        "from": "a@example.org",
        "to": ["b@example.org"],
        "username": "bot",
        "password": "secret",
        **options,
    }
    text = "alerts:\n  - name: team-mail\n    email: " + repr(spec).replace("'", '"') + "\n"
    if message is None:
        assert parse_settings(text, env={}).alerts[0].name == "team-mail"
    else:
        with pytest.raises(ConfigError, match=message):
            parse_settings(text, env={})
