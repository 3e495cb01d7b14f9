"""Outputs load on completion through the context, styled by their layer post-processors."""

from __future__ import annotations

import pytest
from qgis.core import (
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsProcessingOutputLayerDefinition,
    QgsRasterLayer,
    QgsSingleBandPseudoColorRenderer,
    QgsSingleSymbolRenderer,
)

from firstlight_qgis.processing import styling
from tests.qgis.support import DATES, EVENT, ITEM_ID, run_and_load


def _layers(project) -> dict:
    return {layer.name(): layer for layer in project.mapLayers().values()}


def test_ingest_outputs_are_loaded_and_styled(
    provider, project, project_context, stac_url, area_file, tmp_path
):
    run_and_load(
        "firstlight:ingest",
        {"AREA": area_file, "EVENT": EVENT, **DATES, "CATALOG": stac_url, "OUTPUT_FOLDER": str(tmp_path)},
        project_context,
    )
    layers = _layers(project)
    assert sorted(layers) == [f"{ITEM_ID} ndwi", f"{ITEM_ID} stack", f"{ITEM_ID} water"]

    stack = next(layer for layer in layers.values() if layer.source().endswith("_stack.vrt"))
    renderer = stack.renderer()
    assert isinstance(renderer, QgsMultiBandColorRenderer)
    # False colour: NIR, red, green of the canonical Sentinel-2 order blue, green, red, nir, ...
    assert (renderer.redBand(), renderer.greenBand(), renderer.blueBand()) == (4, 3, 2)
    for enhancement in (
        renderer.redContrastEnhancement(),
        renderer.greenContrastEnhancement(),
        renderer.blueContrastEnhancement(),
    ):
        assert 0 < enhancement.minimumValue() < enhancement.maximumValue() < 10000

    water = next(layer for layer in layers.values() if layer.source().endswith("_water.tif"))
    assert isinstance(water.renderer(), QgsPalettedRasterRenderer)
    classes = {c.value: c.color for c in water.renderer().classes()}
    assert classes[1] == styling.WATER_COLOR and classes[1].alpha() == 255
    assert classes[0].alpha() == 0  # dry land transparent; 255 is the band's no data

    ndwi = next(layer for layer in layers.values() if layer.source().endswith("_ndwi.tif"))
    assert isinstance(ndwi.renderer(), QgsSingleBandPseudoColorRenderer)
    assert (ndwi.renderer().classificationMin(), ndwi.renderer().classificationMax()) == (-1, 1)


def test_discover_footprints_are_outlines(provider, project, project_context, local_catalog, area_file):
    run_and_load(
        "firstlight:discover",
        {
            "AREA": area_file,
            "EVENT": EVENT,
            **DATES,
            "CATALOG": local_catalog,
            "FOOTPRINTS": QgsProcessingOutputLayerDefinition("TEMPORARY_OUTPUT", project),
            "SCENES_JSON": "TEMPORARY_OUTPUT",
        },
        project_context,
    )
    [footprints] = project.mapLayers().values()
    assert footprints.featureCount() == 1
    assert isinstance(footprints.renderer(), QgsSingleSymbolRenderer)
    assert footprints.renderer().symbol().symbolLayer(0).brushStyle() == 0  # Qt.NoBrush


@pytest.mark.parametrize(
    ("names", "expected"),
    [
        (["blue", "green", "red", "nir", "swir16", "swir22"], (4, 3, 2)),
        (["blue", "green", "red", "nir08", "swir16", "swir22"], (4, 3, 2)),
        (["red", "green", "nir"], (3, 1, 2)),
        (["vv", "vh"], (1, 2, 1)),
        ([""] * 6, (4, 3, 2)),
        ([""] * 2, (1, 2, 1)),
        (["a", "b", "c"], None),
    ],
)
def test_composite_bands(names, expected) -> None:
    assert styling.composite_bands(names) == expected


def test_post_processors_are_kept_alive_one_per_layer() -> None:
    first, second = styling.post_processor(styling.STACK), styling.post_processor(styling.STACK)
    assert first is not second  # the context deletes each one it holds
    assert first in styling._ALIVE and second in styling._ALIVE


def test_a_layer_without_known_bands_keeps_its_renderer(tmp_path) -> None:
    from osgeo import gdal

    path = str(tmp_path / "plain.tif")
    gdal.GetDriverByName("GTiff").Create(path, 4, 4, 3).FlushCache()  # closed at once: no reference kept
    layer = QgsRasterLayer(path, "plain")
    before = type(layer.renderer())
    assert styling.style_stack(layer) is False
    assert type(layer.renderer()) is before
