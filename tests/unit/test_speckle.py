"""The Sentinel-1 water mask's speckle filter: the median of the window around each pixel, strip by
strip, checked against a median taken by sorting, and against the real river of the Uruguay
fixture under simulated speckle."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view
from osgeo import gdal

from firstlight_qgis.core import speckle
from firstlight_qgis.core.errors import InputError
from firstlight_qgis.core.indices import BLOCK_ROWS, sar_water_mask
from firstlight_qgis.core.speckle import majority
from tests.conftest import URUGUAY

LOOKS = 4.4  # Sentinel-1 IW GRD's equivalent number of looks
THRESHOLD_DB = -18.0


def _median_below(decibel: np.ndarray, window: int, threshold: float) -> np.ndarray:
    """Whether the median of the valid (not NaN) values of the window around each pixel is below
    ``threshold``, by sorting them (the upper median of an even count)."""
    half = window // 2
    padded = np.pad(decibel, half, constant_values=np.nan)
    windows = sliding_window_view(padded, (window, window)).reshape(*decibel.shape, window * window)
    ordered = np.sort(windows, axis=-1)  # NaN last
    count = np.isfinite(windows).sum(axis=-1)
    median = np.take_along_axis(ordered, (count // 2)[..., None], axis=-1)[..., 0]
    return np.isfinite(decibel) & (median < threshold)


def _write_vv(path: Path, power: np.ndarray, transform: tuple, projection: str) -> Path:
    height, width = power.shape
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), width, height, 1, gdal.GDT_Float32)
    dataset.SetGeoTransform(transform)
    dataset.SetProjection(projection)
    band = dataset.GetRasterBand(1)
    band.WriteArray(power.astype(np.float32))
    band.SetNoDataValue(-32768)
    band.SetDescription("vv")
    dataset = None
    return path


def _mask(result) -> np.ndarray:
    return gdal.Open(str(result.path)).ReadAsArray()


@pytest.mark.parametrize("window", [3, 5, 7, 15])
def test_the_majority_is_the_median_below_the_threshold(window):
    rng = np.random.default_rng(window)
    decibel = rng.normal(-18, 4, (40, 33))
    decibel[rng.random(decibel.shape) < 0.2] = np.nan  # no data, counted neither way
    decibel[:9, :9] = np.nan
    valid = np.isfinite(decibel)
    voted = majority(valid & (decibel < THRESHOLD_DB), valid, window) & valid
    np.testing.assert_array_equal(voted, _median_below(decibel, window, THRESHOLD_DB))


def test_the_water_mask_is_filtered_strip_by_strip_as_over_the_whole(tmp_path):
    """Taller than two strips: every strip's window reaches into the strips around it."""
    rng = np.random.default_rng(1)
    height = 2 * BLOCK_ROWS + 77
    power = 10 ** (rng.normal(-18, 3, (height, 61)) / 10)
    power[BLOCK_ROWS - 3 : BLOCK_ROWS + 2, 10:30] = -32768  # no data across a strip's edge
    power[:, 0] = 0  # no backscatter measured
    stack = _write_vv(tmp_path / "s1.tif", power, (600000, 10, 0, 6000000, 0, -10), "EPSG:32721")
    decibel = 10 * np.log10(np.where(power > 0, power, np.nan))

    result = sar_water_mask(stack, tmp_path / "water.tif", speckle_window=5)

    mask = _mask(result)
    water = _median_below(decibel, 5, THRESHOLD_DB)
    np.testing.assert_array_equal(mask, np.where(np.isfinite(decibel), water.astype(np.uint8), 255))
    assert result.positive_fraction == pytest.approx(water.sum() / np.isfinite(decibel).sum())
    assert result.speckle_window == 5
    metadata = gdal.Open(str(result.path)).GetMetadata()
    assert metadata["FIRSTLIGHT_SPECKLE_FILTER"] == "median 5x5"


def test_no_filter_thresholds_each_pixel_alone(tmp_path):
    rng = np.random.default_rng(2)
    power = 10 ** (rng.normal(-18, 3, (50, 40)) / 10)
    stack = _write_vv(tmp_path / "s1.tif", power, (600000, 10, 0, 6000000, 0, -10), "EPSG:32721")

    result = sar_water_mask(stack, tmp_path / "water.tif", speckle_window=0)

    np.testing.assert_array_equal(_mask(result), (10 * np.log10(power) < THRESHOLD_DB).astype(np.uint8))
    assert result.speckle_window == 0
    assert gdal.Open(str(result.path)).GetMetadataItem("FIRSTLIGHT_SPECKLE_FILTER") == "none"


@pytest.mark.parametrize("window", [2, 4, -3, 17])
def test_a_window_that_is_not_odd_or_too_large_is_refused(tmp_path, window):
    stack = _write_vv(tmp_path / "s1.tif", np.ones((4, 4)), (0, 10, 0, 0, 0, -10), "EPSG:32721")
    with pytest.raises(InputError, match=f"from 3 to 15, or 0 for none; {window} is not"):
        sar_water_mask(stack, tmp_path / "water.tif", speckle_window=window)
    assert not (tmp_path / "water.tif").exists()


def test_speckle_over_a_real_river_is_filtered_out(tmp_path):
    """The Uruguay fixture's river and fields (water where its NDWI is positive) as Sentinel-1 would
    see them: water at -22 dB, wet fields at -15 to -9 dB after their NIR, each pixel times the
    speckle of 4.4 looks (a gamma variable of mean 1)."""
    green = gdal.Open(str(URUGUAY / "B3_20m_20181224.tif"))
    nir_values = gdal.Open(str(URUGUAY / "B8_20m_20181224.tif")).ReadAsArray().astype(np.float64)
    green_values = green.ReadAsArray().astype(np.float64)
    river = green_values - nir_values > 0
    fields_db = -15 + 6 * nir_values / nir_values.max()
    rng = np.random.default_rng(7)
    power = 10 ** (np.where(river, -22.0, fields_db) / 10) * rng.gamma(LOOKS, 1 / LOOKS, river.shape)
    stack = _write_vv(tmp_path / "s1.tif", power, green.GetGeoTransform(), green.GetProjection())

    def wrong(window: int) -> tuple[int, int]:
        mask = _mask(sar_water_mask(stack, tmp_path / f"water{window}.tif", speckle_window=window)) == 1
        return int((mask & ~river).sum()), int((~mask & river).sum())

    (false_water, holes), (false_water_filtered, holes_filtered) = wrong(0), wrong(speckle.WINDOW)
    # Pixel by pixel, 2.7 % of the pixels are wrong, most of them false water in the fields.
    assert (false_water + holes) / river.size > 0.02
    assert false_water_filtered < false_water / 10
    assert false_water_filtered + holes_filtered < (false_water + holes) / 8
    assert holes_filtered < 2 * holes  # the river's narrow channels are kept
