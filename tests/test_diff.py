"""The diff engine on fact lists: identity, alignment, notes, extraction health."""

from __future__ import annotations

from dataclasses import replace

import pytest

from alerts.diff import diff_facts, mark_flaps
from model.changes import Change
from model.facts import Fact
from model.kinds import describe

G7 = "G7 Child Sexual Exploitation and Abuse Working Group"
MEMBERS = [
    "Canada",
    "European Union",
    "France",
    "Germany",
    "Italy",
    "Japan",
    "United Kingdom",
    "United States",
]


def member(subject: str, members: list[str], evidence: str = "", section: str = "S") -> Fact:
    return Fact("membership", subject, {"members": sorted(members)}, evidence or subject, section)


def figure(
    subject: str,
    amount: float,
    qualifier: str | None = None,
    period: str | None = None,
    evidence: str = "",
    section: str = "S",
) -> Fact:
    value = {"amount": amount, "qualifier": qualifier, "unit": subject}
    return Fact("figure", subject, value, evidence or f"{amount} {subject}", section, period)


def date(subject: str, iso: str, evidence: str = "", section: str = "S") -> Fact:
    return Fact("date", subject, {"date": iso}, evidence or f"{subject} in {iso}", section)


BASE = [
    member(G7, MEMBERS, "Members include Canada, the United States, ... and the European Union."),
    figure("companies that endorsed the Principles", 19, evidence="a total of 19 companies"),
    figure("notifications", 11_000_000, "over", evidence="sent over 11 million notifications"),
    date("Principles launched", "2020-03", "In March 2020, the Five Country Ministerial launched"),
]


def summaries(before: list[Fact], after: list[Fact]) -> list[str]:
    return [f"{c.change} {c.kind}: {describe(c)}" for c in diff_facts(before, after)]


SCENARIOS = [
    pytest.param(BASE, [], id="identical"),
    pytest.param(
        [replace(BASE[0], value={"members": sorted(MEMBERS, reverse=True)}), *BASE[1:]],
        [],
        id="reordered-members-no-event",
    ),
    pytest.param(
        [
            replace(BASE[1], evidence="a total of 19 companies have now endorsed the Principles"),
            *BASE[:1],
            *BASE[2:],
        ],
        [],
        id="reworded-and-moved-no-event",
    ),
    pytest.param(
        [
            BASE[0],
            figure(
                "companies that endorsed the Principles", 21, evidence="a total of 21 companies"
            ),
            *BASE[2:],
        ],
        ["changed figure: companies that endorsed the Principles: 19 -> 21"],
        id="figure-changed-once",
    ),
    pytest.param(
        [member(G7, [m for m in MEMBERS if m != "European Union"]), *BASE[1:]],
        [f"changed membership: {G7}: European Union removed (8 -> 7 members)"],
        id="member-removed",
    ),
    pytest.param(
        [member(G7, [*MEMBERS, "Australia"]), *BASE[1:]],
        [f"changed membership: {G7}: Australia added (8 -> 9 members)"],
        id="member-added",
    ),
    pytest.param(
        [*BASE[:2], figure("notifications", 11_000_000, "nearly"), BASE[3]],
        ["changed figure: notifications: over 11 million -> nearly 11 million"],
        id="qualifier-only-is-a-change",
    ),
    pytest.param(
        [*BASE[:3], date("Principles launched", "2020-04")],
        ["changed date: Principles launched: 2020-03 -> 2020-04"],
        id="date-moved",
    ),
    pytest.param(
        [date("Statement issued", "2022-03"), *BASE],
        ["added date: Statement issued: 2022-03 (new)"],
        id="fact-inserted-before-others",
    ),
    pytest.param(
        BASE[:3],
        ["removed date: Principles launched: 2020-03 (no longer stated)"],
        id="fact-removed",
    ),
]


@pytest.mark.parametrize(("after", "expected"), SCENARIOS)
def test_events_a_person_would_expect(after: list[Fact], expected: list[str]) -> None:
    assert summaries(BASE, after) == expected


def test_identical_figures_in_one_section_stay_apart() -> None:
    before = [
        figure("reports", 5, evidence="5 reports in Ontario"),
        figure("reports", 5, evidence="5 reports in Quebec"),
    ]
    after = [
        figure("reports", 5, evidence="5 reports in Ontario"),
        figure("reports", 7, evidence="7 reports in Quebec"),
    ]
    [change] = diff_facts(before, after)
    assert (change.before, change.after) == (before[1].value, after[1].value)


def test_subject_reworded_is_paired_by_similarity() -> None:
    before = [figure("tech companies", 1000, evidence="notifications to 1,000 tech companies")]
    after = [
        figure("technology companies", 1200, evidence="notifications to 1,200 technology companies")
    ]
    [change] = diff_facts(before, after)
    assert change.change == "changed"


def test_new_period_is_not_a_correction() -> None:
    before = [figure("reports", 29_400_000, period="2021")]
    after = [figure("reports", 32_000_000, period="2022")]
    [change] = diff_facts(before, after)
    assert (change.note, change.period_before, change.period_after) == (
        "new-period",
        "2021",
        "2022",
    )
    assert "new figure for 2022" in describe(change)
    [fix] = diff_facts(before, [figure("reports", 29_500_000, period="2021")])
    assert fix.note == "correction" and "correction for 2021" in describe(fix)


def test_most_facts_vanishing_is_one_extraction_event() -> None:
    before = [figure(f"unit {i}", i) for i in range(10)]
    changes = diff_facts(before, before[:2])
    assert [c.kind for c in changes] == ["extraction"]
    assert changes[0].subject == "8 of 10 facts no longer found; page structure changed"


def test_change_is_a_small_frozen_value() -> None:
    change = Change("date", "changed", "x")
    with pytest.raises(AttributeError):
        change.kind = "figure"  # type: ignore[misc]


def test_a_change_undone_is_a_flap() -> None:
    up = diff_facts(BASE, [*BASE[:3], date("Principles launched", "2020-04")])
    back = diff_facts([*BASE[:3], date("Principles launched", "2020-04")], BASE)
    assert [c.note for c in mark_flaps(back, up)] == ["flap"]
    other = diff_facts(BASE, [*BASE[:3], date("Principles launched", "2020-05")])
    assert [c.note for c in mark_flaps(other, up)] == [None]
