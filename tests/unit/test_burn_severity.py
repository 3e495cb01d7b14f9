"""dNBR and burn severity classes from a pre- and a post-event NBR, on small hand-made GeoTIFFs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, osr

from firstlight_qgis.core import overviews
from firstlight_qgis.core.errors import CancelledError, InputError
from firstlight_qgis.core.indices import (
    BLOCK_ROWS,
    MASK_NODATA,
    SEVERITY_CLASSES,
    IndexResult,
    burn_severity,
)
from tests.support.cogs import read

NAN = np.nan
# The post-event grid: 40 x 30 pixels of 20 m in UTM 22S (southern Brazil), x 500000..500800.
POST_CRS = "EPSG:32722"
POST_GRID = (500000.0, 20.0, 0.0, 7000000.0, 0.0, -20.0)
WIDTH, HEIGHT = 40, 30
# (pre-event NBR, post-event NBR, severity class): one row of the grid each. The class bounds as
# dNBR (pre - post; 0.44 has a test of its own), just below them, burns, regrowth, and no data in
# either NBR.
CASES = [
    (0.1, 0.0, 1),
    (0.27, 0.0, 2),
    (0.66, 0.0, 4),
    (0.0999, 0.0, 0),
    (0.2699, 0.0, 1),
    (0.4399, 0.0, 2),
    (0.6599, 0.0, 3),
    (0.5, 0.35, 1),
    (0.6, 0.25, 2),
    (0.55, -0.05, 3),
    (0.7, -0.5, 4),
    (0.4, 0.4, 0),  # no change
    (0.2, 0.6, 0),  # regrowth: NBR up, dNBR negative
    (-0.1, 0.3, 0),
    (NAN, 0.3, MASK_NODATA),
    (0.3, NAN, MASK_NODATA),
    (NAN, NAN, MASK_NODATA),
]
UNCHANGED = (0.5, 0.5, 0)  # the other rows


def _nbr(path: Path, values: np.ndarray, geotransform=POST_GRID, crs: str = POST_CRS) -> Path:
    """A one-band float32 NBR GeoTIFF holding ``values``, no data NaN, as compute_index writes it."""
    dataset = gdal.GetDriverByName("GTiff").Create(
        str(path), values.shape[1], values.shape[0], 1, gdal.GDT_Float32
    )
    dataset.SetGeoTransform(geotransform)
    dataset.SetProjection(crs)
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(float("nan"))
    band.WriteArray(values)
    dataset = None
    return path


def _pair(folder: Path, pre: np.ndarray, post: np.ndarray) -> tuple[Path, Path]:
    """Pre- and post-event NBR files on the post-event grid."""
    return _nbr(folder / "pre.tif", pre), _nbr(folder / "post.tif", post)


def _run(folder: Path, pre: Path, post: Path, **kwargs) -> dict[str, IndexResult]:
    return burn_severity(post, pre, folder / "out" / "dnbr.tif", folder / "out" / "severity.tif", **kwargs)


def _cases() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pre-event NBR, post-event NBR and the expected classes, one case of ``CASES`` a row."""
    rows = CASES + [UNCHANGED] * (HEIGHT - len(CASES))
    pre, post, classes = (
        np.repeat(np.array(column)[:, None], WIDTH, axis=1) for column in zip(*rows, strict=False)
    )
    return pre.astype(np.float32), post.astype(np.float32), classes.astype(np.uint8)


def _centres(count: int, origin: float, size: float) -> np.ndarray:
    return origin + size * (np.arange(count) + 0.5)


def test_dnbr_is_pre_minus_post_and_every_pixel_gets_its_class_on_one_grid(tmp_path):
    pre, post, classes = _cases()
    results = _run(tmp_path, *_pair(tmp_path, pre, post))
    dnbr, severity = read(results["dnbr"].path), read(results["severity"].path)

    expected = pre - post
    assert dnbr.dtype == np.float32 and severity.dtype == np.uint8
    np.testing.assert_allclose(dnbr, expected, rtol=0, atol=1e-6, equal_nan=True)
    assert np.array_equal(np.isnan(dnbr), np.isnan(pre) | np.isnan(post))
    np.testing.assert_array_equal(severity, classes)

    valid = np.isfinite(expected)
    assert (results["dnbr"].name, results["severity"].name) == ("dnbr", "severity")
    assert results["dnbr"].threshold is None and results["severity"].threshold is None
    for result in results.values():
        assert result.valid_fraction == pytest.approx(valid.mean())
    assert results["dnbr"].positive_fraction == pytest.approx((expected[valid] > 0).mean())
    burned = (classes >= 1) & (classes <= 4)
    assert results["severity"].positive_fraction == pytest.approx(burned.sum() / valid.sum())
    assert results["severity"].positive_fraction < results["dnbr"].positive_fraction  # 0 < dNBR < 0.1
    # The area of each class, for a report: 20 m pixels.
    assert results["severity"].areas_km2 == pytest.approx(
        {name: (classes == code).sum() * 400 / 1e6 for code, name in enumerate(SEVERITY_CLASSES)}
    )
    assert results["dnbr"].areas_km2 is None  # not a coded product


def test_a_dnbr_of_0_44_on_disk_is_moderate_high_as_the_rule_says(tmp_path):
    pre = np.full((HEIGHT, WIDTH), 0.44, dtype=np.float32)
    results = _run(tmp_path, *_pair(tmp_path, pre, np.zeros_like(pre)))
    assert (read(results["dnbr"].path) == np.float32(0.44)).all()
    assert "2 moderate-low (dNBR < 0.44)" in gdal.Open(str(results["severity"].path)).GetMetadataItem(
        "FIRSTLIGHT_RULE"
    )
    assert (read(results["severity"].path) == 3).all()


def test_a_finer_shifted_pre_event_nbr_is_interpolated_onto_the_post_event_grid(tmp_path):
    # The pre-event NBR at 10 m, its pixel centres 2.5 m off the post-event ones, rises 0.00005 a
    # metre eastward and ends at x = 500602.5, three quarters across the post-event grid. Bilinear
    # resampling keeps a linear field (GDAL's kernel lands 0.3 m off: 1.4e-5); nearest neighbour
    # would be 2.5 m off (1.25e-4).
    west, north = 500002.5, 7000012.5
    pre_x = _centres(60, west, 10.0)
    pre = np.tile((0.2 + 0.00005 * (pre_x - 500000)).astype(np.float32), (70, 1))  # past the south edge
    _nbr(tmp_path / "pre.tif", pre, (west, 10.0, 0.0, north, 0.0, -10.0))
    post = np.random.default_rng(3).uniform(-0.5, 0.5, (HEIGHT, WIDTH)).astype(np.float32)
    _nbr(tmp_path / "post.tif", post)

    results = _run(tmp_path, tmp_path / "pre.tif", tmp_path / "post.tif")
    dnbr = read(results["dnbr"].path)

    post_x = _centres(WIDTH, 500000.0, 20.0)
    reached = post_x < west + 60 * 10.0
    assert reached.sum() == 30
    assert np.isnan(dnbr[:, ~reached]).all()
    assert np.isfinite(dnbr[:, reached]).all()
    expected = (0.2 + 0.00005 * (post_x - 500000))[None, :] - post
    inside = slice(1, 30)  # the westmost column's kernel is cut by the pre-event raster's edge
    np.testing.assert_allclose(dnbr[:, inside], expected[:, inside], rtol=0, atol=5e-5)
    assert results["dnbr"].valid_fraction == pytest.approx(30 / 40)
    assert results["severity"].valid_fraction == pytest.approx(30 / 40)
    assert (read(results["severity"].path)[:, ~reached] == MASK_NODATA).all()


def test_a_pre_event_nbr_in_the_next_utm_zone_is_reprojected(tmp_path):
    # Two Sentinel-2 tiles either side of the 54 W zone edge: the post-event grid in zone 22S, the
    # pre-event NBR (constant 0.7) in 21S covering its western half. The zones' grids turn 2.7
    # degrees from each other, so its east edge runs slanted across the post-event grid's columns.
    origin = (200000.0, 20.0, 0.0, 7000000.0, 0.0, -20.0)  # 54.0 W, 27.1 S
    zone22, zone21 = osr.SpatialReference(), osr.SpatialReference()
    zone22.ImportFromEPSG(32722)
    zone21.ImportFromEPSG(32721)
    to21 = osr.CoordinateTransformation(zone22, zone21)
    corners = [to21.TransformPoint(x, y)[:2] for x in (200000.0, 200800.0) for y in (7000000.0, 6999400.0)]
    west, east = min(x for x, _ in corners) - 100, (corners[0][0] + corners[2][0]) / 2
    north, south = max(y for _, y in corners) + 100, min(y for _, y in corners) - 100
    shape = (round((north - south) / 10), round((east - west) / 10))
    pre_grid = (west, 10.0, 0.0, north, 0.0, -10.0)
    _nbr(tmp_path / "pre.tif", np.full(shape, 0.7, np.float32), pre_grid, "EPSG:32721")
    post = np.random.default_rng(4).uniform(-0.5, 0.5, (HEIGHT, WIDTH)).astype(np.float32)
    _nbr(tmp_path / "post.tif", post, origin)

    results = _run(tmp_path, tmp_path / "pre.tif", tmp_path / "post.tif")
    dnbr = read(results["dnbr"].path)

    x, y = np.meshgrid(_centres(WIDTH, 200000.0, 20.0), _centres(HEIGHT, 7000000.0, -20.0))
    east_of_edge = np.array([to21.TransformPoint(*p)[0] for p in zip(x.ravel(), y.ravel(), strict=True)])
    beyond = (east_of_edge.reshape(x.shape) - (west + shape[1] * 10)) / 20  # in post-event pixels
    assert 0.5 < np.ptp(beyond[:, 20]) < 2  # slanted: 1.4 pixels east-west from top to bottom
    clear = np.abs(beyond) > 1
    inside, outside = clear & (beyond < 0), clear & (beyond > 0)
    np.testing.assert_allclose(dnbr[inside], (np.float32(0.7) - post)[inside], rtol=0, atol=1e-6)
    assert np.isnan(dnbr[outside]).all()
    assert 0.4 < results["dnbr"].valid_fraction < 0.6


def test_a_pre_event_nbr_of_the_same_pixel_size_in_the_next_zone_is_plain_bilinear(tmp_path):
    """Across zones the warp worked out a scale a little under 1 per chunk, which widened the
    bilinear kernel into a blur (dNBR up to 0.14 off): held at 1, it is GDAL's plain bilinear
    warp into memory, as gdalwarp -r bilinear gives."""
    width, height = 300, 300
    origin = (200000.0, 20.0, 0.0, 7000000.0, 0.0, -20.0)  # zone 22S, at its west edge
    y, x = np.mgrid[0:height, 0:width]
    pre = (0.6 * np.sin(x / 3.0) * np.cos(y / 4.0)).astype(np.float32)  # detail at the pixel's scale
    _nbr(tmp_path / "pre22.tif", pre, origin)
    gdal.Warp(str(tmp_path / "pre.tif"), str(tmp_path / "pre22.tif"), dstSRS="EPSG:32721",
              xRes=20, yRes=20, targetAlignedPixels=True, resampleAlg="near")  # fmt: skip
    post = np.zeros((height, width), np.float32)
    _nbr(tmp_path / "post.tif", post, origin)

    dnbr = read(_run(tmp_path, tmp_path / "pre.tif", tmp_path / "post.tif")["dnbr"].path)

    bounds = (origin[0], origin[3] - 20 * height, origin[0] + 20 * width, origin[3])
    plain = gdal.Warp("", str(tmp_path / "pre.tif"), format="MEM", outputBounds=bounds, width=width,
                      height=height, dstSRS=POST_CRS, resampleAlg="bilinear", dstNodata=NAN)  # fmt: skip
    expected = plain.GetRasterBand(1).ReadAsArray()
    both = ~np.isnan(expected) & ~np.isnan(dnbr)
    assert both.mean() > 0.9
    np.testing.assert_allclose(dnbr[both], expected[both], rtol=0, atol=1e-3)


def test_outputs_describe_themselves_and_sit_on_the_post_event_grid(tmp_path):
    pre, post, _ = _cases()
    results = _run(tmp_path, *_pair(tmp_path, pre, post))
    grid = gdal.Open(str(tmp_path / "post.tif"))

    dnbr, severity = gdal.Open(str(results["dnbr"].path)), gdal.Open(str(results["severity"].path))
    for dataset in (dnbr, severity):
        assert (dataset.RasterXSize, dataset.RasterYSize, dataset.RasterCount) == (WIDTH, HEIGHT, 1)
        assert dataset.GetGeoTransform() == grid.GetGeoTransform()
        assert dataset.GetSpatialRef().IsSame(grid.GetSpatialRef())
    band = dnbr.GetRasterBand(1)
    assert band.GetDescription() == "dnbr"
    assert band.DataType == gdal.GDT_Float32
    assert np.isnan(band.GetNoDataValue())
    assert dnbr.GetMetadataItem("FIRSTLIGHT_INDEX") == "dnbr"
    assert dnbr.GetMetadataItem("FIRSTLIGHT_FORMULA") == "NBR(pre-event) - NBR(post-event)"
    for dataset in (dnbr, severity):  # each layer says what it came from, opened alone too
        assert dataset.GetMetadataItem("FIRSTLIGHT_PRE_EVENT") == "pre.tif"
        assert dataset.GetMetadataItem("FIRSTLIGHT_POST_EVENT") == "post.tif"
    band = severity.GetRasterBand(1)
    assert band.GetDescription() == "severity"
    assert band.DataType == gdal.GDT_Byte
    assert band.GetNoDataValue() == MASK_NODATA
    assert severity.GetMetadataItem("FIRSTLIGHT_PRODUCT") == "burn_severity"
    assert severity.GetMetadataItem("FIRSTLIGHT_RULE") == (
        "0 unburned (dNBR < 0.1), 1 low (dNBR < 0.27), 2 moderate-low (dNBR < 0.44), "
        "3 moderate-high (dNBR < 0.66), 4 high, 255 no data"
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["dnbr.tif", "severity.tif"]


@pytest.mark.parametrize("strips_let_through", [0, 1], ids=["at once", "after a strip"])
def test_a_cancelled_run_raises_and_leaves_no_output(tmp_path, strips_let_through):
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > strips_let_through

    height = BLOCK_ROWS + 10  # two strips
    pre, post = np.full((height, WIDTH), 0.6, np.float32), np.full((height, WIDTH), 0.1, np.float32)
    with pytest.raises(CancelledError):
        _run(tmp_path, *_pair(tmp_path, pre, post), cancel=cancel)
    assert len(calls) == strips_let_through + 1
    assert list((tmp_path / "out").iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "post.tif", "pre.tif"]


def test_a_large_grid_gets_overviews_in_the_severity_file_only(tmp_path):
    # More than OVERVIEWS_FROM pixels on a side (factors_for: the longer side), as the water mask:
    # the classes' levels hold the top-left pixel of each 2 x 2; the float dNBR gets none.
    width = overviews.OVERVIEWS_FROM + 52
    pre = np.tile(np.linspace(-0.2, 0.9, width, dtype=np.float32), (40, 1))  # every class, west to east
    results = _run(tmp_path, *_pair(tmp_path, pre, np.zeros_like(pre)))

    assert gdal.Open(str(results["dnbr"].path)).GetRasterBand(1).GetOverviewCount() == 0
    severity = gdal.Open(str(results["severity"].path))
    band = severity.GetRasterBand(1)
    full = band.ReadAsArray()
    assert set(np.unique(full)) == {0, 1, 2, 3, 4}
    assert band.GetOverviewCount() == 3  # 1050, 525 and 263 pixels wide: down to 256
    for number, factor in enumerate((2, 4, 8)):
        np.testing.assert_array_equal(band.GetOverview(number).ReadAsArray(), full[::factor, ::factor])


@pytest.mark.parametrize("missing", ["pre-event NBR", "post-event NBR"])
def test_an_unreadable_nbr_is_an_input_error_naming_it(tmp_path, missing):
    pre, post, _ = _cases()
    pre_path, post_path = _pair(tmp_path, pre, post)
    unreadable = pre_path if missing == "pre-event NBR" else post_path
    unreadable.write_text("not a raster")
    with pytest.raises(InputError, match=f"Cannot open the {missing} {unreadable.name}"):
        _run(tmp_path, pre_path, post_path)
    gone = tmp_path / "gone.tif"
    with pytest.raises(InputError, match=f"Cannot open the {missing} gone.tif"):
        _run(tmp_path, *((gone, post_path) if missing == "pre-event NBR" else (pre_path, gone)))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["post.tif", "pre.tif"]
