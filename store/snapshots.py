"""Content-addressed snapshots: SHA-256 names, zlib-compressed bytes."""

from __future__ import annotations

import hashlib
import zlib

LEVEL = 6


def digest(data: bytes) -> str:
    """The hex SHA-256 of ``data``: the blob's address."""
    return hashlib.sha256(data).hexdigest()


def pack(data: bytes) -> bytes:
    """Compress ``data`` for storage."""
    return zlib.compress(data, LEVEL)


def unpack(data: bytes) -> bytes:
    """Decompress stored bytes."""
    return zlib.decompress(data)
