"""The benchmark's machinery end to end on a small corpus (counts only, no timings).

A real page server process, the real pipeline, a real database on both
backends: pass 1 stores every page, pass 2 stores nothing new, pass 3 finds
exactly one event per fact edit and none on the noise-only pages.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from bench import corpus, passes, report
from bench.server import PageServer, running

N = 20


@pytest.fixture(scope="module")
def page_server() -> Iterator[PageServer]:
    """The bench's page server for ``N`` pages, in its own process."""
    with running(N) as srv:
        yield srv


@pytest.mark.parametrize(
    ("index", "edit"),
    [(0, "same"), (3, "figure"), (13, "member"), (23, "date"), (7, "noise"), (17, "noise")],
    ids=lambda v: str(v),
)
def test_plan_edits_one_page_in_ten_per_kind(index: int, edit: str) -> None:
    assert corpus.plan(index) == edit
    changed = corpus.page_bytes(index, 1) != corpus.page_bytes(index, 2)
    assert changed == (edit != "same")


def test_pages_are_realistic_in_size_and_distinct() -> None:
    pages = [corpus.page_bytes(i) for i in range(N)]
    assert all(40_000 <= len(p) <= 52_000 for p in pages), [len(p) for p in pages]
    assert len(set(pages)) == N
    assert corpus.expected_events(100) == 10 and corpus.noise_pages(100) == 10


@pytest.mark.parametrize(
    "validator", ["If-None-Match", "If-Modified-Since"], ids=["etag", "last-modified"]
)
def test_server_answers_conditional_gets(page_server: PageServer, validator: str) -> None:
    url = page_server.url(0)
    first = httpx.get(url, trust_env=False)
    assert first.status_code == 200 and first.content == corpus.page_bytes(0)
    header = "ETag" if validator == "If-None-Match" else "Last-Modified"
    again = httpx.get(url, headers={validator: first.headers[header]}, trust_env=False)
    assert again.status_code == 304 and again.content == b""


def test_three_passes_store_and_report_what_the_corpus_plans(
    page_server: PageServer, database_url: str
) -> None:
    page_server.switch(1)
    passes.setup(database_url, page_server.base_url, N, 4)
    try:
        first = passes.run_pass()
        second = passes.run_pass()
        page_server.switch(2)
        third = passes.run_pass()
    finally:
        page_server.switch(1)
        passes.close()
    assert first["outcomes"] == {"baseline": N} and first["events"] == 0
    assert second["outcomes"] == {"unchanged-304": N} and second["versions"] == N
    facts, noise = corpus.expected_events(N), corpus.noise_pages(N)
    assert third["events"] == facts == 2 and third["noise_events"] == 0
    assert third["versions"] == N + facts
    assert third["outcomes"] == {
        "changed": facts,
        "unchanged-304": N - facts - noise,
        "unchanged-text": noise,
    }


def test_report_marks_targets_and_planned_counts() -> None:
    phase = {"pages": 10, "wall": 1.0, "cpu": 1.0, "peak_rss_mb": 100.0, "db_bytes": 1000,
             "versions": 10, "events": 0, "noise_events": 0, "failures": []}  # fmt: skip
    phases = {
        "floor-fetch": {"pages": 10, "wall": 0.5, "cpu": 0.5},
        "floor-parse": {"pages": 10, "wall": 1.0, "cpu": 1.0},
        "floor-mix": {"pages": 10, "wall": 0.5, "cpu": 0.5},
        "pass-1": phase,
        "pass-2": phase,
        "pass-3": {**phase, "versions": 11, "events": 1},
    }
    extraction = {"page_bytes": 60000, "facts": 70, "median": 0.02, "p95": 0.03}
    result = report.build(n=10, backend="sqlite", concurrency=4, processes=2, raw_bytes=3000,
                          phases=phases, extraction=extraction, machine={"cpus": 2,
                          "memory_gb": 1.0, "python": "3.11"})  # fmt: skip
    met = {t["target"]: t["met"] for t in result["targets"]}
    assert met["pass-1 >= 0.8x floor-parse"] and not met["pass-2 >= 0.8x floor-fetch"]
    assert met["pass-3: versions and events as planned"]
    assert not met["database after 3 passes <= 0.25x raw bytes of one pass"]
    assert "| pass 1: all new |" in report.markdown(result)


def test_the_alignment_bench_finds_one_event_per_edited_fact() -> None:
    from bench import alignment

    result = alignment.measure(pages=3, repeats=1)
    assert (result["pages"], result["events"]) == (3, 3)
    assert result["extract_ms"] > 0 and result["compare_ms"] > 0


def test_the_deltas_bench_measures_sizes_and_bounded_reads(database_url: str) -> None:
    from bench import deltas

    result = deltas.measure(N, database_url)
    assert result["corpus"]["pairs"] == corpus.expected_events(N) + corpus.noise_pages(N)
    assert 0 < result["corpus"]["ratio"] < result["corpus"]["amortised_ratio"] < 1
    assert result["read"]["max_steps"] == result["read"]["snapshot_every"]
    assert "ratio" in result["real"] or "skipped" in result["real"]
    rows = report.delta_targets(result)
    assert rows[0]["met"] and rows[-1]["target"].startswith("reading a version")


def test_the_peers_bench_writes_urlwatch_jobs_and_reports_ratios(tmp_path: Path) -> None:
    import json

    from bench import peers

    arguments = peers.urlwatch_files(tmp_path, "http://127.0.0.1:9", 3)
    jobs = (tmp_path / "urls.yaml").read_text(encoding="utf-8").split("\n---\n")
    assert [json.loads(j)["url"] for j in jobs] == [
        "http://127.0.0.1:9" + corpus.path(i) for i in range(3)
    ]
    assert arguments[arguments.index("--cache") + 1] == str(tmp_path / "cache.db")
    one = {"wall": 2.0, "cpu": 1.0, "peak_rss_mb": 50.0}
    phases = {"floor-fetch": {"wall": 1.0}}
    for name in peers.PASSES:
        phases[f"urlwatch-{name}"] = one
        phases[f"factwatch-{name}"] = one | {"wall": 1.0}
    result = peers.report(10, phases)
    assert [r["factwatch_vs_urlwatch"] for r in result["rows"]] == [2.0, 2.0, 2.0]
    assert result["rows"][0]["urlwatch_vs_floor"] == 0.5
    assert "| pass-2 | 10 | 5 | 1.00x | 0.50x | 2.00x | 50, 50 |" in peers.markdown(result)
