"""The floors: what the machine allows, measured on the same corpus and concurrency.

* fetch-only: httpx GETs every page, ``concurrency`` threads, one process;
* fetch + parse: the same GETs, each body parsed with BeautifulSoup (lxml)
  and hashed with SHA-256, spread over ``processes`` processes;
* the mix of pass 3: conditional GETs with the validators of variant 1,
  and parse + hash only for the bodies that came back (200).

Each floor runs in a fresh process (see :mod:`bench.run`) and returns a
plain dict: ``pages``, ``parsed``, ``wall``, ``cpu``, and the validators
it saw (for the mix floor).
"""

from __future__ import annotations

import hashlib
import math
import multiprocessing
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

import httpx
from bs4 import BeautifulSoup

from bench.measure import Timer, cpu_seconds

Validators = dict[str, tuple[str | None, str | None]]


def _client(concurrency: int) -> httpx.Client:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.Client(limits=limits, trust_env=False, timeout=30)


def _conditional(url: str, validators: Validators | None) -> dict[str, str]:
    etag, modified = (validators or {}).get(url, (None, None))
    headers = {"If-None-Match": etag} if etag else {}
    if modified:
        headers["If-Modified-Since"] = modified
    return headers


def _fetch(client: httpx.Client, url: str, validators: Validators | None) -> httpx.Response:
    response = client.get(url, headers=_conditional(url, validators))
    if response.status_code not in (200, 304):
        raise RuntimeError(f"{url}: HTTP {response.status_code}")
    return response


def fetch_only(urls: Sequence[str], concurrency: int) -> dict[str, Any]:
    """Fetch every URL once; the floor of an unchanged pass."""
    timer = Timer().start()
    with _client(concurrency) as client, ThreadPoolExecutor(concurrency) as pool:
        responses = list(pool.map(lambda u: _fetch(client, u, None), urls))
    timer.stop()
    validators = {
        u: (r.headers.get("ETag"), r.headers.get("Last-Modified"))
        for u, r in zip(urls, responses, strict=True)
    }
    size = sum(len(r.content) for r in responses)
    return {"pages": len(urls), "parsed": 0, "wall": timer.wall, "cpu": timer.cpu,
            "bytes": size, "validators": validators}  # fmt: skip


def _parse_and_hash(body: bytes) -> str:
    soup = BeautifulSoup(body, "lxml")
    text = soup.get_text(" ", strip=True)
    return hashlib.sha256(body).hexdigest() + hashlib.sha256(text.encode()).hexdigest()


def _shard(urls: Sequence[str], threads: int, validators: Validators | None) -> tuple[int, float]:
    """Fetch (conditionally), parse and hash in one process: (bodies parsed, CPU seconds)."""
    cpu0 = cpu_seconds()

    def one(url: str) -> int:
        response = _fetch(client, url, validators)
        if response.status_code == 304:
            return 0
        _parse_and_hash(response.content)
        return 1

    with _client(threads) as client, ThreadPoolExecutor(threads) as pool:
        parsed = sum(pool.map(one, urls))
    return parsed, cpu_seconds() - cpu0


def fetch_parse(
    urls: Sequence[str], concurrency: int, processes: int, validators: Validators | None = None
) -> dict[str, Any]:
    """Fetch, parse and hash over ``processes`` processes; the floor of a first pass.

    With ``validators`` the GETs are conditional and only bodies that came
    back are parsed: the floor of a pass over a partly changed corpus.
    """
    shards = [list(urls[i::processes]) for i in range(processes)]
    threads = max(1, math.ceil(concurrency / processes))
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(processes, mp_context=ctx) as pool:
        list(pool.map(_warm, range(processes)))  # start-up is not part of the floor
        timer = Timer().start()
        done = list(pool.map(_shard, shards, [threads] * processes, [validators] * processes))
        timer.stop()
    parsed, cpu = sum(d[0] for d in done), sum(d[1] for d in done)
    return {"pages": len(urls), "parsed": parsed, "wall": timer.wall, "cpu": cpu}


def _warm(_: int) -> None:
    _parse_and_hash(b"<html><body><p>warm</p></body></html>")
