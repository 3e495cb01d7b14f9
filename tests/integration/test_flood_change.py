"""A flood's extent through ``ingest_scene``: the water of a scene after the flood against that of
one from before it, from a local catalog of both scenes: the bundled sample and a copy of it
flooded in one window of fields. The river, water in both, is not flood."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.errors import InputError
from firstlight_qgis.core.ingest import ingest_scene
from tests.support.sample import FLOODED_ID, FLOODED_WINDOW, ITEM_ID, SAMPLE, flood_catalog, window_pixels

pytestmark = pytest.mark.integration

EVENT = "flood.riverine"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return flood_catalog(tmp_path_factory.mktemp("flood"))


@pytest.fixture(scope="module")
def area():
    return parse_area(SAMPLE / "area.geojson")


def read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


def scene(catalog: Path, area, month: str):
    [found] = discover(area, EVENT, f"{month}-01", f"{month}-28", catalog=str(catalog))
    return found


def test_the_flood_is_the_water_that_was_dry_before(catalog, area, tmp_path) -> None:
    pre = ingest_scene(scene(catalog, area, "2018-12"), tmp_path, area=area, event=EVENT)
    post = ingest_scene(scene(catalog, area, "2019-01"), tmp_path, area=area, event=EVENT, pre_event=pre)

    path = post.indices["flood"].path
    assert path == tmp_path / FLOODED_ID / f"{FLOODED_ID}_flood.tif"
    flood, before, after = read(path), read(pre.water_mask.path), read(post.water_mask.path)
    valid = (before != 255) & (after != 255)
    assert np.array_equal(flood == 255, ~valid)
    assert np.array_equal(flood == 1, valid & (after == 1) & (before == 0))
    assert np.array_equal(flood == 2, valid & (after == 1) & (before == 1))  # the river, as before
    assert np.array_equal(flood == 0, valid & (after == 0))

    rows, columns = window_pixels(FLOODED_WINDOW, path)
    fields = np.zeros(flood.shape, dtype=bool)
    fields[rows, columns] = True
    assert not (flood[~fields] == 1).any()  # nothing changed elsewhere
    assert (flood[fields & valid & (before == 0)] == 1).mean() > 0.95  # the flooded fields
    assert (flood == 2).sum() > 0.08 * valid.sum()  # the river, about 12 % of the area
    result = post.indices["flood"]
    assert result.positive_fraction == pytest.approx((flood == 1).sum() / valid.sum())

    manifest = json.loads(post.manifest_path.read_text(encoding="utf-8"))
    assert manifest["pre_event"] == {"scene": ITEM_ID, "file": f"../{ITEM_ID}/{ITEM_ID}_water.tif"}
    assert manifest["indices"]["flood"]["path"] == path.name


def test_a_pre_event_scene_for_an_event_without_change_is_refused(catalog, area, tmp_path) -> None:
    pre = ingest_scene(scene(catalog, area, "2018-12"), tmp_path, area=area, event=EVENT)
    after = scene(catalog, area, "2019-01")
    with pytest.raises(InputError, match=r"drought\.vegetation makes nothing of a scene from before it"):
        ingest_scene(after, tmp_path, area=area, event="drought.vegetation", pre_event=pre)
