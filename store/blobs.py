"""Reading and writing blobs stored as snapshots or deltas.

A blob's row holds its compressed bytes and, for a delta, the address of its
base (:mod:`store.snapshots`). Reading follows the bases down to a snapshot,
loading the whole chain in one recursive query, and decodes back up, checking
the SHA-256 of the blob asked for (and, when it does not match, of every blob
on the way, to name the damaged one): a damaged delta or base is reported,
never returned. Only blobs whose hash was checked are kept for later reads.
Writing stores a blob as a delta against the blob it replaces (the same
watch's previous version's, never another watch's: a damaged blob can only
break its own watch's history) unless that would make the chain longer than
``snapshot_every`` frames, so reading any blob decodes at most
``snapshot_every`` frames.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, literal, select
from sqlalchemy.orm import Session

from model.errors import StoreError
from store import snapshots
from store.models import Blob

CHUNK = 500
SNAPSHOT_EVERY = 16
MAX_CHAIN = 1100  # more than the longest chain store.snapshot_every allows (1024)
KEEP_DECODED = 64
FULL_WHEN_DELTA_OVER = 0.25


@dataclass(frozen=True)
class BlobFault:
    """Why a blob cannot be read: ``missing``, ``undecodable`` or ``changed``.

    ``at`` is the blob where the fault was found: the blob asked for, or one
    of the bases it is stored against; ``actual`` the SHA-256 its bytes have
    when they decode but do not match their address.
    """

    sha: str
    kind: str
    at: str
    actual: str | None = None

    def message(self) -> str:
        """The fault in words."""
        where = "" if self.at == self.sha else f" (in the blob it is stored against, {self.at})"
        if self.kind == "missing":
            return f"missing blob {self.at}{where}"
        if self.kind == "undecodable":
            return f"blob {self.sha}: its stored bytes do not decode{where}"
        return f"blob {self.sha}: its bytes hash to {self.actual}{where}"


class BlobFaultError(StoreError):
    """A blob that is missing or damaged (see :class:`BlobFault`)."""

    def __init__(self, fault: BlobFault) -> None:
        super().__init__(fault.message())
        self.fault = fault


@dataclass(frozen=True)
class _Row:
    data: bytes
    base: str | None


class BlobReader:
    """Reads blobs through one session, keeping the last decoded ones.

    ``steps`` counts the frames decoded so far (what reading cost).
    """

    def __init__(self, session: Session, keep: int = KEEP_DECODED) -> None:
        self.session = session
        self.keep = keep
        self.steps = 0
        self._rows: dict[str, _Row] = {}
        self._decoded: OrderedDict[str, bytes] = OrderedDict()

    def read(self, sha: str) -> bytes:
        """The raw bytes of blob ``sha`` (raises :class:`BlobFaultError`)."""
        found = self.try_read(sha)
        if isinstance(found, BlobFault):
            raise BlobFaultError(found)
        return found

    def read_many(self, shas: Sequence[str]) -> dict[str, bytes]:
        """The raw bytes of each of ``shas`` (raises on the first fault)."""
        self.load(shas)
        return {sha: self.read(sha) for sha in dict.fromkeys(shas)}

    def try_read(self, sha: str) -> bytes | BlobFault:
        """The raw bytes of blob ``sha``, or why they cannot be read."""
        cached = self._decoded.get(sha)
        if cached is not None:
            self._decoded.move_to_end(sha)
            return cached
        self.load([sha])
        path = self._path(sha)
        if isinstance(path, BlobFault):
            return path
        return self._decode(sha, path)

    def load(self, shas: Iterable[str]) -> None:
        """Fetch the rows of ``shas`` and of every base they need, in one query per chunk."""
        wanted = [s for s in dict.fromkeys(shas) if s not in self._rows and s not in self._decoded]
        for start in range(0, len(wanted), CHUNK):
            rows = self.session.execute(_CHAIN_QUERY, {"shas": wanted[start : start + CHUNK]})
            for sha, data, base in rows:
                self._rows.setdefault(sha, _Row(data, base))

    def _reload(self, sha: str) -> _Row | None:
        """The row of ``sha`` when it was let go of after decoding (and since evicted)."""
        self.load([sha])
        return self._rows.get(sha)

    def _path(self, sha: str) -> list[str] | BlobFault:
        """``sha`` and its bases down to a decoded blob or a snapshot, top first."""
        path: list[str] = []
        current: str | None = sha
        while current is not None and current not in self._decoded:
            row = self._rows.get(current) or self._reload(current)
            if row is None:
                return BlobFault(sha, "missing", current)
            if current in path:
                return BlobFault(sha, "undecodable", current)  # a loop of bases
            path.append(current)
            current = row.base
        return path

    def _decode(self, sha: str, path: list[str]) -> bytes | BlobFault:
        """Decode ``path`` bottom up; only the blob asked for is hashed. When its hash
        does not match (or a frame does not decode), the path is decoded again hashing
        every step, to name the blob where the damage is."""
        found = self._walk(sha, path, check_each=False)
        if isinstance(found, bytes) and snapshots.digest(found) == sha:
            self._remember(sha, found)
            return found
        return self._walk(sha, path, check_each=True)

    def _walk(self, sha: str, path: list[str], *, check_each: bool) -> bytes | BlobFault:
        raw, decoded = b"", dict[str, bytes]()
        for current in reversed(path):
            row = self._rows[current]
            base = None
            if row.base is not None:
                base = decoded[row.base] if row.base in decoded else self._decoded[row.base]
            self.steps += 1
            try:
                raw = snapshots.unpack(row.data, base)
            except snapshots.UndecodableError:
                return BlobFault(sha, "undecodable", current)
            if check_each:
                actual = snapshots.digest(raw)
                if actual != current:
                    return BlobFault(sha, "changed", current, actual)
                self._remember(current, raw)
            decoded[current] = raw
        return raw

    def _remember(self, sha: str, raw: bytes) -> None:
        self._decoded[sha] = raw
        self._decoded.move_to_end(sha)
        self._rows.pop(sha, None)
        while len(self._decoded) > self.keep:
            self._decoded.popitem(last=False)


def _build_chain_query() -> Any:
    """The rows of the blobs ``:shas`` and, recursively, of their bases (built once).

    ``UNION ALL`` (no comparison of the rows' bytes), bounded by :data:`MAX_CHAIN`
    steps: a loop of bases (only an edit of the table can make one) ends there.
    """
    table = Blob.__table__
    chain = (
        select(table.c.sha256, table.c.data, table.c.base_sha, literal(1).label("step"))
        .where(table.c.sha256.in_(bindparam("shas", expanding=True)))
        .cte("chain", recursive=True)
    )
    base = table.alias("base")
    chain = chain.union_all(
        select(base.c.sha256, base.c.data, base.c.base_sha, chain.c.step + 1)
        .join(chain, base.c.sha256 == chain.c.base_sha)
        .where(chain.c.step < MAX_CHAIN)
    )
    return select(chain.c.sha256, chain.c.data, chain.c.base_sha)


_CHAIN_QUERY = _build_chain_query()


def _useful_base(size: int) -> int:
    """The largest base worth loading as dictionary for ``size`` bytes of data."""
    return 4 * size + (1 << 20)


@dataclass(frozen=True)
class Packed:
    """A blob ready to insert: its compressed bytes, base and depth."""

    data: bytes
    base: str | None
    depth: int


def pack_against(reader: BlobReader, data: bytes, base: str | None, snapshot_every: int) -> Packed:
    """``data`` packed as a delta against blob ``base`` when that keeps chains short
    and pays (a base much larger than the data is not loaded); otherwise as a snapshot."""
    if base is None or snapshot_every <= 1:
        return Packed(snapshots.pack(data), None, 0)
    row = reader.session.execute(select(Blob.depth, Blob.size).where(Blob.sha256 == base)).first()
    if row is None or row.depth + 1 >= snapshot_every or row.size > _useful_base(len(data)):
        return Packed(snapshots.pack(data), None, 0)
    depth = row.depth
    found = reader.try_read(base)
    if isinstance(found, BlobFault):  # never build on a damaged base
        return Packed(snapshots.pack(data), None, 0)
    delta = snapshots.pack_delta(data, found)
    if len(delta) > FULL_WHEN_DELTA_OVER * len(data):
        full = snapshots.pack(data)
        if len(full) <= len(delta):
            return Packed(full, None, 0)
    return Packed(delta, base, depth + 1)
