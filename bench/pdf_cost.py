"""``python -m bench.pdf_cost``: what a big PDF costs one check (CPU, wall, memory).

Builds a ~11 MB, 400-page PDF of dense text (each page ~28 KB of text), serves
it on 127.0.0.1 and checks it once through the real pipeline (fetch, parse
worker, extraction, store) into a fresh SQLite database: the wall time, and
the CPU seconds and peak RSS of the checking process. Then parses it once in
a fresh process of its own, as a parse worker does: that process's CPU
seconds and peak RSS.
"""

from __future__ import annotations

import json
import random
import resource
import sys
import tempfile
import time
from typing import Any

WORDS = [
    "the",
    "ministers",
    "of",
    "canada",
    "agreed",
    "report",
    "figures",
    "million",
    "countries",
    "members",
    "group",
    "statement",
    "annex",
    "working",
    "partners",
    "principles",
    "alliance",
    "meeting",
]


def big_pdf(pages: int = 400, lines: int = 80, seed: int = 1) -> bytes:
    """A PDF of ``pages`` pages of ``lines`` dense lines each (about 10 MB for 400)."""
    from tests.corpus.pdfmake import make_pdf

    rng = random.Random(seed)
    content = []
    for number in range(pages):
        page = [f"# Section {number}"]
        for line in range(lines):
            words = " ".join(rng.choice(WORDS) for _ in range(40))
            page.append(f"{words} {rng.randint(1, 999)}.")
            if line % 8 == 7:
                page.append("")
        content.append(page)
    return make_pdf(content, title="A very long report")


def _parse_alone(data: bytes, answer: Any) -> None:
    from parsers.job import ParseJob, run_job

    run_job(ParseJob(data, "application/pdf", "http://127.0.0.1/report.pdf"))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    answer.send((usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024))


def parse_cost(data: bytes) -> tuple[float, int]:
    """CPU seconds and peak RSS (MB) of parsing ``data`` in a fresh process."""
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_parse_alone, args=(data, send))
    process.start()
    cpu, rss = receive.recv()
    process.join()
    return float(cpu), int(rss)


def measure() -> dict[str, Any]:
    """Check the big PDF once; the costs."""
    from monitor.dispatch import check_once
    from monitor.settings import FetchSettings, SchedulerSettings, Settings, WatchSettings
    from store.repo import Store
    from tests.server import local_server

    data = big_pdf()
    with local_server() as server, tempfile.TemporaryDirectory() as folder:
        server.route("/report.pdf", data, headers={"Content-Type": "application/pdf"})
        watch = WatchSettings(name="report", url=server.url("/report.pdf"))
        settings = Settings(
            database=f"sqlite:///{folder}/bench.db",
            fetch=FetchSettings(allow_private_networks=True, max_bytes=20_000_000, deadline=120),
            scheduler=SchedulerSettings(politeness_delay=0, check_deadline=600),
            watches=(watch,),
        )
        store = Store.open(settings.database)
        started = time.monotonic()
        [outcome] = check_once(store, settings, [watch])
        wall = time.monotonic() - started
        store.close()
    own = resource.getrusage(resource.RUSAGE_SELF)
    parse_cpu, parse_rss = parse_cost(data)
    return {
        "pdf_mb": round(len(data) / 1e6, 1),
        "pages": 400,
        "outcome": type(outcome).__name__,
        "check_wall_s": round(wall, 1),
        "checker_cpu_s": round(own.ru_utime + own.ru_stime, 1),
        "checker_peak_rss_mb": own.ru_maxrss // 1024,
        "parse_cpu_s": round(parse_cpu, 1),
        "parse_peak_rss_mb": parse_rss,
    }


def main() -> int:
    """Print the measurement as JSON."""
    json.dump(measure(), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
