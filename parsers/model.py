"""The data shapes every parser produces and every other package consumes.

A page (HTML or PDF) becomes a :class:`Document`: its title, language, the
main content split into :class:`Section` objects (one per heading), each a
sequence of :class:`Block` objects (paragraphs, list items and table rows),
plus the links it contains and its own modification date.

The same content is also one flat sequence, :attr:`Document.blocks`: every
heading, paragraph, list item and table row in document order, each with its
position (``index``) and the headings above it (``path``). The block
sequences of two versions are what :mod:`alerts.align` aligns; a fact names
the block that states it (:attr:`model.facts.Fact.block`). Tables (:class:`Table`) and
collections of dated entries (:class:`Collection`) are described by the
blocks they span.

Extractors turn a :class:`Document` into :class:`model.facts.Fact` objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Any, Literal

BlockKind = Literal["heading", "paragraph", "item", "row"]
BlockRole = Literal["", "collection", "stamp"]


@dataclass(frozen=True)
class Cell:
    """One cell of a table row; ``header`` for a ``<th>`` (or a cell of a header row).

    ``span`` is how many columns the cell covers (its ``colspan``).
    """

    text: str
    header: bool = False
    span: int = 1


@dataclass(frozen=True)
class Block:
    """One heading, paragraph, list item or table row of the main content.

    ``group`` ties blocks together: items of the same list, rows of the same
    table (a number unique within the document); -1 for other blocks.
    ``index`` is the block's position in :attr:`Document.blocks` and ``path``
    the headings above it, outermost first (a heading's own path excludes it).
    A row's ``cells`` keep its cells (``text`` is them joined by " | ").
    ``role`` marks blocks that are not prose: ``collection`` (an entry of a
    news list or change log) and ``stamp`` (the page's own "Last updated"
    line); sentence extractors skip them and table rows.
    """

    text: str
    kind: BlockKind = "paragraph"
    group: int = -1
    index: int = -1
    path: tuple[str, ...] = ()
    level: int = 0
    cells: tuple[Cell, ...] = ()
    role: BlockRole = ""

    @property
    def key(self) -> str:
        """A row's key: its first header cell, else its first non-empty cell ("" for others)."""
        if self.kind != "row":
            return ""
        for cell in self.cells:
            if cell.header and cell.text:
                return cell.text
        return next((c.text for c in self.cells if c.text), "")

    def placed(self, index: int, path: tuple[str, ...]) -> Block:
        """This block at position ``index`` under the headings ``path``."""
        return Block(
            self.text, self.kind, self.group, index, path, self.level, self.cells, self.role
        )

    @property
    def prose(self) -> bool:
        """True for the blocks sentence extractors read (paragraphs and items that are prose)."""
        return self.kind in ("paragraph", "item") and not self.role

    def to_json(self) -> dict[str, Any]:
        """The block as plain data (what a stored version keeps to align with the next one)."""
        out: dict[str, Any] = {"kind": self.kind, "text": self.text, "path": list(self.path)}
        if self.group >= 0:
            out["group"] = self.group
        if self.level:
            out["level"] = self.level
        if self.cells:
            out["cells"] = [[c.text, c.header, c.span] for c in self.cells]
        if self.role:
            out["role"] = self.role
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any], index: int) -> Block:
        """The block :meth:`to_json` described, at position ``index``."""
        cells = tuple(Cell(str(c[0]), bool(c[1]), int(c[2])) for c in data.get("cells", ()))
        return cls(
            text=data["text"],
            kind=data.get("kind", "paragraph"),
            group=data.get("group", -1),
            index=index,
            path=tuple(data.get("path", ())),
            level=data.get("level", 0),
            cells=cells,
            role=data.get("role", ""),
        )


def blocks_from_json(rows: Iterable[dict[str, Any]]) -> tuple[Block, ...]:
    """Blocks from their :meth:`Block.to_json` forms, indexed in order."""
    return tuple(Block.from_json(row, i) for i, row in enumerate(rows))


@dataclass(frozen=True)
class Section:
    """The blocks under one heading (``heading`` is "" before the first one).

    ``blocks`` holds the section's paragraphs, items and rows (not headings).
    """

    heading: str
    blocks: tuple[Block, ...] = ()
    level: int = 2

    @property
    def text(self) -> str:
        """The section's blocks joined by newlines."""
        return "\n".join(b.text for b in self.blocks)


@dataclass(frozen=True)
class Link:
    """A hyperlink of the main content: absolute URL and its visible text."""

    url: str
    text: str


@dataclass(frozen=True)
class Table:
    """A table of the main content: its name, column labels and the blocks of its rows.

    ``rows`` are indexes into :attr:`Document.blocks` (header rows first);
    ``header_rows`` how many of them label the columns; ``columns`` the label of
    each column (header rows joined, "" when unlabelled). ``name`` is the
    caption, else the lead-in paragraph or heading the table sits under.
    """

    index: int
    name: str
    columns: tuple[str, ...]
    rows: tuple[int, ...]
    header_rows: int = 0
    caption: str = ""


@dataclass(frozen=True)
class Entry:
    """One entry of a collection: its date (ISO 8601, None when it has none) and title."""

    date: str | None
    title: str


@dataclass(frozen=True)
class Collection:
    """Repeated dated entries (news list, change log, press releases, feed) as the page shows them.

    ``blocks`` are the indexes of the blocks the entries span; ``name`` is the
    heading (or label) the collection sits under.
    """

    index: int
    name: str
    entries: tuple[Entry, ...]
    blocks: tuple[int, ...]


@dataclass(frozen=True)
class Document:
    """A parsed page: what it says, stripped of navigation and markup.

    ``blocks`` is the main content in document order (see :class:`Block`);
    parsers that give none get it from ``sections`` (:func:`flatten`).
    ``region`` says where the main content was taken from (a CSS-like path
    such as ``main`` or ``div.body-content``, and why when it was a fallback).
    """

    title: str
    sections: tuple[Section, ...]
    lang: str = "en"
    modified: str | None = None
    links: tuple[Link, ...] = ()
    url: str = ""
    blocks: tuple[Block, ...] = ()
    tables: tuple[Table, ...] = ()
    collections: tuple[Collection, ...] = ()
    region: str = ""

    def __post_init__(self) -> None:
        if self.sections and not self.blocks:
            sections, blocks = flatten(self.sections)
            object.__setattr__(self, "sections", sections)
            object.__setattr__(self, "blocks", blocks)

    @property
    def text(self) -> str:
        """The clean text of the main content, headings included, one block per line."""
        lines: list[str] = []
        if self.title:
            lines.append(self.title)
        for section in self.sections:
            if section.heading and section.heading != self.title:
                lines.append(section.heading)
            lines.extend(b.text for b in section.blocks)
        if self.modified:
            lines.append(f"Date modified: {self.modified}")
        return "\n".join(lines)


def flatten(sections: Iterable[Section]) -> tuple[tuple[Section, ...], tuple[Block, ...]]:
    """Number the blocks of ``sections`` in document order, headings included.

    Returns the sections holding the numbered blocks and the flat sequence.
    """
    out_sections: list[Section] = []
    flat: list[Block] = []
    path: list[tuple[int, str]] = []
    for section in sections:
        if section.heading:
            path = [(lvl, h) for lvl, h in path if lvl < section.level]
            above = tuple(h for _, h in path)
            flat.append(Block(section.heading, "heading", -1, len(flat), above, section.level))
            path.append((section.level, section.heading))
        here = tuple(h for _, h in path)
        numbered = []
        for block in section.blocks:
            numbered.append(block.placed(len(flat), here))
            flat.append(numbered[-1])
        out_sections.append(replace(section, blocks=tuple(numbered)))
    return tuple(out_sections), tuple(flat)


def iter_prose(doc: Document) -> Iterator[tuple[int, int, Section, Block]]:
    """(section index, block index, section, block) of each prose block (:attr:`Block.prose`)."""
    for s_index, section in enumerate(doc.sections):
        for b_index, block in enumerate(section.blocks):
            if block.prose:
                yield s_index, b_index, section, block
