"""What the dock says when a press cannot go ahead or a run fails: the status line tells the refusal,
not the previous run's outcome; an output folder is a full path (``~`` is the home folder); a failed
ingest leaves no half-full progress bar; *Map layout* says why it has nothing to map; and a URL
still being typed is kept when the plugin unloads."""

from __future__ import annotations

from datetime import date

from qgis.core import Qgis, QgsProject

from firstlight_qgis.gui.dock import CUSTOM_URL, LOCAL_FILE, FirstLightDock
from firstlight_qgis.processing import ingest as ingest_alg
from tests.support.sample import ITEM_ID, SAMPLE

from .conftest import NO_NIR_ID, pump, wait_idle
from .test_dock_ingest import search_and_select

WARNING = Qgis.MessageLevel.Warning
CRITICAL = Qgis.MessageLevel.Critical


def test_a_refused_search_or_ingest_says_so_in_the_status_line(dock, messages) -> None:
    search_and_select(dock, LOCAL_FILE, str(SAMPLE / "catalog.json"))
    dock.output_widget.setFilePath("")
    assert not dock.ingest()
    assert dock.status_label.text() == "Choose an output folder for the bands, stacks and indices."

    dock.set_dates(date(2018, 12, 31), date(2018, 12, 1))
    assert not dock.search()
    refusal = "The end date is before the start date: pick an end date on or after it."
    assert dock.status_label.text() == refusal
    assert messages(WARNING)[-1] == f"FirstLight:{refusal}"


def test_a_home_folder_is_expanded_and_a_relative_one_refused(dock, messages, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    search_and_select(dock, LOCAL_FILE, str(SAMPLE / "catalog.json"))

    dock.output_widget.setFilePath("relative/out")
    assert not dock.ingest()
    refusal = (
        "The output folder relative/out is not a full path: choose one with the … button, "
        "or type its full path."
    )
    assert dock.status_label.text() == refusal and messages(WARNING) == [f"FirstLight:{refusal}"]
    assert not (tmp_path / "relative").exists()

    dock.output_widget.setFilePath("~/FirstLight")
    dock.ingest_button.click()
    wait_idle(dock)
    assert not messages(CRITICAL), messages(CRITICAL)
    assert dock.ingest_run.parameters[ingest_alg.OUTPUT_FOLDER] == str(tmp_path / "home" / "FirstLight")
    assert (tmp_path / "home" / "FirstLight" / ITEM_ID / "manifest.json").is_file()
    assert not (tmp_path / "~").exists()


def test_a_failed_ingest_leaves_the_progress_bar_empty(dock, stac_url, messages) -> None:
    search_and_select(dock, CUSTOM_URL, stac_url, NO_NIR_ID)
    dock.ingest_button.click()
    wait_idle(dock)
    assert len(messages(CRITICAL)) == 1
    assert dock.progress_bar.value() == 0


def test_map_layout_says_the_ingested_layers_are_gone(dock, messages) -> None:
    search_and_select(dock, LOCAL_FILE, str(SAMPLE / "catalog.json"))
    dock.ingest_button.click()
    wait_idle(dock)
    root = QgsProject.instance().layerTreeRoot()
    root.removeChildNode(root.findGroup(ITEM_ID))

    assert dock.make_map() is None
    gone = "The layers of the last ingest are no longer in the project: ingest again to map them."
    assert messages(WARNING) == [f"FirstLight:{gone}"]
    assert dock.status_label.text() == gone


def test_a_url_being_typed_is_kept_when_the_plugin_unloads(qgis_iface, qgis_new_project, provider) -> None:
    first = FirstLightDock(qgis_iface)
    first.set_catalog(CUSTOM_URL, "")
    first.url_edit.setText("https://typed.example/stac")  # the cursor still in the field: no editingFinished
    first.shutdown()
    first.deleteLater()
    pump(0.05)

    again = FirstLightDock(qgis_iface)
    try:
        assert again.catalog_kind() == CUSTOM_URL and again.catalog() == "https://typed.example/stac"
    finally:
        again.shutdown()
        again.deleteLater()
