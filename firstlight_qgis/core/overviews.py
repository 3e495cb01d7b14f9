"""Overviews for a large area, so that QGIS draws the layers FirstLight shows fast zoomed out: beside
the band files of a clip, and inside the water mask.

A clip's band files hold the source's full-resolution tiles and nothing else (clip.py copies
them as they are). Without overviews, every redraw of a large area reads all its pixels: QGIS
drew the stack of a 50 km area in 1.2 s, of a whole scene in 6 s. Where the stack is more than
``OVERVIEWS_FROM`` pixels on a side, each band file that has no overviews gets ``<band>.tif.ovr``,
which GDAL (QGIS, the stack VRT) finds by its name: 0.2 s then. A COG downloaded whole brings its
own overviews and gets none.

Building them decodes every tile of the band, which the stack's validation did to sample it; the
validation then samples the overviews, so the ingest takes hardly longer (a whole scene's six
bands: 3.5 s to build, and the validation 0.17 s instead of 3.2; end to end 2-5 % more). A tile
that does not decode stops the build and leaves no ``.ovr``: the validation's full-resolution
sample finds the band unreadable, and the ingest fetches it again, as without overviews.

The file is written as ``<band>.tif.ovr.part`` and renamed when complete. Whoever replaces or
forgets a band file removes its ``.ovr`` first (``download.commit``, ``download.discard``), so an
``.ovr`` always describes the pixels beside it; one already there is kept.

A water mask, written strip by strip by indices.py, gets its overviews inside the file, made from
the strips as they pass (``StripLevels``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from osgeo import gdal

from .errors import CancelledError
from .fileio import clean_up
from .gdalconfig import close_after, close_whole, raising
from .stack import quick_tiff_options

log = logging.getLogger(__name__)

OVERVIEWS_FROM = 2048  # a stack longer than this on a side (a 20 km area) gets overviews
_SMALLEST = 256  # the coarsest level is the last one at least this long
_BLOCK = ["BLOCKXSIZE=512", "BLOCKYSIZE=512"]  # 15 % smaller than GTiff's 256 in as much time
OVR_PART = ".ovr.part"
Cancel = Callable[[], bool]


def overview_file(band_file: Path) -> Path:
    """Where GDAL looks for ``band_file``'s external overviews."""
    return band_file.with_name(band_file.name + ".ovr")


def _part_file(band_file: Path) -> Path:
    """The ``.ovr`` being written."""
    return band_file.with_name(band_file.name + OVR_PART)


def overview_factors(size: int) -> list[int]:
    """2, 4, 8 ... down to the last level at least ``_SMALLEST`` pixels long, for a stack ``size``
    pixels long. Every band file of the stack gets the same factors, the 20 m ones too: the stack
    VRT has as many levels as the file with the fewest."""
    factors, factor = [], 2
    while size / factor >= _SMALLEST:
        factors.append(factor)
        factor *= 2
    return factors


def factors_for(grid: gdal.Dataset) -> list[int]:
    """The overview factors of what lies on ``grid`` (a stack, a water mask): none unless it is
    more than ``OVERVIEWS_FROM`` pixels on a side."""
    size = max(grid.RasterXSize, grid.RasterYSize)
    return overview_factors(size) if size > OVERVIEWS_FROM else []


def add_overviews(stack_path: Path, band_files: Iterable[Path], cancel: Cancel | None = None) -> list[Path]:
    """Give each of ``band_files`` that has no overviews an ``.ovr`` when the stack at ``stack_path``
    is large; the ``.ovr`` files written. Two bands at a time: GDAL decodes without the interpreter
    lock. A band whose build fails (a tile that does not decode, a full disk) is logged and left
    without; a cancel raises CancelledError and leaves none half-written."""
    factors = _factors_of(stack_path)
    if not factors:
        return []
    lacking = [path for path in dict.fromkeys(band_files) if not _has_overviews(path)]
    if not lacking:
        return []

    @raising  # a thread of its own: where GDAL switches exceptions per thread, on here too
    def build(path: Path) -> Path | None:
        return _build(path, factors, cancel)

    with ThreadPoolExecutor(min(len(lacking), os.cpu_count() or 1)) as pool:
        return [path for path in pool.map(build, lacking) if path is not None]


@raising
def _factors_of(path: Path) -> list[int]:
    return factors_for(gdal.Open(str(path)))


@raising
def _has_overviews(path: Path) -> bool:
    dataset = gdal.Open(str(path))  # kept while its band is used: GDAL before 3.8 frees it otherwise
    return dataset.GetRasterBand(1).GetOverviewCount() > 0


def _build(path: Path, factors: list[int], cancel: Cancel | None) -> Path | None:
    """``path``'s ``.ovr``, written under a temporary name and renamed once closed whole."""
    part = _part_file(path)
    targets: list[gdal.Dataset] = []
    try:
        source = gdal.Open(str(path))
        targets.append(_empty_ovr(source, part, factors))
        for number in range(1, source.RasterCount + 1):
            _regenerate(source.GetRasterBand(number), targets[0].GetRasterBand(number), cancel)
        close_whole(targets)  # the TIFF directory not written (a full disk): not whole
    except BaseException as error:
        close_after(error, targets)
        clean_up(part)
        if cancel is not None and cancel():
            raise CancelledError("Cancelled while building the bands' overviews.") from None
        if not isinstance(error, RuntimeError):
            raise
        log.warning("%s gets no overviews: %s", path.name, error)
        return None
    ovr = overview_file(path)
    os.replace(part, ovr)
    return ovr


def _regenerate(band: gdal.Band, first: gdal.Band, cancel: Cancel | None) -> None:
    """Every level of ``first`` (the ``.ovr``'s band and its own overviews) from ``band``: GDAL
    averages the first level from ``band`` and each next one from the level before, so the band is
    decoded once. Its cached tiles are dropped after each piece GDAL reads (1024 rows): kept, a
    whole scene's bands held 500 MB of tiles never read again, two at a time."""
    levels = [first] + [first.GetOverview(i) for i in range(first.GetOverviewCount())]

    def progress(_fraction: float, _message: object, _data: object) -> int:
        band.FlushCache()
        return 0 if cancel is not None and cancel() else 1

    if gdal.RegenerateOverviews(band, levels, "AVERAGE", callback=progress) != gdal.CE_None:
        raise RuntimeError(gdal.GetLastErrorMsg() or "stopped")  # a cancel sets no error


def _empty_ovr(source: gdal.Dataset, part: Path, factors: list[int]) -> gdal.Dataset:
    """An empty ``.ovr`` for ``source``: a GeoTIFF at its first level with the others as its own
    overviews, allocated and not computed ("NONE")."""
    first = source.GetRasterBand(1)
    floating = first.DataType in (gdal.GDT_Float32, gdal.GDT_Float64)
    target = gdal.GetDriverByName("GTiff").Create(
        str(part),
        -(-source.RasterXSize // factors[0]),
        -(-source.RasterYSize // factors[0]),
        source.RasterCount,
        first.DataType,
        options=[*quick_tiff_options(floating), *_BLOCK],
    )
    if len(factors) > 1:
        target.BuildOverviews("NONE", [factor // factors[0] for factor in factors[1:]])
    return target


class StripLevels:
    """The overviews of a one-band GeoTIFF of categories (a water mask) written strip by strip from
    the top, made from the strips as they pass, each level from the one before: the top-left pixel
    of each 2 x 2, since codes cannot be averaged. A level is written a whole block row at a time and
    written out at once, so GDAL's cache never holds it and no block is written twice. The levels
    must have been allocated (``BuildOverviews("NONE", ...)``).

    The float indices get none: their levels, averaged without NaN, cost a whole scene 2.2 s more
    (0.55 s averaging, 1.7 s compressing a third more pixels) and 130 MB per index."""

    def __init__(self, band: gdal.Band) -> None:
        self._levels = [band.GetOverview(i) for i in range(band.GetOverviewCount())]
        self._carried: list[np.ndarray | None] = [None] * len(self._levels)  # a row awaiting its pair
        self._pending: list[list[np.ndarray]] = [[] for _ in self._levels]  # rows not written yet
        self._written = [0] * len(self._levels)

    def add(self, strip: np.ndarray, last: bool) -> None:
        """The next rows of the full-resolution band; ``last``: they end it."""
        rows = strip
        for index, level in enumerate(self._levels):
            rows = self._pair(index, rows, last)
            self._pending[index].append(rows)
            self._write(index, level, last)

    def _pair(self, index: int, rows: np.ndarray, last: bool) -> np.ndarray:
        """Rows of level ``index`` from the rows of the level above, keeping an odd one for the next
        strip (or alone at the end)."""
        carried = self._carried[index]
        if carried is not None:
            rows = np.concatenate((carried, rows))
        odd = len(rows) % 2 and not last
        self._carried[index] = rows[-1:] if odd else None
        return (rows[:-1] if odd else rows)[::2, ::2]

    def _write(self, index: int, level: gdal.Band, last: bool) -> None:
        pending = self._pending[index]
        rows = pending[0] if len(pending) == 1 else np.concatenate(pending)
        block_rows = level.GetBlockSize()[1]
        whole = len(rows) if last else len(rows) // block_rows * block_rows
        if whole:
            level.WriteArray(rows[:whole], 0, self._written[index])
            level.FlushCache()
            self._written[index] += whole
        self._pending[index] = [rows[whole:]] if whole < len(rows) else []
