"""The command line, end to end against a local page server and a real database."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from monitor.cli import COMMANDS, cli
from tests.pages import SEED_URL_PATH, seed_html, seed_text
from tests.server import LocalServer


def write_config(folder: Path, server: LocalServer, database: str | None = None) -> Path:
    path = folder / "factwatch.yaml"
    path.write_text(
        f"database: {database or f'sqlite:///{folder}/fw.db'}\n"
        "fetch:\n  allow_private_networks: true\n  read_timeout: 2\n"
        "scheduler:\n  parse_processes: 0\n"
        "watches:\n"
        f"  - name: ps-international-efforts\n    url: {server.url(SEED_URL_PATH)}\n"
        f"  - name: broken\n    url: {server.url('/missing')}\n"
    )
    return path


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


@pytest.fixture
def config(tmp_path: Path, server: LocalServer) -> Path:
    server.route(SEED_URL_PATH, seed_html())
    return write_config(tmp_path, server)


def test_check_exits_1_when_a_watch_fails_and_stores_the_others(config: Path) -> None:
    result = invoke(config, "check")
    assert result.exit_code == 1
    assert "ps-international-efforts  first version stored (v1)" in result.stdout
    assert "broken                    FAILED (http-status): HTTP 404" in result.stdout
    assert invoke(config, "check", "ps-international-efforts").exit_code == 0


def test_check_json_and_progress(config: Path) -> None:
    result = invoke(config, "check", "--json")
    data = json.loads(result.stdout)
    assert [(d["watch"], d["outcome"]) for d in data] == [
        ("ps-international-efforts", "baseline"),
        ("broken", "failed"),
    ]
    assert "[2/2]" in invoke(config, "check").stderr


def test_changes_json_contract(config: Path, server: LocalServer) -> None:
    invoke(config, "check", "ps-international-efforts")
    server.route(SEED_URL_PATH, seed_html(seed_text().replace("19 companies", "21 companies")))
    invoke(config, "check", "ps-international-efforts")
    [event] = json.loads(invoke(config, "changes", "--json").stdout)
    assert {
        k: event[k] for k in ("id", "watch", "kind", "change", "version_before", "version_after")
    } == {
        "id": event["id"],
        "watch": "ps-international-efforts",
        "kind": "figure",
        "change": "changed",
        "version_before": 1,
        "version_after": 2,
    }
    assert event["before"]["amount"] == 19 and event["after"]["amount"] == 21
    assert set(event["before"]) >= {"amount", "qualifier", "unit"}
    assert event["url"].endswith(SEED_URL_PATH) and event["detected_at"].endswith("Z")
    assert "21 companies" in event["evidence_after"]
    assert (event["added"], event["removed"]) == ([], [])
    table = invoke(config, "changes").stdout
    assert "19 -> 21" in table and "DETECTED" in table
    assert json.loads(invoke(config, "changes", "--json", "--since", "2999-01-01").stdout) == []


def test_facts_history_show_diff(config: Path, server: LocalServer) -> None:
    invoke(config, "check", "ps-international-efforts")
    facts = json.loads(invoke(config, "facts", "ps-international-efforts", "--json").stdout)
    g7 = next(f for f in facts if f["kind"] == "membership" and "G7" in f["subject"])
    assert "European Union" in g7["members"] and "Members include Canada" in g7["evidence"]
    time.sleep(1.1)  # `--at` is inclusive to the second: keep the versions a second apart
    server.route(SEED_URL_PATH, seed_html(seed_text().replace("In March 2020", "In April 2020")))
    invoke(config, "check", "ps-international-efforts")
    history = json.loads(invoke(config, "history", "ps-international-efforts", "--json").stdout)
    first = json.loads(
        invoke(config, "facts", "ps-international-efforts", "--version", "1", "--json").stdout
    )
    assert any(f.get("date") == "2020-03" for f in first)
    assert not any(f.get("date") == "2020-04" for f in first)
    assert [v["version"] for v in history["versions"]] == [1, 2]
    first_time = history["versions"][0]["stored_at"].replace(" ", "T")
    shown = invoke(config, "show", "ps-international-efforts", "--at", first_time).stdout
    assert "In March 2020" in shown and "Skip to main content" not in shown
    assert "In April 2020" in invoke(config, "show", "ps-international-efforts").stdout
    diff = invoke(config, "diff", "ps-international-efforts").stdout
    assert "2020-03 -> 2020-04" in diff and "+In April 2020" in diff


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["facts", "nope"], "no watch named 'nope'", id="unknown-watch"),
        pytest.param(["check", "nope"], "no watch named nope", id="unknown-watch-check"),
        pytest.param(["changes", "--since", "yesterday"], "not an ISO 8601 time", id="bad-time"),
    ],
)
def test_usage_errors_exit_2(config: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config), *args])
    assert result.exit_code == 2 and message in result.stderr


def test_config_error_exits_2_with_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("watches:\n  - name: a\n    url: https://example.org\n    colour: red\n")
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "--config", str(bad), "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert f"{bad}:4: watches.0.colour: unknown key" in result.stderr


def test_demo_shows_facts_and_changes(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["demo", "--keep", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0
    assert "European Union removed (8 -> 7 members)" in result.stdout
    assert "19 -> 21" in result.stdout and "2022-10 -> 2022-11" in result.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_command_list_shows_each_commands_own_first_help_line(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None and command.help is not None
    assert COMMANDS[name][2] == command.help.strip().splitlines()[0]


def test_help_loads_no_command_module() -> None:
    code = (
        "import sys; from click.testing import CliRunner; from monitor.cli import cli; "
        "CliRunner().invoke(cli, ['--help']); "
        "print(sorted(m for m in sys.modules if m.startswith(('monitor.cli.', 'sqlalchemy', "
        "'httpx', 'pydantic'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['monitor.cli.common']"


@pytest.mark.parametrize(
    ("page", "region"),
    [
        ("main-holds-only-title.html", "fallback"),
        ("canada-news-release-en.html", "main"),
    ],
    ids=["text-beside-an-empty-main", "main-landmark"],
)
def test_facts_explain_says_where_the_main_content_was_read(
    tmp_path: Path, server: LocalServer, page: str, region: str
) -> None:
    body = (Path(__file__).parent / "corpus" / "pages" / page).read_bytes()
    server.route(SEED_URL_PATH, body, headers={"Content-Type": "text/html; charset=utf-8"})
    config = write_config(tmp_path, server)
    invoke(config, "check", "ps-international-efforts")
    lines = invoke(config, "facts", "ps-international-efforts", "--explain").output.splitlines()
    where = next(line for line in lines if line.startswith("main content read from: "))
    assert region in where
