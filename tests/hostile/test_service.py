"""A real ``factwatch run`` among hostile pages: each ends with a recorded reason, the rest goes on.

The hostile server runs in this process; the service is a child process that
reaches it on 127.0.0.1 (``fetch.allow_private_networks: true``, as any test
against a local server needs).
"""

from __future__ import annotations

import codecs
import json
import signal
from pathlib import Path
from typing import Any

import httpx
import yaml

from store.repo import Store
from tests.hostile import server as hs
from tests.hostile.server import HostileServer
from tests.pages import canada_page
from tests.service_support import FAST, check_times, running, wait_for

FINE = canada_page("<h1>Fund</h1><p>Since then, a total of 19 companies have endorsed it.</p>")
EVIL_PAGE = canada_page(f"<h1>Fund</h1><p>{'a' * 34}!</p><p>The fund holds 42 grants.</p>")
ESCAPES = canada_page("<h1>Fund \x1b]0;owned\x07</h1><p>The fund holds 42 grants\x1b[2J.</p>")
LYING = codecs.BOM_UTF8 + canada_page("<h1>Été</h1><p>Réunion à Montréal en 2024.</p>").encode()

# (name, behaviour, watch options, expected (outcome, reason) of its checks)
HOSTILE: list[tuple[str, hs.Behaviour, dict[str, Any], tuple[str, str | None]]] = [
    ("trickled-headers", hs.trickle_headers(interval=0.2), {}, ("failed", "timeout")),
    ("trickled-body", hs.trickle_body(interval=0.2), {}, ("failed", "timeout")),
    ("gzip-bomb", hs.gzip_bomb(30_000_000), {}, ("failed", "too-large")),
    ("endless", hs.endless(), {}, ("failed", "too-large")),
    (
        "evil-regex",
        hs.page(EVIL_PAGE),
        {"patterns": [{"name": "evil", "kind": "figure", "regex": "(?P<value>(a+)+b)"}]},
        ("changed", None),
    ),
    ("escapes", hs.page(ESCAPES), {}, ("changed", None)),
    (
        "lying-charset",
        hs.page(LYING, content_type="text/html; charset=iso-8859-1"),
        {},
        ("changed", None),
    ),
]


def _config(path: Path, database: str, hostile: HostileServer) -> Path:
    hostile.route("/fine", hs.page(FINE))
    watches = [{"name": "fine", "url": hostile.url("/fine"), "every": "1s"}]
    for name, behaviour, options, _ in HOSTILE:
        hostile.route(f"/{name}", behaviour)
        watches.append({"name": name, "url": hostile.url(f"/{name}"), "every": "2s", **options})
    data = {
        "database": database,
        "fetch": {
            "allow_private_networks": True,
            "connect_timeout": 2,
            "read_timeout": 5,
            "deadline": 1,
            "max_bytes": 2_000_000,
        },
        "scheduler": {
            **FAST,
            "concurrency": 8,
            "per_host": 8,
            "check_deadline": "20s",
            "parse_processes": 1,
        },
        "watches": watches,
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _recorded(store: Store, name: str) -> list[tuple[str, str | None]]:
    try:
        return [(c.outcome, c.reason) for c in store.checks(name)]
    except Exception:  # not created yet
        return []


def test_hostile_pages_fail_with_a_reason_and_the_service_keeps_going(
    hostile: HostileServer, tmp_path: Path
) -> None:
    database = f"sqlite:///{tmp_path}/fw.db"
    config = _config(tmp_path / "factwatch.yaml", database, hostile)
    store = Store.open(database)
    with running(config, tmp_path / "run.log", "--http", "127.0.0.1:0") as run:
        line = wait_for(
            "the http line", lambda: [ln for ln in run.text().splitlines() if '"http"' in ln]
        )
        address = json.loads(line[0])["http"]
        for name, *_ in HOSTILE:
            wait_for(f"two checks of {name}", lambda n=name: len(_recorded(store, n)) >= 2, 90)
        wait_for(
            "the fine page checked again and again", lambda: len(check_times(store, "fine")) >= 5
        )
        health = httpx.get(f"http://{address}/healthz", timeout=10)
        run.signal(signal.SIGTERM)
        assert run.wait() == 0
    assert health.status_code == 200, health.text
    for name, _, _, expected in HOSTILE:
        first = _recorded(store, name)[-1]  # newest first: the baseline is the last one
        assert first == expected, (name, _recorded(store, name))
    store.close()
