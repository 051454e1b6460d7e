"""Tables as facts: one figure per numeric cell, and the rows of a table of members.

A table's rows are keyed by their row header (the row's ``<th>``, else its
first cell) and its columns by their labels (the header rows). A *data
table* (most of its other cells are numbers) yields one figure per numeric
cell, subject "row key / column label" ("Lothian / Cases"), so a changed
cell is one figure change whatever the row's position. A table whose row
keys are names (countries, regions, organisations) also states a
membership: the table (named by its caption, lead-in or heading) has those
rows as members, so rows added or removed are membership changes. Rows
keyed by dates or periods are a time series: their cells are figures for
that period (``period`` is the row's date), and they state no membership.
A table whose rows are entries of a collection (a table of notices) is left
to the collection.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from model.facts import Fact
from parsers.analysis import Analysis
from parsers.entities import canonical_name, is_known
from parsers.entries import date_only
from parsers.extractors.placing import place_of
from parsers.model import Block, Cell, Table
from parsers.numbers import Amount, find_amounts
from parsers.registry import extractor
from parsers.tables import positions, row_period

NUMERIC_SHARE = 0.5
NAME_SHARE = 0.8
NAME_MAX_WORDS = 8
MIN_MEMBER_ROWS = 3
EVIDENCE_MAX_CHARS = 300

_PARENTHETICAL = re.compile(r"\([^()]*\)|\[[^\[\]]*\]")
_TOTAL = re.compile(r"^(?:total|grand total|sum|all|overall|ensemble|tous|toutes)\b", re.I)


@extractor("tables", "figure")
def tables(analysis: Analysis) -> Iterator[Fact]:
    """Figures of data tables' numeric cells and memberships of tables of members."""
    doc = analysis.doc
    for table in doc.tables:
        rows = [doc.blocks[i] for i in table.rows]
        body = [r for r in rows[table.header_rows :] if not all(c.header for c in r.cells)]
        if not body or any(r.role for r in rows):
            continue
        keys = [r.key for r in body]
        key_column = _key_column(body)
        yield from _figures(analysis, table, body, key_column)
        if _names(keys):
            yield _membership(analysis, table, rows, keys)


def _key_column(body: Sequence[Block]) -> int:
    """The column of the row keys: the row headers' column, else the first."""
    for row in body:
        for cell, start in zip(row.cells, positions(row.cells), strict=True):
            if cell.header and cell.text:
                return start
    return 0


def _figures(analysis: Analysis, table: Table, body: Sequence[Block], key: int) -> Iterator[Fact]:
    lang, dollar = analysis.doc.lang, analysis.dollar
    values = [
        (row, start, cell)
        for row in body
        for cell, start in zip(row.cells, positions(row.cells), strict=True)
        if start != key and cell.text and not cell.header
    ]
    amounts = [cell_amount(cell.text, lang, dollar) for _, _, cell in values]
    if not values or sum(a is not None for a in amounts) < NUMERIC_SHARE * len(values):
        return
    single = len({start for (_, start, _), a in zip(values, amounts, strict=True) if a}) == 1
    for (row, start, _), amount in zip(values, amounts, strict=True):
        if amount is None or not row.key:
            continue
        column = _column(table, start, single)
        place = place_of(analysis, row.index)
        yield Fact(
            kind="figure",
            subject=f"{row.key} / {column}",
            value=_value(amount, column),
            evidence=_row_evidence(table, row),
            section=place.heading,
            period=row_period(row.key),
            rule="tables",
            extra={"order": place.order(start)},
            block=row.index,
        )


def _column(table: Table, start: int, single: bool) -> str:
    label = table.columns[start] if start < len(table.columns) else ""
    if label:
        return label
    return table.name if single and table.name else f"column {start + 1}"


def _value(amount: Amount, column: str) -> dict[str, Any]:
    value: dict[str, Any] = {"amount": amount.amount, "qualifier": amount.qualifier}
    value["unit"] = column
    if amount.currency:
        value["currency"] = amount.currency
    if amount.percent:
        value["percent"] = True
    return value


def cell_amount(text: str, lang: str, dollar: str) -> Amount | None:
    """The number a cell holds when it is the cell's only content (a note in brackets aside)."""
    if date_only(text) or re.fullmatch(r"(?:1[89]|20)\d\d", text.strip()):
        return None
    amounts = find_amounts(text, lang, dollar)
    if not amounts or amounts[0].start > 2:
        return None
    rest = _PARENTHETICAL.sub(" ", text[amounts[0].end :])
    if any(ch.isdigit() for ch in rest) or len(rest.split()) > 2:
        return None
    return amounts[0]


def _names(keys: Sequence[str]) -> bool:
    """Row keys that name things (not dates, periods or numbers): a table of members."""
    if len(keys) < 1 or any(row_period(k) for k in keys):
        return False
    named = [k for k in keys if _is_name(k)]
    if len(named) < NAME_SHARE * len(keys):
        return False
    return len(keys) >= MIN_MEMBER_ROWS or any(is_known(canonical_name(k)) for k in named)


def _is_name(key: str) -> bool:
    bare = re.sub(r"^(?:(?:the|la|le|les)\s+|l['’])", "", key.strip(), flags=re.I)
    words = bare.split()
    if not words or len(words) > NAME_MAX_WORDS or _TOTAL.match(bare):
        return False
    return bare[0].isupper() and sum(c.isdigit() for c in bare) <= 2


def member_name(key: str) -> str:
    """A row key as a member: its canonical name, keeping a qualifier in parentheses
    ("Portugal (including the Azores and Madeira)" is not Portugal as a whole)."""
    qualifier = re.search(r"\(([^()]*)\)", key)
    if qualifier and len(qualifier.group(1).split()) >= 2:
        return re.sub(r"^(?:(?:the|la|le|les)\s+|l['’])", "", key.strip(), flags=re.I)
    return canonical_name(key)


def _membership(analysis: Analysis, table: Table, rows: Sequence[Block], keys: list[str]) -> Fact:
    members = sorted({member_name(k) for k in keys if _is_name(k)})
    anchor = rows[0]
    place = place_of(analysis, anchor.index)
    subject = table.name or _key_label(table, rows) or analysis.doc.title
    evidence = f"{subject}: {', '.join(members)}"
    if len(evidence) > EVIDENCE_MAX_CHARS:
        evidence = evidence[: EVIDENCE_MAX_CHARS - 1].rsplit(",", 1)[0] + ", …"
    return Fact(
        kind="membership",
        subject=subject,
        value={"members": members},
        evidence=evidence,
        section=place.heading,
        rule="tables",
        extra={"order": place.order(-1)},
        block=anchor.index,
    )


def _key_label(table: Table, rows: Sequence[Block]) -> str:
    cells: Sequence[Cell] = rows[0].cells if table.header_rows else ()
    return cells[0].text if cells else ""


def _row_evidence(table: Table, row: Block) -> str:
    if not table.columns:
        return row.text
    labelled = []
    for cell, start in zip(row.cells, positions(row.cells), strict=True):
        label = table.columns[start] if start < len(table.columns) else ""
        if cell.text:
            labelled.append(f"{label}: {cell.text}" if label and not cell.header else cell.text)
    return "; ".join(labelled)
