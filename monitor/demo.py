"""``factwatch demo``: the whole pipeline in seconds, without network.

Two bundled versions of the seed page are served on 127.0.0.1; the second
changes a figure, removes a member and moves a date. The demo checks twice
into a temporary database and prints the facts and the changes.
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

from model.outcomes import Outcome
from monitor.dispatch import check_once
from monitor.settings import FetchSettings, Settings, WatchSettings
from store.repo import Store

PAGE_PATH = "/cnt/cntrng-crm/chld-sxl-xplttn-ntrnt/ntrntnl-ffrts-en.aspx"
WATCH = "ps-international-efforts"


def demo_page(version: int) -> bytes:
    """The bundled seed page, version 1 or 2."""
    name = f"international-efforts-v{version}.html"
    return resources.files("monitor").joinpath("demo_pages", name).read_bytes()


class _DemoServer(ThreadingHTTPServer):
    body: bytes = b""


class _Handler(BaseHTTPRequestHandler):
    server: _DemoServer

    def do_GET(self) -> None:
        if self.path != PAGE_PATH:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(self.server.body)))
        self.end_headers()
        self.wfile.write(self.server.body)

    def log_message(self, format: str, *args: object) -> None:
        return


@contextmanager
def serve_demo() -> Iterator[_DemoServer]:
    """A local server for the demo page; set ``server.body`` to switch versions."""
    server = _DemoServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def demo_settings(port: int, database: str) -> Settings:
    """Settings watching the demo page on ``port`` (loopback allowed)."""
    watch = WatchSettings(name=WATCH, url=f"http://127.0.0.1:{port}{PAGE_PATH}")
    return Settings(
        database=database, fetch=FetchSettings(allow_private_networks=True), watches=(watch,)
    )


def run_demo(workdir: Path | None = None) -> tuple[Store, list[Outcome]]:
    """Serve v1, check, serve v2, check; returns the store and both outcomes."""
    folder = workdir or Path(tempfile.mkdtemp(prefix="factwatch-demo-"))
    with serve_demo() as server:
        settings = demo_settings(server.server_address[1], f"sqlite:///{folder}/demo.db")
        store = Store.open(settings.database, snapshot_every=settings.store.snapshot_every)
        outcomes: list[Outcome] = []
        for version in (1, 2):
            server.body = demo_page(version)
            outcomes += check_once(store, settings, settings.watches)
    return store, outcomes
