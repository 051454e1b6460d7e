"""HTML parsing: charset decoding, main content, hostile markup, errors, selectors, rules."""

from __future__ import annotations

import codecs

import pytest

from model.errors import ParseError
from parsers import PatternRule, decode_html, extract_facts, parse_document
from tests.pages import canada_page

DECODE_CASES = [
    # (id, body, header charset, expected text)
    ("header-latin1", "<p>café</p>".encode("latin-1"), "iso-8859-1", "<p>café</p>"),
    (
        "header-content-type",
        "<p>été</p>".encode("cp1252"),
        "text/html; charset=windows-1252",
        "<p>été</p>",
    ),
    ("bom-utf8", codecs.BOM_UTF8 + "<p>été</p>".encode(), None, "<p>été</p>"),
    ("bom-utf16", codecs.BOM_UTF16_LE + "<p>été</p>".encode("utf-16-le"), None, "<p>été</p>"),
    (
        "meta-charset",
        b'<meta charset="windows-1252"><p>\xe9t\xe9</p>',
        None,
        '<meta charset="windows-1252"><p>été</p>',
    ),
    (
        "meta-http-equiv",
        b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>\xe9</p>',
        None,
        '<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"><p>é</p>',
    ),
    (
        "utf8-default",
        "<p>Déclaration — “quoted”</p>".encode(),
        None,
        "<p>Déclaration — “quoted”</p>",
    ),
    ("cp1252-fallback", b"<p>\x93quoted\x94 caf\xe9</p>", None, "<p>“quoted” café</p>"),
    ("unknown-header-label", "<p>é</p>".encode(), "x-unknown-charset", "<p>é</p>"),
    ("wrong-header-falls-back", "<p>é</p>".encode(), "ascii-but-wrong", "<p>é</p>"),
    (
        "meta-utf16-on-ascii-bytes",
        b'<meta charset="utf-16"><p>ok</p>',
        None,
        '<meta charset="utf-16"><p>ok</p>',
    ),
]


@pytest.mark.parametrize(
    ("body", "header", "expected"), [c[1:] for c in DECODE_CASES], ids=[c[0] for c in DECODE_CASES]
)
def test_decode_html(body: bytes, header: str | None, expected: str) -> None:
    assert decode_html(body, header) == expected


def test_decode_html_never_raises_on_garbage() -> None:
    assert isinstance(decode_html(bytes(range(256))), str)


HOSTILE = """<html lang="en"><head><title>T - Dept</title></head><body>
<main>
<h1>Hostile page</h1>
<script>document.write("<p>99 fake reports</p>")</script>
<style>p::before { content: "12 styled items" }</style>
<noscript><p>7 noscript items</p></noscript>
<template><p>8 template items</p></template>
<form><input type="hidden" name="token" value="31 hidden tokens"><button>5 buttons</button></form>
<p hidden>40 hidden reports</p>
<p aria-hidden="true">41 aria reports</p>
<p style="display: none">42 styled-away reports</p>
<h2 class="wb-inv">Screen reader heading</h2>
<!-- 43 commented reports -->
<p>The team received <b>19</b>&nbsp;reports about &lt;script&gt; tags&#8203; and <i>markup</i>.</p>
<p>Text with a <span class="wb-inv">hidden </span>label.</p>
</main></body></html>"""


def test_hostile_markup_leaves_only_visible_text() -> None:
    doc = parse_document(HOSTILE.encode())
    assert doc.text == (
        "Hostile page\nThe team received 19 reports about <script> tags and markup.\n"
        "Text with a label."
    )
    figures = [f.value["amount"] for f in extract_facts(doc) if f.kind == "figure"]
    assert figures == [19]


def test_sections_blocks_and_lists() -> None:
    main = """<h1>Title</h1><p>Intro.</p><h2>First</h2><ul><li>a</li><li>b <ul><li>c</li></ul>
    </li></ul><ol><li>d</li></ol><h3>Sub</h3><div>Loose <a href="/x">text</a></div>
    <table><tr><th>Year</th><th>Reports</th></tr><tr><td>2021</td><td>29.4 million</td></tr></table>
    <dl><dt>Term</dt><dd>Definition</dd></dl><blockquote>Quoted.</blockquote>"""
    doc = parse_document(canada_page(main).encode(), url="https://www.canada.ca/en/page.html")
    assert [(s.heading, s.level) for s in doc.sections] == [("Title", 1), ("First", 2), ("Sub", 3)]
    first = doc.sections[1].blocks
    assert [(b.text, b.kind) for b in first] == [
        ("a", "item"),
        ("b", "item"),
        ("c", "item"),
        ("d", "item"),
    ]
    assert first[0].group == first[1].group != first[2].group != first[3].group
    assert [b.text for b in doc.sections[2].blocks] == [
        "Loose text",
        "Year | Reports",
        "2021 | 29.4 million",
        "Term",
        "Definition",
        "Quoted.",
    ]
    assert doc.links[0].url == "https://www.canada.ca/x"


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ('<meta name="dcterms.modified" content="2024-02-01">', "2024-02-01"),
        (
            '<script type="application/ld+json">{"@type": "WebPage", "dateModified": '
            '"2024-03-05T10:00:00Z"}</script>',
            "2024-03-05",
        ),
        ("<p>Date modified: March 7, 2024</p>", "2024-03-07"),
        ("<p>Date de modification : 8 mars 2024</p>", "2024-03-08"),
        ('<time property="dateModified">2024-04-09</time>', "2024-04-09"),
    ],
    ids=["dcterms", "json-ld", "text-en", "text-fr", "time"],
)
def test_modified_date_sources(markup: str, expected: str) -> None:
    page = f"<html><head>{markup if 'meta' in markup else ''}</head><body><main><h1>T</h1>"
    page += f"<p>Body.</p>{'' if 'meta' in markup else markup}</main></body></html>"
    doc = parse_document(page.encode())
    assert doc.modified == expected
    assert "Date" not in doc.text.replace(f"Date modified: {expected}", "")


def test_french_page() -> None:
    doc = parse_document(canada_page("<h1>Efforts</h1><p>Texte.</p>", lang="fr").encode())
    assert doc.lang == "fr" and doc.modified == "2023-06-09"


def test_select_limits_main_content() -> None:
    page = canada_page('<h1>T</h1><div id="keep"><p>Keep 19 companies.</p></div><p>Drop.</p>')
    doc = parse_document(page.encode(), select="#keep")
    assert "Drop" not in doc.text and "Keep 19 companies." in doc.text


@pytest.mark.parametrize(
    ("body", "kwargs", "message"),
    [
        (b"", {}, "empty"),
        (b"<html><body><main>   </main></body></html>", {}, "no text"),
        (b"%PDF-1.4 garbage", {}, "PDF"),
        (b"garbage", {"content_type": "application/pdf"}, "PDF"),
        (b"\x89PNG", {"content_type": "image/png"}, "image/png"),
        (b"<main><p>x</p></main>", {"select": "#missing"}, "matches nothing"),
        (b"<main><p>x</p></main>", {"select": "p["}, "invalid CSS selector"),
        (b"   \n", {"content_type": "text/plain"}, "empty"),
    ],
    ids=[
        "empty",
        "no-main-text",
        "corrupt-pdf",
        "pdf-type",
        "image",
        "no-match",
        "bad-selector",
        "empty-text",
    ],
)
def test_parse_errors(body: bytes, kwargs: dict[str, str], message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_document(body, **kwargs)  # type: ignore[arg-type]


def test_text_plain() -> None:
    body = "Statement\n\nCanada joined the Alliance in 2021.\n\n- Item one\n- Item two\n"
    doc = parse_document(body.encode(), content_type="text/plain; charset=utf-8")
    assert doc.title == "Statement"
    assert [(b.text, b.kind) for b in doc.sections[0].blocks] == [
        ("Canada joined the Alliance in 2021.", "paragraph"),
        ("Item one", "item"),
        ("Item two", "item"),
    ]


def test_pattern_rules() -> None:
    doc = parse_document(
        canada_page("<h1>T</h1><p>The fund holds 42 grants. Quota: 7.</p>").encode()
    )
    rules = [
        PatternRule("quota", "figure", r"Quota: (?P<value>\d+)", subject="quota"),
        PatternRule("grants", "figure", r"holds (?P<value>\d+ grants)"),
    ]
    facts = [f for f in extract_facts(doc, rules) if f.rule in ("quota", "grants")]
    assert [(f.subject, f.value["amount"]) for f in facts] == [("grants", 42), ("quota", 7)]


@pytest.mark.parametrize(
    ("kind", "regex", "message"),
    [
        ("figure", "(unclosed", "does not compile"),
        ("figure", r"\d+", "named group"),
        ("colour", r"(?P<value>x)", "kind must be"),
    ],
    ids=["syntax", "no-value-group", "bad-kind"],
)
def test_pattern_rule_errors(kind: str, regex: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PatternRule("r", kind, regex)
