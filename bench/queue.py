"""``python -m bench.queue``: throughput of queue workers, with 1 and 2 worker processes.

Real components: RabbitMQ (``FACTWATCH_BENCH_BROKER_URL``, default
``amqp://guest:guest@127.0.0.1:5672//``), PostgreSQL
(``FACTWATCH_BENCH_POSTGRES_URL``, else ``FACTWATCH_TEST_POSTGRES_URL``; each
run in a schema of its own) and ``factwatch worker`` subprocesses. Pages of
the benchmark corpus are served on 127.0.0.1, either small pages after
200 ms (I/O bound: little to parse) or corpus pages at once (CPU bound: every
check is a first check, so each page is parsed, its facts extracted and its
first version stored).

Each run enqueues one slot for each of ``--pages`` new watches and times
from the first task to the last recorded check; the result is pages per
second, and the ratio of two workers to one. Written to
``bench/results/queue.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from kombu import Connection, Queue
from sqlalchemy import func, select

from bench import corpus
from monitor.queue import Enqueuer
from monitor.settings import QueueSettings
from store.cluster_models import CheckSlot
from store.db import scratch_schema
from store.repo import Store

RESULTS = Path(__file__).parent / "results" / "queue.json"
BROKER = os.environ.get("FACTWATCH_BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
CONCURRENCY = 8


class _Handler(BaseHTTPRequestHandler):
    server: _PageServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        index = int(self.path.strip("/").split("/")[-1] or 0)
        if self.server.latency:
            time.sleep(self.server.latency)
        body = self.server.pages[index % len(self.server.pages)]
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _PageServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    latency: float = 0.0
    pages: list[bytes]


SMALL = (
    b"<html><body><main><h1>Members</h1>"
    b"<p>Canada joined the group in 2022.</p></main></body></html>"
)


@contextmanager
def page_server(latency: float, distinct: int = 50) -> Iterator[str]:
    """Pages on 127.0.0.1 answering after ``latency`` s (with a latency, small pages; without,
    the corpus); yields its base URL."""
    server = _PageServer(("127.0.0.1", 0), _Handler)
    server.latency = latency
    server.pages = [SMALL] if latency else [corpus.page_bytes(i) for i in range(distinct)]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _config(path: Path, database: str, queue: str, base: str, pages: int) -> Path:
    watches = [
        {"name": f"p{i:05d}", "url": f"{base}/page/{i}", "every": "24h"} for i in range(pages + 1)
    ]
    data = {
        "database": database,
        "fetch": {"allow_private_networks": True},
        "scheduler": {"per_host": 64, "politeness_delay": 0, "parse_processes": 2},
        "queue": {"broker_url": BROKER, "name": queue},
        "watches": watches,
    }
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _recorded(store: Store) -> int:
    with store.session() as s:
        return int(s.scalar(select(func.count(CheckSlot.id))) or 0)


def _wait(store: Store, count: int, timeout: float = 600) -> None:
    end = time.monotonic() + timeout
    while _recorded(store) < count:
        if time.monotonic() > end:
            raise TimeoutError(f"only {_recorded(store)} of {count} checks recorded")
        time.sleep(0.05)


def run_once(database: str, workers: int, latency: float, pages: int) -> float:
    """Pages per second with ``workers`` worker processes on pages answering after
    ``latency`` seconds."""
    queue = f"factwatch.bench.{uuid.uuid4().hex[:8]}"
    with (
        tempfile.TemporaryDirectory() as tmp,
        scratch_schema(database, "bench") as url,
        page_server(latency) as base,
    ):
        config = _config(Path(tmp) / "factwatch.yaml", url, queue, base, pages)
        store = Store.open(url)
        send = Enqueuer(QueueSettings(broker_url=BROKER, name=queue))
        procs = [_worker(config, Path(tmp) / f"w{i}.log") for i in range(workers)]
        try:
            slot = datetime.now(UTC).replace(microsecond=0)
            for _ in range(workers):  # warm up: every worker connected and ready
                send.send(f"p{pages:05d}", slot)
            _wait(store, 1)
            time.sleep(2.0)
            start = time.monotonic()
            for i in range(pages):
                send.send(f"p{i:05d}", slot)
            _wait(store, pages + 1)
            return pages / (time.monotonic() - start)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                proc.wait(30)
            send.close()
            store.close()
            with Connection(BROKER) as conn:
                Queue(queue, routing_key=queue)(conn.default_channel).delete()


def _worker(config: Path, log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "monitor", "-c", str(config), "worker"]
    command += ["--concurrency", str(CONCURRENCY)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACTWATCH_")}
    with log.open("wb") as out:
        return subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print pages per second for 1 and 2 workers."""
    parser = argparse.ArgumentParser(prog="python -m bench.queue", description=__doc__)
    parser.add_argument("--pages", type=int, default=200, help="pages per run (default 200)")
    args = parser.parse_args(argv)
    database = os.environ.get("FACTWATCH_BENCH_POSTGRES_URL") or os.environ.get(
        "FACTWATCH_TEST_POSTGRES_URL"
    )
    if not database:
        print("set FACTWATCH_BENCH_POSTGRES_URL to a PostgreSQL database", file=sys.stderr)
        return 2
    results: dict[str, Any] = {"pages": args.pages, "concurrency": CONCURRENCY, "runs": {}}
    for label, latency in (("latency_200ms", 0.2), ("instant", 0.0)):
        rates = {n: run_once(database, n, latency, args.pages) for n in (1, 2)}
        results["runs"][label] = {
            "pages_per_second": {str(n): round(r, 2) for n, r in rates.items()},
            "ratio_2_to_1": round(rates[2] / rates[1], 2),
        }
        print(
            f"{label:>14}: 1 worker {rates[1]:6.1f} pages/s, 2 workers {rates[2]:6.1f} pages/s,"
            f" ratio {rates[2] / rates[1]:.2f}",
            flush=True,
        )
    results["cpus"] = os.cpu_count()
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
