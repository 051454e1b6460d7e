"""The configuration as a new user meets it, through the real ``factwatch`` command:
no file yet, a broken file, a hostile file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.server import LocalServer


def factwatch(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``factwatch ARGS`` run in ``cwd`` with no ``FACTWATCH_*`` variable set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTWATCH_")}
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_a_config_file_it_says_how_to_start_and_creates_nothing(
    tmp_path: Path,
) -> None:
    for command in ("status", "check", "run"):
        result = factwatch(tmp_path, command)
        assert result.returncode == 2, command
        assert "no configuration file: factwatch.yaml does not exist here" in result.stderr
        assert "factwatch init" in result.stderr and "--config FILE" in result.stderr
        assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []  # no ./data/, no database


def test_an_invalid_selector_is_refused_at_load_before_any_fetch(
    tmp_path: Path, server: LocalServer
) -> None:
    server.route("/page", "<html><body><main><p>Members include Canada.</p></main></body></html>")
    (tmp_path / "factwatch.yaml").write_text(
        f"database: sqlite:///{tmp_path}/fw.db\n"
        "fetch:\n  allow_private_networks: true\n"
        f"watches:\n  - name: a\n    url: {server.url('/page')}\n    select: 'main >>> p['\n"
    )
    result = factwatch(tmp_path, "check")
    assert result.returncode == 2
    assert "factwatch.yaml:7: watches.0.select: invalid CSS selector 'main >>> p['" in (
        result.stderr
    )
    assert server.requests == []


def test_a_yaml_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "factwatch.yaml").write_text("watches:\n  - name: a\n    url: [https://x.org\n")
    result = factwatch(tmp_path, "status")
    assert result.returncode == 2
    assert "factwatch.yaml:4: not valid YAML: did not find expected ',' or ']'" in result.stderr
    assert "<unicode string>" not in result.stderr


def test_a_non_utf8_config_is_a_configuration_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "factwatch.yaml").write_bytes(b"watches:\n  - name: caf\xe9\n")
    result = factwatch(tmp_path, "status")
    assert result.returncode == 2
    assert "factwatch.yaml:2: not UTF-8 text (byte 0xe9); save it as UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"{name}: &{name} [{','.join([f'*{prev}'] * 9)}]")
    (tmp_path / "factwatch.yaml").write_text("\n".join(rows) + "\nwatches: *i\n")
    result = factwatch(tmp_path, "status")
    assert result.returncode == 2
    assert "YAML aliases repeat more than 10000 values" in result.stderr


def test_the_demo_leaves_no_folder_behind(tmp_path: Path) -> None:
    scratch, cwd = tmp_path / "tmp", tmp_path / "cwd"
    scratch.mkdir()
    cwd.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTWATCH_")}
    result = subprocess.run(
        [sys.executable, "-m", "monitor", "demo"],
        cwd=cwd,
        env={**env, "TMPDIR": str(scratch)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "companies have endorsed the Principles: 19 -> 21" in result.stdout
    assert "temporary and is removed; --keep DIR keeps it" in result.stdout
    assert list(scratch.iterdir()) == [] and list(cwd.iterdir()) == []
