"""``factwatch export``: CSV and JSON round trips, formula neutralisation, ``--since``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from monitor.export import COLUMNS, FORMULA_START, neutralise, row_json
from store import audit
from store.repo import Store
from tests.server import local_server
from tests.webui_support import EVIL, FORMULA, HOSTILE, SEED, build_history


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Store]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('export')}/factwatch.db"
    store = Store.open(url)
    with local_server() as server:
        build_history(store, server)
    try:
        yield url, store
    finally:
        store.close()


def _export(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--database", url, "export", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _unneutral(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


@pytest.mark.parametrize("watch", [SEED, EVIL])
def test_csv_round_trip(db: tuple[str, Store], watch: str) -> None:
    url, store = db
    rows = audit.fact_rows(store, watch)
    parsed = list(csv.DictReader(io.StringIO(_export(url, watch, "--format", "csv"), newline="")))
    assert list(parsed[0]) == list(COLUMNS) and len(parsed) == len(rows)
    for got, row in zip(parsed, rows, strict=True):
        want = row_json(row)
        assert got["fact_id"] == row.fact_id and int(got["version"]) == row.version
        for name in ("subject", "section", "evidence", "kind", "valid_from"):
            assert _unneutral(got[name]) == (want[name] or ""), name
        if row.kind == "figure":
            assert float(got["value"]) == row.value["amount"]  # a number, not text
        assert got["valid_to"] == (want["valid_to"] or "")


def test_formulas_are_neutralised_and_hostile_text_stays_text(db: tuple[str, Store]) -> None:
    url, _ = db
    text = _export(url, EVIL)
    cells = [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_START)]
    assert "'=1+2 The Principles were launched in March 2020 by @SUM(A1) people." in cells
    assert any(c.startswith("'+cmd|") for c in cells)
    assert any(FORMULA in c for c in cells)  # inside a sentence it cannot run
    assert any(HOSTILE in c for c in cells)  # verbatim, as text
    assert "29400000" in cells and "32000000" in cells  # amounts stay numbers


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (-5, -5),
        (29.4, 29.4),
        ("-5", "'-5"),
        ("=1+1", "'=1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("+1", "'+1"),
        ("plain = text", "plain = text"),
        (None, ""),
    ],
    ids=repr,
)
def test_neutralise(cell: object, expected: object) -> None:
    assert neutralise(cell) == expected


def test_json_round_trip_and_since(db: tuple[str, Store]) -> None:
    url, store = db
    rows = audit.fact_rows(store, SEED)
    assert json.loads(_export(url, SEED, "--format", "json")) == [row_json(r) for r in rows]
    v3 = audit.all_versions(store, SEED)[2]
    since = v3.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    later = json.loads(_export(url, SEED, "--format", "json", "--since", since))
    assert [r["version"] for r in later] == [3]
    assert later[0]["subject"] == "companies have endorsed the Principles"
    assert later[0]["value"]["amount"] == 25 and later[0]["valid_to"] is None


def test_output_file_and_unknown_watch(db: tuple[str, Store], tmp_path: Path) -> None:
    url, store = db
    target = tmp_path / "facts.csv"
    result = CliRunner().invoke(cli, ["--database", url, "export", SEED, "-o", str(target)])
    assert result.exit_code == 0 and f"{len(audit.fact_rows(store, SEED))} rows" in result.stderr
    assert target.read_bytes().startswith(b"fact_id,watch,kind,")
    missing = CliRunner().invoke(cli, ["--database", url, "export", "nope"])
    assert missing.exit_code == 2 and "no watch named 'nope'" in missing.stderr
