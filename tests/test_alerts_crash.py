"""Crash tests: ``factwatch check`` SIGKILLed at named points, then run again.

Each run is a real subprocess against a real page server, SMTP server and
database (SQLite and PostgreSQL). After the restart every alert must have
been delivered; exactly once, except when the crash fell between the SMTP
server's acceptance and our mark, where the duplicate carries the same
Message-ID.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import outbox
from store.repo import Store
from tests.alerts_support import MailServer, mail_server
from tests.pages import SEED_URL_PATH, seed_html, seed_text
from tests.server import LocalServer

ROOT = Path(__file__).resolve().parent.parent
POINTS = {
    "after-commit": 1,  # committed, nothing sent: delivered once after restart
    "after-claim": 1,  # claimed, nothing sent: the lease expires, delivered once
    "after-send": 2,  # accepted, not marked: one duplicate with the same Message-ID
    "before-mark": 2,  # same window, seen from the store's side
    "after-mark": 1,  # marked: nothing left to do
}


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with mail_server() as started:
        yield started


def _config(tmp_path: Path, database: str, page: str, mail: MailServer) -> Path:
    config = {
        "database": database,
        "fetch": {"allow_private_networks": True, "connect_timeout": 2, "read_timeout": 2},
        "scheduler": {"parse_processes": 0},
        "alerts": [
            {
                "name": "team-mail",
                "email": {
                    "host": "127.0.0.1",
                    "port": mail.port,
                    "from": "factwatch@example.org",
                    "to": ["policy@example.org"],
                    "timeout": 5,
                    "allow_private_networks": True,
                },
            }
        ],
        "delivery": {"lease": 1, "flush_timeout": 10, "backoff_base": 0.1, "backoff_cap": 1},
        "watches": [{"name": "ps-international-efforts", "url": page}],
    }
    path = tmp_path / "factwatch.yaml"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path


def _run(config: Path, point: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTWATCH_")}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-m", "tests.alerts_crash_child", str(config), point],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode in (0, -signal.SIGKILL), done.stderr.decode()
    return done.returncode


@pytest.mark.parametrize(("point", "copies"), POINTS.items(), ids=POINTS.keys())
def test_crash_then_restart_delivers(
    point: str,
    copies: int,
    tmp_path: Path,
    database_url: str,
    server: LocalServer,
    mail: MailServer,
) -> None:
    server.route(SEED_URL_PATH, seed_html())
    config = _config(tmp_path, database_url, server.url(SEED_URL_PATH), mail)
    assert _run(config, "none") == 0  # the baseline: no alert
    assert mail.received == []
    edited = seed_text().replace("a total of 19 companies", "a total of 21 companies")
    server.route(SEED_URL_PATH, seed_html(edited))
    assert _run(config, point) == -signal.SIGKILL
    assert _run(config, "none") == 0
    ids = Counter(m["Message-ID"] for m in mail.received)
    assert list(ids.values()) == [copies], ids
    store = Store.open(database_url)
    try:
        [row] = outbox.rows(store)
    finally:
        store.close()
    assert row.status == "sent" and next(iter(ids)) == f"<{row.key}@example.org>"
    assert "19 -> 21" in mail.received[0]["Subject"] + str(mail.received[0].get_body(("plain",)))
