"""``python -m bench.web``: the web UI and API over a large history.

Builds a database of ``--watches`` watches (one in ten a document followed
by the one before it) with ``--versions`` versions each (25 facts per
version, one figure moving at each new version, so one change event per
version after the first), two checks per version (the one that stored it,
one unchanged) and a schedule row per watch, written with bulk inserts.
Then serves it with the real application on a real server (uvicorn on
127.0.0.1) and measures, from the ``Server-Timing`` header each response
carries (server-side time) and the client's clock:

* the overview (first page, a page deep in the list, a filtered page);
* a watch page, a version page, a diff page, a fact page (random watches);
* paging through every change event with the API (``/api/v1/changes``),
  the rate and its steadiness (first tenth of the pages against the last);
* paging through every watch with the API.

Prints a markdown table and writes ``bench/results/web.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert

from model.facts import Fact
from monitor.settings import Settings, WebSettings
from store import snapshots
from store.audit import encode_cursor
from store.chain import chain_hash
from store.db import scratch_schema
from store.facts_codec import encode_facts
from store.models import Blob, ChangeRow, Check, Version, Watch
from store.repo import Store
from store.scheduler_models import WatchSchedule

RESULTS = Path(__file__).parent / "results" / "web.json"
FACTS = 25
FIGURES = [n for n in range(FACTS) if n % 3 == 1]  # the figure that moves at version v: v % 8
BATCH = 5000
START = datetime(2025, 1, 1, tzinfo=UTC)
SECTIONS = ("Working groups", "Principles", "Reports", "Agreements", "Timeline")
MEMBERS = ("Australia", "Canada", "France", "Germany", "Italy", "Japan", "New Zealand",
           "United Kingdom", "United States", "European Union")  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``python -m bench.web``."""
    parser = argparse.ArgumentParser(prog="python -m bench.web", description=__doc__.split("\n")[0])
    parser.add_argument("--watches", type=int, default=10_000, help="watches (default 10000)")
    parser.add_argument("--versions", type=int, default=10, help="versions per watch (default 10)")
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temp dir)")
    parser.add_argument("--samples", type=int, default=40, help="requests per page (default 40)")
    parser.add_argument("--page-size", type=int, default=500, help="API page size (default 500)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    return parser.parse_args(argv)


# -- the history ---------------------------------------------------------------------


def watch_name(i: int) -> str:
    """Watch ``i``'s name: one in ten is a document followed by the watch before it."""
    base = f"agency-{i - 1 if i % 10 == 9 else i:05d}"
    return f"{base}/statement-{i:05d}" if i % 10 == 9 else base


def facts(i: int, version: int) -> list[Fact]:
    """The facts of version ``version`` of watch ``i``; each new version moves one figure."""
    out = []
    for n in range(FACTS):
        section = SECTIONS[n % len(SECTIONS)]
        if n % 3 == 0:
            members = sorted(MEMBERS[(i + n + k) % len(MEMBERS)] for k in range(4 + n % 4))
            evidence = f"Members of group {n} include {', '.join(members)}."
            out.append(Fact("membership", f"Group {n} of agency {i}", {"members": members},
                            evidence, section))  # fmt: skip
        elif n % 3 == 1:
            moves = sum(1 for v in range(2, version + 1) if FIGURES[v % len(FIGURES)] == n)
            amount = 1000 + 37 * i + n + 11 * moves
            evidence = f"In 2024, {amount} reports were counted in item {n}."
            out.append(Fact("figure", f"reports counted in item {n}",
                            {"amount": amount, "qualifier": None, "unit": "reports"},
                            evidence, section, "2024"))  # fmt: skip
        else:
            out.append(Fact("date", f"event {n} held", {"date": f"20{10 + n % 15}-0{1 + n % 9}"},
                            f"Event {n} was held in 20{10 + n % 15}.", section))  # fmt: skip
    return out


def _text(i: int, version: int, found: list[Fact]) -> str:
    lines = [f"Agency {i}: international cooperation (version {version})"]
    lines += [f.evidence for f in found]
    return "\n".join(lines)


def _blob(data: bytes, rows: dict[str, dict[str, Any]]) -> str:
    sha = snapshots.digest(data)
    if sha not in rows:
        rows[sha] = {
            "sha256": sha,
            "size": len(data),
            "data": snapshots.pack(data),
            "created_at": START,
        }
    return sha


class _Writer:
    """Bulk inserts in batches, every table flushed in foreign-key order."""

    ORDER = (Watch, WatchSchedule, Blob, Version, Check, ChangeRow)

    def __init__(self, store: Store) -> None:
        self.store = store
        self.rows: dict[Any, list[dict[str, Any]]] = {t: [] for t in self.ORDER}

    def add(self, table: Any, row: dict[str, Any]) -> None:
        self.rows[table].append(row)

    def maybe_flush(self) -> None:
        """Flush once a batch is full (called between watches, so nothing dangles)."""
        if max(len(rows) for rows in self.rows.values()) >= BATCH:
            self.flush()

    def flush(self) -> None:
        with self.store.engine.begin() as conn:
            for table in self.ORDER:
                if self.rows[table]:
                    conn.execute(insert(table.__table__), self.rows[table])
                    self.rows[table] = []


def build(store: Store, watches: int, versions: int) -> dict[str, int]:
    """Write the history; the counts written."""
    out = _Writer(store)
    counts = {"watches": watches, "versions": 0, "checks": 0, "changes": 0}
    version_id = check_id = change_id = 0
    for i in range(1, watches + 1):
        _watch_rows(out, i, versions)
        blobs: dict[str, dict[str, Any]] = {}
        previous: list[Fact] | None = None
        chain: str | None = None
        for seq in range(1, versions + 1):
            version_id += 1
            at = START + timedelta(days=seq * 7, minutes=i % 1440)
            found = facts(i, seq)
            text = _text(i, seq, found)
            body = f"<html><body><main><h1>Agency {i}</h1><p>{text}</p></main></body></html>"
            body_sha, url = _blob(body.encode(), blobs), f"https://example.org/{i}"
            prev, chain = chain, chain_hash(chain, body_sha, url, at, 200, None)
            out.add(Version, {
                "id": version_id, "watch_id": i, "seq": seq, "created_at": at,
                "body_sha": body_sha, "text_sha": _blob(text.encode(), blobs),
                "facts_sha": _blob(encode_facts(found), blobs), "url": url,
                "content_type": "text/html", "title": f"Agency {i}", "status": 200,
                "chain_prev": prev, "chain_sha": chain,
            })  # fmt: skip
            for offset, outcome in ((0, "changed" if seq > 1 else "baseline"), (3, "unchanged")):
                check_id += 1
                out.add(Check, {
                    "id": check_id, "watch_id": i, "started_at": at + timedelta(days=offset),
                    "duration": 0.2, "status": 200, "outcome": outcome, "reason": None,
                    "error": None, "body_sha": None,
                    "version_id": None if offset else version_id,
                })  # fmt: skip
                if previous is not None and not offset:
                    change_id += 1
                    out.add(
                        ChangeRow, _change(change_id, i, check_id, version_id, at, previous, found)
                    )
            previous = found
        for row in blobs.values():
            out.add(Blob, row)
        out.maybe_flush()
        counts["versions"] += versions
        counts["checks"] += 2 * versions
        counts["changes"] += versions - 1
    out.flush()
    return counts


def _watch_rows(out: _Writer, i: int, versions: int) -> None:
    parent = i - 1 if i % 10 == 9 else None
    out.add(Watch, {
        "id": i, "name": watch_name(i), "url": f"https://example.org/{i}", "parent_id": parent,
        "created_at": START, "last_body_sha": None, "etag": None, "last_modified": None,
        "consecutive_failures": 1 if i % 50 == 0 else 0,
    })  # fmt: skip
    next_run = START + timedelta(days=versions * 7 + 4)
    out.add(WatchSchedule, {"watch_id": i, "next_run_at": next_run, "retry_after_until": None,
                            "follow_sig": None, "updated_at": START})  # fmt: skip


def _change(
    cid: int, i: int, check: int, version: int, at: datetime, old: list[Fact], new: list[Fact]
) -> dict[str, Any]:
    [(before, after)] = [(a, b) for a, b in zip(old, new, strict=True) if a.value != b.value]
    return {
        "id": cid, "watch_id": i, "check_id": check, "version_before_id": version - 1,
        "version_after_id": version, "detected_at": at, "kind": "figure", "change": "changed",
        "subject": after.subject, "section": after.section, "before": before.value,
        "after": after.value, "added": [], "removed": [], "evidence_before": before.evidence,
        "evidence_after": after.evidence, "period_before": "2024", "period_after": "2024",
        "note": None,
    }  # fmt: skip


# -- measuring ---------------------------------------------------------------------------


def _timed(client: httpx.Client, url: str) -> tuple[float, float, httpx.Response]:
    started = time.perf_counter()
    response = client.get(url)
    wall = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code, response.text[:200])
    server = float(response.headers["server-timing"].split("dur=")[1])
    return server, wall, response


def _summary(samples: list[tuple[float, float]]) -> dict[str, float]:
    server = sorted(s for s, _ in samples)
    wall = sorted(w for _, w in samples)
    p95 = max(0, int(len(server) * 0.95) - 1)
    return {
        "n": len(samples),
        "server_median_ms": statistics.median(server),
        "server_p95_ms": server[p95],
        "server_max_ms": server[-1],
        "wall_median_ms": statistics.median(wall),
    }


def measure_pages(
    client: httpx.Client, base: str, watches: int, versions: int, samples: int
) -> dict[str, Any]:
    """Server-side render times of each page."""
    rng = random.Random(14)
    picks = [rng.randint(1, watches) for _ in range(samples)]
    deep = encode_cursor(watch_name(max(1, watches * 9 // 10)))  # 90% down the list
    urls = {
        "overview": lambda k: f"{base}/",
        "overview, deep page": lambda k: f"{base}/?cursor={deep}",
        "overview, filtered": lambda k: f"{base}/?q=agency-0{k % 10}&status=ok",
        "watch page": lambda k: f"{base}/watches/{watch_name(picks[k])}",
        "version page": lambda k: (
            f"{base}/watches/{watch_name(picks[k])}/versions/{1 + k % versions}"
        ),
        "diff page": lambda k: f"{base}/watches/{watch_name(picks[k])}/diff",
        "fact page": lambda k: f"{base}/facts/{_figure_id(client, base, picks[k])}",
    }
    out = {}
    for name, url in urls.items():
        _timed(client, url(0))  # warm
        out[name] = _summary([_timed(client, url(k))[:2] for k in range(samples)])
    return out


def _figure_id(client: httpx.Client, base: str, i: int) -> str:
    data = client.get(f"{base}/api/v1/watches/{watch_name(i)}/facts").json()
    return next(f["id"] for f in data["facts"] if f["kind"] == "figure")


def page_through(client: httpx.Client, base: str, path: str, limit: int) -> dict[str, Any]:
    """Walk a cursor-paginated list to its end: items, rate, and the median page time of the
    first tenth of the pages against the last tenth (equal when the rate is steady)."""
    times: list[float] = []
    items, cursor = 0, None
    started = time.perf_counter()
    while True:
        params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        t0 = time.perf_counter()
        data = client.get(base + path, params=params).json()
        times.append((time.perf_counter() - t0) * 1000)
        items += len(data["items"])
        cursor = data["next_cursor"]
        if not cursor:
            break
    wall = time.perf_counter() - started
    tenth = max(1, len(times) // 10)
    return {
        "items": items,
        "pages": len(times),
        "seconds": wall,
        "items_per_s": items / wall,
        "pages_per_s": len(times) / wall,
        "first_tenth_ms": statistics.median(times[:tenth]),
        "last_tenth_ms": statistics.median(times[-tenth:]),
        "page_median_ms": statistics.median(times),
    }


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """The database URL to fill: a temporary SQLite file, or a PostgreSQL scratch schema."""
    if url and url.startswith("postgresql"):
        with scratch_schema(url, "benchweb") as scratch:
            yield scratch
        return
    if url:
        yield url
        return
    with tempfile.TemporaryDirectory(prefix="factwatch-bench-web-") as folder:
        yield f"sqlite:///{folder}/web.db"


def run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    """Build, serve and measure; the results."""
    from monitor.web import WebServer
    from monitor.webui.app import create_app

    store = Store.open(url)
    started = time.perf_counter()
    counts = build(store, args.watches, args.versions)
    if store.engine.dialect.name == "postgresql":  # what autovacuum does on a live database
        with store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    build_s = time.perf_counter() - started
    settings = Settings(database=url, web=WebSettings(page_size=50))
    server = WebServer(create_app(store, lambda: settings), "127.0.0.1", 0).start()
    server.wait_started()
    try:
        with httpx.Client(timeout=120, trust_env=False) as client:
            pages = measure_pages(client, server.url, args.watches, args.versions, args.samples)
            changes = page_through(client, server.url, "/api/v1/changes", args.page_size)
            watches = page_through(client, server.url, "/api/v1/watches", args.page_size)
    finally:
        server.stop()
        store.close()
    assert changes["items"] == counts["changes"] and watches["items"] == counts["watches"]
    backend = "postgresql" if url.startswith("postgresql") else "sqlite"
    return {"backend": backend, "counts": counts, "build_s": build_s, "pages": pages,
            "changes_api": changes, "watches_api": watches}  # fmt: skip


def table(result: dict[str, Any]) -> str:
    """The results as markdown."""
    lines = ["| page | server median ms | server p95 ms | server max ms | client median ms |",
             "|---|---:|---:|---:|---:|"]  # fmt: skip
    for name, s in result["pages"].items():
        lines.append(f"| {name} | {s['server_median_ms']:.1f} | {s['server_p95_ms']:.1f} | "
                     f"{s['server_max_ms']:.1f} | {s['wall_median_ms']:.1f} |")  # fmt: skip
    lines += ["", "| API walk | items | pages | seconds | items/s | first tenth, ms/page "
              "| last tenth, ms/page |", "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
    for name in ("changes_api", "watches_api"):
        w = result[name]
        lines.append(f"| {name.replace('_api', '')} | {w['items']} | {w['pages']} | "
                     f"{w['seconds']:.1f} | {w['items_per_s']:.0f} | {w['first_tenth_ms']:.1f} | "
                     f"{w['last_tenth_ms']:.1f} |")  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the web benchmark and print the report."""
    args = parse_args(argv)
    with database(args.db) as url:
        result = run(url, args)
    result["machine"] = {"python": platform.python_version(), "platform": platform.platform()}
    result["when"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    c = result["counts"]
    print(f"{c['watches']} watches, {c['versions']} versions, {c['checks']} checks, "
          f"{c['changes']} changes ({result['backend']}, "
          f"built in {result['build_s']:.0f} s)\n")  # fmt: skip
    print(table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    previous[f"{result['backend']}-{c['watches']}x{args.versions}"] = result
    args.out.write_text(json.dumps(previous, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
