"""Runs inside the real QGIS window (``qgis --code tools/screenshot_driver.py``): opens the FirstLight
dock from its toolbar action, sets the bundled sample's area, searches the sample's local catalog,
ingests the scene, waits for the map to draw and saves a PNG of the window (dock and map), then
makes the ingest's map layout (*Map layout*) and exports it beside it (``firstlight-map.png``).

Driven by ``tools/screenshot.py``, which passes its settings in the environment:
FIRSTLIGHT_SCREENSHOT (the PNG), FIRSTLIGHT_SAMPLE (resources/sample), FIRSTLIGHT_OUTPUT (ingest
folder), FIRSTLIGHT_STATUS (a file this writes "ok" or the error to) and FIRSTLIGHT_SIZE (WxH).
Nothing here blocks the event loop: each step is chained by a signal or a timer.
"""

from __future__ import annotations

import os
import traceback
from datetime import date
from pathlib import Path

from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtWidgets import QDockWidget
from qgis.utils import iface

try:  # Qt6 (QGIS 4) has QAction in QtGui; Qt5 in QtWidgets
    from qgis.PyQt.QtGui import QAction
except ImportError:
    from qgis.PyQt.QtWidgets import QAction

SCREENSHOT = Path(os.environ["FIRSTLIGHT_SCREENSHOT"])
MAP_PNG = SCREENSHOT.with_name("firstlight-map.png")
SAMPLE = Path(os.environ["FIRSTLIGHT_SAMPLE"])
OUTPUT = Path(os.environ["FIRSTLIGHT_OUTPUT"])
STATUS = Path(os.environ["FIRSTLIGHT_STATUS"])
WIDTH, HEIGHT = (int(v) for v in os.environ.get("FIRSTLIGHT_SIZE", "1600x1200").split("x"))

_keep: list[object] = []  # timers and connections must outlive this module's top level


def finish(status: str) -> None:
    STATUS.write_text(status, encoding="utf-8")
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(200, QgsApplication.instance().quit)


def guarded(step):
    def run(*args):
        try:
            step(*args)
        except Exception:
            finish("error: " + traceback.format_exc())

    return run


def later(ms: int, step) -> None:
    QTimer.singleShot(ms, guarded(step))


@guarded
def open_dock() -> None:
    window = iface.mainWindow()
    window.resize(WIDTH, HEIGHT)
    window.showMaximized()
    action = window.findChild(QAction, "FirstLightDockAction")
    if action is None:
        finish("error: the FirstLight toolbar action is missing: is the plugin enabled?")
        return
    action.trigger()
    for name in ("Browser", "Browser2"):  # more room for the Layers panel and its groups
        browser = window.findChild(QDockWidget, name)
        if browser is not None:
            browser.hide()
    dock = window.findChild(QDockWidget, "FirstLightDock")
    if dock is None or not dock.isVisible():
        finish("error: the FirstLight dock did not open")
        return
    window.resizeDocks([dock], [480], Qt.Orientation.Horizontal)
    _keep.append(dock)
    later(500, search)


def search() -> None:
    from firstlight_qgis.gui.area import area_from_geometry
    from firstlight_qgis.gui.dock import LOCAL_FILE

    dock = _keep[0]
    area_layer = QgsVectorLayer(str(SAMPLE / "area.geojson"), "area", "ogr")
    geometry = next(area_layer.getFeatures()).geometry()
    dock.set_area(area_from_geometry(geometry, area_layer.crs(), "drawn polygon"))
    dock.set_event("flood.riverine")
    dock.set_dates(date(2018, 12, 1), date(2018, 12, 31))
    dock.cloud_spin.setValue(30)
    dock.set_catalog(LOCAL_FILE, str(SAMPLE / "catalog.json"))
    dock.output_widget.setFilePath(str(OUTPUT))
    dock.zoom_to_area()
    dock.searchFinished.connect(guarded(searched))
    if not dock.search():
        finish("error: the search did not start")


def searched(ok: bool) -> None:
    dock = _keep[0]
    if not ok or not dock.selected_scene_ids():
        finish("error: the search found nothing: " + dock.status_label.text())
        return
    dock.ingestFinished.connect(guarded(ingested))
    if not dock.ingest():
        finish("error: the ingest did not start")


def ingested(ok: bool) -> None:
    dock = _keep[0]
    if not ok:
        finish("error: the ingest failed: " + dock.status_label.text())
        return
    # Shown in the scene's own UTM zone (the first layer added, the footprints, set WGS84).
    QgsProject.instance().setCrs(QgsCoordinateReferenceSystem("EPSG:32722"))
    dock.zoom_to_area()
    iface.mapCanvas().refreshAllLayers()
    later(3000, grab)  # let the canvas draw the stack and the water mask


def grab() -> None:
    canvas = iface.mapCanvas()
    if canvas.isDrawing():
        later(500, grab)
        return
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    if not iface.mainWindow().grab().save(str(SCREENSHOT), "PNG", 0):  # 0: smallest file
        finish(f"error: could not write {SCREENSHOT}")
        return
    later(500, export_map)


def export_map() -> None:
    from qgis.core import QgsLayoutExporter

    layout = _keep[0].make_map()
    if layout is None:
        finish("error: Map layout made no layout")
        return
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = 80
    if (
        QgsLayoutExporter(layout).exportToImage(str(MAP_PNG), settings)
        != QgsLayoutExporter.ExportResult.Success
    ):
        finish(f"error: could not export the map layout to {MAP_PNG}")
        return
    finish("ok")


later(1500, open_dock)
