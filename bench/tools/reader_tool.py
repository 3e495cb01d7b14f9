"""reader x24: what the server gives a client that does nothing with the bytes, for the download.

The six files in 4 MB ranges (FirstLight's pieces) over 24 kept-alive connections, driven by one
thread with a selector, each body read into one reused buffer and dropped: no disk, no hashing, no
process or connection per range. What it reaches is what the loopback server delivers over 24
connections at once on this machine: the yardstick for the download's share of the nominal
bandwidth (24 x 40 MiB/s), which nginx's millisecond pacing does not reach. Standard library only
(project venv).
"""

from __future__ import annotations

import selectors
import socket
import time
from collections import deque
from urllib.parse import urlsplit

from _common import band_hrefs, fetch_item, job, report

PIECE = 4 << 20
CONNECTIONS = 24


class _Connection:
    """One kept-alive connection reading one range at a time."""

    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address)
        self.sock.setblocking(False)
        self.left = 0  # body bytes still to read; the head is read first
        self.head = b""

    def ask(self, host: str, path: str, first: int, last: int) -> None:
        request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nRange: bytes={first}-{last}\r\n\r\n"
        self.sock.setblocking(True)
        self.sock.sendall(request.encode())
        self.sock.setblocking(False)
        self.left, self.head = last - first + 1, b""

    def read(self, view: memoryview) -> bool:
        """Read what arrived; True once the range is read whole."""
        count = self.sock.recv_into(view)
        if not count:
            raise ConnectionError("the server closed the connection")
        if self.head is not None:
            self.head += bytes(view[:count])
            head, found, body = self.head.partition(b"\r\n\r\n")
            if not found:
                return False
            if not head.startswith(b"HTTP/1.1 206"):
                raise ConnectionError(head.split(b"\r\n")[0].decode())
            self.head, count = None, len(body)
        self.left -= count
        return self.left <= 0


def main() -> None:
    spec = job()
    item = fetch_item(spec)
    hrefs = band_hrefs(item, spec["bands"])
    parts = urlsplit(next(iter(hrefs.values())))
    host, address = parts.netloc, (parts.hostname or "", parts.port or 80)
    ranges = deque(
        (urlsplit(hrefs[band]).path, start, min(start + PIECE, item["assets"][band]["file:size"]) - 1)
        for band in spec["bands"]
        for start in range(0, item["assets"][band]["file:size"], PIECE)
    )
    buffer = memoryview(bytearray(256 << 10))
    began = time.perf_counter()
    selector = selectors.DefaultSelector()
    for _ in range(min(CONNECTIONS, len(ranges))):
        connection = _Connection(address)
        connection.ask(host, *ranges.popleft())
        selector.register(connection.sock, selectors.EVENT_READ, connection)
    while selector.get_map():
        for key, _ in selector.select():
            connection = key.data
            if not connection.read(buffer):
                continue
            if ranges:
                connection.ask(host, *ranges.popleft())
            else:
                selector.unregister(connection.sock)
                connection.sock.close()
    report(time.perf_counter() - began)


if __name__ == "__main__":
    main()
