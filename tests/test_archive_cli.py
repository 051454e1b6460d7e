"""``factwatch verify``, ``export-warc`` and ``import-warc`` from the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import create_engine, text

from monitor.cli import cli
from tests.pages import SEED_URL_PATH, seed_html
from tests.server import LocalServer

NAME = "ps-international-efforts"
HEAD = re.compile(rf"^{NAME} v(\d+) \S+Z ([0-9a-f]{{64}})$")


def write_config(folder: Path, url: str, database: str) -> Path:
    path = folder / f"{database.rsplit('/', 1)[-1]}.yaml"
    path.write_text(
        f"database: {database}\n"
        "fetch:\n  allow_private_networks: true\n"
        f"watches:\n  - name: {NAME}\n    url: {url}\n"
    )
    return path


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


@pytest.fixture
def watched(tmp_path: Path, server: LocalServer) -> Path:
    """A configuration whose watch has two versions."""
    config = write_config(tmp_path, server.url(SEED_URL_PATH), f"sqlite:///{tmp_path}/fw.db")
    server.route(SEED_URL_PATH, seed_html())
    invoke(config, "check")
    server.route(SEED_URL_PATH, seed_html().replace("a total of 19", "a total of 21"))
    invoke(config, "check")
    return config


def test_verify_reports_intact_chains_and_exits_0(watched: Path) -> None:
    result = invoke(watched, "verify")
    assert result.exit_code == 0, result.output
    assert re.search(rf"{NAME}\s+2\s+v2 [0-9a-f]{{16}}\s+ok", result.stdout)
    assert "All 1 watch verified: 2 versions, chains intact." in result.stdout
    report = json.loads(invoke(watched, "verify", "--json").stdout)
    assert report["ok"] is True and report["watches"][0]["head_version"] == 2


def test_a_published_head_is_checked_later(watched: Path) -> None:
    printed = invoke(watched, "verify", "--head", NAME)
    match = HEAD.match(printed.stdout.strip())
    assert printed.exit_code == 0 and match and match.group(1) == "2", printed.stdout
    head = match.group(2)
    expected = invoke(watched, "verify", NAME, "--expect", head)
    assert expected.exit_code == 0 and "ok (expected head is v2)" in expected.stdout
    unknown = invoke(watched, "verify", NAME, "--expect", "0" * 64)
    assert unknown.exit_code == 1 and "BROKEN at v2 (head)" in unknown.stdout
    assert invoke(watched, "verify", NAME, "--expect", "xyz").exit_code == 2
    assert invoke(watched, "verify", "--head").exit_code == 2


def test_verify_exits_1_and_names_the_break(watched: Path, tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path}/fw.db")
    with engine.begin() as conn:
        conn.execute(text("UPDATE versions SET url = 'https://elsewhere.example/' WHERE seq = 1"))
    engine.dispose()
    result = invoke(watched, "verify")
    assert result.exit_code == 1
    assert "BROKEN at v1 (fields)" in result.stdout and "1 of 1 watches BROKEN" in result.stdout
    head = invoke(watched, "verify", "--head", NAME)
    assert head.exit_code == 1 and head.stdout == "" and "no head printed" in head.stderr


def test_export_then_import_with_the_cli(
    watched: Path, tmp_path: Path, server: LocalServer
) -> None:
    archive = tmp_path / "out.warc.gz"
    exported = invoke(watched, "export-warc", "-o", str(archive))
    assert exported.exit_code == 0, exported.output
    assert re.search(r"Wrote .*out\.warc\.gz: 2 versions of 1 watch, 5 records", exported.stdout)
    other = write_config(tmp_path, server.url(SEED_URL_PATH), f"sqlite:///{tmp_path}/other.db")
    imported = invoke(other, "import-warc", str(archive), "--watch", NAME)
    assert imported.exit_code == 0, imported.output
    assert "Read out.warc.gz: 5 records, 2 captures of" in imported.stdout
    assert (
        "Recorded 2 checks of ps-international-efforts as backfill (never alerted): versions v1-v2, 1 change event,"
        in imported.stdout
    )
    assert (
        invoke(other, "verify", "--head", NAME).stdout
        == invoke(watched, "verify", "--head", NAME).stdout
    )
    [event] = json.loads(invoke(other, "changes", "--json").stdout)
    assert event["origin"] == "backfill" and "19 -> 21" in event["summary"]
    assert "(backfill)" in invoke(other, "changes").stdout
    again = json.loads(invoke(other, "import-warc", str(archive), "--watch", NAME, "--json").stdout)
    assert again["versions"] == [] and again["skipped"] == {
        "not newer than the latest stored version": 2
    }


def test_a_hostile_file_is_a_clear_error(watched: Path, tmp_path: Path) -> None:
    archive = tmp_path / "bad.warc.gz"
    archive.write_bytes(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\nshort")
    result = invoke(watched, "import-warc", str(archive), "--watch", NAME)
    assert result.exit_code == 1
    assert result.stderr.startswith("factwatch: ") and "nothing imported" in result.stderr


def test_import_into_an_unknown_watch(watched: Path, tmp_path: Path) -> None:
    archive = tmp_path / "out.warc.gz"
    invoke(watched, "export-warc", "-o", str(archive))
    result = invoke(watched, "import-warc", str(archive), "--watch", "nope")
    assert result.exit_code == 2 and "no watch named 'nope'" in result.stderr
