"""The private-network rule for pages: which fetch targets factwatch refuses.

Only ``http`` and ``https`` URLs are fetched. Unless the operator sets
``fetch.allow_private_networks: true``, a host that resolves to an address
that is not globally routable is refused, for the watched URL, every
redirect hop and every followed link alike. The rule itself, and the one
connection path that enforces it, is :mod:`model.netgate`: the fetcher
connects only to the addresses the gate resolved and allowed. The check
here (:func:`check_url`) lets callers refuse a link early, before queueing it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from model.netgate import Gate, Resolver, check_scheme, system_resolver

ALLOWED_SCHEMES = ("http", "https")


def page_gate(allow_private: bool, resolver: Resolver = system_resolver) -> Gate:
    """The gate pages are fetched through."""
    return Gate(allow_private, "fetch.allow_private_networks", resolver)


def check_url(url: str, *, allow_private: bool, resolver: Resolver = system_resolver) -> None:
    """Raise :class:`~model.errors.BlockedTargetError` if ``url`` may not be fetched."""
    check_scheme(url)
    if allow_private:
        return
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    page_gate(False, resolver).addresses(parts.hostname or "", port)
