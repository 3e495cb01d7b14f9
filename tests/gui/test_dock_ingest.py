"""Ingest from the dock: firstlight:ingest through QgsProcessingAlgRunnerTask against the loopback
STAC API and asset server; per-band progress, styled layers in a group named after the scene, the
canvas on the area, one-sentence errors, a Cancel that stops within a second, a QGIS that stays
responsive while the bands download, and the layers of a scene ingested again closed meanwhile."""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsGeometry,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsMultiBandColorRenderer,
    QgsPalettedRasterRenderer,
    QgsProject,
    QgsRasterLayer,
    QgsSingleBandPseudoColorRenderer,
)
from qgis.PyQt.QtCore import QSize, Qt, QTimer
from qgis.PyQt.QtTest import QTest

from firstlight_qgis.gui.area import area_from_geometry
from firstlight_qgis.gui.dock import CUSTOM_URL, LOCAL_FILE
from firstlight_qgis.processing import ingest as ingest_alg
from tests.support.sample import ITEM_ID, SAMPLE

from .conftest import BANDS, CLOUDY_ID, NO_NIR_ID, UTM22S, wait_idle, wait_until
from .test_dock_search import choose

CRITICAL = Qgis.MessageLevel.Critical
SUCCESS = Qgis.MessageLevel.Success
INFO = Qgis.MessageLevel.Info
LEFT = Qt.MouseButton.LeftButton


def search_and_select(dock, catalog_kind: str, catalog: str, scene_id: str = ITEM_ID) -> None:
    choose(dock, catalog_kind, catalog)
    QTest.mouseClick(dock.search_button, LEFT)
    wait_idle(dock)
    dock.select_scenes([scene_id])
    assert dock.selected_scene_ids() == [scene_id]


def group_layers(scene_id: str) -> dict[str, object]:
    group = QgsProject.instance().layerTreeRoot().findGroup(scene_id)
    assert group is not None, f"no group {scene_id}"
    return {node.layer().name(): node for node in group.findLayers()}


def test_ingest_adds_styled_layers_in_a_group_and_zooms(dock, stac_url, asset_server, messages, qgis_canvas):
    search_and_select(dock, CUSTOM_URL, stac_url)
    qgis_canvas.zoomScale(5_000_000)  # far away: the ingest brings the map back to the area
    QTest.mouseClick(dock.ingest_button, LEFT)
    assert dock.busy and dock.cancel_button.isEnabled() and not dock.ingest_button.isEnabled()
    wait_idle(dock)

    nodes = group_layers(ITEM_ID)
    assert set(nodes) == {"stack", "ndwi", "water"}
    renderers = {name: type(node.layer().renderer()) for name, node in nodes.items()}
    assert renderers == {
        "stack": QgsMultiBandColorRenderer,
        "ndwi": QgsSingleBandPseudoColorRenderer,
        "water": QgsPalettedRasterRenderer,
    }
    assert nodes["stack"].layer().renderer().redBand() == BANDS.index("nir") + 1  # false colour
    assert nodes["stack"].layer().bandCount() == 6
    # Water on top, the opaque index hidden, the stack visible under them.
    group = QgsProject.instance().layerTreeRoot().findGroup(ITEM_ID)
    assert [n.layer().name() for n in group.findLayers()] == ["water", "ndwi", "stack"]
    assert nodes["water"].isVisible() and nodes["stack"].isVisible() and not nodes["ndwi"].isVisible()
    # The footprints stay on top of the tree, above the scene's group.
    assert QgsProject.instance().layerTreeRoot().children()[0].layerId() == dock.footprints_id

    # Per-band progress: every band reported done; the overall bar full.
    assert {band: row.status for band, row in dock.band_rows.items()} == dict.fromkeys(BANDS, "done")
    assert dock.progress_bar.value() == 100
    # The map shows the area.
    area = dock.area.extent_in(qgis_canvas.mapSettings().destinationCrs())
    assert qgis_canvas.extent().contains(area)
    shown = qgis_canvas.extent()
    assert min(shown.width() / area.width(), shown.height() / area.height()) < 1.5  # fitted, any aspect

    successes = messages(SUCCESS)
    assert len(successes) == 1
    out = Path(dock.output_widget.filePath())
    assert ITEM_ID in successes[0] and str(out) in successes[0] and "water" in successes[0]
    assert (out / ITEM_ID / "manifest.json").is_file()
    assert not messages(CRITICAL)


def test_ingest_from_the_local_sample_catalog(dock, messages) -> None:
    search_and_select(dock, LOCAL_FILE, str(SAMPLE / "catalog.json"))
    dock.ingest_button.click()
    wait_idle(dock)
    nodes = group_layers(ITEM_ID)
    assert isinstance(nodes["water"].layer().renderer(), QgsPalettedRasterRenderer)
    assert len(messages(SUCCESS)) == 1


def test_missing_band_fails_with_one_sentence_naming_it(dock, stac_url, messages, log_lines) -> None:
    search_and_select(dock, CUSTOM_URL, stac_url, NO_NIR_ID)
    dock.ingest_button.click()
    wait_idle(dock)
    errors = messages(CRITICAL)
    assert len(errors) == 1, errors
    sentence = errors[0].split(":", 1)[1]
    assert "nir" in sentence and "\n" not in sentence
    assert QgsProject.instance().layerTreeRoot().findGroup(NO_NIR_ID) is None
    assert any(tag == "FirstLight" and "firstlight:ingest" in m for m, tag, _ in log_lines)


def test_cancel_stops_within_a_second_and_says_what_was_kept(dock, stac_url, asset_server, messages):
    search_and_select(dock, CUSTOM_URL, stac_url)
    # Five bands arrive; the sixth hangs mid-body once its header has been read.
    asset_server.inject("/swir22.tif", ["slow:0", "stall:30"])
    dock.ingest_button.click()
    others = [band for band in BANDS if band != "swir22"]
    wait_until(lambda: all(dock.band_rows[b].status == "done" for b in others), 20, "five bands to arrive")
    assert dock.band_rows["swir22"].status == "started"
    run = dock.ingest_run
    QTest.mouseClick(dock.cancel_button, LEFT)
    assert "Cancelling" in dock.status_label.text()
    wait_idle(dock, timeout=10)

    assert run.seconds_to_stop() is not None and run.seconds_to_stop() < 1.0, run.seconds_to_stop()
    (note,) = [m for m in messages(INFO) if "Ingest cancelled" in m]
    assert "5 of 6 band files" in note and "blue, green, red, nir, swir16" in note, note
    assert not messages(CRITICAL)
    scene_dir = Path(dock.output_widget.filePath()) / ITEM_ID
    assert sorted(p.stem for p in scene_dir.glob("*.tif")) == sorted(others)  # nothing looks complete
    assert QgsProject.instance().layerTreeRoot().findGroup(ITEM_ID) is None
    assert dock.ingest_button.isEnabled() and not dock.cancel_button.isEnabled()


def test_qgis_stays_responsive_during_an_ingest(dock, stac_url, asset_server) -> None:
    search_and_select(dock, CUSTOM_URL, stac_url)
    asset_server.throttle_bps = 120_000  # per response: about 3 s for the band windows
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    dock.ingest_button.click()
    wait_idle(dock, timeout=60)
    timer.stop()
    took = time.monotonic() - started

    assert group_layers(ITEM_ID)  # the ingest did finish
    assert took > 1.5, f"the ingest took only {took:.1f} s: throttle more to make this test meaningful"
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > took / 0.05
    print(f"ingest {took:.1f} s, {len(ticks)} ticks, longest gap {max(gaps) * 1000:.0f} ms")
    assert max(gaps) < 0.2, f"the main thread stalled for {max(gaps) * 1000:.0f} ms"


def test_two_scenes_go_into_two_groups(dock, stac_url, asset_server, messages) -> None:
    search_and_select(dock, CUSTOM_URL, stac_url)
    dock.select_scenes([ITEM_ID, CLOUDY_ID])
    assert sorted(dock.selected_scene_ids()) == sorted([ITEM_ID, CLOUDY_ID])
    dock.ingest_button.click()
    wait_idle(dock)
    for scene_id in (ITEM_ID, CLOUDY_ID):
        assert set(group_layers(scene_id)) == {"stack", "ndwi", "water"}
    (success,) = messages(SUCCESS)
    assert ITEM_ID in success and CLOUDY_ID in success


def test_cancel_from_the_qgis_task_manager_is_a_cancel_not_an_error(dock, stac_url, asset_server, messages):
    search_and_select(dock, CUSTOM_URL, stac_url)
    asset_server.throttle_bps = 60_000
    dock.ingest_button.click()
    wait_until(lambda: any(r.status == "started" for r in dock.band_rows.values()), 10, "a band to start")
    QgsApplication.taskManager().cancelAll()  # the cancel button of QGIS's own task list
    wait_idle(dock, timeout=10)
    assert any("Ingest cancelled" in m for m in messages(INFO))
    assert not messages(CRITICAL)


def test_a_band_that_takes_a_while_fills_its_bar(dock, stac_url, asset_server, monkeypatch) -> None:
    """Whole files over a slow server: each band's bar goes from busy to its percentage in 10 %
    steps (told at most every ``_PERCENT_EVERY_S``, shortened here), then to 100."""
    monkeypatch.setattr(ingest_alg, "_PERCENT_EVERY_S", 0.05)
    search_and_select(dock, CUSTOM_URL, stac_url)
    dock.clip_check.setChecked(False)
    asset_server.throttle_bps = 150_000
    shown: dict[str, set[int]] = {}

    def look() -> None:
        for band, row in dock.band_rows.items():
            if row.status == "started" and row.bar.maximum() == 100:
                shown.setdefault(band, set()).add(row.bar.value())

    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(look)
    timer.start()
    dock.ingest_button.click()
    wait_idle(dock, timeout=60)
    timer.stop()

    assert group_layers(ITEM_ID)
    assert set(shown) == set(BANDS), shown
    for values in shown.values():  # several steps of each band, each a multiple of 10
        assert len(values) > 1 and all(0 < value < 100 and value % 10 == 0 for value in values), shown
    assert all(row.status == "done" and row.bar.value() == 100 for row in dock.band_rows.values())


# --- ingesting again a scene whose layers are on the map ------------------------------------------


HELD = {"blue.tif", "nir.tif", f"{ITEM_ID}_water.tif", f"{ITEM_ID}_ndwi.tif"}  # some the layers read


def open_files(folder: Path) -> dict[str, int]:
    """The files under ``folder`` this process holds open (what Windows would refuse to replace),
    by name (``blue.tif (deleted)`` once replaced) with the inode held."""
    held = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            target, inode = os.readlink(f"/proc/self/fd/{fd}"), os.stat(f"/proc/self/fd/{fd}").st_ino
        except OSError:  # closed meanwhile
            continue
        if target.startswith(f"{folder}{os.sep}"):
            held[Path(target).name] = inode
    return held


def draw(layers: list[QgsRasterLayer]) -> None:
    """Render ``layers`` as the canvas does, so that they open their files."""
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(UTM22S)
    settings.setExtent(layers[0].extent())
    settings.setOutputSize(QSize(400, 300))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()


def ingested_with_own_layer(dock, stac_url: str) -> tuple[Path, QgsRasterLayer]:
    """The scene ingested from the dock, plus a layer the user added of its blue band, half opaque,
    outside the scene's group; every layer drawn once, so that each holds its files open."""
    search_and_select(dock, CUSTOM_URL, stac_url)
    dock.ingest_button.click()
    wait_idle(dock)
    scene_dir = Path(dock.output_widget.filePath()).resolve() / ITEM_ID
    blue = QgsRasterLayer(str(scene_dir / "blue.tif"), "my blue", "gdal")
    blue.renderer().setOpacity(0.5)
    QgsProject.instance().addMapLayer(blue)
    draw([node.layer() for node in group_layers(ITEM_ID).values()] + [blue])
    assert open_files(scene_dir).keys() >= HELD
    return scene_dir, blue


def reads_current_file(layer: QgsRasterLayer, path: Path) -> bool:
    """Whether ``layer`` draws from the file now at ``path`` and holds none it replaced."""
    draw([layer])
    held = open_files(path.parent)
    return held.get(path.name) == path.stat().st_ino and f"{path.name} (deleted)" not in held


def use_west_half(dock) -> None:
    """A smaller area (the west half of the sample's): every band file is clipped again."""
    extent = dock.area.extent_in(UTM22S)
    extent.setXMaximum(extent.center().x())
    dock.set_area(area_from_geometry(QgsGeometry.fromRect(extent), UTM22S, "west half"))


def test_ingest_again_closes_the_scenes_layers_while_it_runs(dock, stac_url, asset_server, messages):
    scene_dir, blue = ingested_with_own_layer(dock, stac_url)
    layers = [node.layer() for node in group_layers(ITEM_ID).values()] + [blue]
    use_west_half(dock)
    asset_server.inject("/swir22.tif", ["slow:0", "stall:30"])
    dock.ingest_button.click()
    others = [band for band in BANDS if band != "swir22"]
    wait_until(lambda: all(dock.band_rows[b].status == "done" for b in others), 20, "five bands to arrive")

    # Meanwhile the layers are still in the project, but none holds a file of the scene: Windows
    # lets the ingest replace them.
    assert all(QgsProject.instance().mapLayer(layer.id()) is layer for layer in layers)
    assert not any(layer.isValid() for layer in layers)
    assert not open_files(scene_dir).keys() & HELD

    dock.cancel_button.click()
    wait_idle(dock, timeout=10)
    # Cancelled: the user's layer reads the blue band again, the west half's file, its style kept.
    assert blue.isValid() and blue.renderer().opacity() == 0.5
    assert reads_current_file(blue, scene_dir / "blue.tif")
    # The products the run removed before it was cancelled are gone: QGIS marks their layers unavailable.
    assert not (scene_dir / f"{ITEM_ID}_water.tif").exists()
    assert not group_layers(ITEM_ID)["water"].layer().isValid()
    assert not messages(CRITICAL)


def test_ingest_again_replaces_the_scenes_layers_and_reopens_the_users(dock, stac_url, messages) -> None:
    scene_dir, blue = ingested_with_own_layer(dock, stac_url)
    full_width = blue.extent().width()
    use_west_half(dock)
    dock.ingest_button.click()
    wait_idle(dock)

    nodes = group_layers(ITEM_ID)  # the group's layers replaced, not doubled
    assert sorted(nodes) == ["ndwi", "stack", "water"]
    assert all(node.layer().isValid() for node in nodes.values())
    assert nodes["stack"].layer().extent().width() < 0.6 * full_width
    # The user's own layer stays where it was, with its style, and shows the new band file.
    assert QgsProject.instance().mapLayer(blue.id()) is blue
    assert blue.isValid() and blue.renderer().opacity() == 0.5
    assert reads_current_file(blue, scene_dir / "blue.tif")
    assert len(messages(SUCCESS)) == 2 and not messages(CRITICAL)
