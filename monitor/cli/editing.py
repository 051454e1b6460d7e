"""``factwatch init``, ``factwatch add`` and ``factwatch remove``: the configuration file
written and edited from the command line.

``add`` and ``remove`` edit the file in place with ruamel.yaml, which keeps its
comments, key order and quoting; the result is validated as a whole (as
``factwatch status`` would load it) before it replaces the file, so a
command never leaves a configuration that does not load.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import click
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from model.errors import ConfigError
from monitor.cli.common import AppContext, pass_app
from monitor.settings import (
    WatchSettings,
    config_path,
    parse_settings,
    read_config_text,
)

STARTER = """\
# factwatch configuration. Reference: docs/configuration.md
# Add a page with `factwatch add URL`, check it with `factwatch check`,
# run the service with `factwatch run`. ${NAME} is read from the environment;
# FACTWATCH_<KEY> variables (nested keys joined by __) override any key.

# Where versions, facts and changes are kept: SQLite here, or PostgreSQL
# (postgresql+psycopg://user@host/factwatch).
database: sqlite:///data/factwatch.db

fetch:
  allow_private_networks: false   # true to watch loopback or private addresses
  user_agent: "factwatch/0.1 (+https://github.com/factwatch/factwatch)"

scheduler:
  every: 6h            # how often a watch without every/cron is checked
  retry_backoff: 1m    # a failure that may pass by itself is retried after 1m, 2m, 4m...

# Alert channels (email, slack, webhook), then `alert: [name]` on a watch:
# alerts:
#   - name: team
#     slack:
#       webhook_url: ${SLACK_WEBHOOK_URL}

# The pages to watch. For example:
#   - name: ps-international-efforts
#     url: https://www.publicsafety.gc.ca/cnt/cntrng-crm/chld-sxl-xplttn-ntrnt/ntrntnl-ffrts-en.aspx
#     every: 6h
#     follow:
#       - link_text: "(?i)statement"   # also watch the statements the page cites
watches: []
"""


def _target(app: AppContext) -> Path:
    return config_path(app.config, os.environ)


_NESTED_KEY = re.compile(r"^[A-Za-z_][\w-]*:[ \t]*(?:#.*)?\n( +)[A-Za-z_]", re.MULTILINE)


def _yaml(text: str, dash_offset: int | None) -> YAML:
    """A round-trip YAML that writes lists and mappings indented as ``text`` does."""
    nested = _NESTED_KEY.search(text)
    offset = 2 if dash_offset is None else dash_offset
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long URL
    yaml.indent(mapping=len(nested.group(1)) if nested else 2, sequence=offset + 2, offset=offset)
    return yaml


def _load(path: Path) -> tuple[CommentedMap, YAML]:
    if not path.exists():
        raise click.UsageError(
            f"{path} does not exist: run `factwatch init` first (or give --config FILE)"
        )
    text = read_config_text(path)
    try:
        _data, _indent, dash_offset = load_yaml_guess_indent(text)
        yaml = _yaml(text, dash_offset)
        data = yaml.load(text)
    except YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML; fix it first:\n{exc}") from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise ConfigError(f"{path}: the top level must be a mapping of keys")
    return data, yaml


def _save(path: Path, data: CommentedMap, yaml: YAML) -> None:
    """Validate the edited document as a whole, then replace the file atomically."""
    out = io.StringIO()
    yaml.dump(data, out)
    text = out.getvalue()
    try:
        parse_settings(text, where=str(path), env=dict(os.environ))
    except ConfigError as exc:
        raise ConfigError(f"{path} left unchanged; the result would not load:\n{exc}") from None
    _write(path, text)


def _write(path: Path, text: str) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _watches(data: CommentedMap) -> CommentedSeq:
    """The document's ``watches`` list, made a block list when it is empty or missing."""
    found = data.get("watches")
    if isinstance(found, CommentedSeq) and (len(found) or not found.fa.flow_style()):
        return found
    if found not in (None, []) and not isinstance(found, CommentedSeq):
        raise ConfigError("'watches' must be a list of watches")
    fresh = CommentedSeq()
    fresh.fa.set_block_style()
    data["watches"] = fresh
    return fresh


def default_name(url: str, taken: set[str]) -> str:
    """A watch name from the URL's last path segment (or its host), unique in ``taken``."""
    from monitor.follow import slug

    base = slug(url)
    if base == "document":
        host = re.sub(r"[^a-z0-9]+", "-", (url.split("//", 1)[-1].split("/")[0]).lower())
        base = host.strip("-")[:60] or "page"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    return name


def _entry(url: str, name: str, every: str | None, select: str | None) -> CommentedMap:
    entry = CommentedMap([("name", name), ("url", url)])
    if every is not None:
        entry["every"] = every
    if select is not None:
        entry["select"] = select
    _check_alone(dict(entry))
    return entry


def _check_alone(entry: dict[str, Any]) -> None:
    """The new watch's own errors, named by the option that gave the value."""
    from pydantic import ValidationError

    try:
        WatchSettings.model_validate(entry)
    except ValidationError as exc:
        error = exc.errors()[0]
        option = "--" + str(error["loc"][0]) if error["loc"] else "the watch"
        cause = (error.get("ctx") or {}).get("error")
        raise click.BadParameter(str(cause or error["msg"]), param_hint=option) from None


@click.command()
@click.option("--force", is_flag=True, help="Overwrite an existing configuration file.")
@pass_app
def init(app: AppContext, force: bool) -> None:
    """Write a commented starter configuration (./factwatch.yaml or --config FILE)."""
    path = _target(app)
    if path.exists() and not force:
        raise click.UsageError(f"{path} exists already; --force overwrites it")
    if str(path.parent) not in ("", "."):
        path.parent.mkdir(parents=True, exist_ok=True)
    _write(path, STARTER)
    click.echo(f"Wrote {path}. Next:")
    click.echo("  factwatch add URL     watch a page (--name, --every 6h, --select CSS)")
    click.echo("  factwatch check       check every watch once, now")
    click.echo("  factwatch run         check on schedule until stopped")


@click.command()
@click.argument("url")
@click.option("--name", help="The watch's name (default: from the URL's last segment).")
@click.option("--every", metavar="DURATION", help="How often to check it: 30m, 6h, 1d.")
@click.option("--select", metavar="CSS", help="A CSS selector: take facts only from there.")
@pass_app
def add(app: AppContext, url: str, name: str | None, every: str | None, select: str | None) -> None:
    """Add a watch of URL to the configuration file, keeping its comments."""
    path = _target(app)
    data, yaml = _load(path)
    watches = _watches(data)
    taken = {str(w.get("name")) for w in watches if isinstance(w, dict)}
    if name is not None and name in taken:
        raise click.BadParameter(f"a watch named {name!r} exists already", param_hint="--name")
    name = name or default_name(url, taken)
    watches.append(_entry(url, name, every, select))
    _save(path, data, yaml)
    click.echo(f"Added watch {name!r} ({url}) to {path}.")
    click.echo(f"  factwatch check {name}    checks it now")


@click.command()
@click.argument("name")
@pass_app
def remove(app: AppContext, name: str) -> None:
    """Remove watch NAME from the configuration file, keeping its comments.

    Its versions, facts and changes stay in the database.
    """
    path = _target(app)
    data, yaml = _load(path)
    watches = _watches(data)
    index = next(
        (i for i, w in enumerate(watches) if isinstance(w, dict) and w.get("name") == name), None
    )
    if index is None:
        raise click.BadParameter(f"no watch named {name!r} in {path}", param_hint="NAME")
    del watches[index]
    _save(path, data, yaml)
    click.echo(f"Removed watch {name!r} from {path} (its history stays in the database).")
