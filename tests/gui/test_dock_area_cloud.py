"""Cloud over the area from the dock: *Over the area* (on by default) has the search judge each
scene by the cloud over the drawn area, from its own cloud mask, and the table shows both figures.
The real desert scene is 4 % cloudy as a whole and over half cloudy in its north-east corner; five
days later a scene 62 % cloudy as a whole is clear there."""

from __future__ import annotations

from datetime import date

from qgis.core import QgsCoordinateReferenceSystem, QgsRectangle

from firstlight_qgis.gui import scenes as columns
from firstlight_qgis.gui.area import area_from_rectangle
from firstlight_qgis.gui.dock import LOCAL_FILE
from firstlight_qgis.processing import ingest as ingest_alg
from firstlight_qgis.processing import parameters as search_params
from tests.support.desert import DESERT_ID, LATER_ID, NORTH_EAST, two_scenes_catalog, utm_bounds

from .conftest import wait_idle
from .test_dock_search import cell


def search_the_corner(dock, tmp_path, over_the_area: bool) -> None:
    dock.set_area(
        area_from_rectangle(
            QgsRectangle(*utm_bounds(NORTH_EAST)), QgsCoordinateReferenceSystem("EPSG:32629"), "corner"
        )
    )
    dock.set_event("flood.riverine")
    dock.set_dates(date(2020, 2, 1), date(2020, 2, 29))
    dock.cloud_spin.setValue(30)
    dock.area_cloud_check.setChecked(over_the_area)
    dock.set_catalog(LOCAL_FILE, str(two_scenes_catalog(tmp_path)))
    assert dock.search()
    wait_idle(dock)


def test_the_scene_clear_over_the_area_is_found_and_both_clouds_shown(dock, tmp_path) -> None:
    assert dock.area_cloud_check.isChecked()  # the default
    search_the_corner(dock, tmp_path, over_the_area=True)
    assert dock.scenes_proxy.rowCount() == 1
    assert cell(dock, 0, columns.SCENE) == LATER_ID
    assert (cell(dock, 0, columns.CLOUD), cell(dock, 0, columns.AREA_CLOUD)) == ("62.0", "0.0")
    assert dock.scenes_model.horizontalHeaderItem(columns.AREA_CLOUD).text() == "Area cloud %"
    parameters = dock.ingest_parameters(dock.selected_scene_ids())
    assert parameters[search_params.AREA_CLOUD] is True  # the ingest's own searches judge alike
    assert parameters[ingest_alg.SCENES] == LATER_ID


def test_off_the_catalogs_figure_decides(dock, tmp_path) -> None:
    search_the_corner(dock, tmp_path, over_the_area=False)
    assert [cell(dock, row, columns.SCENE) for row in range(dock.scenes_proxy.rowCount())] == [DESERT_ID]
    assert cell(dock, 0, columns.AREA_CLOUD) == "n/a"
    assert dock.ingest_parameters(dock.selected_scene_ids())[search_params.AREA_CLOUD] is False
