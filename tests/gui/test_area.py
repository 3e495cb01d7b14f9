"""The area of interest: the map tool's rectangle and polygon (mouse events on the canvas, Esc,
right-click), a layer's extent, its selected features and the canvas extent, in any CRS, in km²."""

from __future__ import annotations

import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
)
from qgis.gui import QgsMapMouseEvent
from qgis.PyQt.QtCore import QEvent, QPoint, Qt
from qgis.PyQt.QtGui import QKeyEvent

from firstlight_qgis.gui.area import AreaError, area_from_geometry, area_from_rectangle
from firstlight_qgis.gui.area_tool import POLYGON, RECTANGLE
from tests.support.sample import SAMPLE

from .conftest import UTM22S

PRESS = QEvent.Type.MouseButtonPress
MOVE = QEvent.Type.MouseMove
RELEASE = QEvent.Type.MouseButtonRelease
LEFT = Qt.MouseButton.LeftButton
RIGHT = Qt.MouseButton.RightButton
NONE = Qt.MouseButton.NoButton


def mouse(canvas, kind, x: int, y: int, button=LEFT) -> QgsMapMouseEvent:
    held = button if kind != RELEASE else NONE
    return QgsMapMouseEvent(canvas, kind, QPoint(x, y), button, held, Qt.KeyboardModifier.NoModifier)


def to_map(canvas, x: int, y: int) -> QgsPointXY:
    return canvas.getCoordinateTransform().toMapCoordinates(QPoint(x, y))


def escape() -> QKeyEvent:
    return QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)


def test_rectangle_drawn_with_the_mouse_becomes_the_area(dock, qgis_canvas) -> None:
    dock.rectangle_button.click()
    tool = qgis_canvas.mapTool()
    assert tool is dock.tool and tool.mode == RECTANGLE and dock.rectangle_button.isChecked()

    tool.canvasPressEvent(mouse(qgis_canvas, PRESS, 100, 120))
    tool.canvasMoveEvent(mouse(qgis_canvas, MOVE, 200, 180, NONE))
    assert tool.band.asGeometry().area() > 0  # the rubber band follows the mouse
    tool.canvasMoveEvent(mouse(qgis_canvas, MOVE, 300, 260, NONE))
    tool.canvasReleaseEvent(mouse(qgis_canvas, RELEASE, 300, 260))

    expected = QgsRectangle(to_map(qgis_canvas, 100, 120), to_map(qgis_canvas, 300, 260))
    assert dock.area is not None
    assert dock.area.crs == UTM22S
    assert dock.area.geometry.boundingBox().toString(2) == expected.toString(2)
    assert qgis_canvas.mapTool() is not tool  # the previous tool is back
    assert not dock.rectangle_button.isChecked()
    # The area stays on the map and is given in km² (UTM metres: width x height / 1e6, to <1 %).
    assert dock.area_band.asGeometry().area() == pytest.approx(expected.area(), rel=1e-6)
    assert dock.area_band.isVisible()
    km2 = expected.area() / 1e6
    assert dock.area.square_km() == pytest.approx(km2, rel=0.01)
    assert "km²" in dock.area_label.text()
    assert "drawn rectangle" in dock.area_label.text()


def test_polygon_right_click_finishes_and_escape_cancels(dock, qgis_canvas) -> None:
    dock.polygon_button.click()
    tool = qgis_canvas.mapTool()
    assert tool.mode == POLYGON
    corners = [(100, 100), (400, 120), (350, 380)]
    for x, y in corners:
        tool.canvasPressEvent(mouse(qgis_canvas, PRESS, x, y))
        tool.canvasReleaseEvent(mouse(qgis_canvas, RELEASE, x, y))
        tool.canvasMoveEvent(mouse(qgis_canvas, MOVE, x + 5, y + 5, NONE))
    assert dock.area is None  # not finished yet
    tool.canvasPressEvent(mouse(qgis_canvas, PRESS, 350, 380, RIGHT))

    expected = QgsGeometry.fromPolygonXY([[to_map(qgis_canvas, x, y) for x, y in [*corners, corners[0]]]])
    assert dock.area is not None
    assert dock.area.geometry.equals(expected) or dock.area.geometry.area() == pytest.approx(expected.area())
    assert "drawn polygon" in dock.area_label.text()
    drawn = dock.area.geometry

    # Esc while drawing a new polygon: the drawing goes, the previous area stays.
    dock.polygon_button.click()
    tool = qgis_canvas.mapTool()
    tool.canvasPressEvent(mouse(qgis_canvas, PRESS, 50, 50))
    tool.canvasMoveEvent(mouse(qgis_canvas, MOVE, 150, 60, NONE))
    assert tool.is_drawing()
    key = escape()
    tool.keyPressEvent(key)
    assert key.isAccepted()
    assert not tool.is_drawing() and tool.band.asGeometry().isEmpty()
    assert qgis_canvas.mapTool() is not tool
    assert dock.area.geometry.equals(drawn)
    assert "cancelled" in dock.status_label.text()


def test_a_polygon_needs_three_corners(dock, qgis_canvas) -> None:
    dock.polygon_button.click()
    tool = qgis_canvas.mapTool()
    tool.canvasPressEvent(mouse(qgis_canvas, PRESS, 10, 10))
    tool.canvasPressEvent(mouse(qgis_canvas, PRESS, 100, 10))
    tool.canvasPressEvent(mouse(qgis_canvas, PRESS, 100, 10, RIGHT))
    assert dock.area is None


def test_canvas_extent_layer_extent_and_selected_features(dock, qgis_canvas, messages) -> None:
    dock.canvas_button.click()
    assert dock.area.geometry.boundingBox().toString(0) == qgis_canvas.extent().toString(0)
    assert "canvas extent" in dock.area_label.text()

    layer = QgsVectorLayer("Polygon?crs=EPSG:4326", "fields", "memory")
    squares = [(-52.95, -27.23), (-52.90, -27.18)]
    features = []
    for x, y in squares:
        feature = QgsFeature()
        feature.setGeometry(QgsGeometry.fromRect(QgsRectangle(x, y, x + 0.02, y + 0.02)))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    layer.updateExtents()
    QgsProject.instance().addMapLayer(layer)

    dock.layer_combo.setLayer(layer)
    dock.layer_extent_button.click()
    assert dock.area.crs == QgsCoordinateReferenceSystem("EPSG:4326")
    assert dock.area.geometry.boundingBox().toString(4) == layer.extent().toString(4)

    dock.selection_button.click()  # nothing selected: one sentence, the area unchanged
    assert any("no selected feature" in m for m in messages(1))
    layer.selectByIds([next(layer.getFeatures()).id()])
    dock.selection_button.click()
    assert dock.area.geometry.area() == pytest.approx(0.02 * 0.02)
    assert "1 selected features of fields" in dock.area_label.text()


def test_the_layer_list_offers_layers_with_an_extent_only(dock) -> None:
    polygons = QgsVectorLayer("Polygon?crs=EPSG:4326", "fields", "memory")
    table = QgsVectorLayer("None", "attributes only", "memory")
    raster = QgsRasterLayer(str(SAMPLE / "blue.tif"), "blue")
    assert raster.isValid()
    QgsProject.instance().addMapLayers([polygons, table, raster])
    try:
        layers = (dock.layer_combo.layer(row) for row in range(dock.layer_combo.count()))
        offered = {layer.name() for layer in layers if layer is not None}
        assert {"fields", "blue"} <= offered
        assert "attributes only" not in offered
    finally:
        QgsProject.instance().removeMapLayers([polygons.id(), table.id(), raster.id()])


def test_area_in_km2_does_not_depend_on_the_crs() -> None:
    wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
    square = area_from_rectangle(QgsRectangle(-52.95, -27.23, -52.85, -27.13), wgs84, "test")
    expected = square.square_km()
    assert 100 < expected < 115  # 0.1 degree square at 27 S: about 11.1 km x 9.9 km
    for authid in ("EPSG:3857", "EPSG:32722", "EPSG:5641"):
        crs = QgsCoordinateReferenceSystem(authid)
        same = area_from_geometry(square.transformed(crs), crs, "test")
        assert same.square_km() == pytest.approx(expected, rel=0.005), authid


def test_the_area_file_handed_to_the_algorithms_is_wgs84_geojson(dock, tmp_path) -> None:
    area = area_from_rectangle(QgsRectangle(310000, 6990000, 312000, 6992000), UTM22S, "test")
    dock.set_area(area)
    path = dock._area_file()
    layer = QgsVectorLayer(path, "area", "ogr")
    assert layer.isValid() and layer.crs().authid() == "EPSG:4326"
    box = next(layer.getFeatures()).geometry().boundingBox()
    assert -52.95 < box.xMinimum() < box.xMaximum() < -52.85
    assert -27.25 < box.yMinimum() < box.yMaximum() < -27.15


def test_empty_rectangle_is_refused() -> None:
    with pytest.raises(AreaError):
        area_from_rectangle(QgsRectangle(1, 1, 1, 1), UTM22S, "test")


def test_sample_area_file_can_be_loaded(dock) -> None:
    layer = QgsVectorLayer(str(SAMPLE / "area.geojson"), "sample area", "ogr")
    QgsProject.instance().addMapLayer(layer)
    dock.use_layer(layer)
    assert dock.area is not None and 50 < dock.area.square_km() < 100


def test_the_area_follows_a_change_of_project_crs(dock, qgis_canvas) -> None:
    area = area_from_rectangle(QgsRectangle(310000, 6990000, 312000, 6993000), UTM22S, "test")
    dock.set_area(area)
    before = dock.area.square_km()
    mercator = QgsCoordinateReferenceSystem("EPSG:3857")
    qgis_canvas.setDestinationCrs(mercator)
    try:
        shown = dock.area_band.asGeometry().boundingBox()
        expected = area.extent_in(mercator)
        assert shown.xMinimum() == pytest.approx(expected.xMinimum(), abs=1)
        assert shown.yMaximum() == pytest.approx(expected.yMaximum(), abs=1)
        assert dock.area.square_km() == pytest.approx(before)  # the same ground, the same km²
    finally:
        qgis_canvas.setDestinationCrs(UTM22S)
