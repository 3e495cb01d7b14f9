"""A mosaic from the dock: two scenes of one day, each over part of the area, ingested with *Mosaic
the scenes*, give a group *mosaic* with one layer per product and the whole area's summary."""

from __future__ import annotations

import re

from osgeo import gdal
from qgis.core import Qgis, QgsPalettedRasterRenderer, QgsProject

from firstlight_qgis.gui.dock import LOCAL_FILE
from tests.support.sample import EAST_ID, WEST_ID, split_catalog

from .conftest import wait_idle
from .test_dock_search import choose

SUCCESS = Qgis.MessageLevel.Success
CRITICAL = Qgis.MessageLevel.Critical


def test_two_scenes_ingested_with_mosaic_get_a_mosaic_group(dock, messages, tmp_path) -> None:
    choose(
        dock, LOCAL_FILE, str(split_catalog(tmp_path / "catalog")), start=(2018, 12, 1), end=(2018, 12, 31)
    )
    dock.search_button.click()
    wait_idle(dock)
    dock.select_scenes([WEST_ID, EAST_ID])
    dock.output_widget.setFilePath(str(tmp_path / "out"))
    dock.mosaic_check.setChecked(True)
    dock.ingest_button.click()
    wait_idle(dock)

    assert not messages(CRITICAL), messages(CRITICAL)
    group = QgsProject.instance().layerTreeRoot().findGroup("mosaic")
    assert group is not None
    layers = {node.layer().name(): node for node in group.findLayers()}
    assert set(layers) == {"water", "ndwi"}
    assert layers["water"].isVisible() and isinstance(
        layers["water"].layer().renderer(), QgsPalettedRasterRenderer
    )
    assert layers["water"].layer().source() == str(tmp_path / "out" / "mosaic" / "water.tif")
    (success,) = messages(SUCCESS)
    # The whole area's water, once: the mosaic's, more than the first scene's alone.
    [area] = re.findall(r"Water: [\d.]+% of the valid pixels\. Area: ([\d.]+) km²\.", success)
    water = gdal.Open(str(tmp_path / "out" / "mosaic" / "water.tif")).ReadAsArray()
    assert area == f"{(water == 1).sum() * 400 / 1e6:.2f}"
    west = gdal.Open(str(tmp_path / "out" / WEST_ID / f"{WEST_ID}_water.tif")).ReadAsArray()
    assert (west == 1).sum() < (water == 1).sum()
