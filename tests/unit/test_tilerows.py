"""Reading a stack's band in whole tile rows of its files, with GDAL's cache of them kept small.

The stack is a clip's: a 10 m and a 20 m COG of the real Uruguay bands (256-pixel tiles), and a
VRT cut to an area whose top is not on a tile boundary of either.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core import tilerows
from firstlight_qgis.core.stack import create_band_stack
from firstlight_qgis.core.tilerows import TileRows, sampled, tile_row_starts
from tests.support.cogs import make_cog

_TILE = 256
_TOP_OFFSET_M = 1520  # the stack's top, below the files' top: 152 rows at 10 m, 76 at 20 m


@pytest.fixture(scope="module")
def clip_stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tilerows")
    green = make_cog("green", folder / "green.tif", resolution=10, blocksize=_TILE)
    swir16 = make_cog("swir16", folder / "swir16.tif", blocksize=_TILE)
    west, _, _, north, _, _ = gdal.Open(str(green)).GetGeoTransform()
    bounds = (west + 1000, north - 15000, west + 15000, north - _TOP_OFFSET_M)
    return create_band_stack({"green": green, "swir16": swir16}, folder / "stack.vrt", bounds=bounds).path


def _expected_starts(height: int, first_row: int, tile_rows: int) -> list[int]:
    return [0, *range(first_row, height, tile_rows), height]


def test_a_vrt_bands_tile_rows_are_those_of_its_file_placed_on_the_stack(clip_stack) -> None:
    dataset = gdal.Open(str(clip_stack))
    height = dataset.RasterYSize
    # green (10 m): the stack begins 152 rows into the file, whose next tile row begins at 256
    assert tile_row_starts(dataset, 1) == _expected_starts(height, _TILE - 152, _TILE)
    # swir16 (20 m, two stack rows a pixel): 76 rows into the file, next tile row 180 pixels on
    assert tile_row_starts(dataset, 2) == _expected_starts(height, 2 * (_TILE - 76), 2 * _TILE)


def test_a_tiled_files_tile_rows_are_its_blocks_grouped(clip_stack) -> None:
    dataset = gdal.Open(str(clip_stack.parent / "green.tif"))
    # 256-row tiles are read two at a time (at least 512 rows a read)
    assert tile_row_starts(dataset, 1) == _expected_starts(dataset.RasterYSize, 512, 512)


def test_a_vrt_that_records_no_tile_size_is_read_every_512_rows(clip_stack, tmp_path) -> None:
    text = clip_stack.read_text()
    assert "BlockYSize" in text
    bare = tmp_path / "bare.vrt"
    bare.write_text(
        text.replace(f'BlockYSize="{_TILE}"', "").replace(
            'relativeToVRT="1">', f'relativeToVRT="0">{clip_stack.parent}/'
        )
    )
    dataset = gdal.Open(str(bare))
    assert tile_row_starts(dataset, 1) == _expected_starts(dataset.RasterYSize, 512, 512)


@pytest.mark.parametrize("strip_rows", [100, 256, 700])
def test_strips_hold_the_bands_pixels_as_float_with_nodata_as_nan(clip_stack, strip_rows) -> None:
    dataset = gdal.Open(str(clip_stack))
    for number in (1, 2):
        band = dataset.GetRasterBand(number)
        band.SetNoDataValue(float(band.ReadAsArray(0, 0, 1, 1)[0, 0]))  # on this handle only
        expected = band.ReadAsArray().astype(np.float32)
        expected[expected == np.float32(band.GetNoDataValue())] = np.nan
        rows = TileRows(dataset, number)
        strips = [
            rows.strip(top, min(strip_rows, band.YSize - top)).copy()
            for top in range(0, band.YSize, strip_rows)
        ]
        np.testing.assert_array_equal(np.concatenate(strips), expected)
        assert np.isnan(strips[0][0, 0])


def test_gdals_cache_holds_only_the_tile_rows_since_the_last_drop(clip_stack, monkeypatch) -> None:
    monkeypatch.setattr(tilerows, "_DROP_ROWS", 2 * _TILE)
    dataset = gdal.Open(str(clip_stack))
    width, height = dataset.RasterXSize, dataset.RasterYSize
    file_width = gdal.Open(str(clip_stack.parent / "green.tif")).RasterXSize
    before = gdal.GetCacheUsed()
    rows, most = TileRows(dataset, 1), 0
    for top in range(0, height, 64):
        rows.strip(top, min(64, height - top))
        most = max(most, gdal.GetCacheUsed() - before)
    # at most three tile rows of the file's 16-bit tiles: two read since the last drop, and one
    # that the stack reads only the end of
    assert 0 < most <= 3 * _TILE * file_width * 2
    assert gdal.GetCacheUsed() - before == 0  # all dropped after the last row
    # reading the same band in one go keeps every tile it decoded
    dataset.GetRasterBand(1).ReadAsArray()
    assert gdal.GetCacheUsed() - before >= height * width * 2


def test_rows_are_handed_out_once(clip_stack) -> None:
    rows = TileRows(gdal.Open(str(clip_stack)), 1)
    rows.strip(0, 10)
    with pytest.raises(ValueError, match="handed out already"):
        rows.strip(5, 10)


class _Noted:
    """A dataset (or band) of GDAL's whose bands note what GDAL's cache holds each time they drop theirs."""

    def __init__(self, wrapped: gdal.Dataset | gdal.Band, held: list[int]) -> None:
        self._wrapped, self._held = wrapped, held

    def __getattr__(self, name: str) -> object:
        return getattr(self._wrapped, name)

    def GetRasterBand(self, number: int) -> _Noted:
        return _Noted(self._wrapped.GetRasterBand(number), self._held)

    def FlushCache(self) -> None:
        self._held.append(gdal.GetCacheUsed())
        self._wrapped.FlushCache()


@pytest.fixture
def pieces_of_256_rows(monkeypatch) -> None:
    monkeypatch.setattr(tilerows, "_DROP_ROWS", _TILE)


def _sampled_and_read_once(
    dataset: gdal.Dataset, number: int, size: tuple[int, int], resampling: int
) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """``sampled``'s pixels, one read's, and what GDAL's cache held at each of ``sampled``'s drops."""
    once = dataset.GetRasterBand(number).ReadAsArray(
        buf_xsize=size[0], buf_ysize=size[1], resample_alg=resampling
    )
    dataset.FlushCache()
    held: list[int] = []
    return sampled(_Noted(dataset, held), number, *size, resampling), once, held


@pytest.mark.parametrize("resampling", [gdal.GRIORA_NearestNeighbour, gdal.GRIORA_Average])
@pytest.mark.parametrize("size", [(700, 674), (700, 600), (350, 337)])
def test_a_sample_read_in_pieces_has_the_pixels_of_one_read(
    clip_stack, pieces_of_256_rows, resampling, size
) -> None:
    dataset = gdal.Open(str(clip_stack))
    assert dataset.RasterYSize == 1348
    file_width = gdal.Open(str(clip_stack.parent / "green.tif")).RasterXSize
    for number in (1, 2):
        before = gdal.GetCacheUsed()
        pieces, once, held = _sampled_and_read_once(dataset, number, size, resampling)
        np.testing.assert_array_equal(pieces, once)
        # pieces of about 256 rows (337 where 600 rows are read: 150 of them end on a whole row)
        assert len(held) == (4 if size[1] == 600 else 1348 // 256 + 1)
        # at a drop, at most four of the file's seven tile rows of 16-bit tiles (a piece spans 3)
        assert max(held) - before <= 4 * _TILE * file_width * 2


def test_a_sample_whose_rows_never_end_on_a_whole_row_of_the_band_is_read_at_once(
    clip_stack, pieces_of_256_rows
) -> None:
    pieces, once, held = _sampled_and_read_once(
        gdal.Open(str(clip_stack)), 1, (257, 333), gdal.GRIORA_Average
    )
    np.testing.assert_array_equal(pieces, once)
    assert len(held) == 1


def test_a_sample_of_a_file_with_overviews_is_read_from_them_at_once(
    clip_stack, pieces_of_256_rows, tmp_path
) -> None:
    copy = tmp_path / "green.tif"
    gdal.Translate(str(copy), str(clip_stack.parent / "green.tif"), creationOptions=["TILED=YES"])
    dataset = gdal.Open(str(copy), gdal.GA_Update)
    dataset.BuildOverviews("AVERAGE", [2, 4, 8])
    pieces, once, held = _sampled_and_read_once(dataset, 1, (300, 250), gdal.GRIORA_Average)
    np.testing.assert_array_equal(pieces, once)
    assert held == []
