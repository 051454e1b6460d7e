"""Terminal escapes in page text never reach a terminal or a plain-text mail."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from alerts import render
from model.changes import Change, change_to_dict
from model.printable import printable
from monitor.cli import cli
from tests.hostile import server as hs
from tests.hostile.server import HostileServer
from tests.pages import canada_page

RETITLE = "\x1b]0;owned\x07"
MEMBERS = "Australia, Canada\x1b[31m, New Zealand, the United Kingdom and the United States"


def _page(members: str) -> str:
    return canada_page(
        f"<h1>Fund {RETITLE}</h1><p>Since then, 19 companies\x1b[2J have endorsed it.</p>"
        f"<p>The Five Country Ministerial is made up of {members}.</p>"
    )


@pytest.fixture
def config(tmp_path: Path, hostile: HostileServer) -> Path:
    hostile.route("/fcm", hs.page(_page(MEMBERS)))
    path = tmp_path / "factwatch.yaml"
    path.write_text(
        f"database: sqlite:///{tmp_path}/fw.db\n"
        "fetch: {allow_private_networks: true, read_timeout: 5}\n"
        f"watches:\n  - name: fcm\n    url: {hostile.url('/fcm')}\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    assert runner.invoke(cli, ["-c", str(path), "check", "-q"]).exit_code == 0
    hostile.route("/fcm", hs.page(_page(MEMBERS.replace("Canada\x1b[31m, ", ""))))
    return path


@pytest.mark.parametrize(
    ("args", "visible"),
    [
        (["check"], "Canada"),
        (["facts", "fcm", "--version", "1"], "Canada"),
        (["facts", "fcm", "--version", "1", "--explain"], "Canada"),
        (["changes"], "Canada"),
        (["show", "fcm", "--version", "1"], "Canada"),
        (["history", "fcm"], "Fund"),
        (["status"], "fcm"),
        (["diff", "fcm"], "Canada"),
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else v,
)
def test_no_escape_reaches_the_terminal(config: Path, args: list[str], visible: str) -> None:
    if args != ["check"]:
        CliRunner().invoke(cli, ["-c", str(config), "check", "-q"])
    result = CliRunner().invoke(cli, ["-c", str(config), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert visible in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_plain_text_mail_holds_no_control_characters() -> None:
    change = Change(
        kind="figure",
        change="changed",
        subject=f"reports {RETITLE}",
        before={"amount": 1, "qualifier": None, "unit": "reports"},
        after={"amount": 2, "qualifier": None, "unit": "reports"},
        evidence_before="1 report\x1b[2J",
        evidence_after="2 reports\r\x1b[1A",
    )
    payload = {
        "title": f"Page {RETITLE}",
        "url": "https://example.org/",
        "events": [change_to_dict(change)],
    }
    text = render.email_text(render.content("changes", payload))
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "Page ]0;owned" in text and "2 reports" in text


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\x1b]0;t\x07b", "a]0;tb"),
        ("a\x9b31mb", "a31mb"),
        ("line\r\noverwrite", "line\noverwrite"),
        ("rtl\u202eevil\u202c", "rtlevil"),
        ("tab\tand\nbreak", "tab\tand\nbreak"),
        ("été — “ok”", "été — “ok”"),
    ],
)
def test_printable(raw: str, clean: str) -> None:
    assert printable(raw) == clean
    assert "\n" not in printable(raw, lines=False)
