"""firstlight:ingest with MOSAIC: an area over two scenes of one day (the sample cut in a west and an
east scene that overlap) gets one raster per product, loaded and styled, and the summary of the
whole area, counted once: the same as an ingest of the whole sample."""

from __future__ import annotations

import re

import pytest
from osgeo import gdal
from qgis.core import QgsPalettedRasterRenderer

from tests.qgis.support import ITEM_ID, RecordingFeedback, ingest_parameters, run, run_and_load
from tests.support.sample import BURNT_ID, EAST_ID, WEST_ID, fire_catalog, split_catalog


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(split_catalog(tmp_path_factory.mktemp("split")))


def test_two_scenes_are_mosaicked_into_one_raster_per_product(
    provider, project, project_context, catalog, local_catalog, area_file, tmp_path
) -> None:
    given = ingest_parameters(
        catalog, area_file, tmp_path / "out", SCENES=f"{WEST_ID},{EAST_ID}", MOSAIC=True
    )
    results = run_and_load("firstlight:ingest", given, project_context)

    folder = tmp_path / "out" / "mosaic"
    assert results["OUTPUT_MOSAIC"] == str(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "mndwi.tif", "ndwi.tif", "water.tif"]
    assert {str(folder / n) for n in ("mndwi.tif", "ndwi.tif", "water.tif")} <= set(results["OUTPUT_LAYERS"])
    water = gdal.Open(str(folder / "water.tif"))
    assert water.GetMetadataItem("FIRSTLIGHT_MOSAIC_OF") == f"{WEST_ID}_water.tif, {EAST_ID}_water.tif"

    # The whole area's water, counted once: what an ingest of the whole sample finds.
    whole = run("firstlight:ingest", ingest_parameters(local_catalog, area_file, tmp_path / "whole"))
    assert whole["SCENE_IDS"] == ITEM_ID
    assert results["SUMMARY"] == whole["SUMMARY"]
    assert re.fullmatch(r"Water: [\d.]+% of the valid pixels\. Area: [\d.]+ km²\.", results["SUMMARY"])
    feedback: RecordingFeedback = project_context.feedback()
    assert f"Mosaic of 2 scenes: ndwi, mndwi, water in {folder}." in feedback.infos
    assert f"Mosaic: {results['SUMMARY']}" in feedback.infos

    layers = {layer.name(): layer for layer in project.mapLayers().values()}
    assert {"mosaic water", "mosaic ndwi"} <= set(layers)
    assert isinstance(layers["mosaic water"].renderer(), QgsPalettedRasterRenderer)


def test_one_scene_is_not_mosaicked(provider, local_catalog, area_file, tmp_path) -> None:
    feedback = RecordingFeedback()
    results = run(
        "firstlight:ingest", ingest_parameters(local_catalog, area_file, tmp_path, MOSAIC=True), feedback
    )
    assert results["OUTPUT_MOSAIC"] is None
    assert "One scene: nothing to mosaic." in feedback.infos
    assert not (tmp_path / "mosaic").exists()


def test_a_mosaic_of_two_days_comes_with_a_warning(provider, area_file, tmp_path) -> None:
    catalog = fire_catalog(tmp_path / "catalog")  # the sample, and its copy burnt ten days later
    dates = {"START_DATE": "2018-12-01", "END_DATE": "2019-01-31"}
    given = ingest_parameters(
        catalog,
        area_file,
        tmp_path / "out",
        "wildfire.burn_scar",
        dates,
        SCENES=f"{BURNT_ID},{ITEM_ID}",
        MOSAIC=True,
    )
    feedback = RecordingFeedback()
    results = run("firstlight:ingest", given, feedback)
    assert results["OUTPUT_MOSAIC"] == str(tmp_path / "out" / "mosaic")  # made all the same
    assert [w for w in feedback.warnings if w.startswith("The mosaic mixes")] == [
        "The mosaic mixes scenes of 2018-12-24, 2019-01-03: where they overlap it shows the first scene's "
        "day, elsewhere another's. Mosaic scenes of one day to map one state of the event."
    ]


def test_a_mosaic_with_polygons_has_the_whole_areas_polygons(
    provider, project, project_context, catalog, area_file, tmp_path
) -> None:
    given = ingest_parameters(
        catalog, area_file, tmp_path, SCENES=f"{WEST_ID},{EAST_ID}", MOSAIC=True, POLYGONS=True
    )
    results = run_and_load("firstlight:ingest", given, project_context)
    package = tmp_path / "mosaic" / "water.gpkg"
    assert results["OUTPUT_POLYGONS"] == str(package)  # the whole area's, as SUMMARY
    assert (tmp_path / WEST_ID / f"{WEST_ID}_water.gpkg").is_file()  # and each scene's own
    layers = {layer.name(): layer for layer in project.mapLayers().values()}
    assert layers["mosaic water mask polygons"].source() == str(package)
    feedback: RecordingFeedback = project_context.feedback()
    assert any(line.startswith("Mosaic: Polygons by class: Water ") for line in feedback.infos)
