"""The gate: refused address forms, DNS rebinding, Host and TLS name kept, deadlines.

Every test runs on the scripted network of ``conftest.py``: a connection to
an address outside 127.0.0.0/8 is recorded in ``network.refused`` and never
made.
"""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Iterator

import httpx
import pytest
import trustme

from model import budget
from model.errors import BlockedTargetError, ConnectError, FetchTimeoutError, TooLargeError
from model.netgate import Gate, async_gated_transport, gated_transport, is_public
from monitor.fetch import fetch, make_client
from monitor.netguard import check_url
from monitor.settings import FetchSettings
from tests.hostile import server as hs
from tests.hostile.conftest import Network
from tests.hostile.server import HostileServer, hostile_server

STRICT = FetchSettings(
    allow_private_networks=False, connect_timeout=2, read_timeout=5, deadline=3, max_bytes=50_000
)
LOOSE = STRICT.model_copy(update={"allow_private_networks": True})

ADDRESSES = [
    # (id, address, public)
    ("public-v4", "93.184.216.34", True),
    ("public-v6", "2606:4700:4700::1111", True),
    ("loopback", "127.0.0.1", False),
    ("private", "10.1.2.3", False),
    ("link-local-metadata", "169.254.169.254", False),
    ("shared-cgnat", "100.64.0.1", False),
    ("multicast-v4", "224.0.0.1", False),
    ("reserved-240", "240.0.0.1", False),
    ("broadcast", "255.255.255.255", False),
    ("documentation", "192.0.2.1", False),
    ("v6-loopback", "::1", False),
    ("v6-unspecified", "::", False),
    ("v6-unique-local", "fd00::1", False),
    ("v6-link-local", "fe80::1", False),
    ("v6-site-local", "fec0::1", False),
    ("v6-multicast", "ff02::1", False),
    ("mapped-loopback", "::ffff:127.0.0.1", False),
    ("mapped-public", "::ffff:93.184.216.34", True),
    ("compatible-loopback", "::127.0.0.1", False),
    ("compatible-public", "::93.184.216.34", False),
    ("nat64-link-local", "64:ff9b::a9fe:a9fe", False),
    ("nat64-loopback", "64:ff9b::7f00:1", False),
    ("nat64-public", "64:ff9b::5db8:d822", True),
    ("nat64-local-use", "64:ff9b:1::a00:1", False),
    ("6to4-link-local", "2002:a9fe:a9fe::", False),
    ("6to4-private", "2002:0a00:0001::1", False),
    ("6to4-public", "2002:5db8:d822::1", True),
    # Teredo: server 65.54.227.120, client ~0x3fff:fdd2 = 192.0.2.45 (documentation)
    ("teredo-private-client", "2001:0:4136:e378:8000:63bf:3fff:fdd2", False),
    # Teredo: server 65.54.227.120, client ~0xa257:2ddd = 93.168.210.34
    ("teredo-public", "2001:0:4136:e378:8000:63bf:a257:2ddd", True),
]


@pytest.mark.parametrize(
    ("address", "public"), [a[1:] for a in ADDRESSES], ids=[a[0] for a in ADDRESSES]
)
def test_address_forms(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public
    literal = f"[{address}]" if ":" in address else address
    if public:
        check_url(f"http://{literal}/", allow_private=False)
    else:
        with pytest.raises(BlockedTargetError, match=r"set fetch\.allow_private_networks"):
            check_url(f"http://{literal}/", allow_private=False)


@pytest.mark.parametrize(
    "address",
    ["64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::", "::127.0.0.1", "::ffff:10.0.0.1"],
    ids=["nat64", "6to4", "ipv4-compatible", "ipv4-mapped"],
)
def test_embedded_private_forms_never_reach_a_connection(network: Network, address: str) -> None:
    with make_client(STRICT) as client, pytest.raises(BlockedTargetError):
        fetch(client, f"http://[{address}]:8080/", STRICT)
    assert network.refused == []


def test_dns_rebinding_connects_to_the_address_that_was_checked(
    network: Network, hostile: HostileServer
) -> None:
    """The name answers a public address first, loopback second: loopback is never fetched."""
    hostile.route("/p", hs.page("<p>internal</p>"))
    network.answer("rebind.test", ["93.184.216.34"], ["127.0.0.1"])
    with make_client(STRICT) as client, pytest.raises(ConnectError):
        fetch(client, hostile.url("/p", host="rebind.test"), STRICT)
    assert hostile.requests == []
    assert network.refused == [("93.184.216.34", hostile.port)]
    assert network.lookups == ["rebind.test"]  # resolved once


def test_a_name_with_one_private_address_is_refused_whole(
    network: Network, hostile: HostileServer
) -> None:
    network.answer("mixed.test", ["93.184.216.34", "127.0.0.1"])
    with make_client(STRICT) as client, pytest.raises(BlockedTargetError, match=r"127\.0\.0\.1"):
        fetch(client, hostile.url("/p", host="mixed.test"), STRICT)
    assert network.refused == [] and hostile.requests == []


def test_a_redirect_hop_connects_to_the_address_its_name_resolved_to(
    network: Network, hostile: HostileServer
) -> None:
    """A redirect's target is resolved once by the same gate, and connected at that address."""
    network.answer("public.test", ["93.184.216.34"], ["127.0.0.1"])
    hostile.route("/r", hs.redirect(hostile.url("/p", host="public.test")))
    hostile.route("/p", hs.page("<p>internal</p>"))
    with make_client(LOOSE) as client, pytest.raises(ConnectError):
        fetch(client, hostile.url("/r"), LOOSE)
    assert network.refused == [("93.184.216.34", hostile.port)]
    assert [r.path for r in hostile.requests] == ["/r"]


def test_host_header_keeps_the_name(network: Network, hostile: HostileServer) -> None:
    hostile.route("/p", hs.page("<p>ok</p>"))
    network.answer("site.test", ["127.0.0.1"])
    with make_client(LOOSE) as client:
        assert fetch(client, hostile.url("/p", host="site.test"), LOOSE).body == b"<p>ok</p>"
    assert hostile.requests[-1].headers["host"] == f"site.test:{hostile.port}"


@pytest.fixture
def tls_site() -> Iterator[tuple[HostileServer, trustme.CA]]:
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("site.test").configure_cert(server_context)
    with hostile_server(server_context) as server:
        server.route("/p", hs.page("<p>secure</p>"))
        yield server, ca


def test_tls_verifies_the_name_not_the_address(
    network: Network, tls_site: tuple[HostileServer, trustme.CA]
) -> None:
    server, ca = tls_site
    network.answer("site.test", ["127.0.0.1"])
    network.answer("other.test", ["127.0.0.1"])
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    gate = Gate(allow_private=True)
    with httpx.Client(transport=gated_transport(gate, ssl_context=client_context)) as client:
        assert client.get(server.url("/p", host="site.test")).text == "<p>secure</p>"
        with pytest.raises(httpx.ConnectError, match=r"certificate|hostname"):
            client.get(server.url("/p", host="other.test"))


def test_async_transport_goes_through_the_same_gate(
    network: Network, hostile: HostileServer
) -> None:
    hostile.route("/p", hs.page("<p>async</p>"))
    network.answer("rebind.test", ["93.184.216.34"], ["127.0.0.1"])
    network.answer("site.test", ["127.0.0.1"])

    async def run() -> tuple[str, str]:
        strict = async_gated_transport(Gate())
        loose = async_gated_transport(Gate(allow_private=True))
        async with httpx.AsyncClient(transport=strict) as client:
            try:
                await client.get(hostile.url("/p", host="rebind.test"))
                refused = "fetched"
            except httpx.ConnectError:
                refused = "refused"
        async with httpx.AsyncClient(transport=loose) as client:
            with budget.within(5):
                page = (await client.get(hostile.url("/p", host="site.test"))).text
        return refused, page

    assert asyncio.run(run()) == ("refused", "<p>async</p>")
    assert network.refused == [("93.184.216.34", hostile.port)]


# -- deadlines and caps ------------------------------------------------------------


def test_trickled_headers_cannot_outlast_the_deadline(hostile: HostileServer) -> None:
    """One header byte every 0.2 s never trips the 5 s read timeout; the 1 s deadline ends it."""
    hostile.route("/slow", hs.trickle_headers(interval=0.2, total=40))
    settings = LOOSE.model_copy(update={"deadline": 1.0})
    with make_client(settings) as client, pytest.raises(FetchTimeoutError) as caught:
        fetch(client, hostile.url("/slow"), settings)
    assert str(caught.value) == "total deadline of 1s exceeded"
    assert not hostile.requests[0].answered  # cut while the headers were still trickling


@pytest.mark.parametrize(
    ("behaviour", "error", "message"),
    [
        pytest.param(
            hs.trickle_body(interval=0.2, total=40),
            FetchTimeoutError,
            "deadline",
            id="trickled-body",
        ),
        pytest.param(hs.gzip_bomb(), TooLargeError, "exceeds the cap", id="gzip-bomb"),
        pytest.param(hs.endless(), TooLargeError, "exceeds the cap", id="endless-body"),
        pytest.param(
            hs.endless(declared=2_000_000_000), TooLargeError, "2000000000 bytes", id="declared-2gb"
        ),
    ],
)
def test_hostile_bodies_end_with_a_reason(
    hostile: HostileServer, behaviour: hs.Behaviour, error: type[Exception], message: str
) -> None:
    hostile.route("/x", behaviour)
    settings = LOOSE.model_copy(update={"deadline": 1.0})
    with make_client(settings) as client, pytest.raises(error, match=message):
        fetch(client, hostile.url("/x"), settings)


def test_a_cancelled_budget_shuts_the_socket_at_once(hostile: HostileServer) -> None:
    import threading

    hostile.route("/slow", hs.trickle_headers(interval=0.2))
    scope = budget.Budget()
    outcome: list[str] = []

    def work() -> None:
        with budget.within(budget=scope), make_client(LOOSE) as client:
            try:
                fetch(client, hostile.url("/slow"), LOOSE.model_copy(update={"deadline": 600}))
            except Exception as exc:
                outcome.append(type(exc).__name__)

    thread = threading.Thread(target=work)
    thread.start()
    from tests.service_support import wait_for

    wait_for("the connection", lambda: hostile.open == 1, 10)
    scope.cancel()
    thread.join(10)
    assert not thread.is_alive() and outcome == ["FetchTimeoutError"]
    wait_for("the socket to close", lambda: hostile.open == 0, 10)
