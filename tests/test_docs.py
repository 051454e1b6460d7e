"""Every CLI command and option, and every config key, is documented (README and docs/)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from pydantic import BaseModel

from monitor.cli import cli
from monitor.settings import Settings

ROOT = Path(__file__).parent.parent
README = "\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
)


def _commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        path = f"{prefix}{name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path + " ")


def _options() -> Iterator[str]:
    for path, command in [("", cli), *_commands(cli)]:
        for param in command.params:
            if isinstance(param, click.Option):
                long = [o for o in param.opts if o.startswith("--")]
                yield f"{path}: {long[0] if long else param.opts[0]}"


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


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)])
def test_command_is_documented(path: str) -> None:
    assert f"factwatch {path}" in README, f"README lacks a reference for `factwatch {path}`"


@pytest.mark.parametrize("option", sorted(set(_options())))
def test_option_is_documented(option: str) -> None:
    flag = option.split(": ", 1)[1]
    assert f"`{flag}" in README or f" {flag} " in README or f" {flag}=" in README, option


@pytest.mark.parametrize("key", sorted(set(_model_keys(Settings))))
def test_config_key_is_documented(key: str) -> None:
    leaf = key.rsplit(".", 1)[-1]
    assert f"`{key}`" in README or f"`{leaf}`" in README, f"README lacks config key {key}"
