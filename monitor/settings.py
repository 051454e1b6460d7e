"""The one settings module: packaged defaults, the user's YAML, ``FACTWATCH_*``.

Precedence, lowest first:

1. the defaults declared on the models below;
2. the YAML file (``--config``, ``FACTWATCH_CONFIG``, default ``./factwatch.yaml``),
   where ``${NAME}`` is replaced from the environment (a missing variable is a
   :class:`~model.errors.ConfigError`);
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
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import Field, ValidationError, field_validator, model_validator

from alerts.config import AlertChannelSettings, DeliverySettings
from model.config import NAME_PATTERN, Duration, StrictModel
from model.errors import ConfigError
from model.http import http_url
from model.kinds import alert_kinds, default_alert_on, rule_kinds
from parsers.rules import compile_regex

Environ = Mapping[str, str]
DEFAULT_CONFIG = "factwatch.yaml"
DEFAULT_DATABASE = "sqlite:///data/factwatch.db"
ENV_PREFIX = "FACTWATCH_"
WATCH_NAME = NAME_PATTERN
_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class FetchSettings(StrictModel):
    """How pages are fetched (``fetch:``)."""

    allow_private_networks: bool = False
    connect_timeout: float = Field(10.0, gt=0)
    read_timeout: float = Field(20.0, gt=0)
    deadline: float = Field(60.0, gt=0)
    max_bytes: int = Field(10_000_000, gt=0)
    max_redirects: int = Field(5, ge=0, le=20)
    user_agent: str = "factwatch/0.1 (+https://github.com/factwatch/factwatch)"


class PatternSettings(StrictModel):
    """A user rule: a regex with a ``(?P<value>...)`` group that yields facts of ``kind``."""

    name: str
    kind: str
    regex: str
    subject: str | None = None

    @field_validator("kind")
    @classmethod
    def _rule_kind(cls, value: str) -> str:
        if value not in rule_kinds():
            raise ValueError(f"kind must be one of {', '.join(rule_kinds())}, not {value!r}")
        return value

    @field_validator("regex")
    @classmethod
    def _compiles(cls, value: str) -> str:
        compiled = compile_regex(value)  # RE2: refused when it cannot run in linear time
        if "value" not in compiled.groupindex:
            raise ValueError("the regex needs a named group (?P<value>...)")
        return value


def _regex(value: str | None) -> str | None:
    if value is not None:
        compile_regex(value)  # RE2: refused when it cannot run in linear time
    return value


class FollowSettings(StrictModel):
    """Which links of a page to follow (an item of a watch's ``follow:``).

    ``css`` selects links (or elements containing links) in the HTML;
    ``link_text`` and ``url`` are regular expressions searched in the link's
    text and absolute URL. Every key given must match; ``limit`` caps how
    many documents one rule follows.
    """

    css: str | None = None
    link_text: str | None = None
    url: str | None = None
    limit: int = Field(20, ge=1, le=500)

    _regexes = field_validator("link_text", "url")(_regex)

    @model_validator(mode="after")
    def _something(self) -> FollowSettings:
        if self.css is None and self.link_text is None and self.url is None:
            raise ValueError("give at least one of css, link_text or url")
        return self


class WatchSettings(StrictModel):
    """One watched page (an item of ``watches:``)."""

    name: str = Field(pattern=WATCH_NAME)
    url: str
    select: str | None = None
    patterns: tuple[PatternSettings, ...] = ()
    every: Duration | None = Field(None, gt=0)
    cron: str | None = None
    timezone: str = "UTC"
    jitter: Duration | None = Field(None, ge=0)
    follow: tuple[FollowSettings, ...] = ()
    alert: tuple[str, ...] | None = None
    alert_on: tuple[str, ...] | None = None
    flap_window: Duration = Field(7 * 86400.0, ge=0)
    alert_flaps: bool = True

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. UTC, America/Toronto)") from None
        return value

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                from apscheduler.triggers.cron import CronTrigger

                CronTrigger.from_crontab(value, timezone="UTC")
            except ValueError as exc:
                raise ValueError(f"invalid cron expression {value!r}: {exc}") from None
        return value

    @model_validator(mode="after")
    def _one_schedule(self) -> WatchSettings:
        if self.every is not None and self.cron is not None:
            raise ValueError("give either every or cron, not both")
        return self

    _http_url = field_validator("url")(http_url)

    @field_validator("alert_on")
    @classmethod
    def _alert_kinds(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        unknown = sorted(set(value or ()) - set(alert_kinds()))
        if unknown:
            kinds = ", ".join(alert_kinds())
            raise ValueError(f"unknown alert kind {unknown[0]!r} (one of {kinds})")
        return value


DEFAULT_ALERT_ON: tuple[str, ...] = default_alert_on()


class SchedulerSettings(StrictModel):
    """How ``factwatch run`` schedules checks (``scheduler:``)."""

    every: Duration = Field(6 * 3600.0, gt=0)
    jitter: Duration = Field(300.0, ge=0)
    concurrency: int = Field(4, ge=1, le=256)
    parse_processes: int = Field(1, ge=0, le=64)
    parse_cpu_seconds: Duration = Field(60.0, ge=1)
    parse_memory: int = Field(1024, ge=256)
    per_host: int = Field(1, ge=1, le=64)
    politeness_delay: Duration = Field(2.0, ge=0)
    check_deadline: Duration = Field(300.0, gt=0)
    misfire_grace: Duration = Field(60.0, ge=0)
    max_retry_after: Duration = Field(6 * 3600.0, ge=0)
    shutdown_grace: Duration = Field(10.0, ge=0)
    lease_ttl: Duration = Field(30.0, gt=0)
    heartbeat: Duration = Field(5.0, gt=0)
    reload_poll: Duration = Field(2.0, gt=0)
    alerts_stuck_after: Duration = Field(3600.0, gt=0)

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> SchedulerSettings:
        if self.heartbeat >= self.lease_ttl:
            raise ValueError("heartbeat must be shorter than lease_ttl")
        return self


class Settings(StrictModel):
    """The whole configuration."""

    database: str = DEFAULT_DATABASE
    fetch: FetchSettings = FetchSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    watches: tuple[WatchSettings, ...] = ()
    alerts: tuple[AlertChannelSettings, ...] = ()
    delivery: DeliverySettings = DeliverySettings()

    @model_validator(mode="after")
    def _known_channels(self) -> Settings:
        names = [c.name for c in self.alerts]
        if len(set(names)) != len(names):
            raise ValueError("alert channel names must be unique")
        for watch in self.watches:
            unknown = sorted(set(watch.alert or ()) - set(names))
            if unknown:
                raise ValueError(f"watch {watch.name!r}: unknown alert channel {unknown[0]!r}")
        return self

    def channel(self, name: str) -> AlertChannelSettings | None:
        """The alert channel called ``name``, if any."""
        return next((c for c in self.alerts if c.name == name), None)

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        seen: set[str] = set()
        for watch in self.watches:
            if watch.name in seen:
                raise ValueError(f"watch name {watch.name!r} is used twice")
            seen.add(watch.name)
        return self

    def watch(self, name: str) -> WatchSettings | None:
        """The configured watch called ``name``, if any (a dict lookup, built once)."""
        cached = self.__dict__.get("_watch_index")
        if cached is None or cached[0] is not self.watches:
            cached = (self.watches, {w.name: w for w in self.watches})
            self.__dict__["_watch_index"] = cached  # a cache beside the fields, not a field
        found: WatchSettings | None = cached[1].get(name)
        return found


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


def _env_names(env: Environ) -> dict[tuple[str, ...], str]:
    """The ``FACTWATCH_*`` variables that override keys, by key path."""
    paths: dict[tuple[str, ...], str] = {}
    for name in env:
        if not name.startswith(ENV_PREFIX) or name == ENV_PREFIX + "CONFIG":
            continue
        if name.startswith(ENV_PREFIX + "TEST_"):
            continue
        paths[tuple(name[len(ENV_PREFIX) :].lower().split("__"))] = name
    return paths


def _env_overrides(env: Environ) -> dict[str, Any]:
    """``FACTWATCH_A__B=v`` -> ``{"a": {"b": "v"}}`` (``FACTWATCH_CONFIG`` excluded)."""
    out: dict[str, Any] = {}
    for parts, name in _env_names(env).items():
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = env[name]
    return out


def _merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def _describe(
    exc: ValidationError, where: str, index: dict[tuple[Any, ...], int], env: Environ
) -> str:
    messages = []
    from_env = _env_names(env)
    for error in exc.errors():
        loc = tuple(error["loc"])
        line = _line_for(loc, index)
        key = ".".join(str(p) for p in loc) or "(top level)"
        at = f"{where}:{line}" if line else where
        if tuple(str(p) for p in loc) in from_env:
            at = f"environment variable {from_env[tuple(str(p) for p in loc)]}"
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
        raw = yaml.load(text, Loader=_LineLoader) or {}
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
        raise ConfigError(_describe(exc, where, index, env)) from None


def load_settings(path: str | Path | None = None, env: Environ | None = None) -> LoadedSettings:
    """Load the configuration file (a missing default file means "no watches")."""
    env = dict(os.environ) if env is None else env
    file = config_path(path, env)
    if not file.exists():
        if path or env.get(ENV_PREFIX + "CONFIG"):
            raise ConfigError(f"{file}: no such configuration file")
        return LoadedSettings(parse_settings("", where=str(file), env=env), None)
    return LoadedSettings(parse_settings(file.read_text("utf-8"), where=str(file), env=env), file)
