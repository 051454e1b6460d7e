"""Extraction time on one core: parse + extract one ~60 KB page, many times.

Used when the parsers' own ``bench.extraction`` module is not there.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench import corpus
from parsers import extract_facts, parse_document

TARGET_BYTES = 60_000
REGIONS = ("Atlantic", "Pacific", "Arctic", "Prairie", "Northern", "Great Lakes", "Coastal")


def big_page(target: int = TARGET_BYTES) -> bytes:
    """A corpus page grown with sections of other pages to at least ``target`` bytes."""
    page = corpus.spec(0)
    donor = 1
    while len(body := corpus.render(page)) < target:
        extra = corpus.spec(donor).sections[-1]
        region = REGIONS[donor % len(REGIONS)]
        extra = corpus.Section(**{**extra.__dict__, "group": f"{region} {extra.group}"})
        sections = (*page.sections, extra)
        page = corpus.PageSpec(page.index, page.title, sections, page.menu, page.token, 2024)
        donor += 1
    return body


def measure(repeats: int = 40) -> dict[str, Any]:
    """Median and p95 seconds to parse one ~60 KB page and extract its facts."""
    body = big_page()
    facts = extract_facts(parse_document(body))  # warm caches and imports
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        extract_facts(parse_document(body))
        times.append(time.perf_counter() - started)
    times.sort()
    return {
        "page_bytes": len(body),
        "facts": len(facts),
        "repeats": repeats,
        "median": statistics.median(times),
        "p95": times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
    }
