"""The ``factwatch`` command line.

Each module of this package adds its commands to :data:`cli`; exit status is
0 when all went well, 1 when any watch failed, 2 for usage or config errors.
"""

from __future__ import annotations

import logging
import sys

import click

from monitor.cli.common import EXIT_USAGE, AppContext
from monitor.errors import ConfigError, FactwatchError, UnknownWatchError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "-c", metavar="FILE", envvar="FACTWATCH_CONFIG",
              help="Configuration file (default: ./factwatch.yaml; env FACTWATCH_CONFIG).")
@click.option("--database", metavar="URL",
              help="Database URL, overriding the configuration (SQLite or PostgreSQL).")
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
    """Console entry point: run the CLI, mapping our errors to exit codes."""
    try:
        code = cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ConfigError as exc:
        click.echo(f"factwatch: configuration error:\n{exc}", err=True)
        sys.exit(EXIT_USAGE)
    except UnknownWatchError as exc:
        click.echo(f"factwatch: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except FactwatchError as exc:
        click.echo(f"factwatch: {exc}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


# Command modules register themselves on import.
from monitor.cli import audit, checking, database, demo  # noqa: E402, F401
