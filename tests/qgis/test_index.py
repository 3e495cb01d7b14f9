"""firstlight:index on an ingested stack, after a native raster step, and on Sentinel-1."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import (
    QgsApplication,
    QgsPalettedRasterRenderer,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputLayerDefinition,
    QgsSingleBandPseudoColorRenderer,
)

from tests.conftest import RASTER_FIXTURES
from tests.qgis.support import DATES, EVENT, RecordingFeedback, our_line, run, run_and_load


@pytest.fixture(scope="module")
def stack(plugin, stac_url, area_file, tmp_path_factory) -> str:
    """A stack ingested once for this module (clipped to the sample area)."""
    out = tmp_path_factory.mktemp("ingested")
    results = run(
        "firstlight:ingest",
        {"AREA": area_file, "EVENT": EVENT, **DATES, "CATALOG": stac_url, "OUTPUT_FOLDER": str(out)},
    )
    return results["OUTPUT_STACK"]


def _mndwi_by_otsu(stack: str, folder: Path, feedback: RecordingFeedback) -> dict:
    """firstlight:index: the MNDWI of a Sentinel-2 ``stack`` and its water by Otsu's threshold."""
    parameters = {
        "INPUT": stack,
        "INDEX": "mndwi",
        "SENSOR": "sentinel2",
        "WATER_THRESHOLD": "otsu",
        "OUTPUT": str(folder / "mndwi.tif"),
        "OUTPUT_WATER": str(folder / "water.tif"),
    }
    return run("firstlight:index", parameters, feedback)


class _CancelInSecondPass(RecordingFeedback):
    """Cancels once the progress is past half: in the pass that classifies the water by Otsu's
    threshold, after the index was written."""

    def __init__(self) -> None:
        super().__init__()
        self.progressChanged.connect(self._cancel_past_half)

    def _cancel_past_half(self, percent: float) -> None:
        if percent > 50:
            self.cancel()


def test_cancelled_while_otsu_classifies_the_water_nothing_is_left(provider, stack, tmp_path) -> None:
    tall = str(tmp_path / "tall.vrt")
    gdal.Translate(
        tall, stack, format="VRT", widthPct=300, heightPct=300
    )  # strips enough to stop between two
    out = tmp_path / "out"
    out.mkdir()
    feedback = _CancelInSecondPass()
    with pytest.raises(QgsProcessingException) as raised:
        _mndwi_by_otsu(tall, out, feedback)
    assert 50 < feedback.progress_values[-1] < 100  # stopped in the second pass
    assert our_line(raised.value) == (
        "The computation was cancelled; no output was written, run it again to get it."
    )
    assert list(out.iterdir()) == []  # as it says: not the index either


def test_mndwi_with_otsu_after_a_gdal_clip(provider, stack, tmp_path) -> None:
    """Any raster step may come before the index: here GDAL's clip by extent, in a model's place."""
    source = gdal.Open(stack)
    west, size_x, _, north, _, size_y = source.GetGeoTransform()
    clip = f"{west + 40 * size_x},{west + 400 * size_x},{north + 400 * size_y},{north + 40 * size_y}"
    clipped = run(
        "gdal:cliprasterbyextent",
        {"INPUT": stack, "PROJWIN": clip, "OUTPUT": str(tmp_path / "clipped.tif")},
    )["OUTPUT"]

    feedback = RecordingFeedback()
    results = _mndwi_by_otsu(clipped, tmp_path, feedback)
    assert not feedback.warnings  # a river: two modes, Otsu is trusted
    index = gdal.Open(results["OUTPUT"])
    assert index.GetMetadataItem("FIRSTLIGHT_INDEX") == "mndwi"
    assert index.RasterXSize == gdal.Open(clipped).RasterXSize
    values = index.ReadAsArray()
    assert np.nanmin(values) >= -1 and np.nanmax(values) <= 1
    water = gdal.Open(results["OUTPUT_WATER"]).ReadAsArray()
    assert set(np.unique(water)) <= {0, 1, 255}
    assert np.array_equal(water == 1, values > results["THRESHOLD"])
    assert 0 < results["THRESHOLD"] < 0.5
    assert 0.05 < results["WATER_FRACTION"] < 0.3


def test_otsu_over_a_desert_warns_that_it_found_no_clear_water(provider, tmp_path) -> None:
    """A real Sentinel-2 scene of the Western Sahara, no water: Otsu splits the sand all the same."""
    desert = RASTER_FIXTURES / "s2_29RKH_20200219_desert"
    bands = [str(desert / f"{name}.tif") for name in ("B02", "B03", "B04", "B08", "B11", "B12")]
    gdal.BuildVRT(str(tmp_path / "stack.vrt"), bands, separate=True, resolution="highest")
    feedback = RecordingFeedback()
    results = _mndwi_by_otsu(str(tmp_path / "stack.vrt"), tmp_path, feedback)
    assert results["WATER_FRACTION"] > 0.2  # what Otsu makes of one mode
    [caveat] = [w for w in feedback.warnings if w.startswith("Otsu's threshold")]
    assert "found no clear water" in caveat and caveat.endswith("use a fixed threshold such as 0.")


def test_index_and_water_mask_in_one_pass_report_progress_strip_by_strip(provider, stack, tmp_path) -> None:
    feedback = RecordingFeedback()
    results = run(
        "firstlight:index",
        {
            "INPUT": stack,
            "INDEX": "ndwi",
            "WATER_THRESHOLD": "0.1",
            "OUTPUT": str(tmp_path / "ndwi.tif"),
            "OUTPUT_WATER": str(tmp_path / "water.tif"),
        },
        feedback,
    )
    index = gdal.Open(results["OUTPUT"]).ReadAsArray()
    water = gdal.Open(results["OUTPUT_WATER"]).ReadAsArray()
    valid = np.isfinite(index)
    expected = np.where(valid, (index > 0.1).astype(np.uint8), 255)
    assert np.array_equal(water, expected)  # the mask of the index as written, pixel for pixel
    assert results["THRESHOLD"] == 0.1
    assert results["WATER_FRACTION"] == (water == 1).sum() / valid.sum()
    _, cell_x, _, _, _, cell_y = gdal.Open(results["OUTPUT_WATER"]).GetGeoTransform()
    assert results["WATER_AREA_KM2"] == pytest.approx((water == 1).sum() * abs(cell_x * cell_y) / 1e6)
    strips = -(-index.shape[0] // 256)
    steps = feedback.progress_values
    assert strips >= 2 and len(steps) == strips  # one step per strip of 256 rows
    assert steps == sorted(steps) and steps[-1] == 100


def test_index_outputs_load_styled(provider, stack, project, project_context, tmp_path) -> None:
    run_and_load(
        "firstlight:index",
        {
            "INPUT": stack,
            "INDEX": "ndwi",
            "OUTPUT": QgsProcessingOutputLayerDefinition(str(tmp_path / "ndwi.tif"), project),
            "OUTPUT_WATER": QgsProcessingOutputLayerDefinition(str(tmp_path / "water.tif"), project),
        },
        project_context,
    )
    layers = {Path(layer.source()).name: layer for layer in project.mapLayers().values()}
    assert isinstance(layers["ndwi.tif"].renderer(), QgsSingleBandPseudoColorRenderer)
    assert isinstance(layers["water.tif"].renderer(), QgsPalettedRasterRenderer)


def test_outputs_left_out_are_temporary_and_only_a_water_index_has_water(provider, stack) -> None:
    """As a model's step whose outputs are not asked for, or qgis_process given none: the index and
    its water mask are written all the same, to temporary files; NDVI has no water to write."""
    ndwi = run("firstlight:index", {"INPUT": stack, "INDEX": "ndwi"})
    assert gdal.Open(ndwi["OUTPUT"]).GetMetadataItem("FIRSTLIGHT_INDEX") == "ndwi"
    water = gdal.Open(ndwi["OUTPUT_WATER"]).ReadAsArray()
    assert ndwi["WATER_FRACTION"] == (water == 1).sum() / (water != 255).sum() > 0.05
    ndvi = run("firstlight:index", {"INPUT": stack, "INDEX": "ndvi"})
    assert Path(ndvi["OUTPUT"]).is_file()
    assert (ndvi["OUTPUT_WATER"], ndvi["WATER_FRACTION"]) == (None, None)


@pytest.mark.parametrize("index", ["ndvi", "nbr"])
def test_a_water_mask_of_an_index_that_does_not_tell_water_is_refused(
    provider, stack, tmp_path, index
) -> None:
    """Above a threshold, NDVI is vegetation and NBR unburnt land: their "water" would be neither.
    Refused by the check the dialog runs before the run, and by the run itself (a model's step)."""
    parameters = {
        "INPUT": stack,
        "INDEX": index,
        "OUTPUT": str(tmp_path / "index.tif"),
        "OUTPUT_WATER": str(tmp_path / "water.tif"),
    }
    problem = (
        f"{index.upper()} does not tell water from land, so it has no water mask: leave OUTPUT_WATER "
        "empty, or choose NDWI or MNDWI."
    )
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("firstlight:index")
    assert algorithm.checkParameterValues(parameters, QgsProcessingContext()) == (False, problem)
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:index", parameters)
    assert our_line(raised.value) == problem
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def sentinel1(tmp_path) -> str:
    """VV (and VH) in linear power: -30, -30, -10, -10 dB over -23, -7, no data, -13 dB."""
    path = str(tmp_path / "s1.tif")
    dataset = gdal.GetDriverByName("GTiff").Create(path, 4, 2, 2, gdal.GDT_Float32)
    dataset.SetGeoTransform((500000, 10, 0, 7000000, 0, -10))
    dataset.SetProjection("EPSG:32722")
    vv = np.array([[0.001, 0.001, 0.1, 0.1], [0.005, 0.2, 0.0, 0.05]], dtype=np.float32)  # 0: no data
    for number, (name, values) in enumerate((("vv", vv), ("vh", vv / 5)), start=1):
        dataset.GetRasterBand(number).SetDescription(name)
        dataset.GetRasterBand(number).WriteArray(values)
    dataset = None
    return path


def test_sentinel1_water_from_vv(provider, sentinel1, tmp_path) -> None:
    results = run(
        "firstlight:index",
        {
            "INPUT": sentinel1,
            "SENSOR": "sentinel1",
            "SAR_THRESHOLD_DB": -18,
            "SAR_SPECKLE_WINDOW": 0,
            "OUTPUT": str(tmp_path / "water.tif"),
        },
    )
    mask = gdal.Open(results["OUTPUT"]).ReadAsArray()
    # -30 dB and -23 dB are water; -10, -7 and -13 dB are not; 0 has no backscatter at all.
    assert mask.tolist() == [[1, 1, 0, 0], [1, 0, 255, 0]]
    assert results["THRESHOLD"] == -18
    assert results["WATER_AREA_KM2"] == pytest.approx(3 * 100 / 1e6)  # three 10 m pixels


def test_sentinel1_water_is_in_the_water_mask_output_too(provider, sentinel1, tmp_path) -> None:
    """What the steps after it read (floodextent, polygons, a model's) is OUTPUT_WATER, for a radar
    scene as for an optical one: it holds the same mask as OUTPUT."""
    results = run(
        "firstlight:index",
        {
            "INPUT": sentinel1,
            "SENSOR": "sentinel1",
            "INDEX": "mndwi",
            "SAR_SPECKLE_WINDOW": 0,
            "OUTPUT": str(tmp_path / "index.tif"),
            "OUTPUT_WATER": str(tmp_path / "water.tif"),
        },
    )
    assert results["OUTPUT_WATER"] == str(tmp_path / "water.tif")
    assert gdal.Open(results["OUTPUT_WATER"]).ReadAsArray().tolist() == [[1, 1, 0, 0], [1, 0, 255, 0]]
    assert (tmp_path / "water.tif").read_bytes() == (tmp_path / "index.tif").read_bytes()
    # an NDVI asked of a radar scene gives the same mask: the index is not used
    ndvi = run("firstlight:index", {"INPUT": sentinel1, "SENSOR": "sentinel1", "INDEX": "ndvi"})
    assert gdal.Open(ndvi["OUTPUT_WATER"]).ReadAsArray().tolist() == [[1, 1, 0, 0], [1, 1, 255, 0]]


@pytest.mark.parametrize("sensor", ["sentinel1", "sentinel2"])
def test_a_water_mask_given_the_index_file_is_refused(provider, sentinel1, stack, tmp_path, sensor) -> None:
    """For radar, the mask was copied onto itself, the copy failed and removed it ("None"); for an
    optical index, the mask was written over the index (a traceback, an all-zero file left)."""
    parameters = {
        "INPUT": sentinel1 if sensor == "sentinel1" else stack,
        "SENSOR": sensor,
        "INDEX": "ndwi",
        "OUTPUT": str(tmp_path / "out.tif"),
        "OUTPUT_WATER": str(tmp_path / "out.tif"),
    }
    problem = "OUTPUT_WATER is the same file as OUTPUT: give the water mask a file of its own."
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("firstlight:index")
    assert algorithm.checkParameterValues(parameters, QgsProcessingContext()) == (False, problem)
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:index", parameters)
    assert our_line(raised.value) == problem
    assert not (tmp_path / "out.tif").exists()


def test_sentinel1_speckle_is_filtered_by_default(provider, sentinel1, tmp_path) -> None:
    results = run(
        "firstlight:index",
        {"INPUT": sentinel1, "SENSOR": "sentinel1", "OUTPUT": str(tmp_path / "water.tif")},
    )
    water = gdal.Open(results["OUTPUT"])
    # Three of the five valid pixels around the -7 dB one, itself included, are water (-30, -30 and
    # -23 dB): so is it, a boat or a speckle in the river.
    assert water.ReadAsArray().tolist() == [[1, 1, 0, 0], [1, 1, 255, 0]]
    assert water.GetMetadataItem("FIRSTLIGHT_SPECKLE_FILTER") == "median 3x3"
    assert results["WATER_AREA_KM2"] == pytest.approx(4 * 100 / 1e6)


def test_an_even_speckle_window_is_one_clear_line(provider, sentinel1, tmp_path) -> None:
    with pytest.raises(QgsProcessingException) as raised:
        run(
            "firstlight:index",
            {
                "INPUT": sentinel1,
                "SENSOR": "sentinel1",
                "SAR_SPECKLE_WINDOW": 4,
                "OUTPUT": str(tmp_path / "water.tif"),
            },
        )
    assert str(raised.value).splitlines()[-1] == (
        "The speckle filter's window must be an odd number of pixels from 3 to 15, or 0 for none; 4 is not."
    )
    assert not (tmp_path / "water.tif").exists()


@pytest.mark.parametrize(
    ("parameters", "problem"),
    [
        ({"INDEX": "evi"}, "Unknown index 'evi': choose one of ndwi, mndwi, nbr, ndvi."),
        ({"SENSOR": "modis"}, "Unknown sensor 'modis': choose one of sentinel2, landsat, sentinel1."),
        (
            {"WATER_THRESHOLD": "lots"},
            "The water threshold 'lots' is not valid: give a number such as 0, or otsu.",
        ),
    ],
)
def test_bad_choices_are_one_clear_line(provider, stack, tmp_path, parameters, problem) -> None:
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:index", {"INPUT": stack, "OUTPUT": str(tmp_path / "x.tif"), **parameters})
    assert str(raised.value).splitlines()[-1] == problem


def test_an_output_that_is_not_geotiff_is_refused(provider, stack, tmp_path) -> None:
    with pytest.raises(QgsProcessingException, match=r"must be a GeoTIFF \(\.tif\)"):
        run("firstlight:index", {"INPUT": stack, "OUTPUT": str(tmp_path / "x.sdat")})
