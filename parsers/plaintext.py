"""Turn a text/plain body into a :class:`Document`."""

from __future__ import annotations

from model.errors import EmptyContentError
from parsers.lines import lines_to_sections
from parsers.model import Document
from parsers.text import detect_lang, normalise_space


def parse_text(text: str) -> Document:
    """The first non-blank line is the title; blank lines separate paragraphs."""
    lines = text.splitlines()
    first = next((i for i, ln in enumerate(lines) if ln.strip()), None)
    if first is None:
        raise EmptyContentError("the text body is empty")
    title = normalise_space(lines[first])
    sections = lines_to_sections(lines[first + 1 :], title)
    if not sections:
        raise EmptyContentError("the text body has nothing besides its title")
    body = " ".join(b.text for s in sections for b in s.blocks)
    return Document(title, sections, detect_lang(body), None, ())
