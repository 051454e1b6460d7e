"""A small HTTP server for ``factwatch run --http``: ``/healthz`` and ``/metrics``.

Routes are plain functions from a :class:`Request` to a :class:`Response`,
registered on :class:`WebServer` by path, so a web UI can add its pages to
the same server later. The server runs in a daemon thread
(:class:`~http.server.ThreadingHTTPServer`, one thread per request).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from model.errors import ConfigError
from monitor.health import Health
from monitor.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger("factwatch.web")


@dataclass(frozen=True)
class Request:
    """An HTTP request: method, path and query parameters."""

    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    """An HTTP response."""

    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"

    @classmethod
    def json(cls, data: Any, status: int = 200) -> Response:
        """A JSON response."""
        body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        return cls(status, body, "application/json")


Route = Callable[[Request], Response]


def parse_address(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8080`` for IPv6) as a ``(host, port)`` pair."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"--http: expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        route = self.server.routes.get(parts.path)
        if route is None:
            response = Response(404, b"not found\n")
        else:
            try:
                response = route(Request("GET", parts.path, parse_qs(parts.query)))
            except Exception:  # a failing page must not kill the server
                log.exception("error serving %s", parts.path)
                response = Response(500, b"internal error\n")
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s " + format, self.address_string(), *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, Route]


class WebServer:
    """The HTTP server; add pages with :meth:`route`."""

    def __init__(self, host: str, port: int) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.routes = {}
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name="http",
        )

    @property
    def address(self) -> tuple[str, int]:
        """The ``(host, port)`` the server listens on."""
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def route(self, path: str, handler: Route) -> None:
        """Serve ``path`` with ``handler``."""
        self._server.routes[path] = handler

    def start(self) -> WebServer:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()


def health_route(health: Health) -> Route:
    """``/healthz``: 200 with ``"status": "ok"``, or 503 with what is wrong."""

    def handle(_request: Request) -> Response:
        ok, body = health.report()
        return Response.json(body, 200 if ok else 503)

    return handle


def metrics_route(metrics: Metrics) -> Route:
    """``/metrics``: the Prometheus text exposition."""

    def handle(_request: Request) -> Response:
        return Response(200, metrics.render(), CONTENT_TYPE)

    return handle
