"""``factwatch demo``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from model.kinds import describe, format_value
from model.outcomes import Changed
from monitor.cli.checking import outcome_words
from monitor.demo import WATCH, run_demo
from monitor.table import render_table


@click.command()
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the demo database in this folder (default: a temporary folder).",
)
def demo(keep: Path | None) -> None:
    """Watch a bundled copy of the seed page change, without network.

    Serves two versions of Public Safety Canada's "International Efforts and
    Cooperation" page on 127.0.0.1, checks each into a database of its own
    (removed afterwards unless --keep DIR), and prints the facts of the first
    and the fact changes of the second.
    """
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
        _show(keep)
        click.echo(f"\nDatabase kept: sqlite:///{keep}/demo.db")
        return
    with tempfile.TemporaryDirectory(prefix="factwatch-demo-") as folder:
        _show(Path(folder))
    click.echo("\nThe demo database was temporary and is removed; --keep DIR keeps it.")


def _show(folder: Path) -> None:
    store, outcomes = run_demo(folder)
    try:
        first = store.version(WATCH, seq=1)
        assert first is not None
        found = store.facts(first.id)
        click.echo(f"Check 1: {outcome_words(outcomes[0])}; {len(found)} facts:\n")
        rows = [(f.kind, f.subject, format_value(f.kind, f.value)) for f in found]
        click.echo(render_table(["KIND", "SUBJECT", "VALUE"], rows, max_cell=80))
        click.echo(f"\nCheck 2: {outcome_words(outcomes[1])}")
        if isinstance(outcomes[1], Changed):
            for change in outcomes[1].changes:
                click.echo(f"  - {describe(change)}")
    finally:
        store.close()
