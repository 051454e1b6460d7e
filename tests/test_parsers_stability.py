"""Fact identity is stable: subjects survive value changes, rewording, reordering and noise."""

from __future__ import annotations

from typing import Any

import pytest

from parsers import Fact, extract_facts, parse_document
from tests.pages import canada_page, seed_html, seed_text, text_to_main

Key = tuple[str, str, str]


def facts_for(html: str) -> list[Fact]:
    return extract_facts(parse_document(html.encode("utf-8")))


def keyed(facts: list[Fact]) -> dict[Key, dict[str, Any]]:
    return {(f.kind, f.section, f.subject): f.value for f in facts}


BASE = keyed(facts_for(seed_html()))


NOISE = {
    "menu": dict(menu_items=("Jobs", "Benefits", "Health", "Taxes")),
    "footer-year": dict(footer_year=2031),
    "token": dict(token="zz99yy"),
}


@pytest.mark.parametrize("template", list(NOISE.values()), ids=list(NOISE))
def test_template_changes_change_no_fact(template: dict[str, Any]) -> None:
    assert facts_for(seed_html(**template)) == facts_for(seed_html())


@pytest.mark.parametrize(
    "rewrite",
    [
        lambda h: h.replace("\n", "\n\n   "),
        lambda h: h.replace("<p>", '<p class="mrgn-tp-md">').replace(
            "<ul>", '<ul class="lst-spcd">'
        ),
        lambda h: h.replace("<main", "<main><div class='row'><div class='col-md-8'").replace(
            "</main>", "</div></div></main>"
        ),
        lambda h: h.replace("Members include", "Members <strong>include</strong>"),
        lambda h: h.replace(" ", "  ").replace("nearly 100", "nearly&nbsp;100"),
    ],
    ids=["whitespace", "classes", "wrappers", "inline-markup", "spaces-and-nbsp"],
)
def test_markup_and_whitespace_change_no_fact(rewrite: Any) -> None:
    base = [f.to_json() for f in facts_for(seed_html())]
    assert [f.to_json() for f in facts_for(rewrite(seed_html()))] == base


def _edited(old: str, new: str) -> dict[Key, dict[str, Any]]:
    text = seed_text()
    assert old in text, old
    return keyed(facts_for(seed_html(text.replace(old, new))))


VALUE_CHANGES = [
    ("19 companies", "21 companies", ("figure", "companies have endorsed the Principles"), 21),
    (
        "nearly 100 countries",
        "nearly 120 countries",
        ("figure", "countries over the last five years"),
        120,
    ),
    (
        "29.4 million reports",
        "31.2 million reports",
        ("figure", "reports to the U.S. based National Center for Missing & Exploited Children"),
        31_200_000,
    ),
    (
        "In March 2020",
        "In April 2020",
        (
            "date",
            "Five Country Ministerial launched Voluntary Principles to Counter Online Child"
            " Sexual Exploitation and Abuse",
        ),
        "2020-04",
    ),
    ("in September 2021", "in October 2021", ("date", "agreed to the action plan"), "2021-10"),
]


@pytest.mark.parametrize(
    ("old", "new", "key", "value"), VALUE_CHANGES, ids=[f"{c[0]}->{c[1]}" for c in VALUE_CHANGES]
)
def test_value_change_keeps_subject(old: str, new: str, key: tuple[str, str], value: Any) -> None:
    after = _edited(old, new)
    changed = [k for k in after if after[k] != BASE.get(k)]
    assert len(changed) == 1 and changed[0][0] == key[0] and changed[0][2] == key[1]
    assert value in after[changed[0]].values()
    assert set(after) == set(BASE)


REWORDINGS = [
    ("a total of 19 companies have endorsed", "19 companies have now endorsed"),
    ("Members include Canada, the United States,", "Its members include Canada, the U.S.,"),
    ("the United Kingdom and the European Union.", "the UK, and the EU."),
    (
        "(Australia, Canada, New Zealand, United Kingdom, and the United States)",
        "(the United States, the United Kingdom, New Zealand, Canada and Australia)",
    ),
    (
        "companies removed more than six million images",
        "companies have removed more than six million images",
    ),
    (
        "In October 2022, Canada joined the newly established",
        "In October 2022, Canada joined the new",
    ),
]


@pytest.mark.parametrize(("old", "new"), REWORDINGS, ids=[r[1][:40] for r in REWORDINGS])
def test_light_rewording_changes_no_fact(old: str, new: str) -> None:
    assert _edited(old, new) == BASE


def test_renaming_a_group_keeps_its_members_and_canonical_name() -> None:
    """The subject is the page's words for the group; its canonical name stays the same."""
    old = "The WePROTECT Global Alliance to End Child Sexual Exploitation Online (WPGA)."
    new = "the WeProtect Global Alliance (WPGA)."
    text = seed_text()
    assert old in text
    before = [f for f in facts_for(seed_html()) if f.kind == "membership"]
    after = [f for f in facts_for(seed_html(text.replace(old, new))) if f.kind == "membership"]
    renamed = [(a, b) for a, b in zip(before, after, strict=True) if a.subject != b.subject]
    assert [(a.subject, b.subject) for a, b in renamed] == [
        (
            "WePROTECT Global Alliance to End Child Sexual Exploitation Online",
            "WeProtect Global Alliance",
        )
    ]
    a, b = renamed[0]
    assert (
        a.value == b.value and a.extra["group"] == b.extra["group"] == "WeProtect Global Alliance"
    )


def test_list_reorder_changes_no_fact() -> None:
    text = seed_text()
    items = [
        "- The Universal Declaration on Human Rights",
        "- The United Nations Convention on the Rights of the Child and two Optional Protocols",
        "- The Convention on Cybercrime (The Budapest Convention)",
    ]
    reordered = text.replace("\n".join(items), "\n".join(reversed(items)))
    assert reordered != text
    assert keyed(facts_for(seed_html(reordered))) == BASE


def test_paragraph_move_within_section_changes_no_fact() -> None:
    paragraphs = seed_text().splitlines()
    wpga = next(i for i, p in enumerate(paragraphs) if p.startswith("Canada is a member"))
    moved = paragraphs[:]
    line = moved.pop(wpga)
    first_vp = next(i for i, p in enumerate(moved) if p.startswith("In March 2020"))
    moved.insert(first_vp, line)
    assert keyed(facts_for(seed_html("\n".join(moved)))) == BASE


def test_inserted_fact_leaves_others_alone() -> None:
    after = _edited(
        "The Principles provide",
        "In 2023, 12 new countries endorsed the Principles. The Principles provide",
    )
    assert {k: v for k, v in after.items() if k in BASE} == BASE
    added = set(after) - set(BASE)
    assert {k[0] for k in added} == {"figure", "date"}


def test_identical_figures_in_one_section_stay_distinct() -> None:
    main = text_to_main(
        "Page\nWe funded 12 projects in Ontario.\nWe funded 12 projects in 2022.\n"
        "We funded 12 projects.\nWe funded 12 projects."
    )
    facts = [f for f in facts_for(canada_page(main)) if f.kind == "figure"]
    subjects = [f.subject for f in facts]
    assert len(subjects) == len(set(subjects)) == 3
