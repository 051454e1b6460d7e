"""Read the HTML tables of the main content: rows, cells, header rows and column labels.

A *data table* becomes one ``row`` block per ``<tr>`` (see
:class:`parsers.model.Block`); a layout table (nested tables, ``role=presentation``
or a single cell per row) is read as ordinary content instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from lxml import etree

from parsers.entries import date_only
from parsers.model import Cell
from parsers.text import normalise_space

_PERIOD = re.compile(r"^(?:FY\s*)?(?:19|20)\d\d(?:\s?[-–/]\s?(?:\d{4}|\d{2}))?$")

_CELL_TAGS = ("td", "th")
_SECTION_TAGS = ("thead", "tbody", "tfoot")
_STRING = etree.XPath("string()", smart_strings=False)


def is_data_table(table: etree._Element) -> bool:
    """True when ``table`` lays out data (rows of cells), not the page."""
    if table.get("role", "").lower() in ("presentation", "none"):
        return False
    if next(table.iterdescendants("table"), None) is not None:
        return False
    widths = [sum(1 for c in tr if c.tag in _CELL_TAGS) for tr in own_rows(table)]
    return sum(1 for w in widths if w >= 2) >= max(1, len(widths) // 2)


def own_rows(table: etree._Element) -> Iterator[etree._Element]:
    """The table's own ``<tr>`` elements in document order (not those of nested tables)."""
    for child in table:
        if child.tag == "tr":
            yield child
        elif child.tag in _SECTION_TAGS:
            yield from (tr for tr in child if tr.tag == "tr")


def in_head(tr: etree._Element) -> bool:
    """True for a row of the table's ``<thead>``."""
    parent = tr.getparent()
    return parent is not None and parent.tag == "thead"


def row_cells(tr: etree._Element, header_row: bool) -> tuple[Cell, ...]:
    """The cells of a row; every cell of a header row counts as a header cell."""
    cells = []
    for cell in tr:
        if cell.tag not in _CELL_TAGS:
            continue
        text = normalise_space(str(_STRING(cell)))
        cells.append(Cell(text, header_row or cell.tag == "th", _span(cell)))
    return tuple(cells)


def _span(cell: etree._Element) -> int:
    try:
        return max(1, min(int(cell.get("colspan", "1")), 50))
    except ValueError:
        return 1


def is_header_row(cells: Sequence[Cell], head: bool, body_seen: bool) -> bool:
    """A row that labels columns: in ``<thead>``, or all ``<th>`` before any data row."""
    if head:
        return True
    return not body_seen and bool(cells) and all(c.header for c in cells) and len(cells) > 1


def column_labels(header_rows: Sequence[Sequence[Cell]]) -> tuple[str, ...]:
    """The label of each column: the header rows' texts over it, top to bottom."""
    columns: list[list[str]] = []
    for cells in header_rows:
        position = 0
        for cell in cells:
            for _ in range(cell.span):
                while len(columns) <= position:
                    columns.append([])
                if cell.text and cell.text not in columns[position]:
                    columns[position].append(cell.text)
                position += 1
    return tuple(" ".join(parts) for parts in columns)


def positions(cells: Sequence[Cell]) -> list[int]:
    """The column each cell starts at (spans of earlier cells counted)."""
    out, position = [], 0
    for cell in cells:
        out.append(position)
        position += cell.span
    return out


def row_period(key: str) -> str | None:
    """The period a row is for when its key is a date or a (fiscal) year."""
    key = key.strip()
    if _PERIOD.match(key):
        return key
    return date_only(key)
