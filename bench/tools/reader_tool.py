"""reader: what the server gives a client that does nothing with the bytes.

It replays FirstLight's own requests of the same scenario (from the server's log: the same ranges
over as many kept-alive connections), driven by one thread with a selector, each body read into
one reused buffer and dropped: no parsing, no disk, no hashing. For an area, the headers first,
then every tile range at once (a client must learn where the tiles are); for the download, the
pieces, each connection taking the next as it is done. What it reaches is what the loopback server
delivers to those connections on this machine: the yardstick for how much of FirstLight's time is
FirstLight's, since nginx's millisecond pacing does not reach the nominal 40 MiB/s per connection
that the physical limit assumes. Standard library only (project venv).
"""

from __future__ import annotations

import selectors
import socket
import time
from collections import deque
from urllib.parse import urlsplit

from _common import band_hrefs, fetch_item, job, report


class _Connection:
    """One kept-alive connection reading one range at a time."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address)
        self.sock.setblocking(False)
        self.left = 0  # body bytes still to read (its Content-Length); the head is read first
        self.head: bytes | None = b""

    def ask(self, host: str, path: str, span: str) -> None:
        """GET ``path`` with the ``Range`` header the log shows (``-``: none)."""
        asked = f"Range: {span}\r\n" if span.startswith("bytes=") else ""
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\n{asked}\r\n"
        self.sock.setblocking(True)
        self.sock.sendall(request.encode())
        self.sock.setblocking(False)
        self.head = b""

    def read(self, view: memoryview) -> bool:
        """Read what arrived; True once the body is read whole."""
        count = self.sock.recv_into(view)
        if not count:
            raise ConnectionError("the server closed the connection")
        if self.head is not None:
            self.head += bytes(view[:count])
            head, found, body = self.head.partition(b"\r\n\r\n")
            if not found:
                return False
            status, *fields = head.decode("latin-1").split("\r\n")
            if status.split(" ")[1] not in ("200", "206"):
                raise ConnectionError(status)
            length = next(f for f in fields if f.lower().startswith("content-length:"))
            self.head, self.left, count = None, int(length.partition(":")[2]), len(body)
        self.left -= count
        return self.left <= 0


def _phase(
    asked: deque[tuple[str, str]], idle: list[_Connection], address: tuple[str, int], host: str, limit: int
) -> None:
    """Every range of ``asked``, at most ``limit`` at once: idle connections first, new ones up to
    the limit, each taking the next range as it is done; the connections end idle."""
    buffer = memoryview(bytearray(256 << 10))
    selector = selectors.DefaultSelector()
    opened = len(idle)
    while asked and (idle or opened < limit):
        if idle:
            connection = idle.pop()
        else:
            connection, opened = _Connection(address), opened + 1
        connection.ask(host, *asked.popleft())
        selector.register(connection.sock, selectors.EVENT_READ, connection)
    while selector.get_map():
        for key, _ in selector.select():
            connection = key.data
            if not connection.read(buffer):
                continue
            if asked:
                connection.ask(host, *asked.popleft())
            else:
                selector.unregister(connection.sock)
                idle.append(connection)


def main() -> None:
    spec = job()
    replay = spec["replay"]  # {"connections": n, "phases": [[[path, "bytes=a-b"], ...], ...]}
    parts = urlsplit(next(iter(band_hrefs(fetch_item(spec), spec["bands"]).values())))
    host, address = parts.netloc, (parts.hostname or "", parts.port or 80)
    idle: list[_Connection] = []
    began = time.perf_counter()
    for phase in replay["phases"]:
        _phase(deque((path, span) for path, span in phase), idle, address, host, replay["connections"])
    report(time.perf_counter() - began)
    for connection in idle:
        connection.sock.close()


if __name__ == "__main__":
    main()
