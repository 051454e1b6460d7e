"""The data shapes every parser produces and every other package consumes.

A page (HTML or PDF) becomes a :class:`Document`: its title, language, the
main content split into :class:`Section` objects (one per heading), each a
sequence of :class:`Block` objects (paragraphs and list items), plus the
links it contains and its own modification date.

Extractors turn a :class:`Document` into :class:`Fact` objects. A fact's
``value`` uses the public JSON shapes of ``factwatch facts --json``:

* membership: ``{"members": ["Canada", ...]}`` (sorted, canonical names)
* figure: ``{"amount": 29400000, "qualifier": "over" | None, "unit": "reports"}``
* date: ``{"date": "2022-03"}`` (ISO 8601 at the precision the text gives)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

FactKind = Literal["membership", "figure", "date"]
FACT_KINDS: tuple[str, ...] = ("membership", "figure", "date")
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


@dataclass(frozen=True)
class Fact:
    """One fact stated by a page, with where it was found and why.

    ``subject`` names what the fact is about: the group for a membership,
    the counted unit (and what it counts) for a figure, the event for a date
    ("Principles launched", "page modified"). ``period`` is the reference
    period a figure or date is stated for ("2021"), when the sentence gives
    one. ``rule`` is the name of the extractor that found it.
    """

    kind: str
    subject: str
    value: dict[str, Any]
    evidence: str = ""
    section: str = ""
    period: str | None = None
    rule: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def to_json(self) -> dict[str, Any]:
        """The fact in the public JSON shape (``facts --json``)."""
        out: dict[str, Any] = {"kind": self.kind, "subject": self.subject}
        out.update(self.value)
        out["evidence"] = self.evidence
        out["section"] = self.section
        out["period"] = self.period
        return out
