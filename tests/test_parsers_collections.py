"""Collections of dated entries: news lists, change logs and feeds are one fact, not dates."""

from __future__ import annotations

from typing import Any

import pytest

from parsers import extract_facts, parse_document
from parsers.entries import date_only, newest_first
from tests.pages import canada_page

CHANGE_LOG = """<h1>Privacy policy</h1><p>How we use your data in 2022.</p>
<h2>Page history</h2><ol>
<li><time datetime="2020-03-19T10:00:00Z">19 March 2020</time><p>Figures updated.</p></li>
<li><time datetime="2020-03-12T10:00:00Z">12 March 2020</time><p>Section 3 rewritten.</p></li>
<li><time datetime="2020-03-01T10:00:00Z">1 March 2020</time><p>First published.</p></li>
</ol>"""

NEWS = """<h1>Home</h1><h2>Latest news</h2><div class="news-list">
<div class="news"><a href="/n3">Schools reopen on Monday</a><span class="date">March 27, 10:28</span></div>
<div class="news"><a href="/n2">New testing centre opens</a><span class="date">March 25, 17:36</span></div>
<div class="news news-last"><a href="/n1">Passes to travel between cities</a><span class="date">March 25, 08:19</span></div>
</div>"""

TEASERS = """<h1>Newsroom</h1><h2>Press releases</h2>
<ul><li><a href="/p1">Minister announces funding</a> 12/03/2020</li>
<li><a href="/p2">Agreement signed with partners</a> 14/03/2020</li>
<li><a href="/p3">Consultation opens</a> 20/03/2020</li></ul>"""

SCHEDULE = """<h1>Consultation</h1><h2>Key dates</h2><ul>
<li>10 October 2022: consultation closes</li><li>20 November 2022: responses published</li>
<li>1 January 2023: new rules in force</li></ul>"""

DATED_PROSE = """<h1>Situation</h1>
<p>On 5 March 2020, the prefect announced 14 cases in the department.</p>
<p>On 6 March 2020, the prefect announced 20 cases in the department.</p>"""


def _collections(main: str) -> list[tuple[str, list[dict[str, Any]]]]:
    doc = parse_document(canada_page(main).encode())
    return [(f.subject, f.value["entries"]) for f in extract_facts(doc) if f.kind == "collection"]


@pytest.mark.parametrize(
    ("main", "expected"),
    [
        pytest.param(
            CHANGE_LOG,
            [
                (
                    "Page history",
                    [
                        {"date": "2020-03-19", "title": "Figures updated."},
                        {"date": "2020-03-12", "title": "Section 3 rewritten."},
                        {"date": "2020-03-01", "title": "First published."},
                    ],
                )
            ],
            id="change-log",
        ),
        pytest.param(
            NEWS,
            [
                (
                    "Latest news",
                    [
                        {"date": "--03-27", "title": "Schools reopen on Monday"},
                        {"date": "--03-25", "title": "New testing centre opens"},
                        {"date": "--03-25", "title": "Passes to travel between cities"},
                    ],
                )
            ],
            id="news-teasers",
        ),
        pytest.param(
            TEASERS,
            [
                (
                    "Press releases",
                    [
                        {"date": "2020-03-12", "title": "Minister announces funding"},
                        {"date": "2020-03-14", "title": "Agreement signed with partners"},
                        {"date": "2020-03-20", "title": "Consultation opens"},
                    ],
                )
            ],
            id="linked-list-oldest-first",
        ),
        pytest.param(SCHEDULE, [], id="ascending-schedule-stays-prose"),
        pytest.param(DATED_PROSE, [], id="dated-paragraphs-stay-prose"),
    ],
)
def test_collections(main: str, expected: list[tuple[str, list[dict[str, Any]]]]) -> None:
    assert _collections(main) == expected


def test_entries_are_not_dates_or_figures() -> None:
    doc = parse_document(canada_page(CHANGE_LOG).encode())
    facts = extract_facts(doc)
    in_log = [f for f in facts if f.section == "Page history"]
    assert [f.kind for f in in_log] == ["collection"]
    assert all(b.role == "collection" for b in doc.blocks if b.path[-1:] == ("Page history",))
    assert doc.collections[0].blocks == tuple(b.index for b in doc.blocks if b.role == "collection")


def test_schedule_dates_stay_facts() -> None:
    doc = parse_document(canada_page(SCHEDULE).encode())
    dates = {f.value["date"] for f in extract_facts(doc) if f.kind == "date"}
    assert {"2022-10-10", "2022-11-20", "2023-01-01"} <= dates


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("19 March 2020", "2020-03-19"),
        ("March 27, 10:28", "--03-27"),
        ("27.03.2020. 16:00", "2020-03-27"),
        ("Monday 23 March", "--03-23"),
        ("1er novembre 2020", "2020-11-01"),
        ("12/03/2020", "2020-03-12"),
        ("2020-03-19T10:00:00Z", "2020-03-19"),
        ("Figures updated", None),
        ("19 March 2020 figures updated", None),
        ("12 cases", None),
    ],
)
def test_date_only(text: str, iso: str | None) -> None:
    assert date_only(text) == iso


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        (["2020-03-19", "2020-03-12", "2020-03-12"], True),
        (["2020-03-12", "2020-03-19"], False),
        (["--03-27", "--03-25"], True),
        (["2020-03-27", "--03-25"], False),
        (["2020-03-19"], False),
    ],
)
def test_newest_first(dates: list[str], expected: bool) -> None:
    assert newest_first(dates) is expected
