"""burst.py against the asset server: every piece in flight at once, the happy path written to the
file, and everything else handed back (what is left of it) for the retrying path."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from firstlight_qgis.core import burst
from firstlight_qgis.core.burst import Hub, Outcome, Piece
from firstlight_qgis.core.download import http_session
from firstlight_qgis.core.errors import CancelledError
from firstlight_qgis.core.keepalive import Direct
from tests.support.addresses import dead_address_first, silent_address
from tests.support.asset_server import AssetServer
from tests.support.cogs import make_cog

pytestmark = pytest.mark.integration

SIZE = 64 * 1024
PIECES = [Piece(start, start + SIZE, 2 * start) for start in range(0, 6 * SIZE, SIZE)]  # spread out


@pytest.fixture(scope="module")
def cogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("burst")
    make_cog("nir", folder / "nir.tif")
    return folder


@pytest.fixture
def server(cogs: Path) -> Iterator[AssetServer]:
    with AssetServer(cogs) as running:
        yield running


def _burst(
    server: AssetServer,
    target: Path,
    pieces: list[Piece] = PIECES,
    timeout: float = 5.0,
    cancelled: threading.Event | None = None,
    connections: int = 4,
    finished: Callable[[Piece], None] = lambda piece: None,
    divisible: bool = False,
) -> Outcome:
    """One submission to a hub of ``connections`` (by default 4, fewer than the pieces: they wait
    their turn)."""
    target.write_bytes(b"")
    fd = os.open(target, os.O_WRONLY)
    stop = cancelled or threading.Event()
    hub = Hub(connections, timeout, {"User-Agent": "test"}, Direct(5.0, {}).tls, stop)
    try:
        return hub.submit(
            server.url("nir.tif"), pieces, fd, lambda piece, count: None, finished, divisible=divisible
        ).result()
    finally:
        hub.close()
        os.close(fd)


def _written(source: bytes, target: Path, piece: Piece) -> bytes:
    data = target.read_bytes()
    return data[piece.dest : piece.dest + piece.end - piece.start]


def test_every_piece_lands_at_its_place(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    outcome = _burst(server, tmp_path / "out")
    source = (cogs / "nir.tif").read_bytes()
    assert outcome.rest == [] and not outcome.failed
    for piece in PIECES:
        assert _written(source, tmp_path / "out", piece) == source[piece.start : piece.end]
    gets = server.log("/nir.tif", method="GET")
    assert sorted(g.range for g in gets) == sorted(f"bytes={p.start}-{p.end - 1}" for p in PIECES)
    assert len({g.connection for g in gets}) == 4, "the pieces waiting their turn reuse a connection"


def test_a_server_is_looked_up_once_per_hub(
    server: AssetServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []
    lookup = socket.getaddrinfo
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda host, *a, **k: asked.append(host) or lookup(host, *a, **k)
    )
    target = tmp_path / "out"
    target.write_bytes(b"")
    fd = os.open(target, os.O_WRONLY)
    hub = Hub(4, 5.0, {}, Direct(5.0, {}).tls, threading.Event())
    try:
        for piece in PIECES[:3]:
            outcome = hub.submit(
                server.url("nir.tif"), [piece], fd, lambda piece, n: None, lambda p: None
            ).result()
            assert outcome.rest == []
    finally:
        hub.close()
        os.close(fd)
    assert asked == ["127.0.0.1"]


silent = pytest.fixture(silent_address)


@pytest.mark.parametrize("first", ["refuses", "never answers"])
def test_an_address_that_does_not_connect_gives_way_to_the_next(
    server: AssetServer,
    cogs: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    silent: tuple[str, int],
    first: str,
) -> None:
    """A name with two addresses, the first one dead (IPv6 without a route, a stale DNS entry): every
    piece still comes through the burst over the second, none is handed back; the one that never
    answers costs a second once, not a timeout per piece."""
    port = int(server.base_url.rpartition(":")[2])
    dead = ("127.0.0.2", port) if first == "refuses" else silent  # nothing listens on 127.0.0.2
    dead_address_first(monkeypatch, dead)
    began = time.monotonic()
    outcome = _burst(server, tmp_path / "out")
    assert outcome.rest == [] and not outcome.failed
    assert time.monotonic() - began < 2.5  # the timeout is 5 s
    source = (cogs / "nir.tif").read_bytes()
    for piece in PIECES:
        assert _written(source, tmp_path / "out", piece) == source[piece.start : piece.end]


def test_the_retrying_path_gives_a_silent_address_a_second_too(
    server: AssetServer, cogs: Path, monkeypatch: pytest.MonkeyPatch, silent: tuple[str, int]
) -> None:
    """What the burst hands back goes over kept-alive http.client connections: their connect moves
    on from an address that does not answer after a second too, not after the whole timeout."""
    dead_address_first(monkeypatch, silent)
    direct = Direct(5.0, {})
    began = time.monotonic()
    try:
        connection, response = direct.get(server.url("nir.tif"), {"Range": "bytes=0-99"}, lambda c: None)
        assert response.status == 206 and response.read() == (cogs / "nir.tif").read_bytes()[:100]
        connection.close()
    finally:
        direct.close()
    assert time.monotonic() - began < 2.5  # the timeout is 5 s


def test_requests_gives_a_silent_address_a_second_too(
    server: AssetServer, cogs: Path, monkeypatch: pytest.MonkeyPatch, silent: tuple[str, int]
) -> None:
    """What goes through requests (a proxy, a redirect, a file of unknown size) connects the same
    way: urllib3 alone gives every address the whole timeout."""
    dead_address_first(monkeypatch, silent)
    began = time.monotonic()
    with http_session(1) as session:
        response = session.get(server.url("nir.tif"), headers={"Range": "bytes=0-99"}, timeout=5.0)
    assert response.status_code == 206 and response.content == (cogs / "nir.tif").read_bytes()[:100]
    assert time.monotonic() - began < 2.5  # the timeout is 5 s


def test_anything_but_a_plain_206_is_handed_back(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    """A 503 or a web page is a failed attempt; a reset mid-body leaves only its rest; a redirect,
    a 200 with the whole file to a range from byte 0 (a server without ranges) or a refusal (403,
    404) is for the retrying path to judge, without a wait."""
    server.inject("/nir.tif", ["503", "reset:1000", f"redirect:{server.url('nir.tif')}", "ignore-range"])
    one = [PIECES[0]]
    assert _burst(server, tmp_path / "a", one).failed == {PIECES[0]}
    rest = _burst(server, tmp_path / "b", one)
    assert rest.rest == [Piece(1000, SIZE, 1000)] and rest.failed == {Piece(1000, SIZE, 1000)}
    redirected = _burst(server, tmp_path / "c", one)
    assert redirected.rest == one and not redirected.failed
    whole = _burst(server, tmp_path / "d", one)  # no ranges: the slow path downloads it whole
    assert whole.rest == one and not whole.failed
    for status in ("403", "404"):
        server.inject("/nir.tif", [status])
        refused = _burst(server, tmp_path / "d", one)
        assert refused.rest == one and not refused.failed
    for piece in (PIECES[0], PIECES[1]):  # a web page, from the start or mid-file
        server.inject("/nir.tif", ["html200"])
        assert _burst(server, tmp_path / "d", [piece]).failed == {piece}
    server.inject("/nir.tif", ["429:2"])
    assert _burst(server, tmp_path / "e", one).retry_after == 2.0


def test_a_status_line_and_headers_that_come_in_parts_are_read_whole(
    server: AssetServer, cogs: Path, tmp_path: Path
) -> None:
    server.inject("/nir.tif", ["split-head"] * 2)
    pieces = PIECES[:2]
    outcome = _burst(server, tmp_path / "out", pieces)
    source = (cogs / "nir.tif").read_bytes()
    assert outcome.rest == [] and not outcome.failed
    for piece in pieces:
        assert _written(source, tmp_path / "out", piece) == source[piece.start : piece.end]
    assert [g.fault for g in server.log("/nir.tif", method="GET")] == ["split-head"] * 2


def test_a_stalled_piece_is_handed_back_after_the_timeout(server: AssetServer, tmp_path: Path) -> None:
    server.inject("/nir.tif", ["stall:3"])
    outcome = _burst(server, tmp_path / "out", [PIECES[0]], timeout=0.5)
    assert len(outcome.rest) == 1 and outcome.rest[0].start > 0  # the half that arrived is kept


def test_cancel_stops_the_burst(server: AssetServer, tmp_path: Path) -> None:
    server.inject("/nir.tif", ["slow:3"] * len(PIECES))
    cancelled = threading.Event()
    threading.Timer(0.2, cancelled.set).start()
    began = time.monotonic()
    with pytest.raises(CancelledError):
        _burst(server, tmp_path / "out", cancelled=cancelled)
    assert time.monotonic() - began < 1.0


def test_close_waits_for_a_transfer_still_running(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    """A failure or a cancel closes the hub with transfers under way: their writes end before close
    returns, never into a file the caller closes or deletes next."""
    server.throttle_bps = 4 * SIZE  # the piece takes a quarter of a second
    source = (cogs / "nir.tif").read_bytes()
    target = tmp_path / "out"
    target.write_bytes(b"")
    fd = os.open(target, os.O_WRONLY)
    hub = Hub(4, 5.0, {}, Direct(5.0, {}).tls, threading.Event())
    try:
        future = hub.submit(server.url("nir.tif"), [PIECES[1]], fd, lambda piece, n: None, lambda p: None)
        hub.close()
        assert future.done()
    finally:
        os.close(fd)
    assert future.result().rest == []
    assert _written(source, target, PIECES[1]) == source[PIECES[1].start : PIECES[1].end]


def test_close_hangs_up_the_kept_connections() -> None:
    """close does not wait for the loop to hang up its kept-alive connections, but the loop does."""
    hung_up = threading.Event()

    def answer_once(listener: socket.socket) -> None:
        connection, _ = listener.accept()
        with connection, contextlib.suppress(OSError):
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = connection.recv(4096)
                if not chunk:
                    return
                request += chunk
            head = (
                b"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-9/100\r\nContent-Length: 10\r\n\r\n"
            )
            connection.sendall(head + bytes(10))
            connection.settimeout(5.0)
            if connection.recv(1) == b"":
                hung_up.set()

    with socket.create_server(("127.0.0.1", 0)) as listener:
        threading.Thread(target=answer_once, args=(listener,), daemon=True).start()
        hub = Hub(4, 5.0, {}, Direct(5.0, {}).tls, threading.Event())
        try:
            outcome = hub.read(
                f"http://127.0.0.1:{listener.getsockname()[1]}/f.tif", 0, 10, bytearray()
            ).result()
        finally:
            hub.close()
        assert outcome.rest == [], "a plain 206 kept alive"
        assert hung_up.wait(5.0)


def test_bursts_of_several_files_share_one_loop(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    """Two submissions at once (two bands): both land, each in its own file."""
    source = (cogs / "nir.tif").read_bytes()
    hub = Hub(3, 5.0, {}, Direct(5.0, {}).tls, threading.Event())
    targets = [tmp_path / "a", tmp_path / "b"]
    fds = []
    try:
        for target in targets:
            target.write_bytes(b"")
            fds.append(os.open(target, os.O_WRONLY))
        futures = [
            hub.submit(server.url("nir.tif"), PIECES, fd, lambda piece, n: None, lambda piece: None)
            for fd in fds
        ]
        assert all(future.result().rest == [] for future in futures)
    finally:
        hub.close()
        for fd in fds:
            os.close(fd)
    for target in targets:
        for piece in PIECES:
            assert _written(source, target, piece) == source[piece.start : piece.end]


def _asked(server: AssetServer) -> list[tuple[int, int]]:
    """The byte ranges asked for nir.tif, as (start, end) with end excluded, in order."""
    spans = [g.range.removeprefix("bytes=").split("-") for g in server.log("/nir.tif")]
    return sorted((int(first), int(last) + 1) for first, last in spans)


def test_divisible_pieces_are_cut_as_the_queue_runs_out(
    server: AssetServer, cogs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole file's pieces go whole while many wait, then in bites of the queue's share per
    connection, so that the connections end together: every byte asked once and written at its
    place, the last requests smaller than a piece."""
    monkeypatch.setattr(burst, "_BITE_MIN", 8192)
    source = (cogs / "nir.tif").read_bytes()
    pieces = [Piece(start, start + SIZE, 2 * start) for start in range(0, 16 * SIZE, SIZE)]
    target = tmp_path / "out"
    finished: list[Piece] = []
    outcome = _burst(server, target, pieces, finished=finished.append, divisible=True)
    assert outcome.rest == [] and outcome.whole == len(finished)
    for piece in pieces:
        assert _written(source, target, piece) == source[piece.start : piece.end]
    asked = _asked(server)
    assert asked == sorted((p.start, p.end) for p in finished)
    covered = sorted(finished, key=lambda piece: piece.start)
    assert [p.start for p in covered] == [0] + [p.end for p in covered[:-1]] and covered[-1].end == 16 * SIZE
    assert all(p.dest == 2 * (p.start // SIZE) * SIZE + p.start % SIZE for p in covered)
    assert len(asked) > len(pieces), "the last pieces are cut"
    assert asked[0][1] - asked[0][0] == SIZE and min(end - start for start, end in asked) < SIZE


def test_divisible_pieces_are_joined_when_a_round_trip_costs_much(
    server: AssetServer, cogs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """50 ms before every answer, 4 MB/s per connection: once pieces came whole and the round
    trip is known, the next go out joined with the pieces of the file that follow them, so that
    fewer requests wait for an answer. Every byte is still asked once and lands at its place."""
    monkeypatch.setattr(burst, "_BITE_MIN", 8192)
    server.throttle_bps = 4_000_000
    server.inject("/nir.tif", ["slow:0.05"] * 64)
    source = (cogs / "nir.tif").read_bytes()
    pieces = [Piece(start, start + SIZE, start) for start in range(0, 16 * SIZE, SIZE)]
    target = tmp_path / "out"
    outcome = _burst(server, target, pieces, connections=2, divisible=True)
    assert outcome.rest == [] and target.read_bytes()[: 16 * SIZE] == source[: 16 * SIZE]
    asked = _asked(server)
    assert [start for start, _ in asked] == [0] + [end for _, end in asked[:-1]] and asked[-1][1] == 16 * SIZE
    assert len(asked) < len(pieces) and max(end - start for start, end in asked) > SIZE


def _burst_after_a_header(server: AssetServer, target: Path, faults: list[str]) -> Outcome:
    """A header read over a kept-alive connection, then a burst of PIECES[1] the hub may lend that
    connection to; ``faults`` are injected in between."""
    direct = Direct(5.0, {})
    url = server.url("nir.tif")
    connection, response = direct.get(url, {"Range": "bytes=0-99"}, lambda tracked: None)
    response.read()
    direct.release(url, connection)
    server.inject("/nir.tif", faults)
    target.write_bytes(b"")
    fd = os.open(target, os.O_WRONLY)
    hub = Hub(4, 5.0, {}, direct.tls, threading.Event(), reuse=direct.lend)
    try:
        return hub.submit(url, [PIECES[1]], fd, lambda piece, count: None, lambda piece: None).result()
    finally:
        hub.close()
        os.close(fd)
        direct.close()


def test_a_header_connection_is_lent_to_the_burst(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    """The kept-alive connection that read a header fetches the next range: no new connection."""
    outcome = _burst_after_a_header(server, tmp_path / "out", [])
    assert outcome.rest == []
    source = (cogs / "nir.tif").read_bytes()
    assert _written(source, tmp_path / "out", PIECES[1]) == source[PIECES[1].start : PIECES[1].end]
    gets = server.log("/nir.tif", method="GET")
    assert len(gets) == 2 and len({g.connection for g in gets}) == 1


def test_a_lent_connection_the_server_closed_is_not_a_failed_attempt(
    server: AssetServer, tmp_path: Path
) -> None:
    """A kept-alive connection may be closed by the server while idle: its piece goes back to the
    retrying path as it is, with no retry counted and no wait."""
    outcome = _burst_after_a_header(server, tmp_path / "out", ["drop"])  # the lent one finds it closed
    assert outcome.rest == [PIECES[1]] and not outcome.failed


def test_a_read_into_memory_keeps_its_connection_for_the_next_range(
    server: AssetServer, cogs: Path, tmp_path: Path
) -> None:
    """What a clip's fast lane does with a header: read into memory with the file's size, then the
    same connection carries the band's first range."""
    source = (cogs / "nir.tif").read_bytes()
    url = server.url("nir.tif")
    hub = Hub(4, 5.0, {}, Direct(5.0, {}).tls, threading.Event())
    target = tmp_path / "out"
    target.write_bytes(b"")
    fd = os.open(target, os.O_WRONLY)
    try:
        memory = bytearray()
        read = hub.read(url, 0, 1000, memory).result()
        outcome = hub.submit(url, [PIECES[1]], fd, lambda piece, count: None, lambda piece: None).result()
    finally:
        hub.close()
        os.close(fd)
    assert read.rest == [] and bytes(memory) == source[:1000] and read.total == len(source)
    assert outcome.rest == []
    assert _written(source, target, PIECES[1]) == source[PIECES[1].start : PIECES[1].end]
    gets = server.log("/nir.tif", method="GET")
    assert len(gets) == 2 and len({g.connection for g in gets}) == 1


def test_a_read_that_is_not_a_plain_206_is_handed_back(server: AssetServer) -> None:
    server.inject("/nir.tif", ["ignore-range"])
    hub = Hub(4, 5.0, {}, Direct(5.0, {}).tls, threading.Event())
    try:
        outcome = hub.read(server.url("nir.tif"), 0, 1000, bytearray()).result()
    finally:
        hub.close()
    assert outcome.rest == [Piece(0, 1000, 0)] and not outcome.failed  # for the caller's own read
