"""The fetcher against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest

from model.errors import (
    BlockedTargetError,
    ConnectError,
    ContentTypeError,
    FetchTimeoutError,
    HTTPStatusError,
    TooLargeError,
)
from monitor.fetch import Validators, fetch, make_client
from monitor.netguard import check_url
from monitor.settings import FetchSettings
from tests.server import LocalServer

FAST = FetchSettings(
    allow_private_networks=True,
    connect_timeout=1,
    read_timeout=0.5,
    deadline=3,
    max_bytes=50_000,
    max_redirects=2,
)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client(FAST) as opened:
        yield opened


def test_plain_fetch_reports_type_charset_and_validators(
    server: LocalServer, client: httpx.Client
) -> None:
    server.route(
        "/p",
        "<html>ok</html>",
        etag='"v1"',
        headers={
            "Content-Type": "text/html; charset=ISO-8859-1",
            "Last-Modified": "Tue, 01 Dec 2026 06:00:00 GMT",
        },
    )
    result = fetch(client, server.url("/p"), FAST)
    assert (result.status, result.body, result.content_type, result.charset) == (
        200,
        b"<html>ok</html>",
        "text/html",
        "iso-8859-1",
    )
    assert result.validators == Validators('"v1"', "Tue, 01 Dec 2026 06:00:00 GMT")


def test_conditional_get_gives_304(server: LocalServer, client: httpx.Client) -> None:
    server.route("/p", "<html>ok</html>", etag='"v1"')
    result = fetch(client, server.url("/p"), FAST, Validators('"v1"', None))
    assert result.not_modified and result.body is None
    assert server.requests[-1].headers["If-None-Match"] == '"v1"'


def test_redirects_are_followed_and_counted(server: LocalServer, client: httpx.Client) -> None:
    server.route("/a", status=301, headers={"Location": "/b"})
    server.route("/b", status=302, headers={"Location": server.url("/c")})
    server.route("/c", "<html>c</html>")
    assert fetch(client, server.url("/a"), FAST).url == server.url("/c")
    server.route("/loop", status=302, headers={"Location": "/loop"})
    with pytest.raises(Exception, match="more than 2 redirects"):
        fetch(client, server.url("/loop"), FAST)


@pytest.mark.parametrize(
    ("route", "error", "reason"),
    [
        pytest.param({"status": 500, "body": b"boom"}, HTTPStatusError, "http-status", id="500"),
        pytest.param({"status": 404}, HTTPStatusError, "http-status", id="404"),
        pytest.param({"delay": 1.5, "body": b"late"}, FetchTimeoutError, "timeout", id="timeout"),
        pytest.param(
            {"headers": {"Content-Type": "image/png"}, "body": b"\x89PNG"},
            ContentTypeError,
            "content-type",
            id="not-html",
        ),
        pytest.param({"body": b"x" * 60_000}, TooLargeError, "too-large", id="too-large"),
    ],
)
def test_failures_have_a_reason(
    server: LocalServer, client: httpx.Client, route: dict, error: type[Exception], reason: str
) -> None:
    server.route("/p", **route)
    with pytest.raises(error) as caught:
        fetch(client, server.url("/p"), FAST)
    assert caught.value.reason == reason  # type: ignore[attr-defined]


def test_pdf_is_sniffed_from_octet_stream(server: LocalServer, client: httpx.Client) -> None:
    server.route("/s", b"%PDF-1.4 ...", headers={"Content-Type": "application/octet-stream"})
    assert fetch(client, server.url("/s"), FAST).content_type == "application/pdf"


def test_dead_server_is_a_connection_error(client: httpx.Client) -> None:
    with pytest.raises(ConnectError):
        fetch(client, "http://127.0.0.1:9/", FAST)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://127.0.0.1/", id="loopback"),
        pytest.param("http://localhost:8080/", id="localhost"),
        pytest.param("http://10.1.2.3/", id="private-10"),
        pytest.param("http://192.168.0.1/", id="private-192"),
        pytest.param("http://169.254.169.254/latest/meta-data", id="link-local-metadata"),
        pytest.param("http://[::1]/", id="ipv6-loopback"),
        pytest.param("http://[::ffff:127.0.0.1]/", id="ipv4-mapped"),
        pytest.param("http://0.0.0.0/", id="unspecified"),
        pytest.param("file:///etc/passwd", id="file-scheme"),
        pytest.param("ftp://example.org/", id="ftp-scheme"),
    ],
)
def test_private_targets_are_refused(url: str) -> None:
    with pytest.raises(BlockedTargetError):
        check_url(url, allow_private=False)


def test_public_address_is_allowed() -> None:
    check_url("http://8.8.8.8/", allow_private=False)


def test_every_redirect_hop_is_checked(server: LocalServer, client: httpx.Client) -> None:
    """A redirect cannot bounce the fetcher to a refused target; each hop is checked."""
    server.route("/r", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(BlockedTargetError, match="scheme"):
        fetch(client, server.url("/r"), FAST)


def test_private_network_refused_by_default(server: LocalServer) -> None:
    strict = FAST.model_copy(update={"allow_private_networks": False})
    server.route("/p", "<html>ok</html>")
    with make_client(strict) as client, pytest.raises(BlockedTargetError, match="private"):
        fetch(client, server.url("/p"), strict)
    assert server.requests == []


def test_unresolvable_host_is_a_connection_error() -> None:
    with pytest.raises(ConnectError, match="cannot resolve host"):
        check_url("http://no-such-host.invalid/", allow_private=False)


@pytest.mark.parametrize(
    ("status", "headers"),
    [(404, {}), (503, {"Retry-After": "1"}), (301, {"Location": "/ok"})],
    ids=["error-page", "unavailable", "redirect"],
)
def test_a_small_unused_body_is_drained_and_the_connection_reused(
    server: LocalServer, client: httpx.Client, status: int, headers: dict[str, str]
) -> None:
    server.route("/page", "<p>" + "x" * 5000 + "</p>", status=status, headers=headers)
    server.route("/ok", "<html><body><main><p>ok</p></main></body></html>")
    for _ in range(2):
        with pytest.raises(HTTPStatusError) if status >= 400 else contextlib.nullcontext():
            fetch(client, server.url("/page"), FAST)
    ports = {r.client_port for r in server.requests}
    assert len(ports) == 1, "each fetch opened a connection of its own"
