"""The web UI over a real server: pages, hostile content, feeds, API, actions.

The history comes from the real pipeline (see :mod:`tests.webui_support`);
the application runs under uvicorn on 127.0.0.1 and is read with httpx.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

import feedparser
import pytest
from click.testing import CliRunner
from lxml import html as lxml_html

from alerts.deliver import Deliverer
from alerts.enqueue import probe_alerts
from monitor.cli import cli
from monitor.dispatch import check_once
from monitor.settings import Settings
from store import audit, outbox
from store.repo import Store
from tests.alerts_support import settings_yaml, webhook_spec
from tests.server import LocalServer, local_server
from tests.webui_support import (
    EVIL,
    FORMULA,
    HOSTILE,
    SEED,
    Site,
    build_history,
    evil_page,
    serving,
    tracker_hits,
)

COMPANIES = "companies have endorsed the Principles"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }} &lt;img src=x onerror=alert(2)&gt;"


@dataclass
class World:
    store: Store
    settings: Settings
    pages: LocalServer
    site: Site
    url: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = f"sqlite:///{tmp_path_factory.mktemp('web')}/factwatch.db"
    store = Store.open(url)
    with local_server() as pages:
        settings = build_history(store, pages)
        with serving(store, settings) as site:
            yield World(store, settings, pages, site, url)
    store.close()


def _fact(store: Store, watch: str, subject: str) -> str:
    latest = audit.version_detail(store, watch)
    assert latest is not None
    return next(f.id for f in audit.facts_of(store, latest.version) if f.fact.subject == subject)


def _evil_figure(store: Store) -> str:
    return _fact(store, EVIL, "received reports")


def _pages(world: World) -> list[str]:
    evil_fact = _evil_figure(world.store)
    return [
        "/",
        "/?q=evil",
        f"/watches/{EVIL}",
        f"/watches/{EVIL}/versions",
        f"/watches/{EVIL}/versions/1",
        f"/watches/{EVIL}/versions/3",
        f"/watches/{EVIL}/diff",
        f"/watches/{EVIL}/diff?from=1&to=3",
        f"/facts/{evil_fact}",
        "/changes",
        f"/changes?watch={EVIL}",
        f"/watches/{SEED}",
        f"/watches/{SEED}/g7-interior-2022",
        "/alerts",
    ]


def _doc(response: Any) -> Any:
    return lxml_html.fromstring(response.text)


def test_every_page_renders_and_shows_hostile_text_as_text(world: World) -> None:
    for path in _pages(world):
        response = world.site.get(path)
        assert response.status_code == 200, path
        body = response.text
        assert "<script" not in body.lower(), path  # no script at all, ours or the page's
        assert "<img src=x" not in body and 'href="javascript:' not in body.lower(), path
        assert "text/html" in response.headers["content-type"]
    for path in (f"/watches/{EVIL}", f"/watches/{EVIL}/versions/2", f"/watches/{EVIL}/diff"):
        body = world.site.get(path).text
        assert ESCAPED in body, path  # escaped once, and {{ 7*7 }} not evaluated
        text = _doc(world.site.get(path)).text_content()
        assert HOSTILE in text and HOSTILE.replace("{{ 7*7 }}", "49") not in text, path
    version = _doc(world.site.get(f"/watches/{EVIL}/versions/1"))
    [text] = version.xpath("//pre[@class='text']")
    assert (
        HOSTILE in text.text_content() and "javascript:alert(3) click here" in text.text_content()
    )


def test_security_headers_on_every_response(world: World) -> None:
    for path in [*_pages(world), "/api/v1/watches", "/feeds/changes.atom", "/static/style.css"]:
        headers = world.site.get(path).headers
        csp = headers["content-security-policy"]
        assert "script-src 'none'" in csp and "default-src 'none'" in csp, path
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp, path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["x-frame-options"] == "DENY" and headers["referrer-policy"] == "same-origin"


def test_stored_html_only_in_a_sandboxed_frame(world: World) -> None:
    page = _doc(world.site.get(f"/watches/{EVIL}/diff?from=1&to=2"))
    frames = page.xpath("//iframe")
    assert len(frames) == 2
    for frame in frames:
        assert frame.get("sandbox") == ""  # every restriction: no scripts, no same origin
        assert frame.get("src") in (
            f"/watches/{EVIL}/versions/1/body",
            f"/watches/{EVIL}/versions/2/body",
        )
    body = world.site.get(f"/watches/{EVIL}/versions/1/body")
    assert body.status_code == 200 and body.headers["content-type"].startswith("text/html")
    csp = body.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "script-src" not in csp
    assert body.headers["x-frame-options"] == "SAMEORIGIN"
    assert b"window.top.FACTWATCH_PWNED" in body.content  # served as stored, neutralised by CSP
    pdf = world.site.get(f"/watches/{SEED}/g7-interior-2022/versions/1/body")
    assert pdf.headers["content-type"] == "application/octet-stream"
    assert pdf.headers["content-disposition"].startswith("attachment")


def test_overview_lists_watches_with_status_and_pages(world: World) -> None:
    page = _doc(world.site.get("/"))
    names = [a.text_content() for a in page.xpath("//td[@class='name']/a")]
    assert names == [EVIL, SEED, f"{SEED}/five-country-2022", f"{SEED}/g7-interior-2022"]
    assert page.xpath("//p[@class='counts']")[0].text_content().startswith("4 watches · 0 failing")
    row = page.xpath(f"//tr[td/a[text()='{SEED}']]")[0].text_content()
    # the newest event: the page's 25 now differs from the 19 of the statement it cites
    assert f"{COMPANIES}: 25 (page" in row and "changed" in row
    settings = world.settings.model_copy(
        update={"web": world.settings.web.model_copy(update={"page_size": 3})}
    )
    with serving(world.store, settings) as small:
        first = _doc(small.get("/"))
        assert len(first.xpath("//td[@class='name']")) == 3
        [next_link] = first.xpath("//a[@rel='next']/@href")
        second = _doc(small.get("/" + next_link))
        assert [a.text_content() for a in second.xpath("//td[@class='name']/a")] == [
            f"{SEED}/g7-interior-2022"
        ]
        assert not second.xpath("//a[@rel='next']")
    failing = _doc(world.site.get("/?status=failing"))
    assert "No watches match" in failing.text_content()
    assert world.site.get("/?status=bogus").status_code == 400


def test_watch_page_tells_the_story(world: World) -> None:
    page = _doc(world.site.get(f"/watches/{SEED}"))
    text = page.text_content()
    sections = [h.text_content() for h in page.xpath("//section[@class='facts']/h3")]
    assert "G7 Child Sexual Exploitation and Abuse Working Group" in sections
    assert f"{COMPANIES}: 21 -> 25" in text and f"{COMPANIES}: 19 -> 21" in text
    assert "European Union removed (8 -> 7 members)" in text
    assert [a.text_content() for a in page.xpath("//table[@class='versions']//td[1]/a")] == [
        "v3",
        "v2",
        "v1",
    ]
    cited = [
        a.text_content()
        for a in page.xpath("//h2[@id='cited']/following-sibling::table[1]//td[1]/a")
    ]
    assert sorted(cited) == [f"{SEED}/five-country-2022", f"{SEED}/g7-interior-2022"]
    fact_links = page.xpath("//section[@class='facts']//td[2]/a/@href")
    assert f"/facts/{_fact(world.store, SEED, COMPANIES)}" in fact_links
    assert page.xpath("//form[@method='post']/input[@name='csrf_token']")


def test_version_in_force_on_a_date(world: World) -> None:
    v1, v2, _ = audit.all_versions(world.store, SEED)
    day = v1.created_at.strftime("%Y-%m-%d")
    response = world.site.get(f"/watches/{SEED}/versions?at={day}", follow_redirects=False)
    assert (
        response.status_code == 303
        and response.headers["location"] == f"/watches/{SEED}/versions/3"
    )
    moment = (v1.created_at + (v2.created_at - v1.created_at) / 2).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    exact = world.site.get(f"/watches/{SEED}/versions?at={moment}", follow_redirects=False)
    assert exact.headers["location"] == f"/watches/{SEED}/versions/1"
    on_page = world.site.get(f"/watches/{SEED}/versions/3?at={moment}", follow_redirects=False)
    assert on_page.headers["location"] == f"/watches/{SEED}/versions/1"
    page = _doc(world.site.get(exact.headers["location"]))
    assert "a total of 19 companies" in page.xpath("//pre[@class='text']")[0].text_content()
    assert v1.body_sha in page.text_content() and "until" in page.text_content()
    before = world.site.get(f"/watches/{SEED}/versions?at=2000-01-01")
    assert before.status_code == 404 and "had no version yet" in before.text
    assert world.site.get(f"/watches/{SEED}/versions?at=yesterday").status_code == 400


def test_diff_page_lists_fact_changes_and_text_side_by_side(world: World) -> None:
    page = _doc(world.site.get(f"/watches/{SEED}/diff?from=1&to=3"))
    changes = [li.text_content() for li in page.xpath("//ul[@class='fact-changes']/li")]
    assert any(f"{COMPANIES}: 19 -> 25" in c for c in changes)
    assert any("European Union removed" in c for c in changes)
    rows = page.xpath("//table[@class='textdiff']//tr[@class='replace']")
    assert any(
        "19 companies" in r.text_content() and "25 companies" in r.text_content() for r in rows
    )
    same = _doc(world.site.get(f"/watches/{SEED}/diff?from=2&to=2"))
    assert "No fact changed" in same.text_content()
    assert world.site.get(f"/watches/{SEED}/diff?from=9").status_code == 404


def test_fact_page_has_history_and_chart(world: World) -> None:
    fid = _fact(world.store, SEED, COMPANIES)
    page = _doc(world.site.get(f"/facts/{fid}"))
    rows = page.xpath("//table[@class='history']/tbody/tr")
    assert [r.xpath("td[4]")[0].text_content() for r in rows] == ["19", "21", "25"]
    labels = page.xpath("//svg//text[@class='label']/text()")
    assert labels == ["19", "21", "25"]
    assert len(page.xpath("//svg//circle")) == 3
    member = _fact(world.store, SEED, "G7 Child Sexual Exploitation and Abuse Working Group")
    assert not _doc(world.site.get(f"/facts/{member}")).xpath("//svg")  # charts only for figures
    assert world.site.get("/facts/1-000000000000").status_code == 404
    assert world.site.get("/facts/garbage").status_code == 404


def test_changes_page_filters(world: World) -> None:
    page = _doc(world.site.get("/changes?kind=membership"))
    kinds = {
        s.text_content()
        for s in page.xpath("//table[@class='changes']//span[contains(@class,'kind')]")
    }
    assert kinds == {"membership"}
    assert "No changes recorded that match" in world.site.get("/changes?since=2999-01-01").text
    assert world.site.get("/changes?kind=nope").status_code == 400
    assert world.site.get("/changes?watch=nope").status_code == 404


def test_feeds_are_valid_atom_with_one_entry_per_check(world: World) -> None:
    response = world.site.get("/feeds/changes.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    ET.fromstring(response.content)  # well-formed XML
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.version == "atom10"
    expected = audit.checks_with_changes(world.store, limit=50)
    assert len(feed.entries) == len(expected) == 4
    assert [e.title for e in feed.entries] == [
        f"{c.watch}: {len(c.events)} change{'s' if len(c.events) != 1 else ''}" for c in expected
    ]
    assert all(e.link.startswith(world.site.url + "/watches/") for e in feed.entries)
    assert len({e.id for e in feed.entries}) == 4
    one = feedparser.parse(world.site.get(f"/feeds/watches/{SEED}.atom").content)
    assert not one.bozo and one.entries[0].summary == "1 fact change, 1 finding"
    assert f"{COMPANIES}: 21 -> 25" in one.entries[0].content[0].value
    evil = world.site.get(f"/feeds/watches/{EVIL}.atom")
    root = ET.fromstring(evil.content)
    contents = [el.text or "" for el in root.iter("{http://www.w3.org/2005/Atom}content")]
    assert any("32 million -> 35.5 million" in c for c in contents)
    assert b"<script>" not in evil.content and b"&lt;script&gt;alert(1)" in evil.content
    assert any(HOSTILE in c for c in contents)  # the evidence, verbatim, as text
    assert world.site.get("/feeds/watches/nope.atom").status_code == 404


def test_hostile_text_in_feeds_is_text(world: World) -> None:
    settings = world.settings
    store = world.store
    before = audit.checks_with_changes(store, watch=EVIL, limit=1)[0].check_id
    page = evil_page(3, world.pages.url("/tracker")).replace("35.5 million", "36 million")
    world.pages.route("/evil.html", page)
    check_once(store, settings, [w for w in settings.watches if w.name == EVIL])
    entry = audit.checks_with_changes(store, watch=EVIL, limit=1)[0]
    assert entry.check_id != before
    root = ET.fromstring(world.site.get(f"/feeds/watches/{EVIL}.atom").content)
    content = next(root.iter("{http://www.w3.org/2005/Atom}content")).text or ""
    assert "35.5 million -> 36 million" in content
    assert (
        f"now: In 2021, the agency received 36 million reports of {FORMULA} {HOSTILE}." in content
    )
    parsed = feedparser.parse(world.site.get("/feeds/changes.atom").content)
    assert not parsed.bozo
    assert HOSTILE in parsed.entries[0].content[0].value  # a reader gets the text, not markup


def test_api_pages_through_changes_and_matches_the_store(world: World) -> None:
    ids, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        data = world.site.get("/api/v1/changes", params=params).json()
        ids += [item["id"] for item in data["items"]]
        cursor = data["next_cursor"]
        if cursor is None:
            break
    assert ids == [row.id for row, _ in world.store.changes()]
    item = world.site.get("/api/v1/changes", params={"watch": SEED, "kind": "figure"}).json()[
        "items"
    ][0]
    assert item["summary"] == f"{COMPANIES}: 19 -> 21" and item["fact_id"] == _fact(
        world.store, SEED, COMPANIES
    )
    bad = world.site.get("/api/v1/changes", params={"cursor": "nope"})
    assert bad.status_code == 400 and bad.json() == {"detail": "invalid cursor"}
    assert world.site.get("/api/v1/changes", params={"limit": 0}).status_code == 422


def test_api_facts_at_a_date_versions_and_history(world: World) -> None:
    v1, v2, _ = audit.all_versions(world.store, SEED)
    moment = (v1.created_at + (v2.created_at - v1.created_at) / 2).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    then = world.site.get(f"/api/v1/watches/{SEED}/facts", params={"at": moment}).json()
    assert then["version"]["version"] == 1
    [companies] = [f for f in then["facts"] if f["subject"] == COMPANIES]
    assert companies["value"]["amount"] == 19 and companies["id"] == _fact(
        world.store, SEED, COMPANIES
    )
    now = world.site.get(f"/api/v1/watches/{SEED}/facts").json()
    assert now["version"]["version"] == 3
    versions = world.site.get(f"/api/v1/watches/{SEED}/versions", params={"limit": 2}).json()
    assert [v["version"] for v in versions["items"]] == [3, 2] and versions["next_cursor"]
    detail = world.site.get(f"/api/v1/watches/{SEED}/versions/1").json()
    assert "a total of 19 companies" in detail["text"] and detail["next"] == 2
    history = world.site.get(f"/api/v1/facts/{companies['id']}").json()
    assert [r["value"]["amount"] for r in history["rows"]] == [19, 21, 25]
    watch = world.site.get(f"/api/v1/watches/{SEED}").json()
    assert watch["versions"] == 3 and len(watch["children"]) == 2
    missing = world.site.get("/api/v1/watches/nope")
    assert missing.status_code == 404 and "no watch named 'nope'" in missing.json()["detail"]


def test_api_csv_is_the_cli_export(world: World) -> None:
    response = world.site.get(f"/api/v1/watches/{EVIL}/facts.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    cli_out = CliRunner().invoke(cli, ["--database", world.url, "export", EVIL]).stdout_bytes
    assert response.content == cli_out
    cells = [c for row in csv.reader(io.StringIO(response.text, newline="")) for c in row]
    assert any(FORMULA in c for c in cells) and not any(
        c.startswith(("=", "+", "-", "@")) for c in cells
    )
    as_json = world.site.get(f"/api/v1/watches/{EVIL}/fact-history").json()
    assert len(as_json["rows"]) == len(list(csv.reader(io.StringIO(response.text)))) - 1


def _form_token(site: Site, path: str) -> str:
    page = _doc(site.get(path))
    return str(page.xpath("//form[@method='post']/input[@name='csrf_token']/@value")[0])


def test_check_now_is_a_post_with_a_csrf_token(world: World) -> None:
    site = world.site
    before = len(world.store.checks(EVIL))
    token = _form_token(site, f"/watches/{EVIL}")
    no_token = site.client.post(f"{site.url}/watches/{EVIL}/check", data={})
    assert no_token.status_code == 403 and len(world.store.checks(EVIL)) == before
    wrong = site.client.post(f"{site.url}/watches/{EVIL}/check", data={"csrf_token": "0" * 64})
    assert wrong.status_code == 403
    cross = site.client.post(
        f"{site.url}/watches/{EVIL}/check",
        data={"csrf_token": token},
        headers={"Origin": "http://evil.invalid"},
    )
    assert cross.status_code == 403 and len(world.store.checks(EVIL)) == before
    done = site.client.post(
        f"{site.url}/watches/{EVIL}/check", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == f"/watches/{EVIL}?checked=1"
    assert len(world.store.checks(EVIL)) == before + 1
    shown = _doc(site.get(done.headers["location"]))
    assert "Checked:" in shown.xpath("//p[@class='flash']")[0].text_content()
    child = f"{SEED}/five-country-2022"
    assert (
        site.client.post(
            f"{site.url}/watches/{child}/check", data={"csrf_token": token}
        ).status_code
        == 303
    )
    assert len(world.store.checks(child)) == 4  # checked through the page that cites it
    after = len(world.store.checks(EVIL))
    assert site.get(f"/watches/{EVIL}/check").status_code == 404  # a GET never acts
    assert len(world.store.checks(EVIL)) == after


def test_retry_alert_requeues_a_dead_alert(world: World) -> None:
    world.pages.route("/hook", b"gone", status=404)
    settings = settings_yaml(world.url, {"hook": webhook_spec(world.pages.url("/hook"))})
    [alert_id] = outbox.enqueue(world.store, probe_alerts(["hook"]))
    assert Deliverer(world.store, settings).deliver(timeout=5).dead == 1
    site = world.site
    page = _doc(site.get("/alerts?status=dead"))
    assert page.xpath(f"//form[@action='/alerts/{alert_id}/retry']")
    token = _form_token(site, "/alerts?status=dead")
    assert site.client.post(f"{site.url}/alerts/{alert_id}/retry", data={}).status_code == 403
    done = site.client.post(
        f"{site.url}/alerts/{alert_id}/retry", data={"csrf_token": token}, follow_redirects=False
    )
    assert done.status_code == 303
    assert {r.id: r.status for r in outbox.rows(world.store)}[alert_id] == "pending"
    again = site.client.post(f"{site.url}/alerts/{alert_id}/retry", data={"csrf_token": token})
    assert again.status_code == 409
    assert "queued again" in site.get(done.headers["location"]).text


def test_nothing_escaped_the_sandbox(world: World) -> None:
    assert tracker_hits(world.pages) == []
