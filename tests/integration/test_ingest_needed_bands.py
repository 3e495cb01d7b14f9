"""An ingest needs the bands of its event's indices, not every band of the sensor: a catalog that
keeps Sentinel-2's 10 m bands only serves a drought (NDVI: red, near infrared), and a flood's
refusal names only what a flood reads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from osgeo import gdal

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.errors import BandResolutionError
from firstlight_qgis.core.ingest import ingest_scene
from tests.support.sample import ITEM_ID, SAMPLE, copy_sample, item_of

pytestmark = pytest.mark.integration


@pytest.fixture
def ten_metres_only(tmp_path: Path) -> Path:
    """A local catalog of the sample whose item lacks its two shortwave infrared bands."""
    item = item_of(copy_sample(tmp_path / "scene"), ITEM_ID, "2018-12-24T13:37:00Z", "./scene/")
    for key in ("swir16", "swir22"):
        del item["assets"][key]
    catalog = tmp_path / "items.json"
    catalog.write_text(json.dumps({"type": "FeatureCollection", "features": [item]}), encoding="utf-8")
    return catalog


def test_a_drought_needs_no_shortwave_infrared(ten_metres_only: Path, tmp_path: Path) -> None:
    area = parse_area(SAMPLE / "area.geojson")
    [scene] = discover(area, "drought.vegetation", "2018-12-01", "2018-12-31", catalog=str(ten_metres_only))
    assert scene.missing_bands == ["swir16", "swir22"]
    result = ingest_scene(scene, tmp_path / "out", area=area, event="drought.vegetation")
    assert list(result.indices) == ["ndvi"] and result.indices["ndvi"].valid_fraction > 0.99
    stack = gdal.Open(str(result.stack.path))
    names = [stack.GetRasterBand(i).GetDescription() for i in range(1, stack.RasterCount + 1)]
    assert names == ["blue", "green", "red", "nir"]


def test_a_flood_is_refused_for_the_band_it_reads(ten_metres_only: Path, tmp_path: Path) -> None:
    area = parse_area(SAMPLE / "area.geojson")
    [scene] = discover(area, "flood.riverine", "2018-12-01", "2018-12-31", catalog=str(ten_metres_only))
    with pytest.raises(BandResolutionError) as raised:
        ingest_scene(scene, tmp_path / "out", area=area, event="flood.riverine")
    assert str(raised.value) == (
        f"Scene {ITEM_ID} lacks the band(s) swir16 that flood.riverine needs; pick another scene or catalog."
    )
