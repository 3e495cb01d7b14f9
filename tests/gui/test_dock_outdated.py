"""Scenes listed for other choices than those shown: the ingest runs with the search's event, dates,
cloud cover and catalog, so when one of them changes (after the search, or while it runs) the list
goes and the dock says to search again; *Compare with* goes likewise with new earlier dates or a
new area, whose scenes the ingest would look among."""

from __future__ import annotations

import json
from datetime import date

from qgis.core import Qgis, QgsGeometry, QgsProject

from firstlight_qgis.gui.area import area_from_geometry
from firstlight_qgis.gui.dock import LOCAL_FILE
from firstlight_qgis.gui.pre_event import AUTOMATIC
from firstlight_qgis.processing import ingest as ingest_alg
from tests.support.sample import FLOODED_ID, ITEM_ID, SAMPLE

from .conftest import UTM22S, wait_idle
from .test_dock_ingest import group_layers
from .test_dock_pre_event import EARLY_ID, two_decembers
from .test_dock_search import choose

CRITICAL = Qgis.MessageLevel.Critical
WARNING = Qgis.MessageLevel.Warning
EVENT_CHANGED = (
    "The scenes were searched for Riverine flood; the event is now Drought (vegetation): press Search again."
)
OTHER_CHOICES = (
    "The scenes were searched with other dates, cloud cover or catalog than those shown: press Search again."
)
EARLIER_CHANGED = (
    "The earlier scene's dates or the area changed during the search: the ingest looks for the scene "
    "from before the event itself."
)


def search_the_sample(dock) -> None:
    choose(dock, LOCAL_FILE, str(SAMPLE / "catalog.json"))
    dock.search_button.click()
    wait_idle(dock)
    assert dock.selected_scene_ids() == [ITEM_ID]


def test_a_new_event_empties_the_scenes_searched_for_the_other(dock, messages) -> None:
    search_the_sample(dock)
    assert dock.footprints_layer() is not None

    dock.set_event("drought.vegetation")
    assert dock.status_label.text() == EVENT_CHANGED
    assert dock.scenes_proxy.rowCount() == 0 and not dock.ingest_button.isEnabled()
    names = [layer.name() for layer in QgsProject.instance().mapLayers().values()]
    assert "FirstLight scenes" not in names and dock.footprint_band.asGeometry().isEmpty()
    assert not dock.ingest()
    assert messages(WARNING) == ["FirstLight:Search first, then select one or more scenes in the table."]


def test_an_event_changed_while_searching_is_searched_again_and_ingested_under_it(dock, messages) -> None:
    choose(dock, LOCAL_FILE, str(SAMPLE / "catalog.json"))
    assert dock.search()
    dock.set_event("drought.vegetation")  # while the flood's search runs
    wait_idle(dock)
    assert dock.scenes_proxy.rowCount() == 0
    assert dock.status_label.text() == EVENT_CHANGED
    assert messages(WARNING) == [f"FirstLight:{EVENT_CHANGED}"]

    dock.search_button.click()
    wait_idle(dock)
    dock.ingest_button.click()
    wait_idle(dock)
    assert not messages(CRITICAL), messages(CRITICAL)
    assert dock.ingest_run.parameters["EVENT"] == "drought.vegetation"
    assert ingest_alg.PRE_EVENT_START not in dock.ingest_run.parameters
    assert set(group_layers(ITEM_ID)) == {"stack", "ndvi"}


def test_new_dates_cloud_or_catalog_empty_the_scenes_but_a_new_area_does_not(dock, tmp_path) -> None:
    for change in (
        lambda: dock.set_dates(date(2018, 12, 2), date(2018, 12, 31)),
        lambda: dock.cloud_spin.setValue(50),
        lambda: dock.area_cloud_check.setChecked(not dock.area_cloud_check.isChecked()),
        lambda: dock.set_catalog(LOCAL_FILE, str(two_decembers(tmp_path / "other"))),
    ):
        search_the_sample(dock)
        change()
        assert dock.scenes_proxy.rowCount() == 0
        assert dock.status_label.text() == OTHER_CHOICES

    search_the_sample(dock)
    dock.set_area(area_from_geometry(QgsGeometry.fromRect(dock.area.extent_in(UTM22S)), UTM22S, "again"))
    assert dock.selected_scene_ids() == [ITEM_ID]  # the ingest takes the area shown: nothing to redo


def search_january_against_december(dock, tmp_path) -> None:
    """Start the search of the flood of January, compared with the scenes of December (the sample
    on the 4th and on the 24th)."""
    choose(dock, LOCAL_FILE, str(two_decembers(tmp_path / "flood")), start=(2019, 1, 1), end=(2019, 1, 31))
    dock.pre_event_check.setChecked(True)
    dock.set_pre_event_dates(date(2018, 12, 1), date(2018, 12, 31))
    assert dock.search()


def test_earlier_dates_changed_while_searching_leave_compare_with_empty(dock, messages, tmp_path) -> None:
    search_january_against_december(dock, tmp_path)
    dock.set_pre_event_dates(date(2018, 12, 10), date(2018, 12, 31))  # 4 December's is not among them
    wait_idle(dock)

    assert not dock.pre_choice.isVisibleTo(dock) and dock.pre_choice.chosen_id() == AUTOMATIC
    assert EARLIER_CHANGED in dock.status_label.text()
    assert "Compared with" not in dock.scene_label.text()
    dock.ingest_button.click()
    wait_idle(dock)
    assert not messages(CRITICAL), messages(CRITICAL)
    assert ingest_alg.PRE_EVENT_SCENE not in dock.ingest_run.parameters
    assert dock.ingest_run.parameters[ingest_alg.PRE_EVENT_START] == "2018-12-10"
    manifest = json.loads((tmp_path / "out" / FLOODED_ID / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pre_event"]["scene"] == ITEM_ID  # the ingest's own pick, between the dates shown


def test_a_new_area_empties_compare_with(dock, tmp_path) -> None:
    search_january_against_december(dock, tmp_path)
    wait_idle(dock)
    dock.pre_choice.choose(EARLY_ID)

    west = dock.area.extent_in(UTM22S)
    west.setXMaximum(west.center().x())
    dock.set_area(area_from_geometry(QgsGeometry.fromRect(west), UTM22S, "west half"))
    assert not dock.pre_choice.isVisibleTo(dock) and dock.pre_choice.chosen_id() == AUTOMATIC
    parameters = dock.ingest_parameters(dock.selected_scene_ids())
    assert ingest_alg.PRE_EVENT_SCENE not in parameters  # the ingest looks over the new area itself
    assert dock.selected_scene_ids() == [FLOODED_ID]


def test_compare_turned_off_while_searching_says_nothing_of_earlier_scenes(dock, tmp_path) -> None:
    search_january_against_december(dock, tmp_path)
    dock.pre_event_check.setChecked(False)
    wait_idle(dock)
    assert dock.status_label.text() == "1 scene found and selected: press Ingest to put it on the map."
    assert ingest_alg.PRE_EVENT_START not in dock.ingest_parameters(dock.selected_scene_ids())
