"""The one settings module: packaged defaults, the user's YAML, ``FACTWATCH_*``.

Precedence, lowest first:

1. the defaults declared on the models below;
2. the YAML file (``--config``, ``FACTWATCH_CONFIG``, default ``./factwatch.yaml``),
   where ``${NAME}`` is replaced from the environment (a missing variable is a
   :class:`~model.errors.ConfigError`);
3. environment variables ``FACTWATCH_<KEY>``, with ``__`` between nested keys:
   ``FACTWATCH_DATABASE``, ``FACTWATCH_FETCH__ALLOW_PRIVATE_NETWORKS=true``.

A missing file is an error that says how to start. The file is read whole and
checked at once: at most :data:`MAX_CONFIG_BYTES`, UTF-8, YAML aliases capped;
unknown keys (with a "did you mean"), invalid values, regular expressions and
CSS selectors are rejected, every error naming the file, the line and the key.
Nothing else in factwatch reads ``os.environ``: pass :data:`Environ` around.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator

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


class AtKey(ValueError):
    """A validator's error about one key (or item) inside the model it validates.

    ``loc`` is the path from that model, so the message names the right key
    and line: ``AtKey(("watches", 3, "name"), "watch name 'a' is used twice")``.
    """

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def css_selector(value: str | None) -> str | None:
    """``value`` if it is a CSS selector soupsieve compiles (a pydantic validator)."""
    if value is not None:
        import soupsieve  # loaded only by a configuration that uses selectors

        try:
            soupsieve.compile(value)
        except soupsieve.SelectorSyntaxError as exc:
            reason = str(exc).splitlines()[0]
            raise ValueError(f"invalid CSS selector {value!r}: {reason}") from None
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
    _css = field_validator("css")(css_selector)

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
    compare_statements: bool = True
    translation_of: str | None = None
    parity_window: Duration = Field(7 * 86400.0, ge=0)

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
            raise AtKey(("cron",), "give either every or cron, not both")
        return self

    _select = field_validator("select")(css_selector)

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


def auto_parse_processes(cpus: int | None = None) -> int:
    """Parse workers for a machine of ``cpus`` cores (default: this one's): one core is
    left to the checking threads and the database, at most four workers, and at least
    one, so that parsing stays under its CPU and memory limits on a single core too."""
    cores = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(1, min(4, cores - 1))


class SchedulerSettings(StrictModel):
    """How ``factwatch run`` schedules checks (``scheduler:``)."""

    every: Duration = Field(6 * 3600.0, gt=0)
    jitter: Duration = Field(300.0, ge=0)
    concurrency: int = Field(4, ge=1, le=256)
    parse_processes: int | None = Field(None, ge=0, le=64)
    parse_cpu_seconds: Duration = Field(60.0, ge=1)
    parse_memory: int = Field(1024, ge=256)
    per_host: int = Field(1, ge=1, le=64)
    politeness_delay: Duration = Field(2.0, ge=0)
    check_deadline: Duration = Field(300.0, gt=0)
    misfire_grace: Duration = Field(60.0, ge=0)
    retry_backoff: Duration = Field(60.0, ge=0)
    max_retry_after: Duration = Field(6 * 3600.0, ge=0)
    shutdown_grace: Duration = Field(10.0, ge=0)
    lease_ttl: Duration = Field(30.0, gt=0)
    heartbeat: Duration = Field(5.0, gt=0)
    reload_poll: Duration = Field(2.0, gt=0)
    alerts_stuck_after: Duration = Field(3600.0, gt=0)

    @property
    def parse_workers(self) -> int:
        """The parse worker processes to start: ``parse_processes``, or when it is not
        set, :func:`auto_parse_processes`."""
        if self.parse_processes is not None:
            return self.parse_processes
        return auto_parse_processes()

    @model_validator(mode="after")
    def _heartbeat_within_lease(self) -> SchedulerSettings:
        if self.heartbeat >= self.lease_ttl:
            raise ValueError("heartbeat must be shorter than lease_ttl")
        return self


class WebSettings(StrictModel):
    """The web UI and JSON API (``web:``): ``factwatch web`` and ``factwatch run --http``.

    Without ``token`` the UI is served on loopback addresses only; with it,
    every route but ``/healthz`` asks for it (a bearer header or the login
    form's session cookie).
    """

    token: SecretStr | None = None
    bind: str = "127.0.0.1:8080"
    page_size: int = Field(50, ge=1, le=500)
    session_ttl: Duration = Field(12 * 3600.0, gt=0)

    @field_validator("token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("the token needs at least 16 characters (e.g. secrets.token_urlsafe)")
        return value

    @field_validator("bind")
    @classmethod
    def _address(cls, value: str) -> str:
        _host, sep, port = value.rpartition(":")
        if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError(f"expected HOST:PORT, got {value!r}")
        return value


class QueueSettings(StrictModel):
    """Checks run by queue workers (``queue:``): ``factwatch run`` enqueues due checks
    on a Celery broker and ``factwatch worker`` processes run them.

    ``broker_url`` is a Celery broker (``amqp://`` for RabbitMQ, ``redis://``);
    ``name`` is the queue's name; ``workers_seen`` is how recently a worker must
    have been seen for ``status`` to list it.
    """

    broker_url: str
    name: str = Field("factwatch.checks", pattern=r"^[A-Za-z0-9._:-]{1,200}$")
    workers_seen: Duration = Field(300.0, gt=0)

    @field_validator("broker_url")
    @classmethod
    def _broker(cls, value: str) -> str:
        scheme = value.partition("://")[0]
        if scheme not in {"amqp", "amqps", "pyamqp", "redis", "rediss"}:
            raise ValueError(f"expected an amqp:// or redis:// broker URL, got {scheme!r}")
        return value


class StoreSettings(StrictModel):
    """How versions are kept (``store:``).

    A new version's body, text and facts are stored as deltas against the
    previous version's; every ``snapshot_every``-th blob of a chain is stored
    whole, so reading any version decodes at most that many frames.
    """

    snapshot_every: int = Field(16, ge=1, le=1024)


class Settings(StrictModel):
    """The whole configuration."""

    database: str = DEFAULT_DATABASE
    store: StoreSettings = StoreSettings()
    fetch: FetchSettings = FetchSettings()
    scheduler: SchedulerSettings = SchedulerSettings()
    watches: tuple[WatchSettings, ...] = ()
    alerts: tuple[AlertChannelSettings, ...] = ()
    delivery: DeliverySettings = DeliverySettings()
    web: WebSettings = WebSettings()
    queue: QueueSettings | None = None

    @model_validator(mode="after")
    def _known_channels(self) -> Settings:
        names = [c.name for c in self.alerts]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise AtKey(("alerts", i, "name"), f"alert channel name {name!r} is used twice")
        for i, watch in enumerate(self.watches):
            unknown = sorted(set(watch.alert or ()) - set(names))
            if unknown:
                known = ", ".join(names) or "none is configured under alerts:"
                raise AtKey(
                    ("watches", i, "alert"),
                    f"unknown alert channel {unknown[0]!r} (channels: {known})",
                )
        return self

    def channel(self, name: str) -> AlertChannelSettings | None:
        """The alert channel called ``name``, if any."""
        return next((c for c in self.alerts if c.name == name), None)

    @model_validator(mode="after")
    def _unique_names(self) -> Settings:
        seen: dict[str, int] = {}
        for i, watch in enumerate(self.watches):
            if watch.name in seen:
                raise AtKey(
                    ("watches", i, "name"),
                    f"watch name {watch.name!r} is used twice"
                    f" (first at watches.{seen[watch.name]})",
                )
            seen[watch.name] = i
        return self

    @model_validator(mode="after")
    def _known_translations(self) -> Settings:
        names = {w.name for w in self.watches}
        for watch in self.watches:
            other = watch.translation_of
            if other is not None and (other == watch.name or other not in names):
                what = "itself" if other == watch.name else "no configured watch"
                raise ValueError(f"watch {watch.name!r}: translation_of {other!r} names {what}")
        return self

    def translations(self, name: str) -> list[WatchSettings]:
        """The configured watches that declare themselves a translation of watch ``name``."""
        return [w for w in self.watches if w.translation_of == name]

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


_FastLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present
_STR = "tag:yaml.org,2002:str"
MAX_CONFIG_BYTES = 10_000_000
"""The largest configuration file read (a file of 20,000 watches is about 1.5 MB)."""
MAX_ALIAS_VALUES = 10_000
"""How many values YAML aliases may repeat, at least (at most as many as the file holds)."""


class _Reader:
    """Turns a composed YAML document into plain data in one walk.

    It records the line of every mapping key and sequence item (for
    messages), replaces ``${NAME}`` in strings, refuses a key given twice,
    and caps what aliases may repeat, so a few hundred bytes of nested
    aliases cannot grow into millions of values.
    """

    def __init__(self, loader: Any, where: str, env: Environ) -> None:
        self.loader, self.where, self.env = loader, where, env
        self.lines: dict[tuple[Any, ...], int] = {}
        self.seen: set[int] = set()
        self.repeated = 0

    def read(self, node: yaml.Node, path: tuple[Any, ...]) -> Any:
        """The plain data of ``node``, found at key ``path``."""
        self._count(node)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, item in enumerate(node.value):
                self.lines.setdefault((*path, i), item.start_mark.line + 1)
                items.append(self.read(item, (*path, i)))
            return items
        value = node.value if node.tag == _STR else self.loader.construct_object(node)
        if isinstance(value, str) and "${" in value:
            return _VAR.sub(lambda m: _lookup(m.group(1), self.env, self.where), value)
        return value

    def _count(self, node: yaml.Node) -> None:
        if id(node) not in self.seen:
            self.seen.add(id(node))
            return
        self.repeated += 1
        cap = max(MAX_ALIAS_VALUES, len(self.seen))
        if self.repeated > cap:
            raise ConfigError(
                f"{self.where}:{node.start_mark.line + 1}: YAML aliases repeat more than "
                f"{cap} values; write the values out instead"
            )

    def _mapping(self, node: yaml.MappingNode, path: tuple[Any, ...]) -> dict[Any, Any]:
        self._once_each(node)
        self.loader.flatten_mapping(node)  # merge keys (<<: *defaults) first, own keys after
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.loader.construct_object(key_node)
            self.lines[(*path, key)] = key_node.start_mark.line + 1
            result[key] = self.read(value_node, (*path, key))
        return result

    def _once_each(self, node: yaml.MappingNode) -> None:
        """Refuse a key that is not a plain value, or one given twice in one mapping."""
        first: dict[Any, int] = {}
        for key_node, _ in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                raise ConfigError(f"{self.where}:{line}: a key must be a plain word")
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.loader.construct_object(key_node)
            if key in first:
                raise ConfigError(
                    f"{self.where}:{line}: key {key!r} given twice (first at line {first[key]})"
                )
            first[key] = line


def _yaml_error(exc: yaml.YAMLError, where: str) -> ConfigError:
    """A YAML syntax error as ``file:line: not valid YAML: problem (context)``."""
    problem = getattr(exc, "problem", None)
    if problem is None:
        return ConfigError(f"{where}: not valid YAML: {exc}")
    mark = getattr(exc, "problem_mark", None)
    at = f"{where}:{mark.line + 1}" if mark is not None else where
    context, context_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        problem += f" ({context} at line {context_mark.line + 1})"
    elif context:
        problem += f" ({context})"
    return ConfigError(f"{at}: not valid YAML: {problem}")


def read_yaml(text: str, where: str, env: Environ) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The data of a YAML document, and the line of each key and item by key path."""
    loader = _FastLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}, {}
        reader = _Reader(loader, where, env)
        return reader.read(node, ()), reader.lines
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, where) from None
    finally:
        loader.dispose()


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
        loc = (*error["loc"], *_extra_loc(error))
        line = _line_for(loc, index)
        key = ".".join(str(p) for p in loc) or "(top level)"
        at = f"{where}:{line}" if line else where
        if tuple(str(p) for p in loc) in from_env:
            at = f"environment variable {from_env[tuple(str(p) for p in loc)]}"
        messages.append(f"{at}: {key}: {_message(error, loc)}")
    return "\n".join(messages)


def _extra_loc(error: Any) -> tuple[Any, ...]:
    """The key inside the model that a validator's :class:`AtKey` error names."""
    cause = (error.get("ctx") or {}).get("error")
    return cause.loc if isinstance(cause, AtKey) else ()


def _message(error: Any, loc: tuple[Any, ...]) -> str:
    """The message of one pydantic error, in our words."""
    if error["type"] == "extra_forbidden":
        return "unknown key" + _did_you_mean(loc)
    cause = (error.get("ctx") or {}).get("error")
    if error["type"] == "value_error" and cause is not None:
        return str(cause)  # without pydantic's "Value error, " prefix
    return str(error["msg"])


def _did_you_mean(loc: tuple[Any, ...]) -> str:
    model = _model_at(loc[:-1])
    if model is None or not isinstance(loc[-1], str):
        return ""
    close = difflib.get_close_matches(loc[-1], list(model.model_fields), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The configuration model found at key path ``loc`` (list indexes skipped)."""
    model: type[BaseModel] = Settings
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        inner = _first_model(field.annotation) if field is not None else None
        if inner is None:
            return None
        model = inner
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _first_model(arg)
        if found is not None:
            return found
    return None


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
    data, index = read_yaml(text, where, env)
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a mapping of keys")
    data = _merge(data, _env_overrides(env))
    try:
        return Settings.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, where, index, env)) from None


def read_config_text(file: Path) -> str:
    """The text of a configuration file: at most :data:`MAX_CONFIG_BYTES`, UTF-8."""
    try:
        with file.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the configuration file: {exc.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"{file}: larger than {MAX_CONFIG_BYTES:,} bytes; a configuration file is smaller"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{file}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); save it as UTF-8"
        ) from None


def missing_config_message(file: Path) -> str:
    """What to say when there is no configuration file at the default place."""
    return (
        f"no configuration file: {file} does not exist here.\n"
        "  factwatch init             writes a commented starter factwatch.yaml\n"
        "  factwatch --config FILE    uses another file (or set FACTWATCH_CONFIG)\n"
        "  factwatch demo             shows factwatch at work without any configuration"
    )


def load_settings(path: str | Path | None = None, env: Environ | None = None) -> LoadedSettings:
    """Load the configuration file (``--config``, ``FACTWATCH_CONFIG`` or ./factwatch.yaml).

    A missing file is a :class:`~model.errors.ConfigError` that says how to start.
    """
    env = dict(os.environ) if env is None else env
    file = config_path(path, env)
    if not file.exists():
        if path or env.get(ENV_PREFIX + "CONFIG"):
            raise ConfigError(f"{file}: no such configuration file")
        raise ConfigError(missing_config_message(file))
    return LoadedSettings(parse_settings(read_config_text(file), where=str(file), env=env), file)
