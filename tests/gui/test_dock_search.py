"""Search from the dock: firstlight:discover in the background, the scenes table (sortable),
the footprints layer, the highlighted footprint, the thumbnail, and the errors a user can meet."""

from __future__ import annotations

import pytest
from qgis.core import Qgis, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt

from firstlight_qgis.gui import scenes as columns
from firstlight_qgis.gui.dock import CUSTOM_URL, LOCAL_FILE
from tests.support.sample import ITEM_ID, SAMPLE
from tests.support.stac_server import closed_port_url

from .conftest import CLOUDY_ID, EVENT, NO_NIR_ID, wait_idle, wait_until

CRITICAL = Qgis.MessageLevel.Critical
WARNING = Qgis.MessageLevel.Warning
INFO = Qgis.MessageLevel.Info


def use_sample_area(dock) -> None:
    layer = QgsVectorLayer(str(SAMPLE / "area.geojson"), "sample area", "ogr")
    assert layer.isValid()
    QgsProject.instance().addMapLayer(layer)
    dock.use_layer(layer)


def choose(dock, catalog_kind: str, catalog: str, start=(2018, 12, 1), end=(2018, 12, 31)) -> None:
    from datetime import date

    use_sample_area(dock)
    dock.set_event(EVENT)
    dock.set_dates(date(*start), date(*end))
    dock.cloud_spin.setValue(30)
    dock.set_catalog(catalog_kind, catalog)


def cell(dock, row: int, column: int) -> str:
    return dock.scenes_proxy.index(row, column).data()


def test_defaults_of_a_new_dock(dock) -> None:
    from datetime import date, timedelta

    start, end = dock.dates()
    assert end == date.today() and start == date.today() - timedelta(days=30)
    assert dock.catalog_kind() == "earth-search"
    assert dock.catalog() == "earth-search"
    assert dock.clip_check.isChecked() and not dock.skip_check.isChecked()
    assert not dock.mosaic_check.isChecked()
    assert not dock.ingest_button.isEnabled() and not dock.cancel_button.isEnabled()
    assert dock.event_combo.count() == 5


def test_search_local_catalog_fills_table_footprints_and_thumbnail(dock, messages) -> None:
    choose(dock, LOCAL_FILE, str(SAMPLE / "catalog.json"))
    dock.search_button.click()
    assert dock.busy and not dock.search_button.isEnabled() and dock.cancel_button.isEnabled()
    wait_idle(dock)

    assert dock.scenes_proxy.rowCount() == 1
    assert cell(dock, 0, columns.DATE) == "2018-12-24"
    assert cell(dock, 0, columns.SENSOR) == "Sentinel-2"
    assert cell(dock, 0, columns.CLOUD) == "0.7"
    assert cell(dock, 0, columns.COVERAGE) == "100.0"
    assert cell(dock, 0, columns.MISSING) == "—"
    assert cell(dock, 0, columns.SCENE) == ITEM_ID

    layer = dock.footprints_layer()
    assert layer is not None and layer.providerType() == "memory" and layer.featureCount() == 1
    assert QgsProject.instance().layerTreeRoot().children()[0].layerId() == layer.id()
    # The best scene is selected: its footprint is highlighted and Ingest is possible.
    assert dock.selected_scene_ids() == [ITEM_ID]
    assert layer.selectedFeatureCount() == 1
    assert dock.footprint_band.asGeometry().area() > 0 and dock.footprint_band.isVisible()
    assert dock.ingest_button.isEnabled()
    wait_until(
        lambda: dock.thumbnail_label.pixmap() is not None and not dock.thumbnail_label.pixmap().isNull(),
        10,
        "the thumbnail",
    )
    assert any("1 scene found" in m for m in messages(INFO))


def test_search_stac_api_sort_and_highlight(dock, stac_url) -> None:
    choose(dock, CUSTOM_URL, stac_url)
    assert dock.search()
    wait_idle(dock)

    ids = [cell(dock, row, columns.SCENE) for row in range(dock.scenes_proxy.rowCount())]
    assert sorted(ids) == sorted([ITEM_ID, NO_NIR_ID, CLOUDY_ID])
    assert ids[0] == ITEM_ID  # ranked first: full coverage, least cloud, nothing missing
    missing = {cell(dock, r, columns.SCENE): cell(dock, r, columns.MISSING) for r in range(3)}
    assert missing[NO_NIR_ID] == "nir" and missing[ITEM_ID] == "—"

    dock.scenes_view.sortByColumn(columns.CLOUD, Qt.SortOrder.DescendingOrder)
    assert cell(dock, 0, columns.SCENE) == CLOUDY_ID and cell(dock, 0, columns.CLOUD) == "24.5"
    dock.scenes_view.sortByColumn(columns.DATE, Qt.SortOrder.AscendingOrder)
    assert cell(dock, 0, columns.DATE) == "2018-12-14"

    layer = dock.footprints_layer()
    assert layer.featureCount() == 3
    dock.select_scenes([CLOUDY_ID])
    selected = [f["id"] for f in layer.getSelectedFeatures()]
    assert selected == [CLOUDY_ID]
    dock.select_scenes([CLOUDY_ID, NO_NIR_ID])
    assert sorted(f["id"] for f in layer.getSelectedFeatures()) == sorted([CLOUDY_ID, NO_NIR_ID])
    assert dock.footprint_band.numberOfVertices() > 0
    assert len(dock.footprint_band.asGeometry().asGeometryCollection()) == 2  # both highlighted
    dock.scenes_view.clearSelection()
    assert dock.footprint_band.asGeometry().isEmpty() and layer.selectedFeatureCount() == 0
    dock.select_scenes([CLOUDY_ID])
    # The thumbnail comes over HTTP from the asset server, without blocking.
    wait_until(
        lambda: dock.thumbnail_label.pixmap() is not None and not dock.thumbnail_label.pixmap().isNull(),
        10,
        "the thumbnail",
    )

    # A second search replaces the footprints instead of piling layers up.
    first_id = layer.id()
    assert dock.search()
    wait_idle(dock)
    assert QgsProject.instance().mapLayer(first_id) is None
    assert (
        len([lyr for lyr in QgsProject.instance().mapLayers().values() if lyr.providerType() == "memory"])
        == 1
    )


def test_no_scene_found_is_one_warning(dock, stac_url, messages) -> None:
    choose(dock, CUSTOM_URL, stac_url, start=(2017, 1, 1), end=(2017, 1, 31))
    dock.search_button.click()
    wait_idle(dock)
    assert dock.scenes_proxy.rowCount() == 0
    warnings = messages(WARNING)
    assert len(warnings) == 1 and "No scene" in warnings[0]
    assert not dock.ingest_button.isEnabled()


def test_unreachable_catalog_is_one_sentence_with_details_in_the_log(dock, messages, log_lines) -> None:
    url = closed_port_url()
    choose(dock, CUSTOM_URL, url)
    dock.search_button.click()
    wait_idle(dock)
    errors = messages(CRITICAL)
    assert len(errors) == 1
    text = errors[0].split(":", 1)[1]
    assert "could not be reached" in text and "\n" not in text
    assert any(tag == "FirstLight" and "could not be reached" in message for message, tag, _ in log_lines)
    assert any(tag == "FirstLight" and "firstlight:discover" in message for message, tag, _ in log_lines)


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        ("no area", "Set an area first"),
        ("bad url", "URL of a STAC API"),
        ("missing file", "existing local catalog file"),
        ("dates", "end date is before the start date"),
    ],
)
def test_inputs_are_checked_before_anything_runs(dock, messages, setup, expected) -> None:
    from datetime import date

    if setup != "no area":
        use_sample_area(dock)
    if setup == "bad url":
        dock.set_catalog(CUSTOM_URL, "earth-search.example")
    elif setup == "missing file":
        dock.set_catalog(LOCAL_FILE, "/nonexistent/catalog.json")
    elif setup == "dates":
        dock.set_dates(date(2020, 2, 1), date(2020, 1, 1))
    assert dock.search() is False
    assert not dock.busy
    assert any(expected in m for m in messages(WARNING)), messages(WARNING)
