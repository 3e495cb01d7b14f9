"""Byte ranges over many kept-alive connections: the fast paths of ``clip`` and ``download``.

One :class:`RangePool` per call of ``clip_bands`` / ``download_bands``: one burst loop (burst.py)
that drives the call's ranges, ``connections`` at a time, and behind it, for what the loop hands
back, a thread pool of ``connections`` workers sharing kept-alive connections (keepalive.py; requests
where a proxy or a redirect is involved) with the retries, each worker streaming one byte range
at a time into its place in a file (fileio.write_at).

- **Clip** (:func:`cog_layout`, :func:`launch_window`): a COG's header is read once (one request)
  and parsed in Python (tiff.py) for its grid and tile index, then only the tiles under the
  window are fetched, rows of adjacent tiles merged into one range and large ranges split so every
  connection has work, all at once on the burst loop (two for a large clip; what it hands back
  goes through the workers, with their retries). Clip windows start on tile corners (clip.py
  grows them to whole tiles), so the compressed tiles go into the output GeoTIFF as they are,
  behind a header written in Python: nothing is decoded or re-encoded, and GDAL does no work on
  the way. A :class:`Scatter` puts each tile where the header placed it, in the order the tiles
  become whole, and the band's thread hashes the file from its start while the rest arrives.
- **Whole files** (:func:`fetch_file`): a large file is split into pieces fetched at once on the
  burst loop (what it hands back goes through the workers) into the ``.part`` file; a
  ``.part.ranges.json`` beside it records the pieces done (written before any byte lands out of
  order), so a cancelled or broken download resumes with only what is missing. A
  :class:`FollowingHash` hashes the complete prefix of the file while the rest arrives, so the
  checksum is ready with the last byte (no second pass over the file).

Everything raises the errors of ``download`` (TransientError is retried by the caller's policy;
RangeUnsupported makes the caller fall back to its one-stream path).
"""

from __future__ import annotations

import bisect
import contextlib
import functools
import http.client
import itertools
import json
import logging
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import urllib3
from osgeo import gdal

from . import download as _download
from .burst import Hub, Outcome, Piece
from .download import (
    Crowded,
    FetchContext,
    FileChanged,
    Gate,
    PrefixHash,
    TransientError,
    body_chunks,
    check_size,
    scrub,
)
from .edition import Edition, forget_edition
from .errors import CancelledError, DownloadError
from .fileio import clean_up, open_to_read, open_to_write, read_into, reserve, write_at
from .gdalconfig import raising
from .keepalive import Direct, Redirected
from .tiff import Layout, NotACog, clip_header, read_layout, tile_start_ok

log = logging.getLogger(__name__)

CLIP_CONNECTIONS = 64  # range requests of one clip in flight at once (all bands together)
DOWNLOAD_CONNECTIONS = 24  # parallel range requests of one whole-scene download
RANGED_MIN_BYTES = 24 << 20  # whole files at least this big are fetched in parallel pieces
# piece size of a whole-file download: each costs a round trip on its connection, but on a far
# server the ranges of a file that follow one another are joined (see burst._Waiting), so with
# 50 ms per request 4 and 8 MB take the same time; near, 4 MB is 4 % faster than 8 (a slow range
# holds up less of its file's hash, the last ones end closer together), 3 MB no faster than 4
DOWNLOAD_PIECE = 4 << 20
CLIP_PIECE_MIN = 256 << 10  # ranges of a clip are not split below this
COPY_PIECE = 4 << 20  # the reads of a clip from a file on this machine
MERGE_GAP = 16 << 10  # two tile ranges closer than this are fetched as one
HEADER_BYTES = 32768  # the first request of a COG: its header (IFDs and tile index)
_READ = 256 << 10
_TICK_S = 0.05  # how often a band waiting for its burst looks again


class RangeUnsupported(DownloadError):
    """The server answered a range request with the whole file: use the one-stream path."""


class Refused(TransientError):
    """HTTP 403: a signed link may have expired; worth one retry with a fresh signature."""


# -- the pool ----------------------------------------------------------------------------------


class RangePool:
    """``connections`` workers using the session of ``context`` (whose pool must be as large);
    close it (or use ``with``) when done."""

    def __init__(self, context: FetchContext, connections: int) -> None:
        self.context, self.jobs = context, context.jobs
        self.max_retries, self.policy = context.max_retries, context.policy
        self.connections = max(1, connections)
        self._executor = ThreadPoolExecutor(self.connections, thread_name_prefix="firstlight-range")
        self.gate = Gate(self.connections)
        session_headers = context.session.headers if context.session is not None else {}
        headers = {k: str(v) for k, v in session_headers.items()}
        self.direct = Direct(context.timeout, headers, context.proxy, self.jobs.cancelled)
        self._loop_args = (
            self.connections,
            context.timeout,
            self.direct.headers,
            self.direct.tls,
            self.jobs.cancelled,
        )
        self.hub = Hub(*self._loop_args, reuse=self.direct.lend)  # a header's connection fetches tiles next
        self._spare: Hub | None = None

    def spare(self) -> Hub:
        """A second burst loop, made at the first call: a large clip's bands take turns on the two
        (see clip._FINISH_HERE_BYTES)."""
        if self._spare is None:
            self._spare = Hub(*self._loop_args, reuse=self.direct.lend)
        return self._spare

    def __enter__(self) -> RangePool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self.hub.close()
        if self._spare is not None:
            self._spare.close()
        self.direct.close()

    def land(self, burst: Future[Outcome], target: Path, counter: Counter) -> tuple[list[Piece], set[Piece]]:
        """Wait for a burst writing ``target`` to end; what it left to the retrying path, and which
        of those failed an attempt (counted, and waited for as a failed attempt asks)."""
        try:
            outcome = burst.result()
        except OSError as error:  # writing the output failed: a full disk, not a network failure
            raise _download.disk_error(target, error) from None
        if outcome.crowded:  # the server turned ranges away: no more at once than it took
            self.gate.narrow_to(outcome.whole)
        if outcome.failed:  # their first attempt failed: the retrying path goes on from retry 1
            for _ in outcome.failed:
                counter.add_retry()
            self.jobs.sleep(self.policy.delay(1, outcome.retry_after))
        return outcome.rest, outcome.failed

    def submit(self, work: Callable[[], Any]) -> Future[Any]:
        def tracked() -> Any:
            _download._worker.jobs = self.jobs  # cancel shuts these sockets down too
            try:
                return work()
            finally:
                _download._worker.jobs = None

        return self._executor.submit(tracked)

    def get(
        self,
        url: str,
        start: int,
        end: int,
        sink: Callable[[int, bytes], None],
        label: str,
        counter: Counter,
        abort: threading.Event | None = None,
        retries: int = 0,
        size: int | None = None,
        edition: Edition | None = None,
    ) -> int | None:
        """Stream bytes ``start..end-1`` of ``url`` into ``sink(offset, data)``, retrying transient
        failures up to ``max_retries`` times in all (``retries`` were made already, each counted);
        the file's total size if known. An answer from a file whose size is not ``size`` (when
        given) is a TransientError, and one that ``edition`` does not admit a FileChanged, before
        any of its bytes reaches ``sink``."""
        while True:
            written = 0

            def counted(offset: int, data: bytes) -> None:
                nonlocal written
                sink(offset, data)
                written += len(data)

            try:
                with self.gate.slot(self.jobs.check):
                    ask = _Ask(url, start, end, counted, label, counter, abort, size, edition)
                    total = self._get_once(ask)
                self.gate.widen()
                return total
            except (Refused, FileChanged):  # the caller's to judge: not worth the same request again
                raise
            except TransientError as error:
                self.jobs.check()
                start += written  # keep what arrived: the retry asks only for the rest
                if abort is not None and abort.is_set():
                    raise
                if isinstance(error, Crowded) and self.gate.narrow():
                    wait_s = self.policy.delay(1, error.retry_after)
                    log.info("%s: %s; %d at once now, again in %.1f s", label, error, self.gate.limit, wait_s)
                else:
                    if retries >= self.max_retries:
                        raise
                    retries += 1
                    counter.add_retry()
                    wait_s = self.policy.delay(retries, error.retry_after)
                    log.info("%s: %s; range retry %d in %.1f s", label, error, retries, wait_s)
                self.jobs.sleep(wait_s)

    def _get_once(self, ask: _Ask) -> int | None:
        self.jobs.check()
        headers = {"Range": f"bytes={ask.start}-{ask.end - 1}"}
        if self.direct.handles(ask.url):
            try:
                connection, direct = self.direct.get(ask.url, headers, self.jobs.track)
            except Redirected:
                pass  # requests follows it, below
            except (OSError, http.client.HTTPException) as error:
                self.jobs.check()
                raise _download.network_error(error, ask.label) from None
            else:
                try:
                    chunks = iter(lambda: direct.read(_READ), b"")
                    total = self._receive(direct.status, direct.headers, chunks, ask)
                except BaseException:
                    connection.close()
                    raise
                if direct.length:  # not read to the end (more than asked was sent): not reusable
                    connection.close()
                else:
                    self.direct.release(ask.url, connection)
                return total
        try:
            response = _download.http_get(self.context, ask.url, ask.label, headers)
        except TransientError:
            self.jobs.check()
            raise
        with response:
            return self._receive(response.status_code, response.headers, body_chunks(response, _READ), ask)

    def _receive(
        self, status: int, headers: Mapping[str, str], chunks: Iterator[bytes], ask: _Ask
    ) -> int | None:
        """Check the answer to a range request, then stream its body into ``ask.sink``."""
        label, end = ask.label, ask.end
        total = _accepted(status, headers, ask.start, label)
        check_size(total, ask.size, label)
        if ask.edition is not None and not ask.edition.admits(headers):
            raise FileChanged(label)
        offset = ask.start
        try:
            for chunk in chunks:
                if offset + len(chunk) > end:
                    chunk = chunk[: end - offset]
                ask.sink(offset, chunk)
                offset += len(chunk)
                ask.counter.add(len(chunk))
                self.jobs.check()
                if ask.abort is not None and ask.abort.is_set():
                    raise TransientError(f"Fetching {label} was abandoned.")
                if offset >= end:
                    break
        except (
            requests.RequestException,
            urllib3.exceptions.HTTPError,
            http.client.HTTPException,
            OSError,
        ) as error:
            self.jobs.check()
            log.debug("%s: %s", label, scrub(str(error)))
            raise TransientError(f"Fetching {label} failed: {_download._reason(error)}.") from None
        if offset < end:
            raise TransientError(f"The connection closed before the end of a range of {label}.")
        return total


@dataclass(frozen=True)
class _Ask:
    """One attempt of ``RangePool.get``: bytes ``start..end-1`` of ``url`` into ``sink``."""

    url: str
    start: int
    end: int
    sink: Callable[[int, bytes], None]
    label: str
    counter: Counter
    abort: threading.Event | None
    size: int | None  # the file's size the catalog gives
    edition: Edition | None  # the edition of the file the caller holds bytes of


def _accepted(status: int, headers: Mapping[str, str], start: int, label: str) -> int | None:
    """The file's total size from a good 206 answer; raise for anything else."""
    if status == 206:
        value = headers.get("Content-Range", "")
        first, _, rest = value.removeprefix("bytes ").partition("-")
        if not first.strip().isdigit() or int(first) != start:
            raise TransientError(f"The server sent an unexpected byte range of {label}.")
        if headers.get("Content-Type", "").lower().startswith("text/html"):
            raise TransientError(f"The server sent a web page instead of the raster {label} (HTTP 206).")
        total = rest.rpartition("/")[2]
        return int(total) if total.isdigit() else None
    if status == 200:
        if headers.get("Content-Type", "").lower().startswith("text/html"):
            raise TransientError(f"The server sent a web page instead of the raster {label} (HTTP 200).")
        if start > 0:  # it served ranges before (the header's): a one-off 200 is worth a retry
            raise TransientError(f"The server ignored a byte range of {label} (HTTP 200).")
        raise RangeUnsupported(f"The server of {label} does not serve byte ranges.")
    if status in (408, 429) or status >= 500:
        raise _download.server_error(status, label, headers)
    if status == 403:
        raise Refused(f"Access to {label} was refused (HTTP 403).")
    if status == 416:
        raise TransientError(f"The server refused a byte range of {label} (HTTP 416).")
    raise _download.client_error(status, label)


@dataclass
class Counter:
    """Bytes received and range retries of one band, from many workers."""

    transferred: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, count: int) -> None:
        with self.lock:
            self.transferred += count

    def add_retry(self) -> None:
        with self.lock:
            self.retries += 1


def run_pieces(
    pool: RangePool, works: list[Callable[[threading.Event], None]], progress: Callable[[], None]
) -> None:
    """Run ``works`` on the pool, ``progress()`` whenever one ends; the first failure stops the rest
    (they see ``abort``) and is raised once all have stopped."""
    abort = threading.Event()
    futures = [pool.submit(lambda work=work: work(abort)) for work in works]
    failure: BaseException | None = None
    for future in futures:
        try:
            future.result()
        except BaseException as error:
            abort.set()
            if (
                failure is None
                or (isinstance(error, CancelledError) and not isinstance(failure, CancelledError))
                or (isinstance(failure, TransientError) and not isinstance(error, TransientError))
            ):
                failure = error
        progress()
    if failure is not None:
        raise failure


# -- a window of a COG (clip) ------------------------------------------------------------------


def cog_layout(header: bytes, file_size: int | None) -> Layout | None:
    """The layout of a COG from its first bytes, or None when they are not those of a tiled,
    georeferenced TIFF whose tile index they hold: the caller then takes the whole file."""
    try:
        return read_layout(header, file_size)
    except NotACog as why:
        log.debug("not read as a COG: %s", why)
        return None


@raising
def layout_crs(layout: Layout) -> str:
    """The COG's CRS: "EPSG:n" when its GeoKeys say just that, else the WKT GDAL reads from the
    header (GDAL is asked only then)."""
    if layout.epsg is not None:
        return f"EPSG:{layout.epsg}"
    path = f"/vsimem/firstlight-{uuid.uuid4().hex}.tif"
    gdal.FileFromMemBuffer(path, layout.header)
    try:
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            dataset = gdal.OpenEx(path, gdal.OF_RASTER, allowed_drivers=["GTiff"])
            return str(dataset.GetProjection()) if dataset is not None else ""
        except RuntimeError:
            return ""
        finally:
            gdal.PopErrorHandler()
    finally:
        gdal.Unlink(path)


def tile_runs(layout: Layout, window: tuple[int, int, int, int]) -> list[tuple[int, int]]:
    """The byte spans of the tiles under ``window``, tiles less than MERGE_GAP apart merged into
    one span (one request)."""
    tiles = [layout.tile(*tile) for tile in layout.window_tiles(window)]
    return _merged([(offset, offset + size) for offset, size in tiles], MERGE_GAP)


def _merged(spans: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start - merged[-1][1] <= gap:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _split(spans: list[tuple[int, int]], piece: int) -> list[tuple[int, int]]:
    pieces = []
    for start, end in spans:
        count = max(1, math.ceil((end - start) / piece))
        step = math.ceil((end - start) / count)
        pieces.extend((s, min(s + step, end)) for s in range(start, end, step))
    return pieces


def piece_size(runs: list[int], connections: int) -> int:
    """The size of the ranges spans of ``runs`` bytes are split into: the smallest that makes no
    more ranges than ``connections``, so that all go at once (a range left waiting for a free
    connection would double the time), and none below CLIP_PIECE_MIN (below that a request costs
    more than it saves)."""

    def count(piece: int) -> int:
        return sum(math.ceil(run / piece) for run in runs)

    low, high = CLIP_PIECE_MIN, max([CLIP_PIECE_MIN, *runs])
    if count(high) > connections:  # more spans than connections: some wait whatever the size
        return max(CLIP_PIECE_MIN, math.ceil(sum(runs) / max(connections, 1)))
    while low < high:
        middle = (low + high) // 2
        if count(middle) <= connections:
            high = middle
        else:
            low = middle + 1
    return low


class Scatter:
    """Writes the tiles of a clip as their ranges bring them (from any thread), each where the
    part file's header placed it, and keeps count of the bytes from the start of the file that are
    in: the tiles are placed in the order they will be whole, so the file can be hashed from its
    start as it fills (``wait``)."""

    def __init__(self, fd: int, tiles: list[tuple[int, int, int]], head: int) -> None:
        """``tiles``: (start, end, place) of each tile in the source, by start; ``head``: the bytes
        of the part file before the first tile, written already."""
        self.fd, self.tiles = fd, tiles
        self.size = head + sum(end - start for start, end, _ in tiles)
        self.whole = head  # bytes from the start of the file that are in
        self._starts = [start for start, _, _ in tiles]
        self._left = [end - start for start, end, _ in tiles]
        self._placed = sorted(range(len(tiles)), key=lambda index: tiles[index][2])
        self._next = 0  # the first tile in file order not whole
        self._ended = False
        self._changed = threading.Condition()

    def write(self, offset: int, data: bytes | memoryview) -> None:
        """Bytes of the source from ``offset``: the parts that are tiles go to their places, what
        lies between tiles nowhere."""
        tiles, view = self.tiles, memoryview(data)
        index = bisect.bisect_right(self._starts, offset) - 1
        while view:
            if index < 0 or offset >= tiles[index][1]:  # between two tiles: skip to the next
                index += 1
                if index == len(tiles):
                    return
                skip = tiles[index][0] - offset
                view, offset = view[skip:], offset + skip
                continue
            start, end, place = tiles[index]
            count = min(len(view), end - offset)
            write_at(self.fd, view[:count], place + offset - start)
            self._landed(index, count)
            view, offset = view[count:], offset + count

    def _landed(self, index: int, count: int) -> None:
        with self._changed:
            left, placed = self._left, self._placed
            left[index] -= count
            if left[index] or placed[self._next] != index:
                return
            while self._next < len(placed) and not left[placed[self._next]]:
                self._next += 1
            self.whole = self.tiles[placed[self._next]][2] if self._next < len(placed) else self.size
            self._changed.notify_all()

    def end(self) -> None:
        """No more bytes come from the burst: ``wait`` returns."""
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait(self, beyond: int) -> int:
        """The bytes from the start of the file that are in, once more than ``beyond`` (or at
        ``end``, or after a tick)."""
        with self._changed:
            self._changed.wait_for(lambda: self.whole > beyond or self._ended, _TICK_S)
            return self.whole


@dataclass
class Launched:
    """A window of a COG on its way to a part file (``launch_window``): the header written, the
    tiles' burst in flight, their hash following; ``land_window`` sees it through."""

    url: str
    layout: Layout
    places: list[int]  # where each tile of the window lands in the part file
    pieces: list[Piece]
    counter: Counter
    tick: Callable[[], None]
    edition: Edition  # of the file whose header placed the tiles: a tile of another is refused
    scatter: Scatter  # writes the tiles to the part file, open until landed
    burst: Future[Outcome] | None = None  # None when the URL goes through a proxy (threads only)

    def abandon(self, part: Path) -> None:
        """Nobody will land it: close and remove the part file."""
        self.close()
        clean_up(part)

    def close(self) -> None:
        """Close the part file once the burst is done with it (its number could be another file's
        by the next write)."""
        if self.burst is not None:
            with contextlib.suppress(BaseException):
                self.burst.result()
            self.burst = None
        os.close(self.scatter.fd)


def launch_window(
    pool: RangePool,
    url: str,
    layout: Layout,
    window: tuple[int, int, int, int],
    part: Path,
    counter: Counter,
    progress: Callable[[float], None],
    piece: int,
    edition: Edition,
    hub: Hub | None = None,
) -> Launched:
    """Start writing the window (on tile corners) of the COG at ``url`` to ``part``: a GeoTIFF on
    the source grid made of the source's own compressed tiles, fetched in parallel ranges
    (adjacent tiles merged, large runs split so every connection has work) and never decoded. The
    tiles are placed in the order they will be whole, so that the file can be hashed from its start
    while the rest arrives. The header is written at once, the ranges go on ``hub`` (the call's
    first burst loop by default); ``land_window`` ends it. ``edition`` is the one of the file whose
    header ``layout`` was read from."""
    scatter, pieces, at, tick = _window_file(layout, window, part, progress, piece)
    launched = Launched(url, layout, at, pieces, counter, tick, edition, scatter)
    if pool.direct.handles(url):  # what a burst leaves goes the slow way, with its retries
        launched.burst = (hub or pool.hub).submit(
            url,
            pieces,
            scatter.fd,
            lambda piece, count: counter.add(count),
            lambda piece: tick(),
            edition=edition,
            scatter=scatter.write,
        )
    return launched


def copy_window(
    source: Path,
    layout: Layout,
    window: tuple[int, int, int, int],
    part: Path,
    progress: Callable[[float], None],
    check: Callable[[], None],
) -> str:
    """Write the window of the COG ``source`` on this machine (a local catalog's file, or a whole
    file an earlier run kept) to ``part`` as ``launch_window`` writes a server's: its own tiles
    copied, never decoded. The part file's sha256. DownloadError when ``source`` cannot be read or
    its tiles are not where its header says (a damaged file); OSError when ``part`` cannot be
    written; ``check`` raises to cancel, between pieces."""
    scatter, pieces, places, tick = _window_file(layout, window, part, progress, COPY_PIECE)
    try:
        with _reading(source) as fd:
            for piece in pieces:
                check()
                scatter.write(piece.start, _read_at(fd, piece, source))
                tick()
    finally:
        os.close(scatter.fd)
    if not _tiles_in_place(part, places, layout.compression):
        raise DownloadError(f"The tiles of {source.name} are not where its header says.")
    return _download.hash_file(part, {"sha256"})["sha256"]


@contextlib.contextmanager
def _reading(source: Path) -> Iterator[int]:
    try:
        fd = open_to_read(source)
    except OSError as error:
        raise DownloadError(f"Could not read {source.name}: {error.strerror}.") from None
    try:
        yield fd
    finally:
        os.close(fd)


def _read_at(fd: int, piece: Piece, source: Path) -> memoryview:
    """The source's bytes of ``piece``; DownloadError when they cannot all be read."""
    buffer = memoryview(bytearray(piece.end - piece.start))
    filled = 0
    try:
        while filled < len(buffer) and (count := read_into(fd, buffer[filled:], piece.start + filled)):
            filled += count
    except OSError as error:
        raise DownloadError(f"Could not read {source.name}: {error.strerror}.") from None
    if filled < len(buffer):
        raise DownloadError(f"{source.name} is shorter than its header says.")
    return buffer


def _window_file(
    layout: Layout,
    window: tuple[int, int, int, int],
    part: Path,
    progress: Callable[[float], None],
    piece: int,
) -> tuple[Scatter, list[Piece], list[int], Callable[[], None]]:
    """The part file of a window, its header written and its room taken: the Scatter that places
    the source's bytes in it, the pieces to read them in, where each tile lands, and the tick that
    reports a piece done."""
    tiles = [layout.tile(*tile) for tile in layout.window_tiles(window)]  # (offset, size)
    spans = _split(tile_runs(layout, window), piece)
    blobs = _merged([(offset, offset + size) for offset, size in tiles], -1)  # tiles sharing bytes: one
    after = _placed(blobs, spans)
    starts = [start for start, _ in blobs]

    def placed(offset: int) -> int:  # where the tile at ``offset`` goes, from the first tile's place
        blob = blobs[bisect.bisect_right(starts, offset) - 1]
        return after[blob] + offset - blob[0]

    relative = [placed(offset) for offset, _ in tiles]
    head = clip_header(layout, window, lambda base: [base + place for place in relative])
    scatter_to = [(start, end, len(head) + after[(start, end)]) for start, end in blobs]
    size = len(head) + sum(end - start for start, end in blobs)
    fd = open_to_write(part, new=True)
    try:  # the header first: a full disk fails before any request
        write_at(fd, head, 0)
        reserve(fd, size)
    except BaseException:
        os.close(fd)
        raise
    pieces = [Piece(start, end, start) for start, end in spans]
    done = [0]

    def tick() -> None:
        done[0] += 1
        progress(min(done[0] / len(pieces), 1.0))

    return Scatter(fd, scatter_to, len(head)), pieces, [len(head) + place for place in relative], tick


def _placed(blobs: list[tuple[int, int]], spans: list[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """Where the bytes of each tile (``blobs``: the source's spans of tiles, tiles sharing bytes
    together) go, from the first tile's place, when they come in ranges ``spans``: in the order
    they will be whole, by how far into their ranges they end (the ranges go at about one speed),
    then as in the source."""
    starts = [start for start, _ in spans]

    def whole_at(blob: tuple[int, int]) -> tuple[int, int]:
        start, end = blob
        index, at = bisect.bisect_right(starts, start) - 1, 0
        while index < len(spans) and spans[index][0] < end:
            at = max(at, min(end, spans[index][1]) - spans[index][0])
            index += 1
        return at, start

    order = sorted(blobs, key=whole_at)
    places = itertools.accumulate((end - start for start, end in order[:-1]), initial=0)
    return dict(zip(order, places, strict=True))


def land_window(pool: RangePool, label: str, launched: Launched, part: Path) -> str:
    """See a launched window through: its burst, what the burst left (on the retrying path), then
    the start of every tile checked against its codec's mark; the part file's sha256, hashed from
    its start while the burst fills it. FileChanged when the tiles are not those of the file the
    header was read from: its next attempt reads the header again."""
    prefix: PrefixHash | None = None
    try:
        prefix = PrefixHash(part, {"sha256"})
        pieces, retried = launched.pieces, set[Piece]()
        if launched.burst is not None:
            _follow(launched.burst, launched.scatter, prefix)
            pieces, retried = pool.land(launched.burst, part, launched.counter)
        _fetch_pieces(pool, launched, label, pieces, part, retried)
        if not _tiles_in_place(part, launched.places, launched.layout.compression):
            raise FileChanged(label)  # not where its header says: another file (no validators)
        prefix.to(launched.scatter.size)
        return prefix.digests()["sha256"]
    finally:
        launched.close()
        if prefix is not None:
            prefix.close()


def _tiles_in_place(part: Path, places: list[int], compression: int) -> bool:
    """Whether every tile written to ``part`` starts with its codec's mark."""
    with part.open("rb") as handle:
        for place in places:
            handle.seek(place)
            if not tile_start_ok(compression, handle.read(6)):
                return False
    return True


def _follow(burst: Future[Outcome], scatter: Scatter, prefix: PrefixHash) -> None:
    """Hash the part file from its start while the burst fills it, on the band's thread, which
    would wait idle otherwise (hashing every file after its last tile: a 50 km clip took 206 ms
    instead of 182, the whole scene as an area 656 instead of 552)."""
    burst.add_done_callback(lambda _: scatter.end())
    while not burst.done():
        prefix.to(scatter.wait(prefix.position))


def _fetch_pieces(
    pool: RangePool, launched: Launched, label: str, pieces: list[Piece], target: Path, retried: set[Piece]
) -> None:
    url, counter, edition = launched.url, launched.counter, launched.edition

    def work(piece: Piece) -> Callable[[threading.Event], None]:
        def run(abort: threading.Event) -> None:
            def sink(offset: int, data: bytes) -> None:
                try:
                    launched.scatter.write(offset, data)
                except OSError as error:  # a full disk, not a network failure: not retried
                    raise _download.disk_error(target, error) from None

            retries = int(piece in retried)
            pool.get(url, piece.start, piece.end, sink, label, counter, abort, retries, edition=edition)

        return run

    run_pieces(pool, [work(p) for p in pieces], launched.tick)


# -- whole files in parallel pieces (download) -------------------------------------------------


def _ranges_file(part: Path) -> Path:
    return part.with_name(part.name + ".ranges.json")


def _load_done(part: Path, size: int) -> list[tuple[int, int]]:
    """Intervals of ``part`` known to hold the file's bytes: from the ranges record if there is one
    (a part pieced together out of order), else the part's length (a part written in order)."""
    record = _ranges_file(part)
    if record.exists():
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
            if data.get("size") == size and part.exists():
                length = part.stat().st_size
                return _merged([(int(a), int(b)) for a, b in data["done"] if 0 <= a < b <= length], 0)
        except (OSError, ValueError, KeyError, TypeError):
            pass
        discard_part(part)
        return []
    length = part.stat().st_size if part.exists() else 0
    return [(0, length)] if 0 < length <= size else []


def _save_done(part: Path, size: int, done: list[tuple[int, int]]) -> None:
    record = _ranges_file(part)
    temp = record.with_name(record.name + ".tmp")
    temp.write_text(json.dumps({"size": size, "done": _merged(done, 0)}), encoding="utf-8")
    os.replace(temp, record)


def forget_ranges(part: Path) -> None:
    _ranges_file(part).unlink(missing_ok=True)


def discard_part(part: Path) -> None:
    """Remove a part file and the records of its resume."""
    part.unlink(missing_ok=True)
    forget_ranges(part)
    forget_edition(part)


class FollowingHash:
    """Hashes a file being filled out of order while it is filled: a thread reads the prefix
    known to be complete as it grows, so the digests are ready when the last byte lands instead of
    after a second pass over the file."""

    def __init__(self, path: Path, names: set[str], size: int) -> None:
        self.path, self.names, self.size = path, names, size
        self._digests: dict[str, str] | None = None
        self._frontier = 0
        self._stop = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="firstlight-hash", daemon=True)
        self._thread.start()

    def advance(self, frontier: int) -> None:
        with self._cond:
            if frontier > self._frontier:
                self._frontier = frontier
                self._cond.notify()

    def _run(self) -> None:
        try:
            prefix = PrefixHash(self.path, self.names)
        except OSError:
            return
        try:
            while prefix.position < self.size:
                with self._cond:
                    self._cond.wait_for(lambda: prefix.position < self._frontier or self._stop)
                    if self._stop:
                        return
                    target = self._frontier
                prefix.to(target)
            self._digests = prefix.digests()
        except OSError:
            return
        finally:
            prefix.close()

    def finish(self, wait: bool) -> dict[str, str] | None:
        """The digests of the whole file if it was all hashed (waiting for the rest if ``wait``)."""
        if not wait:
            with self._cond:
                self._stop = True
                self._cond.notify()
        self._thread.join()
        return self._digests


def _frontier(done: list[tuple[int, int]]) -> int:
    merged = _merged(done, 0)
    return merged[0][1] if merged and merged[0][0] == 0 else 0


def fetch_file(
    pool: RangePool,
    url: str,
    label: str,
    part: Path,
    size: int,
    counter: Counter,
    progress: Callable[[float], None],
    follower: Callable[[], FollowingHash] | None = None,
) -> tuple[int, FollowingHash | None]:
    """Fill ``part`` with the ``size`` bytes of ``url`` in parallel pieces, keeping what earlier
    attempts left; returns the bytes that were already there, and the hash following the fill
    (``follower()`` makes it once the part file exists; finish it). The pieces go at once on the
    burst loop; what it leaves goes to the retrying path. Every answer must be of the edition the
    part holds bytes of: when the server's file changed, the part goes (FileChanged)."""
    done = _load_done(part, size)
    had = sum(b - a for a, b in done)
    edition = Edition(part, kept=had > 0)
    changed = threading.Event()
    missing, cursor = [], 0
    for start, end in [*done, (size, size)]:
        if start > cursor:
            missing.append((cursor, start))
        cursor = max(cursor, end)
    if not missing:
        return had, None
    _save_done(part, size, done)  # before any byte lands out of order
    if not part.exists():
        part.touch()
    hashing = follower() if follower is not None else None
    if hashing is not None:
        hashing.advance(_frontier(done))
    lock = threading.Lock()
    received = [had]
    last_save = [time.monotonic()]

    def landed(start: int, end: int) -> None:
        """Bytes ``start..end-1`` are in the part file: they count for a resume and the hash."""
        with lock:
            done.append((start, end))
            received[0] += end - start
            if hashing is not None:
                hashing.advance(_frontier(done))
            now = time.monotonic()
            if now - last_save[0] > 0.5:
                _save_done(part, size, done)
                last_save[0] = now
        progress(received[0] / size)

    fd = open_to_write(part)

    def work(piece: Piece, retries: int) -> Callable[[threading.Event], None]:
        def run(abort: threading.Event) -> None:
            written = [piece.start]

            def sink(offset: int, data: bytes) -> None:
                try:
                    write_at(fd, data, offset)
                except OSError as error:
                    raise _download.disk_error(part, error) from None
                written[0] = offset + len(data)

            try:
                pool.get(url, piece.start, piece.end, sink, label, counter, abort, retries, size, edition)
            except FileChanged:
                changed.set()
                raise
            finally:  # what arrived counts for a resume, even of a piece cut short
                if written[0] > piece.start:
                    landed(piece.start, written[0])

        return run

    pieces = [Piece(start, end, start) for start, end in _split(missing, DOWNLOAD_PIECE)]
    try:
        try:  # a disk without room fails before any request
            reserve(fd, size)
        except OSError as error:
            raise _download.disk_error(part, error) from None
        retried: set[Piece] = set()
        if pool.direct.handles(url):
            pieces, retried = _burst_file(pool, url, part, size, edition, pieces, fd, counter, landed)
        run_pieces(pool, [work(piece, int(piece in retried)) for piece in pieces], lambda: None)
    except BaseException:
        if hashing is not None:
            hashing.finish(wait=False)
        raise
    finally:
        os.close(fd)
        with lock:
            if changed.is_set():  # bytes of two editions: none can be trusted
                discard_part(part)
            elif sum(b - a for a, b in _merged(done, 0)) >= size:
                forget_ranges(part)
            else:
                _save_done(part, size, done)
    return had, hashing


def _burst_file(
    pool: RangePool,
    url: str,
    part: Path,
    size: int,
    edition: Edition,
    pieces: list[Piece],
    fd: int,
    counter: Counter,
    landed: Callable[[int, int], None],
) -> tuple[list[Piece], set[Piece]]:
    """``pieces`` of a whole file fetched at once on the burst loop (one thread for every
    connection: threads reading a chunk each under the interpreter lock took a fifth longer on two
    cores); what it left for the retrying path, and which of those failed an attempt. What arrived
    of a piece cut short (handed back, or the call cancelled) counts for a resume."""
    written: dict[Piece, int] = {}  # bytes written of the pieces in flight (the loop's thread only)

    def received(piece: Piece, count: int) -> None:
        counter.add(count)
        written[piece] = written.get(piece, 0) + count

    def finished(piece: Piece) -> None:
        written.pop(piece, None)
        landed(piece.start, piece.end)

    burst = pool.hub.submit(url, pieces, fd, received, finished, size=size, edition=edition, divisible=True)
    try:
        return pool.land(burst, part, counter)
    finally:  # the loop is done with this file: what it wrote of the pieces cut short stays
        for piece, count in written.items():
            if count:
                landed(piece.start, piece.start + count)


def read_header(
    pool: RangePool, url: str, label: str, counter: Counter, edition: Edition
) -> tuple[bytes, int | None]:
    """The first ``HEADER_BYTES`` of ``url`` (fewer for a smaller file) and the file's size; the
    answer pins ``edition``."""
    buffer = bytearray()

    def sink(offset: int, data: bytes) -> None:
        del buffer[offset:]
        buffer.extend(data)

    try:
        total = pool.get(url, 0, HEADER_BYTES, sink, label, counter, edition=edition)
    except TransientError as error:
        if "416" not in str(error):
            raise
        total = None  # an empty file, or shorter than asked and the server refuses: let GDAL say
    return bytes(buffer), total


def fetch_whole(task: Any, size: int | None = None) -> bool:
    """Fetch a large whole file of a ``download._WholeFile`` task in parallel pieces; False when
    this path does not apply (small or unknown size, local, no pool, a server without ranges) and
    the task's one-stream path must run (a part file pieced together out of order is dropped).
    ``size`` is the file's size when the server told it and the catalog did not."""
    pool: RangePool | None = getattr(task, "ranges", None)
    part: Path = task.part
    size = task.size if task.size is not None else size
    if pool is None or task.source.kind != "http" or (size or RANGED_MIN_BYTES) < RANGED_MIN_BYTES:
        drop_pieced(part)
        return False
    if size is None:
        return False  # the one-stream path asks the server, which tells the size
    counter = Counter()
    signer = task.context.signer
    follower = functools.partial(FollowingHash, part, task.digest_names(), size)

    def fill(url: str) -> tuple[int, FollowingHash | None]:
        return fetch_file(pool, url, task.label, part, size, counter, _reporter(task), follower)

    try:
        try:
            had, hashing = fill(_download.signed(signer, task.href))
        except Refused:
            if signer is None:
                raise DownloadError(
                    f"The server answered HTTP 403 for {task.label}: access was refused (a signed or expired "
                    "link?)."
                ) from None
            had, hashing = fill(_download.signed(signer, task.href, refresh=True))
    except RangeUnsupported:
        drop_pieced(part)
        return False
    finally:
        task.tally.transferred += counter.transferred
    if hashing is not None:
        task.jobs.report(task.band, "verifying", 1.0)
        task.digests = hashing.finish(wait=True)  # the rest of the file, hashed as it arrived
    task.tally.retries += counter.retries
    if had and not task.tally.resumed_from:
        task.tally.resumed_from = had
    return True


def wants_pieces(task: Any, size: int | None) -> bool:
    """Whether a file of ``size`` bytes, of a task whose catalog gave no size, goes in pieces."""
    return getattr(task, "ranges", None) is not None and size is not None and size >= RANGED_MIN_BYTES


def is_pieced(part: Path) -> bool:
    """Whether ``part`` was pieced together out of order (it may have holes)."""
    return _ranges_file(part).exists()


def drop_pieced(part: Path) -> None:
    """Remove a part file pieced together out of order, and the record of its pieces (the record
    of its edition stays for the one-stream path, which checked it and now reads from the start)."""
    if is_pieced(part):
        part.unlink(missing_ok=True)
        forget_ranges(part)


def _reporter(task: Any) -> Callable[[float], None]:
    return lambda fraction: task.jobs.report(task.band, "downloading", fraction)
