"""firstlight:discover against a real STAC API on loopback and the bundled local catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsGeometry,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDateTime, Qt

from firstlight_qgis.core.catalog import Scene
from tests.qgis.support import DATES, EVENT, ITEM_ID, NO_NIR_ID, RecordingFeedback, run, wait_until

# proj:bbox of the sample scene (UTM 22S), shrunk by 1 km on each side: fully covered.
INSIDE_UTM = "306760,315000,6986440,6994680 [EPSG:32722]"


def _discover(catalog: str, area, feedback=None, **extra) -> dict:
    parameters = {
        "AREA": area,
        "EVENT": EVENT,
        **DATES,
        "CATALOG": catalog,
        "FOOTPRINTS": "TEMPORARY_OUTPUT",
        "SCENES_JSON": "TEMPORARY_OUTPUT",
        **extra,
    }
    return run("firstlight:discover", parameters, feedback)


def test_footprints_and_json_from_a_stac_api(provider, stac_url, area_file, feedback) -> None:
    results = _discover(stac_url, area_file, feedback)

    layer = results["FOOTPRINTS"]
    assert layer.crs().authid() == "EPSG:4326"
    assert layer.fields().names() == [
        "id",
        "datetime",
        "sensor",
        "collection",
        "cloud",
        "area_cloud",
        "coverage",
        "missing_bands",
        "priority",
        "tile_orbit",
    ]
    features = {f["id"]: f for f in layer.getFeatures()}
    assert list(features) == [ITEM_ID, NO_NIR_ID]  # best first
    best = features[ITEM_ID]
    assert best["datetime"] == QDateTime.fromString("2018-12-24T13:37:00Z", Qt.DateFormat.ISODate)
    assert (best["sensor"], best["cloud"], best["priority"], best["missing_bands"]) == (
        "sentinel2",
        0.73,
        1,
        "",
    )
    assert best["coverage"] == pytest.approx(100.0)
    assert features[NO_NIR_ID]["missing_bands"] == "nir"
    area = QgsVectorLayer(area_file, "area", "ogr")
    area_geometry = next(area.getFeatures()).geometry()
    assert best.geometry().contains(area_geometry)

    found = json.loads(Path(results["SCENES_JSON"]).read_text(encoding="utf-8"))
    assert found["event"] == "flood.riverine"
    scenes = found["scenes"]
    assert [s["id"] for s in scenes] == [ITEM_ID, NO_NIR_ID]
    assert Scene.from_dict(scenes[0]).band_urls["nir"].startswith("http://127.0.0.1")
    assert results["SCENE_COUNT"] == 2
    assert results["SCENE_IDS"] == f"{ITEM_ID},{NO_NIR_ID}"
    assert any(ITEM_ID in info for info in feedback.infos)
    assert feedback.progress_values[-1] == 100


def test_local_catalog_and_an_extent_in_utm(provider, local_catalog) -> None:
    results = _discover(local_catalog, INSIDE_UTM)
    [feature] = list(results["FOOTPRINTS"].getFeatures())
    assert feature["id"] == ITEM_ID
    assert feature["coverage"] == pytest.approx(100.0)


def test_a_polygon_layer_in_another_crs_is_used_as_drawn(provider, local_catalog, area_file) -> None:
    """A triangle half outside the scene: its own shape counts, not its bounding box."""
    source = QgsVectorLayer(area_file, "area", "ogr")
    polygon = next(source.getFeatures()).geometry()
    box = polygon.boundingBox()
    # A triangle whose right half sticks out east of the scene (the scene ends at -52.8568).
    triangle = QgsGeometry.fromWkt(
        f"POLYGON(({box.xMinimum()} {box.yMinimum()}, {box.xMaximum() + 0.1} {box.yMinimum()}, "
        f"{box.xMinimum()} {box.yMaximum()}, {box.xMinimum()} {box.yMinimum()}))"
    )
    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    triangle.transform(
        QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), mercator, QgsProject.instance())
    )
    layer = QgsVectorLayer("Polygon?crs=EPSG:3857", "triangle", "memory")
    feature = QgsFeature()
    feature.setGeometry(triangle)
    layer.dataProvider().addFeatures([feature])

    by_layer = next(_discover(local_catalog, layer)["FOOTPRINTS"].getFeatures())
    extent = layer.extent()
    as_extent = f"{extent.xMinimum()},{extent.xMaximum()},{extent.yMinimum()},{extent.yMaximum()} [EPSG:3857]"
    by_extent = next(_discover(local_catalog, as_extent)["FOOTPRINTS"].getFeatures())
    # The bounding box reaches farther out of the scene than the triangle does.
    assert 40 < by_extent["coverage"] < by_layer["coverage"] < 100


def test_no_scene_is_an_empty_layer_and_a_warning(provider, local_catalog, feedback) -> None:
    results = _discover(local_catalog, "10.0,10.1,50.0,50.1 [EPSG:4326]", feedback)
    assert results["FOOTPRINTS"].featureCount() == 0
    assert results["SCENE_COUNT"] == 0
    assert json.loads(Path(results["SCENES_JSON"]).read_text(encoding="utf-8"))["scenes"] == []
    assert any("No scene for flood.riverine" in w for w in feedback.warnings)


def test_an_area_layer_is_read_when_the_run_starts(provider, local_catalog, area_file, project) -> None:
    """The dock's runner reads AREA on the main thread, when it makes the task: a layer the project
    drops or replaces while the task waits or runs (the dock replaces its footprints layer) is
    never looked up from the worker thread, where that crashed QGIS."""
    area = QgsVectorLayer(area_file, "area", "ogr")
    project.addMapLayer(area)
    context = QgsProcessingContext()
    context.setProject(project)
    feedback = RecordingFeedback()
    parameters = {"AREA": area.id(), "EVENT": EVENT, **DATES, "CATALOG": local_catalog}
    parameters |= {"FOOTPRINTS": "TEMPORARY_OUTPUT", "SCENES_JSON": "TEMPORARY_OUTPUT"}
    algorithm = QgsApplication.processingRegistry().algorithmById("firstlight:discover")
    task = QgsProcessingAlgRunnerTask(algorithm, parameters, context, feedback)
    outcome: list[tuple[bool, dict]] = []
    task.executed.connect(lambda ok, results: outcome.append((ok, results)))

    project.removeMapLayer(area.id())
    QgsApplication.taskManager().addTask(task)
    wait_until(lambda: outcome, 60, "the task to finish")

    ok, results = outcome[0]
    assert ok, feedback.errors
    assert results["SCENE_IDS"] == ITEM_ID


def test_an_item_the_search_cannot_read_is_told_not_only_logged(
    provider, sample_copy, area_file, tmp_path, feedback
) -> None:
    """The core logs what a search leaves out; in the toolbox and the dock nobody reads that log."""
    item = json.loads((sample_copy / f"{ITEM_ID}.json").read_text(encoding="utf-8"))
    for asset in item["assets"].values():
        asset["href"] = str(sample_copy / Path(asset["href"]).name)
    broken = {**item, "id": "S2_without_bands", "assets": {}}
    catalog = tmp_path / "items.json"
    catalog.write_text(
        json.dumps({"type": "FeatureCollection", "features": [item, broken]}), encoding="utf-8"
    )
    results = _discover(str(catalog), area_file, feedback)
    assert results["SCENE_IDS"] == ITEM_ID
    assert any("Skipping an item" in w and "S2_without_bands" in w for w in feedback.warnings)
