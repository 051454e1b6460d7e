"""Audit commands: ``facts``, ``changes``, ``history``, ``show``, ``diff``."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

import click

from model.errors import UnknownWatchError
from model.events import EventMeta, event_json
from model.facts import Fact
from model.kinds import describe, format_value, tally
from model.timefmt import iso
from monitor.cli.common import TIME, UNTIL, AppContext, emit_json, parse_time, pass_app, say, when
from monitor.table import render_table
from store.models import Version
from store.repo import Store, change_from_row


def fact_json(fact: Fact) -> dict[str, Any]:
    """A fact for ``facts --json``: the VALUE keys plus kind, subject, evidence."""
    out = fact.to_json()
    out["value"] = dict(fact.value)
    out["rule"] = fact.rule
    return out


def _version_or_fail(
    store: Store, name: str, at: datetime | None, seq: int | None = None
) -> Version:
    version = store.version(name, seq=seq, at=at)
    if version is None:
        what = f"version {seq}" if seq else f"version at {when(at)}" if at else "version"
        raise UnknownWatchError(f"watch {name!r} has no {what} stored yet")
    return version


@click.command()
@click.argument("name")
@click.option("--at", type=UNTIL, help="The facts as they were at this time (ISO 8601, UTC).")
@click.option("--version", "seq", type=int, help="A version number (see `history`).")
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON.")
@click.option("--explain", is_flag=True, help="Show which rule found each fact, and its evidence.")
@pass_app
def facts(
    app: AppContext,
    name: str,
    at: datetime | None,
    seq: int | None,
    as_json: bool,
    explain: bool,
) -> None:
    """List the facts of watch NAME (latest version, the one current --at TIME, or --version N)."""
    version = _version_or_fail(app.store, name, at, seq)
    stored = app.store.stored_facts(version.id)
    found = stored.facts
    if as_json:
        emit_json([fact_json(f) for f in found])
        return
    click.echo(f"{name} v{version.seq} (stored {when(version.created_at)}): {len(found)} facts")
    if explain:
        say(f"main content read from: {stored.region or 'the whole page'}")
        for fact in found:
            say(f"\n[{fact.kind}] {fact.subject}: {format_value(fact.kind, fact.value)}")
            say(f"  rule: {fact.rule}   section: {fact.section or '-'}")
            say(f"  evidence: {fact.evidence}")
        return
    rows = [(f.kind, f.subject, format_value(f.kind, f.value), f.period or "") for f in found]
    click.echo(render_table(["KIND", "SUBJECT", "VALUE", "PERIOD"], rows, max_cell=90))


def _events(
    store: Store, watch: str | None, since: datetime | None, limit: int | None
) -> list[dict[str, Any]]:
    rows = store.changes(watch=watch, since=since, limit=limit)
    seqs = store.version_seqs(
        [r.version_before_id for r, _ in rows] + [r.version_after_id for r, _ in rows]
    )
    return [
        event_json(
            change_from_row(row),
            EventMeta(
                row.id,
                w.name,
                w.url,
                row.detected_at,
                seqs.get(row.version_before_id) if row.version_before_id else None,
                seqs[row.version_after_id],
            ),
        )
        | {"origin": row.origin}
        for row, w in rows
    ]


@click.command()
@click.option("--watch", "watch", metavar="NAME", help="Only this watch's changes.")
@click.option("--since", type=TIME, help="Only changes detected at or after this time.")
@click.option("--limit", type=click.IntRange(min=1), help="Only the newest N changes.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON (oldest first).")
@pass_app
def changes(
    app: AppContext, watch: str | None, since: datetime | None, limit: int | None, as_json: bool
) -> None:
    """List fact-level change events, oldest first."""
    events = _events(app.store, watch, since, limit)
    if as_json:
        emit_json(events)
        return
    if not events:
        click.echo("No changes recorded.")
        return
    rows = [
        (
            e["id"],
            when(parse_time(e["detected_at"])),
            e["watch"],
            e["kind"],
            e["change"],
            e["summary"] + (" (backfill)" if e["origin"] == "backfill" else ""),
        )
        for e in events
    ]
    click.echo(
        render_table(["ID", "DETECTED", "WATCH", "KIND", "CHANGE", "WHAT"], rows, max_cell=100)
    )


@click.command()
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the history as JSON.")
@pass_app
def history(app: AppContext, name: str, as_json: bool) -> None:
    """List the versions of watch NAME, and its recent check attempts."""
    versions = app.store.versions(name)
    checks = app.store.checks(name, limit=10)
    if as_json:
        emit_json(
            {
                "watch": name,
                "versions": [
                    {
                        "version": v.seq,
                        "stored_at": iso(v.created_at),
                        "url": v.url,
                        "title": v.title,
                        "body_sha256": v.body_sha,
                        "facts": len(app.store.facts(v.id)),
                    }
                    for v in versions
                ],
                "checks": [
                    {
                        "started_at": iso(c.started_at),
                        "outcome": c.outcome,
                        "status": c.status,
                        "reason": c.reason,
                        "error": c.error,
                        "duration": round(c.duration, 3),
                        "worker": c.worker,
                    }
                    for c in checks
                ],
            }
        )
        return
    table: list[tuple[object, ...]] = [
        (f"v{v.seq}", when(v.created_at), v.body_sha[:12], v.title) for v in versions
    ]
    click.echo(render_table(["VERSION", "STORED", "SHA256", "TITLE"], table))
    click.echo("\nRecent checks:")
    rows = [
        (when(c.started_at), c.outcome, c.status or "-", f"{c.duration:.2f}s", c.error or "")
        for c in checks
    ]
    click.echo(render_table(["STARTED", "OUTCOME", "HTTP", "TIME", "REASON"], rows))


@click.command()
@click.argument("name")
@click.option("--at", type=UNTIL, help="The page as it was at this time (ISO 8601, UTC).")
@click.option("--version", "seq", type=int, help="A version number (see `history`).")
@pass_app
def show(app: AppContext, name: str, at: datetime | None, seq: int | None) -> None:
    """Print the clean text of watch NAME as it was (latest, --at TIME or --version N)."""
    version = _version_or_fail(app.store, name, at, seq)
    say(f"# {name} v{version.seq}, stored {when(version.created_at)}, {version.url}", err=True)
    say(app.store.text(version))


@click.command()
@click.argument("name")
@click.option("--from", "from_seq", type=int, help="Older version (default: the one before --to).")
@click.option("--to", "to_seq", type=int, help="Newer version (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print fact changes and text diff as JSON.")
@pass_app
def diff(
    app: AppContext, name: str, from_seq: int | None, to_seq: int | None, as_json: bool
) -> None:
    """Fact changes between two versions of NAME, then a text diff."""
    store = app.store
    new = _version_or_fail(store, name, None, to_seq)
    old = _version_or_fail(store, name, None, from_seq if from_seq else max(new.seq - 1, 1))
    from alerts.diff import diff_stored  # the diff engine loads for `diff` only

    events = diff_stored(store, old.id, new.id)
    text = list(
        difflib.unified_diff(
            store.text(old).splitlines(),
            store.text(new).splitlines(),
            f"v{old.seq}",
            f"v{new.seq}",
            lineterm="",
        )
    )
    if as_json:
        emit_json(
            {
                "watch": name,
                "from": old.seq,
                "to": new.seq,
                "changes": [
                    {
                        "kind": c.kind,
                        "change": c.change,
                        "subject": c.subject,
                        "summary": describe(c),
                        "before": c.before,
                        "after": c.after,
                    }
                    for c in events
                ],
                "text_diff": text,
            }
        )
        return
    say(f"{name}: v{old.seq} -> v{new.seq}, {tally(events)}")
    for change in events:
        say(f"  - {describe(change)}")
    click.echo("")
    say("\n".join(text) if text else "(no text difference)")
