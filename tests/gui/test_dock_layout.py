"""*Map layout*: after an ingest, a print layout of its result for a report: the map of the area
with the scene's shown layers, the title, what it found, the scenes compared, the legend, a scale
bar, the north arrow and the imagery's credit, opened in the layout designer."""

from __future__ import annotations

import json

import numpy as np
from qgis.core import (
    Qgis,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsProject,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QImage

from firstlight_qgis.core.catalog import scene_from_item
from firstlight_qgis.gui.layout import attribution
from tests.conftest import STAC_FIXTURES
from tests.support.sample import FLOODED_ID, ITEM_ID, flood_catalog

from .conftest import wait_idle
from .test_dock_change import search_january_against_december

CRITICAL = Qgis.MessageLevel.Critical
WARNING = Qgis.MessageLevel.Warning


def _items(layout, kind) -> list:
    return [item for item in layout.items() if isinstance(item, kind)]


def test_a_flood_ingest_makes_a_map_for_the_report(dock, messages, qgis_iface, tmp_path) -> None:
    assert not dock.map_button.isEnabled()  # nothing ingested yet
    search_january_against_december(dock, flood_catalog(tmp_path / "flood"), "flood.riverine")
    dock.ingest_button.click()
    wait_idle(dock)
    assert not messages(CRITICAL), messages(CRITICAL)
    assert dock.map_button.isEnabled()

    dock.map_button.click()
    layout = QgsProject.instance().layoutManager().layoutByName(f"FirstLight {FLOODED_ID}")
    assert layout is not None
    qgis_iface.openLayoutDesigner.assert_called_with(layout)

    (map_item,) = _items(layout, QgsLayoutItemMap)
    assert [layer.name() for layer in map_item.layers()] == ["flood", "water", "stack"]  # ndwi is hidden
    area = dock.area.extent_in(map_item.crs())
    assert map_item.extent().contains(area)
    texts = "\n".join(label.text() for label in _items(layout, QgsLayoutItemLabel))
    assert "Riverine flood, 2019-01-03" in texts
    assert "Flooded (water now, dry before):" in texts and "km²" in texts
    assert f"{FLOODED_ID}: Sentinel-2, 2019-01-03T13:37:00Z." in texts
    assert f"Compared with {ITEM_ID}: Sentinel-2, 2018-12-24T13:37:00Z." in texts
    assert "Contains modified Copernicus Sentinel data 2018, 2019." in texts
    (legend,) = _items(layout, QgsLayoutItemLegend)
    assert [node.layer().name() for node in legend.model().rootGroup().findLayers()] == [
        "flood",
        "water",
        "stack",
    ]
    flood = legend.model().rootGroup().findLayers()[0]
    shown = [node.data(Qt.ItemDataRole.DisplayRole) for node in legend.model().layerLegendNodes(flood)]
    assert shown == ["Flooded", "Water before the event"]  # not dry land, drawn transparent
    assert _items(layout, QgsLayoutItemScaleBar) and _items(layout, QgsLayoutItemPicture)

    # It prints: the map's pixels are the flood's and the stack's, not blank paper.
    png = tmp_path / "map.png"
    exporter = QgsLayoutExporter(layout)
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = 60
    assert exporter.exportToImage(str(png), settings) == QgsLayoutExporter.ExportResult.Success
    image = QImage(str(png))
    pixels = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = pixels.width(), pixels.height()
    raw = np.frombuffer(pixels.constBits().asstring(pixels.sizeInBytes()), np.uint8)
    rgb = raw.reshape(height, pixels.bytesPerLine())[:, : width * 3].reshape(height, width, 3)
    inside = rgb[int(height * 0.3) : int(height * 0.8), int(width * 0.1) : int(width * 0.6)]
    assert (inside.astype(int).sum(axis=2) < 600).mean() > 0.5  # coloured, not white

    dock.map_button.click()  # again: replaced, not piled up
    names = [lay.name() for lay in QgsProject.instance().layoutManager().layouts()]
    assert names.count(f"FirstLight {FLOODED_ID}") == 1


def test_no_map_before_an_ingest(dock, messages) -> None:
    assert dock.make_map() is None
    assert any("Ingest a scene first" in m for m in messages(WARNING))


def test_the_credit_names_each_licensor_of_the_imagery() -> None:
    def scene(name: str):
        document = json.loads((STAC_FIXTURES / name).read_text(encoding="utf-8"))
        return scene_from_item((document.get("features") or [document])[0])

    landsat, sentinel2 = scene("earthsearch_landsat_c2l2.json"), scene("earthsearch_s2_l2a.json")
    assert attribution([sentinel2]) == (
        f"Contains modified Copernicus Sentinel data {sentinel2.datetime[:4]}. "
        "Processed with FirstLight for QGIS."
    )
    assert attribution([landsat]) == (
        "Landsat imagery courtesy of the U.S. Geological Survey. Processed with FirstLight for QGIS."
    )
    both = attribution([sentinel2, landsat])  # the Sentinel years are the Sentinel scenes' own
    assert both.startswith(f"Contains modified Copernicus Sentinel data {sentinel2.datetime[:4]}. Landsat")
