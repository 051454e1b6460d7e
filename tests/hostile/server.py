"""A hostile HTTP server on 127.0.0.1: trickles, bombs, lies and endless replies.

An asyncio server in a thread of its own. Each path answers with a
behaviour (an async function given the parsed request and the writer);
the factories below build the hostile ones. The server counts the
connections it accepted and those still open, so a test can see that a
client let go of its socket. Every behaviour ends when the client goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import zlib
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Request:
    """One request the server read."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    answered: bool = False  # the behaviour sent all it meant to
    sent: int = 0  # body bytes the behaviour wrote


Behaviour = Callable[[Request, asyncio.StreamWriter], Awaitable[None]]


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} X"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def page(
    body: bytes | str, *, status: int = 200, content_type: str = "text/html; charset=utf-8"
) -> Behaviour:
    """An ordinary answer (the lies are in the arguments)."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    async def answer(_request: Request, writer: asyncio.StreamWriter) -> None:
        head = {"Content-Type": content_type, "Content-Length": str(len(data))}
        writer.write(_head(status, head) + data)
        await writer.drain()

    return answer


def redirect(location: str, status: int = 302) -> Behaviour:
    """A redirect to ``location``."""

    async def answer(_request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(_head(status, {"Location": location, "Content-Length": "0"}))
        await writer.drain()

    return answer


def trickle_headers(interval: float = 0.5, total: int = 10_000) -> Behaviour:
    """The status line, then ``total`` header bytes one at a time every ``interval``
    seconds, then the end of the headers and a small page (for a client that waited)."""

    async def answer(request: Request, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        await writer.drain()
        for _ in range(total):
            await asyncio.sleep(interval)
            writer.write(b"a")
            await writer.drain()
        body = b"<html><body><main><p>You waited.</p></main></body></html>"
        writer.write(b"\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(body))
        writer.write(body)
        await writer.drain()
        request.answered = True

    return answer


def trickle_body(interval: float = 0.5, total: int = 10_000) -> Behaviour:
    """Complete headers, then the body one byte every ``interval`` seconds."""

    async def answer(_request: Request, writer: asyncio.StreamWriter) -> None:
        head = {"Content-Type": "text/html", "Content-Length": str(total)}
        writer.write(_head(200, head))
        await writer.drain()
        for _ in range(total):
            await asyncio.sleep(interval)
            writer.write(b"a")
            await writer.drain()

    return answer


@functools.cache
def _bomb(expanded: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip stream
    chunk = b"\0" * 1_000_000
    parts = [compressor.compress(chunk) for _ in range(expanded // len(chunk))]
    return b"".join(parts) + compressor.flush()


def gzip_bomb(expanded: int = 200_000_000) -> Behaviour:
    """A small gzip body (``Content-Encoding: gzip``) that inflates to ``expanded`` bytes."""
    data = _bomb(expanded)

    async def answer(_request: Request, writer: asyncio.StreamWriter) -> None:
        head = {
            "Content-Type": "text/html",
            "Content-Encoding": "gzip",
            "Content-Length": str(len(data)),
        }
        writer.write(_head(200, head) + data)
        await writer.drain()

    return answer


def endless(status: int = 200, content_type: str = "text/html", declared: int = 0) -> Behaviour:
    """A huge body in 64 KB chunks until the client goes: ``declared`` bytes (and that
    length announced), or without end."""
    chunk = b"x" * 65536

    async def answer(request: Request, writer: asyncio.StreamWriter) -> None:
        head = {"Content-Type": content_type}
        head["Content-Length" if declared else "Connection"] = (
            str(declared) if declared else "close"
        )
        writer.write(_head(status, head))
        while not declared or request.sent < declared:
            writer.write(chunk)
            request.sent += len(chunk)
            await writer.drain()
        request.answered = True

    return answer


@dataclass
class HostileServer:
    """The server (see the module doc); start it with :func:`hostile_server`."""

    routes: dict[str, Behaviour] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    accepted: int = 0
    open: int = 0
    port: int = 0
    ssl_context: Any = None
    raw: Behaviour | None = None  # a TCP server: this behaviour talks first, no HTTP
    _loop: asyncio.AbstractEventLoop | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    def route(self, path: str, behaviour: Behaviour) -> None:
        """What ``path`` answers from now on."""
        self.routes[path] = behaviour

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        """The absolute URL of ``path`` (``host`` may be a name the test resolves)."""
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    async def _read(self, reader: asyncio.StreamReader) -> Request:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = [*lines[0].split(" "), "", ""][:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name:
                headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length") or 0)
        body = await reader.readexactly(length) if length else b""
        return Request(method, path, headers, body)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self.open += 1
        try:
            if self.raw is not None:
                request = Request("RAW", "", {})
                self.requests.append(request)
                await self.raw(request, writer)
                await reader.read()  # until the client goes
            while self.raw is None:
                request = await self._read(reader)
                self.requests.append(request)
                behaviour = self.routes.get(request.path.split("?", 1)[0]) or page(
                    b"not found", status=404, content_type="text/plain"
                )
                await behaviour(request, writer)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            self.open -= 1
            with contextlib.suppress(Exception):
                writer.close()

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop

        async def main() -> None:
            server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.ssl_context)
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            async with server:
                await server.serve_forever()

        with contextlib.suppress(asyncio.CancelledError):
            loop.run_until_complete(main())
        loop.close()

    def start(self) -> HostileServer:
        threading.Thread(target=self._run, daemon=True, name="hostile-server").start()
        if not self._ready.wait(10):
            raise RuntimeError("the hostile server did not start")
        return self

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and loop.is_running():

            def cancel_all() -> None:
                for task in asyncio.all_tasks(loop):
                    task.cancel()

            loop.call_soon_threadsafe(cancel_all)


def smtp_replies(lines: int, interval: float = 0.0) -> Behaviour:
    """An SMTP greeting of ``lines`` continuation lines (``220-...``), each after
    ``interval`` seconds, then ``220 ready`` (for a raw server)."""
    line = b"220-" + b"x" * 60 + b"\r\n"

    async def answer(request: Request, writer: asyncio.StreamWriter) -> None:
        for _ in range(lines):
            if interval:
                await asyncio.sleep(interval)
            writer.write(line)
            request.sent += len(line)
            await writer.drain()
        writer.write(b"220 ready\r\n")
        await writer.drain()
        request.answered = True

    return answer


@contextmanager
def hostile_server(
    ssl_context: Any = None, raw: Behaviour | None = None
) -> Iterator[HostileServer]:
    """A started :class:`HostileServer` (TLS with ``ssl_context``; a raw TCP server
    with ``raw``), stopped afterwards."""
    server = HostileServer(ssl_context=ssl_context, raw=raw).start()
    try:
        yield server
    finally:
        server.stop()
