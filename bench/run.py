"""``python -m bench``: floors, three factwatch passes, the report.

The order of one run: start the page server (variant 1); measure the
fetch-only floor and the fetch + parse floor; pass 1 (all new) and pass 2
(nothing changed); switch the server to variant 2; measure the floor of
that mix; pass 3; then what versions cost as deltas (:mod:`bench.deltas`).
Each floor runs in a fresh process and the three passes in one process of
their own, so CPU and memory are factwatch's alone.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench import deltas, extract_time, floors, passes, report
from bench.server import PageServer, running
from store.db import scratch_schema

RESULTS = Path(__file__).parent / "results" / "latest.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line of ``python -m bench``."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="number of pages (default 1000)")
    parser.add_argument(
        "--db", default=None, help="database URL (default: SQLite in a temporary folder)"
    )
    parser.add_argument("--concurrency", type=int, default=8, help="checks at once (default 8)")
    parser.add_argument(
        "--processes", type=int, default=1,
        help="processes that parse, in factwatch (scheduler.parse_processes; 1 means the "
        "checking threads) and in the fetch + parse floor (default 1)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the JSON")
    return parser.parse_args(argv)


def _spawn(workers: int = 1) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def in_child(fn: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """Run ``fn(*args)`` in a fresh process and return its result."""
    with _spawn() as pool:
        return pool.submit(fn, *args).result()


def with_server_cpu(srv: PageServer, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``run()``'s result plus the server's CPU seconds during it."""
    before = srv.cpu()
    result = run()
    result["server_cpu"] = srv.cpu() - before
    return result


@contextmanager
def database(url: str | None) -> Iterator[str]:
    """A fresh database: SQLite in a temporary folder, or a new PostgreSQL schema."""
    if url is None:
        folder = tempfile.mkdtemp(prefix="factwatch-bench-")
        try:
            yield f"sqlite:///{folder}/bench.db"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    if not url.startswith("postgresql"):
        yield url
        return
    with scratch_schema(url, "bench") as scoped:
        yield scoped


def _pass(srv: PageServer, worker: Executor, name: str) -> dict[str, Any]:
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    return with_server_cpu(srv, lambda: worker.submit(passes.run_pass).result())


def measure(n: int, db_url: str, concurrency: int, processes: int) -> dict[str, Any]:
    """Floors and passes for ``n`` pages; the raw measurements."""
    phases: dict[str, dict[str, Any]] = {}
    print(f"bench: serving {n} pages ...", file=sys.stderr, flush=True)
    with running(n) as srv:
        urls = [srv.url(i) for i in range(n)]
        print("bench: floors ...", file=sys.stderr, flush=True)
        fetch = with_server_cpu(srv, lambda: in_child(floors.fetch_only, urls, concurrency))
        validators = fetch.pop("validators")
        phases["floor-fetch"] = fetch
        phases["floor-parse"] = with_server_cpu(
            srv, lambda: in_child(floors.fetch_parse, urls, concurrency, processes)
        )
        with _spawn() as worker:
            parsers = processes if processes > 1 else 0  # 1: parse in the checking threads
            worker.submit(passes.setup, db_url, srv.base_url, n, concurrency, parsers).result()
            phases["pass-1"] = _pass(srv, worker, "pass 1 (all new)")
            phases["pass-2"] = _pass(srv, worker, "pass 2 (unchanged)")
            srv.switch(2)
            phases["floor-mix"] = with_server_cpu(
                srv, lambda: in_child(floors.fetch_parse, urls, concurrency, processes, validators)
            )
            phases["pass-3"] = _pass(srv, worker, "pass 3 (variant 2)")
            worker.submit(passes.close).result()
    return phases


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table, write the JSON."""
    args = parse_args(argv)
    with database(args.db) as db_url:
        phases = measure(args.n, db_url, args.concurrency, args.processes)
    print("bench: deltas ...", file=sys.stderr, flush=True)
    with database(args.db) as db_url:
        history = in_child(deltas.measure, args.n, db_url)
    print("bench: extraction timing ...", file=sys.stderr, flush=True)
    try:
        extraction = in_child(extract_time.measure)
    except Exception as exc:  # the passes' numbers must survive a broken extractor
        extraction = {"error": f"{type(exc).__name__}: {exc}"}
    result = report.build(
        n=args.n,
        backend=db_url.split(":", 1)[0].split("+")[0],
        concurrency=args.concurrency,
        processes=args.processes,
        raw_bytes=phases["floor-fetch"]["bytes"],
        phases=phases,
        extraction=extraction,
        machine=machine(),
        deltas=history,
    )
    print(report.markdown(result))
    report.save(result, args.out)
    return 0
