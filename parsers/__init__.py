"""factwatch parsers: pages (HTML, PDF, text) to documents, documents to facts.

Public API::

    parse_document(body, content_type=..., url=..., charset=..., select=...) -> Document
    decode_html(body, header_charset=None) -> str
    extract_facts(doc, patterns=()) -> list[Fact]
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from model.errors import ParseError
from model.facts import Fact
from parsers.charset import decode_html
from parsers.model import Block, Document, Link, Section
from parsers.rules import PatternRule

if TYPE_CHECKING:
    from parsers.facts import extract_facts


def __getattr__(name: str) -> Any:
    """``extract_facts`` loads the extractors on first use, not with the package."""
    if name == "extract_facts":
        from parsers.facts import extract_facts

        return extract_facts
    raise AttributeError(f"module 'parsers' has no attribute {name!r}")


__all__ = [
    "Block",
    "Document",
    "Fact",
    "Link",
    "ParseError",
    "PatternRule",
    "Section",
    "decode_html",
    "extract_facts",
    "parse_document",
]

_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml")


def parse_document(
    body: bytes,
    *,
    content_type: str = "text/html",
    url: str = "",
    charset: str | None = None,
    select: str | None = None,
) -> Document:
    """Parse a fetched body into a :class:`Document`.

    Dispatches on ``content_type`` (HTML, PDF, text/plain; a body starting with
    ``%PDF-`` is read as PDF whatever its type). ``select`` is an optional CSS
    selector that limits the main content. Raises :class:`ParseError` when the
    body cannot be parsed or has no main content.
    """
    from parsers.html_doc import parse_html
    from parsers.pdf import parse_pdf
    from parsers.plaintext import parse_text

    mime = content_type.split(";")[0].strip().lower()
    if body.lstrip()[:5] == b"%PDF-" or mime == "application/pdf":
        return parse_pdf(body, url=url)
    if charset is None and "charset=" in content_type.lower():
        charset = content_type
    if mime == "text/plain":
        return parse_text(decode_html(body, charset))
    if mime and mime not in _HTML_TYPES and not mime.endswith("+xml"):
        raise ParseError(f"cannot parse content of type {mime!r}")
    return parse_html(decode_html(body, charset), url=url, select=select)
