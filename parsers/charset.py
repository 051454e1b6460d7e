"""Decode an HTML body to text, in the order browsers follow (WHATWG).

1. a byte order mark (UTF-8, UTF-16) wins over everything;
2. the ``charset`` of the ``Content-Type`` header;
3. a ``<meta charset>`` or ``<meta http-equiv>`` in the first 1024 bytes (a
   UTF-16 label there means UTF-8: the bytes that spelled it were ASCII);
4. UTF-8, with only the bytes that are not UTF-8 replacing by U+FFFD, so one
   stray byte does not change how the rest of the page reads. A page in
   which no non-ASCII byte sequence is UTF-8 is a legacy page, read as
   windows-1252 (what browsers guess for it).

Only the encodings of the WHATWG Encoding Standard are honoured, by their
labels (``latin1``, ``iso-8859-1`` and ``ascii`` mean windows-1252); any other
label, UTF-7 above all (a classic way to smuggle markup past filters), is
ignored and the next step decides. The chosen encoding decodes with
replacement: decoding never fails.
"""

from __future__ import annotations

import codecs
import re

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
PRESCAN = 1024
_META = re.compile(rb"<meta[^>]+?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
_HEADER = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)
# WHATWG labels whose encoding differs from what Python's codec of that name is
_ALIASES = {
    **dict.fromkeys(
        ("ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "cp819"),
        "cp1252",
    ),
    **dict.fromkeys(("iso-8859-9", "iso8859-9", "latin5", "l5"), "cp1254"),
    **dict.fromkeys(("iso-8859-11", "tis-620"), "cp874"),
    **dict.fromkeys(("gb2312", "gb_2312", "gb_2312-80", "chinese", "csgb2312", "x-gbk"), "gbk"),
    **dict.fromkeys(("euc-kr", "ks_c_5601-1987", "ks_c_5601-1989", "windows-949"), "cp949"),
    **dict.fromkeys(("big5", "big5-hkscs", "cn-big5", "x-x-big5"), "big5hkscs"),
    **dict.fromkeys(("shift_jis", "shift-jis", "sjis", "ms_kanji", "windows-31j"), "cp932"),
    **dict.fromkeys(("utf-16", "utf-16le", "unicode", "ucs-2", "csunicode"), "utf-16-le"),
    "utf-16be": "utf-16-be",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "x-mac-cyrillic": "mac-cyrillic",
}
# Python's names of the WHATWG encodings (single-byte, CJK, UTF-8, UTF-16)
_WHATWG = frozenset(
    {"utf-8", "utf-16-le", "utf-16-be", "cp866", "koi8-r", "koi8-u", "mac-roman"}
    | {"mac-cyrillic", "cp874", "gbk", "gb18030", "big5hkscs", "euc_jp", "iso2022_jp"}
    | {"cp932", "cp949"}
    | {f"iso8859-{n}" for n in (2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16)}
    | {f"cp{n}" for n in range(1250, 1259)}
)


def decode_html(body: bytes, header_charset: str | None = None) -> str:
    """Decode ``body`` (see the module doc); never raises.

    ``header_charset`` may be a bare label ("utf-8") or a whole Content-Type value.
    """
    bom, skip = _sniff_bom(body)
    if bom is not None:
        return body[skip:].decode(bom, errors="replace")
    encoding = _label(header_charset) or _meta_charset(body[:PRESCAN])
    if encoding is not None:
        return body.decode(encoding, errors="replace")
    return _utf8_or_legacy(body)


def encoding_label(label: str | None) -> str | None:
    """The Python codec of a WHATWG encoding ``label``, or ``None`` when it is not one."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _ALIASES.get(name, name)
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    return codec if codec in _WHATWG else None


def _label(value: str | None) -> str | None:
    if not value:
        return None
    match = _HEADER.search(value)
    label = match.group(1) if match else value
    return None if "/" in label else encoding_label(label)


def _sniff_bom(body: bytes) -> tuple[str | None, int]:
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return encoding, len(bom)
    return None, 0


def _meta_charset(head: bytes) -> str | None:
    match = _META.search(head)
    if not match:
        return None
    label = encoding_label(match.group(1).decode("ascii", errors="ignore"))
    return "utf-8" if label and label.startswith("utf-16") else label


_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


def _utf8_or_legacy(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if _UTF8_SEQUENCE.search(body):
        return body.decode("utf-8", errors="replace")
    return body.decode("cp1252", errors="replace")
