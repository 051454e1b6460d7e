"""What every hostile test runs under: no connection leaves 127.0.0.0/8, names are scripted.

``network`` (autouse) replaces the process's connection attempt and name
resolution for the test:

* a connection to any address outside loopback is **recorded and refused**
  (``ConnectionRefusedError``), never attempted: a test that needs a
  public-looking address sees where factwatch tried to go, and nothing leaves;
* names resolve only as the test scripts them (:meth:`Network.answer`, each
  call taking the next answer, the last one repeating); IP literals and
  ``localhost`` resolve as usual; any other name fails to resolve, so no
  test sends a DNS query.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.hostile.server import HostileServer, hostile_server

_REAL_GETADDRINFO = socket.getaddrinfo
_REAL_CONNECT = socket.socket.connect
_REAL_CONNECT_EX = socket.socket.connect_ex


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


@dataclass
class Network:
    """Scripted names and the connection attempts that were refused."""

    answers: dict[str, list[list[str]]] = field(default_factory=dict)
    lookups: list[str] = field(default_factory=list)
    refused: list[tuple[str, int]] = field(default_factory=list)

    def answer(self, name: str, *answers: list[str]) -> None:
        """``name`` resolves to ``answers[0]`` first, then ``answers[1]``, ... (the last repeats)."""
        self.answers[name.lower()] = [list(a) for a in answers]

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        scripted = self.answers.get(name.lower())
        if scripted is None:
            try:
                ipaddress.ip_address(name.split("%", 1)[0])
            except ValueError:
                if name.lower() != "localhost":
                    raise socket.gaierror(socket.EAI_NONAME, f"{name}: not scripted") from None
            return _REAL_GETADDRINFO(host, port, *args, **kwargs)
        self.lookups.append(name)
        addresses = scripted.pop(0) if len(scripted) > 1 else scripted[0]
        infos = []
        for address in addresses:
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr: tuple[Any, ...] = (address, int(port or 0))
            if family == socket.AF_INET6:
                sockaddr = (address, int(port or 0), 0, 0)
            infos.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
        return infos

    def guard(self, sock: socket.socket, address: Any) -> None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # a unix socket (the parse workers' fork server)
        host, port = str(address[0]), int(address[1])
        if not _loopback(host):
            self.refused.append((host.split("%", 1)[0], port))
            raise ConnectionRefusedError(f"test network: {host} is outside 127.0.0.0/8")


@pytest.fixture(autouse=True)
def network(monkeypatch: pytest.MonkeyPatch) -> Iterator[Network]:
    """The scripted network every hostile test runs on (see the module doc)."""
    net = Network()

    def connect(sock: socket.socket, address: Any) -> None:
        net.guard(sock, address)
        _REAL_CONNECT(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        net.guard(sock, address)
        return int(_REAL_CONNECT_EX(sock, address))

    monkeypatch.setattr(socket, "getaddrinfo", net.getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield net


@pytest.fixture
def hostile() -> Iterator[HostileServer]:
    """A hostile HTTP server on 127.0.0.1."""
    with hostile_server() as server:
        yield server
