"""The grid of a mosaic: the first raster's CRS and pixel lattice, grown over rasters of another
UTM zone; and what it refuses."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.errors import InputError
from firstlight_qgis.core.mosaic import mosaic
from tests.support.cogs import read

GRID = (500000.0, 20.0, 0.0, 7000000.0, 0.0, -20.0)  # UTM 22S


def _mask(path: Path, codes: np.ndarray, geotransform=GRID, crs: str = "EPSG:32722") -> Path:
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), codes.shape[1], codes.shape[0], 1, gdal.GDT_Byte
    )
    dataset.SetGeoTransform(geotransform)
    dataset.SetProjection(crs)
    dataset.GetRasterBand(1).SetNoDataValue(255)
    dataset.GetRasterBand(1).SetDescription("water")
    dataset.GetRasterBand(1).WriteArray(codes)
    dataset = None
    return path


def test_a_raster_of_another_zone_is_placed_on_the_first_ones_lattice(tmp_path: Path) -> None:
    first = _mask(tmp_path / "first.tif", np.zeros((20, 20), np.uint8))  # dry, 400 m square
    # Water east of it, written in UTM 21S: the next zone west, as a neighbouring tile may be.
    east = _mask(tmp_path / "east22.tif", np.ones((20, 20), np.uint8), (500400.0, *GRID[1:]))
    gdal.Warp(str(tmp_path / "east21.tif"), str(east), dstSRS="EPSG:32721", xRes=20, yRes=20)

    result = mosaic([first, tmp_path / "east21.tif"], tmp_path / "water.tif", "water")
    dataset = gdal.Open(str(result.path))
    assert dataset.GetSpatialRef().GetAuthorityCode(None) == "32722"
    west, cell, _, north, _, _ = dataset.GetGeoTransform()
    assert cell == 20.0 and (west - GRID[0]) % 20 == 0 and (north - GRID[3]) % 20 == 0
    values = read(result.path)
    column, row = round((GRID[0] - west) / 20), round((north - GRID[3]) / 20)
    np.testing.assert_array_equal(values[row : row + 20, column : column + 20], 0)  # the first, exactly
    beside = values[row + 2 : row + 18, column + 22 : column + 38]
    assert (beside == 1).all()  # the other zone's water, on the first's grid
    assert result.areas_km2["water"] == pytest.approx((values == 1).sum() * 400 / 1e6)
    assert 0.13 < result.areas_km2["water"] < 0.19  # about its 0.16 km², counted once


def test_one_raster_or_rasters_of_two_kinds_are_refused(tmp_path: Path) -> None:
    mask = _mask(tmp_path / "water.tif", np.zeros((4, 4), np.uint8))
    with pytest.raises(InputError, match="two rasters at least, not 1"):
        mosaic([mask], tmp_path / "one.tif", "water")
    index = tmp_path / "ndwi.tif"
    gdal.Translate(str(index), str(mask), outputType=gdal.GDT_Float32)
    with pytest.raises(InputError, match="differ in bands or pixel type"):
        mosaic([mask, index], tmp_path / "two.tif", "water")
    assert not (tmp_path / "one.tif").exists() and not (tmp_path / "two.tif").exists()
