"""Cost per page of extraction and of comparing two versions, on the benchmark's 46 KB pages.

For pages whose second variant changes one fact, this times, on one core:
parse + extract of one version, and the alignment and diff of the two
versions' blocks and facts (what a check adds when a page changed). Run with
``python -m bench.alignment``; prints a markdown table, returns the numbers.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from alerts.diff import diff_documents
from bench import corpus
from parsers import extract_facts, parse_document
from parsers.facts import clear_caches

PAGES = 12
REPEATS = 15


def _changed_pages(count: int) -> list[int]:
    return [i for i in range(count * 10) if corpus.plan(i) in corpus.FACT_EDITS][:count]


def _median_ms(samples: list[float]) -> float:
    return 1000 * statistics.median(samples)


def _time(fn: Any, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        clear_caches()
        started = time.process_time()
        fn()
        out.append(time.process_time() - started)
    return out


def measure(pages: int = PAGES, repeats: int = REPEATS) -> dict[str, Any]:
    """Median CPU milliseconds per page: parse + extract, and align + diff of two versions."""
    extract, compare, sizes, events = [], [], [], 0
    for index in _changed_pages(pages):
        before, after = corpus.page_bytes(index, 1), corpus.page_bytes(index, 2)
        old, new = parse_document(before), parse_document(after)
        old_facts, new_facts = extract_facts(old), extract_facts(new)
        sizes.append(len(before))
        events += len(diff_documents(old, old_facts, new, new_facts))
        extract += _time(lambda b=before: extract_facts(parse_document(b)), repeats)
        compare += _time(
            lambda o=old, of=old_facts, n=new, nf=new_facts: diff_documents(o, of, n, nf), repeats
        )
    return {
        "pages": len(sizes),
        "page_kb": statistics.median(sizes) / 1000,
        "events": events,
        "extract_ms": _median_ms(extract),
        "compare_ms": _median_ms(compare),
    }


def markdown(result: dict[str, Any]) -> str:
    """The measurements as a small markdown table (CPU medians per page)."""
    return "\n".join(
        [
            "| pages | page size | events | parse + extract | align + diff |",
            "|------:|----------:|-------:|----------------:|-------------:|",
            f"| {result['pages']} | {result['page_kb']:.0f} KB | {result['events']} "
            f"| {result['extract_ms']:.1f} ms | {result['compare_ms']:.1f} ms |",
        ]
    )


if __name__ == "__main__":
    print(markdown(measure()))
