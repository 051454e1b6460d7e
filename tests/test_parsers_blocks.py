"""The flat block sequence of a document: order, kinds, section paths, rows and stamps."""

from __future__ import annotations

import pytest

from parsers import extract_facts, parse_document
from parsers.html_doc import stamp_date
from parsers.model import Block, Document, Section, blocks_from_json
from parsers.plaintext import parse_text
from tests.pages import canada_page

URL = "https://www.canada.ca/en/page.html"


def _doc(main: str) -> Document:
    return parse_document(canada_page(main).encode(), url=URL)


def test_blocks_in_document_order_with_paths() -> None:
    doc = _doc(
        """<h1>Title</h1><p>Intro.</p><h2>First</h2><ul><li>a</li><li>b</li></ul>
        <h3>Sub</h3><p>Deep.</p><h2>Second</h2>
        <table><tr><th>Region</th><th>Cases</th></tr><tr><td>Lothian</td><td>12</td></tr></table>"""
    )
    shape = [(b.kind, b.text, b.path) for b in doc.blocks]
    assert shape == [
        ("heading", "Title", ()),
        ("paragraph", "Intro.", ("Title",)),
        ("heading", "First", ("Title",)),
        ("item", "a", ("Title", "First")),
        ("item", "b", ("Title", "First")),
        ("heading", "Sub", ("Title", "First")),
        ("paragraph", "Deep.", ("Title", "First", "Sub")),
        ("heading", "Second", ("Title",)),
        ("row", "Region | Cases", ("Title", "Second")),
        ("row", "Lothian | 12", ("Title", "Second")),
    ]
    assert [b.index for b in doc.blocks] == list(range(len(doc.blocks)))
    # sections hold the same block objects (headings aside)
    in_sections = [b for s in doc.sections for b in s.blocks]
    assert in_sections == [b for b in doc.blocks if b.kind != "heading"]
    row = doc.blocks[-1]
    assert row.key == "Lothian" and [c.text for c in row.cells] == ["Lothian", "12"]
    assert doc.blocks[-2].cells[0].header and not row.cells[0].header


def test_document_text_is_unchanged_by_rows() -> None:
    doc = _doc(
        "<h1>T</h1><table><tr><td>A</td><td>1</td></tr><tr><td>B</td><td>2</td></tr></table>"
    )
    assert doc.text.splitlines()[1:3] == ["A | 1", "B | 2"]


def test_every_fact_names_its_block() -> None:
    doc = _doc(
        """<h1>Report</h1><p>In 2023, the team received 1,200 reports.</p>
        <h2>Partners</h2><p>Members include Canada, France and Japan.</p>
        <table><caption>Cases by region</caption><tr><th>Region</th><th>Cases</th></tr>
        <tr><td>Lothian</td><td>12</td></tr><tr><td>Fife</td><td>4</td></tr>
        <tr><td>Tayside</td><td>9</td></tr></table>"""
    )
    facts = extract_facts(doc)
    assert facts
    for fact in facts:
        if fact.subject == "page modified":
            assert fact.block == -1
            continue
        block = doc.blocks[fact.block]
        assert block.kind in ("paragraph", "item", "row"), fact
        if fact.rule in ("figures", "dates", "memberships"):
            assert fact.evidence in block.text or block.text in fact.evidence
    by_subject = {f.subject: f for f in facts}
    assert doc.blocks[by_subject["Lothian / Cases"].block].key == "Lothian"


def test_block_is_not_part_of_fact_equality() -> None:
    doc = _doc("<h1>T</h1><p>The team received 1,200 reports.</p>")
    fact = extract_facts(doc)[0]
    from dataclasses import replace

    assert replace(fact, block=fact.block + 5) == fact


def test_blocks_round_trip_as_json() -> None:
    doc = _doc(
        "<h1>T</h1><p>One.</p><table><tr><th colspan='2'>Both</th></tr>"
        "<tr><td>A</td><td>1</td></tr></table>"
    )
    again = blocks_from_json(b.to_json() for b in doc.blocks)
    assert again == doc.blocks


def test_text_and_pdf_documents_get_blocks_from_sections() -> None:
    doc = parse_text("Title\n\nFirst paragraph.\n\nSecond Part\n\nMore text here.\n")
    assert [(b.kind, b.text) for b in doc.blocks] == [
        ("heading", "Title"),
        ("paragraph", "First paragraph."),
        ("heading", "Second Part"),
        ("paragraph", "More text here."),
    ]
    assert doc.sections[1].blocks[0] is doc.blocks[3]


def test_document_built_by_hand_is_numbered() -> None:
    doc = Document("T", (Section("T", (Block("a"), Block("b")), 1),))
    assert [(b.index, b.kind) for b in doc.blocks] == [
        (0, "heading"),
        (1, "paragraph"),
        (2, "paragraph"),
    ]


@pytest.mark.parametrize(
    ("text", "after_label", "expected"),
    [
        pytest.param(
            "Last updated 26 August 2022 — See all updates", False, "2022-08-26", id="line"
        ),
        pytest.param(
            "Published 5 April 2023 Last updated 27 October 2023 + show all updates",
            False,
            "2023-10-27",
            id="published-and-updated",
        ),
        pytest.param("Mise à jour le 07/03/2020", False, "2020-03-07", id="french-numeric"),
        pytest.param("26 August 2022 — See all updates", True, "2022-08-26", id="after-label"),
        pytest.param("Published 12 September 2023", False, None, id="published-only"),
        pytest.param("Updated section 3 of the guidance.", False, None, id="prose"),
        pytest.param(
            "Last updated: 1 May 2020. We rewrote the guidance on travel to Spain.",
            False,
            None,
            id="long-tail",
        ),
    ],
)
def test_stamp_dates(text: str, after_label: bool, expected: str | None) -> None:
    assert stamp_date(text, after_label=after_label) == expected


def test_last_updated_label_and_date_are_the_page_stamp() -> None:
    doc = _doc(
        "<h1>Guide</h1><dl><dt>Published</dt><dd>4 October 2021</dd><dt>Last updated</dt>"
        "<dd>26 November 2021 — See all updates</dd></dl><p>Text of the guide in 2021.</p>"
    )
    roles = {b.text: b.role for b in doc.blocks}
    assert (
        roles["Last updated"] == "stamp" and roles["26 November 2021 — See all updates"] == "stamp"
    )
    assert roles["4 October 2021"] == ""
    assert doc.modified == "2021-11-26"
    dates = [(f.subject, f.value["date"]) for f in extract_facts(doc) if f.kind == "date"]
    assert ("page modified", "2021-11-26") in dates
    assert all(value != "2021-11-26" for subject, value in dates if subject != "page modified")
