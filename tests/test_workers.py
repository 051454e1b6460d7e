"""Parse workers start wherever factwatch runs, even where a fork server cannot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
from monitor.workers import Limits, WorkerPool
from parsers.job import ParseJob

if __name__ == "__main__":
    pool = WorkerPool(1, Limits(cpu_seconds=60, memory_mb=1024))
    page = b"<html><body><main><h1>T</h1><p>Members include Canada and France.</p></main></body></html>"
    doc, facts = pool(ParseJob(page, "text/html", "https://example.org/"))
    print(sorted(facts[0].value["members"]))
    pool.close()
"""


def test_a_temporary_folder_too_deep_for_a_fork_server_falls_back_to_spawn(
    tmp_path: Path,
) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)  # a socket path longer than AF_UNIX allows
    deep.mkdir(parents=True)
    script = tmp_path / "parse_once.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "TMPDIR": str(deep)}
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['Canada', 'France']"
    assert "starting them with spawn" in done.stderr
