"""A clip's GeoTIFF written around copied tiles (tiff.py), checked against GDAL reading the source.

Each source is made by GDAL from the real Uruguay band in one of the layouts COGs come in; the
clip is the source's own tile bytes behind a header written by ``clip_header``. GDAL must read it
as the same pixels, on the same grid and CRS, with the same nodata, as the window of the source.
"""

from __future__ import annotations

import itertools
import struct
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, osr

from firstlight_qgis.core.ranges import layout_crs
from firstlight_qgis.core.tiff import NotACog, clip_header, read_layout, tile_start_ok
from tests.conftest import URUGUAY

BAND = URUGUAY / "B8_20m_20181224.tif"  # 1017 x 866 UInt16, EPSG:32722


def _source(path: Path, *, bands: int = 1, data_type: int = gdal.GDT_UInt16, fmt: str = "COG",
            options: list[str] | None = None, size: tuple[int, int] = (1000, 850),
            srs: str | None = None, metadata: dict[str, str] | None = None) -> Path:  # fmt: skip
    """A raster of ``size`` from the real band (repeated over ``bands``, scaled for Byte)."""
    pixels = gdal.Open(str(BAND)).ReadAsArray(0, 0, *size).astype(np.float64)
    memory = gdal.GetDriverByName("MEM").Create("", size[0], size[1], bands, data_type)
    source = gdal.Open(str(BAND))
    memory.SetGeoTransform(source.GetGeoTransform())
    memory.SetProjection(srs or source.GetProjection())
    for index in range(1, bands + 1):
        values = pixels / 20 + 10 * index if data_type == gdal.GDT_Byte else pixels * index
        if data_type == gdal.GDT_Float32:
            values = values / 7.0
        memory.GetRasterBand(index).WriteArray(values)
        memory.GetRasterBand(index).SetNoDataValue(0)
    for key, value in (metadata or {}).items():
        memory.SetMetadataItem(key, value)
    gdal.GetDriverByName(fmt).CreateCopy(str(path), memory, options=options or ["BLOCKSIZE=256"])
    return path


def _clip(source: Path, window: tuple[int, int, int, int], out: Path) -> Path:
    """The window's tiles copied behind a header of ``clip_header``, laid end to end."""
    data = source.read_bytes()
    layout = read_layout(data, len(data))  # the whole file: GDAL may have moved the IFD to the end
    tiles = [layout.tile(*tile) for tile in layout.window_tiles(window)]

    def place(base: int) -> list[int]:
        return list(itertools.accumulate((size for _, size in tiles[:-1]), initial=base))

    head = clip_header(layout, window, place)
    out.write_bytes(head + b"".join(data[offset : offset + size] for offset, size in tiles))
    return out


def _assert_same_window(source: Path, clip: Path, window: tuple[int, int, int, int]) -> None:
    src, out = gdal.Open(str(source)), gdal.Open(str(clip))
    assert (out.RasterXSize, out.RasterYSize, out.RasterCount) == (window[2], window[3], src.RasterCount)
    expected = src.ReadAsArray(*window)
    assert np.array_equal(out.ReadAsArray(), expected)
    x0, dx, _, y0, _, dy = src.GetGeoTransform()
    assert out.GetGeoTransform() == pytest.approx((x0 + window[0] * dx, dx, 0, y0 + window[1] * dy, 0, dy))
    assert out.GetSpatialRef().IsSame(src.GetSpatialRef())
    for index in range(1, src.RasterCount + 1):
        assert out.GetRasterBand(index).GetNoDataValue() == src.GetRasterBand(index).GetNoDataValue()
        assert out.GetRasterBand(index).DataType == src.GetRasterBand(index).DataType
    assert out.GetRasterBand(1).GetOverviewCount() == 0


LAYOUTS = {
    "deflate uint16 COG": {"options": ["BLOCKSIZE=256", "COMPRESS=DEFLATE", "PREDICTOR=2"]},
    "lzw float32 predictor 3": {
        "data_type": gdal.GDT_Float32,
        "options": ["BLOCKSIZE=256", "COMPRESS=LZW", "PREDICTOR=3"],
    },
    "zstd 3 bands pixel-interleaved": {"bands": 3, "options": ["BLOCKSIZE=256", "COMPRESS=ZSTD"]},
    "jpeg rgb (shared tables)": {
        "bands": 3,
        "data_type": gdal.GDT_Byte,
        "options": ["BLOCKSIZE=256", "COMPRESS=JPEG", "QUALITY=80"],
    },
    "3 bands band-interleaved": {
        "bands": 3,
        "fmt": "GTiff",
        "options": ["TILED=YES", "BLOCKXSIZE=256", "BLOCKYSIZE=256", "COMPRESS=DEFLATE", "INTERLEAVE=BAND"],
    },
    "big-endian": {"fmt": "GTiff", "options": ["TILED=YES", "COMPRESS=DEFLATE", "ENDIANNESS=BIG"]},
    "BigTIFF": {"options": ["BLOCKSIZE=256", "COMPRESS=DEFLATE", "BIGTIFF=YES"]},
    "uncompressed 512 tiles": {"options": ["BLOCKSIZE=512", "COMPRESS=NONE"]},
}


@pytest.mark.parametrize("layout", LAYOUTS.values(), ids=LAYOUTS.keys())
@pytest.mark.parametrize(
    "window", [(256, 256, 512, 256), (768, 512, 232, 338), (0, 0, 1000, 850)], ids=["inside", "edge", "all"]
)
def test_a_clip_reads_as_the_window_of_its_source(tmp_path: Path, layout: dict, window) -> None:
    source = _source(tmp_path / "source.tif", **layout)
    if "BLOCKSIZE=512" in layout["options"] and window[0] % 512:
        window = (512, 512, 488, 338)
    _assert_same_window(source, _clip(source, window, tmp_path / "clip.tif"), window)


def test_pixel_is_point_keeps_its_half_pixel(tmp_path: Path) -> None:
    source = _source(
        tmp_path / "point.tif", fmt="GTiff", options=["TILED=YES"], metadata={"AREA_OR_POINT": "Point"}
    )
    layout = read_layout(source.read_bytes()[:65536], None)
    assert layout.pixel_is_point
    assert layout.transform == pytest.approx(gdal.Open(str(source)).GetGeoTransform())
    window = (256, 512, 256, 256)
    clip = _clip(source, window, tmp_path / "clip.tif")
    _assert_same_window(source, clip, window)
    assert gdal.Open(str(clip)).GetMetadataItem("AREA_OR_POINT") == "Point"


def test_the_crs_is_an_epsg_code_when_the_keys_say_so_else_what_gdal_reads(tmp_path: Path) -> None:
    coded = read_layout(_source(tmp_path / "utm.tif").read_bytes()[:65536], None)
    assert layout_crs(coded) == "EPSG:32722"
    custom_srs = "+proj=tmerc +lat_0=0 +lon_0=-51.5 +k=0.9996 +x_0=500000 +y_0=10000000 +datum=WGS84 +units=m"
    source = _source(tmp_path / "custom.tif", srs=_wkt(custom_srs))
    custom = read_layout(source.read_bytes()[:65536], None)
    assert custom.epsg is None
    crs = osr.SpatialReference()
    crs.SetFromUserInput(layout_crs(custom))
    assert crs.IsSame(gdal.Open(str(source)).GetSpatialRef())
    window = (0, 256, 256, 256)
    _assert_same_window(source, _clip(source, window, tmp_path / "clip.tif"), window)


def _wkt(proj4: str) -> str:
    srs = osr.SpatialReference()
    srs.ImportFromProj4(proj4)
    return srs.ExportToWkt()


def test_statistics_of_the_whole_image_are_dropped_other_metadata_kept(tmp_path: Path) -> None:
    source = _source(tmp_path / "stats.tif", fmt="GTiff", options=["TILED=YES", "COMPRESS=DEFLATE"],
                     metadata={"PURPOSE": "flood"})  # fmt: skip
    dataset = gdal.Open(str(source), gdal.GA_Update)
    dataset.GetRasterBand(1).ComputeStatistics(False)
    dataset.GetRasterBand(1).SetDescription("B08")
    dataset = None
    clip = gdal.Open(str(_clip(source, (0, 0, 256, 256), tmp_path / "clip.tif")))
    assert clip.GetMetadataItem("PURPOSE") == "flood"
    assert clip.GetRasterBand(1).GetDescription() == "B08"
    assert clip.GetRasterBand(1).GetMetadataItem("STATISTICS_MEAN") is None


def test_headers_that_are_not_of_a_tiled_georeferenced_tiff_are_refused(tmp_path: Path) -> None:
    striped = _source(tmp_path / "strips.tif", fmt="GTiff", options=["TILED=NO"])
    with pytest.raises(NotACog):
        read_layout(striped.read_bytes()[:65536], None)
    with pytest.raises(NotACog):
        read_layout(b"<html>AccessDenied</html>", None)
    cog = _source(tmp_path / "cog.tif").read_bytes()
    with pytest.raises(NotACog):
        read_layout(cog[:200], None)  # cut short before the tile index
    with pytest.raises(NotACog):
        read_layout(cog[:65536], 1000)  # tiles beyond the end of the file
    with pytest.raises(NotACog):
        read_layout(_retyped(cog, 324, 11), None)  # tile offsets as floating-point numbers
    counts = _entry_at(cog, 325)  # the byte counts: LONGs stored after the IFD, the first set to 0
    assert struct.unpack_from("<H", cog, counts + 2)[0] == 4
    at = struct.unpack_from("<I", cog, counts + 8)[0]
    with pytest.raises(NotACog):
        read_layout(cog[:at] + bytes(4) + cog[at + 4 :], None)  # an empty tile


def _entry_at(tiff: bytes, tag: int) -> int:
    """Where the IFD entry of ``tag`` starts in a little-endian classic TIFF."""
    ifd = struct.unpack_from("<I", tiff, 4)[0]
    entries = (ifd + 2 + 12 * n for n in range(struct.unpack_from("<H", tiff, ifd)[0]))
    return next(at for at in entries if struct.unpack_from("<H", tiff, at)[0] == tag)


def _retyped(tiff: bytes, tag: int, kind: int) -> bytes:
    """``tiff`` with the type of ``tag``'s entry changed to ``kind``."""
    data = bytearray(tiff)
    struct.pack_into("<H", data, _entry_at(tiff, tag) + 2, kind)
    return bytes(data)


def test_tile_starts_are_recognised_per_codec(tmp_path: Path) -> None:
    for codec, number in (("DEFLATE", 8), ("LZW", 5), ("ZSTD", 50000)):
        data = _source(tmp_path / f"{codec}.tif", options=["BLOCKSIZE=256", f"COMPRESS={codec}"]).read_bytes()
        layout = read_layout(data[:65536], len(data))
        assert layout.compression == number
        offset, _ = layout.tile(0, 1, 1)
        assert tile_start_ok(number, data[offset : offset + 6])
        assert not tile_start_ok(number, b"<html>")
