"""store.audit on a history the real pipeline made, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from model.errors import UnknownWatchError
from monitor.dispatch import check_once
from monitor.settings import Settings, WatchSettings
from store import audit
from store.audit import ChangeFilter, QueryError
from store.repo import Store
from tests.server import LocalServer, local_server
from tests.webui_support import EVIL, SEED, build_history, database

COMPANIES = "companies have endorsed the Principles"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def history(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Store, Settings, LocalServer]]:
    """Three checks of the seed page (with its statements) and the hostile page."""
    with database(request.param, tmp_path_factory.mktemp("audit")) as url, local_server() as srv:
        store = Store.open(url)
        try:
            settings = build_history(store, srv)
            broken = WatchSettings(name="broken", url=srv.url("/missing"))
            check_once(store, settings, [broken])
            yield store, settings, srv
        finally:
            store.close()


def _companies(store: Store) -> str:
    latest = audit.version_detail(store, SEED)
    assert latest is not None
    [fact] = [f for f in audit.facts_of(store, latest.version) if f.fact.subject == COMPANIES]
    return fact.id


def test_fact_ids_are_stable_short_and_distinct() -> None:
    one = audit.fact_id(7, "figure", "Principles", "Companies")
    assert one == audit.fact_id(7, "figure", "Principles", "companies")  # case folded
    assert audit.fact_watch_id(one) == 7 and len(one) == len("7-") + 12
    others = {
        audit.fact_id(8, "figure", "Principles", "companies"),
        audit.fact_id(7, "date", "Principles", "companies"),
        audit.fact_id(7, "figure", "Other", "companies"),
        audit.fact_id(7, "figure", "Principles", "companies", occurrence=1),
    }
    assert one not in others and len(others) == 4
    assert [
        audit.fact_watch_id(bad) for bad in ("7", "x-abc", "7-XYZ", "99999999999-" + "a" * 12)
    ] == [None] * 4


def test_watch_page_walks_every_watch_by_name(history: tuple[Store, Settings, LocalServer]) -> None:
    store = history[0]
    names, cursor = [], None
    while True:
        page = audit.watch_page(store, cursor=cursor, limit=2)
        names += [w.name for w in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert names == sorted(w.name for w in store.watches())
    assert names[:3] == ["broken", EVIL, SEED]
    assert len(names) == 5  # two statements followed by the seed page


@pytest.mark.parametrize(
    ("status", "q", "expected"),
    [
        ("failing", None, ["broken"]),
        ("ok", "evil", [EVIL]),
        ("never", None, []),
        ("all", "five-country", [f"{SEED}/five-country-2022"]),
        ("all", "%", []),  # LIKE wildcards are taken literally
    ],
    ids=["failing", "ok-named", "never-checked", "name-part", "wildcard-literal"],
)
def test_watch_page_filters(
    history: tuple[Store, Settings, LocalServer],
    status: audit.WatchFilter,
    q: str | None,
    expected: list[str],
) -> None:
    page = audit.watch_page(history[0], q=q, status=status)
    assert [w.name for w in page.items] == expected


def test_watch_status_tells_last_check_change_and_versions(
    history: tuple[Store, Settings, LocalServer],
) -> None:
    store = history[0]
    seed = audit.watch_status(store, SEED)
    assert seed.versions == 3 and seed.consecutive_failures == 0
    assert seed.last_check is not None and seed.last_check.outcome == "changed"
    # the newest event: the page now says 25 where the statement it cites says 19
    assert seed.last_change is not None and seed.last_change.change.subject == COMPANIES
    assert seed.last_change.change.kind == "discrepancy"
    assert seed.last_change.change.after is not None
    sides = seed.last_change.change.after["sides"]
    assert [side["value"]["amount"] for side in sides] == [25, 19]
    broken = audit.watch_status(store, "broken")
    assert broken.last_check is not None and broken.last_check.reason == "http-status"
    assert broken.consecutive_failures == 1 and broken.versions == 0
    assert [c.name for c in audit.children(store, SEED)] == [
        f"{SEED}/five-country-2022",
        f"{SEED}/g7-interior-2022",
    ]
    assert audit.watch_counts(store) == audit.WatchCounts(total=5, failing=1, never_checked=0)
    with pytest.raises(UnknownWatchError):
        audit.watch_status(store, "nope\x00")


def test_versions_know_when_they_were_in_force(
    history: tuple[Store, Settings, LocalServer],
) -> None:
    store = history[0]
    page = audit.versions_page(store, SEED, limit=2)
    assert [v.seq for v in page.items] == [3, 2] and page.next_cursor
    rest = audit.versions_page(store, SEED, cursor=page.next_cursor, limit=2)
    assert [v.seq for v in rest.items] == [1] and rest.next_cursor is None
    v1, v2, v3 = audit.all_versions(store, SEED)
    assert (v1.valid_to, v2.valid_to, v3.valid_to) == (v2.created_at, v3.created_at, None)
    between = v1.created_at + (v2.created_at - v1.created_at) / 2
    assert audit.version_at(store, SEED, between) == v1
    assert audit.version_at(store, SEED, v3.created_at) == v3
    assert audit.version_at(store, SEED, v1.created_at - timedelta(seconds=1)) is None
    detail = audit.version_detail(store, SEED, 2)
    assert detail is not None and (detail.previous, detail.next, detail.latest) == (1, 3, 3)
    assert detail.check is not None and detail.check.version_id == v2.id
    assert detail.body_size and detail.text_size
    assert audit.version_detail(store, SEED, 9) is None


def test_changes_page_through_everything_in_order(
    history: tuple[Store, Settings, LocalServer],
) -> None:
    store = history[0]
    expected = [row.id for row, _ in store.changes()]
    seen, cursor = [], None
    while True:
        page = audit.changes_page(store, cursor=cursor, limit=3)
        seen += [e.id for e in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert seen == expected and len(expected) >= 6
    newest = audit.changes_page(store, limit=100, newest_first=True).items
    assert [e.id for e in newest] == expected[::-1]


@pytest.mark.parametrize(
    ("filters", "check"),
    [
        (ChangeFilter(watch=EVIL), lambda e: e.watch == EVIL),
        (ChangeFilter(kind="membership"), lambda e: e.change.kind == "membership"),
        (ChangeFilter(watch=SEED, kind="figure"), lambda e: e.change.subject == COMPANIES),
    ],
    ids=["watch", "kind", "watch-and-kind"],
)
def test_change_filters(
    history: tuple[Store, Settings, LocalServer], filters: ChangeFilter, check: object
) -> None:
    items = audit.changes_page(history[0], filters, limit=100).items
    assert items and all(check(e) for e in items)  # type: ignore[operator]


def test_change_time_filters(history: tuple[Store, Settings, LocalServer]) -> None:
    store = history[0]
    events = audit.changes_page(store, limit=100).items
    last = events[-1].detected_at
    since = audit.changes_page(store, ChangeFilter(since=last), limit=100).items
    assert since and all(e.detected_at >= last for e in since)
    until = audit.changes_page(store, ChangeFilter(until=events[0].detected_at), limit=100).items
    assert until and all(e.detected_at <= events[0].detected_at for e in until)


def test_fact_history_follows_one_figure(history: tuple[Store, Settings, LocalServer]) -> None:
    store = history[0]
    fid = _companies(store)
    found = audit.fact_history(store, fid)
    assert found is not None and found.watch.name == SEED
    assert [r.value["amount"] for r in found.rows] == [19, 21, 25]
    assert [r.version for r in found.rows] == [1, 2, 3]
    assert [r.version_to for r in found.rows] == [2, 3, None]
    assert found.rows[0].valid_to == found.rows[1].valid_from
    assert "a total of 21 companies" in found.rows[1].evidence
    assert audit.fact_history(store, "1-" + "0" * 12) is None
    change = audit.changes_page(store, ChangeFilter(watch=SEED, kind="figure"), limit=10).items[0]
    assert change.fact_id == fid  # a change links to the fact it changed


def test_fact_rows_open_a_row_per_new_value(history: tuple[Store, Settings, LocalServer]) -> None:
    store = history[0]
    rows = audit.fact_rows(store, SEED)
    v1 = audit.all_versions(store, SEED)[0]
    first = [r for r in rows if r.version == 1]
    assert len(first) == len(audit.facts_of(store, v1))
    later = [(r.version, r.subject) for r in rows if r.version > 1]
    assert (2, COMPANIES) in later and (3, COMPANIES) in later
    assert any(r.kind == "membership" and r.version == 2 for r in rows)
    v3 = audit.all_versions(store, SEED)[2]
    assert [r.version for r in audit.fact_rows(store, SEED, since=v3.created_at)] == [3]


def test_checks_with_changes_group_events_newest_first(
    history: tuple[Store, Settings, LocalServer],
) -> None:
    store = history[0]
    entries = audit.checks_with_changes(store, limit=10)
    assert [e.check_id for e in entries] == sorted((e.check_id for e in entries), reverse=True)
    assert {(e.watch, e.version_after) for e in entries} >= {
        (SEED, 2),
        (SEED, 3),
        (EVIL, 2),
        (EVIL, 3),
    }
    [newest_seed, older_seed] = audit.checks_with_changes(store, watch=SEED, limit=2)
    assert (newest_seed.version_before, newest_seed.version_after) == (2, 3)
    assert [(e.change.kind, e.change.subject) for e in newest_seed.events] == [
        ("figure", COMPANIES),
        ("discrepancy", COMPANIES),
    ]
    assert {e.change.kind for e in older_seed.events} == {"membership", "figure", "discrepancy"}
    assert len(audit.checks_with_changes(store, limit=1)) == 1


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64!",
        "e30",
        audit.encode_cursor("text"),
        audit.encode_cursor(2**40),
        audit.encode_cursor(True),
    ],
    ids=["garbage", "no-key", "wrong-type", "too-large", "boolean"],
)
def test_bad_cursors_are_query_errors(
    history: tuple[Store, Settings, LocalServer], cursor: str
) -> None:
    with pytest.raises(QueryError):
        audit.changes_page(history[0], cursor=cursor)


def test_limits_are_bounded(history: tuple[Store, Settings, LocalServer]) -> None:
    for limit in (0, audit.MAX_PAGE + 1):
        with pytest.raises(QueryError):
            audit.watch_page(history[0], limit=limit)


def test_unknown_watch_everywhere(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path}/empty.db")
    try:
        for call in (
            lambda: audit.versions_page(store, "x"),
            lambda: audit.fact_rows(store, "x"),
            lambda: audit.changes_page(store, ChangeFilter(watch="x")),
            lambda: audit.checks_with_changes(store, watch="x"),
        ):
            with pytest.raises(UnknownWatchError):
                call()
        assert (
            audit.watch_page(store).items == []
            and audit.fact_history(store, "1-" + "a" * 12) is None
        )
    finally:
        store.close()
