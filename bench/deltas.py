"""History as deltas: what a new version of a watch costs, and what reading one costs.

* ``corpus``: every page the generated corpus edits between its variants,
  its second variant packed as a delta against its first, next to the same
  page packed whole (the full compressed snapshot it would otherwise cost),
  and what a version costs over a whole chain, its snapshot included;
* ``real``: the same for the ``before.html`` / ``after.html`` pairs of real
  pages beside the repository (``../shared/real-pages``), read from there;
  skipped when absent;
* ``read``: one watch with a chain of ``2 * snapshot_every + 1`` versions
  written through the store, then every version read as ``factwatch show``
  reads it (the version row, its body, text and facts), each in its own
  session: the time per version and the frames decoded at most.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import corpus
from store import snapshots
from store.blobs import SNAPSHOT_EVERY, BlobReader
from store.facts_codec import decode_stored
from store.records import CheckResult, NewVersion
from store.repo import Store

REAL_PAGES = Path(__file__).resolve().parents[1].parent / "shared" / "real-pages"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def sizes(pairs: Iterable[tuple[str, bytes, bytes]]) -> dict[str, Any]:
    """Delta against full snapshot over ``(name, before, after)`` pairs that differ."""
    full = delta = raw = count = 0
    worst, worst_name = 0.0, ""
    for name, before, after in pairs:
        if before == after:
            continue
        whole, diff = len(snapshots.pack(after)), len(snapshots.pack_delta(after, before))
        full, delta, raw, count = full + whole, delta + diff, raw + len(after), count + 1
        if diff / whole > worst:
            worst, worst_name = diff / whole, name
    return {
        "pairs": count,
        "raw_bytes": raw,
        "full_bytes": full,
        "delta_bytes": delta,
        "delta_per_version": delta / count if count else 0.0,
        "full_per_version": full / count if count else 0.0,
        "ratio": delta / full if full else 0.0,
        "worst_ratio": worst,
        "worst": worst_name,
    }


def corpus_pairs(n: int) -> Iterable[tuple[str, bytes, bytes]]:
    """The generated pages that variant 2 edits: (index, variant 1, variant 2)."""
    for index in range(n):
        if corpus.plan(index) != "same":
            yield str(index), corpus.page_bytes(index, 1), corpus.page_bytes(index, 2)


def real_pairs(folder: Path = REAL_PAGES) -> Iterable[tuple[str, bytes, bytes]]:
    """The real pages' ``before.html`` and ``after.html``, case by case."""
    for case in sorted(p for p in folder.iterdir() if (p / "after.html").is_file()):
        yield case.name, (case / "before.html").read_bytes(), (case / "after.html").read_bytes()


def chain_body(seq: int) -> bytes:
    """Version ``seq`` of one corpus page: one more dated update paragraph each time."""
    updates = "".join(
        f"<p>Update {k}: {k * 7} reports were made to partners.</p>" for k in range(seq)
    )
    return corpus.page_bytes(0).replace(b"</main>", updates.encode() + b"</main>", 1)


def write_chain(store: Store, versions: int) -> None:
    """``versions`` versions of watch ``chain``, written as checks are."""
    store.ensure_watch("chain", "https://example.org/chain")
    for seq in range(1, versions + 1):
        body = chain_body(seq)
        new = NewVersion(body, body.decode()[::4], "https://example.org/chain", "text/html",
                         "Chain", [])  # fmt: skip
        store.write_check(
            CheckResult("chain", new.url, T0 + timedelta(hours=seq), 0.1, "changed",
                        status=200, body_sha=snapshots.digest(body), version=new)
        )  # fmt: skip


def read_version(store: Store, seq: int) -> tuple[bytes, int]:
    """Read version ``seq`` of ``chain`` as ``show`` does (its row, then its body, text
    and facts in one query); its body and the most frames one of its blobs took."""
    version = store.version("chain", seq=seq)
    assert version is not None
    with store.session() as s:
        reader = BlobReader(s)
        reader.load([version.body_sha, version.text_sha, version.facts_sha])
        steps = []
        for sha in (version.body_sha, version.text_sha, version.facts_sha):
            before = reader.steps
            found = reader.read(sha)
            steps.append(reader.steps - before)
            if sha == version.body_sha:
                body = found
    decode_stored(found)
    return body, max(steps)


def read_times(db_url: str, snapshot_every: int = SNAPSHOT_EVERY) -> dict[str, Any]:
    """Write a chain of versions, then time reading each one."""
    store = Store.open(db_url, snapshot_every=snapshot_every)
    try:
        versions = 2 * snapshot_every + 1
        write_chain(store, versions)
        times, steps = [], []
        for seq in range(1, versions + 1):
            start = time.perf_counter()
            body, used = read_version(store, seq)
            times.append(time.perf_counter() - start)
            steps.append(used)
            assert body == chain_body(seq)
    finally:
        store.close()
    return {
        "versions": versions,
        "snapshot_every": snapshot_every,
        "median_ms": 1000 * statistics.median(times),
        "max_ms": 1000 * max(times),
        "max_steps": max(steps),
    }


def amortised(found: dict[str, Any], snapshot_every: int = SNAPSHOT_EVERY) -> dict[str, Any]:
    """``found`` plus the share of a full snapshot a version costs over a whole chain
    (one snapshot and ``snapshot_every - 1`` deltas)."""
    if "ratio" not in found:
        return found
    share = (1 + (snapshot_every - 1) * found["ratio"]) / snapshot_every
    return found | {"amortised_ratio": share, "snapshot_every": snapshot_every}


def measure(n: int, db_url: str) -> dict[str, Any]:
    """The three measurements (see the module doc)."""
    real: dict[str, Any] = (
        sizes(real_pairs()) if REAL_PAGES.is_dir() else {"skipped": "no ../shared/real-pages"}
    )
    return {
        "corpus": amortised(sizes(corpus_pairs(n))),
        "real": amortised(real),
        "read": read_times(db_url),
    }
