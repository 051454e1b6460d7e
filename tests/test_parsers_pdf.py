"""PDF statements: text extraction, paragraphs rebuilt, headings found, facts extracted."""

from __future__ import annotations

from parsers import extract_facts, parse_document
from tests.corpus.pdfmake import make_pdf

STATEMENT = [
    [
        "# Joint Statement of the Five Country Ministerial",
        "Ottawa, March 24, 2022",
        "",
        "Today, ministers of Australia, Canada, New Zealand, the United Kingdom and the",
        "United States marked the second anniversary of the Voluntary Principles. Since",
        "their launch in March 2020, a total of 19 companies have endorsed the Principles.",
        "",
        "# Next Steps",
        "Ministers agreed to:",
        "• share information on emerging threats;",
        "• work with industry partners and the WeProtect Global Alliance.",
    ],
    ["# Annex", "Industry made over 29.4 million reports in 2021 alone."],
]


def test_pdf_document() -> None:
    doc = parse_document(
        make_pdf(STATEMENT, title="Joint Statement"), content_type="application/pdf"
    )
    assert doc.title == "Joint Statement"
    assert doc.modified == "2024-01-15"
    assert [s.heading for s in doc.sections] == [
        "Joint Statement of the Five Country Ministerial",
        "Next Steps",
        "Annex",
    ]
    first = doc.sections[0].blocks
    assert first[0].text == "Ottawa, March 24, 2022"
    assert first[1].text.startswith("Today, ministers") and first[1].text.endswith("Principles.")
    items = [b for b in doc.sections[1].blocks if b.kind == "item"]
    assert len(items) == 2 and items[0].group == items[1].group


def test_pdf_sniffed_without_content_type() -> None:
    doc = parse_document(make_pdf([["Plain statement", "Canada joined the Alliance."]]))
    assert doc.title == "Plain statement"
    assert doc.sections[0].blocks[0].text == "Canada joined the Alliance."


def test_pdf_facts() -> None:
    facts = extract_facts(parse_document(make_pdf(STATEMENT), content_type="application/pdf"))
    figures = {(f.subject, f.value["amount"], f.period) for f in facts if f.kind == "figure"}
    assert ("companies have endorsed the Principles", 19, None) in figures
    assert ("made reports", 29_400_000, "2021") in figures
    dates = {(f.value["date"]) for f in facts if f.kind == "date"}
    assert {"2022-03-24", "2020-03", "2021"} <= dates


def test_french_pdf_language() -> None:
    pages = [
        ["# Déclaration commune", "Le Canada a adhéré à l'Alliance mondiale WeProtect en 2021."]
    ]
    doc = parse_document(make_pdf(pages, lang="fr-CA"))
    assert doc.lang == "fr"
    assert doc.title == "Déclaration commune"
