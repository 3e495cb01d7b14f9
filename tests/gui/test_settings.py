"""Every choice made in the dock comes back in a new dock (QgsSettings), the area included."""

from __future__ import annotations

from datetime import date

from qgis.core import QgsRectangle, QgsSettings

from firstlight_qgis.gui import settings as saved
from firstlight_qgis.gui.area import area_from_rectangle
from firstlight_qgis.gui.dock import CUSTOM_URL, LOCAL_FILE, PLANETARY_COMPUTER, FirstLightDock
from tests.support.sample import SAMPLE

from .conftest import UTM22S, pump


def test_choices_survive_a_new_dock(dock, qgis_iface, tmp_path) -> None:
    dock.event_combo.setCurrentIndex(dock.event_combo.findData("wildfire.burn_scar"))
    dock.start_edit.setDate(dock.start_edit.date().fromString("2021-07-01", "yyyy-MM-dd"))
    dock.end_edit.setDate(dock.end_edit.date().fromString("2021-08-15", "yyyy-MM-dd"))
    dock.pre_event_check.setChecked(False)
    dock.set_pre_event_dates(date(2021, 5, 1), date(2021, 6, 20))
    dock.cloud_spin.setValue(12)
    assert dock.area_cloud_check.isChecked()  # on by default
    dock.area_cloud_check.setChecked(False)
    dock.set_catalog(LOCAL_FILE, str(SAMPLE / "catalog.json"))
    dock.url_edit.setText("https://stac.example.org/v1")
    dock.url_edit.editingFinished.emit()
    dock.catalog_combo.setCurrentIndex(dock.catalog_combo.findData(CUSTOM_URL))
    dock.output_widget.setFilePath(str(tmp_path / "elsewhere"))
    dock.clip_check.setChecked(False)
    dock.skip_check.setChecked(True)
    dock.mosaic_check.setChecked(True)
    dock.polygons_check.setChecked(True)
    dock.set_area(
        area_from_rectangle(QgsRectangle(310000, 6990000, 312000, 6993000), UTM22S, "drawn rectangle")
    )
    dock.close()
    dock.shutdown()

    again = FirstLightDock(qgis_iface)
    try:
        assert again.event_name() == "wildfire.burn_scar"
        assert again.dates() == (date(2021, 7, 1), date(2021, 8, 15))
        assert not again.pre_event_check.isChecked()
        assert again.pre_event_dates() == (date(2021, 5, 1), date(2021, 6, 20))
        assert again.cloud_spin.value() == 12
        assert not again.area_cloud_check.isChecked()
        assert again.catalog_kind() == CUSTOM_URL and again.catalog() == "https://stac.example.org/v1"
        assert again.catalog_file.filePath() == str(SAMPLE / "catalog.json")
        assert again.output_widget.filePath() == str(tmp_path / "elsewhere")
        assert not again.clip_check.isChecked() and again.skip_check.isChecked()
        assert again.mosaic_check.isChecked() and again.polygons_check.isChecked()
        assert again.area is not None and again.area.crs == UTM22S
        assert again.area.geometry.boundingBox().toString(0) == "310000,6990000 : 312000,6993000"
        assert again.area.square_km() == __import__("pytest").approx(6.0, rel=0.01)
        assert "km²" in again.area_label.text()
        assert QgsSettings().value("firstlight/dock/catalog_kind") == CUSTOM_URL
    finally:
        again.shutdown()
        again.deleteLater()
        pump(0.05)


def test_planetary_computer_choice_is_remembered(dock, qgis_iface) -> None:
    dock.set_catalog(PLANETARY_COMPUTER)
    dock.shutdown()
    again = FirstLightDock(qgis_iface)
    try:
        assert again.catalog() == "planetary-computer"
        assert not again.url_edit.isVisibleTo(again) and not again.catalog_file.isVisibleTo(again)
    finally:
        again.shutdown()


def test_a_range_up_to_today_keeps_rolling() -> None:
    today = date(2024, 6, 30)
    # Saved on 1 June as "the last 30 days": it is the last 30 days again today.
    assert saved.rolling_dates("2024-05-02", "2024-06-01", "2024-06-01", today) == (
        date(2024, 5, 31),
        date(2024, 6, 30),
    )
    # A range chosen in the past stays as chosen.
    assert saved.rolling_dates("2018-12-01", "2018-12-31", "2024-06-01", today) == (
        date(2018, 12, 1),
        date(2018, 12, 31),
    )
    assert saved.rolling_dates("", "", "", today) is None
    assert saved.rolling_dates("2024-02-01", "2024-01-01", "", today) is None
