"""Write small PDFs for the tests: Helvetica text, one line per text object.

A page is a list of lines; a line starting with "# " is set larger, as a
heading; an empty line leaves a gap. Text is encoded as WinAnsi so French
accents survive.
"""

from __future__ import annotations

from collections.abc import Sequence


def _escape(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")


def _content(lines: Sequence[str]) -> bytes:
    out = [b"BT"]
    y = 760.0
    for line in lines:
        if not line:
            y -= 10
            continue
        heading = line.startswith("# ")
        size = 15 if heading else 11
        font = b"/F2" if heading else b"/F1"
        text = line[2:] if heading else line
        out.append(b"%s %d Tf 1 0 0 1 72 %.1f Tm (%s) Tj" % (font, size, y, _escape(text)))
        y -= size * 1.45
    out.append(b"ET")
    return b"\n".join(out)


def make_pdf(
    pages: Sequence[Sequence[str]], *, title: str | None = None, lang: str | None = None
) -> bytes:
    """A PDF with one page per entry of ``pages``; ``title`` goes into the metadata."""
    fonts = b"<< /F1 3 0 R /F2 4 0 R >>"
    objects: list[bytes] = []
    kids = " ".join(f"{5 + 2 * i} 0 R" for i in range(len(pages)))
    lang_entry = f" /Lang ({lang})" if lang else ""
    objects.append(f"<< /Type /Catalog /Pages 2 0 R{lang_entry} >>".encode())
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for name in (b"Helvetica", b"Helvetica-Bold"):
        objects.append(
            b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>" % name
        )
    for i, lines in enumerate(pages):
        stream = _content(lines)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font %s >> "
            b"/Contents %d 0 R >>" % (fonts, 6 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    info = None
    if title:
        objects.append(b"<< /Title (%s) /ModDate (D:20240115120000Z) >>" % _escape(title))
        info = len(objects)
    return _assemble(objects, info)


def _assemble(objects: list[bytes], info: int | None) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"/Size %d /Root 1 0 R" % (len(objects) + 1)
    if info:
        trailer += b" /Info %d 0 R" % info
    out += b"trailer\n<< %s >>\nstartxref\n%d\n%%%%EOF\n" % (trailer, xref)
    return bytes(out)


FIVE_COUNTRY_STATEMENT: list[list[str]] = [
    [
        "# Five Country Ministerial 2023: Joint Communiqué",
        "Wellington, New Zealand, June 28, 2023",
        "",
        "The Interior and Security Ministers of Australia, Canada, New Zealand, the",
        "United Kingdom and the United States met in Wellington on June 27 and 28, 2023.",
        "",
        "# Countering child sexual exploitation and abuse",
        "Ministers noted that industry reported more than 32 million instances of",
        "suspected child sexual abuse material in 2022. Since their launch in March 2020,",
        "the Voluntary Principles have been endorsed by 19 companies.",
        "",
        "Ministers agreed to:",
        "• fund a joint research program of up to $5 million over three years;",
        "• convene a technology roundtable before the end of 2023.",
    ],
    [
        "# Next meeting",
        "The United Kingdom will host the next Five Country Ministerial in 2024.",
    ],
]


def write_corpus_pdf(path: str) -> None:
    """Write the corpus's PDF statement (the bytes are deterministic)."""
    data = make_pdf(FIVE_COUNTRY_STATEMENT, title="Five Country Ministerial 2023: Joint Communiqué")
    with open(path, "wb") as fh:
        fh.write(data)
