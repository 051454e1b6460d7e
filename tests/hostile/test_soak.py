"""The soak's machinery on a small scale (counts only: its memory figures are for bench/)."""

from __future__ import annotations

import threading

from bench import soak


def test_every_hostile_page_ends_with_its_reason_every_cycle() -> None:
    report = soak.soak(n=30, cycles=2, hostile=10, concurrency=8, warmup=0)
    expected = {
        "failed:timeout": 2,  # trickled headers, trickled body
        "failed:too-large": 2,  # gzip bomb, endless body
        "failed:http-status": 1,  # 404
        "failed:fetch-error": 1,  # redirect loop
    }
    for row in report["rows"]:
        failed = {k: v for k, v in row["outcomes"].items() if k.startswith("failed")}
        assert failed == expected, row
        assert sum(row["outcomes"].values()) == 30
    assert not [t for t in threading.enumerate() if t.name.startswith("check ")]
    first = report["rows"][0]["outcomes"]
    assert first["changed"] == 24  # 20 corpus pages, regex bait, escapes, lying charset, UTF-7
