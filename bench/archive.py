"""``python -m bench.archive``: export, import and verify speed on the benchmark corpus.

The store is filled with the corpus's history without a page server: every
page at variant 1, then at variant 2 (one page in ten changes a fact, one in
ten only its boilerplate), each through the check's own steps
(:func:`monitor.check.check_response`) and written with :func:`~monitor.check.record`,
so the versions, facts and chains are those a service would have stored.
Then, timed:

* ``export``: every watch into one WARC (:func:`monitor.warc.export_warc`);
* ``import``: each watch's own WARC (as a web archive serves one page) read
  and backfilled into an empty database, parsing and diffing every capture;
* ``verify``: every body hash and chain hash of the imported database.

Speeds are versions per second of wall time, in one process, and per second
of CPU time (the machine may be shared). Results go to
``bench/results/archive.json`` (one entry per backend and N).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alerts.enqueue import AlertPolicy
from bench import corpus
from bench.measure import Timer, peak_rss_mb
from bench.passes import watch_name
from bench.run import database, machine
from monitor.check import check_response, record, stored_past
from monitor.fetch import FetchResult, Validators
from monitor.settings import WatchSettings
from monitor.warc import Match, backfill, export_warc, read_captures
from store.repo import Store
from store.verify import verify_all

RESULTS = Path(__file__).parent / "results" / "archive.json"
BASE = "http://127.0.0.1:8000"
START = datetime(2023, 6, 9, tzinfo=UTC)


def _watch(index: int) -> WatchSettings:
    return WatchSettings(name=watch_name(index), url=BASE + corpus.path(index))


def _response(watch: WatchSettings, index: int, variant: int) -> FetchResult:
    body = corpus.page_bytes(index, variant)
    headers = (
        ("Content-Type", "text/html; charset=utf-8"),
        ("ETag", corpus.etag(body)),
        ("Last-Modified", corpus.last_modified(index, variant)),
    )
    return FetchResult(watch.url, 200, body, "text/html", "utf-8", Validators(), 0.0, headers)


def fill(store: Store, n: int) -> int:
    """Store the corpus's two variants for ``n`` pages; the number of versions."""
    watches = [_watch(i) for i in range(n)]
    store.open_watches([(w.name, w.url, None) for w in watches])
    for variant in (1, 2):
        at = START + timedelta(days=365 * (variant - 1))
        for index, watch in enumerate(watches):
            past = stored_past(store, watch.name, store.state(watch.name))
            result = check_response(store, watch, past, _response(watch, index, variant), at)
            record(store, result, AlertPolicy())
    return sum(store.version_counts().values())


def _phase(count: int, timer: Timer, **extra: Any) -> dict[str, Any]:
    rate = count / timer.wall if timer.wall else 0.0
    return {
        "versions": count,
        "wall": timer.wall,
        "cpu": timer.cpu,
        "versions_per_s": rate,
        **extra,
    }


def measure(n: int, db_url: str, empty_url: str, folder: Path) -> dict[str, Any]:
    """Fill, then time export, import and verify; the raw measurements."""
    source = Store.open(db_url)
    versions = fill(source, n)
    whole = folder / "corpus.warc.gz"
    timer = Timer().start()
    summary = export_warc(source, [], whole)
    phases = {"export": _phase(versions, timer.stop(), bytes=summary.bytes)}
    singles = []
    for index in range(n):
        path = folder / f"{watch_name(index)}.warc.gz"
        export_warc(source, [watch_name(index)], path)
        singles.append((_watch(index), path))
    source.close()
    target = Store.open(empty_url)
    timer = Timer().start()
    imported = sum(
        len(backfill(target, w, read_captures(p, Match(w.url), 10_000_000), AlertPolicy()).versions)
        for w, p in singles
    )
    phases["import"] = _phase(imported, timer.stop(), peak_rss_mb=peak_rss_mb(0))
    timer = Timer().start()
    reports = verify_all(target)
    phases["verify"] = _phase(sum(r.versions for r in reports), timer.stop())
    phases["verify"]["intact"] = all(r.ok for r in reports)
    target.close()
    return phases


def markdown(result: dict[str, Any]) -> str:
    """The results as a small markdown table."""
    lines = [
        f"Archive speed: N={result['n']} pages, {result['backend']}",
        "",
        "| phase | versions | wall s | versions/s | CPU s | versions per CPU s |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, p in result["phases"].items():
        per_cpu = p["versions"] / p["cpu"] if p["cpu"] else 0.0
        lines.append(
            f"| {name} | {p['versions']} | {p['wall']:.2f} | {p['versions_per_s']:.1f} "
            f"| {p['cpu']:.2f} | {per_cpu:.1f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the archive benchmark, print the table, write the JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.archive", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--n", type=int, default=1000, help="number of pages (default 1000)")
    parser.add_argument(
        "--db", default=None, help="database URL (default: SQLite in a temporary folder)"
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory(prefix="factwatch-archive-") as folder,
        database(args.db) as source,
        database(args.db) as empty,
    ):
        print(f"bench: archive, {args.n} pages ...", file=sys.stderr, flush=True)
        phases = measure(args.n, source, empty, Path(folder))
    backend = (args.db or "sqlite").split(":", 1)[0].split("+")[0]
    result = {"n": args.n, "backend": backend, "phases": phases, "machine": machine()}
    print(markdown(result))
    saved = json.loads(args.out.read_text()) if args.out.exists() else {"runs": {}}
    saved["runs"][f"{backend}-{args.n}"] = result
    args.out.write_text(json.dumps(saved, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
