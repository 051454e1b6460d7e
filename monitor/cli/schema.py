"""``factwatch db``: schema migrations."""

from __future__ import annotations

import click

from monitor.cli.common import AppContext, pass_app
from store.db import current_revision, open_engine, upgrade


@click.group()
def db() -> None:
    """Database schema commands (migrations also run automatically on first use)."""


@db.command("upgrade")
@pass_app
def db_upgrade(app: AppContext) -> None:
    """Migrate the database to the newest schema."""
    engine = open_engine(app.settings.database)
    try:
        before = current_revision(engine)
        upgrade(engine)
        after = current_revision(engine)
    finally:
        engine.dispose()
    click.echo(f"database schema: {before or '(empty)'} -> {after}")


@db.command("current")
@pass_app
def db_current(app: AppContext) -> None:
    """Print the database's schema revision."""
    engine = open_engine(app.settings.database)
    try:
        click.echo(current_revision(engine) or "(empty: run `factwatch db upgrade`)")
    finally:
        engine.dispose()
