"""A change (dNBR, flood extent) refuses rasters it cannot compare, before it writes anything."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.errors import InputError
from firstlight_qgis.core.indices import burn_severity, flood_extent, sensor_caveat
from tests.support.cogs import read

CRS = "EPSG:32722"
GRID = (500000.0, 20.0, 0.0, 7000000.0, 0.0, -20.0)
SIZE = 16


def _raster(
    path: Path,
    data_type: int = gdal.GDT_Float32,
    *,
    bands: int = 1,
    metadata: dict[str, str] | None = None,
    crs: str = CRS,
    geotransform: tuple[float, ...] = GRID,
) -> Path:
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), SIZE, SIZE, bands, data_type)
    dataset.SetGeoTransform(geotransform)
    if crs:
        dataset.SetProjection(crs)
    dataset.SetMetadata(metadata or {})
    for number in range(1, bands + 1):
        dataset.GetRasterBand(number).Fill(1 if data_type == gdal.GDT_Byte else 0.25)
    dataset = None
    return path


def _nbr(path: Path, **kwargs) -> Path:
    return _raster(path, metadata={"FIRSTLIGHT_INDEX": "nbr"}, **kwargs)


def _mask(path: Path, product: str = "water_mask") -> Path:
    return _raster(path, gdal.GDT_Byte, metadata={"FIRSTLIGHT_PRODUCT": product})


def _burn(folder: Path, pre: Path, post: Path) -> None:
    burn_severity(post, pre, folder / "dnbr.tif", folder / "severity.tif")


def _flood(folder: Path, pre: Path, post: Path) -> None:
    flood_extent(post, pre, folder / "flood.tif")


@pytest.mark.parametrize(
    ("make_post", "message"),
    [
        (
            lambda p: _raster(p, bands=6),
            "The post-event NBR post.tif has 6 bands, not one: give the NBR itself, not the stack",
        ),
        (
            lambda p: _raster(p, metadata={"FIRSTLIGHT_INDEX": "ndwi"}),
            "The post-event NBR post.tif is FirstLight's NDWI, not an NBR: give the NBR.",
        ),
        (
            lambda p: _raster(p, metadata={"FIRSTLIGHT_INDEX": "dnbr"}),
            "The post-event NBR post.tif is FirstLight's DNBR, not an NBR",
        ),
        (_mask, "The post-event NBR post.tif is FirstLight's water mask, not an NBR: give the NBR."),
        (
            lambda p: _raster(p, gdal.GDT_Int16),
            "The post-event NBR post.tif holds whole numbers, not NBR values (-1 to 1): give the NBR.",
        ),
        (
            lambda p: _nbr(p, crs=""),
            "The post-event NBR post.tif has no coordinate reference system: assign it one first.",
        ),
    ],
    ids=["stack", "ndwi", "dnbr", "water-mask", "integers", "no-crs"],
)
def test_a_burn_refuses_what_is_not_an_nbr(tmp_path: Path, make_post, message: str) -> None:
    pre, post = _nbr(tmp_path / "pre.tif"), make_post(tmp_path / "post.tif")
    with pytest.raises(InputError, match="^" + re.escape(message)):
        _burn(tmp_path / "out", pre, post)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("make_pre", "message"),
    [
        (
            lambda p: _raster(p, metadata={"FIRSTLIGHT_INDEX": "ndwi"}),
            "The pre-event water mask pre.tif is FirstLight's NDWI, not a water mask: give the water mask.",
        ),
        (
            lambda p: _raster(p),
            "The pre-event water mask pre.tif holds fractional values, not a water mask's codes "
            "(0 dry, 1 water, 255 no data): give the water mask.",
        ),
        (
            lambda p: _mask(p, "flood_extent"),
            "The pre-event water mask pre.tif is FirstLight's flood extent, not a water mask",
        ),
    ],
    ids=["ndwi", "fractional", "flood-extent"],
)
def test_a_flood_refuses_what_is_not_a_water_mask(tmp_path: Path, make_pre, message: str) -> None:
    pre, post = make_pre(tmp_path / "pre.tif"), _mask(tmp_path / "post.tif")
    with pytest.raises(InputError, match="^" + re.escape(message)):
        _flood(tmp_path / "out", pre, post)
    assert not (tmp_path / "out").exists()


def test_rasters_of_two_places_are_refused(tmp_path: Path) -> None:
    elsewhere = (GRID[0] + SIZE * 20.0 * 3, *GRID[1:])
    pre = _nbr(tmp_path / "pre.tif", geotransform=elsewhere)
    post = _nbr(tmp_path / "post.tif")
    with pytest.raises(
        InputError, match=r"^The pre-event NBR pre\.tif and the post-event NBR post\.tif do not overlap"
    ):
        _burn(tmp_path / "out", pre, post)
    assert not (tmp_path / "out").exists()


def test_rasters_that_only_touch_are_refused_and_overlapping_ones_in_another_crs_are_taken(
    tmp_path: Path,
) -> None:
    post = _nbr(tmp_path / "post.tif")
    beside = _nbr(tmp_path / "beside.tif", geotransform=(GRID[0] + SIZE * 20.0, *GRID[1:]))
    with pytest.raises(InputError, match="do not overlap"):
        _burn(tmp_path / "out", beside, post)
    # The same place in geographic coordinates: 500000 E, 7000000 N in UTM 22S is 51 W, about 27.1 S.
    west, north = -51.0, -27.1
    geographic = _nbr(
        tmp_path / "geographic.tif", crs="EPSG:4326", geotransform=(west, 0.01, 0.0, north, 0.0, -0.01)
    )
    _burn(tmp_path / "out", geographic, post)
    assert (tmp_path / "out" / "dnbr.tif").is_file()


def test_the_masks_of_sentinel_1_and_rasters_without_firstlight_metadata_are_taken(tmp_path: Path) -> None:
    flood_extent(
        _mask(tmp_path / "post.tif", "sar_water_mask"),
        _raster(tmp_path / "pre.tif", gdal.GDT_Byte),
        tmp_path / "flood.tif",
    )
    assert read(tmp_path / "flood.tif").tolist() == np.full((SIZE, SIZE), 2).tolist()  # water before too


@pytest.mark.parametrize(
    ("dnbr", "severity", "message"),
    [
        (
            "post.tif",
            "severity.tif",
            "The output post.tif is also the post-event NBR: writing it would replace",
        ),
        ("dnbr.tif", "pre.tif", "The output pre.tif is also the pre-event NBR"),
        ("same.tif", "same.tif", "The output same.tif is also another output"),
    ],
    ids=["post-event", "pre-event", "each-other"],
)
def test_no_output_replaces_an_input_or_the_other_output(
    tmp_path: Path, dnbr: str, severity: str, message: str
) -> None:
    pre, post = _nbr(tmp_path / "pre.tif"), _nbr(tmp_path / "post.tif")
    before = {path: path.read_bytes() for path in (pre, post)}
    with pytest.raises(InputError, match="^" + re.escape(message)):
        burn_severity(post, pre, tmp_path / dnbr, tmp_path / severity)
    assert {path: path.read_bytes() for path in (pre, post)} == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["post.tif", "pre.tif"]


def test_nbrs_of_two_sensors_come_with_a_caveat(tmp_path: Path) -> None:
    def nbr(name: str, sensor: str | None) -> Path:
        metadata = {"FIRSTLIGHT_INDEX": "nbr", **({"FIRSTLIGHT_SENSOR": sensor} if sensor else {})}
        return _raster(tmp_path / name, metadata=metadata)

    landsat, sentinel2 = nbr("landsat.tif", "landsat"), nbr("s2.tif", "sentinel2")
    assert sensor_caveat(landsat, sentinel2) == (
        "dNBR compares the NBR of a Landsat scene (before) with that of a Sentinel-2 scene (after): "
        "their bands differ, so dNBR carries a small bias and the severity classes hold less exactly; "
        "prefer two scenes of one sensor."
    )
    assert sensor_caveat(sentinel2, nbr("s2_later.tif", "sentinel2")) is None
    assert sensor_caveat(landsat, nbr("unknown.tif", None)) is None  # another tool's NBR says nothing
