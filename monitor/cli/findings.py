"""``factwatch findings``: where a page and its statements, or two languages, disagree."""

from __future__ import annotations

from typing import Any

import click

from model.timefmt import iso, iso_or_none
from monitor.cli.common import AppContext, emit_json, pass_app, when
from monitor.table import render_table
from store.findings import StoredFinding
from store.findings import findings as stored_findings

KINDS = ("discrepancy", "parity")
BASES = {
    "modified": "its Date modified",
    "published": "its publication date",
    "observed": "first seen by factwatch",
}


def finding_json(finding: StoredFinding) -> dict[str, Any]:
    """The public JSON of one finding (``factwatch findings --json``)."""
    return {
        "id": finding.id,
        "kind": finding.kind,
        "status": "open" if finding.open else "resolved",
        "owner": finding.owner,
        "left": finding.left,
        "right": finding.right,
        "subject": finding.subject,
        "section": finding.section,
        "summary": finding.summary(),
        "opened_at": iso(finding.opened_at),
        "updated_at": iso(finding.updated_at),
        "resolved_at": iso_or_none(finding.resolved_at),
        "resolution": finding.resolution,
        **finding.detail,
    }


def _resolved(finding: StoredFinding) -> str:
    if finding.open:
        return "open"
    return f"{when(finding.resolved_at)} ({finding.resolution})"


def _explain(finding: StoredFinding) -> None:
    click.echo(f"\n#{finding.id} [{finding.kind}] {finding.summary()}")
    click.echo(f"  opened {when(finding.opened_at)}; {_resolved(finding)}")
    for side in finding.detail.get("sides", ()):
        basis = BASES.get(side.get("basis") or "", "")
        since = f", since {side['since']} ({basis})" if side.get("since") else ""
        click.echo(f"  {side['label']} - {side['watch']}{since}:")
        click.echo(f"    {side.get('evidence') or '-'}")
    link = finding.detail.get("link") or {}
    if link:
        click.echo(f"  linked by: {link.get('why')} (confidence {link.get('confidence')})")


@click.command()
@click.argument("name", required=False)
@click.option(
    "--all", "include_resolved", is_flag=True, help="Include resolved findings, newest first."
)
@click.option("--kind", type=click.Choice(KINDS), help="Only findings of this kind.")
@click.option(
    "--explain", is_flag=True, help="Show both evidence sentences and why the facts were linked."
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@pass_app
def findings(
    app: AppContext,
    name: str | None,
    include_resolved: bool,
    kind: str | None,
    explain: bool,
    as_json: bool,
) -> None:
    """List open findings: facts a page and its statements, or two languages, state differently.

    NAME limits the list to the findings that involve that watch. A finding
    is open from the check that saw the difference until the one that saw
    the sources agree again (``--all`` lists those too).
    """
    found = stored_findings(app.store, name, include_resolved=include_resolved)
    found = [f for f in found if kind is None or f.kind == kind]
    if as_json:
        emit_json([finding_json(f) for f in found])
        return
    if not found:
        click.echo("No findings." if include_resolved else "No open findings.")
        return
    if explain:
        for finding in found:
            _explain(finding)
        return
    rows = [
        (f.id, f.kind, when(f.opened_at), _resolved(f), f"{f.left} / {f.right}", f.summary())
        for f in found
    ]
    headers = ["ID", "KIND", "OPENED", "RESOLVED", "SOURCES", "WHAT"]
    click.echo(render_table(headers, rows, max_cell=110))
