"""The flood extent from a pre- and a post-event water mask, on small hand-made GeoTIFFs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.errors import CancelledError
from firstlight_qgis.core.indices import FLOOD_CLASSES, MASK_NODATA, flood_extent
from tests.support.cogs import read

GRID = (500000.0, 20.0, 0.0, 7000000.0, 0.0, -20.0)  # 20 m in UTM 22S
CRS = "EPSG:32722"
N = MASK_NODATA
# (water before, water after, flood class): every combination, one per column.
CASES = [(0, 0, 0), (0, 1, 1), (1, 1, 2), (1, 0, 0), (N, 1, N), (1, N, N), (N, N, N), (0, N, N)]


def _mask(path: Path, codes: np.ndarray, geotransform=GRID) -> Path:
    """A water mask as ``water_mask`` writes it: uint8, 1 water, 0 dry, 255 no data."""
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), codes.shape[1], codes.shape[0], 1, gdal.GDT_Byte
    )
    dataset.SetGeoTransform(geotransform)
    dataset.SetProjection(CRS)
    dataset.GetRasterBand(1).SetNoDataValue(MASK_NODATA)
    dataset.GetRasterBand(1).WriteArray(codes)
    dataset = None
    return path


def test_every_pair_of_codes_gets_its_class(tmp_path: Path) -> None:
    before, after, expected = (
        np.tile(np.array(column, np.uint8), (6, 1)) for column in zip(*CASES, strict=True)
    )
    result = flood_extent(
        _mask(tmp_path / "after.tif", after), _mask(tmp_path / "before.tif", before), tmp_path / "flood.tif"
    )
    flood = read(result.path)
    np.testing.assert_array_equal(flood, expected)
    valid = expected != N
    assert result.valid_fraction == pytest.approx(valid.mean())
    assert result.positive_fraction == pytest.approx((expected == 1).sum() / valid.sum())
    pixel_km2 = 20 * 20 / 1e6
    assert result.areas_km2 == pytest.approx(
        {name: (expected == code).sum() * pixel_km2 for code, name in enumerate(FLOOD_CLASSES)}
    )
    assert result.areas_km2["flooded"] == pytest.approx(6 * pixel_km2)  # one column of six rows
    dataset = gdal.Open(str(result.path))
    assert dataset.GetRasterBand(1).GetDescription() == "flood"
    assert dataset.GetRasterBand(1).GetNoDataValue() == N
    assert dataset.GetMetadataItem("FIRSTLIGHT_RULE") == "0 dry, 1 flooded, 2 water before, 255 no data"
    assert dataset.GetMetadataItem("FIRSTLIGHT_PRE_EVENT") == "before.tif"


def test_a_pre_event_mask_on_another_grid_is_read_nearest_and_no_data_beyond_it(tmp_path: Path) -> None:
    after = np.ones((10, 10), np.uint8)  # all water now
    # Before: 10 m pixels, the west half of the post-event grid only; dry west of x = 500060, water east.
    before = np.zeros((20, 10), np.uint8)
    before[:, 6:] = 1
    result = flood_extent(
        _mask(tmp_path / "after.tif", after),
        _mask(tmp_path / "before.tif", before, (500000.0, 10.0, 0.0, 7000000.0, 0.0, -10.0)),
        tmp_path / "flood.tif",
    )
    flood = read(result.path)
    assert (flood[:, :3] == 1).all()  # dry before: flooded
    assert (flood[:, 3:5] == 2).all()  # water before too
    assert (flood[:, 5:] == N).all()  # beyond the pre-event mask: unknown


def test_a_cancel_leaves_nothing(tmp_path: Path) -> None:
    codes = np.zeros((10, 10), np.uint8)
    with pytest.raises(CancelledError):
        flood_extent(
            _mask(tmp_path / "after.tif", codes),
            _mask(tmp_path / "before.tif", codes),
            tmp_path / "out" / "flood.tif",
            cancel=lambda: True,
        )
    assert not list(tmp_path.glob("out/*"))
