"""The check pipeline end to end: a real server, the real parser, a real store.

Before/after scenarios are data: a page edit and the events a person expects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from model.kinds import describe
from model.outcomes import Changed, Failed, Unchanged
from monitor.dispatch import check_once
from parsers.job import ParseJob, run_job
from store.models import Blob, Check, Version
from store.repo import Store
from tests.conftest import make_settings
from tests.pages import SEED_URL_PATH, canada_page, seed_html, seed_text, text_to_main
from tests.server import LocalServer

G7_LIST = "Members include Canada, the United States, France, Germany, Italy, Japan, the United Kingdom and the European Union."
NEW_SECTION = """International Agreements
Global Partnership
In June 2023, Canada joined the Global Partnership to End Violence Against Children, alongside more than 40 other countries."""


@dataclass(frozen=True)
class Scenario:
    """A page edit and the events it must yield: (kind, change, words in the summary)."""

    edit: Callable[[str], str]
    events: list[tuple[str, str, str]]
    exact: bool = True
    template: dict[str, object] | None = None


def _sub(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def _drop_agreements(text: str) -> str:
    head, _, _ = text.partition("International Agreements\nThe Government")
    return head.rstrip() + "\n- Date modified:\n"


SCENARIOS = {
    "figure-changed": Scenario(
        _sub("a total of 19 companies", "a total of 21 companies"),
        [("figure", "changed", "19 -> 21")],
    ),
    "member-added": Scenario(
        _sub("Japan, the United Kingdom", "Japan, Australia, the United Kingdom"),
        [("membership", "changed", "Australia added (8 -> 9 members)")],
    ),
    "member-removed": Scenario(
        _sub("the United Kingdom and the European Union.", "and the United Kingdom."),
        [("membership", "changed", "European Union removed (8 -> 7 members)")],
    ),
    "list-reordered": Scenario(
        _sub(
            G7_LIST,
            "Members include the European Union, Japan, Italy, Germany, France, "
            "the United Kingdom, the United States and Canada.",
        ),
        [],
    ),
    "date-changed": Scenario(
        _sub("In March 2020, the Five", "In April 2020, the Five"),
        [("date", "changed", "2020-03 -> 2020-04")],
    ),
    "boilerplate-only": Scenario(
        _sub(
            "Canada works closely with international partners",
            "Canada works   closely with\n international partners".replace("\n", " "),
        ),
        [],
        template={"menu_items": ("Benefits", "Health"), "footer_year": 2026, "token": "qq"},
    ),
    "section-added": Scenario(
        _sub("International Agreements\nThe Government", NEW_SECTION + "\nThe Government"),
        [("date", "added", "2023-06"), ("figure", "added", "40")],
        exact=False,
    ),
    "section-removed": Scenario(
        _drop_agreements, [("membership", "removed", "no longer listed")], exact=False
    ),
}


def _serve(server: LocalServer, text: str, **template: object) -> None:
    html = canada_page(text_to_main(text), **template)  # type: ignore[arg-type]
    server.route(SEED_URL_PATH, html)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_before_after(name: str, server: LocalServer, sqlite_store: Store) -> None:
    scenario = SCENARIOS[name]
    settings = make_settings(str(sqlite_store.engine.url), ps=server.url(SEED_URL_PATH))
    _serve(server, seed_text())
    [first] = check_once(sqlite_store, settings, settings.watches)
    assert isinstance(first, Changed) and first.baseline and first.changes == ()
    _serve(server, scenario.edit(seed_text()), **(scenario.template or {}))
    [second] = check_once(sqlite_store, settings, settings.watches)
    got = [] if isinstance(second, Unchanged) else list(second.changes)  # type: ignore[union-attr]
    for kind, change, words in scenario.events:
        assert any(c.kind == kind and c.change == change and words in describe(c) for c in got), (
            kind,
            change,
            words,
            [describe(c) for c in got],
        )
    if scenario.exact:
        assert len(got) == len(scenario.events), [describe(c) for c in got]
    else:
        assert {c.change for c in got} == {e[1] for e in scenario.events}


def test_unchanged_page_is_not_parsed_again(server: LocalServer, store: Store) -> None:
    settings = make_settings(str(store.engine.url), ps=server.url(SEED_URL_PATH))
    server.route(SEED_URL_PATH, seed_html(), etag='"v1"')
    check_once(store, settings, settings.watches)
    [by_etag] = check_once(store, settings, settings.watches)
    assert isinstance(by_etag, Unchanged) and by_etag.via == "304"
    server.route(SEED_URL_PATH, seed_html())  # no validators any more: same bytes
    [by_hash] = check_once(store, settings, settings.watches)
    assert isinstance(by_hash, Unchanged) and by_hash.via == "hash"
    server.route(SEED_URL_PATH, seed_html(token="other", footer_year=2030))
    [by_text] = check_once(store, settings, settings.watches)
    assert isinstance(by_text, Unchanged) and by_text.via == "text"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Version)) == 1
        assert s.scalar(select(func.count()).select_from(Check)) == 4


def test_failures_are_recorded_and_others_still_checked(server: LocalServer, store: Store) -> None:
    server.route("/ok", seed_html())
    server.route("/err", status=500, body=b"boom")
    server.route("/png", b"\x89PNG", headers={"Content-Type": "image/png"})
    server.route("/slow", seed_html(), delay=2.5)
    server.route("/moved", status=301, headers={"Location": "/ok"})
    settings = make_settings(
        str(store.engine.url),
        err=server.url("/err"),
        png=server.url("/png"),
        slow=server.url("/slow"),
        moved=server.url("/moved"),
        ok=server.url("/ok"),
        dead="http://127.0.0.1:9/",
    )
    outcomes = {o.watch: o for o in check_once(store, settings, settings.watches)}
    reasons = {n: o.reason for n, o in outcomes.items() if isinstance(o, Failed)}
    assert reasons == {
        "err": "http-status",
        "png": "content-type",
        "slow": "timeout",
        "dead": "connection",
    }
    assert isinstance(outcomes["ok"], Changed) and isinstance(outcomes["moved"], Changed)
    for name, reason in reasons.items():
        [attempt] = store.checks(name)
        assert (attempt.outcome, attempt.reason) == ("failed", reason) and attempt.error


def test_private_address_refused_and_recorded(server: LocalServer, store: Store) -> None:
    server.route("/p", seed_html())
    settings = make_settings(str(store.engine.url), p=server.url("/p"))
    settings = settings.model_copy(
        update={"fetch": settings.fetch.model_copy(update={"allow_private_networks": False})}
    )
    [outcome] = check_once(store, settings, settings.watches)
    assert isinstance(outcome, Failed) and outcome.reason == "blocked-target"
    assert server.requests == []
    assert store.checks("p")[0].reason == "blocked-target"


def test_history_keeps_three_versions_and_identical_content_once(
    server: LocalServer, store: Store
) -> None:
    settings = make_settings(str(store.engine.url), ps=server.url(SEED_URL_PATH))
    texts = [seed_text(), SCENARIOS["figure-changed"].edit(seed_text()), seed_text()]
    for text in texts:
        _serve(server, text)
        check_once(store, settings, settings.watches)
    versions = store.versions("ps")
    assert [v.seq for v in versions] == [1, 2, 3]
    assert versions[0].body_sha == versions[2].body_sha
    assert [store.text(v) == store.text(versions[0]) for v in versions] == [True, False, True]
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Blob)) == 6  # 2 bodies, texts, fact sets


def test_value_going_back_within_the_window_is_a_flap(server: LocalServer, store: Store) -> None:
    settings = make_settings(str(store.engine.url), ps=server.url(SEED_URL_PATH))
    notes = []
    for text in [seed_text(), SCENARIOS["figure-changed"].edit(seed_text()), seed_text()]:
        _serve(server, text)
        [outcome] = check_once(store, settings, settings.watches)
        assert isinstance(outcome, Changed)
        notes.append([c.note for c in outcome.changes])
    assert notes == [[], [None], ["flap"]]
    assert [row.note for row, _ in store.changes("ps")] == [None, "flap"]


def test_parse_processes_give_the_same_facts(server: LocalServer, sqlite_store: Store) -> None:
    """Parsing in worker processes stores what parsing in the checking thread stores."""
    server.route(SEED_URL_PATH, seed_html())
    server.route(
        "/broken.pdf", b"%PDF-1.4 not really a pdf", headers={"Content-Type": "application/pdf"}
    )
    settings = make_settings(
        str(sqlite_store.engine.url), ps=server.url(SEED_URL_PATH), broken=server.url("/broken.pdf")
    )
    pooled = settings.model_copy(
        update={"scheduler": settings.scheduler.model_copy(update={"parse_processes": 1})}
    )
    ps, broken = check_once(sqlite_store, pooled, pooled.watches)
    assert isinstance(ps, Changed) and isinstance(broken, Failed) and broken.reason == "parse"
    version = sqlite_store.version("ps")
    assert version is not None
    doc, facts = run_job(ParseJob(seed_html().encode(), "text/html", server.url(SEED_URL_PATH)))
    assert sqlite_store.facts(version.id) == facts
    assert sqlite_store.text(version) == doc.text


def test_a_fact_keeps_its_identity_from_version_to_version(
    server: LocalServer, store: Store
) -> None:
    settings = make_settings(str(store.engine.url), ps=server.url(SEED_URL_PATH))
    texts = [
        seed_text(),
        seed_text().replace("a total of 19 companies", "a total of 21 companies"),
        seed_text().replace("a total of 19 companies", "a total of 23 companies"),
    ]
    for text in texts:
        _serve(server, text)
        check_once(store, settings, settings.watches)
    versions = store.versions("ps")
    endorsed = [
        next(f for f in store.facts(v.id) if f.kind == "figure" and "compan" in f.subject)
        for v in versions
    ]
    assert [f.value["amount"] for f in endorsed] == [19, 21, 23]
    assert len({f.id for f in endorsed}) == 1 and endorsed[0].id
    first, last = store.facts(versions[0].id), store.facts(versions[-1].id)
    assert {f.id for f in first} == {f.id for f in last}  # nothing else was new
    assert len({f.id for f in last}) == len(last)
