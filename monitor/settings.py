"""The one settings module: packaged defaults, the user's YAML, ``FACTWATCH_*``.

Precedence, lowest first:

1. the defaults declared on the models below;
2. the YAML file (``--config``, ``FACTWATCH_CONFIG``, default ``./factwatch.yaml``),
   where ``${NAME}`` is replaced from the environment (a missing variable is a
   :class:`~monitor.errors.ConfigError`);
3. environment variables ``FACTWATCH_<KEY>``, with ``__`` between nested keys:
   ``FACTWATCH_DATABASE``, ``FACTWATCH_FETCH__ALLOW_PRIVATE_NETWORKS=true``.

Unknown keys are rejected; every error names the file, the line and the key.
Nothing else in factwatch reads ``os.environ``: pass :data:`Environ` around.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from monitor.errors import ConfigError

Environ = Mapping[str, str]
DEFAULT_CONFIG = "factwatch.yaml"
DEFAULT_DATABASE = "sqlite:///data/factwatch.db"
ENV_PREFIX = "FACTWATCH_"
WATCH_NAME = r"^[a-z0-9][a-z0-9._-]{0,79}$"
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FetchSettings(_Model):
    """How pages are fetched (``fetch:``)."""

    allow_private_networks: bool = False
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(20.0, gt=0)
    deadline: float = Field(60.0, gt=0)
    max_bytes: int = Field(10_000_000, gt=0)
    max_redirects: int = Field(5, ge=0, le=20)
    user_agent: str = "factwatch/0.1 (+https://github.com/factwatch/factwatch)"


class PatternSettings(_Model):
    """A user rule: a regex with a ``(?P<value>...)`` group that yields facts of ``kind``."""

    name: str
    kind: Literal["membership", "figure", "date"]
    regex: str
    subject: str | None = None

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            compiled = re.compile(value)
        except re.error as exc:
            raise ValueError(f"invalid regular expression: {exc}") from None
        if "value" not in compiled.groupindex:
            raise ValueError("the regex needs a named group (?P<value>...)")
        return value


class WatchSettings(_Model):
    """One watched page (an item of ``watches:``)."""

    name: str = Field(pattern=WATCH_NAME)
    url: str
    select: str | None = None
    patterns: tuple[PatternSettings, ...] = ()

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^/\s]+", value, re.IGNORECASE):
            raise ValueError("must be an http:// or https:// URL")
        return value


class Settings(_Model):
    """The whole configuration."""

    database: str = DEFAULT_DATABASE
    fetch: FetchSettings = FetchSettings()
    watches: tuple[WatchSettings, ...] = ()

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        seen: set[str] = set()
        for watch in self.watches:
            if watch.name in seen:
                raise ValueError(f"watch name {watch.name!r} is used twice")
            seen.add(watch.name)
        return self

    def watch(self, name: str) -> WatchSettings | None:
        """The configured watch called ``name``, if any."""
        return next((w for w in self.watches if w.name == name), None)


@dataclass(frozen=True)
class LoadedSettings:
    """Settings plus where they came from (for messages)."""

    settings: Settings
    path: Path | None


class _LineLoader(yaml.SafeLoader):
    """A YAML loader that remembers the line of every mapping key and item."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    loader.flatten_mapping(node)
    result: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        result[key] = loader.construct_object(value_node, deep=True)
        lines[str(key)] = key_node.start_mark.line + 1
    result["__lines__"] = lines
    return result


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(data: Any, path: tuple[Any, ...], index: dict[tuple[Any, ...], int]) -> Any:
    """Remove the ``__lines__`` markers, recording each key's line in ``index``."""
    if isinstance(data, dict):
        lines = data.pop("__lines__", {})
        for key, value in data.items():
            if key in lines:
                index[(*path, key)] = lines[key]
            data[key] = _strip_lines(value, (*path, key), index)
        return data
    if isinstance(data, list):
        return [_strip_lines(v, (*path, i), index) for i, v in enumerate(data)]
    return data


def _substitute(data: Any, env: Environ, where: str) -> Any:
    if isinstance(data, dict):
        return {k: _substitute(v, env, where) for k, v in data.items()}
    if isinstance(data, list):
        return [_substitute(v, env, where) for v in data]
    if isinstance(data, str):
        return _VAR.sub(lambda m: _lookup(m.group(1), env, where), data)
    return data


def _lookup(name: str, env: Environ, where: str) -> str:
    if name not in env:
        raise ConfigError(f"{where}: environment variable ${{{name}}} is not set")
    return env[name]


def _env_overrides(env: Environ) -> dict[str, Any]:
    """``FACTWATCH_A__B=v`` -> ``{"a": {"b": "v"}}`` (``FACTWATCH_CONFIG`` excluded)."""
    out: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        if name.startswith(ENV_PREFIX + "TEST_"):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split("__")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _describe(exc: ValidationError, where: str, index: dict[tuple[Any, ...], int]) -> str:
    messages = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        line = _line_for(loc, index)
        key = ".".join(str(p) for p in loc) or "(top level)"
        at = f"{where}:{line}" if line else where
        msg = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        messages.append(f"{at}: {key}: {msg}")
    return "\n".join(messages)


def _line_for(loc: tuple[Any, ...], index: dict[tuple[Any, ...], int]) -> int | None:
    for end in range(len(loc), 0, -1):
        if loc[:end] in index:
            return index[loc[:end]]
    return None


def config_path(explicit: str | Path | None, env: Environ) -> Path:
    """The config file to read: ``--config``, then ``FACTWATCH_CONFIG``, then the default."""
    if explicit:
        return Path(explicit)
    return Path(env.get(ENV_PREFIX + "CONFIG") or DEFAULT_CONFIG)


def parse_settings(text: str, *, where: str = "<config>", env: Environ | None = None) -> Settings:
    """Validate YAML ``text`` (plus environment overrides) into :class:`Settings`."""
    env = dict(os.environ) if env is None else env
    try:
        raw = yaml.load(text, Loader=_LineLoader) or {}  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: the top level must be a mapping of keys")
    index: dict[tuple[Any, ...], int] = {}
    data = _substitute(_strip_lines(raw, (), index), env, where)
    data = _merge(data, _env_overrides(env))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, where, index)) from None


def load_settings(path: str | Path | None = None, env: Environ | None = None) -> LoadedSettings:
    """Load the configuration file (a missing default file means "no watches")."""
    env = dict(os.environ) if env is None else env
    file = config_path(path, env)
    if not file.exists():
        if path or env.get(ENV_PREFIX + "CONFIG"):
            raise ConfigError(f"{file}: no such configuration file")
        return LoadedSettings(parse_settings("", where=str(file), env=env), None)
    return LoadedSettings(parse_settings(file.read_text("utf-8"), where=str(file), env=env), file)
