"""A COG's header read, and a clip's GeoTIFF written around copied tiles, in plain Python.

A clip of a COG on tile corners is the COG's own compressed tiles under a new header: the same
tags (compression, predictor, sample layout, CRS keys, nodata), a smaller size, an origin moved to
the window's corner and a new tile index. Building that header takes microseconds here, where
asking GDAL to create an empty GeoTIFF and reading back its tile index took milliseconds per band
on a single GDAL thread; reading the source header here also spares GDAL (and PROJ) any work on
the critical path of a clip. GDAL reads every file written here exactly as it reads the source.

Only the first IFD (full resolution) is read: overviews, masks and EXIF directories are not
copied. Tags are copied from a list of those that describe the pixels and their place on Earth;
any other tag (one that might hold a file offset) is left out.
"""

from __future__ import annotations

import math
import operator
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass

TIFF_MAGIC = (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")

_SIZES = {
    1: 1,
    2: 1,
    3: 2,
    4: 4,
    5: 8,
    6: 1,
    7: 1,
    8: 2,
    9: 4,
    10: 8,
    11: 4,
    12: 8,
    13: 4,
    16: 8,
    17: 8,
    18: 8,
}
_LONG, _DOUBLE, _LONG8 = 4, 12, 16

WIDTH, HEIGHT, TILE_WIDTH, TILE_HEIGHT, TILE_OFFSETS, TILE_COUNTS = 256, 257, 322, 323, 324, 325
SAMPLES, PLANAR, COMPRESSION = 277, 284, 259
PIXEL_SCALE, TIEPOINT, MODEL_TRANSFORM, GEO_KEYS, GDAL_METADATA = 33550, 33922, 34264, 34735, 42112
# the tags a clip keeps: they describe the pixels and their place, none holds a file offset
_COPIED = {
    258,  # BitsPerSample
    259,  # Compression
    262,  # PhotometricInterpretation
    270,  # ImageDescription
    277,  # SamplesPerPixel
    284,  # PlanarConfiguration
    317,  # Predictor
    320,  # ColorMap
    338,  # ExtraSamples
    339,  # SampleFormat
    340,  # SMinSampleValue
    341,  # SMaxSampleValue
    347,  # JPEGTables (tiles of a JPEG COG need them)
    530,  # YCbCrSubSampling
    531,  # YCbCrPositioning
    532,  # ReferenceBlackWhite
    PIXEL_SCALE,
    GEO_KEYS,
    34736,  # GeoDoubleParams
    34737,  # GeoAsciiParams
    GDAL_METADATA,
    42113,  # GDAL_NODATA
    50674,  # LercParameters
}
_STATISTICS = re.compile(rb'\s*<Item name="STATISTICS_[^"]*"[^>]*>[^<]*</Item>')
_RASTER_TYPE_KEY, _MODEL_TYPE_KEY, _GEOGRAPHIC_KEY, _PROJECTED_KEY = 1025, 1024, 2048, 3072
_PIXEL_IS_POINT = 2
_CITATIONS = (1026, 2049, 3073)  # GTCitation, GeogCitation, PCSCitation: names only
_DEFAULT_UNITS = {2054: 9102, 3076: 9001}  # angles in degrees, lengths in metres: what EPSG CRSs use


class NotACog(ValueError):
    """The header is not one of a tiled, georeferenced TIFF whose tile index it holds."""


@dataclass(frozen=True)
class _Entry:
    kind: int
    count: int
    data: bytes  # the values, in the file's byte order


@dataclass
class Layout:
    """What a COG's header says: its grid, its tags, and the place of each full-resolution tile."""

    order: str  # struct byte order of the file, "<" or ">"
    big: bool  # BigTIFF
    entries: dict[int, _Entry]
    width: int
    height: int
    bands: int
    block: tuple[int, int]
    separate: bool  # one tile per band (PlanarConfiguration 2)
    transform: tuple[float, float, float, float, float, float]
    epsg: int | None  # the CRS when the GeoKeys name it by an EPSG code
    pixel_is_point: bool
    offsets: list[int]
    counts: list[int]
    header: bytes
    file_size: int | None

    @property
    def compression(self) -> int:
        return self.number(COMPRESSION, 1)

    def number(self, tag: int, default: int) -> int:
        entry = self.entries.get(tag)
        return _values(self.order, entry)[0] if entry is not None else default  # type: ignore[return-value]

    @property
    def columns(self) -> int:
        return math.ceil(self.width / self.block[0])

    @property
    def planes(self) -> int:
        return self.bands if self.separate else 1

    def tile(self, plane: int, column: int, row: int) -> tuple[int, int]:
        """(offset, size) of a full-resolution tile."""
        index = (plane * math.ceil(self.height / self.block[1]) + row) * self.columns + column
        return self.offsets[index], self.counts[index]

    def window_tiles(self, window: tuple[int, int, int, int]) -> list[tuple[int, int, int]]:
        """(plane, column, row) of the tiles under ``window``, in the order a TIFF stores them."""
        xoff, yoff, xsize, ysize = window
        bw, bh = self.block
        return [
            (plane, column, row)
            for plane in range(self.planes)
            for row in range(yoff // bh, (yoff + ysize - 1) // bh + 1)
            for column in range(xoff // bw, (xoff + xsize - 1) // bw + 1)
        ]


def _values(order: str, entry: _Entry) -> tuple[int | float, ...]:
    fmt = {1: "B", 3: "H", 4: "I", 8: "h", 9: "i", 11: "f", 12: "d", 13: "I", 16: "Q", 17: "q", 18: "Q"}
    if entry.kind not in fmt:
        raise NotACog(f"a tag of type {entry.kind} where numbers were expected")
    return struct.unpack(f"{order}{entry.count}{fmt[entry.kind]}", entry.data)


def _index(order: str, entry: _Entry) -> list[int]:
    """A tile index (offsets or byte counts), checked in C rather than value by value: a 10 m
    Sentinel-2 band has 484 tiles, and its header is read on the critical path of a clip."""
    if entry.kind in (11, 12):
        raise NotACog("a tile index of floating-point numbers")
    return list(_values(order, entry))  # type: ignore[arg-type]


def read_layout(header: bytes, file_size: int | None) -> Layout:
    """The layout of the COG whose first bytes are ``header``; NotACog when they are not those of
    a tiled, north-up-or-not georeferenced TIFF whose first IFD and tile index they hold."""
    if header[:4] not in TIFF_MAGIC:
        raise NotACog("not a TIFF file")
    order = "<" if header[:2] == b"II" else ">"
    big = header[2:4] in (b"+\x00", b"\x00+")
    try:
        entries = _read_ifd(header, order, big)
        number = {tag: _values(order, entries[tag])[0] for tag in (WIDTH, HEIGHT, TILE_WIDTH, TILE_HEIGHT)}
        offsets = _index(order, entries[TILE_OFFSETS])
        counts = _index(order, entries[TILE_COUNTS])
    except KeyError as missing:
        raise NotACog(f"no tag {missing} (not a tiled TIFF)") from None
    except struct.error:
        raise NotACog("a header cut short") from None
    width, height = int(number[WIDTH]), int(number[HEIGHT])
    block = (int(number[TILE_WIDTH]), int(number[TILE_HEIGHT]))
    bands = int(_values(order, entries[SAMPLES])[0]) if SAMPLES in entries else 1
    separate = PLANAR in entries and _values(order, entries[PLANAR])[0] == 2 and bands > 1
    tiles = (
        math.ceil(width / max(block[0], 1))
        * math.ceil(height / max(block[1], 1))
        * (bands if separate else 1)
    )
    if min(width, height, *block) <= 0 or len(offsets) != tiles or len(counts) != tiles:
        raise NotACog("a tile index that does not match the image size")
    limit = file_size if file_size is not None else 1 << 62
    if min(offsets) <= 0 or min(counts) <= 0 or max(map(operator.add, offsets, counts)) > limit:
        raise NotACog("an empty tile, or one beyond the end of the file")
    keys = _geo_keys(order, entries)
    pixel_is_point = keys.get(_RASTER_TYPE_KEY) == _PIXEL_IS_POINT
    return Layout(
        order=order,
        big=big,
        entries=entries,
        width=width,
        height=height,
        bands=bands,
        block=block,
        separate=separate,
        transform=_transform(order, entries, pixel_is_point),
        epsg=_epsg(keys),
        pixel_is_point=pixel_is_point,
        offsets=offsets,
        counts=counts,
        header=header,
        file_size=file_size,
    )


def _read_ifd(header: bytes, order: str, big: bool) -> dict[int, _Entry]:
    pointer = order + ("Q" if big else "I")
    ifd = struct.unpack_from(pointer, header, 8 if big else 4)[0]
    count = struct.unpack_from(order + ("Q" if big else "H"), header, ifd)[0]
    first, entry_size, inline = (ifd + 8, 20, 8) if big else (ifd + 2, 12, 4)
    entries = {}
    for number in range(count):
        at = first + number * entry_size
        tag, kind = struct.unpack_from(order + "HH", header, at)
        values = struct.unpack_from(pointer, header, at + 4)[0]
        if kind not in _SIZES:
            continue  # a type this reader does not know: the tag is not one it copies
        length = values * _SIZES[kind]
        place = at + (12 if big else 8)
        if length > inline:
            place = struct.unpack_from(pointer, header, place)[0]
        if place + length > len(header):
            raise NotACog("a tag whose values lie beyond the header read")
        entries[tag] = _Entry(kind, values, header[place : place + length])
    return entries


def _geo_keys(order: str, entries: dict[int, _Entry]) -> dict[int, int | None]:
    """The GeoKeys: their code when stored in the directory itself, else None (a citation or a
    parameter stored in another tag)."""
    if GEO_KEYS not in entries:
        return {}
    values = _values(order, entries[GEO_KEYS])
    keys: dict[int, int | None] = {}
    for at in range(4, 4 + 4 * int(values[3]), 4):
        if at + 3 < len(values):
            keys[int(values[at])] = int(values[at + 3]) if values[at + 1] == 0 else None
    return keys


def _epsg(keys: dict[int, int | None]) -> int | None:
    """The EPSG code of the CRS when the keys say no more than it (GDAL then reads the same CRS);
    None when other keys (units, datum or projection parameters) might refine or override it."""
    projected = keys.get(_MODEL_TYPE_KEY) == 1
    code = keys.get(_PROJECTED_KEY if projected else _GEOGRAPHIC_KEY)
    benign = {
        _MODEL_TYPE_KEY,
        _RASTER_TYPE_KEY,
        *_CITATIONS,
        _PROJECTED_KEY if projected else _GEOGRAPHIC_KEY,
    }
    plain = all(key in benign or _DEFAULT_UNITS.get(key) == value for key, value in keys.items())
    return code if plain and code is not None and 1024 <= code < 32767 else None


def _transform(
    order: str, entries: dict[int, _Entry], pixel_is_point: bool
) -> tuple[float, float, float, float, float, float]:
    """The geotransform GDAL gives the file (a PixelIsPoint tiepoint is half a pixel in)."""
    if MODEL_TRANSFORM in entries:
        m = _values(order, entries[MODEL_TRANSFORM])
        if len(m) != 16:
            raise NotACog("a malformed ModelTransformation")
        gt = [m[3], m[0], m[1], m[7], m[4], m[5]]
    elif PIXEL_SCALE in entries and TIEPOINT in entries:
        scale, tie = _values(order, entries[PIXEL_SCALE]), _values(order, entries[TIEPOINT])
        if len(scale) < 2 or len(tie) != 6:
            raise NotACog("ground control points, not a grid")
        gt = [tie[3] - tie[0] * scale[0], scale[0], 0.0, tie[4] + tie[1] * scale[1], 0.0, -scale[1]]
    else:
        raise NotACog("not georeferenced")
    if pixel_is_point:
        gt[0] -= (gt[1] + gt[2]) * 0.5
        gt[3] -= (gt[4] + gt[5]) * 0.5
    return tuple(float(v) for v in gt)  # type: ignore[return-value]


def tile_start_ok(compression: int, start: bytes) -> bool:
    """Whether a compressed tile starts the way its codec's streams start (a zlib header, an LZW
    clear code, a ZSTD, JPEG, WebP or XZ magic number): a cheap sign that the bytes at a tile's
    offset are that tile. True for codecs without such a mark."""
    if compression in (8, 32946):  # DEFLATE: zlib header, method 8, check bits
        return len(start) >= 2 and start[0] & 0x0F == 8 and (start[0] << 8 | start[1]) % 31 == 0
    if compression == 5:  # LZW: the first code (9 bits) is the clear code, 256
        return start[:1] == b"\x80"
    magic = {50000: b"\x28\xb5\x2f\xfd", 7: b"\xff\xd8", 50001: b"RIFF", 34925: b"\xfd7zXZ"}.get(compression)
    return magic is None or start.startswith(magic)


# -- writing -----------------------------------------------------------------------------------


def clip_header(
    layout: Layout, window: tuple[int, int, int, int], place: Callable[[int], list[int]]
) -> bytes:
    """The header of a GeoTIFF holding the tiles of ``window`` (on tile corners) of ``layout``:
    ``place(base)`` gives the new offsets of ``layout.window_tiles(window)`` when tile data starts
    at ``base`` (right after this header). Same byte order and (Big)TIFF flavour as the source."""
    xoff, yoff, width, height = window
    if xoff % layout.block[0] or yoff % layout.block[1]:
        raise ValueError("a clip window must start on a tile corner")
    order, big = layout.order, layout.big
    tiles = layout.window_tiles(window)
    sizes = [layout.tile(*tile)[1] for tile in tiles]
    entries = {tag: entry for tag, entry in layout.entries.items() if tag in _COPIED}
    entries[WIDTH] = _Entry(_LONG, 1, struct.pack(order + "I", width))
    entries[HEIGHT] = _Entry(_LONG, 1, struct.pack(order + "I", height))
    entries[TILE_WIDTH] = layout.entries[TILE_WIDTH]
    entries[TILE_HEIGHT] = layout.entries[TILE_HEIGHT]
    x0, dx, rx, y0, ry, dy = layout.transform
    corner = (x0 + xoff * dx + yoff * rx, y0 + xoff * ry + yoff * dy)
    entries.update(_georeference(layout, corner))
    if GDAL_METADATA in entries:  # statistics of the whole image are not those of the clip
        text = _STATISTICS.sub(b"", entries[GDAL_METADATA].data)
        entries[GDAL_METADATA] = _Entry(2, len(text), text)
    index_kind, index_fmt = (_LONG8, "Q") if big else (_LONG, "I")
    entries[TILE_COUNTS] = _Entry(
        index_kind, len(sizes), struct.pack(f"{order}{len(sizes)}{index_fmt}", *sizes)
    )
    entries[TILE_OFFSETS] = _Entry(index_kind, len(sizes), bytes(len(sizes) * _SIZES[index_kind]))
    base = len(_serialise(order, big, entries))
    offsets = place(base)
    entries[TILE_OFFSETS] = _Entry(
        index_kind, len(offsets), struct.pack(f"{order}{len(offsets)}{index_fmt}", *offsets)
    )
    return _serialise(order, big, entries)


def _georeference(layout: Layout, corner: tuple[float, float]) -> dict[int, _Entry]:
    """The tags placing the clip's top-left corner at ``corner`` (as the source places its own)."""
    order = layout.order
    if MODEL_TRANSFORM in layout.entries:
        m = list(_values(order, layout.entries[MODEL_TRANSFORM]))
        m[3], m[7] = corner
        if layout.pixel_is_point:
            m[3] += (m[0] + m[1]) * 0.5
            m[7] += (m[4] + m[5]) * 0.5
        return {MODEL_TRANSFORM: _Entry(_DOUBLE, 16, struct.pack(order + "16d", *m))}
    x, y = corner
    _, dx, rx, _, ry, dy = layout.transform
    if layout.pixel_is_point:
        x, y = x + (dx + rx) * 0.5, y + (ry + dy) * 0.5
    return {TIEPOINT: _Entry(_DOUBLE, 6, struct.pack(order + "6d", 0.0, 0.0, 0.0, x, y, 0.0))}


def _serialise(order: str, big: bool, entries: dict[int, _Entry]) -> bytes:
    """A (Big)TIFF header and one IFD of ``entries``, values that do not fit inline after it."""
    if big:
        head = (b"II" if order == "<" else b"MM") + struct.pack(order + "HHHQ", 43, 8, 0, 16)
        count_fmt, entry_fmt, inline, pointer = "Q", "HHQ", 8, "Q"
        ifd_size = 8 + 20 * len(entries) + 8
    else:
        head = (b"II" if order == "<" else b"MM") + struct.pack(order + "HI", 42, 8)
        count_fmt, entry_fmt, inline, pointer = "H", "HHI", 4, "I"
        ifd_size = 2 + 12 * len(entries) + 4
    ifd = bytearray(struct.pack(order + count_fmt, len(entries)))
    extra = bytearray()
    after = len(head) + ifd_size
    for tag in sorted(entries):
        entry = entries[tag]
        ifd += struct.pack(order + entry_fmt, tag, entry.kind, entry.count)
        if len(entry.data) <= inline:
            ifd += entry.data.ljust(inline, b"\x00")
        else:
            ifd += struct.pack(order + pointer, after + len(extra))
            extra += entry.data
            if len(extra) % 2:
                extra += b"\x00"  # values start on a word boundary
    ifd += bytes(8 if big else 4)  # no next IFD
    return bytes(head + ifd + extra)
