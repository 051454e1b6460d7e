"""Readable plain-text tables for the terminal.

Long cells wrap onto further lines of their column instead of being cut, so
nothing a user audits is hidden. Cells are page text: control characters
are removed (:func:`model.printable.printable`) before they are laid out.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from model.printable import printable

MAX_CELL = 72


def _lines(value: object, width: int) -> list[str]:
    text = "" if value is None else " ".join(printable(str(value), lines=False).split())
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or [""]


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], max_cell: int = MAX_CELL
) -> str:
    """Columns padded to their widest cell; cells wider than ``max_cell`` wrap."""
    cells = [[_lines(v, max_cell) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, *(len(x) for x in c)) for w, c in zip(widths, row, strict=True)]
    out = [_join(headers, widths), "  ".join("-" * w for w in widths)]
    for row in cells:
        for i in range(max(len(c) for c in row)):
            out.append(_join([c[i] if i < len(c) else "" for c in row], widths))
    return "\n".join(out)


def _join(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
