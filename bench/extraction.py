"""Extraction speed: parse_document + extract_facts on a ~60 KB official page, one core.

Run with ``python -m bench.extraction``; prints a small markdown table and
returns the measurements (seconds) as a dict.
"""

from __future__ import annotations

import os
import re
import statistics
import time
from pathlib import Path
from typing import Any

from parsers import extract_facts, parse_document
from parsers.facts import clear_caches

PAGES = Path(__file__).resolve().parent.parent / "tests" / "corpus" / "pages"
TARGET_BYTES = 60_000
_MAIN = re.compile(r"<main[^>]*>(.*?)</main>", re.S)
_H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def big_page(target: int = TARGET_BYTES) -> bytes:
    """The corpus's HTML pages, their main content joined under one template, to ``target``."""
    from tests.pages import canada_page

    mains = []
    for path in sorted(PAGES.glob("*.html")):
        main = _MAIN.search(path.read_text(encoding="utf-8"))
        if main:
            mains.append(_H1.sub(r"<h2>\1</h2>", main.group(1)))
    body, count = "", 0
    while len(canada_page(body).encode()) < target:
        part = mains[count % len(mains)]
        body += part.replace("<h2>", f"<h2>Part {count // len(mains) + 1}: ", 1)
        count += 1
    return canada_page("<h1>International efforts: compiled</h1>" + body).encode("utf-8")


def _pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def measure(repeats: int = 60) -> dict[str, Any]:
    """Median and p95 seconds of parse_document + extract_facts on one ~60 KB page."""
    _pin_one_core()
    body = big_page()
    facts = extract_facts(parse_document(body))
    wall, cpu = [], []
    for _ in range(repeats):
        clear_caches()
        started, started_cpu = time.perf_counter(), time.process_time()
        extract_facts(parse_document(body))
        cpu.append(time.process_time() - started_cpu)
        wall.append(time.perf_counter() - started)
    return {
        "page_bytes": len(body),
        "facts": len(facts),
        "repeats": repeats,
        "median": statistics.median(wall),
        "p95": _p95(wall),
        "cpu_median": statistics.median(cpu),
        "cpu_p95": _p95(cpu),
    }


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def markdown(result: dict[str, Any]) -> str:
    """The measurements as a small markdown table (milliseconds)."""
    return "\n".join(
        [
            "| page | facts | runs | median | p95 | CPU median | CPU p95 |",
            "|-----:|------:|-----:|-------:|----:|-----------:|--------:|",
            f"| {result['page_bytes'] / 1000:.0f} KB | {result['facts']} | {result['repeats']} "
            f"| {1000 * result['median']:.1f} ms | {1000 * result['p95']:.1f} ms "
            f"| {1000 * result['cpu_median']:.1f} ms | {1000 * result['cpu_p95']:.1f} ms |",
        ]
    )


def main() -> dict[str, Any]:
    """Measure, print the table, return the measurements."""
    result = measure()
    print(markdown(result))
    return result


if __name__ == "__main__":
    main()
