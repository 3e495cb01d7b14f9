"""firstlight:ingest of Sentinel-1 scenes (Planetary Computer RTC items over the sample's river, see
tests/support/sentinel1.py): SAR_THRESHOLD_DB and SAR_SPECKLE_WINDOW reach the water mask."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsProcessingException

from tests.qgis.support import run
from tests.support.polygons import inside_area
from tests.support.sentinel1 import AFTER_ID, BEFORE_ID, sentinel1_catalog


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(sentinel1_catalog(tmp_path_factory.mktemp("sentinel1")))


def _ingest(catalog: str, area: str, output: Path, **extra) -> dict:
    return run(
        "firstlight:ingest",
        {
            "AREA": area,
            "EVENT": "flood.riverine",
            "START_DATE": "2018-12-01",
            "END_DATE": "2018-12-31",
            "CATALOG": catalog,
            "OUTPUT_FOLDER": str(output),
            **extra,
        },
    )


def test_the_table_follows_the_flood_from_the_scene_before_it(provider, catalog, area_file, tmp_path) -> None:
    results = _ingest(
        catalog,
        area_file,
        tmp_path,
        START_DATE="2019-01-01",
        END_DATE="2019-01-31",
        PRE_EVENT_START="2018-12-01",
        PRE_EVENT_END="2018-12-31",
        OUTPUT_TABLE=str(tmp_path / "figures.csv"),
    )

    with Path(results["OUTPUT_TABLE"]).open(encoding="utf-8", newline="") as handle:
        before, after = list(csv.DictReader(handle))
    assert list(before) == [
        "scene_id", "date", "sensor", "role", "seen_percent",
        "flood_percent", "flood_km2", "water_percent", "water_km2",
    ]  # fmt: skip
    # by date; a Date field, which OGR's CSV writes with slashes
    assert (before["scene_id"], before["date"], before["role"]) == (BEFORE_ID, "2018/12/10", "before")
    assert (after["scene_id"], after["date"], after["role"]) == (AFTER_ID, "2019/01/03", "event")
    assert before["flood_km2"] == ""  # nothing to compare the first scene with
    for row, scene_id in ((before, BEFORE_ID), (after, AFTER_ID)):
        indices = json.loads((tmp_path / scene_id / "manifest.json").read_text(encoding="utf-8"))["indices"]
        assert float(row["water_km2"]) == pytest.approx(indices["water"]["positive_km2"], abs=1e-4)
        assert float(row["seen_percent"]) == pytest.approx(100 * indices["water"]["valid_fraction"], abs=1e-3)
    assert float(after["flood_km2"]) == pytest.approx(
        float(after["water_km2"]) - float(before["water_km2"]), rel=0.1
    )
    assert float(after["flood_km2"]) > 0.5  # the river rose 60 m out of its banks along its length


def test_no_table_unless_asked_for(provider, catalog, area_file, tmp_path) -> None:
    assert _ingest(catalog, area_file, tmp_path)["OUTPUT_TABLE"] is None


def test_the_ingest_takes_the_sentinel1_threshold_and_speckle_window(
    provider, catalog, area_file, tmp_path
) -> None:
    results = _ingest(catalog, area_file, tmp_path, SAR_THRESHOLD_DB=-20, SAR_SPECKLE_WINDOW=0)

    assert (results["SCENE_IDS"], results["SENSOR"]) == (BEFORE_ID, "sentinel1")
    water = gdal.Open(results["OUTPUT_WATER"])
    assert water.GetMetadataItem("FIRSTLIGHT_SPECKLE_FILTER") == "none"
    assert water.GetMetadataItem("FIRSTLIGHT_THRESHOLD") == "-20.0"
    stack = gdal.Open(results["OUTPUT_STACK"])
    vv = stack.GetRasterBand(1).ReadAsArray()
    expected = np.where(vv > 0, (10 * np.log10(np.where(vv > 0, vv, 1)) < -20).astype(np.uint8), 255)
    inside = inside_area(area_file, results["OUTPUT_WATER"])
    assert 0.9 < inside.mean() < 1  # the stack holds the lon/lat box around the area, a rectangle in UTM
    np.testing.assert_array_equal(water.ReadAsArray(), np.where(inside, expected, 255))


def test_by_default_the_ingest_filters_the_speckle(provider, catalog, area_file, tmp_path) -> None:
    results = _ingest(catalog, area_file, tmp_path)

    water = gdal.Open(results["OUTPUT_WATER"])
    assert water.GetMetadataItem("FIRSTLIGHT_SPECKLE_FILTER") == "median 3x3"
    assert water.GetMetadataItem("FIRSTLIGHT_THRESHOLD") == "-18.0"


def test_a_speckle_window_it_cannot_take_is_said_before_any_download(
    provider, catalog, area_file, tmp_path
) -> None:
    with pytest.raises(QgsProcessingException) as raised:
        _ingest(catalog, area_file, tmp_path, SAR_SPECKLE_WINDOW=6)
    assert str(raised.value).splitlines()[-1] == (
        "The speckle filter's window must be an odd number of pixels from 3 to 15, or 0 for none; 6 is not."
    )
    assert not (tmp_path / BEFORE_ID).exists()
