"""``factwatch eval``: the corpus scores as a table, as JSON, with misses; bad corpora refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from monitor.cli import cli
from parsers.evaluate import evaluate_corpus, report_json

ROOT = Path(__file__).parent.parent

PAGE = """<html lang="en"><body><main><h1>Statement on online safety</h1>
<p>Over 11 million notifications were sent to 1,000 tech companies.</p>
<p>Members include Canada, the United States and France.</p>
</main></body></html>
"""
LABELS = """facts:
  - {kind: figure, subject: "notifications sent", value: {amount: 11000000, qualifier: over}}
  - {kind: figure, subject: "tech companies", value: {amount: 1000}}
  - {kind: figure, subject: "countries", value: {amount: 100}}
"""
PAIRS = """- name: notifications-grow
  page: statement.html
  edits: [["Over 11 million", "Over 12 million"]]
  changes:
    - {kind: figure, change: changed, subject: "notifications sent", after: {amount: 12000000}}
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small corpus: one page labelled with two facts it states and one it does not."""
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "statement.html").write_text(PAGE, encoding="utf-8")
    (pages / "statement.yaml").write_text(LABELS, encoding="utf-8")
    (tmp_path / "pairs.yaml").write_text(PAIRS, encoding="utf-8")
    return tmp_path


def run(*args: str) -> Any:
    return CliRunner().invoke(cli, ["eval", *args])


def test_default_corpus_is_tests_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = run()
    assert result.exit_code == 0, result.output
    assert result.output.startswith("corpus: 14 pages, 20 before/after pairs")
    for row in ("| membership ", "| figure ", "| date ", "| all facts ", "| change events "):
        assert row in result.output
    assert "missed (" not in result.output


EXPECTED_ROWS = {
    # row -> (expected, found, matched) on the small corpus
    "figure": (3, 2, 2),
    "membership": (0, 1, 0),
    "all facts": (3, 3, 2),
    "change events": (1, 1, 1),
}


@pytest.mark.parametrize("row", EXPECTED_ROWS, ids=list(EXPECTED_ROWS))
def test_json_counts(corpus: Path, row: str) -> None:
    result = run(str(corpus), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    score = data["scores"][row]
    assert (score["expected"], score["found"], score["matched"]) == EXPECTED_ROWS[row]


def test_json_is_the_report(corpus: Path) -> None:
    data = json.loads(run(str(corpus), "--json").output)
    assert data == report_json(evaluate_corpus(corpus))
    assert data["pages"] == 1 and data["pairs"] == 1
    assert data["scores"]["figure"]["precision"] == 1.0
    assert data["scores"]["figure"]["recall"] == pytest.approx(2 / 3, abs=1e-4)


@pytest.mark.parametrize(
    ("flags", "listed"),
    [((), False), (("--show-misses",), True)],
    ids=["table-only", "show-misses"],
)
def test_show_misses(corpus: Path, flags: tuple[str, ...], listed: bool) -> None:
    result = run(str(corpus), *flags)
    assert result.exit_code == 0, result.output
    assert "| figure         |        3 |     2 |       2 |      1.00 |   0.67 |" in result.output
    assert ("missed (1):" in result.output) is listed
    assert ("statement: figure 'countries'" in result.output) is listed
    assert ("extra (1):" in result.output) is listed


BROKEN = {
    "missing-directory": lambda root: root / "absent",
    "no-pages-directory": lambda root: root,
    "unreadable-labels": lambda root: _write(root / "pages" / "x.yaml", "facts: [unclosed"),
    "label-without-page": lambda root: _write(root / "pages" / "y.yaml", "facts: []"),
}


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path.parent.parent


@pytest.mark.parametrize("make", BROKEN.values(), ids=list(BROKEN))
def test_broken_corpus_is_a_usage_error(tmp_path: Path, make: Any) -> None:
    result = run(str(make(tmp_path)))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
