"""firstlight:index told the wrong sensor or scale for a stack: an index without a single valid pixel
is refused, leaving nothing that looks complete; a scale it cannot use is refused before anything is
written; a water threshold outside the index's range is warned of."""

from __future__ import annotations

from pathlib import Path

import pytest
from qgis.core import QgsProcessingException

from tests.qgis.support import DATES, EVENT, RecordingFeedback, our_line, run

NOTHING_VALID = (
    "No pixel of the NDWI is valid, so nothing was written: the sensor (landsat) or the reflectance scale "
    "and offset most likely do not match the stack, or it holds only no data."
)


@pytest.fixture(scope="module")
def stack(plugin, local_catalog, area_file, tmp_path_factory) -> str:
    """A Sentinel-2 stack ingested from the sample's local catalog."""
    out = tmp_path_factory.mktemp("reflectance")
    parameters = {"AREA": area_file, "EVENT": EVENT, **DATES, "CATALOG": local_catalog}
    return run("firstlight:ingest", parameters | {"OUTPUT_FOLDER": str(out)})["OUTPUT_STACK"]


def _index(stack: str, folder: Path, feedback: RecordingFeedback | None = None, **extra) -> dict:
    parameters = {
        "INPUT": stack,
        "INDEX": "ndwi",
        "OUTPUT": str(folder / "ndwi.tif"),
        "OUTPUT_WATER": str(folder / "water.tif"),
    }
    return run("firstlight:index", parameters | extra, feedback)


@pytest.mark.parametrize("threshold", ["0", "otsu"])
def test_a_sentinel2_stack_read_as_landsat_is_refused(provider, stack, tmp_path, threshold) -> None:
    """Landsat's scaling (DN x 0.0000275 - 0.2) makes every Sentinel-2 reflectance negative."""
    with pytest.raises(QgsProcessingException) as raised:
        _index(stack, tmp_path, SENSOR="landsat", WATER_THRESHOLD=threshold)
    assert our_line(raised.value) == NOTHING_VALID
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("given", "problem"),
    [
        (
            {"REFLECTANCE_SCALE": "0"},
            "The reflectance scale '0' is not valid: give a number above 0, such as 0.0001, or leave it "
            "empty for the sensor's default.",
        ),
        (
            {"REFLECTANCE_SCALE": "abc"},
            "The reflectance scale 'abc' is not valid: give a number above 0, such as 0.0001, or leave it "
            "empty for the sensor's default.",
        ),
        (
            {"REFLECTANCE_SCALE": -0.0001},
            "The reflectance scale '-0.0001' is not valid: give a number above 0, such as 0.0001, or leave "
            "it empty for the sensor's default.",
        ),
        (
            {"REFLECTANCE_OFFSET": "x"},
            "The reflectance offset 'x' is not a number: give one, such as -0.1, or leave it empty for the "
            "sensor's default.",
        ),
    ],
    ids=["zero", "text", "negative", "offset-text"],
)
def test_a_scale_it_cannot_use_is_refused_before_writing(provider, stack, tmp_path, given, problem) -> None:
    with pytest.raises(QgsProcessingException) as raised:
        _index(stack, tmp_path, **given)
    assert our_line(raised.value) == problem
    assert list(tmp_path.iterdir()) == []


def test_a_scale_given_is_applied(provider, stack, tmp_path) -> None:
    """Sentinel-2's own scale given explicitly, with an offset: the index is computed as usual."""
    results = _index(stack, tmp_path, REFLECTANCE_SCALE="0.0001", REFLECTANCE_OFFSET="0")
    assert results["VALID_FRACTION"] > 0.99


@pytest.mark.parametrize(("threshold", "water"), [("-5", 1.0), ("2", 0.0)])
def test_a_threshold_outside_the_index_range_is_warned_of(
    provider, stack, tmp_path, threshold, water
) -> None:
    feedback = RecordingFeedback()
    results = _index(stack, tmp_path, feedback, WATER_THRESHOLD=threshold)
    assert results["WATER_FRACTION"] == water
    assert feedback.warnings == [
        f"The water threshold {threshold} lies outside the index's range (-1 to 1): every pixel falls on "
        "one side of it; give a number between -1 and 1, such as 0, or otsu."
    ]


def test_a_threshold_inside_the_range_says_nothing(provider, stack, tmp_path) -> None:
    feedback = RecordingFeedback()
    _index(stack, tmp_path, feedback, WATER_THRESHOLD="0.2")
    assert feedback.warnings == []
