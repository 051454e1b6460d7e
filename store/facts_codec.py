"""The stored form of a version's facts: one compact, canonical JSON document.

Format 2 keeps, beside the facts (each with its ``block`` and ``id``), the
version's blocks (headings, paragraphs, items and rows, as plain data), so
the next version can be aligned with it block by block. Format 1 documents
(facts only) still read; their versions are compared without alignment.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from model.errors import StoreError
from model.facts import Fact

FACT_FIELDS = ("kind", "subject", "section", "value", "evidence", "period", "rule")
PLACE_FIELDS = ("block", "id")
FORMAT = 2


@dataclass(frozen=True)
class StoredFacts:
    """A version's facts and, from format 2 on, its blocks (``None`` before)."""

    facts: list[Fact]
    blocks: list[dict[str, Any]] | None
    region: str = ""


def encode_facts(
    facts: Sequence[Fact], blocks: Sequence[dict[str, Any]] | None = None, region: str = ""
) -> bytes:
    """The facts (with the blocks and the main-content region they were read in) as a
    canonical JSON document, stored as a content-addressed blob."""
    rows = [{name: getattr(f, name) for name in (*FACT_FIELDS, *PLACE_FIELDS)} for f in facts]
    document: dict[str, Any] = {"format": FORMAT, "facts": rows}
    if blocks is not None:
        document["blocks"] = list(blocks)
    if region:
        document["region"] = region
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def decode_stored(data: bytes) -> StoredFacts:
    """The facts and blocks a stored document holds (see :func:`encode_facts`)."""
    document = json.loads(data)
    version = document.get("format")
    if version not in (1, FORMAT):
        raise StoreError(f"unknown facts document format {version!r}")
    facts = [_fact(row) for row in document["facts"]]
    return StoredFacts(facts, document.get("blocks"), document.get("region") or "")


def decode_facts(data: bytes) -> list[Fact]:
    """The facts a stored document holds."""
    return decode_stored(data).facts


def _fact(row: dict[str, Any]) -> Fact:
    fields: dict[str, Any] = {name: row.get(name) for name in FACT_FIELDS}
    return Fact(**fields, block=row.get("block", -1), id=row.get("id") or "")
