"""What every CLI command shares: the context, time parsing, output helpers."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from model.errors import ConfigError
from model.printable import printable

if TYPE_CHECKING:  # the settings and the store load only when a command needs them
    from monitor.settings import LoadedSettings, Settings, WatchSettings
    from store.repo import Store

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


@dataclass
class AppContext:
    """Lazily loaded settings and store, shared by the commands of one invocation."""

    config: str | None = None
    database: str | None = None
    _loaded: LoadedSettings | None = None
    _store: Store | None = field(default=None, repr=False)

    @property
    def loaded(self) -> LoadedSettings:
        if self._loaded is None:
            from monitor.settings import load_settings

            self._loaded = load_settings(self.config)
        return self._loaded

    @property
    def settings(self) -> Settings:
        settings = self.loaded.settings
        if self.database:
            settings = settings.model_copy(update={"database": self.database})
        return settings

    @property
    def store(self) -> Store:
        if self._store is None:
            from store.repo import Store

            self._store = Store.open(
                self.settings.database, snapshot_every=self.settings.store.snapshot_every
            )
        return self._store

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def select_watches(self, names: tuple[str, ...]) -> list[WatchSettings]:
        """The configured watches named (all when ``names`` is empty)."""
        watches = list(self.settings.watches)
        if not names:
            return watches
        unknown = [n for n in names if self.settings.watch(n) is None]
        if unknown:
            where = self.loaded.path or "the configuration"
            raise click.UsageError(f"no watch named {', '.join(unknown)} in {where}")
        return [w for w in watches if w.name in names]


pass_app = click.make_pass_decorator(AppContext)


def parse_time(value: str | None, *, end: bool = False) -> datetime | None:
    """ISO 8601 (``2026-12-01``, ``2026-12-01T06:00``, ``...Z``); naive means UTC.

    With ``end`` the time is inclusive to the precision given: ``2026-12-01``
    means up to the end of that day, ``...T06:00:03Z`` up to the end of that
    second (for ``--at``); without, it is the start (for ``--since``).
    """
    if value is None:
        return None
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 time (e.g. 2026-12-01T06:00:00Z)"
        ) from None
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment + _precision(text) - timedelta(microseconds=1) if end else moment


def _precision(text: str) -> timedelta:
    clock = text.partition("T")[2] or text.partition(" ")[2]
    if not clock:
        return timedelta(days=1)
    clock = clock.rstrip("Z").split("+")[0].split("-")[0]
    if "." in clock:
        return timedelta(microseconds=1)
    return timedelta(minutes=1) if clock.count(":") == 1 else timedelta(seconds=1)


class TimeParam(click.ParamType):
    """A click parameter type for :func:`parse_time`."""

    name = "TIME"

    def __init__(self, *, end: bool = False) -> None:
        self.end = end

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        return parse_time(value, end=self.end)


TIME = TimeParam()
UNTIL = TimeParam(end=True)


def when(moment: datetime | None) -> str:
    """A time for tables, in UTC: ``2026-12-01 06:00:03Z`` (a naive time is UTC)."""
    if moment is None:
        return "-"
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%d %H:%M:%SZ")


def local_when(moment: datetime | None, zone: str) -> str:
    """A time for tables in time zone ``zone`` with its offset: ``2026-12-01 09:00:03-05:00``
    (``...Z`` in UTC)."""
    if moment is None or zone == "UTC":
        return when(moment)
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(zone))
    return local.isoformat(sep=" ", timespec="seconds")


def say(text: str, *, err: bool = False) -> None:
    """Print a line that may hold page text: control characters removed (see
    :func:`model.printable.printable`)."""
    click.echo(printable(text), err=err)


def emit_json(data: Any) -> None:
    """Write ``data`` as indented JSON to stdout."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def fail_config(exc: ConfigError) -> None:
    """Print a config error and exit 2."""
    click.echo(f"factwatch: configuration error:\n{exc}", err=True)
    sys.exit(EXIT_USAGE)


def config_label(path: Path | None) -> str:
    """How to name the config file in messages."""
    return str(path) if path else "(no configuration file: defaults)"
