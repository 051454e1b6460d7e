"""Structure on real official pages (the labelled development set beside the repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import extract_facts, parse_document

REAL_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "real-pages"
CASES = sorted(p.name for p in REAL_PAGES.iterdir() if p.is_dir()) if REAL_PAGES.is_dir() else []

pytestmark = pytest.mark.skipif(
    not REAL_PAGES.is_dir(), reason="the real-pages corpus (../shared/real-pages) is not present"
)


@pytest.mark.parametrize("case", CASES)
def test_every_fact_sits_in_a_block_of_its_page(case: str) -> None:
    for version in ("before", "after"):
        doc = parse_document((REAL_PAGES / case / f"{version}.html").read_bytes())
        assert [b.index for b in doc.blocks] == list(range(len(doc.blocks)))
        for fact in extract_facts(doc):
            if fact.subject == "page modified":
                continue
            block = doc.blocks[fact.block]
            assert block.kind != "heading", (version, fact)
            if fact.kind in ("figure", "date") and fact.rule in ("figures", "dates"):
                # the evidence is the block's sentence, or that sentence with its context
                # (the heading or label it pairs with)
                sentence = fact.evidence.rsplit(": ", 1)[-1]
                placed = sentence in block.text or block.text in fact.evidence
                assert block.prose and placed, (version, fact)


@pytest.mark.parametrize(
    ("case", "name"),
    [
        ("govuk-dvla-privacy-policy-changelog-2022-09-22", "Details"),
        ("koronavirus-hr-2020-03-30", "Latest news"),
    ],
)
def test_change_logs_and_news_lists_are_collections(case: str, name: str) -> None:
    doc = parse_document((REAL_PAGES / case / "before.html").read_bytes())
    facts = extract_facts(doc)
    assert name in [f.subject for f in facts if f.kind == "collection"]
    entries = {b.index for c in doc.collections for b in (doc.blocks[i] for i in c.blocks)}
    assert not [f for f in facts if f.kind in ("date", "figure") and f.block in entries]
