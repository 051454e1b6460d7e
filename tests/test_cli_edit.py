"""``factwatch init``, ``add`` and ``remove`` through the real command: the file is
edited in place, its comments kept, and nothing that would not load is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from monitor.cli import cli
from monitor.settings import load_settings

CONFIG = """\
# Our team's watches. Ask Dana before changing the schedule.
database: sqlite:///data/factwatch.db   # kept beside the service

scheduler:
  every: 6h          # the default interval

watches:
  # Public Safety Canada, the seed page
  - name: ps-international-efforts
    url: https://www.publicsafety.gc.ca/cnt/cntrng-crm/chld-sxl-xplttn-ntrnt/ntrntnl-ffrts-en.aspx
    follow:
      - link_text: "(?i)statement"   # the statements it cites
  - name: arctic
    url: https://example.org/arctic.html   # to be removed
"""


def run(path: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--config", str(path), *args])


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "factwatch.yaml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _comments(text: str) -> list[str]:
    return [line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line]


def test_init_writes_a_commented_starter_that_loads(tmp_path: Path) -> None:
    path = tmp_path / "factwatch.yaml"
    result = run(path, "init")
    assert result.exit_code == 0 and "factwatch add URL" in result.stdout
    loaded = load_settings(path, env={})
    assert loaded.settings.watches == () and len(_comments(path.read_text())) >= 10
    again = run(path, "init")
    assert again.exit_code == 2 and "exists already; --force overwrites it" in again.stderr
    path.write_text("watches: []\n")
    assert run(path, "init", "--force").exit_code == 0 and "# factwatch" in path.read_text()


def test_add_keeps_comments_and_the_new_watch_loads(config: Path) -> None:
    result = run(
        config, "add", "https://example.org/reports/annual-2026.html", "--every", "12h",
        "--select", "main article",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Added watch 'annual-2026'" in result.stdout
    text = config.read_text()
    assert _comments(text) == _comments(CONFIG) and text.startswith(CONFIG)
    watch = load_settings(config, env={}).settings.watch("annual-2026")
    assert watch is not None
    assert (watch.url, watch.every, watch.select) == (
        "https://example.org/reports/annual-2026.html",
        12 * 3600.0,
        "main article",
    )
    assert text.endswith(
        "  - name: annual-2026\n    url: https://example.org/reports/annual-2026.html\n"
        "    every: 12h\n    select: main article\n"
    )


def test_add_to_the_starter_then_check_status(tmp_path: Path) -> None:
    path = tmp_path / "factwatch.yaml"
    run(path, "init")
    path.write_text(path.read_text().replace("data/factwatch.db", f"{tmp_path}/fw.db"))
    assert run(path, "add", "https://example.org/", "--name", "home").exit_code == 0
    status = run(path, "status")
    assert status.exit_code == 0 and "home" in status.stdout and "never checked" in status.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(
            ["https://example.org/x", "--select", "main >>> p["],
            "Invalid value for --select: invalid CSS selector 'main >>> p['",
            id="bad-selector",
        ),
        pytest.param(
            ["https://example.org/x", "--every", "soon"],
            "Invalid value for --every: 'soon' is not a duration",
            id="bad-interval",
        ),
        pytest.param(["ftp://example.org/x"], "Invalid value for --url", id="bad-url"),
        pytest.param(
            ["https://example.org/x", "--name", "arctic"],
            "a watch named 'arctic' exists already",
            id="name-taken",
        ),
        pytest.param(
            ["https://example.org/x", "--name", "Bad Name"],
            "Invalid value for --name",
            id="bad-name",
        ),
    ],
)
def test_add_refuses_what_would_not_load_and_leaves_the_file(
    config: Path, args: list[str], message: str
) -> None:
    result = run(config, "add", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert config.read_text() == CONFIG


def test_add_refuses_when_the_rest_of_the_file_does_not_load(config: Path) -> None:
    config.write_text(CONFIG.replace("every: 6h", "every: often"))
    result = run(config, "add", "https://example.org/x")
    assert result.exit_code == 2
    assert "left unchanged; the result would not load" in result.stderr
    assert f"{config}:5: scheduler.every: 'often' is not a duration" in result.stderr
    assert config.read_text() == CONFIG.replace("every: 6h", "every: often")


def test_remove_keeps_comments_and_drops_the_watch(config: Path) -> None:
    result = run(config, "remove", "arctic")
    assert result.exit_code == 0 and "history stays in the database" in result.stdout
    assert [w.name for w in load_settings(config, env={}).settings.watches] == [
        "ps-international-efforts"
    ]
    assert _comments(config.read_text()) == [c for c in _comments(CONFIG) if c != "to be removed"]
    missing = run(config, "remove", "arctic")
    assert missing.exit_code == 2 and "no watch named 'arctic'" in missing.stderr


def test_add_without_a_file_says_to_init(tmp_path: Path) -> None:
    result = run(tmp_path / "factwatch.yaml", "add", "https://example.org/")
    assert result.exit_code == 2 and "run `factwatch init` first" in result.stderr
