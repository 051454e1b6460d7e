"""The documentation under docs/ covers every command, option and configuration key,
and builds as a site.

Each command has a section of docs/cli.md headed with its name, and each of its
options appears in that section; each configuration key appears in docs/ written
out in full, as a dotted key in backticks (``watches.follow.css``).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from pydantic import BaseModel

from monitor.cli import cli
from monitor.settings import Settings

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"
PAGES = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))
CLI_PAGE = (DOCS / "cli.md").read_text(encoding="utf-8")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        path = f"{prefix}{name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path + " ")


def _options() -> Iterator[tuple[str, str]]:
    for path, command in [("", cli), *_commands(cli)]:
        for param in command.params:
            if isinstance(param, click.Option):
                long = [o for o in param.opts if o.startswith("--")]
                yield path, long[0] if long else param.opts[0]


def _model_keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, field in model.model_fields.items():
        yield f"{prefix}{name}"
        for inner in _nested_models(field.annotation):
            yield from _model_keys(inner, f"{prefix}{name}.")


def _nested_models(annotation: Any) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _nested_models(arg)


def _section(path: str) -> str:
    """The part of docs/cli.md under the heading of ``factwatch <path>`` (or the global
    options), up to the next heading of the same or a higher level."""
    title = f"`factwatch {path}" if path else "Global options"
    found = re.search(rf"^(#+) [^\n]*{re.escape(title)}[^\n]*$", CLI_PAGE, re.MULTILINE)
    assert found, f"docs/cli.md has no section for {title!r}"
    level = len(found.group(1))
    rest = CLI_PAGE[found.end() :]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.MULTILINE)
    return rest[: end.start()] if end else rest


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)])
def test_command_has_its_section(path: str) -> None:
    assert _section(path).strip()


@pytest.mark.parametrize(("path", "flag"), sorted(set(_options())), ids=lambda v: v or "global")
def test_option_is_documented_in_its_commands_section(path: str, flag: str) -> None:
    section = _section(path)
    assert f"`{flag}" in section or f" {flag} " in section, f"{flag} of `factwatch {path}`"


@pytest.mark.parametrize("key", sorted(set(_model_keys(Settings))))
def test_config_key_is_documented_in_full(key: str) -> None:
    assert f"`{key}`" in PAGES, f"docs/ lacks the configuration key `{key}`"


def test_the_readme_starts_with_make_run_and_make_test_and_stays_short() -> None:
    first_block = README.split("```", 2)[1].strip().splitlines()
    assert [line.split()[:2] for line in first_block[:2]] == [["make", "run"], ["make", "test"]]
    assert len(README.splitlines()) <= 120  # what a newcomer needs; the reference is in docs/


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent))
    assert mkdocs, "mkdocs is not installed (pip install -e '.[dev]')"
    result = subprocess.run(
        [mkdocs, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "site" / "configuration" / "index.html").exists()
