"""A real HTTP server on 127.0.0.1 whose answers each test scripts.

``LocalServer.route(path, ...)`` sets what a path answers: status, headers,
body, an optional delay (to play a slow or hanging site), and whether to
honour ``If-None-Match`` with a 304. Every request is recorded.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Route:
    """What one path answers."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str | None = None
    handler: Callable[[BaseHTTPRequestHandler], tuple[int, dict[str, str], bytes]] | None = None


@dataclass
class Request:
    """One request the server received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    client_port: int = 0  # the connection it came on


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, Route]
    requests: list[Request]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is the test's business, not a traceback on stderr."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length) if length else b""
        port = int(self.client_address[1])
        self.server.requests.append(Request(method, self.path, dict(self.headers), payload, port))
        route = self.server.routes.get(self.path.split("?", 1)[0])
        if route is None:
            return self._send(404, {"Content-Type": "text/plain"}, b"not found")
        if route.delay:
            time.sleep(route.delay)
        if route.handler is not None:
            return self._send(*route.handler(self))
        headers = {"Content-Type": "text/html; charset=utf-8", **route.headers}
        if route.etag:
            headers["ETag"] = route.etag
            if self.headers.get("If-None-Match") == route.etag:
                return self._send(304, {"ETag": route.etag}, b"")
        return self._send(route.status, headers, route.body)

    def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 304:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def log_message(self, format: str, *args: Any) -> None:
        return


class LocalServer:
    """A scripted HTTP server on 127.0.0.1 (see the module doc)."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.routes = {}
        self._server.requests = []
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, body: bytes | str = b"", **options: Any) -> Route:
        """Set what ``path`` answers (see :class:`Route` for the options)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self._server.routes[path] = Route(body=data, **options)
        return self._server.routes[path]

    @property
    def requests(self) -> list[Request]:
        return self._server.requests

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@contextmanager
def local_server() -> Iterator[LocalServer]:
    """A started :class:`LocalServer`, stopped afterwards."""
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.stop()
