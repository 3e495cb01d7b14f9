"""A real HTTP asset server for tests: a directory served on 127.0.0.1 with HTTP Range support,
keep-alive, a request log, per-path fault injection, bandwidth throttling and an optional
Planetary-Computer-style SAS token emulation.

It is a plain ``http.server.ThreadingHTTPServer`` in a background thread (no mocks: clients talk
real HTTP/1.1 over a real socket), so the same server serves ``requests`` and GDAL ``/vsicurl/``.

Usage::

    with AssetServer(directory) as server:
        url = server.url("blue.tif")              # http://127.0.0.1:<port>/blue.tif
        server.inject("/blue.tif", ["500", "429:2", "reset"])   # next three GETs of that path
        ...
        gets = server.log(path="/blue.tif", method="GET")

As a pytest fixture::

    @pytest.fixture
    def server(tmp_path):
        with AssetServer(tmp_path) as server:
            yield server

Faults are consumed one per GET of their path, in order (HEAD is always served normally):

==================  ============================================================================
``"500"``           that status (any 4xx/5xx code) with a small text body
``"429:2"``         429 (or any code) with ``Retry-After: 2``
``"drop"``          the connection is closed before any response
``"reset[:N]"``     headers with the right Content-Length, N body bytes (default half), then RST
``"truncate[:N]"``  the same, then a clean close (FIN): the body is shorter than announced
``"html200"``       an HTML error page with status 200 (what some CDNs do)
``"slow:S"``        the response starts after S seconds
``"hang"``          the request is read and never answered (no status line, the connection kept
                    open) until the client closes it: a server that accepts and then says nothing
``"stall:S"``       half the body, a pause of S seconds, then the rest
``"ignore-range"``  the Range header is ignored: 200 with the whole file
``"ignore-if-range"`` the If-Range header is ignored: the range of whatever file is there now
``"redirect:URL"``  302 to URL (absolute, or a path on this server)
``"corrupt[:N]"``   the right status and length, but 64 body bytes from offset N (default: the
                    middle) inverted: a transfer garbled on the way
``"nolength"``      no Content-Length: the body runs until the connection closes
``"gzip"``          200 with the whole file gzip-compressed (``Content-Encoding: gzip``), whatever
                    the request's Accept-Encoding
``"split-head"``    the status line and headers come in three parts, 50 ms apart (the line
                    break that ends them split too), the last with the body's first bytes
``"pass"``          served normally (aims the next fault at a later request of the path)
==================  ============================================================================

``throttle_bps`` (constructor or property) paces every response body to that many bytes/s.
``max_in_flight`` (property) answers 503 to a GET beyond that many at once, like a server (or an
object store's "SlowDown") that caps the requests of one client.
``ssl_context`` (constructor) serves HTTPS instead, e.g. with a self-signed certificate.
Every file answer carries an ``ETag`` and ``Last-Modified`` and honours ``If-Range``;
:meth:`AssetServer.republish` replaces a file with another edition of the same size.

SAS emulation (:meth:`AssetServer.enable_sas`): ``GET /api/sas/v1/token/{account}/{container}``
returns ``{"token": "st=..&se=..&sp=rl&sv=..&sr=c&sig=..", "msc:expiry": "<ISO 8601>"}``; from then
on every file request needs the query of a valid, unexpired token (403 otherwise), and
:meth:`AssetServer.expire_tokens` revokes every token issued so far.
"""

from __future__ import annotations

import gzip
import json
import mimetypes
import os
import secrets
import select
import socket
import ssl
import struct
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qs, unquote, urlsplit

TOKEN_PREFIX = "/api/sas/v1/token"
_CHUNK = 64 * 1024
_HTML_ERROR_PAGE = (
    b"<!DOCTYPE html>\n<html><head><title>Service unavailable</title></head>"
    b"<body><h1>Sorry, something went wrong.</h1><p>Please try again later.</p></body></html>\n"
)


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it, appended to the log when the response is finished."""

    method: str
    path: str  # URL path, percent-decoded, without the query
    query: str  # raw query string ("" if none)
    range: str | None  # the Range header as sent
    status: int  # 0 when the connection was dropped before a status line
    bytes_sent: int  # body bytes written
    fault: str | None  # the injected fault that shaped this response
    connection: int  # id of the TCP connection (equal ids = a kept-alive connection reused)
    started: float = 0.0  # time.monotonic() when the request line arrived
    if_range: str | None = None  # the If-Range header as sent


@dataclass(frozen=True)
class Fault:
    """A parsed fault spec (see the module docstring for the spec strings)."""

    kind: str  # status | drop | reset | truncate | html200 | slow | stall | ignore-range | redirect
    #            | corrupt | nolength | pass | ignore-if-range | split-head | gzip | hang
    status: int = 0
    seconds: float = 0.0
    nbytes: int | None = None
    location: str = ""
    spec: str = ""

    @classmethod
    def parse(cls, spec: str) -> Fault:
        head, _, arg = spec.partition(":")
        if head.isdigit() and len(head) == 3:
            return cls("status", status=int(head), seconds=float(arg) if arg else 0.0, spec=spec)
        if head in ("reset", "truncate", "corrupt"):
            return cls(head, nbytes=int(arg) if arg else None, spec=spec)
        if head in ("slow", "stall"):
            return cls(head, seconds=float(arg or 1.0), spec=spec)
        if head == "redirect" and arg:
            return cls(head, status=302, location=arg, spec=spec)
        plain = ("drop", "html200", "ignore-range", "ignore-if-range", "nolength", "split-head", "pass")
        if head in (*plain, "gzip", "hang") and not arg:
            return cls(head, spec=spec)
        raise ValueError(f"unknown fault spec {spec!r}")


class _State:
    """Everything the handler threads share with the test thread, behind one lock."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.in_flight = 0
        self.serving = 0  # GETs not turned away by max_in_flight, until their answer is written
        self.faults: dict[str, deque[Fault]] = {}
        self.records: list[RequestRecord] = []
        self.throttle_bps: float | None = None
        self.max_in_flight: int | None = None
        self.sas: tuple[str, str, float] | None = None  # account, container, lifetime
        self.tokens: dict[str, float] = {}  # sig -> expiry (epoch seconds)
        self.stopping = threading.Event()
        self.connections = 0

    def next_fault(self, path: str) -> Fault | None:
        with self.lock:
            queue = self.faults.get(path)
            return queue.popleft() if queue else None

    def valid_token(self, query: str) -> bool:
        sig = (parse_qs(query).get("sig") or [""])[0]
        with self.lock:
            expiry = self.tokens.get(sig)
        return expiry is not None and expiry > time.time()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # a clip opens dozens of connections at once: none may wait for a SYN retry
    state: _State

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up (cancel, reset) are normal here: no traceback for them."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        with self.server.state.lock:
            self.server.state.connections += 1
            self.connection_id = self.server.state.connections

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self._handle(head=False)

    def do_HEAD(self) -> None:
        self._handle(head=True)

    # -- plumbing ----------------------------------------------------------------------------

    def _handle(self, head: bool) -> None:
        state = self.server.state
        with state.lock:
            state.in_flight += 1
            crowded = not head and state.max_in_flight is not None and state.serving >= state.max_in_flight
            admitted = not head and not crowded  # a 503 being written takes no one's place
            state.serving += admitted
        self._status, self._sent, self._ahead = 0, 0, b""
        started = time.monotonic()
        parts = urlsplit(self.path)
        path, query = unquote(parts.path), parts.query
        fault = None if head or crowded else state.next_fault(path)
        try:
            if crowded:
                self._simple(503, b"Slow down: too many requests at once\n", "text/plain")
            else:
                self._respond(path, query, fault, head)
        except (ConnectionError, TimeoutError, OSError):
            self.close_connection = True  # the client went away; keep the record of what was sent
        finally:
            record = RequestRecord(
                self.command,
                path,
                query,
                self.headers.get("Range"),
                self._status,
                self._sent,
                fault.spec if fault else None,
                self.connection_id,
                started,
                self.headers.get("If-Range"),
            )
            with state.lock:
                state.records.append(record)
                state.in_flight -= 1
                state.serving -= admitted
                state.idle.notify_all()

    def _respond(self, path: str, query: str, fault: Fault | None, head: bool) -> None:
        state = self.server.state
        if fault and fault.kind == "pass":
            fault = None
        if fault and fault.kind == "drop":
            self._abort(rst=True)
            return
        if fault and fault.kind == "slow":
            state.stopping.wait(fault.seconds)
        if fault and fault.kind == "hang":
            self._hang()
            return
        if fault and fault.kind == "status":
            extra = {"Retry-After": f"{fault.seconds:g}"} if fault.seconds else {}
            self._simple(fault.status, f"injected error {fault.status}\n".encode(), "text/plain", extra)
            return
        if fault and fault.kind == "redirect":
            self._simple(302, b"", "text/plain", {"Location": fault.location})
            return
        if fault and fault.kind == "html200":
            self._simple(200, _HTML_ERROR_PAGE, "text/html; charset=utf-8")
            return
        if path.startswith(TOKEN_PREFIX + "/") and state.sas:
            self._token(path)
            return
        file = (state.root / path.lstrip("/")).resolve()
        if not file.is_relative_to(state.root) or not file.is_file():
            self._simple(404, b"not found\n", "text/plain")
            return
        if state.sas and not state.valid_token(query):
            body = (
                b'<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
                b"<Message>Server failed to authenticate the request.</Message></Error>"
            )
            self._simple(403, body, "application/xml")
            return
        self._file(file, fault, head)

    def _simple(self, status: int, body: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
        self._status = status
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
            self._sent = len(body)

    def _token(self, path: str) -> None:
        state = self.server.state
        assert state.sas is not None
        account, container, lifetime = state.sas
        if path != f"{TOKEN_PREFIX}/{account}/{container}":
            self._simple(404, b"unknown account or container\n", "text/plain")
            return
        expiry = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=lifetime)
        sig = secrets.token_urlsafe(24)
        with state.lock:
            state.tokens[sig] = expiry.timestamp()
        start = (expiry - timedelta(seconds=lifetime)).strftime("%Y-%m-%dT%H:%M:%SZ")
        end = expiry.strftime("%Y-%m-%dT%H:%M:%SZ")
        token = f"st={start}&se={end}&sp=rl&sv=2021-06-08&sr=c&skoid=test&sig={sig}"
        body = json.dumps({"msc:expiry": end, "token": token}).encode()
        self._simple(200, body, "application/json")

    def _file(self, file: Path, fault: Fault | None, head: bool) -> None:
        with file.open("rb") as handle:  # the file as it is now, whatever replaces it meanwhile
            self._serve(handle, file.name, fault, head)

    def _serve(self, handle: BinaryIO, name: str, fault: Fault | None, head: bool) -> None:
        stat = os.fstat(handle.fileno())
        size = stat.st_size
        etag, modified = f'"{size:x}-{stat.st_mtime_ns:x}"', formatdate(stat.st_mtime, usegmt=True)
        if fault and fault.kind == "gzip":
            body = gzip.compress(handle.read())
            self._simple(200, body, "image/tiff", {"Content-Encoding": "gzip", "ETag": etag})
            return
        requested = None if fault and fault.kind == "ignore-range" else self.headers.get("Range")
        if_range = None if fault and fault.kind == "ignore-if-range" else self.headers.get("If-Range")
        if if_range is not None and if_range not in (etag, modified):
            requested = None  # the file changed since the client's copy: the whole file (RFC 9110)
        span = _parse_range(requested, size) if requested else None
        if span == "unsatisfiable":
            self._simple(416, b"", "text/plain", {"Content-Range": f"bytes */{size}"})
            return
        start, end = span if isinstance(span, tuple) else (0, size - 1)
        length = max(0, end - start + 1)
        self._status = 206 if span else 200
        self.send_response(self._status)
        self.send_header("Content-Type", mimetypes.guess_type(name)[0] or "application/octet-stream")
        if fault and fault.kind == "nolength":
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", modified)
        self.send_header("ETag", etag)
        if span:
            self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        if fault and fault.kind == "split-head":
            self._headers_buffer.append(b"\r\n")
            whole = b"".join(self._headers_buffer)
            self._headers_buffer = []
            for part in (whole[:20], whole[20:-2]):  # the blank line that ends them cut in two
                self.wfile.write(part)
                self.server.state.stopping.wait(0.05)
            self._ahead = whole[-2:]  # sent with the body's first bytes
        else:
            self.end_headers()
        if head:
            return
        cut = None
        if fault and fault.kind in ("reset", "truncate", "stall"):
            cut = fault.nbytes if fault.nbytes is not None else length // 2
        handle.seek(start)
        source = (
            _Corrupted(handle, length // 2 if fault.nbytes is None else fault.nbytes)
            if (fault and fault.kind == "corrupt")
            else handle
        )
        self._send(source, min(length, cut) if cut is not None else length)
        if fault and fault.kind == "stall":
            self.server.state.stopping.wait(fault.seconds)
            self._send(source, length - self._sent)
        if fault and fault.kind in ("reset", "truncate"):
            self._abort(rst=fault.kind == "reset")

    def _send(self, handle: object, count: int) -> None:
        """Write ``count`` bytes of ``handle``, paced to the server's throttle if one is set."""
        began, sent_here = time.monotonic(), 0
        while sent_here < count:
            rate = self.server.state.throttle_bps
            step = min(_CHUNK, count - sent_here, max(1024, int(rate / 20)) if rate else _CHUNK)
            data = handle.read(step)  # type: ignore[attr-defined]
            if not data:
                break
            self.wfile.write(self._ahead + data)
            self._ahead = b""
            sent_here += len(data)
            self._sent += len(data)
            if rate and sent_here < count:  # not after the last bytes: the client has its answer
                ahead = sent_here / rate - (time.monotonic() - began)
                if ahead > 0 and self.server.state.stopping.wait(ahead):
                    break

    def _hang(self) -> None:
        """Say nothing until the client hangs up (or the server stops): the handler's thread, and
        the request counted in flight, end with the client's connection, not after a fixed wait."""
        self.close_connection = True
        while not self.server.state.stopping.is_set():
            readable, _, _ = select.select([self.connection], [], [], 0.1)
            if readable and not self.connection.recv(_CHUNK):
                return

    def _abort(self, rst: bool) -> None:
        """Close the connection now: with RST (``SO_LINGER`` 0) for a reset, FIN otherwise."""
        self.close_connection = True
        if rst:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            self.connection.shutdown(socket.SHUT_WR)
        self.connection.close()


class _Corrupted:
    """A file object whose reads come back with 64 bytes inverted from body offset ``at``."""

    def __init__(self, handle: object, at: int) -> None:
        self._handle, self._at, self._offset = handle, at, 0

    def read(self, count: int) -> bytes:
        data = bytearray(self._handle.read(count))  # type: ignore[attr-defined]
        for i in range(max(self._at, self._offset), min(self._at + 64, self._offset + len(data))):
            data[i - self._offset] ^= 0xFF
        self._offset += len(data)
        return bytes(data)


def _parse_range(header: str, size: int) -> tuple[int, int] | str | None:
    """``(start, end)`` of a ``bytes=`` Range, ``"unsatisfiable"``, or None to serve it all.

    Several ranges are coalesced into one covering them all (RFC 9110 allows it).
    """
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or not spec:
        return None
    spans = []
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        try:
            if not first:
                count = int(last)
                spans.append((max(0, size - count), size - 1))
            else:
                spans.append((int(first), min(int(last), size - 1) if last else size - 1))
        except ValueError:
            return None
    satisfiable = [(a, b) for a, b in spans if a < size and a <= b]
    if not satisfiable:
        return "unsatisfiable"
    return min(a for a, _ in satisfiable), max(b for _, b in satisfiable)


class AssetServer:
    """Serves ``root`` over HTTP on 127.0.0.1 (a free port unless ``port`` is given).

    A context manager; :meth:`start` / :meth:`stop` do the same by hand.
    """

    def __init__(
        self,
        root: Path | str,
        *,
        port: int = 0,
        throttle_bps: float | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._state = _State(Path(root))
        self._state.throttle_bps = throttle_bps
        self._port = port
        self._ssl = ssl_context
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> AssetServer:
        self._state.stopping.clear()
        httpd = _Server(("127.0.0.1", self._port), _Handler)
        if self._ssl is not None:
            httpd.socket = self._ssl.wrap_socket(httpd.socket, server_side=True)
        httpd.state = self._state
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="asset-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._state.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._httpd = None

    def __enter__(self) -> AssetServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------

    @property
    def root(self) -> Path:
        return self._state.root

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>`` (``https`` with an ssl_context; no trailing slash)."""
        if self._httpd is None:
            raise RuntimeError("the asset server is not running")
        scheme = "https" if self._ssl is not None else "http"
        return f"{scheme}://127.0.0.1:{self._httpd.server_address[1]}"

    def url(self, path: str) -> str:
        """The URL of ``path`` (relative to the served directory)."""
        return f"{self.base_url}/{path.lstrip('/')}"

    def republish(self, path: str) -> bytes:
        """Replace the file at ``path`` with another edition of the same size (64 bytes in the
        middle changed, so a new ETag), as an object store does when a scene is reprocessed under
        the same name; requests being served finish with the old one. Returns the new bytes."""
        file = self.root / path.lstrip("/")
        data = bytearray(file.read_bytes())
        middle = len(data) // 2
        data[middle : middle + 64] = bytes(byte ^ 0xFF for byte in data[middle : middle + 64])
        temp = file.with_name(file.name + ".new")
        temp.write_bytes(data)
        os.replace(temp, file)
        return bytes(data)

    # -- faults and throttle -----------------------------------------------------------------

    def inject(self, path: str, faults: Iterable[str]) -> None:
        """Queue faults for the next GETs of ``path`` (URL path, e.g. ``"/blue.tif"``)."""
        parsed = [Fault.parse(spec) for spec in faults]
        key = "/" + path.lstrip("/")
        with self._state.lock:
            self._state.faults.setdefault(key, deque()).extend(parsed)

    def pending_faults(self, path: str | None = None) -> list[str]:
        """Faults not consumed yet (of ``path``, or of every path)."""
        key = None if path is None else "/" + path.lstrip("/")
        with self._state.lock:
            return [
                f.spec for where, queue in self._state.faults.items() if key in (None, where) for f in queue
            ]

    def clear_faults(self) -> None:
        with self._state.lock:
            self._state.faults.clear()

    @property
    def throttle_bps(self) -> float | None:
        """Body bandwidth per response in bytes/s (None = as fast as possible)."""
        return self._state.throttle_bps

    @throttle_bps.setter
    def throttle_bps(self, value: float | None) -> None:
        self._state.throttle_bps = value

    @property
    def max_in_flight(self) -> int | None:
        """GETs served at once; more get 503 (None = no cap)."""
        return self._state.max_in_flight

    @max_in_flight.setter
    def max_in_flight(self, value: int | None) -> None:
        self._state.max_in_flight = value

    # -- request log -------------------------------------------------------------------------

    def log(
        self, path: str | None = None, method: str | None = None, settle: float = 5.0
    ) -> list[RequestRecord]:
        """Finished requests in the order they came in, optionally of one path and/or method.

        Waits up to ``settle`` seconds for requests still in flight, so a test that asserts right
        after its client returned sees the server's side of the last response too.
        """
        key = None if path is None else "/" + path.lstrip("/")
        with self._state.idle:
            self._state.idle.wait_for(lambda: self._state.in_flight == 0, timeout=settle)
            records = sorted(self._state.records, key=lambda r: r.started)  # kept as they end
        return [r for r in records if key in (None, r.path) and method in (None, r.method)]

    def bytes_sent(self, path: str | None = None) -> int:
        """Body bytes sent (for ``path``, or in total)."""
        return sum(r.bytes_sent for r in self.log(path))

    def clear_log(self) -> None:
        with self._state.idle:
            self._state.idle.wait_for(lambda: self._state.in_flight == 0, timeout=5.0)
            self._state.records.clear()

    # -- Planetary Computer SAS emulation ----------------------------------------------------

    def enable_sas(
        self, account: str = "firstlight", container: str = "bands", lifetime_s: float = 3600.0
    ) -> str:
        """Require SAS tokens for every file; returns the token endpoint base URL.

        Tokens come from ``GET {token_url}/{account}/{container}`` and stay valid ``lifetime_s``
        seconds (or until :meth:`expire_tokens`).
        """
        with self._state.lock:
            self._state.sas = (account, container, lifetime_s)
        return self.token_url

    @property
    def token_url(self) -> str:
        return self.base_url + TOKEN_PREFIX

    def expire_tokens(self) -> None:
        """Make every token issued so far invalid (the server answers 403 to them)."""
        with self._state.lock:
            self._state.tokens = dict.fromkeys(self._state.tokens, 0.0)

    @property
    def tokens_issued(self) -> int:
        with self._state.lock:
            return len(self._state.tokens)
