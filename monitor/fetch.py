"""Fetching one document over HTTP(S), politely and defensively.

:func:`fetch` performs a conditional GET (``If-None-Match`` /
``If-Modified-Since``), follows at most ``max_redirects`` redirects with every
hop checked against the private-network rule, enforces connect and read
timeouts plus a total deadline, caps the body size, and accepts only HTML,
PDF and plain text. Connections go through the gate of :mod:`model.netgate`
(resolved once, connected to the address checked); the deadline
(``fetch.deadline``) bounds the whole exchange, connecting and reading the
status line and headers included, through a :class:`~model.budget.Budget`.
It returns a :class:`FetchResult` or raises a :class:`~model.errors.FetchError`
whose ``reason`` names what went wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urljoin

import httpx

from model import budget
from model.errors import (
    ConnectError,
    ContentTypeError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    TooLargeError,
)
from model.netgate import Resolver, check_scheme, gated_transport, system_resolver
from monitor.netguard import page_gate
from monitor.settings import FetchSettings

ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "application/pdf", "text/plain")
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Validators:
    """What the server gave us to make the next GET conditional."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FetchResult:
    """A fetched response. ``body`` is ``None`` for 304 Not Modified.

    ``headers`` are the response's headers as received, in order (bytes read
    as Latin-1, so nothing is lost); the store keeps a bounded part of them.
    """

    url: str
    status: int
    body: bytes | None
    content_type: str
    charset: str | None
    validators: Validators
    elapsed: float
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def not_modified(self) -> bool:
        """True when the server answered 304."""
        return self.status == 304


def _over(scope: budget.Budget, seconds: float) -> None:
    if scope.cancelled:
        raise FetchTimeoutError("fetch cut off")
    if scope.over:
        raise FetchTimeoutError(f"total deadline of {seconds:g}s exceeded")


def make_client(settings: FetchSettings, resolver: Resolver = system_resolver) -> httpx.Client:
    """An httpx client configured from ``settings`` (redirects handled by :func:`fetch`).

    Its connections go through the page gate (``fetch.allow_private_networks``);
    ``resolver`` resolves host names (the system's by default).
    """
    timeout = httpx.Timeout(
        connect=settings.connect_timeout,
        read=settings.read_timeout,
        write=settings.read_timeout,
        pool=settings.connect_timeout,
    )
    headers = {"User-Agent": settings.user_agent, "Accept": ", ".join(ACCEPTED_TYPES)}
    transport = gated_transport(page_gate(settings.allow_private_networks, resolver))
    return httpx.Client(
        timeout=timeout,
        headers=headers,
        follow_redirects=False,
        trust_env=False,
        transport=transport,
    )


def _conditional_headers(validators: Validators | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if validators and validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators and validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _split_content_type(value: str) -> tuple[str, str | None]:
    media, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.strip().partition("=")
        if key.lower() == "charset" and val:
            charset = val.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _read_body(response: httpx.Response, cap: int) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > cap:
        raise TooLargeError(f"body of {int(declared)} bytes exceeds the cap of {cap} bytes")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > cap:
            raise TooLargeError(f"body exceeds the cap of {cap} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _sniff_type(media: str, body: bytes) -> str:
    if body.startswith(b"%PDF-"):
        return "application/pdf"
    if media in ACCEPTED_TYPES:
        return media
    head = body[:512].lstrip().lower()
    if media in ("", "application/octet-stream") and head.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    raise ContentTypeError(f"unsupported content type {media or '(none)'!r}")


DRAIN_LIMIT = 64 * 1024


def drain(response: httpx.Response, limit: int = DRAIN_LIMIT) -> None:
    """Read and drop a small body we do not need (an error page, a redirect, a 304), so the
    connection is reused and not reset with unread data; a larger one is left and the
    connection closed."""
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if size > limit:
            return


def _finish(response: httpx.Response, url: str, cap: int) -> FetchResult:
    validators = Validators(response.headers.get("ETag"), response.headers.get("Last-Modified"))
    media, charset = _split_content_type(response.headers.get("Content-Type", ""))
    if response.status_code == 304:
        drain(response)
        return FetchResult(url, 304, None, media, charset, validators, 0.0)
    if response.status_code >= 400:
        drain(response)
        retry_after = response.headers.get("Retry-After")
        raise HTTPStatusError(
            f"HTTP {response.status_code}", status=response.status_code, retry_after=retry_after
        )
    if response.status_code != 200:
        raise HTTPStatusError(
            f"unexpected HTTP status {response.status_code}", status=response.status_code
        )
    if media and media not in ACCEPTED_TYPES and media != "application/octet-stream":
        raise ContentTypeError(f"unsupported content type {media!r}", status=200)
    body = _read_body(response, cap)
    headers = tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in response.headers.raw)
    return FetchResult(url, 200, body, _sniff_type(media, body), charset, validators, 0.0, headers)


def fetch(
    client: httpx.Client,
    url: str,
    settings: FetchSettings,
    validators: Validators | None = None,
) -> FetchResult:
    """GET ``url`` (conditionally when ``validators`` are given); see the module doc."""
    started = time.monotonic()
    with budget.within(settings.deadline) as scope:
        result = _follow(client, url, settings, _conditional_headers(validators), scope)
    return FetchResult(**{**result.__dict__, "elapsed": time.monotonic() - started})


def _follow(
    client: httpx.Client,
    url: str,
    settings: FetchSettings,
    headers: dict[str, str],
    scope: budget.Budget,
) -> FetchResult:
    for _hop in range(settings.max_redirects + 1):
        check_scheme(url)
        try:
            with client.stream("GET", url, headers=headers) as response:
                if response.status_code in REDIRECTS and "Location" in response.headers:
                    drain(response)
                    url = urljoin(url, response.headers["Location"])
                    _over(scope, settings.deadline)
                    continue
                return _finish(response, url, settings.max_bytes)
        except httpx.TimeoutException as exc:
            _over(scope, settings.deadline)
            raise FetchTimeoutError(f"timed out: {type(exc).__name__}") from None
        except httpx.HTTPError as exc:
            _over(scope, settings.deadline)
            raise ConnectError(f"connection failed: {exc or type(exc).__name__}") from None
    raise FetchError(f"more than {settings.max_redirects} redirects")
