"""Tables as facts: a figure per numeric cell keyed by row and column, memberships of tables."""

from __future__ import annotations

from typing import Any

import pytest

from model.facts import Fact
from parsers import extract_facts, parse_document
from parsers.extractors.tables import cell_amount, row_period
from tests.pages import canada_page

CASES_BY_BOARD = """<h1>Coronavirus</h1><h2>Cases by health board</h2>
<table><thead><tr><th>Health board</th><th>Cases</th><th>Deaths</th></tr></thead>
<tbody><tr><td>Lothian</td><td>12</td><td>1</td></tr><tr><td>Fife</td><td>4</td><td>0</td></tr>
<tr><td>Tayside</td><td>1,209</td><td>ND</td></tr></tbody></table>"""

WINDOW = """<h1>Situation</h1><h2>Last days</h2>
<table><tr><th>Date</th><th>Cas confirmés</th><th>Hospitalisations</th></tr>
<tr><td>3 novembre 2020</td><td>1&nbsp;029</td><td>539&nbsp;(+13)</td></tr>
<tr><td>4 novembre 2020</td><td>1&nbsp;138</td><td>538&nbsp;(-1)</td></tr></table>"""

MEMBERS = """<h1>Travel</h1><h2>Red list of countries and territories</h2>
<table><tr><th>Red list</th><th>Upcoming changes</th></tr>
<tr><td>Botswana</td><td>Moved onto the red list on 26 November.</td></tr>
<tr><td>Lesotho</td><td>Moved onto the red list on 26 November.</td></tr>
<tr><td>the Canary Islands</td><td>None.</td></tr></table>"""

NOTICES = """<h1>Avis</h1><h2>Avis publiés</h2>
<table><tr><th>Date</th><th>Avis</th></tr>
<tr><td>12/03/2020</td><td><a href="/a3">Fermeture des écoles</a></td></tr>
<tr><td>10/03/2020</td><td><a href="/a2">Rassemblements limités</a></td></tr>
<tr><td>08/03/2020</td><td><a href="/a1">Point de situation</a></td></tr></table>"""


def _facts(main: str, lang: str = "en") -> list[Fact]:
    page = canada_page(main)
    if lang == "fr":
        page = page.replace('lang="en"', 'lang="fr"')
    return [f for f in extract_facts(parse_document(page.encode())) if f.rule == "tables"]


def _shape(facts: list[Fact]) -> list[tuple[str, str, Any, str | None]]:
    out = []
    for f in facts:
        value = f.value.get("amount", f.value.get("members"))
        out.append((f.kind, f.subject, value, f.period))
    return out


@pytest.mark.parametrize(
    ("main", "lang", "expected"),
    [
        pytest.param(
            CASES_BY_BOARD,
            "en",
            [
                ("membership", "Cases by health board", ["Fife", "Lothian", "Tayside"], None),
                ("figure", "Lothian / Cases", 12, None),
                ("figure", "Lothian / Deaths", 1, None),
                ("figure", "Fife / Cases", 4, None),
                ("figure", "Fife / Deaths", 0, None),
                ("figure", "Tayside / Cases", 1209, None),
            ],
            id="data-table-keyed-by-names",
        ),
        pytest.param(
            WINDOW,
            "fr",
            [
                ("figure", "3 novembre 2020 / Cas confirmés", 1029, "2020-11-03"),
                ("figure", "3 novembre 2020 / Hospitalisations", 539, "2020-11-03"),
                ("figure", "4 novembre 2020 / Cas confirmés", 1138, "2020-11-04"),
                ("figure", "4 novembre 2020 / Hospitalisations", 538, "2020-11-04"),
            ],
            id="time-series-has-no-membership",
        ),
        pytest.param(
            MEMBERS,
            "en",
            [
                (
                    "membership",
                    "Red list of countries and territories",
                    ["Botswana", "Canary Islands", "Lesotho"],
                    None,
                )
            ],
            id="table-of-members",
        ),
        pytest.param(NOTICES, "fr", [], id="table-of-notices-is-a-collection"),
    ],
)
def test_table_facts(
    main: str, lang: str, expected: list[tuple[str, str, Any, str | None]]
) -> None:
    assert _shape(_facts(main, lang)) == expected


def test_table_rows_are_not_read_as_sentences() -> None:
    doc = parse_document(canada_page(CASES_BY_BOARD).encode())
    rules = {f.rule for f in extract_facts(doc) if f.section == "Cases by health board"}
    assert rules == {"tables"}


def test_lead_in_names_the_table() -> None:
    main = """<h1>Groups</h1><h2>Partners</h2><p>The working group has the following members:</p>
    <table><tr><td>Canada</td><td>2019</td></tr><tr><td>Japan</td><td>2020</td></tr></table>"""
    facts = _facts(main)
    membership = [f for f in facts if f.kind == "membership"]
    assert [f.subject for f in membership] == ["The working group has the following members"]
    assert membership[0].value == {"members": ["Canada", "Japan"]}


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("12", 12),
        ("1,209", 1209),
        ("539 (+13)", 539),
        ("12.5%", 12.5),
        ("ND", None),
        ("2021", None),
        ("3 novembre 2020", None),
        ("12 cases and 4 deaths", None),
        ("See note 3", None),
    ],
)
def test_cell_amount(text: str, amount: float | None) -> None:
    found = cell_amount(text, "en", "CAD")
    assert (found.amount if found else None) == amount


@pytest.mark.parametrize(
    ("key", "period"),
    [("2020-21", "2020-21"), ("4 novembre 2020", "2020-11-04"), ("2021", "2021"), ("Fife", None)],
)
def test_row_period(key: str, period: str | None) -> None:
    assert row_period(key) == period
