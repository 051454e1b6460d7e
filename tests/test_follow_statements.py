"""``follow``: the statements a page cites become child watches; a dropped one is a change."""

from __future__ import annotations

import pytest

from model.outcomes import Changed
from monitor.dispatch import check_once
from monitor.follow import pick, rules_sig
from monitor.settings import (
    FetchSettings,
    FollowSettings,
    SchedulerSettings,
    Settings,
    WatchSettings,
)
from parsers import parse_document
from store.repo import Store
from tests.corpus.pdfmake import make_pdf
from tests.pages import LINKS, SEED_URL_PATH, seed_html, seed_text
from tests.server import LocalServer

PARENT = "ps-international-efforts"
PDF_PATH, HTML_PATH = LINKS.values()
G7_PDF = [
    [
        "# G7 Interior and Security Ministers' Statement",
        "Eltville am Rhein, November 18, 2022",
        "",
        "Ministers of Canada, France, Germany, Italy, Japan, the United Kingdom and the",
        "United States met with the European Union in Eltville am Rhein.",
    ]
]
FIVE_COUNTRY = (
    "<html><head><title>Five Country Ministerial statement</title></head><body><main>"
    "<h1>Statement on the Second Anniversary</h1><p>In March 2022, the Five Country "
    "Ministerial marked two years of the Voluntary Principles; a total of 19 companies "
    "have endorsed them.</p></main></body></html>"
)


def _settings(store: Store, server: LocalServer, rules: list[dict[str, str]]) -> Settings:
    watch = WatchSettings(
        name=PARENT, url=server.url(SEED_URL_PATH), follow=tuple(FollowSettings(**r) for r in rules)
    )
    fetch = FetchSettings(allow_private_networks=True, connect_timeout=2, read_timeout=5)
    scheduler = SchedulerSettings(politeness_delay=0, parse_processes=0)
    return Settings(
        database=str(store.engine.url), fetch=fetch, scheduler=scheduler, watches=(watch,)
    )


def _serve(server: LocalServer, page: str) -> None:
    server.route(SEED_URL_PATH, page)
    server.route(
        PDF_PATH,
        make_pdf(G7_PDF, title="G7 statement"),
        headers={"Content-Type": "application/pdf"},
    )
    server.route(HTML_PATH, FIVE_COUNTRY)


def test_follow_picks_up_an_html_and_a_pdf_statement(store: Store, server: LocalServer) -> None:
    _serve(server, seed_html())
    settings = _settings(store, server, [{"link_text": "(?i)statement"}])
    outcomes = check_once(store, settings, settings.watches)
    assert [o.watch for o in outcomes] == [
        PARENT,
        f"{PARENT}/g7-interior-2022",
        f"{PARENT}/five-country-2022",
    ]
    assert all(isinstance(o, Changed) and o.baseline for o in outcomes)
    parent_id = store.watch(PARENT).id
    for child, media in [
        ("g7-interior-2022", "application/pdf"),
        ("five-country-2022", "text/html"),
    ]:
        name = f"{PARENT}/{child}"
        assert store.watch(name).parent_id == parent_id
        version = store.version(name)
        assert version is not None and version.content_type == media
        assert store.facts(version.id), f"{name} has facts of its own"


def test_a_statement_no_longer_cited_is_a_link_change(store: Store, server: LocalServer) -> None:
    _serve(server, seed_html())
    settings = _settings(store, server, [{"link_text": "(?i)statement"}])
    check_once(store, settings, settings.watches)
    label = "Statement on the Second Anniversary of the Launch"
    _serve(server, seed_html(seed_text().replace(label, label.lower())))  # no longer a link
    outcomes = check_once(store, settings, settings.watches)
    parent = outcomes[0]
    assert isinstance(parent, Changed)
    links = [c for c in parent.changes if c.kind == "link"]
    assert [(c.change, c.subject, c.before) for c in links] == [
        ("removed", label, {"url": server.url(HTML_PATH), "text": label})
    ]
    assert [o.watch for o in outcomes[1:]] == [f"{PARENT}/g7-interior-2022"]
    stored = [row for row, _w in store.changes(PARENT) if row.kind == "link"]
    assert [(r.change, r.subject) for r in stored] == [("removed", label)]


def test_an_unchanged_page_is_not_parsed_again(store: Store, server: LocalServer) -> None:
    _serve(server, seed_html())
    settings = _settings(store, server, [{"link_text": "(?i)statement"}])
    check_once(store, settings, settings.watches)
    server.route(PDF_PATH, b"", status=404)  # the statement is gone: its child fails
    again = check_once(store, settings, settings.watches)
    assert [type(o).__name__ for o in again] == ["Unchanged", "Failed", "Unchanged"]
    assert store.checks(f"{PARENT}/g7-interior-2022")[0].status == 404


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"css": "main a[href$='.pdf']"}, [PDF_PATH]),
        ({"url": r"\.html$"}, [HTML_PATH]),
        ({"link_text": "(?i)ministers"}, [PDF_PATH]),
        ({"link_text": "(?i)statement", "url": r"\.pdf$"}, [PDF_PATH]),
        ({"link_text": "nothing like this"}, []),
    ],
    ids=["css", "url-pattern", "link-text", "text-and-url", "no-match"],
)
def test_rules_pick_links(rule: dict[str, str], expected: list[str]) -> None:
    base = "http://127.0.0.1:8080" + SEED_URL_PATH
    body = seed_html().encode()
    doc = parse_document(body, content_type="text/html", url=base)
    watch = WatchSettings(name=PARENT, url=base, follow=(FollowSettings(**rule),))
    picked = pick(
        watch, doc, body, content_type="text/html", base_url=base, allow_private=True, known={}
    )
    assert [p.url for p in picked] == [f"http://127.0.0.1:8080{path}" for path in expected]


@pytest.mark.parametrize(
    ("target", "followed"),
    [
        ("http://10.0.0.7/statement.pdf", False),
        ("http://169.254.169.254/latest", False),
        ("http://127.0.0.1:9/statement.html", False),
        ("http://93.184.216.34/statement.html", True),
    ],
    ids=["private", "metadata-service", "loopback", "public"],
)
def test_followed_links_obey_the_private_network_rule(target: str, followed: bool) -> None:
    base = "http://93.184.216.34/page.html"
    body = f'<html><body><main><p><a href="{target}">A statement</a></p></main></body></html>'
    doc = parse_document(body.encode(), content_type="text/html", url=base)
    watch = WatchSettings(name=PARENT, url=base, follow=(FollowSettings(link_text="statement"),))
    picked = pick(
        watch,
        doc,
        body.encode(),
        content_type="text/html",
        base_url=base,
        allow_private=False,
        known={},
    )
    assert bool(picked) is followed


def test_changing_the_rules_changes_the_fingerprint() -> None:
    one, two = FollowSettings(link_text="a"), FollowSettings(link_text="b")
    assert rules_sig([one]) != rules_sig([two]) and rules_sig([one]) == rules_sig([one])
