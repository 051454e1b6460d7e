"""The one gate every outbound connection goes through.

Pages, redirect hops, followed links and alert targets (webhook, Slack, SMTP)
all connect through :meth:`Gate.addresses`: the host is resolved **once**,
every address it resolves to is checked, and the connection is made to one
of those very addresses (so a name that answers a public address to the
check and a private one to the connection, DNS rebinding, gets nowhere).
The URL is left as it was, so the ``Host`` header and the TLS server name
(SNI, certificate check) are the host's name, not the address.

An address passes when it is globally routable: loopback, private,
link-local, shared (100.64/10), documentation, benchmarking, multicast,
reserved and unspecified addresses are refused, and so is every IPv6 form
that embeds an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64
``64:ff9b::/96``, 6to4 ``2002::/16``, Teredo ``2001::/32``) unless each IPv4
address it embeds is public itself. IPv4-compatible addresses (``::a.b.c.d``,
deprecated) are always refused. A gate made with ``allow_private`` lets
every address through (the operator's opt-in), but still resolves once.

:class:`GatedBackend` and :class:`AsyncGatedBackend` are httpcore network
backends that connect through a gate; :func:`gated_transport` and
:func:`async_gated_transport` wrap them for httpx clients (``trust_env`` is
off: no proxy from the environment). Every read, write and connect is also
bounded by the current :class:`~model.budget.Budget`, so a server that
trickles its headers one byte at a time cannot outlast the deadline, and a
cancelled budget shuts the socket down at once.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import ssl
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from model import budget
from model.errors import BlockedTargetError, ConnectError

if TYPE_CHECKING:
    import httpcore
    import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Sequence[str]]

_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def embedded_ipv4(address: IPAddress) -> tuple[ipaddress.IPv4Address, ...]:
    """The IPv4 addresses an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if isinstance(address, ipaddress.IPv4Address):
        return ()
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        return (address.ipv4_mapped,)
    if address in _COMPATIBLE or any(address in net for net in _NAT64):
        return (low32,)
    if address.sixtofour is not None:
        return (address.sixtofour,)
    if address.teredo is not None:
        return address.teredo
    return ()


def _public_v4(address: ipaddress.IPv4Address) -> bool:
    return address.is_global and not (address.is_multicast or address.is_reserved)


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is globally routable, every IPv4 address it embeds included."""
    if isinstance(address, ipaddress.IPv4Address):
        return _public_v4(address)
    inner = embedded_ipv4(address)
    if address in _COMPATIBLE:
        return False
    if inner:
        return all(_public_v4(a) for a in inner)
    return address.is_global and not (
        address.is_multicast or address.is_reserved or address.is_site_local
    )


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, by the system's resolver (an IP resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        detail = exc.strerror if isinstance(exc, socket.gaierror) else str(exc)
        raise ConnectError(f"cannot resolve host {host!r}: {detail}") from None
    found: list[str] = []
    for info in infos:
        text = str(info[4][0])
        if text not in found:
            found.append(text)
    return found


@dataclass(frozen=True)
class Gate:
    """Which addresses connections may go to, and how names are resolved.

    ``setting`` names the opt-in for refusal messages
    (``fetch.allow_private_networks``, or a channel's ``allow_private_networks``).
    """

    allow_private: bool = False
    setting: str = "fetch.allow_private_networks"
    resolver: Resolver = field(default=system_resolver, compare=False)

    def addresses(self, host: str, port: int) -> list[str]:
        """Resolve ``host`` once; the addresses to connect to, every one of them allowed.

        Raises :class:`BlockedTargetError` when any address is refused (a name
        that resolves to a public and a private address is refused whole).
        """
        host = host.strip("[]")
        found = list(self.resolver(host, port))
        if not found:
            raise ConnectError(f"cannot resolve host {host!r}: no address")
        if self.allow_private:
            return found
        for text in found:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if not is_public(address):
                raise BlockedTargetError(
                    f"refused non-public address {address} for host {host!r} "
                    f"(set {self.setting}: true to allow)"
                )
        return found

    def connect(self, host: str, port: int, timeout: float | None) -> socket.socket:
        """A connected TCP socket to an allowed address of ``host`` (for SMTP)."""
        scope = budget.current()
        last: OSError | None = None
        for address in self.addresses(host, port):
            wait = scope.limit(timeout) if scope else timeout
            try:
                return socket.create_connection((address, port), wait)
            except OSError as exc:
                last = exc
        assert last is not None
        raise last


# -- httpcore / httpx ----------------------------------------------------------------


def _httpcore() -> Any:
    import httpcore

    return httpcore


class _Stream:
    """A network stream whose every operation is bounded by the current budget."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def _bounded(self, timeout: float | None, expired: type[Exception]) -> float | None:
        scope = budget.current()
        if scope is None:
            return timeout
        if scope.over:
            raise expired("deadline exceeded" if not scope.cancelled else "cancelled")
        return scope.limit(timeout)

    def _abort(self) -> None:
        sock = self._inner.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _run(self, timeout: float | None, expired: type[Exception], op: Callable[..., Any]) -> Any:
        limit = self._bounded(timeout, expired)
        scope = budget.current()
        if scope is None:
            return op(limit)
        with scope.on_cancel(self._abort):
            return op(limit)

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        hc = _httpcore()
        data: bytes = self._run(timeout, hc.ReadTimeout, lambda t: self._inner.read(max_bytes, t))
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        hc = _httpcore()
        self._run(timeout, hc.WriteTimeout, lambda t: self._inner.write(buffer, t))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _Stream:
        hc = _httpcore()
        inner = self._run(
            timeout,
            hc.ConnectTimeout,
            lambda t: self._inner.start_tls(ssl_context, server_hostname, t),
        )
        return _Stream(inner)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class GatedBackend:
    """An httpcore network backend that connects only where :class:`Gate` allows."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self._inner = _httpcore().SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _Stream:
        hc = _httpcore()
        scope = budget.current()
        last: Exception | None = None
        for address in self.gate.addresses(host, port):
            if scope is not None and scope.over:
                raise hc.ConnectTimeout("deadline exceeded")
            wait = scope.limit(timeout) if scope else timeout
            try:
                stream = self._inner.connect_tcp(address, port, wait, local_address, socket_options)
            except (hc.ConnectError, hc.ConnectTimeout) as exc:
                last = exc
                continue
            return _Stream(stream)
        assert last is not None
        raise last

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
        raise BlockedTargetError("unix sockets are not a fetch target")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _AsyncStream:
    """The asyncio counterpart of :class:`_Stream` (deadlines; cancel by cancelling the task)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def _bounded(self, timeout: float | None, expired: type[Exception]) -> float | None:
        scope = budget.current()
        if scope is None:
            return timeout
        if scope.over:
            raise expired("deadline exceeded" if not scope.cancelled else "cancelled")
        return scope.limit(timeout)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = await self._inner.read(
            max_bytes, self._bounded(timeout, _httpcore().ReadTimeout)
        )
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, self._bounded(timeout, _httpcore().WriteTimeout))

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> _AsyncStream:
        wait = self._bounded(timeout, _httpcore().ConnectTimeout)
        return _AsyncStream(await self._inner.start_tls(ssl_context, server_hostname, wait))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class AsyncGatedBackend:
    """:class:`GatedBackend` for asyncio clients (names resolved in a worker thread)."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self._inner = _httpcore().AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> _AsyncStream:
        import anyio

        hc = _httpcore()
        scope = budget.current()
        last: Exception | None = None
        for address in await anyio.to_thread.run_sync(self.gate.addresses, host, port):
            if scope is not None and scope.over:
                raise hc.ConnectTimeout("deadline exceeded")
            wait = scope.limit(timeout) if scope else timeout
            try:
                stream = await self._inner.connect_tcp(
                    address, port, wait, local_address, socket_options
                )
            except (hc.ConnectError, hc.ConnectTimeout) as exc:
                last = exc
                continue
            return _AsyncStream(stream)
        assert last is not None
        raise last

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> Any:
        raise BlockedTargetError("unix sockets are not a fetch target")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def _pool_options(limits: httpx.Limits) -> dict[str, Any]:
    return {
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
    }


def gated_transport(
    gate: Gate, limits: httpx.Limits | None = None, ssl_context: ssl.SSLContext | None = None
) -> httpx.HTTPTransport:
    """An httpx transport whose connections go through ``gate`` (no proxy, verified TLS).

    ``ssl_context`` replaces the default verifying context (the system's CAs).
    """
    import httpx

    limits = limits or httpx.Limits()
    transport = httpx.HTTPTransport(trust_env=False, limits=limits)
    transport._pool = _httpcore().ConnectionPool(
        ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
        network_backend=GatedBackend(gate),
        **_pool_options(limits),
    )
    return transport


def async_gated_transport(
    gate: Gate, limits: httpx.Limits | None = None, ssl_context: ssl.SSLContext | None = None
) -> httpx.AsyncHTTPTransport:
    """The asyncio counterpart of :func:`gated_transport`."""
    import httpx

    limits = limits or httpx.Limits()
    transport = httpx.AsyncHTTPTransport(trust_env=False, limits=limits)
    transport._pool = _httpcore().AsyncConnectionPool(
        ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
        network_backend=AsyncGatedBackend(gate),
        **_pool_options(limits),
    )
    return transport


def check_scheme(url: str) -> None:
    """Raise :class:`BlockedTargetError` unless ``url`` is http(s) with a host."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise BlockedTargetError(
            f"refused scheme {parts.scheme or '(none)'!r}: only http and https"
        )
    if not parts.hostname:
        raise BlockedTargetError(f"no host in URL {url!r}")
