"""The ``factwatch`` command line.

Each command lives in a module of this package and is listed in
:data:`COMMANDS`; a command's module is imported only when that command runs,
so ``factwatch --help`` and quick commands start fast. Exit status is 0 when
all went well, 1 when any watch failed, 2 for usage or config errors.
"""

from __future__ import annotations

import importlib
import logging
from typing import IO, Any

import click

from model.errors import ConfigError, FactwatchError, UnknownWatchError
from monitor.cli.common import EXIT_FAILED, EXIT_USAGE, AppContext

COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": (
        "editing",
        "init",
        "Write a commented starter configuration (./factwatch.yaml or --config FILE).",
    ),
    "add": (
        "editing",
        "add",
        "Add a watch of URL to the configuration file, keeping its comments.",
    ),
    "remove": (
        "editing",
        "remove",
        "Remove watch NAME from the configuration file, keeping its comments.",
    ),
    "check": ("checking", "check", "Check every watch (or the NAMEd ones) once, now."),
    "run": (
        "service",
        "run",
        "Run the service: check every watch on its schedule until stopped.",
    ),
    "worker": (
        "worker",
        "worker",
        "Run a queue worker: check the watches that `factwatch run` enqueues (needs queue:).",
    ),
    "status": (
        "service",
        "status",
        "Show each watch's last check, next run and last change, and the scheduler's heartbeat.",
    ),
    "facts": (
        "audit",
        "facts",
        "List the facts of watch NAME (latest version, the one current --at TIME, or --version N).",
    ),
    "changes": ("audit", "changes", "List fact-level change events, oldest first."),
    "findings": (
        "findings",
        "findings",
        "List open findings: facts a page and its statements, or two languages, state differently.",
    ),
    "history": (
        "audit",
        "history",
        "List the versions of watch NAME, and its recent check attempts.",
    ),
    "show": (
        "audit",
        "show",
        "Print the clean text of watch NAME as it was (latest, --at TIME or --version N).",
    ),
    "diff": ("audit", "diff", "Fact changes between two versions of NAME, then a text diff."),
    "verify": (
        "verify",
        "verify",
        "Verify the hash chain and the stored bodies of every watch (or NAME).",
    ),
    "export-warc": (
        "warc",
        "export_warc_command",
        "Write the versions of every watch (or the NAMEd ones) to a WARC file.",
    ),
    "import-warc": (
        "warc",
        "import_warc_command",
        "Backfill watch NAME from the captures of its page in a WARC file.",
    ),
    "alerts": ("alerts", "alerts", "List alerts: pending (queued or retrying), sent and dead."),
    "db": (
        "schema",
        "db",
        "Database schema commands (migrations also run automatically on first use).",
    ),
    "demo": ("demo", "demo", "Watch a bundled copy of the seed page change, without network."),
    "eval": (
        "evaluate",
        "evaluate",
        "Precision and recall of fact extraction on a labelled corpus (default: tests/corpus).",
    ),
    "web": (
        "web",
        "web",
        "Serve the web UI, the JSON API (/api/v1/) and the Atom feeds over the database.",
    ),
    "export": (
        "web",
        "export",
        "Export the fact history of watch NAME: one row per fact per version where it changed.",
    ),
}
"""Each command: its module under ``monitor.cli``, its function, and its first help line."""


class _Failure(click.ClickException):
    """One of our errors, shown as ``factwatch: ...`` with its exit status."""

    exit_code = EXIT_FAILED

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"factwatch: {self.format_message()}", err=True, file=file)


class _UsageFailure(_Failure):
    exit_code = EXIT_USAGE


class FactwatchGroup(click.Group):
    """The top-level group: commands loaded on first use (:data:`COMMANDS`), and
    factwatch errors mapped to exit statuses (2 usage/config, 1 other)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, attr, _ = COMMANDS[cmd_name]
        command = getattr(importlib.import_module(f"monitor.cli.{module}"), attr)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = None if name in COMMANDS else self.commands[name]
            rows.append((name, command.get_short_help_str() if command else COMMANDS[name][2]))
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            raise _UsageFailure(f"configuration error:\n{exc}") from exc
        except UnknownWatchError as exc:
            raise _UsageFailure(str(exc)) from exc
        except FactwatchError as exc:
            raise _Failure(str(exc)) from exc


@click.group(
    cls=FactwatchGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option(
    "--config",
    "-c",
    metavar="FILE",
    envvar="FACTWATCH_CONFIG",
    help="Configuration file (default: ./factwatch.yaml; env FACTWATCH_CONFIG).",
)
@click.option(
    "--database",
    metavar="URL",
    help="Database URL, overriding the configuration (SQLite or PostgreSQL).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.version_option(package_name="factwatch")
@click.pass_context
def cli(ctx: click.Context, config: str | None, database: str | None, verbose: int) -> None:
    """Track the facts official pages state, and the changes to them.

    factwatch fetches each watched page, extracts its memberships, figures and
    dates, keeps every version, and reports fact-level changes.
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = AppContext(config=config, database=database)
    ctx.obj = app
    ctx.call_on_close(app.close)


def main() -> None:
    """Console entry point."""
    cli(prog_name="factwatch")
