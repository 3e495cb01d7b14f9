"""The plugin registers a provider with its six algorithms, as QGIS and qgis_process load it."""

from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsProcessingAlgorithm, QgsProcessingParameterDefinition

from firstlight_qgis import classFactory
from firstlight_qgis.processing.provider import FirstLightProvider
from tests.qgis.support import ROOT

ALGORITHMS = {
    "firstlight:discover",
    "firstlight:ingest",
    "firstlight:index",
    "firstlight:burnseverity",
    "firstlight:floodextent",
    "firstlight:polygons",
}


def test_the_provider_offers_its_algorithms(provider: FirstLightProvider) -> None:
    assert provider.id() == "firstlight"
    assert provider.name() == "FirstLight"
    assert not provider.icon().isNull()
    assert {a.id() for a in provider.algorithms()} == ALGORITHMS
    groups = {a.id(): (a.groupId(), a.group()) for a in provider.algorithms()}
    assert groups == {
        "firstlight:discover": ("imagery", "Imagery"),
        "firstlight:ingest": ("imagery", "Imagery"),
        "firstlight:index": ("indices", "Indices"),
        "firstlight:burnseverity": ("indices", "Indices"),
        "firstlight:floodextent": ("indices", "Indices"),
        "firstlight:polygons": ("indices", "Indices"),
    }
    for algorithm in provider.algorithms():
        assert algorithm.displayName()
        assert len(algorithm.shortHelpString()) > 100
        assert not algorithm.icon().isNull()


@pytest.mark.parametrize(
    ("algorithm_id", "parameters"),
    [
        (
            "firstlight:discover",
            [
                "AREA",
                "EVENT",
                "START_DATE",
                "END_DATE",
                "MAX_CLOUD",
                "AREA_CLOUD",
                "CATALOG",
                "COLLECTIONS",
                "LIMIT",
                "FOOTPRINTS",
                "SCENES_JSON",
            ],
        ),
        (
            "firstlight:ingest",
            [
                "AREA",
                "EVENT",
                "START_DATE",
                "END_DATE",
                "MAX_CLOUD",
                "AREA_CLOUD",
                "CATALOG",
                "COLLECTIONS",
                "SCENES",
                "SCENES_JSON",
                "BEST_N",
                "PRE_EVENT_START",
                "PRE_EVENT_END",
                "PRE_EVENT_SCENE",
                "CLIP_TO_AREA",
                "MOSAIC",
                "POLYGONS",
                "POLYGON_MIN_AREA_M2",
                "PARALLEL_DOWNLOADS",
                "SKIP_VALIDATION",
                "WATER_THRESHOLD",
                "CLOUD_MASK",
                "MAX_RETRIES",
                "SAR_THRESHOLD_DB",
                "SAR_SPECKLE_WINDOW",
                "OUTPUT_FOLDER",
                "OUTPUT_TABLE",
            ],
        ),
        (
            "firstlight:index",
            [
                "INPUT",
                "INDEX",
                "SENSOR",
                "WATER_THRESHOLD",
                "SAR_THRESHOLD_DB",
                "SAR_SPECKLE_WINDOW",
                "CLOUD_MASK_LAYER",
                "REFLECTANCE_SCALE",
                "REFLECTANCE_OFFSET",
                "OUTPUT",
                "OUTPUT_WATER",
            ],
        ),
        ("firstlight:burnseverity", ["BEFORE", "AFTER", "OUTPUT", "OUTPUT_SEVERITY"]),
        ("firstlight:floodextent", ["BEFORE", "AFTER", "OUTPUT"]),
        ("firstlight:polygons", ["INPUT", "MIN_AREA_M2", "OUTPUT"]),
    ],
)
def test_parameters_have_descriptive_ids_and_help(
    provider: FirstLightProvider, algorithm_id: str, parameters: list[str]
) -> None:
    algorithm: QgsProcessingAlgorithm = QgsApplication.processingRegistry().createAlgorithmById(algorithm_id)
    assert [p.name() for p in algorithm.parameterDefinitions()] == parameters
    assert (
        algorithm.parameterDefinition("CLIP_TO_AREA") is None
        or algorithm.parameterDefinition("CLIP_TO_AREA").defaultValue() is True
    )


def test_parameters_added_after_the_first_release_are_optional(provider: FirstLightProvider) -> None:
    """A graphical model saved before a parameter existed lacks it: were it mandatory, the model
    would no longer validate ("Parameter ... is mandatory")."""
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("firstlight:ingest")
    optional = QgsProcessingParameterDefinition.Flag.FlagOptional
    for name in (
        "PRE_EVENT_START",
        "PRE_EVENT_END",
        "PRE_EVENT_SCENE",
        "MOSAIC",
        "POLYGONS",
        "POLYGON_MIN_AREA_M2",
        "SAR_THRESHOLD_DB",
        "SAR_SPECKLE_WINDOW",
        "OUTPUT_TABLE",
    ):
        assert algorithm.parameterDefinition(name).flags() & optional, name


def test_ingest_outputs(provider: FirstLightProvider) -> None:
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("firstlight:ingest")
    assert {o.name() for o in algorithm.outputDefinitions()} == {
        "OUTPUT_FOLDER",
        "OUTPUT_STACK",
        "OUTPUT_INDEX",
        "OUTPUT_WATER",
        "OUTPUT_SEVERITY",
        "OUTPUT_FLOOD",
        "OUTPUT_MANIFEST",
        "OUTPUT_LAYERS",
        "SCENE_IDS",
        "SENSOR",
        "SUMMARY",
        "OUTPUT_MOSAIC",
        "OUTPUT_POLYGONS",
        "OUTPUT_TABLE",
    }


def test_class_factory_without_iface_registers_and_unloads_the_provider(plugin: object) -> None:
    registry = QgsApplication.processingRegistry()
    plugin.unload()
    assert registry.providerById("firstlight") is None
    again = classFactory(None)
    again.initProcessing()
    again.initProcessing()  # idempotent
    assert registry.providerById("firstlight") is again.provider
    again.unload()
    assert registry.providerById("firstlight") is None
    plugin.initGui()  # the window path registers the same provider
    assert registry.providerById("firstlight") is not None


def test_names_translate_under_the_firstlight_context(provider, tmp_path) -> None:
    """The strings are looked up in the one context the .ts files use, "FirstLight"."""
    import shutil
    import subprocess
    import xml.etree.ElementTree as ET

    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    source = ROOT / "i18n" / "firstlight_fr.ts"
    lrelease = shutil.which("lrelease") or "/usr/lib/qt5/bin/lrelease"
    if not source.is_file() or not Path(lrelease).is_file():
        pytest.skip("no French .ts or no lrelease")
    wanted = {
        m.findtext("source"): m.findtext("translation")
        for context in ET.parse(source).getroot().iter("context")
        if context.findtext("name") == "FirstLight"
        for m in context.iter("message")
        if m.find("translation") is not None and m.find("translation").get("type") is None
    }
    if not wanted.get("Discover scenes"):
        pytest.skip("'Discover scenes' is not translated yet")
    compiled = tmp_path / "firstlight_fr.qm"
    subprocess.run([lrelease, "-silent", str(source), "-qm", str(compiled)], check=True)
    translator = QTranslator()
    assert translator.load(str(compiled))
    QCoreApplication.installTranslator(translator)
    try:
        algorithm = QgsApplication.processingRegistry().createAlgorithmById("firstlight:discover")
        assert algorithm.displayName() == wanted["Discover scenes"]
    finally:
        QCoreApplication.removeTranslator(translator)
