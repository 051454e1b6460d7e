"""Decode an HTML body to text, the way browsers pick its charset."""

from __future__ import annotations

import codecs
import re

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
# labels browsers treat as windows-1252 (a superset of them)
_AS_1252 = frozenset({"iso-8859-1", "latin-1", "latin1", "l1", "ascii", "us-ascii", "iso8859-1"})


def decode_html(body: bytes, header_charset: str | None = None) -> str:
    """Decode ``body``: header charset, BOM, ``<meta>``, UTF-8, then windows-1252.

    ``header_charset`` may be a bare label ("utf-8") or a whole Content-Type value.
    Never raises: the last resort replaces undecodable bytes.
    """
    bom_encoding, bom_length = _sniff_bom(body)
    for encoding in (_label(header_charset), bom_encoding, _meta_charset(body[:4096])):
        text = _try_decode(body, encoding)
        if text is not None:
            return text.removeprefix("\ufeff")
    text = _try_decode(body[bom_length:], "utf-8")
    if text is not None:
        return text
    return body.decode("windows-1252", errors="replace")


def _label(value: str | None) -> str | None:
    if not value:
        return None
    match = _HEADER.search(value)
    label = (match.group(1) if match else value).strip().strip("\"'").lower()
    if not label or "/" in label:
        return None
    return "windows-1252" if label in _AS_1252 else label


def _sniff_bom(body: bytes) -> tuple[str | None, int]:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding, len(bom)
    return None, 0


def _meta_charset(head: bytes) -> str | None:
    match = _META.search(head)
    if not match:
        return None
    label = _label(match.group(1).decode("ascii", errors="ignore"))
    # a page that reached us as ASCII-compatible bytes cannot really be UTF-16
    return "utf-8" if label and label.startswith("utf-16") else label


def _try_decode(body: bytes, encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        codecs.lookup(encoding)
        return body.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None
