"""The main content region: the page's landmark, or the densest text when the landmark is empty."""

from __future__ import annotations

from parsers import extract_facts, parse_document

BODY = " ".join(
    [
        "<p>The working group met on 12 March 2024 in Ottawa to review its annual plan.</p>",
        "<p>Members include Canada, France, Japan and the United Kingdom.</p>",
        "<p>In 2023, the group received 1,200 reports from its partners and members.</p>",
        "<p>The next meeting will be held in the autumn, after the consultation closes.</p>",
    ]
)
NAV = "<nav><ul><li><a href='/a'>Home</a></li><li><a href='/b'>About us</a></li></ul></nav>"


def _page(inside: str, beside: str) -> bytes:
    return (
        f"<html lang='en'><head><title>Working group</title></head><body>{NAV}"
        f"<div class='wrapper'><main>{inside}</main><div class='body-content'>{beside}</div></div>"
        "<footer><p>Contact us</p></footer></body></html>"
    ).encode()


def test_main_holding_only_its_title_falls_back_to_the_text_beside_it() -> None:
    doc = parse_document(_page("<h1>Working group</h1>", BODY))
    assert doc.title == "Working group"
    assert "Members include Canada" in doc.text
    assert "About us" not in doc.text and "Contact us" not in doc.text
    assert doc.region.startswith("div.wrapper (fallback: main held")
    members = [f for f in extract_facts(doc) if f.kind == "membership"]
    assert members and "Japan" in members[0].value["members"]


def test_main_with_the_text_is_kept() -> None:
    doc = parse_document(_page(f"<h1>Working group</h1>{BODY}", "<p>Share this page.</p>"))
    assert doc.region == "main"
    assert "Share this page" not in doc.text


def test_region_alone_when_the_common_ancestor_holds_much_else() -> None:
    filler = "".join(
        f"<div><p>Unrelated teaser number {i} about other things.</p></div>" for i in range(30)
    )
    page = (
        "<html><body><main><h1>Working group</h1></main>"
        f"<section>{filler}</section><article class='story'>{BODY}</article></body></html>"
    ).encode()
    doc = parse_document(page)
    assert doc.region.startswith("article.story (fallback")
    assert "Unrelated teaser" not in doc.text
