"""The data shapes every parser produces and every other package consumes.

A page (HTML or PDF) becomes a :class:`Document`: its title, language, the
main content split into :class:`Section` objects (one per heading), each a
sequence of :class:`Block` objects (paragraphs and list items), plus the
links it contains and its own modification date.

Extractors turn a :class:`Document` into :class:`model.facts.Fact` objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

BlockKind = Literal["paragraph", "item"]


@dataclass(frozen=True)
class Block:
    """One paragraph or one list item of the main content.

    Items of the same list share ``group`` (a number unique within the
    document); paragraphs have ``group`` -1.
    """

    text: str
    kind: BlockKind = "paragraph"
    group: int = -1


@dataclass(frozen=True)
class Section:
    """The blocks under one heading (``heading`` is "" before the first one)."""

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
class Document:
    """A parsed page: what it says, stripped of navigation and markup."""

    title: str
    sections: tuple[Section, ...]
    lang: str = "en"
    modified: str | None = None
    links: tuple[Link, ...] = ()
    url: str = ""

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
