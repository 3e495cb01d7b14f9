"""The area of an ingest is the one it ran with: the map zooms to it when the ingest ends and *Map
layout* frames it, even when another area was set meanwhile (for the next search, say) or none."""

from __future__ import annotations

from qgis.core import QgsLayoutItemMap, QgsRectangle

from firstlight_qgis.gui.area import WGS84, area_from_rectangle
from firstlight_qgis.gui.dock import LOCAL_FILE
from tests.support.sample import SAMPLE

from .conftest import wait_idle
from .test_dock_search import choose


def map_extent(dock) -> QgsRectangle:
    layout = dock.make_map()
    assert layout is not None
    (map_item,) = [item for item in layout.items() if isinstance(item, QgsLayoutItemMap)]
    return map_item.extent()


def test_the_map_and_the_layout_frame_the_area_ingested(dock) -> None:
    choose(dock, LOCAL_FILE, str(SAMPLE / "catalog.json"))
    dock.search_button.click()
    wait_idle(dock)
    ingested = dock.area
    crs = dock.canvas.mapSettings().destinationCrs()
    dock.ingest_button.click()
    elsewhere = area_from_rectangle(QgsRectangle(10, 45, 10.1, 45.1), WGS84, "elsewhere")
    dock.set_area(elsewhere)  # while it runs
    wait_idle(dock)

    assert dock.canvas.extent().contains(ingested.extent_in(crs))
    assert not dock.canvas.extent().intersects(elsewhere.extent_in(crs))
    extent = map_extent(dock)
    assert extent.contains(ingested.extent_in(crs)) and not extent.intersects(elsewhere.extent_in(crs))
    dock.clear_area()
    assert map_extent(dock).toString(0) == extent.toString(0)
