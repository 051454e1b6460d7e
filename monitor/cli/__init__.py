"""The ``factwatch`` command line.

Each module of this package adds its commands to :data:`cli`; exit status is
0 when all went well, 1 when any watch failed, 2 for usage or config errors.
"""

from __future__ import annotations

import logging
from typing import IO, Any

import click

from monitor.cli.common import EXIT_FAILED, EXIT_USAGE, AppContext
from monitor.errors import ConfigError, FactwatchError, UnknownWatchError


class _Failure(click.ClickException):
    """One of our errors, shown as ``factwatch: ...`` with its exit status."""

    exit_code = EXIT_FAILED

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"factwatch: {self.format_message()}", err=True, file=file)


class _UsageFailure(_Failure):
    exit_code = EXIT_USAGE


class FactwatchGroup(click.Group):
    """A group that maps factwatch errors to exit statuses (2 usage/config, 1 other)."""

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


# Command modules register themselves on import.
from monitor.cli import alerts, audit, checking, demo, evaluate, schema, service, web  # noqa: E402, F401
