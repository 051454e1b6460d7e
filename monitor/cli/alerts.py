"""``factwatch alerts``: the alert outbox (list, retry dead alerts, send a test)."""

from __future__ import annotations

import sys
from typing import Any

import click

from alerts.deliver import Deliverer, Report
from alerts.enqueue import probe_alerts
from model.timefmt import iso
from monitor.cli.common import (
    EXIT_FAILED,
    EXIT_OK,
    AppContext,
    emit_json,
    pass_app,
    say,
    when,
)
from monitor.table import render_table
from store import outbox
from store.outbox_models import OutboxRow

STATUSES = (outbox.PENDING, outbox.SENT, outbox.DEAD)


def report_words(report: Report) -> str:
    """``alerts: 2 sent, 1 retrying, 0 dead``."""
    return f"alerts: {report.sent} sent, {report.retried} retrying, {report.dead} dead"


def deliver_now(app: AppContext, *, quiet: bool = False, timeout: float | None = None) -> Report:
    """Deliver the pending alerts (waiting up to ``timeout`` for retries); report on stderr."""
    if not app.settings.alerts:
        return Report()
    report = Deliverer(app.store, app.settings).deliver(timeout)
    if not quiet and (report.sent or report.retried or report.dead):
        click.echo(report_words(report), err=True)
        for error in report.errors:
            say(f"  {error}", err=True)
    return report


def row_json(row: OutboxRow) -> dict[str, Any]:
    """One outbox row for ``alerts --json``."""
    return {
        "id": row.id,
        "key": row.key,
        "status": row.status,
        "channel": row.channel,
        "kind": row.kind,
        "watch": row.payload.get("watch"),
        "attempts": row.attempts,
        "created_at": iso(row.created_at),
        "next_attempt_at": iso(row.next_attempt_at) if row.status == outbox.PENDING else None,
        "sent_at": iso(row.sent_at) if row.sent_at else None,
        "last_error": row.last_error,
    }


def _row_cells(row: OutboxRow) -> tuple[object, ...]:
    moment = (
        row.sent_at
        if row.status == outbox.SENT
        else (row.next_attempt_at if row.status == outbox.PENDING else None)
    )
    return (
        row.id,
        row.status,
        row.channel,
        row.kind,
        row.payload.get("watch") or "-",
        row.attempts,
        when(row.created_at),
        when(moment),
        row.last_error or "",
    )


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print the alerts as JSON.")
@click.option("--status", type=click.Choice(STATUSES), help="Only alerts in this state.")
@click.option(
    "--limit",
    default=50,
    show_default=True,
    type=click.IntRange(min=1),
    help="At most this many alerts, newest first.",
)
@click.pass_context
def alerts(ctx: click.Context, as_json: bool, status: str | None, limit: int) -> None:
    """List alerts: pending (queued or retrying), sent and dead."""
    if ctx.invoked_subcommand is not None:
        return
    app = ctx.ensure_object(AppContext)
    found = outbox.rows(app.store, status, limit)
    if as_json:
        emit_json([row_json(r) for r in found])
        return
    counts = outbox.counts(app.store)
    click.echo(", ".join(f"{counts[s]} {s}" for s in STATUSES))
    if found:
        headers = [
            "ID",
            "STATUS",
            "CHANNEL",
            "KIND",
            "WATCH",
            "TRIES",
            "CREATED",
            "NEXT/SENT",
            "ERROR",
        ]
        click.echo(render_table(headers, [_row_cells(r) for r in found], max_cell=60))


@alerts.command()
@click.argument("ids", nargs=-1, type=int, metavar="[ID]...")
@click.option("--no-deliver", is_flag=True, help="Only requeue; deliver later.")
@pass_app
def retry(app: AppContext, ids: tuple[int, ...], no_deliver: bool) -> None:
    """Requeue dead alerts (the IDs given, or all) and deliver them."""
    requeued = outbox.requeue(app.store, ids)
    missing = sorted(set(ids) - set(requeued))
    click.echo(f"requeued {len(requeued)} alert(s)" + (f" {requeued}" if requeued else ""))
    if missing:
        click.echo(f"not dead or unknown: {missing}", err=True)
    report = Report() if no_deliver else deliver_now(app, quiet=True, timeout=0)
    if not no_deliver:
        click.echo(report_words(report))
    sys.exit(EXIT_FAILED if missing or report.dead else EXIT_OK)


@alerts.command()
@click.argument("channel", required=False)
@pass_app
def test(app: AppContext, channel: str | None) -> None:
    """Send a test message to CHANNEL (default: every channel) through the outbox."""
    names = [c.name for c in app.settings.alerts]
    if channel is not None and channel not in names:
        raise click.UsageError(f"no alert channel named {channel} (have: {', '.join(names)})")
    if not names:
        raise click.UsageError("no alert channels configured (add some under 'alerts:')")
    ids = outbox.enqueue(app.store, probe_alerts([channel] if channel else names))
    deliver_now(app, quiet=True, timeout=0)
    by_id = {r.id: r for r in outbox.rows(app.store) if r.id in ids}
    for row_id in ids:
        row = by_id[row_id]
        words = {outbox.SENT: "sent", outbox.DEAD: "FAILED"}.get(row.status, "pending (retrying)")
        detail = f": {row.last_error}" if row.last_error else ""
        say(f"{row.channel}: {words}{detail}")
    sys.exit(EXIT_OK if all(by_id[i].status == outbox.SENT for i in ids) else EXIT_FAILED)
