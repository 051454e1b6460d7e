"""``python -m bench.soak``: many watches, many cycles, hostile pages mixed in; is memory flat?

One dispatcher and one set of parse workers serve every cycle, as under
``factwatch run``. The watches are the benchmark corpus (served by the page
server, which switches variant every cycle, so a fifth of the pages change
and are parsed and stored again) plus hostile pages from a hostile server in
a process of its own: trickled headers and bodies, gzip bombs, endless
bodies, a backtracking user regex, terminal escapes, lying charsets, 404s
and redirect loops. After each cycle the resident memory (RSS) of this
process and of the parse workers is read from ``/proc``; the report gives
the least-squares slope of the RSS in MB per cycle after the first
``--warmup`` cycles, and what every cycle recorded.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

HOSTILE_KINDS = (
    "trickled-headers",
    "trickled-body",
    "gzip-bomb",
    "endless",
    "evil-regex",
    "escapes",
    "lying-charset",
    "missing",
    "redirect-loop",
    "utf7",
)
EVIL = "(?P<value>(a+)+b)"


def _routes() -> dict[str, Any]:
    import codecs

    from tests.hostile import server as hs
    from tests.pages import canada_page

    evil = canada_page(f"<h1>Fund</h1><p>{'a' * 34}!</p><p>The fund holds 42 grants.</p>")
    escapes = canada_page("<h1>Fund \x1b]0;owned\x07</h1><p>It holds 42 grants\x1b[2J.</p>")
    lying = codecs.BOM_UTF8 + canada_page("<h1>Été</h1><p>Réunion en 2024.</p>").encode()
    utf7 = b'<meta charset="utf-7"><main><p>+ADw-script+AD4- 12 members</p></main>'
    return {
        "trickled-headers": hs.trickle_headers(interval=0.2),
        "trickled-body": hs.trickle_body(interval=0.2),
        "gzip-bomb": hs.gzip_bomb(50_000_000),
        "endless": hs.endless(),
        "evil-regex": hs.page(evil),
        "escapes": hs.page(escapes),
        "lying-charset": hs.page(lying, content_type="text/html; charset=iso-8859-1"),
        "missing": hs.page("gone", status=404, content_type="text/plain"),
        "redirect-loop": hs.redirect("/redirect-loop"),
        "utf7": hs.page(utf7, content_type="text/html"),
    }


def _serve_hostile(conn: Connection) -> None:
    from tests.hostile.server import HostileServer

    server = HostileServer().start()
    for kind, behaviour in _routes().items():
        server.route(f"/{kind}", behaviour)
    conn.send(server.port)
    while True:
        time.sleep(3600)


@contextmanager
def hostile_process() -> Iterator[int]:
    """The hostile server in a process of its own (its memory is not ours); its port."""
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_serve_hostile, args=(send,), daemon=True)
    process.start()
    try:
        if not receive.poll(120):
            raise RuntimeError("the hostile server did not start")
        yield int(receive.recv())
    finally:
        process.terminate()
        process.join(10)


def rss_mb(pid: int | None = None) -> float:
    """The resident memory of process ``pid`` (this one by default), in MB."""
    path = Path(f"/proc/{pid or os.getpid()}/statm")
    pages = int(path.read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def slope(values: list[float]) -> float:
    """The least-squares slope of ``values`` against their index."""
    n = len(values)
    if n < 2:
        return 0.0
    mean_x, mean_y = (n - 1) / 2, sum(values) / n
    num = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    den = sum((x - mean_x) ** 2 for x in range(n))
    return num / den


def _watches(base_url: str, hostile_port: int, n: int, hostile: int) -> list[Any]:
    from bench import corpus
    from monitor.settings import PatternSettings, WatchSettings

    rule = PatternSettings(name="evil", kind="figure", regex=EVIL)
    found = []
    for i in range(n - hostile):
        found.append(WatchSettings(name=f"p{i:05d}", url=base_url + corpus.path(i)))
    for i in range(hostile):
        kind = HOSTILE_KINDS[i % len(HOSTILE_KINDS)]
        url = f"http://127.0.0.1:{hostile_port}/{kind}?copy={i}"
        patterns = (rule,) if kind == "evil-regex" else ()
        found.append(WatchSettings(name=f"h{i:04d}-{kind}", url=url, patterns=patterns))
    return found


def _cycle(dispatch: Any, watches: list[Any]) -> Counter[str]:
    from model.outcomes import Changed, Failed
    from monitor.dispatch import Finished, Job

    seen: Counter[str] = Counter()

    def heard(done: Finished) -> None:
        outcome = done.outcome
        if isinstance(outcome, Failed):
            seen[f"failed:{outcome.reason}"] += 1
        else:
            seen["changed" if isinstance(outcome, Changed) else "unchanged"] += 1

    dispatch.on_finish = heard
    now = dispatch.clock.now()
    for watch in watches:
        dispatch.submit(Job(watch, now))
    while not dispatch.idle:
        dispatch.wait(dispatch.tick())
    return seen


def soak(n: int, cycles: int, hostile: int, concurrency: int, warmup: int) -> dict[str, Any]:
    """Run the soak; the report (see the module doc)."""
    from bench.server import running
    from monitor.check import parse_analyser
    from monitor.dispatch import Dispatcher
    from monitor.settings import FetchSettings, SchedulerSettings, Settings
    from store.repo import Store

    with running(n) as pages, hostile_process() as port, tempfile.TemporaryDirectory() as tmp:
        watches = _watches(pages.base_url, port, n, hostile)
        settings = Settings(
            database=f"sqlite:///{tmp}/soak.db",
            fetch=FetchSettings(allow_private_networks=True, deadline=2, max_bytes=5_000_000),
            scheduler=SchedulerSettings(
                concurrency=concurrency,
                per_host=concurrency,
                politeness_delay=0,
                check_deadline=30,
                parse_processes=1,
            ),
            watches=tuple(watches),
        )
        store = Store.open(settings.database)
        rows = []
        with parse_analyser(settings.scheduler) as analyse:
            dispatch = Dispatcher(store, settings, analyse=analyse)
            for cycle in range(1, cycles + 1):
                pages.switch(2 if cycle % 2 == 0 else 1)
                started = time.monotonic()
                seen = _cycle(dispatch, watches)
                workers = [rss_mb(w.process.pid) for w in getattr(analyse, "_idle", [])]
                rows.append(
                    {
                        "cycle": cycle,
                        "wall_s": round(time.monotonic() - started, 1),
                        "rss_mb": round(rss_mb(), 1),
                        "worker_rss_mb": round(max(workers, default=0.0), 1),
                        "threads": len(__import__("threading").enumerate()),
                        "outcomes": dict(sorted(seen.items())),
                    }
                )
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
            dispatch.close()
        store.close()
    steady = rows[warmup:]
    return {
        "watches": n,
        "hostile": hostile,
        "cycles": cycles,
        "concurrency": concurrency,
        "rss_slope_mb_per_cycle": round(slope([r["rss_mb"] for r in steady]), 3),
        "worker_rss_slope_mb_per_cycle": round(slope([r["worker_rss_mb"] for r in steady]), 3),
        "rows": rows,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the soak and write its report."""
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__)
    parser.add_argument("--n", type=int, default=1000, help="watches in all (default 1000)")
    parser.add_argument("--cycles", type=int, default=20, help="passes over every watch")
    parser.add_argument("--hostile", type=int, default=50, help="how many watches are hostile")
    parser.add_argument("--concurrency", type=int, default=8, help="checks at once")
    parser.add_argument("--warmup", type=int, default=2, help="cycles left out of the slope")
    parser.add_argument("--out", default="bench/results/soak.json", help="the JSON report")
    args = parser.parse_args(argv)
    report = soak(args.n, args.cycles, args.hostile, args.concurrency, args.warmup)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    rows = report["rows"]
    print(f"RSS after each cycle (MB): {[r['rss_mb'] for r in rows]}")
    print(f"parse worker RSS (MB): {[r['worker_rss_mb'] for r in rows]}")
    print(
        f"slope after warm-up: {report['rss_slope_mb_per_cycle']} MB/cycle (this process), "
        f"{report['worker_rss_slope_mb_per_cycle']} MB/cycle (parse worker)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
