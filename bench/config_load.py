"""How long a large configuration takes to load, and ``status`` to read it.

Run with ``python -m bench.config_load [--n 20000] [--runs 3]``: writes a
configuration of N watches (every tenth following its statements, every
seventh on a cron schedule in a time zone) to a temporary folder, then times
:func:`monitor.settings.load_settings` and ``factwatch status`` (a fresh
process, an empty SQLite database) and prints a small markdown table.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def write_config(folder: Path, n: int) -> Path:
    """A configuration of ``n`` watches in ``folder``."""
    lines = [f"database: sqlite:///{folder}/bench.db", "watches:"]
    for i in range(n):
        lines += [f"  - name: w{i:05d}", f"    url: https://example{i % 50}.org/page/{i}"]
        if i % 7 == 0:
            lines += ['    cron: "0 9-17 * * 1-5"', "    timezone: America/Toronto"]
        else:
            lines += ["    every: 6h"]
        if i % 10 == 0:
            lines += ["    follow:", '      - link_text: "(?i)statement"']
    path = folder / "factwatch.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def time_load(path: Path, runs: int) -> list[float]:
    """Seconds of each :func:`load_settings` of ``path``."""
    from monitor.settings import load_settings

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        load_settings(path, env={})
        times.append(time.perf_counter() - start)
    return times


def time_status(path: Path, runs: int) -> list[float]:
    """Seconds of each ``factwatch status`` on ``path``, in a fresh process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTWATCH_")}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "monitor", "--config", str(path), "status"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> dict[str, list[float]]:
    """Run the measurement and print it."""
    parser = argparse.ArgumentParser(prog="python -m bench.config_load")
    parser.add_argument("--n", type=int, default=20_000, help="watches in the configuration")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="factwatch-bench-config-") as folder:
        path = write_config(Path(folder), args.n)
        size = path.stat().st_size
        results = {"load": time_load(path, args.runs), "status": time_status(path, args.runs)}
    print(f"{args.n} watches, {size / 1e6:.1f} MB of YAML\n")
    print("| what | median s | min s | max s |")
    print("|---|---:|---:|---:|")
    for what, times in results.items():
        row = f"{statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f}"
        print(f"| {what} | {row} |")
    return results


if __name__ == "__main__":
    main()
