"""``factwatch alerts``, ``alerts retry`` and ``alerts test``, end to end.

Each test writes a config with two channels, ``team-mail`` (a real aiosmtpd
server) and ``team-hook`` (a webhook receiver on the local HTTP server, which
also serves the watched page), and drives the command line on SQLite and on
PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from tests.alerts_support import FAST, MailServer, Receiver, mail_server, receiver
from tests.pages import SEED_URL_PATH, seed_html, seed_text
from tests.server import LocalServer

WATCH = "ps-international-efforts"
HTTP_ANSWER = tuple[int, dict[str, str], bytes]


@dataclass
class Site:
    """A config file, its mail server and its HTTP server (page and webhook)."""

    config: Path
    mail: MailServer
    server: LocalServer

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """``factwatch --config CONFIG ARGS...``."""
        return CliRunner().invoke(
            cli, ["--config", str(self.config), *args], env=env, catch_exceptions=False
        )

    def hook(self, *answers: HTTP_ANSWER) -> Receiver:
        """Script the webhook's answers (then 200)."""
        return receiver(self.server, "/hook", *answers)

    def alerts(self, *args: str) -> list[dict[str, Any]]:
        """``factwatch alerts --json`` as data."""
        found: list[dict[str, Any]] = json.loads(self.run("alerts", "--json", *args).stdout)
        return found

    def check_with_a_change(self) -> Result:
        """A baseline check, then one that finds the figure 19 -> 21 companies."""
        assert self.run("check", WATCH).exit_code == 0
        changed = seed_text().replace("19 companies", "21 companies")
        self.server.route(SEED_URL_PATH, seed_html(changed))
        return self.run("check", WATCH)


def write_config(path: Path, database: str, server: LocalServer, mail: MailServer) -> Path:
    """The YAML a user would write (as JSON, which YAML reads as well)."""
    data = {
        "database": database,
        "fetch": {"allow_private_networks": True, "read_timeout": 2},
        "delivery": {**FAST, "flush_timeout": 0, "max_attempts": 3},
        "alerts": [
            {
                "name": "team-mail",
                "email": {
                    "host": "127.0.0.1",
                    "port": mail.port,
                    "from": "factwatch@example.org",
                    "to": ["policy@example.org"],
                    "timeout": 2,
                    "allow_private_networks": True,
                },
            },
            {
                "name": "team-hook",
                "webhook": {
                    "url": server.url("/hook"),
                    "secret": "k3y",
                    "allow_private_networks": True,
                },
            },
        ],
        "watches": [{"name": WATCH, "url": server.url(SEED_URL_PATH)}],
        "scheduler": {"parse_processes": 0},
    }
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


@pytest.fixture
def site(tmp_path: Path, database_url: str, server: LocalServer) -> Iterator[Site]:
    server.route(SEED_URL_PATH, seed_html())
    with mail_server() as mail:
        config = write_config(tmp_path / "factwatch.yaml", database_url, server, mail)
        yield Site(config, mail, server)


def _table_rows(stdout: str) -> dict[str, list[str]]:
    """``alerts`` table rows by channel: ID, STATUS, CHANNEL, KIND, WATCH, TRIES."""
    lines = stdout.splitlines()[3:]  # the counts, the header and its rule
    return {cells[2]: cells[:6] for cells in (line.split() for line in lines)}


def test_check_sends_its_alerts_and_a_later_check_the_pending_one(site: Site) -> None:
    hook = site.hook((500, {}, b"oops"))
    assert site.run("alerts").stdout == "0 pending, 0 sent, 0 dead\n"
    result = site.check_with_a_change()
    assert result.exit_code == 0
    assert "alerts: 1 sent, 1 retrying, 0 dead" in result.stderr
    listed = {a["channel"]: a for a in site.alerts()}
    assert {c: (a["status"], a["attempts"]) for c, a in listed.items()} == {
        "team-mail": ("sent", 1),
        "team-hook": ("pending", 1),
    }
    assert listed["team-hook"]["last_error"] == "HTTP 500: oops"
    assert listed["team-hook"]["next_attempt_at"] and not listed["team-hook"]["sent_at"]
    assert listed["team-mail"]["sent_at"] and listed["team-mail"]["next_attempt_at"] is None
    table = site.run("alerts").stdout
    assert table.startswith("1 pending, 1 sent, 0 dead\n")
    assert _table_rows(table) == {
        "team-hook": [
            str(listed["team-hook"]["id"]),
            "pending",
            "team-hook",
            "changes",
            WATCH,
            "1",
        ],
        "team-mail": [str(listed["team-mail"]["id"]), "sent", "team-mail", "changes", WATCH, "1"],
    }
    waiting = {"FACTWATCH_DELIVERY__FLUSH_TIMEOUT": "5"}  # wait out the retry's backoff
    assert site.run("check", WATCH, env=waiting).exit_code == 0
    assert [(a["channel"], a["status"], a["attempts"]) for a in site.alerts()] == [
        ("team-hook", "sent", 2),
        ("team-mail", "sent", 1),
    ]
    [event] = json.loads(site.run("changes", "--json").stdout)
    [message] = site.mail.received
    assert message["Subject"].endswith(": 1 change")
    assert event["summary"] in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert [b["events"][0]["summary"] for b in hook.bodies] == [event["summary"]]
    assert hook.headers[0]["X-Factwatch-Idempotency-Key"] == listed["team-hook"]["key"]


DEAD_CASES = {
    "email-550": ("team-mail", "SMTP 550"),
    "webhook-404": ("team-hook", "HTTP 404"),
}


@pytest.mark.parametrize(("channel", "error"), DEAD_CASES.values(), ids=DEAD_CASES.keys())
def test_retry_requeues_a_dead_alert_and_delivers_it(site: Site, channel: str, error: str) -> None:
    if channel == "team-mail":
        site.mail.answer("550 5.1.1 mailbox unavailable")
    hook = site.hook((404, {}, b"no_service")) if channel == "team-hook" else site.hook()
    checked = site.check_with_a_change()
    assert checked.exit_code == 1  # the pages were fine, an alert of this run is dead
    assert "1 alert(s) could not be delivered and are dead" in checked.stderr
    [dead] = site.alerts("--status", "dead")
    assert (dead["channel"], dead["attempts"]) == (channel, 1)
    assert dead["last_error"].startswith(error)
    retried = site.run("alerts", "retry", str(dead["id"]))
    assert (retried.exit_code, retried.stdout) == (
        0,
        f"requeued 1 alert(s) [{dead['id']}]\nalerts: 1 sent, 0 retrying, 0 dead\n",
    )
    assert {(a["channel"], a["status"], a["attempts"]) for a in site.alerts()} == {
        ("team-mail", "sent", 1),
        ("team-hook", "sent", 1),
    }
    assert len(site.mail.received) == 1 and len(hook.bodies) == 1
    again = site.run("alerts", "retry", str(dead["id"]))
    assert (again.exit_code, again.stderr) == (1, f"not dead or unknown: [{dead['id']}]\n")


TEST_CASES: dict[str, tuple[Any, ...]] = {
    "one-channel": (("team-mail",), (), 0, "team-mail: sent\n", 1, 0),
    "every-channel": ((), (), 0, "team-mail: sent\nteam-hook: sent\n", 1, 1),
    "failing-channel": (
        ("team-hook",),
        ((404, {}, b"gone"),),
        1,
        "team-hook: FAILED: HTTP 404: gone\n",
        0,
        0,
    ),
}


@pytest.mark.parametrize(
    ("args", "answers", "code", "stdout", "mails", "posts"),
    TEST_CASES.values(),
    ids=TEST_CASES.keys(),
)
def test_alerts_test_sends_a_test_message(
    site: Site,
    args: tuple[str, ...],
    answers: tuple[HTTP_ANSWER, ...],
    code: int,
    stdout: str,
    mails: int,
    posts: int,
) -> None:
    hook = site.hook(*answers)
    result = site.run("alerts", "test", *args)
    assert (result.exit_code, result.stdout) == (code, stdout)
    assert (len(site.mail.received), len(hook.bodies)) == (mails, posts)
    if mails:
        assert site.mail.received[0]["Subject"] == "[factwatch] factwatch: test message"
    if posts:
        assert hook.bodies[0]["kind"] == "test"
    assert {a["kind"] for a in site.alerts()} == {"test"}


def test_alerts_test_unknown_channel_is_a_usage_error(site: Site) -> None:
    result = site.run("alerts", "test", "nope")
    assert result.exit_code == 2
    assert "no alert channel named nope (have: team-mail, team-hook)" in result.stderr
    assert site.alerts() == [] and site.mail.received == []
