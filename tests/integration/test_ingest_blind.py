"""A scene that sees no pixel of the area (cloud over all of it) still ingests, but says so: its
products are all no data, and a run that succeeded without a word read as "no water"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.ingest import ingest_scene
from tests.support.desert import NORTH_EAST, UTM29N, desert_scene, utm_bounds, write_catalog

pytestmark = pytest.mark.integration


def _all_cloud(scl: np.ndarray) -> None:
    scl[:] = 9  # cloud, high probability


@pytest.mark.parametrize(("scl", "blind"), [(_all_cloud, True), (None, False)], ids=["all cloud", "clear"])
def test_a_scene_that_sees_nothing_of_the_area_says_so(tmp_path: Path, scl, blind: bool) -> None:
    item = desert_scene(tmp_path / "scene", scl=scl, cloud=0.0, href="./scene/")
    catalog = write_catalog(tmp_path / "items.json", [item])
    area = parse_area(utm_bounds(NORTH_EAST), crs=UTM29N)
    [scene] = discover(area, "flood.riverine", "2020-02-01", "2020-02-29", catalog=str(catalog))
    result = ingest_scene(scene, tmp_path / "out", area=area, event="flood.riverine")
    said = [w for w in result.warnings if "sees no pixel of the area" in w]
    assert said == ([f"Scene {scene.id} sees no pixel of the area (clouds, or the area beyond the scene): "
                     "its products hold no data; pick a clearer scene."] if blind else [])  # fmt: skip
    assert (result.water_mask.valid_fraction == 0) == blind
