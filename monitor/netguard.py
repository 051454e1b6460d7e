"""The private-network rule: which fetch targets factwatch refuses.

Only ``http`` and ``https`` URLs are fetched. Unless the operator sets
``fetch.allow_private_networks: true``, a host that resolves to a loopback,
private, link-local, multicast, reserved or unspecified address is refused,
for the watched URL and for every redirect hop and followed link alike.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from model.errors import BlockedTargetError, ConnectError

ALLOWED_SCHEMES = ("http", "https")


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return _is_public(address.ipv4_mapped)
    return address.is_global and not address.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """All addresses ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ConnectError(f"cannot resolve host {host!r}: {exc.strerror}") from None
    return sorted({str(info[4][0]) for info in infos})


def check_url(url: str, *, allow_private: bool) -> None:
    """Raise :class:`BlockedTargetError` if ``url`` may not be fetched."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise BlockedTargetError(
            f"refused scheme {parts.scheme or '(none)'!r}: only http and https"
        )
    host = parts.hostname
    if not host:
        raise BlockedTargetError(f"no host in URL {url!r}")
    if allow_private:
        return
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    for text in resolve(host, port):
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not _is_public(address):
            raise BlockedTargetError(
                f"refused private address {address} for host {host!r} "
                "(set fetch.allow_private_networks: true to allow)"
            )
