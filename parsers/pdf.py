"""Turn a PDF into a :class:`Document` with pypdf's text extraction.

A PDF is read up to :data:`MAX_PAGES` pages and :data:`MAX_CHARS` characters
of text, whichever comes first: text extraction costs CPU in proportion to
the text, and a hostile (or merely huge) PDF must not hold a parse worker for
minutes. The facts of a longer document are those of its first pages.
"""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from model.errors import EmptyContentError, UnreadablePdfError
from parsers.lines import drop_page_furniture, lines_to_sections
from parsers.model import Document
from parsers.text import detect_lang, normalise_space

MAX_PAGES = 200
MAX_CHARS = 2_000_000


def parse_pdf(body: bytes, *, url: str = "") -> Document:
    """Parse a PDF body; raise :class:`UnreadablePdfError` when pypdf cannot read it."""
    reader = _reader(body)
    pages = _pages(reader)
    lines = drop_page_furniture(pages)
    if not any(ln.strip() for ln in lines):
        raise EmptyContentError("the PDF has no extractable text (scanned image?)")
    meta_title = _meta_title(reader)
    first = next(ln.strip() for ln in lines if ln.strip())
    title = meta_title or first
    if not meta_title or normalise_space(first) == title:
        lines = _drop_first(lines)
    sections = lines_to_sections(lines, title)
    if not sections:
        raise EmptyContentError("the PDF has no text besides its title")
    text = " ".join(b.text for s in sections for b in s.blocks)
    return Document(title, sections, _lang(reader, text), _modified(reader), (), url)


def _pages(reader: PdfReader) -> list[list[str]]:
    """The lines of the first pages, up to :data:`MAX_PAGES` and :data:`MAX_CHARS`."""
    pages: list[list[str]] = []
    chars = 0
    for index, page in enumerate(reader.pages):
        if index >= MAX_PAGES or chars >= MAX_CHARS:
            break
        lines = _page_lines(page)
        chars += sum(len(line) for line in lines)
        pages.append(lines)
    return pages


def _reader(body: bytes) -> PdfReader:
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(body))
        if reader.is_encrypted:
            reader.decrypt("")
        _ = len(reader.pages)
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise UnreadablePdfError(f"the PDF could not be read: {exc}") from exc
    return reader


def _page_lines(page: object) -> list[str]:
    """The page's lines; layout mode keeps vertical gaps as blank lines (paragraph breaks)."""
    try:
        text = page.extract_text(extraction_mode="layout")  # type: ignore[attr-defined]
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, ZeroDivisionError):
        try:
            text = page.extract_text()  # type: ignore[attr-defined]
        except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError) as exc:
            raise UnreadablePdfError(f"the PDF's text could not be extracted: {exc}") from exc
    return [" ".join(line.split()) for line in (text or "").splitlines()]


def _drop_first(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if line.strip():
            return lines[i + 1 :]
    return lines


def _meta_title(reader: PdfReader) -> str:
    try:
        title = reader.metadata.title if reader.metadata else None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError):
        return ""
    return normalise_space(str(title)) if title else ""


def _modified(reader: PdfReader) -> str | None:
    try:
        moment = reader.metadata.modification_date if reader.metadata else None
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError):
        return None
    return moment.date().isoformat() if moment else None


def _lang(reader: PdfReader, text: str) -> str:
    try:
        root = reader.trailer["/Root"].get_object()
        lang = str(root.get("/Lang", ""))[:2].lower()  # type: ignore[union-attr]
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError):
        lang = ""
    return lang if lang in ("en", "fr") else detect_lang(text)
