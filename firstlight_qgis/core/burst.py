"""A burst of byte ranges of one file, all in flight at once over non-blocking sockets, one thread.

The tiles of a clip are a few dozen ranges. Fetched by a pool of threads, each range costs a
thread start or hand-over and a wake-up per chunk received, all under one interpreter lock: on
two cores that doubled the time of a 5 km clip. Here one thread per band drives all its ranges
with a selector: connect (and TLS handshake), send the request, read the status line and headers,
then write the body with ``os.pwrite`` as it arrives.

Only the happy path lives here: a plain ``206 Partial Content`` of exactly the bytes asked. Any
other answer or failure (a redirect, 403, 429, 5xx, a web page, a reset, a stall, a certificate
that does not verify) hands the piece, or what is left of it, back to the caller, whose threaded
path (RangePool.get) has the retries, the waits and the clear errors. A write that fails (a full
disk) is raised, never handed back.
"""

from __future__ import annotations

import contextlib
import errno
import os
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

_HEAD_LIMIT = 65536  # a status line and headers longer than this are not a range answer
_BUFFER = 256 << 10
_TICK_S = 0.05  # how often a waiting loop looks at cancel and stalls


@dataclass(frozen=True)
class Piece:
    """Bytes ``start..end-1`` of the source, written at ``dest`` in the destination file."""

    start: int
    end: int
    dest: int


@dataclass
class _Transfer:
    piece: Piece
    sock: socket.socket
    request: bytes
    phase: str = "connect"  # connect, handshake, send, head, body
    head: bytearray = field(default_factory=bytearray)
    written: int = 0
    last: float = field(default_factory=time.monotonic)

    def rest(self) -> Piece:
        done = self.written
        return Piece(self.piece.start + done, self.piece.end, self.piece.dest + done)


class _HandBack(Exception):
    """This piece leaves the burst for the caller's retrying path: as a failed attempt (counted,
    waited for) unless the answer was one that path handles itself (a redirect, no ranges)."""

    def __init__(self, failed: bool = True, retry_after: float | None = None) -> None:
        super().__init__()
        self.failed, self.retry_after = failed, retry_after


@dataclass
class Outcome:
    """What a burst leaves to the caller: the pieces (or their rest) still to fetch, those of them
    whose attempt failed, and the longest wait a 429 or 503 asked for."""

    rest: list[Piece] = field(default_factory=list)
    failed: set[Piece] = field(default_factory=set)
    retry_after: float | None = None


def fetch_burst(
    url: str,
    pieces: list[Piece],
    fd: int,
    *,
    headers: Mapping[str, str],
    timeout: float,
    slots: threading.Semaphore,
    check: Callable[[], None],
    received: Callable[[int], None],
    finished: Callable[[], None],
    tls: Callable[[], ssl.SSLContext],
) -> Outcome:
    """Fetch ``pieces`` of ``url`` into ``fd``, one connection each, as many at once as ``slots``
    lets this burst take; return what did not come through as a plain 206 (for the caller's
    retrying path). ``check()`` raises to cancel; ``received(n)`` counts body bytes and
    ``finished()`` each piece done; ``tls()`` gives the context for https."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    authority = parts.netloc.rpartition("@")[2]
    lines = [f"GET {target} HTTP/1.1", f"Host: {authority}", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    try:
        address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except OSError:
        return Outcome(list(pieces))
    waiting = list(reversed(pieces))
    outcome = Outcome()
    handed = outcome.rest
    active: dict[int, _Transfer] = {}  # by id: a socket's number changes when TLS wraps it
    buffer = bytearray(_BUFFER)
    selector = selectors.DefaultSelector()

    def start(piece: Piece) -> None:
        request = "\r\n".join([*lines, f"Range: bytes={piece.start}-{piece.end - 1}", "", ""]).encode()
        try:
            sock = socket.socket(address[0], address[1], address[2])
        except OSError:  # out of file descriptors, say: the retrying path takes it
            handed.append(piece)
            slots.release()
            return
        sock.setblocking(False)
        transfer = _Transfer(piece, sock, request)
        if sock.connect_ex(address[4]) not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            sock.close()
            handed.append(piece)
            slots.release()
            return
        active[id(transfer)] = transfer
        selector.register(sock, selectors.EVENT_WRITE, transfer)

    def end(transfer: _Transfer, hand_back: _HandBack | None) -> None:
        with contextlib.suppress(KeyError, ValueError, OSError):
            selector.unregister(transfer.sock)
        active.pop(id(transfer), None)
        transfer.sock.close()
        slots.release()
        if hand_back is None:
            finished()
            return
        handed.append(transfer.rest())
        if hand_back.failed:
            outcome.failed.add(transfer.rest())
            if hand_back.retry_after is not None:
                outcome.retry_after = max(outcome.retry_after or 0.0, hand_back.retry_after)

    try:
        while waiting or active:
            check()
            while waiting and (slots.acquire(blocking=False) if active else slots.acquire(timeout=_TICK_S)):
                start(waiting.pop())
            if not active:
                continue
            for key, _ in selector.select(_TICK_S):
                transfer: _Transfer = key.data
                try:
                    if _advance(transfer, selector, buffer, fd, received, secure, host, tls):
                        end(transfer, None)
                except _HandBack as hand_back:
                    end(transfer, hand_back)
            now = time.monotonic()
            for transfer in [t for t in active.values() if now - t.last > timeout]:
                end(transfer, _HandBack())  # stalled
    finally:
        for transfer in list(active.values()):
            with contextlib.suppress(KeyError, ValueError, OSError):
                selector.unregister(transfer.sock)
            transfer.sock.close()
            slots.release()
        selector.close()
    handed.extend(reversed(waiting))
    return outcome


def _advance(
    transfer: _Transfer,
    selector: selectors.BaseSelector,
    buffer: bytearray,
    fd: int,
    received: Callable[[int], None],
    secure: bool,
    host: str,
    tls: Callable[[], ssl.SSLContext],
) -> bool:
    """One step of a transfer its socket is ready for; True once its piece is written."""
    sock = transfer.sock
    try:
        if transfer.phase == "connect":
            if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                raise _HandBack
            if secure:
                selector.unregister(sock)
                sock = transfer.sock = tls().wrap_socket(
                    sock, server_hostname=host, do_handshake_on_connect=False
                )
                selector.register(sock, selectors.EVENT_WRITE, transfer)
                transfer.phase = "handshake"
            else:
                transfer.phase = "send"
        if transfer.phase == "handshake":
            try:
                sock.do_handshake()  # type: ignore[attr-defined]
            except ssl.SSLWantReadError:
                selector.modify(sock, selectors.EVENT_READ, transfer)
                return False
            except ssl.SSLWantWriteError:
                selector.modify(sock, selectors.EVENT_WRITE, transfer)
                return False
            transfer.phase = "send"
            selector.modify(sock, selectors.EVENT_WRITE, transfer)
        if transfer.phase == "send":
            sent = sock.send(transfer.request)
            transfer.request = transfer.request[sent:]
            if not transfer.request:
                transfer.phase = "head"
                selector.modify(sock, selectors.EVENT_READ, transfer)
            return False
        done = _receive(transfer, buffer, fd, received)
        while not done and secure and sock.pending():  # type: ignore[attr-defined]
            done = _receive(transfer, buffer, fd, received)
        return done
    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError, InterruptedError):
        return False
    except _WriteFailed as failed:
        raise failed.__cause__ from None  # type: ignore[misc]
    except (OSError, ValueError):
        raise _HandBack from None


class _WriteFailed(OSError):
    """Writing the output failed: raised to the caller, never handed back."""


def _receive(transfer: _Transfer, buffer: bytearray, fd: int, received: Callable[[int], None]) -> bool:
    piece = transfer.piece
    if transfer.phase == "head":
        data = transfer.sock.recv(_HEAD_LIMIT)
        if not data:
            raise _HandBack
        transfer.head += data
        transfer.last = time.monotonic()
        head, found, body = bytes(transfer.head).partition(b"\r\n\r\n")
        if not found:
            if len(transfer.head) > _HEAD_LIMIT:
                raise _HandBack
            return False
        _check_head(head, piece)
        transfer.phase = "body"
        return _write(transfer, body[: piece.end - piece.start], fd, received)
    count = transfer.sock.recv_into(buffer)
    if not count:
        raise _HandBack  # closed before the end of the range
    transfer.last = time.monotonic()
    return _write(
        transfer, memoryview(buffer)[: min(count, piece.end - piece.start - transfer.written)], fd, received
    )


def _write(transfer: _Transfer, data: bytes | memoryview, fd: int, received: Callable[[int], None]) -> bool:
    piece = transfer.piece
    view = memoryview(data)
    offset = piece.dest + transfer.written
    try:
        while view:
            count = os.pwrite(fd, view, offset)
            if count <= 0:
                raise OSError(errno.ENOSPC, "No space left on device")
            view, offset = view[count:], offset + count
    except OSError as error:
        raise _WriteFailed from error
    transfer.written += len(data)
    received(len(data))
    return transfer.written >= piece.end - piece.start


def _check_head(head: bytes, piece: Piece) -> None:
    """A ``206`` of exactly the range asked, plain (no chunks, no web page), or hand it back."""
    status, *lines = head.decode("latin-1").split("\r\n")
    words = status.split(" ", 2)
    code = words[1] if len(words) > 1 and words[0].startswith("HTTP/1.") else ""
    fields = {}
    for line in lines:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    if code != "206":
        plain = code in ("301", "302", "303", "307", "308") or (code == "200" and piece.start == 0)
        wait = fields.get("retry-after", "") if code in ("429", "503") else ""
        raise _HandBack(failed=not plain, retry_after=float(wait) if wait.isdigit() else None)
    first, _, last = fields.get("content-range", "").removeprefix("bytes ").partition("/")[0].partition("-")
    if (first, last) != (str(piece.start), str(piece.end - 1)):
        raise _HandBack
    if fields.get("content-length", str(piece.end - piece.start)) != str(piece.end - piece.start):
        raise _HandBack
    if "transfer-encoding" in fields or fields.get("content-type", "").lower().startswith("text/html"):
        raise _HandBack
