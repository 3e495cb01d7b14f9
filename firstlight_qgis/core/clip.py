"""Clip to the area: fetch only the area's window of each band instead of whole scene files.

A Sentinel-2 band is 100-250 MB; the area a user draws usually covers a few percent of it. GDAL
reads a COG over HTTP with range requests, tile by tile, so ``/vsicurl/`` plus a pixel window
transfers little more than the tiles under the area. Every band gets the same geographic extent:
the area's bounds in the scene's CRS, snapped outward to whole pixels of the coarsest band from the
scene's origin and clamped to the scene, so 10 m and 20 m bands line up exactly and no pixel is
resampled. Outputs go through ``<band>.tif.part`` and a verified rename, like whole downloads.

Before GDAL touches a remote band, FirstLight's own HTTP client asks for its first byte
(``_Clip._preflight``): redirects are followed to http(s) only and GDAL reads the address they end
at, an expired signature is renewed, a 429 waits for its Retry-After, a web page or a file whose
size is not the catalog's ``file:size`` is refused. GDAL (curl) follows redirects by itself and
does not honour Retry-After, so this first request is where FirstLight's rules apply.
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from osgeo import gdal, osr

from .bands import ResolvedAsset
from .download import (
    NO_SPACE_MESSAGE,
    BandDownloadResult,
    BandJobs,
    BandTask,
    Cancel,
    FetchContext,
    Progress,
    RetryPolicy,
    Source,
    TransientError,
    _retry_after,
    disk_error,
    hash_file,
    http_get,
    http_session,
    open_raster,
    safe_name,
    scrub,
    signed,
    source_of,
)
from .errors import DownloadError, InputError
from .ranges import (
    CLIP_CONNECTIONS,
    Counter,
    Layout,
    RangePool,
    RangeUnsupported,
    Refused,
    cog_layout,
    fetch_window,
    read_header,
)
from .signing import Signer

if TYPE_CHECKING:
    from .area import Area

gdal.UseExceptions()

_HEADER_BYTES = 32768  # what GDAL reads of a COG when it opens it (GDAL_INGESTED_BYTES_AT_OPEN)
_EPS = 1e-6  # float noise tolerated when snapping coordinates to pixels (in pixels)


@dataclass(frozen=True)
class _Grid:
    """A band's pixel grid, read from its header (north-up grids only)."""

    band: str
    width: int
    height: int
    transform: tuple[float, ...]
    wkt: str

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
        "GDAL_INGESTED_BYTES_AT_OPEN": str(_HEADER_BYTES),
        "VSI_CACHE": "TRUE",
        "GDAL_PAM_ENABLED": "NO",  # no .aux.xml read beside the source or written beside the output
        "GDAL_HTTP_UNSAFESSL": "NO",  # certificates are verified even if the environment says otherwise
    }
    suffix = PurePosixPath(urlsplit(href).path).suffix
    if suffix:
        options["CPL_VSIL_CURL_ALLOWED_EXTENSIONS"] = suffix
    return options


@contextlib.contextmanager
def _gdal_config(options: Mapping[str, str]) -> Iterator[None]:
    """Apply GDAL config ``options`` to this thread only, for the duration of the block."""
    previous = {key: gdal.GetThreadLocalConfigOption(key, None) for key in options}
    for key, value in options.items():
        gdal.SetThreadLocalConfigOption(key, value)
    try:
        yield
    finally:
        for key, value in previous.items():
            gdal.SetThreadLocalConfigOption(key, value)


@contextlib.contextmanager
def _gdal_errors(errors: _GdalErrors) -> Iterator[None]:
    """Route this thread's GDAL messages to ``errors`` for the duration of the block."""
    gdal.PushErrorHandler(errors)
    try:
        yield
    finally:
        gdal.PopErrorHandler()


def _common_bounds(grids: list[_Grid], area: Area, item_id: str) -> tuple[float, float, float, float]:
    """The area's bounds in the scene CRS, snapped outward to the coarsest band's pixels (from
    its origin) and clamped to the part of the scene every band covers."""
    first = grids[0]
    crs = osr.SpatialReference(wkt=first.wkt)
    for grid in grids[1:]:
        if not crs.IsSame(osr.SpatialReference(wkt=grid.wkt)):
            raise DownloadError(
                f"The bands of scene {item_id} are in different coordinate systems, so they cannot share "
                "one window; download the whole scene instead."
            )
    coarse = max(grids, key=lambda g: abs(g.transform[1] * g.transform[5]))
    ox, cx, _, oy, _, cy = coarse.transform
    cy = -cy
    minx, miny, maxx, maxy = area.bounds_in(first.wkt)
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


def _window_bytes(dataset: gdal.Dataset, window: tuple[int, int, int, int]) -> int:
    """Estimated bytes GDAL fetched: the header read plus the compressed tiles under the window."""
    xoff, yoff, xsize, ysize = window
    block_w, block_h = dataset.GetRasterBand(1).GetBlockSize()
    separate = dataset.GetMetadataItem("INTERLEAVE", "IMAGE_STRUCTURE") == "BAND"
    total = _HEADER_BYTES
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
    pieces = 1  # how many parallel ranges this band's tiles are split into
    layout: Layout | None = None  # the header's grid and tile index: None means GDAL's /vsicurl/
    range_retries = 0

    def __init__(
        self, context: FetchContext, band: str, href: str, final: Path, expected: ResolvedAsset | None
    ) -> None:
        super().__init__(context, band, href, final)
        self.size = expected.file_size if expected else None
        self.source = Source("http", href)
        self.grid: _Grid | None = None
        self.bounds: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
        self.window: tuple[int, int, int, int] = (0, 0, 0, 0)
        self.resign = False  # the last read was refused (403): sign with a fresh token

    def probe(self) -> BandDownloadResult | None:
        """Read the band's grid from its header; a failed result if that is impossible."""
        try:
            self.source = source_of(self.band, self.href, self.context.allow_local)
            self.grid = self.context.retrying(self.band, self._read_grid, self.tally)
        except DownloadError as error:
            self.jobs.report(self.band, "failed", 0.0)
            return self._result(error=str(error))
        return None

    def prepare(self) -> None:
        assert self.grid is not None
        window = self.grid.window(self.bounds)
        if window is None:
            raise DownloadError(
                f"Band {self.band} is on a pixel grid not aligned with the other bands, so it cannot be "
                "clipped without resampling; download the whole scene instead."
            )
        self.window = window

    def identity(self) -> dict[str, Any]:
        return {"href": self.label, "window": list(self.bounds)}

    def attempt(self) -> str:
        if self.layout is not None:
            return self._attempt_ranges()
        self.part.unlink(missing_ok=True)
        with (
            self._open() as dataset,
            _gdal_config({"GDAL_SWATH_SIZE": str(_block_row_bytes(dataset, self.window))}),
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
                self._check_disk(error)
                raise
            self.tally.transferred += _window_bytes(dataset, self.window)
            bands = dataset.RasterCount
        return self._verify(bands)

    def _check_disk(self, error: RuntimeError) -> None:
        """Raise DiskFullError (after removing the part file) if GDAL failed to write it for lack of
        space. The error's traceback goes first: its frames hold GDAL datasets, whose files would
        stay open (their space not freed, undeletable on Windows) as long as the error lives."""
        error.__traceback__ = None
        message = str(error)
        try:
            free = shutil.disk_usage(self.part.parent).free
        except OSError:
            free = None
        if NO_SPACE_MESSAGE.search(message) or (free is not None and free < 1024 * 1024):
            self.part.unlink(missing_ok=True)
            raise disk_error(self.part, OSError(28, "No space left on device")) from None

    def _read_layout(self) -> _Grid | None:
        """The grid from the COG header, fetched by FirstLight's own client (one request: this is
        also where redirects, a 403, a 429, a web page or a wrong ``file:size`` are dealt with);
        None when the header is not a tiled GeoTIFF GDAL can index from memory."""
        assert self.ranges is not None
        counter = Counter()
        url = signed(self.context.signer, self.href, refresh=self.resign)
        self.resign = False
        try:
            header, total = read_header(self.ranges, url, self.label, counter)
        except Refused as error:
            if self.context.signer is None:
                raise DownloadError(
                    f"The server answered HTTP 403 for {self.label}; choose another scene or catalog."
                ) from None
            self.resign = True
            raise TransientError(str(error)) from None
        except RangeUnsupported:
            return None
        finally:
            self.range_retries += counter.retries
        if self.size is not None and total is not None and total != self.size:
            raise TransientError(
                f"The server's file {self.label} has {total} bytes but the catalog says {self.size}; "
                "the catalog entry may be stale, try another scene."
            )
        layout = cog_layout(header, total)
        if layout is None:
            return None
        transform = layout.transform
        if transform[2] or transform[4] or transform[1] <= 0 or transform[5] >= 0:
            raise DownloadError(
                f"Band {self.band} is not on a north-up grid, so it cannot be clipped; download the "
                "whole scene."
            )
        self.layout = layout
        return _Grid(self.band, layout.width, layout.height, transform, layout.wkt)

    def _attempt_ranges(self) -> str:
        """Write the window from the tiles under it, fetched in parallel byte ranges."""
        assert self.layout is not None and self.ranges is not None
        layout = self.layout
        self.part.unlink(missing_ok=True)
        counter = Counter()
        url = signed(self.context.signer, self.href, refresh=self.resign)
        self.resign = False
        floating = gdal.GetDataTypeName(layout.data_type).startswith(("Float", "CFloat"))
        block = [min(size, 512) for size in layout.block]
        options = [
            "TILED=YES",
            f"BLOCKXSIZE={block[0]}",
            f"BLOCKYSIZE={block[1]}",
            "COMPRESS=DEFLATE",
            f"PREDICTOR={3 if floating else 2}",
            "ZLEVEL=1",
            "BIGTIFF=IF_SAFER",
        ]
        try:
            fetch_window(
                self.ranges,
                url,
                self.label,
                layout,
                self.window,
                (self.bounds[0], self.bounds[3]),
                self.part,
                self.part.with_name(self.part.name + ".src"),
                counter,
                lambda fraction: self.jobs.report(self.band, "clipping", fraction),
                options,
                self._progress,
                self.pieces,
            )
        except Refused as error:
            self.part.unlink(missing_ok=True)
            if self.context.signer is None:
                raise DownloadError(
                    f"The server answered HTTP 403 for {self.label}; choose another scene or catalog."
                ) from None
            self.resign = True
            raise TransientError(str(error)) from None
        except RuntimeError as error:  # GDAL cutting the window out of the fetched tiles
            self.jobs.check()
            self._check_disk(error)
            self.part.unlink(missing_ok=True)
            raise TransientError(f"Clipping {self.label} failed ({scrub(str(error))}).") from None
        except OSError as error:
            self.part.unlink(missing_ok=True)
            raise disk_error(self.part, error) from None
        except BaseException:
            self.part.unlink(missing_ok=True)
            raise
        finally:
            self.tally.transferred += counter.transferred + len(layout.header)
            self.range_retries += counter.retries
        try:
            return self._verify(layout.bands)
        except BaseException:  # a cancel while hashing: no part file may stay behind
            self.part.unlink(missing_ok=True)
            raise

    def _result(self, **kwargs: Any) -> BandDownloadResult:
        result = super()._result(**kwargs)
        result.retries += self.range_retries  # retries of single range requests, inside attempts
        return result

    def _read_grid(self) -> _Grid:
        if self.source.kind == "http" and self.ranges is not None:
            grid = self._read_layout()
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
            return _Grid(self.band, width, height, transform, dataset.GetProjection())

    @contextlib.contextmanager
    def _open(self) -> Iterator[gdal.Dataset]:
        """The band's dataset under the tuned GDAL settings; GDAL failures become DownloadErrors
        (transient for remote files, re-signing after a 403)."""
        context = self.context
        if self.source.kind == "local":
            url = path = str(self.source.path)
        else:
            url = self._preflight(signed(context.signer, self.href, refresh=self.resign))
            path = "/vsicurl/" + url
        self.resign = False
        errors = _GdalErrors()
        options = _gdal_options(url, context.timeout, context.max_retries, context.policy)
        with _gdal_config(options), _gdal_errors(errors):
            try:
                dataset = gdal.Open(path)
                # GDAL logs the description when the dataset closes (with CPL_DEBUG on), which may
                # be after this handler is gone: it must not carry the signed URL's token.
                dataset.SetDescription(scrub(path))
                yield dataset
            except RuntimeError:
                self.jobs.check()  # a cancelled Translate fails too: report the cancel
                if self.source.kind == "local":
                    raise DownloadError(f"GDAL cannot read {self.label} ({errors.message}).") from None
                gdal.VSICurlPartialClearCache(path)  # forget a failed open or a half-read file
                raise self._failure(errors) from None
            finally:
                self.tally.retries += errors.retries

    def _preflight(self, url: str) -> str:
        """The address GDAL may read for ``url`` (after http(s)-only redirects), once FirstLight's
        own client got its first byte; raises what ``retrying`` understands otherwise."""
        response = http_get(self.context, url, self.label, {"Range": "bytes=0-0"})
        with response:
            status = response.status_code
            if status == 403 and self.context.signer is not None:
                self.resign = True
                raise TransientError(f"Access to {self.label} was refused (HTTP 403).")
            if status in (408, 429) or status >= 500:
                raise TransientError(
                    f"The server answered HTTP {status} for {self.label}.", _retry_after(response)
                )
            if status not in (200, 206):
                raise DownloadError(
                    f"The server answered HTTP {status} for {self.label}; choose another scene or catalog."
                )
            if response.headers.get("Content-Type", "").lower().startswith("text/html"):
                raise TransientError(
                    f"The server sent a web page instead of the raster {self.label}; the service may be "
                    "down or need a login."
                )
            total = response.headers.get("Content-Range", "").rpartition("/")[2]
            if status == 200:
                total = response.headers.get("Content-Length", "")
            if self.size is not None and total.isdigit() and int(total) != self.size:
                raise TransientError(
                    f"The server's file {self.label} has {total} bytes but the catalog says {self.size}; "
                    "the catalog entry may be stale, try another scene."
                )
            return response.url

    def _failure(self, errors: _GdalErrors) -> DownloadError:
        status = errors.status
        if status == 403 and self.context.signer is not None:
            self.resign = True
            return TransientError(f"Access to {self.label} was refused (HTTP 403).")
        if status in (401, 403, 404):
            return DownloadError(
                f"The server answered HTTP {status} for {self.label}; choose another scene or catalog."
            )
        if "certificate" in errors.message.lower():
            return DownloadError(
                f"The certificate of the server of {self.label} could not be verified, so FirstLight does "
                "not read from it; check the system's certificates (or a proxy intercepting HTTPS)."
            )
        detail = f"HTTP {status}" if status else errors.message or "no detail"
        return TransientError(f"Reading {self.label} failed ({detail}).")

    def _progress(self, fraction: float, _message: object, _data: object) -> int:
        self.jobs.report(self.band, "clipping", fraction)
        return 0 if self.jobs.cancelled.is_set() else 1

    def _verify(self, bands: int) -> str:
        """The sha256 of the part file if it is the window asked for, on the scene's grid."""
        assert self.grid is not None
        self.jobs.report(self.band, "verifying", 1.0)
        dx, dy = self.grid.transform[1], self.grid.transform[5]
        expected = (self.bounds[0], dx, 0.0, self.bounds[3], 0.0, dy)
        dataset = open_raster(self.part)
        ok = (
            dataset is not None
            and (dataset.RasterXSize, dataset.RasterYSize, dataset.RasterCount)
            == (self.window[2], self.window[3], bands)
            and all(abs(a - b) < _EPS * dx for a, b in zip(dataset.GetGeoTransform(), expected, strict=True))
            and _every_block_reads(dataset)
        )
        dataset = None
        if not ok:
            self.part.unlink(missing_ok=True)
            raise TransientError(f"The clipped file of {self.label} came out wrong.")
        return hash_file(self.part, {"sha256"}, self.jobs)["sha256"]


def _every_block_reads(dataset: gdal.Dataset) -> bool:
    """Whether every pixel of ``dataset`` decodes: a GeoTIFF GDAL failed to finish writing (a
    full disk at close) opens fine but has missing or broken tiles."""
    try:
        for index in range(1, dataset.RasterCount + 1):
            dataset.GetRasterBand(index).Checksum()
    except RuntimeError:
        return False
    return True


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
) -> dict[str, BandDownloadResult]:
    """Write the area's window of each band to ``<output_dir>/<band>.tif`` (tiled DEFLATE GeoTIFF
    on the scene's own grid), reading only the tiles under it.

    Keywords as in ``download_bands``. The catalog's ``file:size`` (in ``expected``) must match
    the remote file; its ``file:checksum`` describes the whole file, so a clip is verified by GDAL
    instead (size and grid of the window, every tile decodes). ``bytes_transferred`` is an
    estimate (header + tiles read). Raises InputError when the area misses the scene,
    DiskFullError when the output disk is full, CancelledError on cancel.
    """
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    # every band at once (one round trip for all headers, one for all tiles); the connections
    # are bounded by the range pool
    jobs = BandJobs(cancel, progress_callback, max(parallel_downloads, len(band_urls)))
    connections = max(parallel_downloads, CLIP_CONNECTIONS)
    with http_session(connections) as session:
        context = FetchContext(
            jobs, signer, allow_local, timeout, max_retries, retry_policy or RetryPolicy(), session
        )
        tasks = {
            band: _Clip(
                context, band, href, output_dir / f"{safe_name(band)}.tif", (expected or {}).get(band)
            )
            for band, href in band_urls.items()
        }
        what = f"clip of {item_id}"
        with RangePool(context, connections) as pool:
            for task in tasks.values():
                task.ranges, task.pieces = pool, max(1, connections // max(len(tasks), 1))
            failed = jobs.run({band: task.probe for band, task in tasks.items()}, what)
            ready = [task for task in tasks.values() if task.grid is not None]
            clipped: dict[str, BandDownloadResult] = {}
            if ready:
                bounds = _common_bounds([task.grid for task in ready if task.grid], area, item_id)
                for task in ready:
                    task.bounds = bounds
                clipped = jobs.run({task.band: task.run for task in ready}, what)
    return {band: clipped.get(band) or failed[band] for band in band_urls}  # type: ignore[misc]
