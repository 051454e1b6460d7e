"""The hash chain of a watch's versions, and the response headers a version keeps.

Every version commits to the one before it: its chain hash is the SHA-256 of
one canonical JSON document (keys sorted, no spaces, UTF-8)::

    {"body": "<SHA-256 of the body>", "headers": [["Name", "value"], ...],
     "prev": "<chain hash of the previous version>" or null,
     "status": 200, "time": "2026-12-01T06:00:03.123456Z",
     "url": "<final URL>", "v": 1}

``time`` is the fetch time to the microsecond, ``headers`` the kept response
headers in the order received (``null`` for versions stored before headers
were kept). Anyone can recompute it from a WARC export (:mod:`monitor.warc`)
without trusting our database; :mod:`store.verify` does it for the store.

The headers kept are bounded (:data:`MAX_HEADER_BYTES`) and describe the body
as stored: the body is kept decoded, so the transfer headers
(``Content-Length``, ``Content-Encoding``, ``Transfer-Encoding`` and the
hop-by-hop ones) are not kept, nor any header that is not plain ASCII.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

CHAIN_FORMAT = 1
MAX_HEADER_BYTES = 16_384
NOT_KEPT = frozenset(
    {
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "upgrade",
    }
)
_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_VALUE = re.compile(r"^[\t\x20-\x7e]*$")

Headers = tuple[tuple[str, str], ...]


def keep_headers(raw: Iterable[tuple[str, str]]) -> Headers:
    """The response headers a version keeps, in order (see the module doc).

    Idempotent: the headers kept from kept headers are the same, so a version
    exported to WARC and imported again keeps exactly what it kept.
    """
    kept: list[tuple[str, str]] = []
    used = 0
    for name, value in raw:
        name, value = name.strip(), value.strip()
        if name.lower() in NOT_KEPT or not _TOKEN.match(name) or not _VALUE.match(value):
            continue
        size = len(name) + len(value) + 4
        if used + size > MAX_HEADER_BYTES:
            continue
        kept.append((name, value))
        used += size
    return tuple(kept)


def headers_json(headers: Sequence[Sequence[str]] | None) -> list[list[str]] | None:
    """Headers as stored (a JSON list of ``[name, value]`` pairs, or ``None``)."""
    return None if headers is None else [[str(n), str(v)] for n, v in headers]


def chain_time(moment: datetime) -> str:
    """The fetch time as the chain commits to it: UTC, to the microsecond."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def chain_hash(
    prev: str | None,
    body_sha: str,
    url: str,
    fetched_at: datetime,
    status: int,
    headers: Sequence[Sequence[str]] | None,
) -> str:
    """The chain hash of a version (the module doc gives the document hashed)."""
    document = {
        "body": body_sha,
        "headers": headers_json(headers),
        "prev": prev,
        "status": status,
        "time": chain_time(fetched_at),
        "url": url,
        "v": CHAIN_FORMAT,
    }
    data = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
