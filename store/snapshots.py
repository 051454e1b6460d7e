"""Content-addressed snapshots: SHA-256 names, compressed bytes, deltas.

A blob is named by the SHA-256 of its raw bytes and stored in one of three
forms, told apart by their first bytes and the row's ``base_sha``:

* a zlib stream (blobs written before deltas; still read);
* a full zstd frame (a *snapshot*);
* a zstd frame compressed with the raw bytes of another blob, its *base*,
  as dictionary (a *delta*): a version that differs a little from the one
  before it costs a few hundred bytes instead of a compressed page.

This module only turns bytes into bytes; :mod:`store.blobs` follows the
bases and checks every hash.
"""

from __future__ import annotations

import hashlib
import zlib
from typing import Any

import zstandard

LEVEL = 9
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


class UndecodableError(ValueError):
    """Stored bytes that are not a frame this module wrote (or were damaged)."""


def digest(data: bytes) -> str:
    """The hex SHA-256 of ``data``: the blob's address."""
    return hashlib.sha256(data).hexdigest()


def _compressor(size: int, dictionary: zstandard.ZstdCompressionDict | None = None) -> Any:
    """A compressor sized for ``size`` bytes of input and dictionary: its window and
    tables fit them (a few hundred KB for a page) instead of the level's defaults
    (megabytes per checking thread)."""
    params = zstandard.ZstdCompressionParameters.from_level(LEVEL, source_size=max(size, 1))
    return zstandard.ZstdCompressor(compression_params=params, dict_data=dictionary)


def pack(data: bytes) -> bytes:
    """Compress ``data`` on its own: a full snapshot."""
    return bytes(_compressor(len(data)).compress(data))


def pack_delta(data: bytes, base: bytes) -> bytes:
    """Compress ``data`` with ``base`` as dictionary: a delta against ``base``."""
    dictionary = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
    return bytes(_compressor(len(data) + len(base), dictionary).compress(data))


def unpack(data: bytes, base: bytes | None = None) -> bytes:
    """The raw bytes of a stored blob; ``base`` is the raw bytes of a delta's base.

    Raises :class:`UndecodableError` when the bytes do not decode.
    """
    try:
        if not data.startswith(ZSTD_MAGIC):
            if base is not None:
                raise UndecodableError("a delta that is not a zstd frame")
            return zlib.decompress(data)
        if base is None:
            return zstandard.ZstdDecompressor().decompress(data)
        dictionary = zstandard.ZstdCompressionDict(base, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        return zstandard.ZstdDecompressor(dict_data=dictionary).decompress(data)
    except (zlib.error, zstandard.ZstdError) as exc:
        raise UndecodableError(str(exc)) from exc
