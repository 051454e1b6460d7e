"""Who may use the web UI, and the protections every response carries.

* Without ``web.token`` the UI is served on loopback only (the server
  refuses to start elsewhere) and answers only requests whose ``Host`` is a
  loopback name, so a web page cannot reach it through DNS rebinding.
* With ``web.token`` every route but ``/healthz`` and the login form asks
  for it: ``Authorization: Bearer <token>``, or the session cookie the
  login form sets (HttpOnly, SameSite=Lax, signed with the token, so
  changing the token ends every session).
* Every form that changes state carries a CSRF token: an HMAC of a random
  per-browser cookie under a per-process secret; requests authenticated by
  the bearer header need none (a browser never adds that header by itself).
* Every response carries a Content-Security-Policy without inline script,
  ``nosniff``, a same-origin referrer policy and frame denial.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from monitor.web import is_loopback

SESSION_COOKIE = "factwatch_session"
CSRF_COOKIE = "factwatch_csrf"
CSRF_FIELD = "csrf_token"
CSP = (
    "default-src 'none'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
    "frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
# Stored pages: no script, no plugin, nothing fetched from anywhere, an opaque origin.
STORED_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def host_is_local(host_header: str | None) -> bool:
    """True when a ``Host`` header names a loopback host (``localhost:8080``, ``[::1]``)."""
    if not host_header:
        return False
    host = host_header.strip()
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else host
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    return is_loopback(host)


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Sessions:
    """Session cookies signed with the token: ``<expiry>.<hmac>``."""

    token: str
    ttl: float

    def _key(self) -> bytes:
        return hashlib.sha256(b"factwatch-session\x00" + self.token.encode("utf-8")).digest()

    def issue(self, now: float | None = None) -> str:
        """A new session cookie value, valid for ``ttl`` seconds."""
        expiry = int((now or time.time()) + self.ttl)
        return f"{expiry}.{_mac(self._key(), f'session:{expiry}')}"

    def valid(self, value: str | None, now: float | None = None) -> bool:
        """True for an unexpired cookie signed with the current token."""
        if not value or "." not in value:
            return False
        expiry, _, mac = value.partition(".")
        if not expiry.isdigit() or int(expiry) < (now or time.time()):
            return False
        return hmac.compare_digest(mac, _mac(self._key(), f"session:{expiry}"))

    def bearer_ok(self, header: str | None) -> bool:
        """True when an ``Authorization`` header carries the token."""
        if not header:
            return False
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.strip().encode("utf-8"), self.token.encode("utf-8"))

    def token_ok(self, given: str) -> bool:
        """True when ``given`` (the login form's field) is the token."""
        return hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8"))


@dataclass(frozen=True)
class Csrf:
    """CSRF tokens: an HMAC of the browser's random cookie under this process's secret."""

    secret: bytes

    @classmethod
    def new(cls) -> Csrf:
        """A CSRF helper with a fresh random secret."""
        return cls(secrets.token_bytes(32))

    @staticmethod
    def seed() -> str:
        """A new random value for the CSRF cookie."""
        return secrets.token_urlsafe(24)

    def token(self, seed: str) -> str:
        """The form token matching the cookie ``seed``."""
        return _mac(self.secret, f"csrf:{seed}")

    def valid(self, seed: str | None, token: str | None) -> bool:
        """True when ``token`` matches the cookie ``seed``."""
        if not seed or not token:
            return False
        return hmac.compare_digest(token, self.token(seed))


def same_origin(origin: str | None, host: str | None) -> bool:
    """True unless an ``Origin`` header names another site than ``Host``."""
    if origin is None:
        return True
    if origin == "null" or not host:
        return False
    return urlsplit(origin).netloc.lower() == host.lower()


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a local path only (never another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    if any(ord(c) < 32 for c in target):
        return "/"
    return target
