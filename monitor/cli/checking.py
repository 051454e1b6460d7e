"""``factwatch check``."""

from __future__ import annotations

import sys

import click

from model.kinds import describe, tally
from model.outcomes import Changed, Failed, Outcome, Unchanged
from monitor.cli.alerts import deliver_now
from monitor.cli.common import EXIT_FAILED, EXIT_OK, AppContext, emit_json, pass_app, say
from monitor.dispatch import Finished, Progress, check_once
from monitor.table import render_table


def outcome_json(outcome: Outcome) -> dict[str, object]:
    """One check outcome for ``check --json``."""
    if isinstance(outcome, Failed):
        return {
            "watch": outcome.watch,
            "outcome": "failed",
            "reason": outcome.reason,
            "message": outcome.message,
            "check_id": outcome.check_id,
        }
    if isinstance(outcome, Unchanged):
        return {
            "watch": outcome.watch,
            "outcome": "unchanged",
            "via": outcome.via,
            "check_id": outcome.check_id,
        }
    return {
        "watch": outcome.watch,
        "outcome": "baseline" if outcome.baseline else "changed",
        "version": outcome.version,
        "changes": [describe(c) for c in outcome.changes],
        "check_id": outcome.check_id,
    }


def outcome_words(outcome: Outcome) -> str:
    """A short phrase for one outcome."""
    if isinstance(outcome, Failed):
        return f"FAILED ({outcome.reason}): {outcome.message}"
    if isinstance(outcome, Unchanged):
        return {"304": "unchanged (304)", "hash": "unchanged", "text": "unchanged (markup only)"}[
            outcome.via
        ]
    if outcome.baseline:
        return f"first version stored (v{outcome.version})"
    return f"new version v{outcome.version}: {tally(outcome.changes)}"


def _progress(quiet: bool) -> Progress:
    def report(finished: Finished, position: int, total: int) -> None:
        if not quiet:
            name, words = finished.job.watch.name, outcome_words(finished.outcome)
            via = f" (cited by {finished.job.parent})" if finished.job.parent else ""
            say(f"[{position}/{total}] {name}{via}: {words}", err=True)

    return report


def run_pass(app: AppContext, names: tuple[str, ...], quiet: bool) -> list[Outcome]:
    """Check the named (or all) watches once, reporting progress on stderr: one line per
    check, counting the statements the pages cite as they are found."""
    watches = app.select_watches(names)
    return check_once(app.store, app.settings, watches, _progress(quiet))


def print_outcomes(outcomes: list[Outcome]) -> None:
    """A table of outcomes, then each change in words."""
    rows = [(o.watch, outcome_words(o)) for o in outcomes]
    click.echo(render_table(["WATCH", "RESULT"], rows, max_cell=100))
    for outcome in outcomes:
        if isinstance(outcome, Changed):
            for change in outcome.changes:
                say(f"  {outcome.watch}: {describe(change)}")


@click.command()
@click.argument("names", nargs=-1, metavar="[NAME]...")
@click.option("--json", "as_json", is_flag=True, help="Print the outcomes as JSON.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines on stderr.")
@pass_app
def check(app: AppContext, names: tuple[str, ...], as_json: bool, quiet: bool) -> None:
    """Check every watch (or the NAMEd ones) once, now.

    Exit status 1 if any watch failed, or an alert died while this run
    delivered them; the others are still checked, stored and sent.
    """
    if not app.settings.watches:
        click.echo("No watches configured: add one with `factwatch add URL`.", err=True)
    outcomes = run_pass(app, names, quiet or as_json)
    report = deliver_now(app, quiet=quiet or as_json)  # this pass's alerts and any still pending
    if as_json:
        emit_json([outcome_json(o) for o in outcomes])
    else:
        print_outcomes(outcomes)
    if report.dead:
        say(
            f"factwatch: {report.dead} alert(s) could not be delivered and are dead "
            "(see `factwatch alerts --status dead`; `factwatch alerts retry` once fixed)",
            err=True,
        )
    failed = report.dead or any(isinstance(o, Failed) for o in outcomes)
    sys.exit(EXIT_FAILED if failed else EXIT_OK)
