"""Polygons from the toolbox: firstlight:polygons on a flood extent on disk, into a file of any
format or a temporary layer, and firstlight:ingest with POLYGONS; both load them styled by class."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import (
    QgsCategorizedSymbolRenderer,
    QgsProcessingException,
    QgsProcessingOutputLayerDefinition,
    QgsVectorLayer,
)

from tests.qgis.support import ITEM_ID, RecordingFeedback, ingest_parameters, our_line, run, run_and_load
from tests.support.polygons import burnt
from tests.support.sample import FLOODED_ID, flood_catalog

DATES = {"START_DATE": "2019-01-01", "END_DATE": "2019-01-31"}
PRE_EVENT = {"PRE_EVENT_START": "2018-12-01", "PRE_EVENT_END": "2018-12-31"}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return flood_catalog(tmp_path_factory.mktemp("catalog"))


def _parameters(catalog: Path, area_file: str, output: Path) -> dict:
    """An ingest of the sample's flooded copy, with its pre-event scene, and polygons."""
    parameters = ingest_parameters(catalog, area_file, output, "flood.riverine", DATES, **PRE_EVENT)
    return parameters | {"POLYGONS": True}


@pytest.fixture(scope="module")
def flooded(plugin, catalog, area_file, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("polygons")
    run("firstlight:ingest", _parameters(catalog, area_file, output) | {"POLYGON_MIN_AREA_M2": 0})
    return output


def _classes(layer: QgsVectorLayer) -> list[tuple[str, str]]:
    renderer = layer.renderer()
    assert isinstance(renderer, QgsCategorizedSymbolRenderer)
    assert renderer.classAttribute() == "class"
    return [(category.value(), category.label()) for category in renderer.categories()]


def test_the_ingest_writes_and_loads_the_flood_polygons(
    provider, project, project_context, catalog, area_file, tmp_path
) -> None:
    results = run_and_load("firstlight:ingest", _parameters(catalog, area_file, tmp_path), project_context)
    package = tmp_path / FLOODED_ID / f"{FLOODED_ID}_flood.gpkg"
    assert results["OUTPUT_POLYGONS"] == str(package)
    assert str(package) in results["OUTPUT_LAYERS"]
    layers = {layer.name(): layer for layer in project.mapLayers().values()}
    polygons = layers[f"{FLOODED_ID} flood extent polygons"]
    assert _classes(polygons) == [("flooded", "Flooded"), ("water before", "Water before the event")]
    feedback: RecordingFeedback = project_context.feedback()
    assert any(line.startswith("Polygons by class: Flooded ") for line in feedback.infos)
    # The scene from before the flood has none: its water is the flood extent's "water before".
    assert not [name for name in layers if name.startswith(ITEM_ID) and name.endswith("polygons")]
    assert not list((tmp_path / ITEM_ID).glob("*.gpkg"))


def test_polygons_of_a_flood_extent_into_a_shapefile(provider, project, project_context, flooded, tmp_path):
    extent = flooded / FLOODED_ID / f"{FLOODED_ID}_flood.tif"
    output = QgsProcessingOutputLayerDefinition(str(tmp_path / "flood.shp"), project)
    results = run_and_load(
        "firstlight:polygons", {"INPUT": str(extent), "MIN_AREA_M2": 0, "OUTPUT": output}, project_context
    )
    layer = QgsVectorLayer(results["OUTPUT"], "flood", "ogr")
    assert layer.isValid() and layer.featureCount() == results["FEATURES"] > 0
    assert [field.name() for field in layer.fields()] == ["code", "class", "area_km2"]
    codes = gdal.Open(str(extent)).ReadAsArray()
    np.testing.assert_array_equal(
        burnt(layer.source().split("|")[0], extent), np.where(codes == 255, 0, codes)
    )
    loaded = [layer for layer in project.mapLayers().values() if isinstance(layer, QgsVectorLayer)]
    assert [_classes(layer) for layer in loaded] == [
        [("flooded", "Flooded"), ("water before", "Water before the event")]
    ]


def test_polygons_into_a_temporary_layer_with_a_minimum_area(provider, project, project_context, flooded):
    water = flooded / ITEM_ID / f"{ITEM_ID}_water.tif"
    exact = run("firstlight:polygons", {"INPUT": str(water), "MIN_AREA_M2": 0, "OUTPUT": "TEMPORARY_OUTPUT"})
    feedback = RecordingFeedback()
    sieved = run(
        "firstlight:polygons",
        {"INPUT": str(water), "OUTPUT": "TEMPORARY_OUTPUT"},
        feedback,  # 1000 m²
    )
    assert 0 < sieved["FEATURES"] < exact["FEATURES"]
    assert f"{sieved['FEATURES']} polygons (patches of 3 pixels or more)." in feedback.infos
    assert any(line.startswith("Polygons by class: Water ") for line in feedback.infos)


def test_an_index_is_refused_in_one_line(provider, flooded, tmp_path) -> None:
    ndwi = flooded / ITEM_ID / f"{ITEM_ID}_ndwi.tif"
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:polygons", {"INPUT": str(ndwi), "OUTPUT": str(tmp_path / "out.gpkg")})
    assert "is FirstLight's NDWI, an index" in our_line(raised.value)
    assert not (tmp_path / "out.gpkg").exists()
