"""Clip to the area: fetch only the COG tiles under the area instead of whole scene files.

A Sentinel-2 band is 100-250 MB; the area a user draws usually covers a few percent of it.
The area's bounds in the scene's CRS are snapped outward to whole pixels of the coarsest band from
the scene's origin and clamped to the scene: that common extent is what the stack shows
(``area_extent``), so 10 m and 20 m bands line up exactly and no pixel is resampled.

**Band files hold the COG tiles under the area; the stack is cut to the area.** Each band's file
is the window of the common extent grown outward to whole tiles of the band's OWN tile grid
(clamped to the raster): the tiles that intersect the area, no more bytes than any reader must
fetch. On the fast path (ranges.py, tiff.py) the COG header is read in one request and parsed in
Python, the tiles are fetched over a shared pool of connections and copied into the output
GeoTIFF as they are, behind a header written in Python: never decoded and re-encoded, GDAL never
on the way. The stack VRT (``create_band_stack(bounds=area_extent(...))``) places each file on the
common grid at the finest resolution. A copied file is checked by the exact length of every range,
the edition of the server's file (its ETag: the header's, or the header is read again) and the
start of every tile (its codec's mark); its pixels are decoded once, by the stack
validation of ``ingest_scene``, which fetches again a band whose tiles do not decode. Outputs go
through ``<band>.tif.part`` and a verified rename, like whole downloads.

The fast path's one request for the header is made by FirstLight's own HTTP client: redirects are
followed to http(s) only, an expired signature is renewed, a 429 waits for its Retry-After, a web
page or a file whose size is not the catalog's ``file:size`` is refused. When it cannot apply (a
server without byte ranges, a file that is not a tiled GeoTIFF), the same client downloads the
whole file (``_Clip._fetch_source``: retries, resume, size and checksum verified) and GDAL clips
it locally. GDAL never touches the network: its curl would follow later redirects by itself,
to ftp among others, and does not honour Retry-After. The whole file is kept, verified, as
``<band>.source.tif``: the next area is cut from it without a request, and whole-scene mode takes
it over. A band file an earlier run downloaded whole becomes that file too, before a clip replaces
it. A COG on this machine (so kept, or a local catalog's) is clipped as a server's is: its tiles
copied as they are (``ranges.copy_window``), into the same bytes.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass
from functools import partial
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from osgeo import gdal, osr

from .bands import ResolvedAsset
from .burst import Hub, Outcome
from .download import (
    RUN_AGAIN,
    BandDownloadResult,
    BandJobs,
    BandTask,
    Cancel,
    FetchContext,
    FileChanged,
    LazySession,
    Progress,
    RetryPolicy,
    Source,
    TransientError,
    _WholeFile,
    check_size,
    discard,
    disk_error,
    hash_file,
    kept_source,
    open_raster,
    safe_name,
    scrub,
    signed,
    source_of,
)
from .edition import Edition
from .errors import CancelledError, DownloadError, InputError, OutputError, raise_for_write
from .fileio import clean_up
from .gdalconfig import raising, thread_config
from .proxy import Proxy
from .ranges import (
    CLIP_CONNECTIONS,
    CLIP_PIECE_MIN,
    HEADER_BYTES,
    Counter,
    Launched,
    RangePool,
    RangeUnsupported,
    Refused,
    cog_layout,
    copy_window,
    discard_part,
    land_window,
    launch_window,
    layout_crs,
    piece_size,
    read_header,
    tile_runs,
)
from .signing import Signer
from .tiff import Layout

if TYPE_CHECKING:
    from .area import Area

log = logging.getLogger(__name__)

_EPS = 1e-6  # float noise tolerated when snapping coordinates to pixels (in pixels)
# Windows of up to this many bytes in all are finished (checked, hashed, committed) on the calling
# thread as their bursts end: a band thread started while the burst loop is busy waits about a
# millisecond for the interpreter lock. Measured on 2 cores: 16 MB of windows (a 10 km area)
# finish sooner here, 43 MB (20 km) sooner hashed side by side on band threads. Larger windows
# also spread their bands over two burst loops: where one loop's copies of every byte (from the
# socket, into the file) are the limit, 20 km, 50 km and whole-scene clips took 7, 10 and 13 %
# less time (interleaved runs on a 2-core VM); 5 km clips and the download were slower on two.
_FINISH_HERE_BYTES = 24 << 20
_POLL_S = 0.1  # how often the calling thread looks at cancel while it waits
T = TypeVar("T")


@dataclass(frozen=True)
class _Grid:
    """A band's pixel grid, read from its header (north-up grids only)."""

    band: str
    width: int
    height: int
    transform: tuple[float, ...]
    crs: str  # "EPSG:n" or WKT
    block: tuple[int, int] | None = None  # the tile size, None for a raster in strips

    def snapped(self, window: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """``window`` grown outward to the whole tiles that intersect it (clamped to the raster)."""
        if self.block is None:
            return window
        xoff, yoff, xsize, ysize = window
        bw, bh = self.block
        x0, y0 = xoff // bw * bw, yoff // bh * bh
        x1 = min(-(-(xoff + xsize) // bw) * bw, self.width)
        y1 = min(-(-(yoff + ysize) // bh) * bh, self.height)
        return x0, y0, x1 - x0, y1 - y0

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        x0, dx, _, y0, _, dy = self.transform
        return x0, y0 + dy * self.height, x0 + dx * self.width, y0

    def window(self, bounds: tuple[float, float, float, float]) -> tuple[int, int, int, int] | None:
        """``(xoff, yoff, xsize, ysize)`` of ``bounds``, or None if they are not on this grid."""
        x0, dx, _, y0, _, dy = self.transform
        exact = (
            (bounds[0] - x0) / dx,
            (bounds[3] - y0) / dy,
            (bounds[2] - bounds[0]) / dx,
            (bounds[1] - bounds[3]) / dy,
        )
        if any(abs(v - round(v)) > 1e-3 for v in exact):
            return None
        xoff, yoff, xsize, ysize = (round(v) for v in exact)
        return xoff, yoff, xsize, ysize


class _GdalErrors:
    """A thread-local GDAL error handler: counts GDAL's own HTTP retries, keeps the last HTTP
    status and message (without query strings, which may hold a token)."""

    def __init__(self) -> None:
        self.retries = 0
        self.status: int | None = None
        self.message = ""

    def __call__(self, level: int, number: int, message: str) -> None:
        if "Retrying again" in message:
            self.retries += 1
        code = re.search(r"(?:HTTP (?:error |response )?code\s*:?\s*|response_code=)(\d{3})", message)
        if code:
            self.status = int(code[1])
        if level >= gdal.CE_Failure:
            self.message = scrub(message)


def _gdal_options(href: str, timeout: float, max_retries: int, policy: RetryPolicy) -> dict[str, str]:
    """GDAL settings for reading a few tiles of a remote COG quickly and robustly."""
    seconds = str(max(1, math.ceil(timeout)))
    options = {
        "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",  # no directory listing, no sidecar probing
        "GDAL_HTTP_MULTIRANGE": "YES",
        "GDAL_HTTP_MERGE_CONSECUTIVE_RANGES": "YES",
        "GDAL_HTTP_MAX_RETRY": str(max_retries),
        "GDAL_HTTP_RETRY_DELAY": f"{policy.base_delay:g}",
        "GDAL_HTTP_CONNECTTIMEOUT": seconds,
        "GDAL_HTTP_LOW_SPEED_TIME": seconds,  # a stall of `timeout` seconds fails the request
        "GDAL_HTTP_LOW_SPEED_LIMIT": "1",
        "GDAL_HTTP_VERSION": "2TLS",
        "GDAL_INGESTED_BYTES_AT_OPEN": str(HEADER_BYTES),  # as much as FirstLight reads of a header
        "VSI_CACHE": "TRUE",
        "GDAL_PAM_ENABLED": "NO",  # no .aux.xml read beside the source or written beside the output
        "GDAL_HTTP_UNSAFESSL": "NO",  # certificates are verified even if the environment says otherwise
    }
    suffix = PurePosixPath(urlsplit(href).path).suffix
    if suffix:
        options["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] = suffix
    return options


@contextlib.contextmanager
def _gdal_errors(errors: _GdalErrors) -> Iterator[None]:
    """Route this thread's GDAL messages to ``errors`` for the duration of the block."""
    gdal.PushErrorHandler(errors)
    try:
        yield
    finally:
        gdal.PopErrorHandler()


def _srs(crs: str) -> osr.SpatialReference:
    srs = osr.SpatialReference()
    srs.SetFromUserInput(crs)
    return srs


def _common_bounds(
    grids: list[_Grid], area_bounds: tuple[float, float, float, float], item_id: str
) -> tuple[float, float, float, float]:
    """The area's bounds (``area_bounds``, in the scene CRS), snapped outward to the coarsest
    band's pixels (from its origin) and clamped to the part of the scene every band covers."""
    first = grids[0]
    others = {grid.crs for grid in grids} - {first.crs}
    crs = _srs(first.crs) if others else None
    for other in others:
        if not crs.IsSame(_srs(other)):  # type: ignore[union-attr]
            raise DownloadError(
                f"The bands of scene {item_id} are in different coordinate systems, so they cannot share "
                "one window; download the whole scene instead."
            )
    coarse = max(grids, key=lambda g: abs(g.transform[1] * g.transform[5]))
    ox, cx, _, oy, _, cy = coarse.transform
    cy = -cy
    minx, miny, maxx, maxy = area_bounds
    columns = [math.floor((minx - ox) / cx + _EPS), math.ceil((maxx - ox) / cx - _EPS)]
    rows = [math.floor((oy - maxy) / cy + _EPS), math.ceil((oy - miny) / cy - _EPS)]
    for grid in grids:  # clamp to the cells of the coarse grid inside every band
        gx0, gy0, gx1, gy1 = grid.bounds
        columns = [
            max(columns[0], math.ceil((gx0 - ox) / cx - _EPS)),
            min(columns[1], math.floor((gx1 - ox) / cx + _EPS)),
        ]
        rows = [
            max(rows[0], math.ceil((oy - gy1) / cy - _EPS)),
            min(rows[1], math.floor((oy - gy0) / cy + _EPS)),
        ]
    if columns[0] >= columns[1] or rows[0] >= rows[1]:
        raise InputError(f"The area does not overlap scene {item_id}; choose a scene that covers it.")
    return ox + columns[0] * cx, oy - rows[1] * cy, ox + columns[1] * cx, oy - rows[0] * cy


@raising
def area_extent(
    band_files: Mapping[str, Path], area: Area, item_id: str
) -> tuple[float, float, float, float]:
    """The common extent ``clip_bands`` cut the area to, from its band files (each holds the whole
    COG tiles of its own grid around that extent): the stack over them is cut to it."""
    grids = []
    for band, path in band_files.items():
        dataset = open_raster(path)
        if dataset is None:
            raise DownloadError(f"The clipped file of band {band} ({Path(path).name}) cannot be read.")
        grids.append(
            _Grid(
                band,
                dataset.RasterXSize,
                dataset.RasterYSize,
                tuple(dataset.GetGeoTransform()),
                dataset.GetProjection(),
            )
        )
        dataset = None
    return _common_bounds(grids, area.bounds_in(grids[0].crs), item_id)


def _window_bytes(dataset: gdal.Dataset, window: tuple[int, int, int, int]) -> int:
    """Estimated bytes GDAL fetched: the header read plus the compressed tiles under the window."""
    xoff, yoff, xsize, ysize = window
    block_w, block_h = dataset.GetRasterBand(1).GetBlockSize()
    separate = dataset.GetMetadataItem("INTERLEAVE", "IMAGE_STRUCTURE") == "BAND"
    total = HEADER_BYTES
    for index in range(1, dataset.RasterCount + 1 if separate else 2):
        band = dataset.GetRasterBand(index)
        for row in range(yoff // block_h, (yoff + ysize - 1) // block_h + 1):
            for column in range(xoff // block_w, (xoff + xsize - 1) // block_w + 1):
                total += int(band.GetMetadataItem(f"BLOCK_SIZE_{column}_{row}", "TIFF") or 0)
    return total


def _block_row_bytes(dataset: gdal.Dataset, window: tuple[int, int, int, int]) -> int:
    """Bytes of one row of blocks across the window: copying swath by swath of that size lets
    the progress callback (and so cancel) run after every row of tiles fetched."""
    band = dataset.GetRasterBand(1)
    pixel = gdal.GetDataTypeSize(band.DataType) // 8
    return window[2] * band.GetBlockSize()[1] * pixel * dataset.RasterCount


def _creation_options(dataset: gdal.Dataset) -> list[str]:
    floating = gdal.GetDataTypeName(dataset.GetRasterBand(1).DataType).startswith(("Float", "CFloat"))
    return ["TILED=YES", "COMPRESS=DEFLATE", f"PREDICTOR={3 if floating else 2}", "BIGTIFF=IF_SAFER"]


class _Clip(BandTask):
    """One band: read its grid (``probe``), then write the common window (``run``)."""

    # The fast path (ranges.py): a COG header read in one request, then only the window's tiles.
    ranges: RangePool | None = None  # the connections shared by all bands of the call
    piece = CLIP_PIECE_MIN  # the size of the ranges its tiles are fetched in
    layout: Layout | None = None  # the header's grid and tile index: None means GDAL's /vsicurl/
    local: Path | None = None  # the file on this machine ``layout`` is of (None: the server's)
    fell_back = False  # the whole file is downloaded (or kept): no more header reads over the network
    range_retries = 0
    launched: Launched | None = None  # its first attempt, started by the calling thread (_Lane)
    refused: Outcome | None = None  # the fast lane's read of its header, handed back
    failed: TransientError | None = None  # the first attempt, failed on the fast lane
    stale = False  # the file changed since its header was read: the next attempt reads it again
    hub: Hub | None = None  # the burst loop its tiles go on (None: the pool's first)

    def __init__(
        self, context: FetchContext, band: str, href: str, final: Path, expected: ResolvedAsset | None
    ) -> None:
        super().__init__(context, band, href, final)
        self.size = expected.file_size if expected else None
        self.expected = expected
        self.whole: _WholeFile | None = None  # the band's whole file: the fallback's, or one kept
        self.downloaded: Path | None = None  # ... once verified, on this machine
        self.source = Source("http", href)
        self.grid: _Grid | None = None
        self.bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
        self.window: tuple[int, int, int, int] = (0, 0, 0, 0)
        self.origin: tuple[float, float] = (0.0, 0.0)  # top-left corner of the band's file
        self.resign = False  # the last read was refused (403): sign with a fresh token
        self.edition = Edition()  # of the file the header was read from: its tiles must be too

    def probe(self) -> BandDownloadResult | None:
        """Read the band's grid from its header; a failed result if that is impossible."""
        if self.grid is not None:  # read already, on the fast lane
            return None
        return self.settled(self._probe)

    def _probe(self) -> None:
        self.source = source_of(self.band, self.href, self.context.allow_local)
        self.grid = self.context.retrying(self.band, self._read_grid, self.tally)

    def prime(self, header: bytes, total: int | None) -> bool:
        """Take the grid from a header read on the fast lane; False leaves the band to ``probe``
        (which reads it again and says what is wrong)."""
        try:
            self.grid = self._grid_of(header, total)
        except DownloadError:
            self.grid = None
        return self.grid is not None

    def launch(self) -> None:
        """Start the first attempt from the calling thread, unless an earlier run did the work."""
        try:
            self.prepare()
            if self.done_earlier() is not None:
                return
            self.part.unlink(missing_ok=True)
            url = signed(self.context.signer, self.href)
            self.launched = self._launch(url, Counter())
            self.jobs.report(self.band, "started", 0.0)
        except (DownloadError, OSError):  # the band's own thread meets it again and says it
            clean_up(self.part)

    def run_first(self) -> BandDownloadResult | None:
        """Finish the band on the calling thread from the first attempt the fast lane launched,
        once its burst brought every tile; None when that attempt failed in a way worth another:
        the band's own thread counts it and tries again."""
        return self.settled(self._first)

    def _first(self) -> BandDownloadResult | None:
        try:
            sha256 = self.attempt()
        except TransientError as error:
            self.failed = error
            return None
        return self.committed(sha256)

    def _clipping(self, fraction: float) -> None:
        self.jobs.report(self.band, "clipping", fraction)

    def _window(self) -> tuple[int, int, int, int] | None:
        """The tiles that intersect the area, whole (on the fast path copied as they are): the
        band's file covers whole tiles of its own grid, clamped to the raster; the stack cuts it
        to the area. None when the area's bounds are not on this band's grid."""
        assert self.grid is not None
        window = self.grid.window(self.bounds)
        return self.grid.snapped(window) if window is not None else None

    def run_lengths(self) -> list[int]:
        """The lengths of the spans of tiles this band will fetch on the fast path (none off it)."""
        window = self._window()
        if self.layout is None or self.local is not None or window is None:
            return []
        return [end - start for start, end in tile_runs(self.layout, window)]

    def prepare(self) -> None:
        window = self._window()
        if window is None:
            raise DownloadError(
                f"Band {self.band} is on a pixel grid not aligned with the other bands, so it cannot be "
                "clipped without resampling; download the whole scene instead."
            )
        self.window = window
        x0, dx, _, y0, _, dy = self.grid.transform  # type: ignore[union-attr]
        self.origin = (x0 + window[0] * dx, y0 + window[1] * dy)

    def identity(self) -> dict[str, Any]:
        """The file holds the whole tiles at ``origin`` of ``size`` of the server's file as of
        ``edition`` (the header's ETag, else Last-Modified): another area under the same tiles is
        the same file (the area's own bounds made it one that was fetched again), a file the server
        has replaced since is not."""
        return {
            "href": self.label,
            "origin": list(self.origin),
            "size": list(self.window[2:]),
            "edition": self.edition.value,
        }

    def attempt(self) -> str:
        failed, self.failed = self.failed, None
        if failed is not None:  # on the fast lane: it counts as this thread's first attempt
            raise failed
        if self.layout is None and self.source.kind == "http" and self.downloaded is None:
            log.info("%s: its whole file on this machine did not read; fetched again", self.label)
            self._fetch_source()
            self._read_local_layout()
        if self.local is not None:
            return self._attempt_local()
        if self.layout is not None:
            return self._attempt_ranges()
        self.part.unlink(missing_ok=True)
        with (
            self._open() as dataset,
            thread_config({"GDAL_SWATH_SIZE": str(_block_row_bytes(dataset, self.window))}),
        ):
            try:
                gdal.Translate(
                    str(self.part),
                    dataset,
                    format="GTiff",
                    srcWin=list(self.window),
                    creationOptions=_creation_options(dataset),
                    callback=self._progress,
                )
            except RuntimeError as error:
                self._check_write(error)
                raise
            if self.source.kind == "local":
                self.tally.transferred += _window_bytes(dataset, self.window)
            bands = dataset.RasterCount
        return self._verify(bands)

    def _check_write(self, error: RuntimeError) -> None:
        """Raise an OutputError (after removing the part file) if GDAL failed to write it for lack of
        space or of permission. The error's traceback goes first: its frames hold GDAL datasets,
        whose files would stay open (their space not freed, undeletable on Windows) as long as the
        error lives."""
        error.__traceback__ = None
        try:
            raise_for_write(self.part.parent, error, RUN_AGAIN)
        except OutputError:
            clean_up(self.part)
            raise

    def _read_layout(self) -> _Grid | None:
        """The grid from the COG header, fetched by FirstLight's own client (one request: this is
        also where redirects, a 403, a 429, a web page or a wrong ``file:size`` are dealt with);
        None when the header is not a tiled GeoTIFF GDAL can index from memory."""
        assert self.ranges is not None
        counter = Counter()
        refused, self.refused = self.refused, None
        if refused is not None and refused.failed:  # the fast lane's read was a failed attempt
            counter.add_retry()
            self.jobs.sleep(self.context.policy.delay(1, refused.retry_after))
        url = signed(self.context.signer, self.href, refresh=self.resign)
        self.resign = False
        self.edition = Edition()
        try:
            header, total = read_header(self.ranges, url, self.label, counter, self.edition)
        except Refused as error:
            raise self._refused(error) from None
        except RangeUnsupported:
            log.info("%s: the server ignored the byte range (HTTP 200)", self.label)
            return None
        finally:
            self.range_retries += counter.retries
        grid = self._grid_of(header, total)
        if grid is None:
            log.info("%s: its header is not a tiled GeoTIFF's that can be indexed", self.label)
        return grid

    def _grid_of(self, header: bytes, total: int | None) -> _Grid | None:
        """The grid of the COG whose first bytes are ``header`` (``self.layout`` set), or None
        when they are not those of a tiled GeoTIFF GDAL can index from memory."""
        check_size(total, self.size, self.label)
        return self._layout_grid(header, total)

    def _layout_grid(self, header: bytes, total: int) -> _Grid | None:
        layout = cog_layout(header, total)
        crs = layout_crs(layout) if layout is not None else ""
        if layout is None or not crs:
            return None
        transform = layout.transform
        if transform[2] or transform[4] or transform[1] <= 0 or transform[5] >= 0:
            raise DownloadError(
                f"Band {self.band} is not on a north-up grid, so it cannot be clipped; download the "
                "whole scene."
            )
        self.layout = layout
        return _Grid(self.band, layout.width, layout.height, transform, crs, layout.block)

    def _refused(self, error: Refused) -> DownloadError:
        """What a 403 raises: the end of the band without a signer, else a retry freshly signed."""
        if self.context.signer is None:
            return DownloadError(
                f"The server answered HTTP 403 for {self.label}; choose another scene or catalog."
            )
        self.resign = True
        return TransientError(str(error))

    def _reread(self) -> None:
        """Read the header of a file that changed while its tiles were fetched (a scene
        reprocessed under the same name): its tiles are elsewhere now, and its grid must be the
        one the common window was worked out on."""
        grid = self._read_layout()
        if grid != self.grid:
            raise DownloadError(
                f"The server's file {self.label} changed to another grid while it was clipped; run the "
                "ingest again."
            )
        self.stale = False

    def _launch(self, url: str, counter: Counter) -> Launched:
        """Start writing the window from the tiles the header read last places."""
        assert self.ranges is not None and self.layout is not None
        return launch_window(
            self.ranges,
            url,
            self.layout,
            self.window,
            self.part,
            counter,
            self._clipping,
            self.piece,
            self.edition,
            self.hub,
        )

    @contextlib.contextmanager
    def _writing_part(self) -> Iterator[None]:
        """Around the writing of the part file: whatever stops it removes the file, and a failed
        write (an OSError) becomes the folder's error (an OutputError for a full disk or a refused
        write)."""
        try:
            yield
        except OSError as error:
            clean_up(self.part)
            raise disk_error(self.part, error) from None
        except BaseException:
            clean_up(self.part)
            raise

    def _attempt_local(self) -> str:
        """Write the window from the tiles of the file on this machine, copied as they are."""
        assert self.layout is not None and self.local is not None
        self.part.unlink(missing_ok=True)
        with self._writing_part():
            try:
                sha256 = copy_window(
                    self.local, self.layout, self.window, self.part, self._clipping, self.jobs.check
                )
            except DownloadError as error:
                if self.source.kind == "local":
                    raise
                self._forget_copy()
                raise TransientError(f"Reading the downloaded {self.label} failed ({error}).") from None
        if self.source.kind == "local":
            self.tally.transferred += sum(end - start for start, end in tile_runs(self.layout, self.window))
        self.jobs.report(self.band, "verifying", 1.0)
        return sha256

    def _attempt_ranges(self) -> str:
        """Write the window from the tiles under it, fetched in parallel byte ranges."""
        assert self.ranges is not None
        if self.stale:
            self._reread()
        layout = self.layout
        assert layout is not None
        launched, self.launched = self.launched, None
        counter = launched.counter if launched is not None else Counter()
        try:
            with self._writing_part():
                if launched is None:
                    self.part.unlink(missing_ok=True)
                    url = signed(self.context.signer, self.href, refresh=self.resign)
                    self.resign = False
                    launched = self._launch(url, counter)
                sha256 = land_window(self.ranges, self.label, launched, self.part)
        except Refused as error:
            raise self._refused(error) from None
        except FileChanged:
            self.stale = True
            raise
        finally:
            self.tally.transferred += counter.transferred + len(layout.header)
            self.range_retries += counter.retries
        self.jobs.report(self.band, "verifying", 1.0)
        return sha256  # the tiles are the server's own bytes behind a header of ours: nothing to decode

    def _result(self, **kwargs: Any) -> BandDownloadResult:
        result = super()._result(**kwargs)
        result.retries += self.range_retries  # retries of single range requests, inside attempts
        return result

    def _read_grid(self) -> _Grid:
        if self.source.kind == "http":
            if self.ranges is not None and not self.fell_back and not self.kept():
                grid = self._read_layout()
                if grid is not None:
                    return grid
            self._fetch_source()
        grid = self._read_local_layout()
        if grid is not None:
            return grid
        with self._open() as dataset:
            transform = tuple(dataset.GetGeoTransform())
            if transform[2] or transform[4] or transform[1] <= 0 or transform[5] >= 0:
                raise DownloadError(
                    f"Band {self.band} is not on a north-up grid, so it cannot be clipped; download the "
                    "whole scene."
                )
            width, height = dataset.RasterXSize, dataset.RasterYSize
            block = tuple(dataset.GetRasterBand(1).GetBlockSize())
            tiled = block[1] > 1 and block[0] < width * 2
            return _Grid(
                self.band,
                width,
                height,
                transform,
                dataset.GetProjection(),
                block if tiled else None,  # type: ignore[arg-type]
            )

    def _fetch_source(self) -> None:
        """The fallback for a server without byte ranges or a file that is not a tiled GeoTIFF:
        the whole file, fetched by FirstLight's own client (http(s)-only redirects, retries, resume,
        the catalog's size and checksum verified) into ``<band>.source.tif`` beside the band, then
        clipped locally (by GDAL, or by copying its tiles if it is a COG served without ranges). It
        stays there, with the record of its verification, for the next area: fetched again only
        when the catalog no longer describes it. GDAL never touches the network: its curl would
        follow redirects by itself, to ftp and other schemes."""
        self.fell_back = True
        log.info("%s: clipped here from its whole file (fetched, or kept by an earlier run)", self.label)
        whole = self._whole_file()
        if self.downloaded is None:
            if whole.done_earlier() is None:
                whole.keep(whole.attempt())  # TransientError: the caller's retries resume it
            self.downloaded = whole.final

    def kept(self) -> bool:
        """Whether an earlier run left the band's whole file verified in the folder, as
        ``<band>.source.tif`` or as the band file itself, which is then renamed to it (clipped from
        it then, with no request at all). The records are read only if one of the files is there."""
        there = kept_source(self.final).exists() or self.final.exists()
        return there and self._whole_file().done_earlier() is not None

    def _read_local_layout(self) -> _Grid | None:
        """The grid of the band's file on this machine (a local catalog's, or the whole file) from
        its header, as from a server's, when it is a COG whose tiles can be copied (``local`` set);
        None otherwise: GDAL clips it."""
        path = self.source.path if self.source.kind == "local" else self.downloaded
        assert path is not None
        try:
            with path.open("rb") as handle:
                header, total = handle.read(HEADER_BYTES), os.fstat(handle.fileno()).st_size
        except OSError:
            return None  # GDAL's open says what is wrong
        grid = self._layout_grid(header, total)
        if grid is not None and self.grid is not None and grid != self.grid:
            raise DownloadError(
                f"The file {self.label} changed to another grid while it was clipped; run the ingest again."
            )
        self.local = path if grid is not None else None
        return grid

    def _forget_copy(self) -> None:
        """The whole file on this machine did not read: it goes, and the next attempt fetches it."""
        self.downloaded = self.local = self.layout = None
        if self.whole is not None:
            discard(self.whole.final)

    def _whole_file(self) -> _WholeFile:
        """The band's whole file, kept as ``<band>.source.tif``; the band file itself, if an
        earlier run downloaded it whole (and the catalog still describes it), is taken over."""
        if self.whole is None:
            self.whole = _WholeFile(
                self.context, self.band, self.href, kept_source(self.final), self.expected, self.final
            )
            self.whole.tally = self.tally  # its bytes and retries are this band's
            self.whole.prepare()
        return self.whole

    def keep(self, sha256: str) -> None:
        """Give the clip its name. A band file it replaces that an earlier run downloaded whole is
        not thrown away: it becomes the kept source (for whole-scene mode to take back)."""
        if self.final.exists():  # (its record read only then: a clip's last step waits on this)
            self._whole_file().done_earlier()
        super().keep(sha256)

    def forget_source(self) -> None:
        """Remove the fallback's partial download of the whole source file, if any."""
        if self.whole is not None:
            discard_part(self.whole.part)

    @contextlib.contextmanager
    def _open(self) -> Iterator[gdal.Dataset]:
        """The band's local dataset (the source file, or its downloaded copy) under the tuned GDAL
        settings; GDAL failures become DownloadErrors (transient for a downloaded copy)."""
        context = self.context
        local = self.source.kind == "local"
        path = str(self.source.path if local else self.downloaded)
        errors = _GdalErrors()
        options = _gdal_options(path, context.timeout, context.max_retries, context.policy)
        with thread_config(options), _gdal_errors(errors):
            try:
                dataset = gdal.Open(path)
                yield dataset
            except RuntimeError:
                self.jobs.check()  # a cancelled Translate fails too: report the cancel
                if local:
                    raise DownloadError(f"GDAL cannot read {self.label} ({errors.message}).") from None
                self._forget_copy()  # verified, yet GDAL cannot read it: fetched again
                raise TransientError(
                    f"Reading the downloaded {self.label} failed ({errors.message})."
                ) from None

    def _progress(self, fraction: float, _message: object, _data: object) -> int:
        self.jobs.report(self.band, "clipping", fraction)
        return 0 if self.jobs.cancelled.is_set() else 1

    def _verify(self, bands: int) -> str:
        """The sha256 of the part file if it is the window asked for, on the scene's grid."""
        assert self.grid is not None
        self.jobs.report(self.band, "verifying", 1.0)
        dx, dy = self.grid.transform[1], self.grid.transform[5]
        expected = (self.origin[0], dx, 0.0, self.origin[1], 0.0, dy)
        dataset = open_raster(self.part)
        ok = (
            dataset is not None
            and (dataset.RasterXSize, dataset.RasterYSize, dataset.RasterCount)
            == (self.window[2], self.window[3], bands)
            and all(abs(a - b) < _EPS * dx for a, b in zip(dataset.GetGeoTransform(), expected, strict=True))
        )
        ok = ok and _every_block_reads(dataset, self.jobs.check)
        dataset = None
        if not ok:
            self._check_write(RuntimeError("The clipped file came out wrong."))
            clean_up(self.part)
            raise TransientError(f"The clipped file of {self.label} came out wrong.")
        return hash_file(self.part, {"sha256"}, self.jobs)["sha256"]


def _every_block_reads(dataset: gdal.Dataset, check: Callable[[], None]) -> bool:
    """Whether every tile of ``dataset`` decodes to a whole tile (DEFLATE's own checksum included):
    a GeoTIFF GDAL failed to finish writing (a full disk at close) opens fine but has missing or
    broken tiles, and copied tiles are checked the same way. Block by block, straight from the
    decoder (``ReadBlock`` bypasses GDAL's block cache), so memory stays flat whatever the size."""
    try:
        for index in range(1, dataset.RasterCount + 1):
            band = dataset.GetRasterBand(index)
            block_w, block_h = band.GetBlockSize()
            for row in range(-(-dataset.RasterYSize // block_h)):
                check()
                for column in range(-(-dataset.RasterXSize // block_w)):
                    band.ReadBlock(column, row)
    except RuntimeError:
        return False
    return True


class _Meeting:
    """Where the bands of a clip meet once every header is read: the last to arrive works out the
    common window (and the size of the ranges, alike across bands so every connection is busy),
    then each band goes on to fetch its tiles. One job per band, one thread pool for both steps."""

    def __init__(self, tasks: list[_Clip], area: Area, item_id: str, connections: int) -> None:
        self.tasks, self.area, self.item_id, self.connections = tasks, area, item_id, connections
        self._waiting = len(tasks)
        self._lock = threading.Lock()
        self._window: Future[None] = Future()
        self._bounds: dict[str, tuple[float, float, float, float]] = {}

    def prime(self, crs: str | None) -> None:
        """Work out the area's bounds in ``crs``, the CRS the catalog says the scene is in, before
        any header arrives, on the calling thread (a band thread's first use of PROJ costs a
        millisecond more); the headers' CRS is used whatever the catalog said."""
        if crs:
            with contextlib.suppress(InputError, RuntimeError):  # one PROJ cannot use: only a hint
                self._bounds[crs] = self.area.bounds_in(crs)

    def settled(self) -> bool:
        """Whether the common window is worked out (and the area meets the scene)."""
        return self._window.done() and self._window.exception() is None

    def _area_bounds(self, crs: str) -> tuple[float, float, float, float]:
        """The area's bounds in ``crs``, worked out once (PROJ's first transformation is slow)."""
        with self._lock:
            if crs not in self._bounds:
                self._bounds[crs] = self.area.bounds_in(crs)
            return self._bounds[crs]

    def clip(self, task: _Clip) -> BandDownloadResult:
        try:
            failure = task.probe()
            if task.grid is not None:
                self._area_bounds(task.grid.crs)  # while other headers are still on their way
        finally:
            self._arrive()
        if failure is not None:
            return failure
        self._window.result()  # InputError when the area misses the scene
        return task.run()

    def _arrive(self) -> None:
        with self._lock:
            self._waiting -= 1
            if self._waiting:
                return
        self.settle()

    def settle(self) -> None:
        """Work out the common window, the size of the ranges and, for a large clip, the burst
        loop of each band (once every grid is in)."""
        with self._lock:
            if self._window.done():
                return
        try:
            ready = [task for task in self.tasks if task.grid is not None]
            if ready:
                grids = [task.grid for task in ready if task.grid]
                bounds = _common_bounds(grids, self._area_bounds(grids[0].crs), self.item_id)
                for task in ready:
                    task.bounds = bounds
                runs = [run for task in ready for run in task.run_lengths()]
                piece, large = piece_size(runs, self.connections), sum(runs) > _FINISH_HERE_BYTES
                for index, task in enumerate(ready):
                    task.piece = piece
                    if large and task.ranges is not None:  # the bands take turns on two loops
                        task.hub = task.ranges.spare() if index % 2 else task.ranges.hub
        except BaseException as error:
            self._window.set_exception(error)
        else:
            self._window.set_result(None)


def _holds_files(folder: Path) -> bool:
    """Whether an earlier run left anything in ``folder`` (one look, not one per band and file)."""
    with os.scandir(folder) as entries:
        return any(True for _ in entries)


class _Lane:
    """A clip's fast lane, on the calling thread before the band threads start: every header read
    at once on the burst loop (over connections then kept for the first range), the common
    window worked out, each band's tiles launched. One thread does this in a third of the time
    six band threads take under the interpreter lock. Anything else (a proxy, a local file, a
    redirect, a 403, a wrong size, a header that is not a COG's...) leaves the band to its own
    thread, which reads its header again with the retries and the clear errors."""

    def __init__(self, tasks: list[_Clip], meeting: _Meeting, pool: RangePool) -> None:
        self.tasks, self.meeting, self.pool = tasks, meeting, pool

    def run(self, crs: str | None) -> None:
        """``crs``: the scene's CRS as the catalog says it (see ``_Meeting.prime``)."""
        signing = any(task.context.signer is not None for task in self.tasks)  # may fetch a token
        urls = self._arrived(self.pool.submit(self._urls)) if signing else self._urls()
        reads = {}
        for count, (task, url) in enumerate(urls.items(), start=1):
            # the loop takes them all at once (one hand-over, not one per band: 5 km 2-3 % faster)
            memory = bytearray()
            future = self.pool.hub.read(url, 0, HEADER_BYTES, memory, task.edition, count == len(urls))
            reads[task] = (memory, future)
        self.meeting.prime(crs)  # while the headers are on their way
        primed = []
        for task, (memory, future) in reads.items():
            outcome = self._arrived(future)
            if outcome.rest:
                task.refused = outcome  # a 429 or 503 waits before the band's own read
            else:
                primed.append(task.prime(bytes(memory), outcome.total))
        if len(primed) < len(self.tasks) or not all(primed):
            return  # the meeting waits for the bands' own threads
        self.meeting.settle()
        if self.meeting.settled():
            for task in self.tasks:
                task.launch()

    def _urls(self) -> dict[_Clip, str]:
        """The URLs of the bands the burst loop may read, signed. With a signer, on a pool thread:
        signing may fetch a token, over a connection a cancel shuts down (a token service that never
        answered held a cancel for its timeout, once per band)."""
        urls = {}
        earlier = _holds_files(self.tasks[0].final.parent) if self.tasks else False
        for task in self.tasks:
            try:  # a URL that is not http(s), or not a URL at all: the band's thread says so
                task.source = source_of(task.band, task.href, task.context.allow_local)
                if task.source.kind != "http" or (earlier and task.kept()):
                    continue
                url = signed(task.context.signer, task.href)
                if not self.pool.direct.handles(url):
                    continue
            except (DownloadError, ValueError):
                continue
            urls[task] = url
        return urls

    def _arrived(self, future: Future[T]) -> T:
        """A future's result, looking at cancel while it is on its way (a cancel stops the burst
        loop, which then ends a header read, and shuts a token fetch's connection): a server that
        accepts the connection and never answers held a cancel for the whole timeout."""
        while not future.done():
            wait((future,), timeout=_POLL_S)
            self.pool.jobs.poll()
        return future.result()

    def first(self, crs: str | None) -> dict[str, BandDownloadResult]:
        """``BandJobs.run``'s first step, on the calling thread, which looks at cancel all along:
        the headers read and the tiles launched (``run``), then the bands finished here."""
        self.run(crs)
        return self.finish()

    def finish(self) -> dict[str, BandDownloadResult]:
        """The bands finished on this thread (see _FINISH_HERE_BYTES) as their bursts end, those
        whose tiles all came at the first go; the others are left to their own threads."""
        bursts: dict[Future[Outcome], _Clip] = {}
        size = 0
        for task in self.tasks:
            launched = task.launched
            if launched is not None and launched.burst is not None:
                bursts[launched.burst] = task
                size += sum(piece.end - piece.start for piece in launched.pieces)
        results: dict[str, BandDownloadResult] = {}
        if size > _FINISH_HERE_BYTES:
            return results
        while bursts:
            done, _ = wait(bursts, timeout=_POLL_S, return_when=FIRST_COMPLETED)
            for burst in done:
                task = bursts.pop(burst)
                if burst.exception() is None and not burst.result().rest:
                    result = task.run_first()
                    if result is not None:
                        results[task.band] = result
            self.pool.jobs.poll()
        return results

    def abandon(self) -> None:
        """Launches no band thread took up (the call ended first): their part files go."""
        for task in self.tasks:
            launched, task.launched = task.launched, None
            if launched is not None:
                launched.abandon(task.part)


@raising
def clip_bands(
    band_urls: dict[str, str],
    output_dir: Path,
    item_id: str,
    area: Area,
    *,
    parallel_downloads: int = 4,
    max_retries: int = 3,
    expected: Mapping[str, ResolvedAsset] | None = None,
    progress_callback: Progress | None = None,
    cancel: Cancel | None = None,
    signer: Signer | None = None,
    allow_local: bool = False,
    timeout: float = 30.0,
    retry_policy: RetryPolicy | None = None,
    crs: str | None = None,
    proxy: Proxy | None = None,
) -> dict[str, BandDownloadResult]:
    """Write the COG tiles under the area of each band to ``<output_dir>/<band>.tif`` (a tiled
    GeoTIFF on the band's own grid: the area's common extent grown outward to whole tiles of that
    band, clamped to the raster), reading only those tiles. Band files hold the COG tiles under
    the area; the stack is cut to the area: build it with
    ``create_band_stack(..., bounds=area_extent(files, area, item_id))``.

    Keywords as in ``download_bands``; ``crs`` is the CRS the catalog says the scene is in
    (``Scene.crs``), a hint that saves time when right and nothing else. The catalog's ``file:size``
    (in ``expected``) must match the remote file; its ``file:checksum`` describes the whole file, so
    a clip is checked instead by the length of every range and the start of every tile
    (``ingest_scene`` then decodes it). ``bytes_transferred`` counts the header and tiles read (the
    whole file when a server without byte ranges forced a download). Raises InputError when the area
    misses the scene, DiskFullError when the output disk is full, CancelledError on cancel.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    # every band at once (one round trip for all headers, one for all tiles); the connections
    # are bounded by the range pool
    jobs = BandJobs(cancel, progress_callback, max(parallel_downloads, len(band_urls)))
    connections = max(parallel_downloads, CLIP_CONNECTIONS)
    with LazySession(connections) as session:
        policy = retry_policy or RetryPolicy()
        context = FetchContext(jobs, signer, allow_local, timeout, max_retries, policy, session, proxy=proxy)
        tasks = {
            band: _Clip(
                context, band, href, output_dir / f"{safe_name(band)}.tif", (expected or {}).get(band)
            )
            for band, href in band_urls.items()
        }
        what = f"clip of {item_id}"
        meeting = _Meeting(list(tasks.values()), area, item_id, connections)
        try:
            with RangePool(context, connections) as pool:
                for task in tasks.values():
                    task.ranges = pool
                lane = _Lane(list(tasks.values()), meeting, pool)
                try:
                    clips = {band: partial(meeting.clip, task) for band, task in tasks.items()}
                    results = jobs.run(clips, what, partial(lane.first, crs))
                finally:
                    lane.abandon()
        except CancelledError:
            raise  # a partial download of a whole source file resumes next time
        except BaseException:
            for task in tasks.values():
                task.forget_source()
            raise
        for task in tasks.values():
            task.forget_source()
    return results
