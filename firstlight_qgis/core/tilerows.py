"""A band read from the top in pieces, dropping GDAL's cached tiles of it as it goes.

GDAL keeps every tile it decodes in its block cache: one cache for the whole process (QGIS's
drawing included), 5 % of the memory by default, emptied only when full. A whole scene's
validation kept each band's 240 MB of tiles cached while it sampled it, two bands at a time, and
the indices' pass filled the cache with 540 MB of tiles never read again: the ingest of a whole
scene peaked at 840 MB, 480 MB now. The indices read whole tile rows of the files under the stack
(``TileRows``), so that no tile is decoded twice where the stack places their pixels one for one;
samples are read in pieces (``sampled``). FirstLight does not lower the cache's size instead: that
is QGIS's to set.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import numpy as np
from osgeo import gdal, gdal_array

from .stack import source_rects

# Rows of a band read between two drops of its cached tiles. A piece that ends inside a tile row
# decodes it again after the drop, and so does a resampled source (a 20 m band on a 10 m stack),
# which is read a row beyond each end.
_DROP_ROWS = 1024
_UNKNOWN_ROWS = 512  # tile height assumed for a band whose file's tiles are not known


def tile_row_starts(dataset: gdal.Dataset, number: int) -> list[int]:
    """The rows of band ``number`` at which a tile row of the file under it begins, from 0, then its
    height. A VRT band's come from its one source's recorded tile height and place; a file's from
    its own blocks (strips grouped to at least ``_UNKNOWN_ROWS`` rows)."""
    height = dataset.RasterYSize
    if dataset.GetDriver().ShortName == "VRT":
        starts = _vrt_source_starts(dataset.GetDescription(), number, height)
    else:
        block = dataset.GetRasterBand(number).GetBlockSize()[1]
        starts = _every(math.ceil(_UNKNOWN_ROWS / block) * block, height)
    return starts or _every(_UNKNOWN_ROWS, height)


def _every(step: int, height: int) -> list[int]:
    return [*range(0, height, step), height]


def _vrt_source_starts(path: str, number: int, height: int) -> list[int] | None:
    """From the VRT's own text: GDAL gives a band's sources without the tile size they record."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError):
        return None
    band = next((b for b in root.iter("VRTRasterBand") if b.get("band") == str(number)), None)
    sources = [] if band is None else [child for child in band if child.tag.endswith("Source")]
    if len(sources) != 1:
        return None
    rects, properties = source_rects(sources[0]), sources[0].find("SourceProperties")
    if rects is None or properties is None or not properties.get("BlockYSize"):
        return None
    tile = int(properties.get("BlockYSize", "0"))
    (_, top, _, rows), (_, placed, _, placed_rows) = rects
    if tile <= 0 or rows <= 0:
        return None
    scale = placed_rows / rows
    first = math.ceil(top / tile) * tile  # the first tile row that begins inside the window
    inside = (round(placed + (start - top) * scale) for start in range(first, math.ceil(top + rows), tile))
    return sorted({0, *(row for row in inside if 0 < row < height), height})


def nodata_to_nan(band: gdal.Band, values: np.ndarray) -> np.ndarray:
    """``values`` read from ``band`` as float32 (in place if they are), its nodata value turned into NaN."""
    values = values.astype(np.float32, copy=False)
    nodata = band.GetNoDataValue()
    if nodata is not None and not np.isnan(nodata):
        values[values == np.float32(nodata)] = np.nan
    return values


class TileRows:
    """Strips of one band, asked for from top to bottom, read a tile row of its file at a time into
    one buffer of the band's own type, used again and again: a new array per read cost as much in
    page faults as the smaller cache saved, and float32 would double it. Each row is handed out once.
    """

    def __init__(self, dataset: gdal.Dataset, number: int) -> None:
        self._dataset = dataset  # GDAL before 3.8 frees a band whose dataset Python has dropped
        self._band = dataset.GetRasterBand(number)
        self._starts = tile_row_starts(dataset, number)
        self._tallest = max(b - a for a, b in zip(self._starts, self._starts[1:], strict=False))
        kind = gdal_array.GDALTypeCodeToNumericTypeCode(self._band.DataType) or np.float32
        self._buffer = np.empty((0, self._band.XSize), kind)
        self._at = 0  # the buffer's row that holds the next row of the band
        self._held = 0  # rows of the band held from there
        self._next = 0  # the band's row held at ``_at``
        self._read_since_drop = 0

    def strip(self, row: int, rows: int) -> np.ndarray:
        """Rows ``row`` to ``row + rows`` as a new float32 array, the band's no-data value as NaN."""
        if row < self._next:
            raise ValueError(f"row {row} was handed out already (reading from row {self._next})")
        skipped = min(row - self._next, self._held)
        self._at, self._held, self._next = self._at + skipped, self._held - skipped, row
        while self._held < rows:
            self._read_tile_row(rows)
        strip = self._buffer[self._at : self._at + rows].astype(np.float32)
        self._at, self._held, self._next = self._at + rows, self._held - rows, row + rows
        return nodata_to_nan(self._band, strip)

    def _read_tile_row(self, rows: int) -> None:
        top = self._next + self._held
        end = next((start for start in self._starts if start > top), self._band.YSize)
        held = self._buffer[self._at : self._at + self._held]
        if len(self._buffer) < self._tallest + rows:
            grown = np.empty((self._tallest + rows, self._band.XSize), self._buffer.dtype)
            grown[: self._held] = held
            self._buffer, self._at = grown, 0
        elif self._at + self._held + end - top > len(self._buffer):  # to the front, then read after
            self._buffer[: self._held] = held
            self._at = 0
        values = self._buffer[self._at + self._held : self._at + self._held + end - top]
        self._band.ReadAsArray(0, top, self._band.XSize, end - top, buf_obj=values)
        self._held += end - top
        self._read_since_drop += end - top
        if self._read_since_drop >= _DROP_ROWS or end == self._band.YSize:
            self._band.FlushCache()
            self._read_since_drop = 0


def sampled(dataset: gdal.Dataset, number: int, width: int, height: int, resampling: int) -> np.ndarray:
    """Band ``number`` read down to ``width`` x ``height`` with GDAL's ``resampling``, in pieces of
    about ``_DROP_ROWS`` of its rows with its cached tiles dropped in between. A piece ends where a
    row read ends on a whole row of the band (every 2745 rows for a scene sampled at 1024), so that
    it reads the pixels one read would: a piece ending inside a row took a neighbouring row's pixel
    now and then. A band with overviews is read at once: GDAL reads those, and pieces of them would
    place their boxes differently."""
    band = dataset.GetRasterBand(number)
    if band.GetOverviewCount():
        return band.ReadAsArray(buf_xsize=width, buf_ysize=height, resample_alg=resampling)
    unit = height // math.gcd(band.YSize, height)  # rows read that end on a whole row of the band
    rows = unit * max(1, round(_DROP_ROWS * height / band.YSize / unit))
    pieces = []
    for top in range(0, height, rows):
        count = min(rows, height - top)
        window = (0, top * band.YSize // height, band.XSize, count * band.YSize // height)
        pieces.append(band.ReadAsArray(*window, buf_xsize=width, buf_ysize=count, resample_alg=resampling))
        band.FlushCache()
    return np.concatenate(pieces)
