"""``factwatch export-warc`` and ``factwatch import-warc``: history in and out as WARC."""

from __future__ import annotations

from pathlib import Path

import click

from model.errors import UnknownWatchError
from monitor.cli.common import AppContext, emit_json, pass_app
from monitor.settings import WatchSettings
from monitor.warc import (
    ImportSummary,
    Match,
    backfill,
    export_warc,
    read_captures,
    summary_json,
)


def _rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} versions/s" if seconds > 0 and count else "-"


@click.command("export-warc")
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE.warc.gz",
    help="The WARC file to write (replaced only once complete).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@pass_app
def export_warc_command(
    app: AppContext, names: tuple[str, ...], output: Path, as_json: bool
) -> None:
    """Write the versions of every watch (or the NAMEd ones) to a WARC file.

    Per version: a response record (status line, kept headers, the body exactly
    as fetched, WARC-Date = fetch time) and a metadata record with its facts
    and chain hash as JSON.
    """

    def progress(name: str, count: int) -> None:
        if not as_json:
            click.echo(f"exporting {name}: {count} versions", err=True)

    summary = export_warc(app.store, names, output, progress)
    if as_json:
        emit_json(
            {
                "file": str(summary.path),
                "watches": summary.watches,
                "versions": summary.versions,
                "records": summary.records,
                "bytes": summary.bytes,
                "seconds": round(summary.seconds, 3),
            }
        )
        return
    click.echo(
        f"Wrote {summary.path}: {summary.versions} versions of {summary.watches} "
        f"watch{'' if summary.watches == 1 else 'es'}, "
        f"{summary.records} records, {summary.bytes:,} bytes in {summary.seconds:.2f}s "
        f"({_rate(summary.versions, summary.seconds)})."
    )


def _watch(app: AppContext, name: str) -> WatchSettings:
    configured = app.settings.watch(name)
    if configured is not None:
        return configured
    try:
        stored = app.store.watch(name)
    except UnknownWatchError:
        raise UnknownWatchError(
            f"no watch named {name!r} in the configuration or the database"
        ) from None
    return WatchSettings(name=stored.name, url=stored.url)


def _print_import(summary: ImportSummary, path: Path, url: str) -> None:
    click.echo(
        f"Read {path.name}: {summary.records} records, {summary.captures} captures of {url}."
    )
    versions = summary.versions
    span = (
        "no new version"
        if not versions
        else f"v{versions[0]}"
        if len(versions) == 1
        else f"versions v{versions[0]}-v{versions[-1]}"
    )
    click.echo(
        f"Recorded {summary.checks} check{'' if summary.checks == 1 else 's'} of "
        f"{summary.watch} as backfill (never alerted): "
        f"{span}, {summary.changes} change event{'' if summary.changes == 1 else 's'}, "
        f"in {summary.seconds:.2f}s "
        f"({_rate(summary.checks, summary.seconds)})."
    )
    if summary.skipped:
        passed = ", ".join(f"{n} {why}" for why, n in sorted(summary.skipped.items()))
        click.echo(f"Passed over: {passed}.")


@click.command("import-warc")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--watch", "name", required=True, metavar="NAME", help="The watch to backfill.")
@click.option(
    "--url-prefix",
    "prefixes",
    multiple=True,
    metavar="URL",
    help="Also take captures whose URL starts with URL (repeatable; default: the watch's URL).",
)
@click.option("--json", "as_json", is_flag=True, help="Print what was imported as JSON.")
@pass_app
def import_warc_command(
    app: AppContext, file: Path, name: str, prefixes: tuple[str, ...], as_json: bool
) -> None:
    """Backfill watch NAME from the captures of its page in a WARC file.

    Each capture, in capture order, is checked as if the page had been
    watched then: a version at its capture time, its facts, and its change
    events, marked as backfill and never alerted. A damaged or hostile file
    imports nothing.
    """
    from monitor.policy import alert_policy

    watch = _watch(app, name)
    scan = read_captures(file, Match(watch.url, prefixes), app.settings.fetch.max_bytes)
    summary = backfill(app.store, watch, scan, alert_policy(app.settings, watch))
    if as_json:
        emit_json(summary_json(summary))
    else:
        _print_import(summary, file, watch.url)
