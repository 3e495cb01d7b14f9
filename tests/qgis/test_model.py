"""The graphical models shipped in resources/models run end to end: the flood model chains discover,
ingest and index; the burn model the NBR of two stacks and their burn severity."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from osgeo import gdal
from qgis.core import QgsProcessingModelAlgorithm, QgsProcessingOutputLayerDefinition

from tests.qgis.support import DATES, EVENT, ITEM_ID, ROOT, ingest_parameters, run, run_and_load
from tests.support.sample import BURNT_ID, fire_catalog
from tests.support.sentinel1 import AFTER_ID, sentinel1_catalog

MODELS = ROOT / "resources" / "models"


def _load(name: str = "firstlight_flood.model3") -> QgsProcessingModelAlgorithm:
    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(str(MODELS / name))
    return model


def test_the_model_chains_discover_ingest_and_index(provider) -> None:
    model = _load()
    ok, issues = model.validate()
    assert ok, issues
    steps = {c.childId(): c.algorithmId() for c in model.childAlgorithms().values()}
    assert steps == {
        "discover": "firstlight:discover",
        "ingest": "firstlight:ingest",
        "mndwi": "firstlight:index",
        "polygons": "firstlight:polygons",
    }
    assert {p.name() for p in model.parameterDefinitions() if not p.isDestination()} == {
        "AREA",
        "EVENT",
        "START_DATE",
        "END_DATE",
        "MAX_CLOUD",
        "AREA_CLOUD",
        "CATALOG",
    }


def _shape(model: QgsProcessingModelAlgorithm) -> dict:
    """What a model says, as every QGIS reads it: its inputs, and each step's algorithm, sources
    and outputs. (The file itself differs: QGIS 3.40 saves models in a newer format, and reads the
    shipped one, saved by the oldest QGIS supported, in the old one.)"""

    def static(value: object) -> object:
        return "" if value is None else value  # an empty string read back by QGIS 3.40 is None

    steps = {}
    for child_id, child in model.childAlgorithms().items():
        sources = {
            name: [
                (s.source(), static(s.staticValue()), s.parameterName(), s.outputChildId(), s.outputName())
                for s in found
            ]
            for name, found in child.parameterSources().items()
        }
        outputs = sorted(
            (o.childId(), o.childOutputName(), o.description(), o.position().x(), o.position().y())
            for o in child.modelOutputs().values()
        )
        place = (child.position().x(), child.position().y())
        steps[child_id] = (child.algorithmId(), child.description(), place, sources, outputs)
    inputs = {
        p.name(): (p.type(), p.description(), p.defaultValue())
        for p in model.parameterDefinitions()
        if not p.isDestination()
    }
    return {
        "name": (model.name(), model.group()),
        "help": model.helpContent(),
        "inputs": inputs,
        "steps": steps,
    }


def test_the_model_files_are_what_the_generator_builds(provider) -> None:
    """Regenerate with ``.venv/bin/python tools/make_model.py`` (on QGIS 3.22, the oldest QGIS
    supported, so that every later one reads it) when an algorithm changes."""
    from tools.make_model import MODELS as BUILT

    assert sorted(path.name for path in MODELS.glob("*.model3")) == sorted(BUILT)
    for name, build in BUILT.items():
        assert _shape(_load(name)) == _shape(build()), name


def test_the_model_runs_against_a_stac_api_on_loopback(provider, stac_url, area_file, tmp_path) -> None:
    results = run(
        _load(),
        {
            "AREA": area_file,
            "EVENT": EVENT,
            **DATES,
            "CATALOG": stac_url,
            "discover:footprints": "TEMPORARY_OUTPUT",
            "ingest:folder": str(tmp_path / "out"),
            "mndwi:mndwi": str(tmp_path / "mndwi.tif"),
            "mndwi:water": str(tmp_path / "water.tif"),
            "polygons:water_polygons": str(tmp_path / "water.gpkg"),
        },
    )
    assert results["discover:footprints"].featureCount() == 2
    manifest = json.loads((tmp_path / "out" / ITEM_ID / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["item"]["id"] == ITEM_ID
    water = gdal.Open(results["mndwi:water"]).ReadAsArray()
    assert 0.05 < (water == 1).sum() / (water != 255).sum() < 0.3
    assert Path(results["mndwi:mndwi"]).is_file()
    assert results["CHILD_RESULTS"]["ingest"]["SENSOR"] == "sentinel2"
    assert results["CHILD_INPUTS"]["mndwi"]["WATER_THRESHOLD"] == "otsu"
    assert np.isfinite(results["CHILD_RESULTS"]["mndwi"]["THRESHOLD"])
    assert results["CHILD_RESULTS"]["polygons"]["FEATURES"] > 0
    assert Path(results["polygons:water_polygons"]).parent == tmp_path


def _inputs(area_file: str, catalog: str) -> dict:
    return {"AREA": area_file, "EVENT": EVENT, **DATES, "CATALOG": catalog, "AREA_CLOUD": False}


def test_the_flood_model_runs_with_its_outputs_left_out(provider, local_catalog, area_file, tmp_path) -> None:
    """As the dialog runs it with every output skipped, or qgis_process given none but the ingest's
    folder (a mandatory output of firstlight:ingest): each is a temporary file, and the water the
    polygons need is written all the same."""
    model = _load()
    mandatory = [p.name() for p in model.destinationParameterDefinitions() if not p.flags() & p.FlagOptional]
    assert mandatory == ["ingest:folder"]
    results = run(model, {**_inputs(area_file, local_catalog), "ingest:folder": str(tmp_path / "out")})
    water = gdal.Open(results["mndwi:water"]).ReadAsArray()
    assert 0.05 < (water == 1).sum() / (water != 255).sum() < 0.3
    assert gdal.Open(results["mndwi:mndwi"]).GetMetadataItem("FIRSTLIGHT_INDEX") == "mndwi"
    assert results["polygons:water_polygons"].featureCount() > 0


def test_the_flood_model_maps_a_sentinel1_scene(provider, area_file, tmp_path) -> None:
    """Flood events take radar scenes: ingest's SENSOR tells the index, whose water (the scene's
    own VV mask, in both of its outputs) the polygons read as an optical scene's."""
    catalog = str(sentinel1_catalog(tmp_path / "catalog"))
    inputs = {**_inputs(area_file, catalog), "START_DATE": "2019-01-01", "END_DATE": "2019-01-05"}
    results = run(
        _load(),
        {
            **inputs,
            "ingest:folder": str(tmp_path / "out"),
            "mndwi:mndwi": str(tmp_path / "mndwi.tif"),
            "mndwi:water": str(tmp_path / "water.tif"),
        },
    )
    assert results["CHILD_RESULTS"]["ingest"]["SCENE_IDS"] == AFTER_ID
    assert results["CHILD_RESULTS"]["ingest"]["SENSOR"] == "sentinel1"
    water = gdal.Open(results["mndwi:water"])
    assert water.GetMetadataItem("FIRSTLIGHT_PRODUCT") == "sar_water_mask"
    assert np.array_equal(water.ReadAsArray(), gdal.Open(results["mndwi:mndwi"]).ReadAsArray())
    assert results["CHILD_RESULTS"]["polygons"]["FEATURES"] > 0


def test_the_flood_model_loads_its_outputs_only(
    provider, local_catalog, area_file, project, project_context, tmp_path
) -> None:
    """The ingest step's stack, NDWI and water are the model's intermediate layers: loaded, they
    would fill the project with layers nobody asked for (the toolbox's ingest loads them)."""
    results = run_and_load(
        _load(),
        {
            **_inputs(area_file, local_catalog),
            "ingest:folder": str(tmp_path / "out"),
            "polygons:water_polygons": QgsProcessingOutputLayerDefinition("TEMPORARY_OUTPUT", project),
        },
        project_context,
    )
    assert results["CHILD_RESULTS"]["ingest"]["OUTPUT_LAYERS"]  # written, not loaded
    assert [layer.name() for layer in project.mapLayers().values()] == ["water_polygons"]


def test_the_burn_model_maps_a_burn_scar_from_two_stacks(provider, area_file, tmp_path) -> None:
    model = _load("firstlight_burn_severity.model3")
    ok, issues = model.validate()
    assert ok, issues
    out = tmp_path / "out"
    dates = {"START_DATE": "2018-12-01", "END_DATE": "2019-01-31"}
    catalog = fire_catalog(tmp_path / "catalog")
    scenes = f"{ITEM_ID},{BURNT_ID}"
    run(
        "firstlight:ingest",
        ingest_parameters(catalog, area_file, out, "wildfire.burn_scar", dates, SCENES=scenes),
    )
    results = run(
        model,
        {
            "BEFORE_STACK": str(out / ITEM_ID / f"{ITEM_ID}_stack.vrt"),
            "AFTER_STACK": str(out / BURNT_ID / f"{BURNT_ID}_stack.vrt"),
            "SENSOR": "sentinel2",
            "severity:dnbr": str(tmp_path / "dnbr.tif"),
            "severity:severity": str(tmp_path / "severity.tif"),
            "polygons:severity_polygons": "TEMPORARY_OUTPUT",
        },
    )
    # The model's NBRs are the stacks' own, as the ingest computed them (with the scenes' cloud masks
    # there, none here: the sample's SCL masks nothing inside the area).
    before, after = (gdal.Open(str(out / s / f"{s}_nbr.tif")).ReadAsArray() for s in (ITEM_ID, BURNT_ID))
    dnbr = gdal.Open(results["severity:dnbr"]).ReadAsArray()
    np.testing.assert_allclose(dnbr, before - after, atol=1e-6, equal_nan=True)
    severity = gdal.Open(results["severity:severity"]).ReadAsArray()
    assert 0.02 < ((severity > 0) & (severity < 255)).sum() / (severity < 255).sum() < 0.15
    assert results["CHILD_RESULTS"]["severity"]["CHANGED_FRACTION"] > 0.02
    polygons = results["polygons:severity_polygons"]
    assert polygons.featureCount() > 0
    assert set(polygons.uniqueValues(polygons.fields().indexOf("class"))) <= {
        "low",
        "moderate-low",
        "moderate-high",
        "high",
    }
