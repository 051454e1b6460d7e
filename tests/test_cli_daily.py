"""The daily commands as a user reads them, through the real ``factwatch`` command:
progress lines, link changes, status times and the JSON timestamps."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from tests.corpus.pdfmake import make_pdf
from tests.pages import LINKS, SEED_URL_PATH, seed_html, seed_text
from tests.server import LocalServer

PARENT = "ps-international-efforts"
PDF_PATH, HTML_PATH = LINKS.values()
STATEMENT = (
    "<html><head><title>Five Country Ministerial statement</title></head><body><main>"
    "<h1>Statement</h1><p>In March 2022, a total of 19 companies have endorsed them.</p>"
    "</main></body></html>"
)
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(config), *args], catch_exceptions=False)


def _serve(server: LocalServer, page: str) -> None:
    server.route(SEED_URL_PATH, page)
    server.route(
        PDF_PATH,
        make_pdf([["G7 statement", "Members include Canada."]]),
        headers={"Content-Type": "application/pdf"},
    )
    server.route(HTML_PATH, STATEMENT)
    server.route("/other", "<html><body><main><p>Members include Canada.</p></main></body></html>")


@pytest.fixture
def config(tmp_path: Path, server: LocalServer) -> Path:
    _serve(server, seed_html())
    path = tmp_path / "factwatch.yaml"
    path.write_text(
        f"database: sqlite:///{tmp_path}/fw.db\n"
        "fetch:\n  allow_private_networks: true\n  read_timeout: 5\n"
        "scheduler:\n  politeness_delay: 0\n  parse_processes: 0\n"
        "watches:\n"
        f"  - name: {PARENT}\n    url: {server.url(SEED_URL_PATH)}\n"
        "    follow:\n      - link_text: '(?i)statement'\n"
        f"  - name: other\n    url: {server.url('/other')}\n"
        "    timezone: America/Toronto\n"
        f"  - name: broken\n    url: {server.url('/missing')}\n"
    )
    return path


def test_progress_counts_the_statements_pages_cite(config: Path) -> None:
    lines = invoke(config, "check").stderr.splitlines()
    assert sorted(line.split("] ", 1)[1] for line in lines) == [
        "broken: FAILED (http-status): HTTP 404",
        "other: first version stored (v1)",
        f"{PARENT}/five-country-2022 (cited by {PARENT}): first version stored (v1)",
        f"{PARENT}/g7-interior-2022 (cited by {PARENT}): first version stored (v1)",
        f"{PARENT}: first version stored (v1)",
    ]  # nothing else on stderr: no log line beside the progress lines
    assert [line.split("]", 1)[0] for line in lines] == [f"[{i}/5" for i in range(1, 6)]


def test_link_changes_are_counted_apart_and_say_which_link(
    config: Path, server: LocalServer
) -> None:
    invoke(config, "check")
    label = "Statement on the Second Anniversary of the Launch"
    page = seed_text().replace(label, label.lower()).replace("19 companies", "21 companies")
    _serve(server, seed_html(page))
    result = invoke(config, "check", PARENT)
    assert re.search(rf"{PARENT} +new version v2: 1 fact change, 1 link change", result.stdout)
    assert f"  {PARENT}: link removed: '{label}' ({server.url(HTML_PATH)})" in result.stdout
    assert "[1/2]" in result.stderr and "[2/2]" in result.stderr


def test_status_times_are_in_each_watchs_zone_and_next_run_holds_still(config: Path) -> None:
    invoke(config, "check")
    first, second = invoke(config, "status").stdout, invoke(config, "status").stdout
    assert first == second
    data = json.loads(invoke(config, "status", "--json").stdout)
    other = next(w for w in data["watches"] if w["name"] == "other")
    assert other["timezone"] == "America/Toronto"
    row = next(line for line in first.splitlines() if line.startswith("other "))
    stamps = re.findall(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:Z|[+-]\d\d:\d\d)", row)
    assert len(stamps) == 2 and all(s.endswith(("-05:00", "-04:00")) for s in stamps)
    ps_row = next(line for line in first.splitlines() if line.startswith(f"{PARENT} "))
    assert re.search(r"\d\d:\d\d:\d\dZ .* \d\d:\d\d:\d\dZ", ps_row)


def _times(data: object) -> list[str]:
    """Every string in ``data`` that reads as a date and a time of day."""
    if isinstance(data, dict):
        return [t for v in data.values() for t in _times(v)]
    if isinstance(data, list):
        return [t for v in data for t in _times(v)]
    if isinstance(data, str) and re.match(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d", data):
        return [data]
    return []


def test_every_json_time_is_rfc3339(config: Path, server: LocalServer) -> None:
    invoke(config, "check")
    _serve(server, seed_html(seed_text().replace("19 companies", "21 companies")))
    invoke(config, "check")
    outputs = {
        args: json.loads(invoke(config, *args, "--json").stdout)
        for args in [("history", PARENT), ("changes",), ("status",), ("alerts",)]
    }
    times = {args: _times(data) for args, data in outputs.items()}
    assert len(times["history", PARENT]) >= 4 and times["changes",] and times["status",]
    assert [t for found in times.values() for t in found if not RFC3339.match(t)] == []
