"""Polygons from the dock: *Polygons of the flood, burn or water* puts the flood extent's polygons
on top of the scene's group, styled by class, in place of the raster they are made of, and an ingest
again replaces them in place."""

from __future__ import annotations

from qgis.core import Qgis, QgsCategorizedSymbolRenderer, QgsProject, QgsVectorLayer

from tests.support.sample import FLOODED_ID, ITEM_ID, flood_catalog

from .conftest import wait_idle
from .test_dock_change import search_january_against_december
from .test_dock_ingest import group_layers

CRITICAL = Qgis.MessageLevel.Critical


def _names(scene_id: str) -> list[str]:
    return [
        node.layer().name() for node in QgsProject.instance().layerTreeRoot().findGroup(scene_id).findLayers()
    ]


def test_a_flood_ingest_with_polygons_adds_them_on_top(dock, messages, tmp_path) -> None:
    search_january_against_december(dock, flood_catalog(tmp_path / "flood"), "flood.riverine")
    dock.output_widget.setFilePath(str(tmp_path / "out"))
    dock.polygons_check.setChecked(True)
    dock.ingest_button.click()
    wait_idle(dock)

    assert not messages(CRITICAL), messages(CRITICAL)
    assert _names(FLOODED_ID) == ["flood extent polygons", "flood", "water", "ndwi", "stack"]
    node = group_layers(FLOODED_ID)["flood extent polygons"]
    layer = node.layer()
    assert isinstance(layer, QgsVectorLayer) and node.isVisible()
    # The flood raster they are made of is hidden, not drawn twice; the water mask stays shown.
    assert not group_layers(FLOODED_ID)["flood"].isVisible() and group_layers(FLOODED_ID)["water"].isVisible()
    assert layer.source() == str(tmp_path / "out" / FLOODED_ID / f"{FLOODED_ID}_flood.gpkg")
    assert isinstance(layer.renderer(), QgsCategorizedSymbolRenderer)
    assert [category.label() for category in layer.renderer().categories()] == [
        "Flooded",
        "Water before the event",
    ]
    count = layer.featureCount()
    assert count > 0
    assert "water mask polygons" not in group_layers(ITEM_ID)  # before: its water is "water before"

    # Again, with its layers on the map: replaced in place, not duplicated.
    dock.ingest_button.click()
    wait_idle(dock)
    assert not messages(CRITICAL), messages(CRITICAL)
    assert _names(FLOODED_ID) == ["flood extent polygons", "flood", "water", "ndwi", "stack"]
    assert group_layers(FLOODED_ID)["flood extent polygons"].layer().featureCount() == count
    assert not group_layers(FLOODED_ID)["flood"].isVisible()


def test_polygons_are_offered_where_there_are_classes(dock) -> None:
    dock.polygons_check.setChecked(True)
    dock.set_event("flood.riverine")
    assert dock.polygons_check.isEnabled()  # the water, or the flood
    dock.set_event("wildfire.burn_scar")
    dock.pre_event_check.setChecked(False)
    assert not dock.polygons_check.isEnabled()  # NBR alone has no classes
    dock.pre_event_check.setChecked(True)
    assert dock.polygons_check.isEnabled()  # burn severity
    dock.set_event("drought.vegetation")
    assert not dock.polygons_check.isEnabled()
    assert dock.polygons_check.isChecked()  # the choice kept for the next flood
