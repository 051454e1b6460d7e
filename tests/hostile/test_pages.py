"""Lying charsets and other hostile bodies: decoded the way browsers do, never via UTF-7."""

from __future__ import annotations

import codecs

import pytest

from model.outcomes import Changed, Unchanged
from monitor.dispatch import check_once
from monitor.settings import FetchSettings, SchedulerSettings, Settings, WatchSettings
from parsers import decode_html, parse_document
from store.repo import Store
from tests.hostile import server as hs
from tests.hostile.server import HostileServer

PAGE = "<html><body><main><h1>Réunion</h1><p>{text}</p></main></body></html>"

CASES = [
    # (id, body, header, expected text in the page)
    (
        "bom-beats-lying-header",
        codecs.BOM_UTF8 + PAGE.format(text="Été à Montréal").encode(),
        "text/html; charset=iso-8859-1",
        "Été à Montréal",
    ),
    (
        "utf16-bom-beats-header",
        codecs.BOM_UTF16_LE + PAGE.format(text="Été à Montréal").encode("utf-16-le"),
        "text/html; charset=utf-8",
        "Été à Montréal",
    ),
    (
        "one-bad-byte-stays-utf8",
        PAGE.format(text="Été à Montréal \xff fin").encode().replace(b"\xc3\xbf", b"\xff"),
        "text/html",
        "Été à Montréal \ufffd fin",
    ),
    (
        "meta-utf7-ignored",
        b'<html><head><meta charset="utf-7"></head><body><main>'
        b"<p>+ADw-script+AD4-alert(1)+ADw-/script+AD4- caf\xc3\xa9</p></main></body></html>",
        "text/html",
        "+ADw-script+AD4-alert(1)+ADw-/script+AD4- café",
    ),
    (
        "header-utf7-ignored",
        b"<html><body><main><p>+ADw-b+AD4-bold+ADw-/b+AD4-</p></main></body></html>",
        "text/html; charset=UTF-7",
        "+ADw-b+AD4-bold+ADw-/b+AD4-",
    ),
    (
        "unknown-codec-label-ignored",
        PAGE.format(text="Été").encode(),
        "text/html; charset=rot13",
        "Été",
    ),
    (
        "legacy-page-without-any-utf8",
        PAGE.format(text="Été à Montréal").encode("cp1252"),
        "text/html",
        "Été à Montréal",
    ),
]


@pytest.mark.parametrize(
    ("body", "header", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_charset_lies(body: bytes, header: str, expected: str) -> None:
    assert expected in parse_document(body, content_type=header).text


def test_one_bad_byte_replaces_only_itself() -> None:
    text = "Montréal, 29,4 millions — “cité”".encode()
    assert decode_html(text[:5] + b"\x80" + text[5:]) == "Montr\ufffdéal, 29,4 millions — “cité”"


def test_a_stray_byte_does_not_change_every_fact(
    sqlite_store: Store, hostile: HostileServer
) -> None:
    """Version 2 gains one invalid byte: the facts with accents do not "change"."""
    members = "<p>Les membres du Groupe de Montréal sont le Canada, la France et l’Allemagne.</p>"
    first = PAGE.format(text="Réunion 2024").replace("<p>", members + "<p>").encode()
    second = first.replace(b"2024", b"2024 \xff")
    hostile.route("/p", hs.page(first, content_type="text/html"))
    watch = WatchSettings(name="p", url=hostile.url("/p"))
    settings = Settings(
        database=str(sqlite_store.engine.url),
        fetch=FetchSettings(allow_private_networks=True, connect_timeout=2, read_timeout=5),
        scheduler=SchedulerSettings(politeness_delay=0),
        watches=(watch,),
    )
    [baseline] = check_once(sqlite_store, settings, [watch])
    assert isinstance(baseline, Changed) and baseline.baseline
    hostile.route("/p", hs.page(second, content_type="text/html"))
    [again] = check_once(sqlite_store, settings, [watch])
    assert isinstance(again, Changed | Unchanged)
    assert not getattr(again, "changes", ())


@pytest.mark.parametrize(
    ("limit", "value"), [("MAX_PAGES", 3), ("MAX_CHARS", 150)], ids=["pages", "characters"]
)
def test_a_long_pdf_is_read_up_to_its_cap(
    monkeypatch: pytest.MonkeyPatch, limit: str, value: int
) -> None:
    """Text extraction costs CPU per page: a long PDF is read up to a cap (pages or text)."""
    from parsers import pdf
    from tests.corpus.pdfmake import make_pdf

    pages = [
        [f"# Part {n}", f"Part {n} says that 1{n} companies endorsed the Principles."]
        for n in range(6)
    ]
    monkeypatch.setattr(pdf, limit, value)
    text = parse_document(make_pdf(pages), content_type="application/pdf").text
    assert "Part 0 says" in text and "Part 2 says" in text
    assert "Part 3 says" not in text and "Part 5 says" not in text
