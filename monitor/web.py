"""The HTTP server of ``factwatch web`` and ``factwatch run --http``.

:class:`WebServer` serves an ASGI application (the one
:func:`monitor.webui.create_app` builds) with uvicorn on a socket it binds
at once, so a bad or busy address fails before anything starts, and port 0
picks a free port. It runs in the foreground (``factwatch web``) or in a
daemon thread beside the scheduler (``factwatch run --http``).

uvicorn is imported only when a server starts, so the command line starts
as fast without it.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from typing import Any

from model.errors import ConfigError

log = logging.getLogger("factwatch.web")
LOCAL_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost"})


def parse_address(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8080`` for IPv6) as a ``(host, port)`` pair."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"--http: expected HOST:PORT, got {value!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    name = host.strip("[]").lower()
    if name in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (``ConfigError`` if it cannot be bound)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        raise ConfigError(f"--http: cannot listen on {host}:{port}: {exc}") from None
    sock.set_inheritable(True)
    return sock


class WebServer:
    """An ASGI application served by uvicorn on a socket bound at construction."""

    def __init__(self, app: Any, host: str, port: int) -> None:
        self._socket = bind_socket(host, port)
        self._app = app
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The ``(host, port)`` the server listens on."""
        host, port = self._socket.getsockname()[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        """The server's base URL (``http://127.0.0.1:8080``)."""
        host, port = self.address
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    def _make(self) -> Any:
        import uvicorn

        config = uvicorn.Config(
            self._app,
            lifespan="off",
            log_config=None,
            access_log=log.isEnabledFor(logging.DEBUG),
            proxy_headers=True,
            server_header=False,
            timeout_graceful_shutdown=5,
        )
        self._server = uvicorn.Server(config)
        return self._server

    def serve_forever(self) -> None:
        """Serve in this thread until SIGINT/SIGTERM."""
        try:
            self._make().run(sockets=[self._socket])
        finally:
            self._socket.close()

    def start(self) -> WebServer:
        """Serve in a daemon thread (signals stay with the main thread)."""
        server = self._make()
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self._socket]}, daemon=True, name="http"
        )
        self._thread.start()
        return self

    def wait_started(self, timeout: float = 10.0) -> bool:
        """Wait until the server accepts requests (after :meth:`start`)."""
        end = threading.Event()
        for _ in range(int(timeout / 0.02)):
            if self._server is not None and self._server.started:
                return True
            end.wait(0.02)
        return False

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self._socket.close()
