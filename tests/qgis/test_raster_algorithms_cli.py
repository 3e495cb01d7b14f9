"""firstlight:floodextent, burnseverity and polygons run as a user runs them from qgis_process: the
rasters given stay as they were (no statistics file appears beside them, GDAL prints nothing of its
own), one file given as both the before and the after of a change is refused in one sentence before
anything is written, the polygons need no OUTPUT, and their count reads right for one."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingException

from tests.qgis.support import RecordingFeedback, our_line, run

# What FirstLight writes in a water mask (uint8, 255 no data) and in an NBR (float32, NaN no data).
_KINDS = {
    np.uint8: (gdal.GDT_Byte, 255, "FIRSTLIGHT_PRODUCT", "water_mask"),
    np.float32: (gdal.GDT_Float32, float("nan"), "FIRSTLIGHT_INDEX", "nbr"),
}


def _raster(path: Path, values: np.ndarray, west: float = 500000.0) -> str:
    """A one-band GeoTIFF in UTM 21S, 10 m pixels: a water mask or an NBR, by ``values``' type."""
    kind, nodata, key, name = _KINDS[values.dtype.type]
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), values.shape[1], values.shape[0], 1, kind)
    dataset.SetGeoTransform((west, 10, 0, 6400000, 0, -10))
    dataset.SetProjection("EPSG:32721")
    dataset.SetMetadataItem(key, name)
    band = dataset.GetRasterBand(1)
    band.SetNoDataValue(nodata)
    band.WriteArray(values)
    dataset = None
    return str(path)


@pytest.fixture
def masks(tmp_path: Path) -> dict[str, str]:
    """Before and after masks of one place, and a mask of no data elsewhere, in a folder of their own."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    before = np.zeros((40, 40), dtype=np.uint8)
    before[:10] = 1
    after = before.copy()
    after[10:20] = 1
    return {
        "before": _raster(folder / "before.tif", before),
        "after": _raster(folder / "after.tif", after),
        "empty": _raster(folder / "empty.tif", np.full((40, 40), 255, dtype=np.uint8), west=900000.0),
    }


def _run_as_qgis_process(algorithm: str, parameters: dict) -> dict:
    """``algorithm`` run as qgis_process runs it: each value checked against its parameter first
    (which opens the layers), then the run; its layers closed once it ends, as when qgis_process
    exits, which is when GDAL would write a statistics file."""
    context = QgsProcessingContext()
    try:
        for definition in QgsApplication.processingRegistry().algorithmById(algorithm).parameterDefinitions():
            definition.checkValueIsAcceptable(parameters.get(definition.name()), context)
        return run(algorithm, parameters, context=context)
    finally:
        context.temporaryLayerStore().removeAllMapLayers()


def _gdal_lines(stderr: str) -> list[str]:
    """What GDAL printed itself: "ERROR 1: ..., band 1: Failed to compute statistics ..."."""
    return [line for line in stderr.splitlines() if re.match(r"(ERROR|Warning) \d+: ", line)]


def _beside(inputs: dict[str, str]) -> list[str]:
    """The files in the inputs' folder that are not the inputs."""
    folder = Path(next(iter(inputs.values()))).parent
    return sorted(path.name for path in folder.iterdir() if str(path) not in inputs.values())


def test_a_flood_extent_leaves_its_inputs_alone(provider, masks, tmp_path, capfd) -> None:
    given = {"BEFORE": masks["before"], "AFTER": masks["after"], "OUTPUT": str(tmp_path / "flood.tif")}
    results = _run_as_qgis_process("firstlight:floodextent", given)
    assert results["CHANGED_FRACTION"] == pytest.approx(0.25)
    assert _beside(masks) == []
    assert _gdal_lines(capfd.readouterr().err) == []


def test_polygons_of_a_mask_leave_it_alone(provider, masks, tmp_path, capfd) -> None:
    given = {"INPUT": masks["after"], "MIN_AREA_M2": 0, "OUTPUT": str(tmp_path / "water.gpkg")}
    assert _run_as_qgis_process("firstlight:polygons", given)["FEATURES"] == 1
    assert _beside(masks) == []
    assert _gdal_lines(capfd.readouterr().err) == []


def test_a_mask_of_no_data_is_one_sentence_and_nothing_from_gdal(provider, masks, tmp_path, capfd) -> None:
    given = {"BEFORE": masks["empty"], "AFTER": masks["after"], "OUTPUT": str(tmp_path / "flood.tif")}
    with pytest.raises(QgsProcessingException) as raised:
        _run_as_qgis_process("firstlight:floodextent", given)
    assert our_line(raised.value) == (
        "The pre-event water mask empty.tif and the post-event water mask after.tif do not overlap: give "
        "two rasters of the same place."
    )
    assert _gdal_lines(capfd.readouterr().err) == []
    assert _beside(masks) == []


@pytest.mark.parametrize(
    ("algorithm", "outputs", "kind"),
    [
        ("firstlight:floodextent", ("OUTPUT",), "water mask"),
        ("firstlight:burnseverity", ("OUTPUT", "OUTPUT_SEVERITY"), "NBR"),
    ],
)
def test_one_file_as_before_and_after_is_refused(provider, tmp_path, algorithm, outputs, kind) -> None:
    values = np.zeros((20, 20), dtype=np.uint8 if kind == "water mask" else np.float32)
    same = _raster(tmp_path / "same.tif", values)
    given = {"BEFORE": same, "AFTER": str(tmp_path / "." / "same.tif")}
    given |= {name: str(tmp_path / "out" / f"{name}.tif") for name in outputs}
    with pytest.raises(QgsProcessingException) as raised:
        run(algorithm, given)
    assert our_line(raised.value) == (
        f"The pre-event and the post-event {kind} are the same file, same.tif: give the {kind} of a scene "
        "from before the event and that of one after it."
    )
    assert not (tmp_path / "out").exists()


def test_polygons_without_output_go_to_a_temporary_layer(provider, masks) -> None:
    results = run("firstlight:polygons", {"INPUT": masks["after"], "MIN_AREA_M2": 0})
    assert results["FEATURES"] == 1
    assert results["OUTPUT"].featureCount() == 1


@pytest.mark.parametrize(
    ("patches", "min_area_m2", "line"),
    [
        (1, 0, "1 polygon (patches of 1 pixel or more)."),
        (2, 0, "2 polygons (patches of 1 pixel or more)."),
        (1, 300, "1 polygon (patches of 3 pixels or more)."),
        (2, 300, "2 polygons (patches of 3 pixels or more)."),
    ],
)
def test_the_polygon_count_is_singular_for_one(provider, tmp_path, patches, min_area_m2, line) -> None:
    water = np.zeros((20, 20), dtype=np.uint8)
    water[2:6, 2:6] = 1
    if patches == 2:
        water[12:16, 12:16] = 1
    feedback = RecordingFeedback()
    given = {"INPUT": _raster(tmp_path / "water.tif", water), "MIN_AREA_M2": min_area_m2}
    run("firstlight:polygons", given | {"OUTPUT": "TEMPORARY_OUTPUT"}, feedback)
    assert line in feedback.infos
