"""The audit story in a real browser: Playwright driving Debian's Chromium, headless.

Open the overview, open a watch, open the version in force on a date, compare
two versions, follow a fact's history; assert what a person sees. The hostile
page is opened too, its stored HTML in the sandboxed frames: nothing of it
may run or load. Screenshots of each step go to the test's folder, and to
``FACTWATCH_TEST_SCREENSHOTS`` when set (that is how docs/screenshots/ is made).

Without /usr/bin/chromium these tests are skipped, unless
``FACTWATCH_TEST_REQUIRE_BROWSER`` is set (as in CI), where they fail.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from store import audit
from store.repo import Store
from tests.server import LocalServer, local_server
from tests.webui_support import EVIL, HOSTILE, SEED, TOKEN, build_history, serving, tracker_hits

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
COMPANIES = "companies have endorsed the Principles"
SHOTS = os.environ.get("FACTWATCH_TEST_SCREENSHOTS")

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("FACTWATCH_TEST_REQUIRE_BROWSER"):
        pytest.fail(f"FACTWATCH_TEST_REQUIRE_BROWSER is set but {CHROMIUM} is missing")
    pytest.skip(f"no browser: {CHROMIUM} is missing (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield launched
        launched.close()


@dataclass
class Stage:
    store: Store
    pages: LocalServer
    url: str
    shots: list[Path]


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    folder = tmp_path_factory.mktemp("browser")
    store = Store.open(f"sqlite:///{folder}/factwatch.db")
    with local_server() as pages:
        settings = build_history(store, pages)
        web = settings.web.model_copy(update={"token": SecretStr(TOKEN)})
        with serving(store, settings.model_copy(update={"web": web})) as site:
            shots = [folder / "screenshots", *([Path(SHOTS)] if SHOTS else [])]
            yield Stage(store, pages, site.url, shots)
    store.close()


@pytest.fixture
def page(browser: Any, stage: Stage) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light")
    tab = context.new_page()
    tab.errors = []  # type: ignore[attr-defined]
    tab.on("console", lambda m: m.type == "error" and tab.errors.append((m.text, m.location)))
    tab.on("dialog", lambda d: (tab.errors.append(("dialog", d.message)), d.dismiss()))
    yield tab
    context.close()


def _shoot(page: Any, stage: Stage, name: str) -> None:
    for folder in stage.shots:
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=False)


def _login(page: Any, stage: Stage) -> None:
    page.goto(stage.url + "/")
    assert page.url.startswith(stage.url + "/login")
    page.fill("#token", TOKEN)
    page.click("button:has-text('Log in')")
    page.wait_for_url(stage.url + "/")
    [cookie] = [c for c in page.context.cookies() if c["name"] == "factwatch_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert "factwatch_session" not in page.evaluate("document.cookie")


def _own_errors(page: Any) -> list[Any]:
    """Console errors of our own pages (the stored pages' refused scripts are expected)."""
    return [e for e in page.errors if "/body" not in str(e[1])]


def test_the_audit_story(page: Any, stage: Stage) -> None:
    _login(page, stage)
    rows = page.locator("table.watches tbody tr")
    assert rows.count() == 4
    seed_row = page.locator("tr", has=page.locator(f"a:text-is('{SEED}')"))
    assert f"{COMPANIES}: 25 (page" in seed_row.inner_text()  # its newest event: a finding
    _shoot(page, stage, "overview")

    page.click(f"a:text-is('{SEED}')")
    page.wait_for_url(f"{stage.url}/watches/{SEED}")
    assert page.locator("h1").inner_text() == SEED
    facts = page.locator("#facts + section, section.facts").first.inner_text()
    assert "G7 Child Sexual Exploitation and Abuse Working Group" in page.content()
    disagree = page.locator("#findings + table").inner_text()
    assert f"{COMPANIES}: 25 (page" in disagree and "19 (Statement" in disagree
    assert facts
    changes = page.locator("table.changes").inner_text()
    assert (
        f"{COMPANIES}: 19 -> 21" in changes and "European Union removed (8 -> 7 members)" in changes
    )
    assert "five-country-2022" in page.locator("#cited + table").inner_text()
    _shoot(page, stage, "watch")

    v1 = audit.all_versions(stage.store, SEED)[0]
    day = v1.created_at.strftime("%Y-%m-%d")
    page.fill("section.status input[name='at']", day)
    page.click("section.status button:has-text('Open')")
    page.wait_for_url(f"{stage.url}/watches/{SEED}/versions/3")  # the last version of that day
    assert "v3 of 3" in page.locator("h1").inner_text()
    page.goto(f"{stage.url}/watches/{SEED}/versions/1")
    assert "a total of 19 companies" in page.locator("pre.text").inner_text()
    assert "until" in page.locator("p.validity").inner_text()
    _shoot(page, stage, "version")

    page.goto(f"{stage.url}/watches/{SEED}")
    page.check("input[name='from'][value='1']")
    page.check("input[name='to'][value='3']")
    page.click("button:has-text('Compare the two versions')")
    page.wait_for_url(f"{stage.url}/watches/{SEED}/diff?*")
    assert "from=1" in page.url and "to=3" in page.url
    listed = page.locator("ul.fact-changes").inner_text()
    assert f"{COMPANIES}: 19 -> 25" in listed and "European Union removed" in listed
    replaced = page.locator("table.textdiff tr.replace").all_inner_texts()
    assert any("19 companies" in r and "25 companies" in r for r in replaced)
    _shoot(page, stage, "diff")

    page.click(f"ul.fact-changes a:has-text('{COMPANIES}')")
    page.wait_for_url(f"{stage.url}/facts/*")
    assert COMPANIES in page.locator("h1").inner_text()
    labels = page.locator("svg text.label").all_text_contents()
    assert labels == ["19", "21", "25"]
    history = page.locator("table.history tbody tr").all_inner_texts()
    assert len(history) == 3 and "current" in history[-1]
    _shoot(page, stage, "fact")

    page.goto(f"{stage.url}/changes")
    assert page.locator("table.changes tbody tr").count() >= 6
    _shoot(page, stage, "changes")
    assert _own_errors(page) == []


def test_hostile_page_stays_text_and_its_markup_never_runs(page: Any, stage: Stage) -> None:
    _login(page, stage)
    title = page.title()
    page.goto(f"{stage.url}/watches/{EVIL}")
    assert HOSTILE in page.locator("section.facts").first.inner_text()
    assert page.locator("section.facts img").count() == 0
    page.goto(f"{stage.url}/watches/{EVIL}/diff?from=1&to=3")
    page.click("details.stored summary")
    frames = page.locator("iframe")
    assert frames.count() == 2
    for n in range(2):
        assert frames.nth(n).get_attribute("sandbox") == ""
    page.wait_for_timeout(1500)  # let the frames load whatever they would
    stored = [f for f in page.frames if f.url.endswith("/body")]
    assert len(stored) == 2
    for frame in stored:
        assert "Working Group members" in frame.inner_text("body")  # the page is shown...
        assert (
            frame.evaluate("typeof window.FACTWATCH_PWNED") == "undefined"
        )  # ...its script is not run
    assert page.evaluate("typeof window.FACTWATCH_PWNED") == "undefined"
    assert page.title() != "PWNED" and title
    assert tracker_hits(stage.pages) == []  # nothing loaded from the stored page's links
    assert not [e for e in page.errors if e[0] == "dialog"]
    assert _own_errors(page) == []
    page.goto(f"{stage.url}/watches/{EVIL}/versions/1/body")  # even opened directly
    page.wait_for_timeout(500)
    assert page.evaluate("typeof window.FACTWATCH_PWNED") == "undefined"
    assert tracker_hits(stage.pages) == []


def test_check_now_from_the_browser(page: Any, stage: Stage) -> None:
    _login(page, stage)
    before = len(stage.store.checks(EVIL))
    page.goto(f"{stage.url}/watches/{EVIL}")
    page.click("button:has-text('Check now')")
    page.wait_for_url(f"{stage.url}/watches/{EVIL}?checked=1")
    assert "Checked:" in page.locator("p.flash").inner_text()
    assert len(stage.store.checks(EVIL)) == before + 1
    _shoot(page, stage, "checked")
