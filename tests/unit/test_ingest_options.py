"""``IngestOptions`` refuse, where they are written, a value the ingest cannot take: before any
download, and never taken another way (the string "no" is true)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from firstlight_qgis.core.errors import InputError
from firstlight_qgis.core.ingest import IngestOptions


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ({"clip_to_area": "no"}, "clip_to_area 'no' is not valid: give True or False"),
        ({"polygons": "false"}, "polygons 'false' is not valid: give True or False"),
        ({"parallel_downloads": 0}, "parallel_downloads 0 is not valid: give a whole number of 1 or more"),
        ({"parallel_downloads": 1.5}, "parallel_downloads 1.5 is not valid"),
        ({"parallel_downloads": "4"}, "parallel_downloads '4' is not valid"),
        ({"max_retries": -1}, "max_retries -1 is not valid: give a whole number of 0 or more"),
        ({"max_retries": None}, "max_retries None is not valid"),
        ({"timeout": 0}, "timeout 0 is not valid: give a number of more than 0"),
        ({"timeout": float("nan")}, "timeout nan is not valid"),
        ({"lock_wait_s": -1}, "lock_wait_s -1 is not valid: give a number of 0 or more"),
        ({"resolution_mode": "foo"}, "resolution_mode 'foo' is not valid: give one of resample"),
        ({"water_threshold": "abc"}, "water threshold 'abc' is not valid: give a number such as 0, or otsu"),
        ({"water_threshold": float("inf")}, "water threshold 'inf' is not valid"),
        ({"sar_threshold_db": float("nan")}, "Sentinel-1 water threshold nan is not valid"),
        ({"sar_threshold_db": "x"}, "Sentinel-1 water threshold 'x' is not valid"),
        ({"speckle_window": 4}, "odd number of pixels from 3 to 15"),
        ({"retry_policy": "fast"}, "retry_policy is not valid: give a RetryPolicy"),
        ({"polygon_min_area_m2": float("inf")}, "minimum area must be 0 m² or more, not inf"),
        ({"polygon_min_area_m2": "x"}, "minimum area must be 0 m² or more, not x"),
    ],
)
def test_a_value_the_ingest_cannot_take_is_one_sentence(given: dict, said: str) -> None:
    with pytest.raises(InputError, match=said.replace("(", r"\(")):
        IngestOptions(**given)


def test_numbers_of_numpy_and_otsu_in_any_case_are_taken() -> None:
    options = IngestOptions(
        parallel_downloads=np.int64(8),
        max_retries=np.int32(0),
        timeout=np.float32(5),
        water_threshold=np.float64(0.1),
        sar_threshold_db=-20,
        speckle_window=np.int64(5),
        polygon_min_area_m2=np.float32(1e12),
    )
    assert (options.parallel_downloads, options.speckle_window) == (8, 5)
    assert IngestOptions(water_threshold=" OTSU ").water_threshold == " OTSU "


def test_options_cannot_be_changed_past_their_checks() -> None:
    options = IngestOptions()
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.parallel_downloads = 0  # type: ignore[misc]
    with pytest.raises(InputError, match="parallel_downloads 0"):
        dataclasses.replace(options, parallel_downloads=0)
