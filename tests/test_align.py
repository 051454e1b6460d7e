"""Block alignment and fact pairing, as data: before/after blocks and facts, expected pairings.

Blocks are written "kind:text" (h heading, p paragraph, i item, r row with cells split
on "|", the first row of a table being its header); facts are (id, kind, subject,
value, block). Expectations name facts by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from alerts.align import AlignedFacts, align_blocks, align_facts, normalise
from model.facts import Fact
from parsers.model import Block, Cell

FactSpec = tuple[str, str, str, Any, int]


def blocks(*specs: str) -> tuple[Block, ...]:
    out: list[Block] = []
    table = -1
    for spec in specs:
        kind, text = spec.split(":", 1)
        if kind == "r":
            cells = text.split("|")
            first = not out or out[-1].kind != "row"
            table += first
            row_cells = tuple(Cell(c, header=first) for c in cells)
            out.append(Block(" | ".join(cells), "row", table, len(out), cells=row_cells))
        else:
            name = {"h": "heading", "p": "paragraph", "i": "item"}[kind]
            out.append(Block(text, name, -1, len(out)))  # type: ignore[arg-type]
    return tuple(out)


def facts(*specs: FactSpec) -> list[Fact]:
    out = []
    for ident, kind, subject, value, block in specs:
        if kind == "figure":
            payload: dict[str, Any] = {"amount": value[0], "qualifier": None, "unit": value[1]}
        elif kind == "membership":
            payload = {"members": sorted(value)}
        elif kind == "collection":
            payload = {"entries": [{"date": d, "title": t} for d, t in value]}
        else:
            payload = {"date": value}
        out.append(Fact(kind, subject, payload, rule=ident, block=block))
    return out


@dataclass
class Case:
    old: tuple[Block, ...]
    new: tuple[Block, ...]
    old_facts: list[Fact]
    new_facts: list[Fact]
    pairs: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    expired: list[str] = field(default_factory=list)
    restated: list[str] = field(default_factory=list)
    statuses: list[str] | None = None


def _outcome(result: AlignedFacts) -> dict[str, list[str]]:
    return {
        "pairs": sorted(f"{p.before.rule}->{p.after.rule}" for p in result.pairs),
        "removed": sorted(f.rule for f in result.removed),
        "added": sorted(f.rule for f in result.added),
        "expired": sorted(f.rule for f in result.expired),
        "restated": sorted(f.rule for f in result.restated),
    }


CASES = {
    "unchanged-page": Case(
        blocks("h:Report", "p:The team received 1,200 reports in 2023."),
        blocks("h:Report", "p:The team received 1,200 reports in 2023."),
        facts(
            ("a", "figure", "reports", (1200, "reports"), 1), ("b", "date", "received", "2023", 1)
        ),
        facts(
            ("A", "figure", "reports", (1200, "reports"), 1), ("B", "date", "received", "2023", 1)
        ),
        pairs=["a->A", "b->B"],
        statuses=["unchanged", "unchanged"],
    ),
    "deleted-sentence-beside-unchanged-twin": Case(
        blocks(
            "p:Small bodies report 6 months after fiscal year-end.",
            "p:Large bodies report 12 months after fiscal year-end.",
            "p:Departments report 3 months after fiscal year-end.",
        ),
        blocks(
            "p:Large bodies report 12 months after fiscal year-end.",
            "p:Departments report 3 months after fiscal year-end.",
        ),
        facts(
            ("six", "figure", "months after fiscal year-end", (6, "months"), 0),
            ("twelve", "figure", "months after fiscal year-end (2)", (12, "months"), 1),
            ("three", "figure", "months after fiscal year-end (3)", (3, "months"), 2),
        ),
        facts(
            ("TWELVE", "figure", "months after fiscal year-end", (12, "months"), 0),
            ("THREE", "figure", "months after fiscal year-end (2)", (3, "months"), 1),
        ),
        pairs=["three->THREE", "twelve->TWELVE"],
        removed=["six"],
        statuses=["deleted", "unchanged", "unchanged"],
    ),
    "reworded-sentence-one-number-changed": Case(
        blocks("h:Principles", "p:A total of 19 companies have endorsed the Principles in 2023."),
        blocks("h:Principles", "p:In 2023, 21 companies have now endorsed the Principles."),
        facts(
            ("n19", "figure", "companies that endorsed", (19, "companies"), 1),
            ("d", "date", "Principles endorsed", "2023", 1),
        ),
        facts(
            ("n21", "figure", "companies", (21, "companies"), 1),
            ("D", "date", "companies endorsed", "2023", 1),
        ),
        pairs=["d->D", "n19->n21"],
        statuses=["unchanged", "modified"],
    ),
    "moved-paragraph": Case(
        blocks("h:A", "p:The fund holds $3 million.", "h:B", "p:Other text stays here."),
        blocks("h:A", "h:B", "p:Other text stays here.", "p:The fund holds $3 million."),
        facts(("f", "figure", "fund", (3000000, ""), 1)),
        facts(("F", "figure", "fund", (3000000, ""), 3)),
        pairs=["f->F"],
        statuses=["unchanged", "moved", "unchanged", "unchanged"],
    ),
    "changed-table-cell": Case(
        blocks("r:Board|Cases", "r:Lothian|12", "r:Fife|4"),
        blocks("r:Board|Cases", "r:Lothian|18", "r:Fife|4"),
        facts(
            ("l12", "figure", "Lothian / Cases", (12, "Cases"), 1),
            ("f4", "figure", "Fife / Cases", (4, "Cases"), 2),
        ),
        facts(
            ("l18", "figure", "Lothian / Cases", (18, "Cases"), 1),
            ("F4", "figure", "Fife / Cases", (4, "Cases"), 2),
        ),
        pairs=["f4->F4", "l12->l18"],
        statuses=["unchanged", "modified", "unchanged"],
    ),
    "rolling-window": Case(
        blocks("r:Date|Cases", "r:2 November 2020|871", "r:3 November 2020|1029"),
        blocks("r:Date|Cases", "r:3 November 2020|1031", "r:4 November 2020|1138"),
        facts(
            ("n2", "figure", "2 November 2020 / Cases", (871, "Cases"), 1),
            ("n3", "figure", "3 November 2020 / Cases", (1029, "Cases"), 2),
        ),
        facts(
            ("N3", "figure", "3 November 2020 / Cases", (1031, "Cases"), 1),
            ("N4", "figure", "4 November 2020 / Cases", (1138, "Cases"), 2),
        ),
        pairs=["n3->N3"],
        added=["N4"],
        expired=["n2"],
        statuses=["unchanged", "deleted", "modified", "inserted"],
    ),
    "row-added-to-table-of-members": Case(
        blocks("h:Red list", "r:Country|Since", "r:Botswana|26 November", "r:Lesotho|26 November"),
        blocks(
            "h:Red list",
            "r:Country|Since",
            "r:Angola|28 November",
            "r:Botswana|26 November",
            "r:Lesotho|26 November",
        ),
        facts(("m", "membership", "Red list", ["Botswana", "Lesotho"], 1)),
        facts(("M", "membership", "Red list", ["Angola", "Botswana", "Lesotho"], 1)),
        pairs=["m->M"],
        statuses=["unchanged", "unchanged", "unchanged", "unchanged", "inserted"],
    ),
    "table-withdrawn": Case(
        blocks("h:Red list", "r:Country|Since", "r:Botswana|26 November", "p:Travel advice."),
        blocks("h:Red list", "p:Travel advice."),
        facts(("m", "membership", "Red list", ["Botswana"], 1)),
        facts(),
        removed=["m"],
    ),
    "news-list-rotates": Case(
        blocks("h:Latest news", "p:Schools reopen", "p:Centre opens", "p:Passes issued"),
        blocks("h:Latest news", "p:Vaccines arrive", "p:Schools reopen", "p:Centre opens"),
        facts(("c", "collection", "Latest news", [("--03-27", "Schools reopen")], 1)),
        facts(("C", "collection", "Latest news", [("--03-28", "Vaccines arrive")], 1)),
        pairs=["c->C"],
    ),
    "new-section-restates-an-old-figure": Case(
        blocks("h:6 March", "p:In the department, 20 cases were counted."),
        blocks(
            "h:9 March",
            "p:Today 28 cases are counted, and 20 cases were counted on 6 March.",
            "h:6 March",
            "p:In the department, 20 cases were counted.",
        ),
        facts(("c20", "figure", "cases", (20, "cases"), 1)),
        facts(
            ("C28", "figure", "cases", (28, "cases"), 1),
            ("C20new", "figure", "cases (2)", (20, "cases"), 1),
            ("C20", "figure", "cases (3)", (20, "cases"), 3),
        ),
        pairs=["c20->C20"],
        added=["C28"],
        restated=["C20new"],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_align_facts(name: str) -> None:
    case = CASES[name]
    result = align_facts(case.old, case.old_facts, case.new, case.new_facts)
    expected = {
        "pairs": sorted(case.pairs),
        "removed": sorted(case.removed),
        "added": sorted(case.added),
        "expired": sorted(case.expired),
        "restated": sorted(case.restated),
    }
    assert _outcome(result) == expected
    if case.statuses is not None:
        old_status = result.blocks.of_old()
        statuses = [old_status[i].status for i in range(len(case.old))]
        statuses += [p.status for p in result.blocks.pairs if p.old is None]
        assert statuses == case.statuses


def test_every_block_once() -> None:
    old = blocks("h:A", "p:one", "p:two", "p:three", "r:K|V", "r:x|1")
    new = blocks("p:two", "h:A", "p:one changed slightly", "p:four", "r:K|V", "r:x|2")
    result = align_blocks(old, new)
    assert sorted(p.old for p in result.pairs if p.old is not None) == list(range(len(old)))
    assert sorted(p.new for p in result.pairs if p.new is not None) == list(range(len(new)))


def test_changed_pairs() -> None:
    case = CASES["changed-table-cell"]
    result = align_facts(case.old, case.old_facts, case.new, case.new_facts)
    assert [(p.before.rule, p.after.rule) for p in result.changed()] == [("l12", "l18")]


def test_normalise() -> None:
    assert normalise("The  “Group”\xa0– now") == normalise('the "group" - NOW')


REAL_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "real-pages"


@pytest.mark.skipif(not REAL_PAGES.is_dir(), reason="the real-pages corpus is not beside the repo")
@pytest.mark.parametrize(
    "case",
    ["govuk-dvla-privacy-policy-changelog-2022-09-22", "govuk-traffic-light-wording-2021-09-22"],
)
def test_noise_only_real_pages_pair_every_fact(case: str) -> None:
    """Change-log growth and rewording: every fact pairs with an equal twin, none is added."""
    from parsers import extract_facts, parse_document

    docs = [
        parse_document((REAL_PAGES / case / f"{w}.html").read_bytes()) for w in ("before", "after")
    ]
    found = [extract_facts(d) for d in docs]
    result = align_facts(docs[0].blocks, found[0], docs[1].blocks, found[1])
    alerting = ("membership", "figure", "date")
    changed = [p for p in result.changed() if p.after.kind in alerting]
    changed = [p for p in changed if p.after.subject != "page modified"]
    assert not changed
    assert not [f for f in (*result.removed, *result.added) if f.kind in alerting]


CORPUS_PAGES = Path(__file__).parent / "corpus" / "pages"

# edits of corpus pages whose events need the alignment (the keyed diff gets them wrong);
# expected: (kind, change, subject, before amount, after amount) of the figure events
ALIGNED_PAIRS = {
    "deleted-sentence-beside-unchanged-twins": (
        "reporting-deadlines-twins.html",
        [
            (
                "<p>Small bodies must file their report within 6 months after fiscal year-end.</p>\n",
                "",
            )
        ],
        [("figure", "removed", "within months after fiscal year-end", 6, None)],
    ),
    "seven-day-table-rolls": (
        "quebec-style-seven-day-table-fr.html",
        [
            (
                "<tr><td>1er novembre 2020</td><td>1&nbsp;037</td><td>18</td><td>15&nbsp;512</td></tr>\n",
                "",
            ),
            ("<td>1&nbsp;029</td><td>16</td>", "<td>1&nbsp;029</td><td>19</td>"),
            (
                "<td>10</td><td>ND</td></tr>",
                "<td>22</td><td>28&nbsp;807</td></tr>\n"
                "<tr><td>5 novembre 2020</td><td>1&nbsp;133</td><td>5</td><td>ND</td></tr>",
            ),
        ],
        [
            ("figure", "changed", "3 novembre 2020 / Décès", 16, 19),
            ("figure", "changed", "4 novembre 2020 / Décès", 10, 22),
            ("figure", "added", "4 novembre 2020 / Prélèvements réalisés", None, 28807),
            ("figure", "added", "5 novembre 2020 / Cas confirmés", None, 1133),
            ("figure", "added", "5 novembre 2020 / Décès", None, 5),
        ],
    ),
}


@pytest.mark.parametrize("name", list(ALIGNED_PAIRS))
def test_aligned_corpus_pairs(name: str) -> None:
    from parsers import extract_facts, parse_document

    page, edits, expected = ALIGNED_PAIRS[name]
    body = (CORPUS_PAGES / page).read_text(encoding="utf-8")
    edited = body
    for old, new in edits:
        assert old in edited
        edited = edited.replace(old, new)
    docs = [parse_document(b.encode()) for b in (body, edited)]
    found = [extract_facts(d) for d in docs]
    result = align_facts(docs[0].blocks, found[0], docs[1].blocks, found[1])
    events = [
        (
            p.after.kind,
            "changed",
            p.after.subject,
            p.before.value["amount"],
            p.after.value["amount"],
        )
        for p in result.changed()
    ]
    events += [(f.kind, "removed", f.subject, f.value.get("amount"), None) for f in result.removed]
    events += [(f.kind, "added", f.subject, None, f.value.get("amount")) for f in result.added]
    assert sorted(events, key=str) == sorted(expected, key=str)
