"""``python -m bench.peers``: factwatch and urlwatch on the same corpus, server and run.

``make bench-peers`` installs urlwatch in a virtual environment of its own
(``.venv-peers``) and runs this module with its executable. One page server
serves the generated corpus (:mod:`bench.corpus`); in turn, on it: the httpx
fetch-only floor, urlwatch's three passes (all new, unchanged, variant 2) and
factwatch's three passes, each tool with a fresh state. Every pass is
reported with its wall time, pages per second and ratio to the floor, and
urlwatch's and factwatch's ratio to each other, so the comparison is measured,
not quoted.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import corpus, floors, passes
from bench.run import in_child, with_server_cpu
from bench.server import PageServer, running

RESULTS = Path(__file__).parent / "results" / "peers.json"
PASSES = ("pass-1", "pass-2", "pass-3")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``python -m bench.peers``."""
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__)
    parser.add_argument("--urlwatch", required=True, help="the urlwatch executable")
    parser.add_argument("--n", type=int, default=1000, help="number of pages (default 1000)")
    parser.add_argument("--concurrency", type=int, default=8, help="factwatch's checks at once")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    return parser.parse_args(argv)


def urlwatch_files(folder: Path, base_url: str, n: int) -> list[str]:
    """The job list and configuration of urlwatch for the corpus; its arguments."""
    jobs = [{"name": passes.watch_name(i), "url": base_url + corpus.path(i)} for i in range(n)]
    urls = folder / "urls.yaml"
    urls.write_text("\n---\n".join(json.dumps(job) for job in jobs) + "\n", encoding="utf-8")
    config = folder / "urlwatch.yaml"
    config.write_text(json.dumps({"report": {"stdout": {"enabled": False}}}), encoding="utf-8")
    return ["--urls", str(urls), "--config", str(config), "--cache", str(folder / "cache.db")]


_MEASURED = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], check=False, capture_output=True)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(u.ru_utime + u.ru_stime, u.ru_maxrss)\n"
)


def urlwatch_pass(executable: str, arguments: list[str]) -> dict[str, Any]:
    """One urlwatch run over every job: wall and CPU seconds, peak RSS (its own,
    read by a small parent process that runs nothing else)."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, executable, *arguments],
        check=True, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    wall = time.perf_counter() - start
    cpu, rss_kb = done.stdout.split()
    return {"wall": wall, "cpu": float(cpu), "peak_rss_mb": int(rss_kb) / 1024}


def measure(executable: str, n: int, concurrency: int) -> dict[str, Any]:
    """The floor, then urlwatch's and factwatch's three passes on one server."""
    phases: dict[str, dict[str, Any]] = {}
    with running(n) as srv:
        urls = [srv.url(i) for i in range(n)]
        fetch = with_server_cpu(srv, lambda: in_child(floors.fetch_only, urls, concurrency))
        fetch.pop("validators")
        phases["floor-fetch"] = fetch
        phases |= _urlwatch(srv, executable, n)
        phases |= _factwatch(srv, n, concurrency)
    return phases


def _urlwatch(srv: PageServer, executable: str, n: int) -> dict[str, dict[str, Any]]:
    folder = Path(tempfile.mkdtemp(prefix="factwatch-peers-"))
    try:
        arguments = urlwatch_files(folder, srv.base_url, n)
        found = {}
        for name in PASSES:
            srv.switch(2 if name == "pass-3" else 1)
            print(f"bench.peers: urlwatch {name} ...", file=sys.stderr, flush=True)
            found[f"urlwatch-{name}"] = urlwatch_pass(executable, arguments)
        return found
    finally:
        srv.switch(1)
        shutil.rmtree(folder, ignore_errors=True)


def _factwatch(srv: PageServer, n: int, concurrency: int) -> dict[str, dict[str, Any]]:
    from bench.run import _spawn, database

    found = {}
    with database(None) as db_url, _spawn() as worker:
        worker.submit(passes.setup, db_url, srv.base_url, n, concurrency, 0).result()
        for name in PASSES:
            srv.switch(2 if name == "pass-3" else 1)
            print(f"bench.peers: factwatch {name} ...", file=sys.stderr, flush=True)
            found[f"factwatch-{name}"] = worker.submit(passes.run_pass).result()
        worker.submit(passes.close).result()
    srv.switch(1)
    return found


def report(n: int, phases: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Pages per second, ratios to the floor and factwatch's ratio to urlwatch."""
    floor_rate = n / phases["floor-fetch"]["wall"]
    rows = []
    for name in PASSES:
        ours, theirs = phases[f"factwatch-{name}"], phases[f"urlwatch-{name}"]
        rows.append({
            "pass": name,
            "factwatch_pages_per_s": n / ours["wall"],
            "urlwatch_pages_per_s": n / theirs["wall"],
            "factwatch_vs_floor": n / ours["wall"] / floor_rate,
            "urlwatch_vs_floor": n / theirs["wall"] / floor_rate,
            "factwatch_vs_urlwatch": theirs["wall"] / ours["wall"],
            "factwatch_rss_mb": ours["peak_rss_mb"],
            "urlwatch_rss_mb": theirs["peak_rss_mb"],
        })  # fmt: skip
    return {"n": n, "floor_pages_per_s": floor_rate, "rows": rows, "phases": phases}


def markdown(result: dict[str, Any]) -> str:
    """The comparison as a markdown table."""
    lines = [
        f"N={result['n']} pages; fetch-only floor {result['floor_pages_per_s']:.0f} pages/s",
        "",
        "| pass | factwatch pages/s | urlwatch pages/s | factwatch vs floor "
        "| urlwatch vs floor | factwatch / urlwatch | RSS MB (factwatch, urlwatch) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["rows"]:
        lines.append(
            f"| {r['pass']} | {r['factwatch_pages_per_s']:.0f} | {r['urlwatch_pages_per_s']:.0f} "
            f"| {r['factwatch_vs_floor']:.2f}x | {r['urlwatch_vs_floor']:.2f}x "
            f"| {r['factwatch_vs_urlwatch']:.2f}x "
            f"| {r['factwatch_rss_mb']:.0f}, {r['urlwatch_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison, print the table, write the JSON."""
    args = parse_args(argv)
    result = report(args.n, measure(args.urlwatch, args.n, args.concurrency))
    print(markdown(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
