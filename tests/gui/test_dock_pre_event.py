"""The scene from before the event, chosen in the dock: a search with *Compare with an earlier scene*
lists the scenes of the pre-event dates under the table, names the one the ingest would pick, shows
its preview beside the event's, and the ingest compares with the one the analyst chose."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from qgis.core import Qgis, QgsProject

from firstlight_qgis.gui.dock import CUSTOM_URL
from firstlight_qgis.gui.pre_event import AUTOMATIC
from firstlight_qgis.processing import ingest as ingest_alg
from tests.qgis.support import wait_until
from tests.support.sample import FLOODED_ID, ITEM_ID, flood_catalog, item_of

from .conftest import CLOUDY_ID, NO_NIR_ID, SCENE_EXTENT, wait_idle
from .test_dock_change import search_january_against_december
from .test_dock_search import choose

INFO = Qgis.MessageLevel.Info
CRITICAL = Qgis.MessageLevel.Critical
EARLY_ID = "S2_UruguayRiver_20181204_sample"


def two_decembers(root: Path) -> Path:
    """``flood_catalog`` with a second scene before the flood: the sample again, on 4 December."""
    catalog = flood_catalog(root)
    collection = json.loads(catalog.read_text(encoding="utf-8"))
    collection["features"].append(item_of(root / "before", EARLY_ID, "2018-12-04T13:37:00Z", "./before/"))
    catalog.write_text(json.dumps(collection), encoding="utf-8")
    return catalog


def entries(dock) -> list[tuple[str, str]]:
    combo = dock.pre_choice.combo
    return [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())]


def shows_a_preview(label) -> bool:
    return label.pixmap() is not None and not label.pixmap().isNull()


def test_the_scenes_before_the_event_are_listed_with_the_automatic_pick_named(
    dock, messages, tmp_path
) -> None:
    search_january_against_december(dock, two_decembers(tmp_path / "flood"), "flood.riverine")

    assert dock.selected_scene_ids() == [FLOODED_ID]
    assert dock.pre_choice.isVisibleTo(dock) and dock.pre_choice.combo.isEnabled()
    # Automatic first, naming what the ingest picks: the latest clear scene; then latest first.
    assert entries(dock) == [
        ("Automatic: 2018-12-24 · Sentinel-2 · 0.7% cloud · 100% of the area", AUTOMATIC),
        ("2018-12-24 · Sentinel-2 · 0.7% cloud · 100% of the area", ITEM_ID),
        ("2018-12-04 · Sentinel-2 · 0.7% cloud · 100% of the area", EARLY_ID),
    ]
    assert dock.pre_choice.scene().id == ITEM_ID
    # Its footprint outlined on the map, dashed, where the sample's is.
    outline = dock.earlier_band.asGeometry()
    assert outline.boundingBox().toString(0) == SCENE_EXTENT.toString(0)  # in the map's CRS
    assert f"Compared with {ITEM_ID}: Sentinel-2, 2018-12-24" in dock.scene_label.text()
    wait_until(lambda: shows_a_preview(dock.pre_thumbnail_label), 10, "the earlier scene's preview")
    assert shows_a_preview(dock.thumbnail_label)
    (info,) = [m for m in messages(INFO) if "scenes from before the event" in m]
    assert "1 scene found and selected" in info and "2 scenes from before the event" in info
    # Left on Automatic, the ingest picks by itself.
    parameters = dock.ingest_parameters(dock.selected_scene_ids())
    assert ingest_alg.PRE_EVENT_SCENE not in parameters
    assert parameters[ingest_alg.PRE_EVENT_START] == "2018-12-01"

    dock.pre_choice.choose(EARLY_ID)
    assert f"Compared with {EARLY_ID}: Sentinel-2, 2018-12-04" in dock.scene_label.text()
    assert dock.ingest_parameters(dock.selected_scene_ids())[ingest_alg.PRE_EVENT_SCENE] == EARLY_ID

    dock.pre_event_check.setChecked(False)  # not compared: no list, no preview or outline of it
    assert not dock.pre_choice.isVisibleTo(dock) and dock.pre_thumbnail_label.isHidden()
    assert dock.earlier_band.asGeometry().isEmpty()
    assert ingest_alg.PRE_EVENT_START not in dock.ingest_parameters(dock.selected_scene_ids())
    assert "Compared with" not in dock.scene_label.text()


def test_the_ingest_compares_with_the_scene_chosen(dock, messages, tmp_path) -> None:
    search_january_against_december(dock, two_decembers(tmp_path / "flood"), "flood.riverine")
    dock.pre_choice.choose(EARLY_ID)  # the earlier of the two: automatic would take 24 December
    dock.ingest_button.click()
    wait_idle(dock)

    assert not messages(CRITICAL), messages(CRITICAL)
    root = QgsProject.instance().layerTreeRoot()
    assert root.findGroup(EARLY_ID) is not None and root.findGroup(ITEM_ID) is None
    manifest = json.loads((tmp_path / "out" / FLOODED_ID / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["pre_event"]["scene"] == EARLY_ID
    assert root.findGroup(FLOODED_ID).findLayers()[0].layer().name() == "flood"


def test_new_pre_event_dates_drop_the_list(dock, tmp_path) -> None:
    search_january_against_december(dock, two_decembers(tmp_path / "flood"), "flood.riverine")
    dock.pre_choice.choose(EARLY_ID)

    dock.set_pre_event_dates(date(2018, 11, 15), date(2018, 12, 31))  # what was listed is not these
    assert not dock.pre_choice.isVisibleTo(dock) and dock.pre_choice.chosen_id() == AUTOMATIC
    parameters = dock.ingest_parameters(dock.selected_scene_ids())
    assert ingest_alg.PRE_EVENT_SCENE not in parameters  # the ingest searches the new dates itself
    assert parameters[ingest_alg.PRE_EVENT_START] == "2018-11-15"


def test_no_scene_before_the_event_is_said_before_any_download(dock, messages, tmp_path) -> None:
    catalog = two_decembers(tmp_path / "flood")
    choose(dock, "local", str(catalog), start=(2019, 1, 1), end=(2019, 1, 31))
    dock.set_event("flood.riverine")
    dock.pre_event_check.setChecked(True)
    dock.set_pre_event_dates(date(2018, 10, 1), date(2018, 10, 31))
    dock.search_button.click()
    wait_idle(dock)

    assert dock.pre_choice.isVisibleTo(dock) and not dock.pre_choice.combo.isEnabled()
    assert entries(dock) == [("No scene found between 2018-10-01 and 2018-10-31", AUTOMATIC)]
    (info,) = [m for m in messages(INFO) if "1 scene found" in m]
    assert (
        "No scene from before the event covers the area between 2018-10-01 and 2018-10-31: widen the "
        "earlier scene's dates or raise the maximum cloud cover." in info
    )
    assert dock.pre_thumbnail_label.isHidden()


def test_inverted_pre_event_dates_are_refused_before_searching(dock, messages, tmp_path) -> None:
    choose(dock, "local", str(two_decembers(tmp_path / "flood")), start=(2019, 1, 1), end=(2019, 1, 31))
    dock.set_event("flood.riverine")
    dock.pre_event_check.setChecked(True)
    dock.set_pre_event_dates(date(2018, 12, 20), date(2018, 12, 10))
    assert not dock.search()
    assert not dock.busy
    (warning,) = messages(Qgis.MessageLevel.Warning)
    assert (
        "The earlier scene's end date is before its start date: pick an end date on or after it." in warning
    )


def test_both_searches_run_at_once_on_a_stac_api(dock, stac_url) -> None:
    """The event's scenes (24 December) and the earlier ones (14 December) from a real STAC API."""
    choose(dock, CUSTOM_URL, stac_url, start=(2018, 12, 20), end=(2018, 12, 31))
    dock.pre_event_check.setChecked(True)
    dock.set_pre_event_dates(date(2018, 12, 1), date(2018, 12, 19))
    assert dock.search()
    assert dock.search_run.running and dock.pre_search_run.running
    wait_idle(dock)

    assert sorted(dock.scenes_model.scenes) == sorted([ITEM_ID, NO_NIR_ID])
    assert [data for _, data in entries(dock)] == [AUTOMATIC, CLOUDY_ID]
    # 24.5 % cloud is not clear, but it is the only one: Automatic takes it, and says so.
    assert entries(dock)[0][0] == "Automatic: 2018-12-14 · Sentinel-2 · 24.5% cloud · 100% of the area"
