"""The page server: the corpus on 127.0.0.1, from a process of its own.

A small asyncio HTTP/1.1 server (keep-alive, ``ETag``, ``Last-Modified``,
conditional GETs answered with 304) that keeps every page in memory, so it
costs little CPU next to the checks it serves. Control paths:

* ``/__bench/variant/2`` (or ``/1``) switches the corpus variant;
* ``/__bench/cpu`` answers the server's own CPU seconds (user + system).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection

import httpx

from bench import corpus

CONTROL = "/__bench/"


@dataclass(frozen=True)
class _Page:
    head_200: bytes
    head_304: bytes
    body: bytes
    etag: bytes
    last_modified: bytes


def _page(index: int, variant: int) -> _Page:
    body = corpus.page_bytes(index, variant)
    tag, modified = corpus.etag(body), corpus.last_modified(index, variant)
    common = f"ETag: {tag}\r\nLast-Modified: {modified}\r\nCache-Control: max-age=0\r\n"
    head = (
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n{common}\r\n"
    )
    head_304 = f"HTTP/1.1 304 Not Modified\r\n{common}\r\n"
    return _Page(head.encode(), head_304.encode(), body, tag.encode(), modified.encode())


def build_pages(n: int) -> dict[bytes, tuple[_Page, _Page]]:
    """Both variants of pages ``0..n-1`` by path (variant 2 shares unedited pages)."""
    pages: dict[bytes, tuple[_Page, _Page]] = {}
    for i in range(n):
        first = _page(i, 1)
        second = first if corpus.plan(i) == "same" else _page(i, 2)
        pages[corpus.path(i).encode()] = (first, second)
    return pages


def _simple(status: str, body: bytes) -> bytes:
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


class _Handler:
    def __init__(self, pages: dict[bytes, tuple[_Page, _Page]]) -> None:
        self.pages = pages
        self.variant = 1

    def answer(self, target: bytes, headers: dict[bytes, bytes]) -> bytes:
        if target.startswith(CONTROL.encode()):
            return self._control(target[len(CONTROL) :].decode())
        both = self.pages.get(target)
        if both is None:
            return _simple("404 Not Found", b"{}")
        page = both[self.variant - 1]
        inm, ims = headers.get(b"if-none-match"), headers.get(b"if-modified-since")
        if (inm is not None and inm == page.etag) or (inm is None and ims == page.last_modified):
            return page.head_304
        return page.head_200 + page.body

    def _control(self, command: str) -> bytes:
        if command.startswith("variant/"):
            self.variant = int(command.rsplit("/", 1)[1])
            return _simple("200 OK", json.dumps({"variant": self.variant}).encode())
        if command == "cpu":
            times = os.times()
            return _simple("200 OK", json.dumps({"cpu": times.user + times.system}).encode())
        return _simple("404 Not Found", b"{}")

    async def serve_client(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                parts = lines[0].split(b" ")
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                writer.write(self.answer(parts[1] if len(parts) > 1 else b"/", headers))
                await writer.drain()
                if headers.get(b"connection", b"").lower() == b"close":
                    break
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            writer.close()


async def _main(n: int, ready: Connection) -> None:
    handler = _Handler(build_pages(n))
    server = await asyncio.start_server(handler.serve_client, "127.0.0.1", 0, backlog=1024)
    ready.send(server.sockets[0].getsockname()[1])
    async with server:
        await server.serve_forever()


def serve(n: int, ready: Connection) -> None:
    """Serve pages ``0..n-1`` until the process is terminated (the process's target)."""
    asyncio.run(_main(n, ready))


@dataclass(frozen=True)
class PageServer:
    """A running page server: its base URL and control calls."""

    base_url: str
    process: multiprocessing.process.BaseProcess

    def url(self, index: int) -> str:
        """The URL of page ``index``."""
        return self.base_url + corpus.path(index)

    def _control(self, command: str) -> dict[str, float]:
        reply = httpx.get(f"{self.base_url}{CONTROL}{command}", timeout=10, trust_env=False)
        reply.raise_for_status()
        data: dict[str, float] = reply.json()
        return data

    def switch(self, variant: int) -> None:
        """Serve ``variant`` from now on."""
        self._control(f"variant/{variant}")

    def cpu(self) -> float:
        """CPU seconds the server process has used so far."""
        return self._control("cpu")["cpu"]


@contextmanager
def running(n: int, timeout: float = 600.0) -> Iterator[PageServer]:
    """Start the page server for ``n`` pages in its own process; stop it afterwards."""
    ctx = multiprocessing.get_context("spawn")
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=serve, args=(n, send), daemon=True, name="bench-server")
    process.start()
    try:
        if not receive.poll(timeout):
            raise RuntimeError("the page server did not start")
        port = receive.recv()
        yield PageServer(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        process.join(10)
