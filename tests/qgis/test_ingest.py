"""firstlight:ingest against a real STAC API on loopback, the local catalog, and chained to discover."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsProcessingException

from tests.qgis.support import BANDS, DATES, EVENT, ITEM_ID, NO_NIR_ID, RecordingFeedback, run
from tests.support.desert import NORTH_EAST, UTM29N, desert_scene, utm_bounds, write_catalog


def _ingest(catalog: str, area: str, output: Path, feedback=None, **extra) -> dict:
    parameters = {"AREA": area, "EVENT": EVENT, **DATES, "CATALOG": catalog, "OUTPUT_FOLDER": str(output)}
    return run("firstlight:ingest", {**parameters, **extra}, feedback)


def test_ingest_clipped_from_a_stac_api(provider, stac_url, area_file, tmp_path, feedback) -> None:
    results = _ingest(stac_url, area_file, tmp_path / "out", feedback, PARALLEL_DOWNLOADS=2)

    scene = tmp_path / "out" / ITEM_ID
    assert results["OUTPUT_FOLDER"] == str(tmp_path / "out")
    assert results["SCENE_IDS"] == ITEM_ID and results["SENSOR"] == "sentinel2"
    stack = gdal.Open(results["OUTPUT_STACK"])
    assert Path(results["OUTPUT_STACK"]) == scene / f"{ITEM_ID}_stack.vrt"
    assert [stack.GetRasterBand(i).GetDescription() for i in range(1, stack.RasterCount + 1)] == BANDS

    water = gdal.Open(results["OUTPUT_WATER"]).ReadAsArray()
    assert set(np.unique(water)) <= {0, 1, 255}
    share = (water == 1).sum() / (water != 255).sum()
    assert 0.10 < share < 0.17  # the reservoir's share of the area, as the core's pipeline test finds
    ndwi = gdal.Open(results["OUTPUT_INDEX"]).ReadAsArray()
    assert Path(results["OUTPUT_INDEX"]).name == f"{ITEM_ID}_ndwi.tif"
    assert np.array_equal(water == 1, ndwi > 0)
    assert sorted(Path(p).name for p in results["OUTPUT_LAYERS"]) == sorted(
        f"{ITEM_ID}_{name}" for name in ("stack.vrt", "ndwi.tif", "mndwi.tif", "water.tif")
    )

    manifest = json.loads(Path(results["OUTPUT_MANIFEST"]).read_text(encoding="utf-8"))
    assert manifest["mode"] == "clip_to_area"
    assert manifest["item"]["id"] == ITEM_ID
    assert list(manifest["stack"]["band_mapping"]) == BANDS

    for band in BANDS:
        assert f"Band {band}: done" in feedback.infos
    assert feedback.progress_values == sorted(feedback.progress_values)
    assert feedback.progress_values[-1] == pytest.approx(100)
    assert not feedback.warnings


def test_discover_json_chains_into_a_whole_scene_ingest(provider, local_catalog, area_file, tmp_path) -> None:
    found = run(
        "firstlight:discover",
        {
            "AREA": area_file,
            "EVENT": EVENT,
            **DATES,
            "CATALOG": local_catalog,
            "FOOTPRINTS": "TEMPORARY_OUTPUT",
            "SCENES_JSON": str(tmp_path / "scenes.json"),
        },
    )
    # No search runs with SCENES_JSON: a catalog that does not exist is never opened.
    results = _ingest(
        str(tmp_path / "nowhere.json"),
        area_file,
        tmp_path / "out",
        SCENES_JSON=found["SCENES_JSON"],
        CLIP_TO_AREA=False,
    )
    manifest = json.loads(Path(results["OUTPUT_MANIFEST"]).read_text(encoding="utf-8"))
    assert manifest["mode"] == "whole_scene"
    assert gdal.Open(results["OUTPUT_STACK"]).RasterXSize == 512  # the whole 512 px sample


def test_a_scenes_file_is_ingested_for_the_event_it_was_found_for(
    provider, local_catalog, area_file, tmp_path
) -> None:
    """A scenes file found for a burn scar, ingested with EVENT left out (flood.coastal by
    default), made a water mask where an NBR was wanted, without a word."""
    scenes_json = str(tmp_path / "scenes.json")
    search = {"AREA": area_file, **DATES, "CATALOG": local_catalog, "FOOTPRINTS": "TEMPORARY_OUTPUT"}
    run("firstlight:discover", {**search, "EVENT": "wildfire.burn_scar", "SCENES_JSON": scenes_json})
    with pytest.raises(QgsProcessingException) as raised:
        _ingest(local_catalog, area_file, tmp_path / "out", SCENES_JSON=scenes_json, EVENT="flood.coastal")
    assert str(raised.value) == (
        "The scenes of scenes.json were found for wildfire.burn_scar, and EVENT is flood.coastal: set "
        "EVENT to wildfire.burn_scar, or run Discover for flood.coastal."
    )
    assert not (tmp_path / "out").exists()
    results = _ingest(
        local_catalog, area_file, tmp_path / "out", SCENES_JSON=scenes_json, EVENT="wildfire.burn_scar"
    )
    assert Path(results["OUTPUT_INDEX"]).name.endswith("_nbr.tif")
    assert json.loads(Path(results["OUTPUT_MANIFEST"]).read_text(encoding="utf-8"))["event"] == (
        "wildfire.burn_scar"
    )


def test_scenes_by_id_and_skip_validation(provider, stac_url, area_file, tmp_path) -> None:
    with pytest.raises(QgsProcessingException, match="lacks the band"):
        _ingest(stac_url, area_file, tmp_path / "strict", SCENES=NO_NIR_ID)

    feedback = RecordingFeedback()
    results = _ingest(
        stac_url, area_file, tmp_path / "lenient", feedback, SCENES=NO_NIR_ID, SKIP_VALIDATION=True
    )
    assert results["SCENE_IDS"] == NO_NIR_ID
    assert any("Validation is skipped" in w for w in feedback.warnings)
    assert results["OUTPUT_INDEX"] is None and results["OUTPUT_WATER"] is None  # NDWI needs NIR
    assert Path(results["OUTPUT_STACK"]).is_file()
    assert any(Path(p).name.endswith("_mndwi.tif") for p in results["OUTPUT_LAYERS"])


def test_an_unknown_scene_id_names_what_was_found(provider, stac_url, area_file, tmp_path) -> None:
    with pytest.raises(QgsProcessingException) as raised:
        _ingest(stac_url, area_file, tmp_path / "out", SCENES="S2_nope")
    message = str(raised.value)
    assert "\n" not in message
    assert "S2_nope" in message and ITEM_ID in message
    assert not (tmp_path / "out").exists()  # no empty folder left looking like a result


class _CancelOnFirstBand(RecordingFeedback):
    def pushInfo(self, info: str) -> None:
        super().pushInfo(info)
        if info.startswith("Band ") and info.endswith("started"):
            self.cancel()


def test_cancel_inside_the_downloads_stops_the_run(
    provider, stac_url, area_file, asset_server, tmp_path
) -> None:
    asset_server.inject("/nir.tif", ["stall:3"] * 4)  # a band still transferring when cancel comes
    feedback = _CancelOnFirstBand()
    with pytest.raises(QgsProcessingException, match="cancelled") as raised:
        _ingest(stac_url, area_file, tmp_path / "out", feedback, CLIP_TO_AREA=False)
    assert "\n" not in str(raised.value)
    assert not (tmp_path / "out" / ITEM_ID / "manifest.json").exists()
    assert not (tmp_path / "out" / ITEM_ID / "nir.tif").exists()


def test_an_area_half_beyond_the_scene_says_how_much_of_it_was_not_seen(
    provider, local_catalog, tmp_path
) -> None:
    """The sample covers 52 % of the area: the summary and the table say that the rest was not
    seen, not that the whole area was."""
    area = "-52.92,-52.80,-27.22,-27.17 [EPSG:4326]"
    feedback = RecordingFeedback()
    results = _ingest(
        local_catalog, area, tmp_path / "out", feedback, OUTPUT_TABLE=str(tmp_path / "figures.csv")
    )

    assert any("covers 52% of the area" in warning for warning in feedback.warnings)
    indices = json.loads(Path(results["OUTPUT_MANIFEST"]).read_text(encoding="utf-8"))["indices"]
    seen = indices["water"]["valid_fraction"]
    assert 0.51 < seen < 0.53
    assert results["SUMMARY"].endswith(
        f"No data (clouds, beyond the scene) hides {1 - seen:.0%} of the pixels: these are of what is seen."
    )
    with Path(results["OUTPUT_TABLE"]).open(encoding="utf-8", newline="") as handle:
        [row] = csv.DictReader(handle)
    assert float(row["seen_percent"]) == pytest.approx(100 * seen, abs=1e-3)


def test_a_scene_that_sees_nothing_of_the_area_says_so(provider, tmp_path, feedback) -> None:
    """All cloud over the area: the run succeeds, and its summary and warnings say that nothing was
    seen (an empty summary read as "no water")."""

    def all_cloud(scl: np.ndarray) -> None:
        scl[:] = 9

    item = desert_scene(tmp_path / "scene", scl=all_cloud, cloud=0.0, href="./scene/")
    catalog = write_catalog(tmp_path / "items.json", [item])
    west, south, east, north = utm_bounds(NORTH_EAST)
    results = run(
        "firstlight:ingest",
        {
            "AREA": f"{west},{east},{south},{north} [{UTM29N}]",
            "EVENT": EVENT,
            "START_DATE": "2020-02-01",
            "END_DATE": "2020-02-29",
            "MAX_CLOUD": 100,
            "CATALOG": str(catalog),
            "OUTPUT_FOLDER": str(tmp_path / "out"),
        },
        feedback,
    )
    assert results["SUMMARY"] == "No pixel of the area was seen (clouds, beyond the scene): no figure."
    assert any("sees no pixel of the area" in warning for warning in feedback.warnings)
