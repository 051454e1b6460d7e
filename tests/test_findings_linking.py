"""Linking facts across sources, and judging them: data in, data out (no store, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from alerts.findings import (
    STATEMENT,
    TRANSLATION,
    Dated,
    Pair,
    Seen,
    Source,
    evaluate,
    events,
    link_key,
    link_pair,
    reconcile,
    value_since,
)
from alerts.linking import is_stamp, lexicon_from, link_facts, terms
from model.changes import Change
from model.facts import Fact
from model.kinds import describe, kind_of
from store.findings import StoredFinding


def figure(
    subject: str, amount: float, unit: str, *, period: str | None = None, **more: Any
) -> Fact:
    value = {"amount": amount, "qualifier": more.pop("qualifier", None), "unit": unit, **more}
    return Fact(
        "figure", subject, value, f"{amount} {unit}", period=period, id=f"f-{subject}-{amount}"
    )


def date_fact(subject: str, day: str, fid: str = "") -> Fact:
    return Fact("date", subject, {"date": day}, f"{subject} {day}", id=fid or f"d-{subject}")


def members(subject: str, *names: str) -> Fact:
    return Fact("membership", subject, {"members": sorted(names)}, subject, id=f"m-{subject}")


def term_names(text: str) -> list[str]:
    return [t.term for t in terms(text)]


# -- terms -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("english", "french"),
    [
        ("companies that endorsed the Principles", "entreprises qui ont adhéré aux Principes"),
        ("reports to the United States", "signalements aux États-Unis"),
        ("five countries", "cinq pays"),
        ("working group members", "membres du groupe de travail"),
        ("notifications sent", "avis envoyés"),
    ],
    ids=["lexicon", "names", "number-words", "phrase", "accents-and-plurals"],
)
def test_english_and_french_words_meet_in_the_same_terms(english: str, french: str) -> None:
    assert sorted(term_names(english)) == sorted(term_names(french))


def test_function_words_are_dropped_and_unknown_words_stand_for_themselves() -> None:
    assert term_names("the number of Arachnid crawls") == ["arachnid", "crawl"]


def test_a_lexicon_form_yaml_reads_as_a_boolean_is_refused() -> None:
    with pytest.raises(ValueError, match="quote it"):
        lexicon_from({"things": {"switch": ["on", True]}})


# -- links -------------------------------------------------------------------------------

MUST_NOT_LINK = {
    "removed-content-vs-endorsed": (
        figure("companies that removed content", 12, "companies"),
        figure("companies that endorsed the Principles", 19, "companies"),
    ),
    "tech-companies-vs-endorsing-companies": (
        figure("tech companies", 1000, "tech companies"),
        figure("companies that endorsed the Principles", 19, "companies"),
    ),
    "other-unit": (
        figure("reports to NCMEC", 29_400_000, "reports"),
        figure("images removed", 4_000_000, "images"),
    ),
    "other-period": (
        figure("reports to NCMEC", 29_400_000, "reports", period="2021"),
        figure("reports to NCMEC", 32_000_000, "reports", period="2022"),
    ),
    "same-verb-other-thing": (
        date_fact("Voluntary Principles launched", "2020-03"),
        date_fact("Global Partnership launched", "2022-03"),
    ),
    "other-kind": (
        date_fact("companies endorsed", "2020-03"),
        figure("companies that endorsed the Principles", 19, "companies"),
    ),
}


@pytest.mark.parametrize("twins", [False, True], ids=["statement", "translation"])
@pytest.mark.parametrize("pair", MUST_NOT_LINK.values(), ids=MUST_NOT_LINK.keys())
def test_facts_about_different_things_are_not_linked(pair: tuple[Fact, Fact], twins: bool) -> None:
    assert link_facts([pair[0]], [pair[1]], twins=twins) == []


def test_a_link_says_which_words_matched_and_how_sure_it_is() -> None:
    [link] = link_facts(
        [figure("companies that endorsed the Principles", 19, "companies")],
        [figure("entreprises qui ont adhéré aux Principes", 19, "entreprises")],
        twins=True,
    )
    assert link.why == "companies = entreprises, endorsed = adhéré, Principles = Principes"
    assert link.rule == "words" and link.confidence == 1.0
    assert link.matched[0].unit and not link.matched[1].unit


def test_a_bare_unit_links_only_the_only_fact_of_its_unit_in_a_language_pair() -> None:
    english = [figure("technology industry partners", 6, "technology industry partners")]
    french = [figure("partenaires", 6, "partenaires")]
    assert link_facts(english, french) == []
    [link] = link_facts(english, french, twins=True)
    assert (link.rule, link.confidence) == ("only-one", 0.6)
    two = [*french, figure("partenaires gouvernementaux", 9, "partenaires")]
    assert link_facts(english, two, twins=True) == []


def test_facts_are_linked_one_to_one_most_confident_first() -> None:
    left = [members("G7 Child Sexual Exploitation and Abuse Working Group", "Canada", "France")]
    right = [
        members("Groupe de travail mondial sur les abus sexuels d'enfants en ligne", "Canada"),
        members(
            "Groupe de travail du G7 sur l'exploitation et les abus sexuels des enfants",
            "Canada",
            "France",
        ),
    ]
    [link] = link_facts(left, right, twins=True)
    assert link.right is right[1]


def test_a_sources_own_dates_are_not_compared() -> None:
    dateline = date_fact("published", "2022-03-24")
    stamp = date_fact("page modified", "2023-06-09")
    mention = date_fact("Statement issued", "2022-03")
    assert is_stamp(dateline) and is_stamp(stamp) and not is_stamp(mention)
    assert link_facts([mention, stamp], [dateline, stamp]) == []


# -- agreement -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        ({"amount": 19}, {"amount": 19}, True),
        ({"amount": 19}, {"amount": 16}, False),
        (
            {"amount": 6e6, "qualifier": "more than"},
            {"amount": 4e6, "qualifier": "more than"},
            True,
        ),
        ({"amount": 11e6, "qualifier": "over"}, {"amount": 12e6}, True),
        ({"amount": 11e6, "qualifier": "over"}, {"amount": 10e6}, False),
        ({"amount": 100, "qualifier": "nearly"}, {"amount": 95}, True),
        ({"amount": 100, "qualifier": "nearly"}, {"amount": 101}, False),
        ({"amount": 20, "qualifier": "about"}, {"amount": 21}, True),
        ({"amount": 5, "qualifier": "up to"}, {"amount": 7}, False),
        ({"amount": 5, "amount_max": 7}, {"amount": 6}, True),
        ({"amount": 150, "percent": True}, {"amount": 150}, False),
        ({"amount": 5e6, "currency": "CAD"}, {"amount": 5e6, "currency": "USD"}, False),
    ],
)
def test_figures_agree_when_their_ranges_overlap(
    a: dict[str, Any], b: dict[str, Any], agree: bool
) -> None:
    assert kind_of("figure").agrees(a, b) is agree
    assert kind_of("figure").agrees(b, a) is agree


@pytest.mark.parametrize(
    ("a", "b", "agree"),
    [
        ({"date": "2022-03"}, {"date": "2022-03-24"}, True),
        ({"date": "2022"}, {"date": "2022-10"}, True),
        ({"date": "2022-03"}, {"date": "2022-04"}, False),
        ({"date": "2022-01"}, {"date": "2022-10"}, False),
        ({"date": "2023-06-27", "date_end": "2023-06-28"}, {"date": "2023-06-27"}, True),
        (
            {"date": "2023-06-27", "date_end": "2023-06-28"},
            {"date": "2023-06", "date_end": "2023-07"},
            False,
        ),
    ],
)
def test_dates_agree_at_the_precision_both_give(
    a: dict[str, Any], b: dict[str, Any], agree: bool
) -> None:
    assert kind_of("date").agrees(a, b) is agree


# -- dates of a value ------------------------------------------------------------------------

T0 = datetime(2024, 2, 1, 6, tzinfo=UTC)
STAMP_OLD = date_fact("page modified", "2023-11-20", "stamp")
STAMP_NEW = date_fact("page modified", "2024-02-15", "stamp")
ENDORSED = "companies that endorsed the Principles"
NINETEEN = figure(ENDORSED, 19, "companies")
TWENTY_ONE = Fact("figure", ENDORSED, {**NINETEEN.value, "amount": 21}, "", id=NINETEEN.id)


def test_a_value_is_dated_by_the_stamp_of_the_version_that_brought_it() -> None:
    later = T0 + timedelta(days=14)
    history = [Seen(later, [TWENTY_ONE, STAMP_NEW]), Seen(T0, [NINETEEN, STAMP_OLD])]
    assert value_since(TWENTY_ONE, history, "page") == Dated(
        datetime(2024, 2, 15).date(), "modified", later
    )
    assert value_since(NINETEEN, [Seen(T0, [NINETEEN, STAMP_OLD])], "page").basis == "modified"


def test_a_stamp_older_than_the_version_before_does_not_date_a_new_value() -> None:
    later = T0 + timedelta(days=14)
    history = [Seen(later, [TWENTY_ONE, STAMP_OLD]), Seen(T0, [NINETEEN, STAMP_OLD])]
    assert value_since(TWENTY_ONE, history, "page") == Dated(later.date(), "observed", later)


def test_a_statement_is_dated_by_its_publication_first() -> None:
    published = date_fact("published", "2022-03-24", "pub")
    modified = date_fact("page modified", "2022-04-01", "stamp")
    since = value_since(NINETEEN, [Seen(T0, [NINETEEN, published, modified])], STATEMENT)
    assert (since.since.isoformat(), since.basis) == ("2022-03-24", "published")


# -- findings over time ------------------------------------------------------------------------


def _pair(left: list[Fact], right: list[Fact], relation: str = TRANSLATION) -> Pair:
    labels = ("EN", "FR") if relation == TRANSLATION else ("page", "statement")
    role = TRANSLATION if relation == TRANSLATION else STATEMENT
    return Pair(
        Source("en", labels[0], role if relation == TRANSLATION else "page", tuple(left), "en"),
        Source("fr", labels[1], role, tuple(right), "fr"),
        relation,
        "fr",
    )


def _dated(day: str) -> Dated:
    moment = datetime.fromisoformat(day).replace(tzinfo=UTC)
    return Dated(moment.date(), "modified", moment)


def _stored(finding: Any, fid: int = 1) -> StoredFinding:
    return StoredFinding(
        fid, finding.kind, finding.key, finding.owner, finding.left, finding.right,
        finding.subject, finding.section, finding.detail, T0, T0,
    )  # fmt: skip


FRENCH = figure("entreprises qui ont adhéré aux Principes", 19, "entreprises")


def test_parity_waits_for_the_window_then_opens_and_resolves_when_the_other_follows() -> None:
    pair = _pair([TWENTY_ONE], [FRENCH])
    links = link_pair(pair)
    dates = {link_key(links[0]): (_dated("2024-02-15"), _dated("2023-11-20"))}
    within = evaluate(pair, links, dates, datetime(2024, 2, 21, tzinfo=UTC))
    assert within.findings == () and within.pending == (link_key(links[0]),)
    late = evaluate(pair, links, dates, datetime(2024, 2, 22, 12, tzinfo=UTC))
    [finding] = late.findings
    [opened] = events(reconcile([], late))
    assert describe(opened) == f"{ENDORSED}: EN: 21 companies since 2024-02-15; FR still 19"
    assert reconcile([_stored(finding)], within).empty  # back within a window: stays open
    follows = Pair(
        pair.left,
        _pair(
            [], [Fact("figure", FRENCH.subject, {**FRENCH.value, "amount": 21}, "", id=FRENCH.id)]
        ).right,
        TRANSLATION,
        "fr",
    )
    agreed = evaluate(follows, link_pair(follows), {}, datetime(2024, 2, 23, tzinfo=UTC))
    [resolved] = events(reconcile([_stored(finding)], agreed))
    assert (resolved.kind, resolved.change, resolved.note) == ("parity", "removed", "agree")
    assert describe(resolved) == f"{ENDORSED}: resolved, EN and FR agree again (21 companies)"


def test_a_discrepancy_says_whether_time_explains_it() -> None:
    pair = _pair([NINETEEN], [figure(ENDORSED, 16, "companies")], STATEMENT)
    links = link_pair(pair)
    key = link_key(links[0])
    newer = evaluate(pair, links, {key: (_dated("2023-06-09"), _dated("2022-03-24"))}, T0)
    assert describe(events(reconcile([], newer))[0]) == (
        f"{ENDORSED}: 19 (page, since 2023-06-09) vs 16 (statement, since 2022-03-24):"
        " the page is newer"
    )
    same = evaluate(pair, links, {key: (_dated("2024-02-06"), _dated("2024-02-06"))}, T0)
    assert same.findings[0].detail["explained_by_time"] is False
    assert describe(events(reconcile([], same))[0]).endswith(
        "both dated 2024-02-06: not explained by time"
    )


def test_a_membership_discrepancy_names_who_only_one_source_lists() -> None:
    pair = _pair(
        [members("Five Country Ministerial", "Australia", "Canada", "New Zealand")],
        [members("Five Country Ministerial", "Canada", "New Zealand", "Japan")],
        STATEMENT,
    )
    finding = evaluate(pair, link_pair(pair), {}, T0).findings[0]
    change = Change("discrepancy", "added", finding.subject, after=finding.detail)
    assert describe(change) == (
        "Five Country Ministerial: 3 members (page) vs 3 members (statement):"
        " only statement lists Japan; only page lists Australia; not explained by time"
    )


def test_values_that_move_while_open_are_a_change_and_a_lost_link_resolves() -> None:
    sixteen = figure(ENDORSED, 16, "companies")
    seventeen = Fact("figure", ENDORSED, {**sixteen.value, "amount": 17}, "", id=sixteen.id)
    first = evaluate(
        _pair([NINETEEN], [sixteen], STATEMENT),
        link_pair(_pair([NINETEEN], [sixteen], STATEMENT)),
        {},
        T0,
    ).findings[0]
    moved = _pair([NINETEEN], [seventeen], STATEMENT)
    plan = reconcile([_stored(first)], evaluate(moved, link_pair(moved), {}, T0))
    assert [c.change for c in events(plan)] == ["changed"]
    assert "19 (page) vs 17 (statement)" in describe(events(plan)[0])
    gone = _pair([NINETEEN], [], STATEMENT)
    [resolved] = events(reconcile([_stored(first)], evaluate(gone, [], {}, T0)))
    assert (resolved.change, resolved.note) == ("removed", "unlinked")
