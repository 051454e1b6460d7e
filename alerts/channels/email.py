"""The ``email`` channel: one multipart (plain text + HTML) message over SMTP.

Plain SMTP, STARTTLS (``starttls: true``) or implicit TLS (``tls: true``),
optional login, several recipients. Certificates are always verified, against
the system's CAs or only those of ``ca_file``; with ``starttls: true`` a server
that does not offer STARTTLS gets nothing (no login, no message) and the alert
is dead, since retrying cannot fix a missing TLS setup.

The Message-ID derives from the outbox row's key, so a message sent twice (a
crash after the server accepted it and before we recorded that) carries the
same Message-ID both times.

SMTP 4xx answers, timeouts and connection errors are transient; 5xx answers
(a refused sender, all recipients refused, failed login) are permanent.

The connection goes through the gate of :mod:`model.netgate` (a relay on a
non-public address needs ``allow_private_networks: true`` on the channel; a
refused address is a permanent failure); ``timeout`` bounds the whole
session, and the server's replies are read up to :data:`MAX_REPLIES` bytes.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from typing import Any

from pydantic import Field, FilePath, SecretStr, model_validator

from alerts import render
from alerts.channels import IDEMPOTENCY_HEADER, ChannelOptions, Outgoing, register
from model import budget
from model.errors import BlockedTargetError, DeliveryError, PermanentDeliveryError
from model.netgate import Gate

log = logging.getLogger("factwatch.alerts")
MAX_REPLIES = 65536
MAX_DETAIL = 200


class EmailOptions(ChannelOptions):
    """Options of an ``email:`` channel."""

    host: str
    port: int = Field(25, ge=1, le=65535)
    starttls: bool = False
    tls: bool = False
    username: str | None = None
    password: SecretStr | None = None
    sender: str = Field(alias="from", min_length=3)
    to: tuple[str, ...] = Field(min_length=1)
    timeout: float = Field(10.0, gt=0)
    ca_file: FilePath | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EmailOptions:
        if self.starttls and self.tls:
            raise ValueError("choose one of starttls (port 587) and tls (port 465)")
        if self.ca_file is not None and not (self.starttls or self.tls):
            raise ValueError("ca_file needs starttls or tls")
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together")
        if self.username and not (self.starttls or self.tls) and not _loopback(self.host):
            raise ValueError("login without starttls or tls would send the password in clear text")
        for address in (self.sender, *self.to):
            if "@" not in parseaddr(address)[1]:
                raise ValueError(f"not an email address: {address!r}")
        return self


def _loopback(host: str) -> bool:
    """True for a relay on this machine, where a clear-text login never leaves it."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def message_id(key: str, sender: str) -> str:
    """The stable Message-ID of outbox row ``key``."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "factwatch.invalid"
    return f"<{key}@{render.header_text(domain, 100)}>"


def build_message(options: EmailOptions, message: Outgoing) -> EmailMessage:
    """The multipart message for ``message``."""
    c = render.content(message.kind, message.payload)
    mail = EmailMessage(policy=SMTP)
    mail["Subject"] = render.email_subject(c)
    mail["From"] = options.sender
    mail["To"] = ", ".join(options.to)
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = message_id(message.key, options.sender)
    mail[IDEMPOTENCY_HEADER] = message.key
    mail.set_content(render.email_text(c))
    mail.add_alternative(render.email_html(c), subtype="html")
    return mail


def tls_context(options: EmailOptions) -> ssl.SSLContext:
    """A verifying TLS context: the system's CAs, or only those in ``ca_file``."""
    return ssl.create_default_context(cafile=str(options.ca_file) if options.ca_file else None)


def _start_tls(smtp: smtplib.SMTP, options: EmailOptions) -> None:
    """Switch to TLS; refuse to go on in clear text when the server cannot."""
    smtp.ehlo()
    if not smtp.has_extn("starttls"):
        raise PermanentDeliveryError(
            f"{options.host}:{options.port} does not offer STARTTLS; not sending in clear text"
        )
    smtp.starttls(context=tls_context(options))


class _CappedReader:
    """The server's side of the session, cut off past ``cap`` bytes."""

    def __init__(self, raw: Any, cap: int) -> None:
        self.raw, self.left = raw, cap

    def readline(self, limit: int = -1) -> bytes:
        line: bytes = self.raw.readline(limit)
        self.left -= len(line)
        if self.left < 0:
            raise smtplib.SMTPServerDisconnected(f"the server's replies exceed {MAX_REPLIES} bytes")
        return line

    def close(self) -> None:
        self.raw.close()


class _GatedSMTP(smtplib.SMTP):
    """SMTP connected through the gate, its replies capped, its socket cut with the budget."""

    gate = Gate()  # replaced per channel by _connect

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        sock = self.gate.connect(host, port, timeout)
        scope = budget.current()
        if scope is not None:
            scope.add(lambda: _shutdown(self.sock or sock))
        return sock

    def getreply(self) -> tuple[int, bytes]:
        if self.file is None and self.sock is not None:
            capped: Any = _CappedReader(self.sock.makefile("rb"), MAX_REPLIES)
            self.file = capped
        return super().getreply()


class _GatedSMTPSSL(smtplib.SMTP_SSL, _GatedSMTP):
    """:class:`_GatedSMTP` with TLS from the start."""


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _gate(options: EmailOptions) -> Gate:
    return Gate(options.allow_private_networks, "allow_private_networks on the channel")


def _connect(options: EmailOptions) -> smtplib.SMTP:
    if options.tls:
        ssl_class = type("GatedSMTPSSL", (_GatedSMTPSSL,), {"gate": _gate(options)})
        smtp_ssl: smtplib.SMTP = ssl_class(
            options.host, options.port, timeout=options.timeout, context=tls_context(options)
        )
        return smtp_ssl
    plain = type("GatedSMTP", (_GatedSMTP,), {"gate": _gate(options)})
    smtp: smtplib.SMTP = plain(options.host, options.port, timeout=options.timeout)
    if options.starttls:
        try:
            _start_tls(smtp, options)
        except BaseException:
            smtp.close()
            raise
    return smtp


def _classify(code: int, text: str) -> DeliveryError:
    detail = f"SMTP {code}: {text[:MAX_DETAIL]}"
    return PermanentDeliveryError(detail) if 500 <= code < 600 else DeliveryError(detail)


def _transmit(options: EmailOptions, mail: EmailMessage) -> None:
    with _connect(options) as smtp:
        if options.username and options.password:
            smtp.login(options.username, options.password.get_secret_value())
        refused = smtp.send_message(mail, from_addr=options.sender, to_addrs=list(options.to))
    if refused:  # accepted for the others: delivered (a resend would double it for them)
        log.warning("recipients refused", extra={"refused": sorted(refused)})


@register("email", EmailOptions)
def send_email(options: EmailOptions, message: Outgoing) -> None:
    """Send one alert by SMTP; return only once the server answered 250."""
    mail = build_message(options, message)
    try:
        with budget.enforced(options.timeout) as scope:
            try:
                _transmit(options, mail)
            except (smtplib.SMTPException, OSError):
                if scope.cancelled:
                    raise DeliveryError(f"timeout after {options.timeout:g}s") from None
                raise
    except BlockedTargetError as exc:
        raise PermanentDeliveryError(str(exc)) from None
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        code = min(codes) if codes else 550
        raise _classify(code, f"all recipients refused: {', '.join(exc.recipients)}") from None
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        raise _classify(exc.smtp_code, text) from None
    except (smtplib.SMTPException, OSError) as exc:
        detail = str(exc)[:MAX_DETAIL]
        raise DeliveryError(f"SMTP connection failed: {type(exc).__name__}: {detail}") from None
