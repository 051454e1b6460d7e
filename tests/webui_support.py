"""A history to audit, made by the real pipeline, and a real web server over it.

:func:`build_history` serves pages on a :class:`~tests.server.LocalServer`
and checks them three times with :func:`monitor.pipeline.check_all`:

* ``ps-international-efforts``: the seed page, which cites two statements
  (child watches); v2 removes the European Union from the G7 group and
  raises the endorsing companies from 19 to 21, v3 to 25;
* ``evil``: a hostile page. Its text holds ``<script>``, ``{{ 7*7 }}``,
  formula-like sentences and a ``javascript:`` link; its markup runs a script
  that marks ``window.top`` and loads a tracker image from the local server
  (so any escape from the sandbox shows as a request). v2 and v3 change its
  figure and members.

:func:`serving` runs :func:`monitor.webui.app.create_app` under uvicorn on
127.0.0.1 (a real server), as ``factwatch web`` does.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from pydantic import SecretStr

from monitor.dispatch import check_once
from monitor.settings import (
    FetchSettings,
    FollowSettings,
    SchedulerSettings,
    Settings,
    WatchSettings,
    WebSettings,
)
from monitor.web import WebServer
from store.repo import Store
from tests.corpus.pdfmake import make_pdf
from tests.pages import LINKS, SEED_URL_PATH, seed_html, seed_text
from tests.server import LocalServer

SEED = "ps-international-efforts"
EVIL = "evil"
HOSTILE = "<script>alert(1)</script> {{ 7*7 }} <img src=x onerror=alert(2)>"
FORMULA = '=HYPERLINK("http://evil.invalid/","x")'
TOKEN = "correct-horse-battery-staple-42"
PDF_PATH, HTML_PATH = LINKS.values()
FIVE_COUNTRY = (
    "<html><head><title>Five Country Ministerial statement</title></head><body><main>"
    "<h1>Statement on the Second Anniversary</h1><p>In March 2022, the Five Country "
    "Ministerial marked two years of the Voluntary Principles; a total of 19 companies "
    "have endorsed them.</p></main></body></html>"
)
G7_PDF = [
    [
        "# G7 Interior and Security Ministers' Statement",
        "Eltville am Rhein, November 18, 2022",
        "",
        "Ministers of Canada, France, Germany, Italy, Japan, the United Kingdom and the",
        "United States met with the European Union in Eltville am Rhein.",
    ]
]
SEED_EDITS = {
    2: [("the United Kingdom and the European Union.", "and the United Kingdom."),
        ("a total of 19 companies", "a total of 21 companies")],
    3: [("the United Kingdom and the European Union.", "and the United Kingdom."),
        ("a total of 19 companies", "a total of 25 companies")],
}  # fmt: skip
EVIL_VERSIONS = {1: ("29.4", True), 2: ("32", False), 3: ("35.5", False)}


def evil_page(version: int, tracker: str) -> str:
    """The hostile page, version 1, 2 or 3 (the reports figure and the members change)."""
    amount, with_eu = EVIL_VERSIONS[version]
    text = html.escape(HOSTILE)
    members = "Canada, France, Germany" + (", European Union" if with_eu else "") + " and Japan"
    return f"""<!DOCTYPE html>
<html><head><title>Evil {text} page</title>
<script>window.top.FACTWATCH_PWNED = 1; document.title = "PWNED";</script>
<link rel="stylesheet" href="{tracker}?css">
</head><body><main>
<h1>Evil {text} page</h1>
<h2>Section {text}</h2>
<p>The {text} Working Group members are {members}.</p>
<p>In 2021, the agency received {amount} million reports of {html.escape(FORMULA)} {text}.</p>
<p>=1+2 The Principles were launched in March 2020 by @SUM(A1) people.</p>
<p>+cmd|' /C calc'!A0 companies: a total of 19 companies have endorsed the -Principles.</p>
<p><a href="javascript:alert(3)">javascript:alert(3) click here</a></p>
<img src="{tracker}?img" alt="">
<script>fetch("{tracker}?fetch");</script>
</main></body></html>"""


def seed_page(version: int) -> str:
    """The seed page, version 1, 2 or 3."""
    text = seed_text()
    for old, new in SEED_EDITS.get(version, []):
        assert old in text, old
        text = text.replace(old, new)
    return seed_html(text)


def history_settings(database: str, server: LocalServer, token: str | None = None) -> Settings:
    """The configuration of the two watches (loopback allowed, quick timeouts)."""
    fetch = FetchSettings(allow_private_networks=True, connect_timeout=2, read_timeout=5)
    watches = (
        WatchSettings(
            name=SEED,
            url=server.url(SEED_URL_PATH),
            follow=(FollowSettings(link_text="(?i)statement"),),
        ),
        WatchSettings(name=EVIL, url=server.url("/evil.html")),
    )
    web = WebSettings(token=SecretStr(token) if token else None, page_size=20)
    scheduler = SchedulerSettings(politeness_delay=0, parse_processes=0)
    return Settings(database=database, fetch=fetch, scheduler=scheduler, watches=watches, web=web)


def serve_version(server: LocalServer, version: int) -> None:
    """Make ``server`` answer with version ``version`` of every page."""
    server.route(SEED_URL_PATH, seed_page(version))
    server.route(
        PDF_PATH, make_pdf(G7_PDF, title="G7"), headers={"Content-Type": "application/pdf"}
    )
    server.route(HTML_PATH, FIVE_COUNTRY)
    server.route("/evil.html", evil_page(version, server.url("/tracker")))
    server.route("/tracker", b"", headers={"Content-Type": "image/png"})


def build_history(store: Store, server: LocalServer) -> Settings:
    """Check every page three times (versions 1, 2, 3); the settings used."""
    settings = history_settings(str(store.engine.url), server)
    for version in (1, 2, 3):
        serve_version(server, version)
        check_once(store, settings, settings.watches)
    return settings


def tracker_hits(server: LocalServer) -> list[str]:
    """Requests that reached the tracker: proof that stored markup ran or loaded."""
    return [r.path for r in server.requests if r.path.startswith("/tracker")]


@dataclass
class Site:
    """A running web UI: its base URL and an HTTP client for it."""

    url: str
    client: httpx.Client

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return self.client.get(self.url + path, **kwargs)  # type: ignore[arg-type]


@contextmanager
def serving(store: Store, settings: Settings, **app_options: object) -> Iterator[Site]:
    """The web application over ``store`` on a real server at 127.0.0.1 (a free port)."""
    from monitor.webui.app import create_app

    app = create_app(store, lambda: settings, **app_options)  # type: ignore[arg-type]
    server = WebServer(app, "127.0.0.1", 0).start()
    assert server.wait_started(), "the web server did not start"
    try:
        with httpx.Client(timeout=30, trust_env=False) as client:
            yield Site(server.url, client)
    finally:
        server.stop()


@contextmanager
def database(kind: str, folder: Path) -> Iterator[str]:
    """A fresh database URL: SQLite in ``folder``, or a PostgreSQL scratch schema."""
    from tests.conftest import _postgres_schema_url

    if kind == "sqlite":
        yield f"sqlite:///{folder}/factwatch.db"
        return
    urls = _postgres_schema_url()
    try:
        yield next(urls)
    finally:
        urls.close()
