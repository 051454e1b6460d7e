"""``factwatch web`` (the UI, API and feeds) and ``factwatch export`` (a fact history)."""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path

import click

from model.errors import ConfigError
from monitor.cli.common import TIME, AppContext, pass_app
from monitor.settings import WebSettings
from monitor.web import is_loopback, parse_address
from store import audit

log = logging.getLogger("factwatch.web")


def check_exposure(host: str, web: WebSettings) -> None:
    """Refuse to serve the UI on a non-loopback address without ``web.token``."""
    if web.token is None and not is_loopback(host):
        raise ConfigError(
            f"--http: {host} is not a loopback address; set web.token (or "
            "FACTWATCH_WEB__TOKEN) to serve the UI there, or bind 127.0.0.1 "
            "behind a reverse proxy"
        )


@click.command()
@click.option(
    "--http",
    "http",
    metavar="HOST:PORT",
    help="Address to serve on (default: web.bind, 127.0.0.1:8080). "
    "Other than loopback needs web.token.",
)
@pass_app
def web(app: AppContext, http: str | None) -> None:
    """Serve the web UI, the JSON API (/api/v1/) and the Atom feeds over the database.

    Pages and API only read the history; "Check now" and "Retry" (POST forms
    with a CSRF token) are the only actions. Stop with Ctrl-C.
    """
    from monitor.web import WebServer
    from monitor.webui.app import create_app

    settings = app.settings
    host, port = parse_address(http or settings.web.bind)
    check_exposure(host, settings.web)
    server = WebServer(create_app(app.store, lambda: app.settings), host, port)
    guarded = "token required" if settings.web.token else "loopback only, no token"
    click.echo(f"factwatch: serving {server.url}/ ({guarded}); Ctrl-C to stop", err=True)
    server.serve_forever()


@click.command()
@click.argument("name")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "json"]),
    default="csv",
    show_default=True,
    help="CSV (spreadsheet-safe) or JSON.",
)
@click.option("--since", type=TIME, help="Only versions stored at or after this time (ISO 8601).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to FILE instead of standard output.",
)
@pass_app
def export(
    app: AppContext, name: str, fmt: str, since: datetime | None, output: Path | None
) -> None:
    """Export the fact history of watch NAME: one row per fact per version where it changed.

    Columns: fact_id, watch, kind, subject, section, value, value_text,
    qualifier, unit, period, version, valid_from, valid_to, evidence.
    """
    from monitor import export as exporter

    rows = audit.fact_rows(app.store, name, since)
    text = exporter.to_csv(rows) if fmt == "csv" else exporter.to_json(rows) + "\n"
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    output.write_text(text, encoding="utf-8", newline="")
    click.echo(f"{name}: {len(rows)} rows written to {output}", err=True)
