"""Each fact's evidence is the sentence that states it (a list item, or a lead-in and its items)."""

from __future__ import annotations

from typing import NamedTuple

import pytest

from parsers import Fact, PatternRule, extract_facts, parse_document
from parsers.text import iter_sentences
from tests.pages import seed_html


class Case(NamedTuple):
    main: str
    kind: str
    subject: str
    evidence: str


def facts_of(main: str, patterns: tuple[PatternRule, ...] = ()) -> list[Fact]:
    html = f'<html lang="en"><body><main><h1>Page</h1><h2>Overview</h2>{main}</main>'
    doc = parse_document(html.encode(), url="https://www.canada.ca/page.html")
    return extract_facts(doc, patterns)


CASES = {
    "figure-in-second-sentence": Case(
        "<p>The program started in 2019. It funded 250 community projects. It ends soon.</p>",
        "figure",
        "funded community projects",
        "It funded 250 community projects.",
    ),
    "date-in-first-sentence": Case(
        "<p>The Principles were launched in March 2020. Many companies endorsed them.</p>",
        "date",
        "Principles were launched",
        "The Principles were launched in March 2020.",
    ),
    "members-include": Case(
        "<p>The Working Group meets twice a year. Members include Canada, the U.S. and France.</p>",
        "membership",
        "Working Group",
        "The Working Group meets twice a year. Members include Canada, the U.S. and France.",
    ),
    "parenthesised-members": Case(
        "<p>Ministers met in Ottawa. The Five Country Ministerial (Australia, Canada, New"
        " Zealand, the United Kingdom, and the United States) agreed on a plan. More follows.</p>",
        "membership",
        "Five Country Ministerial",
        "The Five Country Ministerial (Australia, Canada, New Zealand, the United Kingdom,"
        " and the United States) agreed on a plan.",
    ),
    "list-item-is-the-evidence": Case(
        "<p>Results so far:</p><ul><li>Over 11 million notifications sent. Most were"
        " acted on.</li><li>Good progress.</li></ul>",
        "figure",
        "notifications sent",
        "Over 11 million notifications sent. Most were acted on.",
    ),
    "bulleted-membership-list": Case(
        "<p>Canada works hard. Canada endorses a number of international agreements,"
        " including:</p><ul><li>the Convention on Cybercrime;</li>"
        "<li>the Universal Declaration on Human Rights.</li></ul>",
        "membership",
        "Canada endorses a number of international agreements",
        "Canada endorses a number of international agreements, including: the Convention on"
        " Cybercrime; the Universal Declaration on Human Rights",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_evidence_is_the_stating_sentence(case: Case) -> None:
    facts = [f for f in facts_of(case.main) if f.kind == case.kind]
    found = {f.subject: f.evidence for f in facts}
    assert found.get(case.subject) == case.evidence, found


def test_a_rule_fact_has_its_sentence_as_evidence() -> None:
    rule = PatternRule("budget", "figure", r"budget of (?P<value>\$[\d.]+ million)")
    main = "<p>Ottawa, 2024. The plan has a budget of $4.5 million this year. More soon.</p>"
    facts = [f for f in facts_of(main, (rule,)) if f.rule == "budget"]
    assert [f.evidence for f in facts] == ["The plan has a budget of $4.5 million this year."]


def test_every_seed_fact_has_one_sentence_of_the_page_as_evidence() -> None:
    """The stating sentence (or a lead-in and its items), after the heading or the sentences
    that name what it speaks of when the sentence does not."""
    doc = parse_document(seed_html().encode())
    sentences = {s.text for s in iter_sentences(doc)}
    headings = {s.heading for s in doc.sections}
    for fact in extract_facts(doc):
        if fact.subject == "page modified":
            continue
        head, _, rest = fact.evidence.partition(": ")
        stated = rest if head in headings else fact.evidence
        lead_in = stated.split(": ")[0] + ":"
        assert stated in sentences or lead_in in sentences, fact
