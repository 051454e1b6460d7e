"""The seed page (International Efforts and Cooperation) yields every fact it states."""

from __future__ import annotations

import pytest

from parsers import Document, Fact, extract_facts, parse_document
from tests.pages import seed_html

SECTION_G7 = "G7 Child Sexual Exploitation and Abuse Working Group"
SECTION_VP = "Voluntary Principles to Counter Online Child Sexual Exploitation and Abuse"
SECTION_AGREEMENTS = "International Agreements"


@pytest.fixture(scope="module")
def doc() -> Document:
    return parse_document(seed_html().encode("utf-8"), url="https://www.publicsafety.gc.ca/x")


@pytest.fixture(scope="module")
def facts(doc: Document) -> list[Fact]:
    return extract_facts(doc)


def _find(facts: list[Fact], kind: str, subject: str) -> Fact:
    matches = [f for f in facts if f.kind == kind and f.subject == subject]
    assert len(matches) == 1, f"{kind} {subject!r} not found once in {[f.subject for f in facts]}"
    return matches[0]


def test_document_shape(doc: Document) -> None:
    assert doc.title == "International Efforts and Cooperation"
    assert doc.lang == "en"
    assert doc.modified == "2023-06-09"
    assert [s.heading for s in doc.sections] == [
        "International Efforts and Cooperation",
        SECTION_G7,
        SECTION_VP,
        SECTION_AGREEMENTS,
    ]
    assert [link.text for link in doc.links] == [
        "G7 Interior and Security Ministers' Statement",
        "Statement on the Second Anniversary of the Launch",
    ]
    assert doc.links[0].url == "https://www.publicsafety.gc.ca/statements/g7-interior-2022.pdf"


@pytest.mark.parametrize(
    "noise",
    ["Skip to main content", "Jobs", "Page details", "On This Page", "csrf", "not text", "Menu"],
)
def test_template_noise_is_not_content(doc: Document, noise: str) -> None:
    assert noise not in doc.text.replace("Date modified", "")


def test_items_of_one_list_share_a_group(doc: Document) -> None:
    items = [b for b in doc.sections[2].blocks if b.kind == "item"]
    assert len(items) == 5
    assert len({b.group for b in items}) == 1


MEMBERSHIPS = {
    "G7 Child Sexual Exploitation and Abuse Working Group": [
        "Canada",
        "European Union",
        "France",
        "Germany",
        "Italy",
        "Japan",
        "United Kingdom",
        "United States",
    ],
    "Five Country Ministerial": [
        "Australia",
        "Canada",
        "New Zealand",
        "United Kingdom",
        "United States",
    ],
    "Government of Canada endorses a number of international agreements": [
        "Convention on Cybercrime",
        "United Nations Convention on the Rights of the Child and two Optional Protocols",
        "Universal Declaration on Human Rights",
    ],
    "WePROTECT Global Alliance to End Child Sexual Exploitation Online": ["Canada"],
    "Global Taskforce on Child Sexual Abuse Online": ["Canada"],
}


@pytest.mark.parametrize("subject", list(MEMBERSHIPS), ids=list(MEMBERSHIPS))
def test_memberships(facts: list[Fact], subject: str) -> None:
    assert _find(facts, "membership", subject).value == {"members": MEMBERSHIPS[subject]}


FIGURES = [
    (
        "reports to the U.S. based National Center for Missing & Exploited Children",
        29_400_000,
        None,
        "reports",
        "2021",
    ),
    ("sent notifications", 11_000_000, "over", "notifications", "last five years"),
    ("tech companies", 1000, None, "tech companies", "last five years"),
    ("countries over the last five years", 100, "nearly", "countries", "last five years"),
    (
        "images and videos of child sexual exploitation",
        6_000_000,
        "more than",
        "images and videos",
        None,
    ),
    ("companies have endorsed the Principles", 19, None, "companies", None),
    ("technology industry partners", 6, None, "technology industry partners", None),
]


@pytest.mark.parametrize(
    ("subject", "amount", "qualifier", "unit", "period"), FIGURES, ids=[f[0] for f in FIGURES]
)
def test_figures(
    facts: list[Fact],
    subject: str,
    amount: int,
    qualifier: str | None,
    unit: str,
    period: str | None,
) -> None:
    fact = _find(facts, "figure", subject)
    assert fact.value == {"amount": amount, "qualifier": qualifier, "unit": unit}
    assert fact.period == period
    assert fact.section == SECTION_VP
    assert fact.rule == "figures"


DATES = [
    ("agreed to the action plan", "2021-09", SECTION_G7),
    ("yearly meeting held in Eltville am Rhein in Germany", "2022", SECTION_G7),
    (
        "Five Country Ministerial launched Voluntary Principles to Counter Online Child Sexual"
        " Exploitation and Abuse",
        "2020-03",
        SECTION_VP,
    ),
    (
        "Five Country Ministerial issued Statement on the Second Anniversary of the Launch",
        "2022-03",
        SECTION_VP,
    ),
    ("Canada joined Global Taskforce on Child Sexual Abuse Online", "2022-10", SECTION_VP),
    ("Industry made reports", "2021", SECTION_VP),
    ("page modified", "2023-06-09", ""),
]


@pytest.mark.parametrize(("subject", "date", "section"), DATES, ids=[d[0] for d in DATES])
def test_dates(facts: list[Fact], subject: str, date: str, section: str) -> None:
    fact = _find(facts, "date", subject)
    assert fact.value == {"date": date}
    assert fact.section == section


def test_no_figure_from_names_years_or_ordinals(facts: list[Fact]) -> None:
    amounts = {f.value["amount"] for f in facts if f.kind == "figure"}
    assert amounts == {29_400_000, 11_000_000, 1000, 100, 6_000_000, 19, 6}


def test_subjects_unique_within_kind_and_section(facts: list[Fact]) -> None:
    keys = [(f.kind, f.section, f.subject) for f in facts]
    assert len(keys) == len(set(keys))


def test_facts_are_in_document_order_and_deterministic(doc: Document, facts: list[Fact]) -> None:
    again = extract_facts(doc)
    assert again == facts
    assert [f.to_json() for f in again] == [f.to_json() for f in facts]
    assert facts[0].subject == "agreed to the action plan"
    assert facts[-1].subject == "page modified"
