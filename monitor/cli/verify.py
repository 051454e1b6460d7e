"""``factwatch verify``: the hash chain and the stored bodies, checked."""

from __future__ import annotations

import re
import sys

import click

from model.timefmt import iso
from monitor.cli.common import EXIT_FAILED, EXIT_OK, AppContext, emit_json, pass_app
from monitor.table import render_table
from store.verify import WatchReport, verify_all, verify_watch

_HASH = re.compile(r"^[0-9a-fA-F]{64}$")


def _head_hash(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not _HASH.match(value.strip()):
        raise click.BadParameter("a head is the 64 hex digits `verify --head` printed")
    return value.strip().lower() if value else None


def _result_words(report: WatchReport) -> str:
    if report.broken is not None:
        return f"BROKEN at v{report.broken.seq} ({report.broken.kind}): {report.broken.message}"
    if report.expected_at is not None:
        return f"ok (expected head is v{report.expected_at})"
    return "ok"


def _print_table(reports: list[WatchReport]) -> None:
    rows = [
        (
            r.watch,
            r.versions,
            f"v{r.head.seq} {r.head.sha[:16]}" if r.head else "-",
            _result_words(r),
        )
        for r in reports
    ]
    click.echo(render_table(["WATCH", "VERSIONS", "HEAD", "RESULT"], rows, max_cell=100))
    broken = sum(1 for r in reports if not r.ok)
    versions = sum(r.versions for r in reports)
    if broken:
        click.echo(f"\n{broken} of {len(reports)} watches BROKEN (exit status 1).")
    else:
        watches = f"{len(reports)} watch{'' if len(reports) == 1 else 'es'}"
        click.echo(f"\nAll {watches} verified: {versions} versions, chains intact.")


def _print_head(report: WatchReport, as_json: bool) -> None:
    head = report.head
    if head is None:
        raise click.UsageError(f"watch {report.watch!r} has no version yet, so no head")
    if as_json:
        emit_json(
            {
                "watch": head.watch,
                "version": head.seq,
                "fetched_at": iso(head.fetched_at, ms=True),
                "head": head.sha,
            }
        )
        return
    click.echo(f"{head.watch} v{head.seq} {iso(head.fetched_at, ms=True)} {head.sha}")


@click.command()
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@click.option(
    "--head",
    "show_head",
    is_flag=True,
    help="Print the current head of NAME's chain (after verifying it), to publish elsewhere.",
)
@click.option(
    "--expect",
    metavar="HEAD",
    callback=_head_hash,
    help="Also require this head (printed earlier by --head) to be in NAME's chain.",
)
@pass_app
def verify(
    app: AppContext, name: str | None, as_json: bool, show_head: bool, expect: str | None
) -> None:
    """Verify the hash chain and the stored bodies of every watch (or NAME).

    Recomputes every stored body's SHA-256 and every version's chain hash and
    reports the first break per watch: a changed body, a removed or reordered
    version, an edited timestamp. Exit status 1 on any break.
    """
    if (show_head or expect) and not name:
        raise click.UsageError("--head and --expect need a watch NAME")
    store = app.store
    reports = [verify_watch(store, name, expect)] if name else verify_all(store)
    broken = any(not r.ok for r in reports)
    if show_head and broken:
        click.echo(f"factwatch: {name}: {_result_words(reports[0])}; no head printed", err=True)
    elif show_head:
        _print_head(reports[0], as_json)
    elif as_json:
        emit_json({"ok": not broken, "watches": [r.to_json() for r in reports]})
    else:
        _print_table(reports)
    sys.exit(EXIT_FAILED if broken else EXIT_OK)
