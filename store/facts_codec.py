"""The stored form of a version's facts: one compact, canonical JSON document."""

from __future__ import annotations

import json
from collections.abc import Sequence

from model.errors import StoreError
from model.facts import Fact

FACT_FIELDS = ("kind", "subject", "section", "value", "evidence", "period", "rule")


def encode_facts(facts: Sequence[Fact]) -> bytes:
    """The facts as a canonical JSON document (stored as a content-addressed blob)."""
    rows = [{name: getattr(f, name) for name in FACT_FIELDS} for f in facts]
    document = {"format": 1, "facts": rows}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def decode_facts(data: bytes) -> list[Fact]:
    """The facts a stored document holds (see :func:`encode_facts`)."""
    document = json.loads(data)
    if document.get("format") != 1:
        raise StoreError(f"unknown facts document format {document.get('format')!r}")
    return [Fact(**{name: row.get(name) for name in FACT_FIELDS}) for row in document["facts"]]
