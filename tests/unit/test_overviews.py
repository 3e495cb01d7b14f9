"""Overviews beside the band files of a large stack: what GDAL finds, the pixels they hold, and
nothing left behind when a band does not decode or the user cancels; and a water mask's levels,
made from its strips as they are written.

The stack is a clip's: green at 10 m (2034 x 1732) and swir16 at 20 m, from the real Uruguay
bands, with the threshold lowered so that this stack counts as large.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core import overviews
from firstlight_qgis.core.errors import CancelledError
from firstlight_qgis.core.overviews import (
    StripLevels,
    add_overviews,
    factors_for,
    overview_factors,
    overview_file,
)
from firstlight_qgis.core.stack import create_band_stack
from tests.support.cogs import make_cog


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("overviews")
    green = make_cog("green", folder / "green.tif", resolution=10)
    swir16 = make_cog("swir16", folder / "swir16.tif")
    west, _, _, north, _, _ = gdal.Open(str(green)).GetGeoTransform()
    bounds = (west + 500, north - 17000, west + 20000, north - 500)
    create_band_stack({"green": green, "swir16": swir16}, folder / "stack.vrt", bounds=bounds)
    return folder


@pytest.fixture
def stack(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh copy of the stack (1950 x 1650 px), large from 1024 px on."""
    monkeypatch.setattr(overviews, "OVERVIEWS_FROM", 1024)
    folder = Path(shutil.copytree(template, tmp_path / "scene"))
    return folder / "stack.vrt"


def _bands(stack: Path) -> list[Path]:
    return [stack.parent / "green.tif", stack.parent / "swir16.tif"]


def _levels(path: Path) -> list[tuple[int, int]]:
    dataset = gdal.Open(str(path))
    band = dataset.GetRasterBand(1)
    return [(band.GetOverview(i).XSize, band.GetOverview(i).YSize) for i in range(band.GetOverviewCount())]


def test_factors_halve_down_to_the_last_level_of_at_least_256_pixels() -> None:
    assert overview_factors(255) == []
    assert overview_factors(512) == [2]
    assert overview_factors(2049) == [2, 4, 8]
    assert overview_factors(10980) == [2, 4, 8, 16, 32]


def test_only_what_is_more_than_2048_pixels_on_a_side_gets_overviews() -> None:
    grid = gdal.GetDriverByName("MEM").Create("", 2048, 900)
    assert factors_for(grid) == []
    grid = gdal.GetDriverByName("MEM").Create("", 900, 2049)
    assert factors_for(grid) == [2, 4, 8]


def test_each_band_file_of_a_large_stack_gets_an_ovr_gdal_finds(stack: Path) -> None:
    written = add_overviews(stack, _bands(stack))

    assert written == [overview_file(path) for path in _bands(stack)]
    assert sorted(p.name for p in stack.parent.iterdir()) == [
        "green.tif", "green.tif.ovr", "stack.vrt", "swir16.tif", "swir16.tif.ovr"
    ]  # fmt: skip
    # The stack is 1950 px wide: levels 2 and 4 of each file, the 20 m one too.
    assert _levels(stack.parent / "green.tif") == [(1017, 866), (509, 433)]
    assert _levels(stack.parent / "swir16.tif") == [(509, 433), (255, 217)]
    vrt = gdal.Open(str(stack))
    assert [vrt.GetRasterBand(i).GetOverviewCount() for i in (1, 2)] == [2, 2]


def test_the_first_level_holds_the_average_of_each_two_by_two_pixels(stack: Path) -> None:
    add_overviews(stack, _bands(stack))

    full = gdal.Open(str(stack.parent / "green.tif")).ReadAsArray().astype(np.float64)
    ovr = gdal.Open(str(overview_file(stack.parent / "green.tif")))
    first = ovr.ReadAsArray()
    height, width = full.shape  # 1732 x 2034: even, every pixel of the level has four
    average = full.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3))
    assert first.shape == average.shape
    assert np.abs(first - average).max() <= 0.5  # rounded to the band's integers


def test_a_small_stack_and_files_with_overviews_get_none(
    stack: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(overviews, "OVERVIEWS_FROM", 2048)
    assert add_overviews(stack, _bands(stack)) == []
    monkeypatch.setattr(overviews, "OVERVIEWS_FROM", 1024)
    green = stack.parent / "green.tif"
    # inside the file, as a COG downloaded whole (GDAL 3.10 asks before it changes a COG's layout)
    dataset = gdal.OpenEx(str(green), gdal.OF_UPDATE, open_options=["IGNORE_COG_LAYOUT_BREAK=YES"])
    dataset.BuildOverviews("NEAREST", [2])
    dataset = None
    assert add_overviews(stack, _bands(stack)) == [overview_file(stack.parent / "swir16.tif")]
    assert not overview_file(green).exists()


def test_an_ovr_already_there_is_kept(stack: Path) -> None:
    first = add_overviews(stack, _bands(stack))
    stamps = [path.stat().st_mtime_ns for path in first]
    assert add_overviews(stack, _bands(stack)) == []
    assert [path.stat().st_mtime_ns for path in first] == stamps


def _garble_a_tile(path: Path) -> None:
    dataset = gdal.Open(str(path))
    offset = int(dataset.GetRasterBand(1).GetMetadataItem("BLOCK_OFFSET_2_3", "TIFF"))
    dataset = None
    with path.open("r+b") as file:  # the start of its DEFLATE stream: the decoder notices
        file.seek(offset)
        file.write(b"\xff" * 16)


def test_a_band_whose_tiles_do_not_decode_gets_no_ovr_and_the_others_do(stack: Path) -> None:
    green, swir16 = _bands(stack)
    _garble_a_tile(green)

    assert add_overviews(stack, _bands(stack)) == [overview_file(swir16)]
    assert sorted(p.name for p in stack.parent.iterdir()) == [
        "green.tif", "stack.vrt", "swir16.tif", "swir16.tif.ovr"
    ]  # fmt: skip


def test_a_cancel_stops_the_build_and_leaves_no_ovr(stack: Path) -> None:
    asked = []

    def cancel() -> bool:  # pressed once GDAL has read the first piece
        asked.append(1)
        return True

    with pytest.raises(CancelledError):
        add_overviews(stack, _bands(stack), cancel)
    assert sorted(p.name for p in stack.parent.iterdir()) == ["green.tif", "stack.vrt", "swir16.tif"]


def test_gdals_cache_keeps_no_tile_of_the_band_once_read(stack: Path) -> None:
    """A whole scene's band is 240 MB of tiles: the build drops them piece by piece. When the last
    levels are made from the first one, the cache must hold less than the band's tiles alone."""
    green = stack.parent / "green.tif"
    held = []

    def cancel() -> bool:
        held.append(gdal.GetCacheUsed())
        return False

    add_overviews(stack, [green], cancel)
    assert held[-1] < 1732 * 2034 * 2


def test_levels_made_strip_by_strip_are_those_of_the_whole_mask(tmp_path: Path) -> None:
    """Strips of uneven heights, on an odd-sized mask: a row waits for its pair in the next strip,
    and the last row and column stand alone at every level. Each level holds the top-left pixel of
    each 2 x 2 of the level before: codes, never averaged."""
    values = np.random.default_rng(7).integers(0, 3, (517, 389), dtype=np.uint8)
    options = ["TILED=YES", "BLOCKXSIZE=128", "BLOCKYSIZE=128", "COMPRESS=ZSTD"]
    dataset = gdal.GetDriverByName("GTiff").Create(str(tmp_path / "mask.tif"), 389, 517, 1, options=options)
    dataset.BuildOverviews("NONE", [2, 4, 8])
    levels = StripLevels(dataset.GetRasterBand(1))
    row = 0
    for rows in [100, 37, 1, 256, 123]:
        levels.add(values[row : row + rows], last=row + rows == 517)
        row += rows
    dataset.GetRasterBand(1).WriteArray(values)
    del levels
    dataset = None

    mask = gdal.Open(str(tmp_path / "mask.tif"))
    band = mask.GetRasterBand(1)
    for index, factor in enumerate([2, 4, 8]):
        np.testing.assert_array_equal(band.GetOverview(index).ReadAsArray(), values[::factor, ::factor])
