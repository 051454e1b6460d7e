"""Rebuild paragraphs, list items and headings from lines of plain text (PDF, text/plain)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from parsers.dates import find_dates
from parsers.model import Block, Section
from parsers.text import normalise_space

_BULLET = re.compile(r"^\s*(?:[-•▪◦●*–]|o(?=\s)|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+")
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:of|/|de|sur)\s*\d{1,4})?\s*$", re.I)
_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "in",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "et",
        "à",
        "au",
        "aux",
        "en",
        "pour",
        "sur",
    ]
)


def is_heading_line(line: str) -> bool:
    """A short line in Title Case or ALL CAPS, without final punctuation."""
    words = line.split()
    if not words or len(words) > 12 or len(line) > 90 or line[-1] in ".,;:!?":
        return False
    if _BULLET.match(line) or (not line[0].isupper() and not line[0].isdigit()):
        return False
    if find_dates(line):
        return False
    if line.isupper() and sum(c.isalpha() for c in line) > 2:
        return True
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    return all(w[0].isupper() or not w[0].isalpha() for w in significant)


def lines_to_sections(lines: Sequence[str], title: str) -> tuple[Section, ...]:
    """Group lines into sections of blocks: blank lines and short lines end paragraphs."""
    width = max((len(ln) for ln in lines if ln.strip()), default=0)
    sections: list[Section] = []
    heading = title
    blocks: list[Block] = []
    buffer: list[str] = []
    kind, group, next_group = "paragraph", -1, 0

    def flush() -> None:
        text = normalise_space(" ".join(buffer))
        buffer.clear()
        if text:
            blocks.append(Block(text, "item" if kind == "item" else "paragraph", group))

    for raw in lines:
        line = raw.strip()
        if not line:
            flush()
            continue
        bullet = _BULLET.match(line)
        if bullet:
            flush()
            if kind != "item":
                kind, group, next_group = "item", next_group, next_group + 1
            buffer.append(line[bullet.end() :])
        elif is_heading_line(line) and (not buffer or buffer[-1][-1:] in ".!?:"):
            flush()
            if blocks:
                sections.append(Section(heading, tuple(blocks)))
            heading, blocks = line, []
            kind, group = "paragraph", -1
            continue
        else:
            if kind == "item" and not buffer:
                kind, group = "paragraph", -1
            _append(buffer, line)
        if line[-1] in ".!?:" and len(line) < 0.8 * width:
            flush()
            if not bullet:
                kind, group = "paragraph", -1
    flush()
    if blocks:
        sections.append(Section(heading, tuple(blocks)))
    return tuple(sections)


def _append(buffer: list[str], line: str) -> None:
    if buffer and buffer[-1].endswith("-") and line[:1].islower():
        buffer[-1] = buffer[-1][:-1] + line
    else:
        buffer.append(line)


def drop_page_furniture(pages: Sequence[list[str]]) -> list[str]:
    """Join page lines, dropping page numbers and lines repeated on most pages."""
    counts: dict[str, int] = {}
    for page in pages:
        for line in {ln.strip() for ln in page if ln.strip()}:
            counts[line] = counts.get(line, 0) + 1
    repeated = {ln for ln, n in counts.items() if len(pages) > 2 and n > len(pages) / 2}
    out: list[str] = []
    for page in pages:
        out.extend(ln for ln in page if ln.strip() not in repeated and not _PAGE_NUMBER.match(ln))
        out.append("")
    return out
