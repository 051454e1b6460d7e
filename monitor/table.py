"""Readable plain-text tables for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

MAX_CELL = 72


def _cell(value: object, width: int = MAX_CELL) -> str:
    text = "" if value is None else " ".join(str(value).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def render_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], max_cell: int = MAX_CELL
) -> str:
    """Columns padded to their widest cell; long cells cut with an ellipsis."""
    cells = [[_cell(v, max_cell) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )
    return "\n".join(lines)
