"""A name whose first address never answers: what a network whose IPv6 drops packets looks like
to a client (or DNS with a stale entry)."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest


def silent_address() -> Iterator[tuple[str, int]]:
    """An address that never answers a connect: a listener whose queue is full drops the SYN.
    A generator, to be made a fixture: ``silent = pytest.fixture(silent_address)``."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    queued = [socket.socket() for _ in range(2)]
    for client in queued:
        client.setblocking(False)
        client.connect_ex(listener.getsockname())
    yield listener.getsockname()
    for client in queued:
        client.close()
    listener.close()


def dead_address_first(monkeypatch: pytest.MonkeyPatch, dead: tuple[str, int]) -> None:
    """Every name resolves to ``dead`` first, then to its own addresses."""
    lookup = socket.getaddrinfo

    def two_addresses(host: str, *args: object, **kwargs: object) -> list:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", dead), *lookup(host, *args, **kwargs)]  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
