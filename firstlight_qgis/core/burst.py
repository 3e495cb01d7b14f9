"""Byte ranges in bursts: every range in flight at once over non-blocking sockets, one thread.

The tiles of a clip are a few dozen ranges, a whole scene a few hundred. Fetched by a pool of
threads, each range costs a thread start or hand-over and a wake-up per chunk received, all under
one interpreter lock: on two cores that doubled the time of a 5 km clip and took a fifth longer
over a whole scene. Here one thread (a :class:`Hub`, one per call, for every band) drives all
ranges with a selector: connect (and TLS handshake), send the request, read the status line and
headers, then write the body at its place as it arrives; a connection is kept for the next
range to its server. A server's address that refuses or does not answer within a second (IPv6
without a route, say) gives way to its next one, and goes last for the connections after.

Only the happy path lives here: a plain ``206 Partial Content`` of exactly the bytes asked. Any
other answer or failure (a redirect, 403, 429, 5xx, a web page, a reset, a stall, a certificate
that does not verify) hands the piece, or what is left of it, back to the caller, whose threaded
path (RangePool.get) has the retries, the waits and the clear errors. A write that fails (a full
disk) fails the caller's submission, never handed back.
"""

from __future__ import annotations

import collections
import contextlib
import errno
import queue
import selectors
import socket
import ssl
import statistics
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .edition import Edition
from .errors import CancelledError
from .fileio import write_at
from .keepalive import FALLBACK_S

_HEAD_LIMIT = 65536  # a status line and headers longer than this are not a range answer
_BUFFER = 256 << 10
_TICK_S = 0.05  # how often a waiting loop looks at cancel and stalls
_HANDOVER_S = 0.05  # the longest a submitter waits for the loop to take its job (see submit)
_BITE_MIN = 1 << 20  # a divisible piece is not cut below this: a request costs a round trip
_TRIPS_PER_TRANSFER = 9  # divisible pieces are joined until a round trip is a tenth of their time
# Linux delays the ACKs of a kept-alive connection (a request follows each answer), and a server
# whose Nagle holds an answer's last partial segment until it is ACKed then stalls 40 ms (nginx
# did in one 20 km clip in six: 45 ms became 80). Asked after each read (it does not stay on).
_QUICKACK = getattr(socket, "TCP_QUICKACK", None)


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
    job: _Job
    phase: str = "connect"  # connect, handshake, send, head, body
    head: bytearray = field(default_factory=bytearray)
    written: int = 0
    last: float = field(default_factory=time.monotonic)
    lent: bool = False  # a kept-alive socket lent by the caller, not one this loop opened
    reusable: bool = False  # the server keeps the connection open after this answer
    tried: tuple = ()  # the server's addresses tried to connect, the last one connecting
    asked: float = 0.0  # when the request was sent whole
    answered: float = 0.0  # when the status line and headers were in

    def rest(self) -> Piece:
        done = self.written
        return Piece(self.piece.start + done, self.piece.end, self.piece.dest + done)


class _HandBack(Exception):
    """This piece leaves the burst for the caller's retrying path: as a failed attempt (counted,
    waited for) unless the answer was one that path judges itself (a redirect, no ranges, a
    refusal, another file than the caller's)."""

    def __init__(self, failed: bool = True, retry_after: float | None = None, crowded: bool = False) -> None:
        super().__init__()
        self.failed, self.retry_after, self.crowded = failed, retry_after, crowded


@dataclass
class Outcome:
    """What a burst leaves to the caller: the pieces (or their rest) still to fetch, those of them
    whose attempt failed, the longest wait a 429 or 503 asked for, and how many pieces came
    through whole and how many a 429 or 503 turned away (the server caps requests at once)."""

    rest: list[Piece] = field(default_factory=list)
    failed: set[Piece] = field(default_factory=set)
    retry_after: float | None = None
    whole: int = 0
    crowded: int = 0
    total: int | None = None  # the file's size, from the Content-Range of an answer


@dataclass(eq=False)  # compared and hashed by identity
class _Job:
    """One submission: pieces of one URL into one file."""

    url: str
    fd: int
    secure: bool
    host: str
    server: tuple[str, int]  # host and port: where its kept-alive connections go
    lines: list[str]
    received: Callable[[Piece, int], None]
    finished: Callable[[Piece], None]
    future: Future[Outcome]
    outcome: Outcome = field(default_factory=Outcome)
    running: int = 0  # pieces waiting or in flight
    memory: bytearray | None = None  # a read into memory (on a kept-alive connection), not a file
    size: int | None = None  # the file's size as the caller knows it: an answer naming another goes back
    edition: Edition | None = None  # the edition the caller holds bytes of: an answer of another goes back
    scatter: Callable[[int, bytes | memoryview], None] | None = None  # writes the source from an offset
    taken: threading.Event = field(default_factory=threading.Event)  # the loop started its transfers
    divisible: bool = False  # its pieces may be cut smaller as the queue runs out (see _Waiting)

    def request(self, piece: Piece) -> bytes:
        return "\r\n".join([*self.lines, f"Range: bytes={piece.start}-{piece.end - 1}", "", ""]).encode()


class _Waiting:
    """The pieces waiting for a connection, in the order submitted. A divisible piece is cut as
    the queue runs out (guided self-scheduling): it goes whole while the divisible bytes still to
    start are many, and as a bite of their share per connection when they are few, the rest
    going back to the front. Whole, the last pieces of a download ended up to a piece's time
    apart (a tenth of a second at 4 MB, half the connections idle); cut, they end together.
    Before that, a divisible piece takes along the pieces of its file that follow it until it
    holds ``target`` bytes: on a far server each request costs a round trip the connection idles."""

    def __init__(self, connections: int) -> None:
        self.connections = connections
        self._items: collections.deque[tuple[_Job, Piece]] = collections.deque()
        self._divisible = 0  # bytes of the divisible pieces waiting

    def __bool__(self) -> bool:
        return bool(self._items)

    def jobs(self) -> set[_Job]:
        return {job for job, _ in self._items}

    def add(self, job: _Job, pieces: list[Piece]) -> None:
        self._items.extend((job, piece) for piece in pieces)
        if job.divisible:
            self._divisible += sum(piece.end - piece.start for piece in pieces)

    def drop(self, job: _Job) -> None:
        for item in [item for item in self._items if item[0] is job]:
            self._items.remove(item)
            if job.divisible:
                self._divisible -= item[1].end - item[1].start

    def take(self, target: int = 0) -> tuple[_Job, Piece]:
        job, piece = self._items.popleft()
        if not job.divisible:
            return job, piece
        bite = max(_BITE_MIN, -(-self._divisible // self.connections))
        self._divisible -= piece.end - piece.start
        want = min(target, bite)
        while piece.end - piece.start < want and self._items and self._items[0][0] is job:
            after = self._items[0][1]  # the next piece of the file, if it follows on
            if (after.start, after.dest) != (piece.end, piece.dest + piece.end - piece.start):
                break
            self._items.popleft()
            self._divisible -= after.end - after.start
            job.running -= 1
            piece = Piece(piece.start, after.end, piece.dest)
        if piece.end - piece.start < bite + _BITE_MIN:
            return job, piece
        rest = Piece(piece.start + bite, piece.end, piece.dest + bite)
        self._items.appendleft((job, rest))
        self._divisible += rest.end - rest.start
        job.running += 1
        return job, Piece(piece.start, rest.start, piece.dest)


class Hub:
    """One selector loop, on a thread of its own, for the bursts of a call (a large clip's bands
    take turns on two, see clip._FINISH_HERE_BYTES): at most
    ``connections`` ranges in flight at once, across submissions, in the order submitted.
    ``cancelled`` stops it all (each submission then fails with CancelledError). A connection is
    kept alive for the next piece to its server, and ``reuse(url)`` may lend an idle kept-alive
    socket to that URL's server (one that fetched a header, say): each spares a connection and
    its handshake."""

    def __init__(
        self,
        connections: int,
        timeout: float,
        headers: Mapping[str, str],
        tls: Callable[[], ssl.SSLContext],
        cancelled: threading.Event,
        reuse: Callable[[str], socket.socket | None] = lambda url: None,
    ) -> None:
        self.connections, self.timeout, self.headers = connections, timeout, dict(headers)
        self.tls, self.cancelled, self.reuse = tls, cancelled, reuse
        self._inbox: queue.SimpleQueue[tuple[str, list[Piece], _Job] | None] = queue.SimpleQueue()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._submitted: list[Future[Outcome]] = []  # what ``close`` may have to wait for
        self._addresses: dict[tuple[str, int], list[tuple]] = {}  # (host, port) -> getaddrinfo's, best first
        self._trips: list[float] = []  # seconds from a request to its answer's head (the loop's thread)
        self._rates: list[float] = []  # bytes per second of a connection, once the head is in
        self._target = 0  # how large a download's requests should be here (see _measure)

    def submit(
        self,
        url: str,
        pieces: list[Piece],
        fd: int,
        received: Callable[[Piece, int], None],
        finished: Callable[[Piece], None],
        memory: bytearray | None = None,
        size: int | None = None,
        edition: Edition | None = None,
        scatter: Callable[[int, bytes | memoryview], None] | None = None,
        divisible: bool = False,
        handover: bool = True,
    ) -> Future[Outcome]:
        """Fetch ``pieces`` of ``url`` into ``fd`` (or into ``memory``: see ``read``; or through
        ``scatter(offset, data)``, given the bytes of the source from ``offset``), calling
        ``received(piece, count)`` as ``count`` more bytes of ``piece`` are written (the first ones
        in order) and ``finished(piece)`` as each piece is whole; the future gives what did not come
        through as a plain 206 (for the retrying path: a file whose size is not ``size``, or that
        ``edition`` does not admit, when given, among them), or raises CancelledError or the OSError
        of a write. ``divisible`` pieces may be fetched as smaller ones (see _Waiting): those of a
        whole file, not the ranges of a clip, which are sized to go at once. ``handover=False``
        returns without waiting for the loop to take the job (see below): for a caller submitting
        more at once, whose last submission waits for them all."""
        parts = urlsplit(url)
        secure = parts.scheme == "https"
        port = parts.port or (443 if secure else 80)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"GET {target} HTTP/1.1", f"Host: {parts.netloc.rpartition('@')[2]}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        future: Future[Outcome] = Future()
        server = (parts.hostname or "", port)
        try:
            self._look_up(server)
        except OSError:
            future.set_result(Outcome(list(pieces)))
            return future
        job = _Job(url, fd, secure, server[0], server, lines, received, finished, future)
        job.memory, job.size, job.edition, job.scatter = memory, size, edition, scatter
        job.divisible = divisible
        with self._lock:
            self._submitted.append(future)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="firstlight-burst", daemon=True)
                self._thread.start()
        self._inbox.put((url, list(pieces), job))
        self._wake_write.send(b"\0")
        if handover and threading.current_thread() is not self._thread:
            # Until the loop has taken the job: a caller going on with Python work (the next band's
            # launch) would keep the interpreter lock from the loop for up to the 5 ms switch
            # interval, and the ranges would go out only after it (5 and 20 km clips 6 % faster).
            job.taken.wait(_HANDOVER_S)
        return future

    def _measure(self, transfer: _Transfer) -> None:
        """A round trip and a connection's rate, from a whole piece of a download, and from all so
        far how large its requests should be: a round trip a tenth of their time."""
        now = time.monotonic()
        size = transfer.piece.end - transfer.piece.start
        if transfer.asked and transfer.answered and now > transfer.answered and size >= _BITE_MIN:
            self._trips.append(transfer.answered - transfer.asked)
            self._rates.append(size / (now - transfer.answered))
            trip, rate = statistics.median(self._trips), statistics.median(self._rates)
            self._target = int(_TRIPS_PER_TRANSFER * trip * rate)

    def _look_up(self, server: tuple[str, int]) -> None:
        """The server's addresses, looked up once per call: every band's header and tiles go to
        the same few servers, and a name lookup without a local cache is a round trip to DNS."""
        with self._lock:
            addresses = self._addresses.get(server)
        if addresses is None:
            addresses = socket.getaddrinfo(*server, type=socket.SOCK_STREAM)
            with self._lock:
                self._addresses.setdefault(server, addresses)

    def _connect(self, job: _Job, piece: Piece, tried: tuple = ()) -> _Transfer | None:
        """A transfer of ``piece`` connecting to the server's best address not ``tried`` yet, or
        None when none is left that a connection can be opened to. An address that failed goes
        last, for the next transfers."""
        while True:
            with self._lock:
                addresses = self._addresses[job.server]
                if tried and tried[-1] in addresses:
                    addresses.remove(tried[-1])
                    addresses.append(tried[-1])
                untried = [address for address in addresses if address not in tried]
            if not untried:
                return None
            tried = (*tried, untried[0])
            transfer = _start(job, piece, untried[0])
            if transfer is not None:
                transfer.tried = tried
                return transfer

    def read(
        self,
        url: str,
        start: int,
        end: int,
        memory: bytearray,
        edition: Edition | None = None,
        handover: bool = True,
    ) -> Future[Outcome]:
        """Bytes ``start..end-1`` of ``url`` into ``memory``, over a connection kept open for the
        next request to that server (a tile range after a header, say); the outcome's ``rest`` is
        not empty when they did not come through as a plain 206. ``handover`` as in ``submit``."""
        return self.submit(
            url,
            [Piece(start, end, 0)],
            -1,
            lambda piece, count: None,
            lambda piece: None,
            memory,
            edition=edition,
            handover=handover,
        )

    def close(self) -> None:
        """Stop the loop once its transfers are over: waits for those still running (a cancel, a
        failure), whose writes must not outlive the caller's files, but not for the loop to close
        its kept-alive connections, which it does on its own thread (1 and 5 km clips returned 2-5 %
        sooner)."""
        with self._lock:  # the loop closes its wake-up sockets under the lock, once woken (see _run)
            thread, running = self._thread, any(not future.done() for future in self._submitted)
            if thread is None:
                self._wake_read.close()
                self._wake_write.close()
                return
            self._inbox.put(None)
            self._wake_write.send(b"\0")
        if running:
            thread.join()

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        selector.register(self._wake_read, selectors.EVENT_READ, None)
        waiting = _Waiting(self.connections)
        active: dict[int, _Transfer] = {}  # by id: a socket's number changes when TLS wraps it
        idle: dict[tuple, list[socket.socket]] = {}  # kept-alive sockets by server address
        buffer = bytearray(_BUFFER)
        closing = False
        taken: list[_Job] = []
        slow = min(FALLBACK_S, self.timeout)  # a transfer this long without progress is looked at

        def drop(transfer: _Transfer) -> None:
            with contextlib.suppress(KeyError, ValueError, OSError):
                selector.unregister(transfer.sock)
            active.pop(id(transfer), None)
            transfer.sock.close()

        def end(transfer: _Transfer, hand_back: _HandBack | None) -> None:
            job = transfer.job
            if hand_back is None and transfer.reusable:
                with contextlib.suppress(KeyError, ValueError, OSError):
                    selector.unregister(transfer.sock)
                active.pop(id(transfer), None)
                idle.setdefault(job.server, []).append(transfer.sock)  # for the next request
            else:
                drop(transfer)
            if hand_back is None:
                job.outcome.whole += 1
                if job.divisible:
                    self._measure(transfer)
                job.finished(transfer.piece)
            else:
                job.outcome.crowded += hand_back.crowded
                job.outcome.rest.append(transfer.rest())
                # a lent kept-alive socket the server had closed: not an attempt that failed
                stale = transfer.phase in ("send", "head") and not transfer.head and transfer.lent
                if hand_back.failed and not stale:
                    job.outcome.failed.add(transfer.rest())
                    if hand_back.retry_after is not None:
                        job.outcome.retry_after = max(job.outcome.retry_after or 0.0, hand_back.retry_after)
            settle(job)

        def fall_back(transfer: _Transfer) -> bool:
            """Connect to the server's next address instead of one refused, unreachable or slow
            to answer (IPv6 without a route, say); False once every address was tried."""
            if transfer.phase != "connect" or transfer.lent:
                return False
            retry = self._connect(transfer.job, transfer.piece, transfer.tried)
            if retry is None:
                return False
            drop(transfer)
            active[id(retry)] = retry
            selector.register(retry.sock, selectors.EVENT_WRITE, retry)
            return True

        def settle(job: _Job) -> None:
            job.running -= 1
            if not job.running and not job.future.done():
                job.future.set_result(job.outcome)

        def fail(job: _Job, error: BaseException) -> None:
            for transfer in [t for t in active.values() if t.job is job]:
                drop(transfer)
            waiting.drop(job)
            if not job.future.done():
                job.future.set_exception(error)

        def start_waiting() -> None:
            while waiting and len(active) < self.connections:
                job, piece = waiting.take(self._target)
                kept = idle.get(job.server)
                lent = kept.pop() if kept else self.reuse(job.url)
                transfer = (
                    _Transfer(piece, lent, job.request(piece), job, "send", lent=True)
                    if lent
                    else self._connect(job, piece)
                )
                if transfer is None:  # no connection (out of descriptors?): the retrying path
                    job.outcome.rest.append(piece)
                    settle(job)
                    continue
                active[id(transfer)] = transfer
                selector.register(transfer.sock, selectors.EVENT_WRITE, transfer)

        try:
            while not closing or waiting or active:
                while True:
                    try:
                        item = self._inbox.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        closing = True
                        continue
                    _, pieces, job = item
                    taken.append(job)
                    job.running = len(pieces)
                    waiting.add(job, pieces)
                    if not pieces:
                        job.future.set_result(job.outcome)
                # The cancel first: a close that came with it (the calling thread's, at once) would
                # else find the transfers still active, and the loop then sleep without waking.
                if self.cancelled.is_set():
                    for job in {t.job for t in active.values()} | waiting.jobs():
                        fail(job, CancelledError("The download was cancelled."))
                if closing and not waiting and not active:
                    break
                start_waiting()
                for job in taken:  # its transfers are started: the submitter goes on
                    job.taken.set()
                taken.clear()
                for key, _ in selector.select(_TICK_S if (waiting or active) else None):
                    if key.data is None:
                        with contextlib.suppress(OSError):
                            self._wake_read.recv(4096)
                        continue
                    transfer = key.data
                    try:
                        if _advance(transfer, selector, buffer, self.tls):
                            end(transfer, None)
                            start_waiting()  # its connection asks for the next piece now
                    except _HandBack as hand_back:
                        if not fall_back(transfer):
                            end(transfer, hand_back)
                    except OSError as error:  # the output could not be written (a full disk)
                        fail(transfer.job, error)
                now = time.monotonic()
                for transfer in [t for t in active.values() if now - t.last > slow]:
                    if now - transfer.last > self.timeout:
                        end(transfer, _HandBack())  # stalled
                    elif transfer.phase == "connect" and len(transfer.tried) == 1:
                        fall_back(transfer)  # once: a slow network may be slow on every address
        except BaseException as error:  # a bug here must not leave a band waiting forever
            for job in {t.job for t in active.values()} | waiting.jobs():
                fail(job, error)
            raise
        finally:
            for transfer in list(active.values()):
                drop(transfer)
            for sock in (sock for kept in idle.values() for sock in kept):
                sock.close()
            selector.close()
            with self._lock:
                self._wake_read.close()
                self._wake_write.close()


def _start(job: _Job, piece: Piece, address: tuple) -> _Transfer | None:
    """A transfer of ``piece`` connecting to ``address`` (getaddrinfo's), or None when no
    connection can be opened there."""
    try:
        sock = socket.socket(address[0], address[1], address[2])
        sock.setblocking(False)
        if sock.connect_ex(address[4]) not in (0, errno.EINPROGRESS, errno.EWOULDBLOCK):
            sock.close()
            return None
    except OSError:
        return None
    return _Transfer(piece, sock, job.request(piece), job)


def _advance(
    transfer: _Transfer,
    selector: selectors.BaseSelector,
    buffer: bytearray,
    tls: Callable[[], ssl.SSLContext],
) -> bool:
    """One step of a transfer its socket is ready for; True once its piece is written."""
    sock, job = transfer.sock, transfer.job
    fd, received, secure, host = job.fd, job.received, job.secure, job.host
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
                transfer.asked = time.monotonic()
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


def _receive(transfer: _Transfer, buffer: bytearray, fd: int, received: Callable[[Piece, int], None]) -> bool:
    count = transfer.sock.recv_into(buffer)
    if not count:
        raise _HandBack  # closed before the end of the range
    if _QUICKACK is not None:
        transfer.sock.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
    transfer.last = time.monotonic()
    if transfer.phase == "head":
        body = _past_head(transfer, buffer, count)
        if body is None:
            return False
    else:
        body = memoryview(buffer)[:count]
    piece = transfer.piece
    return _write(transfer, body[: piece.end - piece.start - transfer.written], fd, received)


def _past_head(transfer: _Transfer, buffer: bytearray, count: int) -> memoryview | None:
    """The first ``count`` bytes of ``buffer``, read in the head phase: once the status line and
    headers are whole (kept in ``transfer.head``) and checked, what follows them, the body's first
    bytes, in place (never copied); None while they are not whole."""
    if not transfer.head:
        end = buffer.find(b"\r\n\r\n", 0, count)
        if end >= 0:
            transfer.head += buffer[:end]
            _take_head(transfer, end)
            return memoryview(buffer)[end + 4 : count]
    transfer.head += buffer[:count]  # the head comes in pieces (rare): join them
    end = transfer.head.find(b"\r\n\r\n")
    if end < 0:
        if len(transfer.head) > _HEAD_LIMIT:
            raise _HandBack
        return None
    _take_head(transfer, end)
    return memoryview(bytes(transfer.head[end + 4 :]))


def _take_head(transfer: _Transfer, end: int) -> None:
    job = transfer.job
    job.outcome.total, transfer.reusable = _check_head(bytes(transfer.head[:end]), transfer.piece, job)
    transfer.phase = "body"
    transfer.answered = time.monotonic()


def _write(
    transfer: _Transfer, data: bytes | memoryview, fd: int, received: Callable[[Piece, int], None]
) -> bool:
    piece, job = transfer.piece, transfer.job
    offset = piece.dest + transfer.written
    if job.memory is not None:
        job.memory[offset : offset + len(data)] = data
    else:
        try:
            if job.scatter is not None:
                job.scatter(piece.start + transfer.written, data)
            else:
                write_at(fd, data, offset)
        except OSError as error:
            raise _WriteFailed from error
    transfer.written += len(data)
    received(piece, len(data))
    return transfer.written >= piece.end - piece.start


def _check_head(head: bytes, piece: Piece, job: _Job) -> tuple[int | None, bool]:
    """A ``206`` of exactly the range asked, plain (no chunks, no web page), of the job's file (its
    size and edition, when given), or hand it back; the file's size if the answer says it, and
    whether the server keeps the connection open."""
    status, *lines = head.decode("latin-1").split("\r\n")
    words = status.split(" ", 2)
    code = words[1] if len(words) > 1 and words[0].startswith("HTTP/1.") else ""
    fields = {}
    for line in lines:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    page = fields.get("content-type", "").lower().startswith("text/html")
    if code != "206":  # the retrying path judges the answer; a failed attempt is waited for first
        whole = code == "200" and piece.start == 0 and not page  # a server without ranges
        refused = code.startswith("4") and code not in ("408", "416", "429")  # 403: re-signed, 404: said
        plain = code in ("301", "302", "303", "307", "308") or whole or refused
        crowded = code in ("429", "503")
        wait = fields.get("retry-after", "") if crowded else ""
        raise _HandBack(not plain, float(wait) if wait.isdigit() else None, crowded)
    span, _, total = fields.get("content-range", "").removeprefix("bytes ").partition("/")
    first, _, last = span.partition("-")
    if (first, last) != (str(piece.start), str(piece.end - 1)):
        raise _HandBack
    if fields.get("content-length", str(piece.end - piece.start)) != str(piece.end - piece.start):
        raise _HandBack
    if "transfer-encoding" in fields or page:
        raise _HandBack
    other_size = job.size is not None and total.isdigit() and int(total) != job.size
    if other_size or (job.edition is not None and not job.edition.admits(fields)):
        raise _HandBack(failed=False)  # another file than the caller's: the retrying path says so
    kept = words[0] == "HTTP/1.1" and fields.get("connection", "").lower() != "close"
    return (int(total) if total.isdigit() else None), kept
