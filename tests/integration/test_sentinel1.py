"""A flood seen by Sentinel-1, through ``discover`` and ``ingest_scene``, from a local catalog of two
Planetary Computer RTC items over the bundled sample's river (``tests/support/sentinel1.py``): the
river in its bed, then risen out of it. Water through the speckle, and the flood told apart from
the river."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import Scene, discover
from firstlight_qgis.core.figures import manifest_figures, scene_figures
from firstlight_qgis.core.ingest import ingest_scene
from tests.support.sample import SAMPLE
from tests.support.sentinel1 import (
    AFTER_ID,
    BEFORE_ID,
    risen,
    river,
    seen,
    sentinel1_catalog,
    sentinel1_scene,
)
from tools.make_sample import wgs84_ring

pytestmark = pytest.mark.integration

FLOOD = "flood.riverine"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sentinel1_catalog(tmp_path_factory.mktemp("sentinel1"))


@pytest.fixture(scope="module")
def area():
    """The whole sample, the swath's edge with it."""
    ring = wgs84_ring(gdal.Open(str(SAMPLE / "nir.tif")), inset=0)
    return parse_area({"type": "Polygon", "coordinates": [ring]})


def scene(catalog: Path, area, month: str) -> Scene:
    [found] = discover(area, FLOOD, f"{month}-01", f"{month}-28", catalog=str(catalog))
    return found


def read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


def test_the_water_of_a_sentinel1_scene_is_the_river_through_the_speckle(catalog, area, tmp_path) -> None:
    found = scene(catalog, area, "2018-12")
    assert (found.id, found.source) == (BEFORE_ID, "sentinel1")

    result = ingest_scene(found, tmp_path, area=area, event=FLOOD)

    stack = gdal.Open(str(result.stack.path))
    assert [stack.GetRasterBand(n).GetDescription() for n in (1, 2)] == ["vv", "vh"]
    mask = read(result.water_mask.path)
    assert mask.shape == river().shape  # the sample's own grid
    inside, water = seen(mask.shape), river()
    assert np.array_equal(mask == 255, ~inside)
    wrong = (mask == 1) != water
    # Pixel by pixel, the speckle would make 1.5 % of the pixels wrong (false water in the fields);
    # through the median, 0.2 %.
    vv = stack.GetRasterBand(1).ReadAsArray()
    alone = 10 * np.log10(np.where(inside, vv, np.nan)) < -18
    assert (alone != water)[inside].mean() > 0.01
    assert wrong[inside].mean() < 0.003
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["indices"]["water"]["speckle_window"] == 3
    assert manifest["indices"]["water"]["positive_km2"] == pytest.approx((mask == 1).sum() * 4e-4)


def test_the_sentinel1_flood_is_the_land_under_water_that_was_dry(catalog, area, tmp_path) -> None:
    before, after = scene(catalog, area, "2018-12"), scene(catalog, area, "2019-01")
    pre = ingest_scene(before, tmp_path, area=area, event=FLOOD)
    post = ingest_scene(after, tmp_path, area=area, event=FLOOD, pre_event=pre)

    flood = read(post.indices["flood"].path)
    inside, water = seen(flood.shape), river()
    flooded = risen(water) & ~water
    assert np.array_equal(flood == 255, ~inside)
    got = flood == 1
    overlap = (got & flooded)[inside].sum() / (got | flooded)[inside].sum()
    assert overlap > 0.85, overlap  # 0.92: the speckle left at the edges of both scenes' water
    assert ((flood == 2) == water)[inside].mean() > 0.995  # the river in its bed: water before too
    manifest = json.loads(post.manifest_path.read_text(encoding="utf-8"))
    assert manifest["pre_event"]["scene"] == BEFORE_ID
    assert post.indices["flood"].areas_km2["flooded"] == pytest.approx(got.sum() * 4e-4)
    assert AFTER_ID in str(post.indices["flood"].path)

    # The figures of the two, by date, as OUTPUT_TABLE gives them.
    rows = scene_figures([(after, post), (before, pre)], before)
    assert [(row.scene_id, row.date, row.role) for row in rows] == [
        (BEFORE_ID, "2018-12-10", "before"),
        (AFTER_ID, "2019-01-03", "event"),
    ]
    assert set(rows[0].marks) == {"water"} and set(rows[1].marks) == {"water", "flood"}
    flooded_percent, flooded_km2 = rows[1].marks["flood"]
    assert flooded_km2 == pytest.approx(got.sum() * 4e-4)
    assert flooded_percent == pytest.approx(100 * got.sum() / inside.sum())
    assert rows[1].seen_percent == pytest.approx(100 * inside.mean())  # its water mask's: the swath
    # The dock reads the same from the manifests; a scene without one has no row.
    assert manifest_figures(tmp_path, [AFTER_ID, "not-ingested", BEFORE_ID]) == rows


def test_a_vv_only_product_serves_a_flood(area, tmp_path) -> None:
    """A single-polarisation product (VV alone, as Planetary Computer holds some) was refused for
    lacking VH, which the water mask never reads: its water is the dual product's, pixel for pixel,
    and its quicklook is VV in grey."""
    item = sentinel1_scene(tmp_path / "scene", BEFORE_ID, "2018-12-10T08:51:00Z", river(), 1, "./scene/")
    dual = tmp_path / "dual.json"
    dual.write_text(json.dumps({"type": "FeatureCollection", "features": [item]}), encoding="utf-8")
    del item["assets"]["vh"]
    item["properties"]["sar:polarizations"] = ["VV"]
    single = tmp_path / "single.json"
    single.write_text(json.dumps({"type": "FeatureCollection", "features": [item]}), encoding="utf-8")

    both = ingest_scene(scene(dual, area, "2018-12"), tmp_path / "dual", area=area, event=FLOOD)
    found = scene(single, area, "2018-12")
    assert found.missing_bands == ["vh"]
    alone = ingest_scene(found, tmp_path / "single", area=area, event=FLOOD)
    assert np.array_equal(read(alone.water_mask.path), read(both.water_mask.path))
    assert alone.quicklook_path is not None and alone.quicklook_path.is_file()
