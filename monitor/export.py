"""Fact history export: CSV and JSON, from :func:`store.audit.fact_rows`.

One row per fact per version where it took a new value. CSV cells that a
spreadsheet would run as a formula (text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) get a leading ``'``; real numbers are
written as numbers, so they stay numeric.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from model.kinds import format_value
from store.audit import FactRow

COLUMNS = (
    "fact_id",
    "watch",
    "kind",
    "subject",
    "section",
    "value",
    "value_text",
    "qualifier",
    "unit",
    "period",
    "version",
    "valid_from",
    "valid_to",
    "evidence",
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def iso(moment: datetime | None) -> str | None:
    """UTC ISO 8601 with ``Z``, to the second."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def plain_value(row: FactRow) -> Any:
    """The value in one cell: a figure's amount (a number), a date, members joined by "; "."""
    value = row.value
    if row.kind == "figure":
        return value.get("amount")
    if row.kind == "date":
        return value.get("date")
    if row.kind == "membership":
        return "; ".join(value.get("members", []))
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def row_json(row: FactRow) -> dict[str, Any]:
    """One export row as a JSON object (``value`` keeps its structured form)."""
    return {
        "fact_id": row.fact_id,
        "watch": row.watch,
        "kind": row.kind,
        "subject": row.subject,
        "section": row.section,
        "value": row.value,
        "value_text": format_value(row.kind, row.value),
        "qualifier": row.value.get("qualifier"),
        "unit": row.value.get("unit"),
        "period": row.period,
        "version": row.version,
        "valid_from": iso(row.valid_from),
        "valid_to": iso(row.valid_to),
        "version_to": row.version_to,
        "evidence": row.evidence,
    }


def neutralise(cell: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text that looks like a formula gets a ``'``.

    Numbers (``int``/``float``) are returned as they are, negative ones included.
    """
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell).lower()
    if isinstance(cell, int | float):
        return cell
    text = str(cell)
    return "'" + text if text.startswith(FORMULA_START) else text


def _csv_cells(row: FactRow) -> list[Any]:
    data = row_json(row)
    data["value"] = plain_value(row)
    return [neutralise(data[name]) for name in COLUMNS]


def csv_lines(rows: Iterable[FactRow]) -> Iterator[str]:
    """The CSV document, line by line (header first; RFC 4180 quoting, CRLF line ends)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    yield _take(buffer)
    for row in rows:
        writer.writerow(_csv_cells(row))
        yield _take(buffer)


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def to_csv(rows: Sequence[FactRow]) -> str:
    """The whole CSV document."""
    return "".join(csv_lines(rows))


def to_json(rows: Sequence[FactRow]) -> str:
    """The rows as an indented JSON array."""
    return json.dumps([row_json(r) for r in rows], indent=2, ensure_ascii=False)
