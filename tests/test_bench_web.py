"""The web benchmark's machinery on a small history (counts only, no timings)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import web
from store import audit
from store.repo import Store


def test_build_writes_the_history_the_bench_describes(database_url: str) -> None:
    store = Store.open(database_url)
    try:
        counts = web.build(store, watches=20, versions=4)
        assert counts == {"watches": 20, "versions": 80, "checks": 160, "changes": 60}
        assert len(store.watches()) == 20 and len(store.changes()) == 60
        child = audit.watch_status(store, web.watch_name(9))
        assert child.parent == web.watch_name(8) and child.versions == 4
        rows = audit.fact_rows(store, web.watch_name(3))
        first = [r for r in rows if r.version == 1]
        # one figure moves per version: 25 rows for v1, then one per later version
        assert len(first) == web.FACTS and len(rows) == web.FACTS + 3
        events = audit.changes_page(store, audit.ChangeFilter(watch=web.watch_name(3))).items
        assert all(e.fact_id and e.change.before != e.change.after for e in events)
        assert {e.fact_id for e in events} <= {r.fact_id for r in rows}
    finally:
        store.close()


def test_run_serves_and_walks_everything(tmp_path: Path) -> None:
    args = argparse.Namespace(watches=30, versions=3, samples=2, page_size=7)
    result = web.run(f"sqlite:///{tmp_path}/web.db", args)
    assert result["counts"]["changes"] == 60
    assert result["changes_api"]["items"] == 60 and result["changes_api"]["pages"] == 9
    assert result["watches_api"]["items"] == 30
    assert set(result["pages"]) == {
        "overview", "overview, deep page", "overview, filtered", "watch page",
        "version page", "diff page", "fact page",
    }  # fmt: skip
    assert "| overview |" in web.table(result)
