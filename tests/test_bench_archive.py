"""The archive benchmark's machinery on a small corpus (counts only, no timings)."""

from __future__ import annotations

from pathlib import Path

from bench import archive, corpus


def test_the_archive_benchmark_exports_imports_and_verifies_every_version(tmp_path: Path) -> None:
    n = 20
    phases = archive.measure(
        n, f"sqlite:///{tmp_path}/a.db", f"sqlite:///{tmp_path}/b.db", tmp_path
    )
    expected = n + corpus.expected_events(n)  # one version per page, one more per fact edit
    assert [phases[p]["versions"] for p in ("export", "import", "verify")] == [expected] * 3
    assert phases["verify"]["intact"] is True
    assert "| import | 22 | " in archive.markdown({"n": n, "backend": "sqlite", "phases": phases})
