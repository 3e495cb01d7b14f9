"""A map tool to draw the area of interest: a rectangle (press, drag, release) or a polygon
(click the vertices, right-click to finish). Esc cancels; Backspace removes the last vertex."""

from __future__ import annotations

from qgis.core import QgsGeometry, QgsPointXY, QgsRectangle
from qgis.gui import QgsMapCanvas, QgsMapMouseEvent, QgsMapTool, QgsRubberBand
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor, QKeyEvent

from .compat import GEOMETRY_POLYGON

RECTANGLE = "rectangle"
POLYGON = "polygon"

DRAW_COLOR = QColor(255, 127, 0)
AREA_COLOR = QColor(227, 26, 28)
HIGHLIGHT_COLOR = QColor(255, 221, 0)
EARLIER_COLOR = QColor(31, 120, 180)  # the footprint of the scene the selected one is compared with


def make_rubber_band(
    canvas: QgsMapCanvas, color: QColor, width: int = 2, fill_alpha: int = 40
) -> QgsRubberBand:
    """A polygon rubber band: ``color`` outline, the same colour nearly transparent inside."""
    band = QgsRubberBand(canvas, GEOMETRY_POLYGON)
    fill = QColor(color)
    fill.setAlpha(fill_alpha)
    band.setStrokeColor(color)
    band.setFillColor(fill)
    band.setWidth(width)
    return band


class AreaMapTool(QgsMapTool):
    """Draws a rectangle or a polygon; emits ``areaDrawn`` with the geometry in the canvas CRS."""

    areaDrawn = pyqtSignal(QgsGeometry)
    drawingCanceled = pyqtSignal()

    def __init__(self, canvas: QgsMapCanvas, mode: str = RECTANGLE) -> None:
        super().__init__(canvas)
        self.mode = mode
        self.start: QgsPointXY | None = None
        self.vertices: list[QgsPointXY] = []
        self.band = make_rubber_band(canvas, DRAW_COLOR)
        self.setCursor(Qt.CursorShape.CrossCursor)

    # --- state -------------------------------------------------------------------------------------

    def set_mode(self, mode: str) -> None:
        self.reset()
        self.mode = mode

    def reset(self) -> None:
        self.start = None
        self.vertices = []
        self.band.reset(GEOMETRY_POLYGON)

    def is_drawing(self) -> bool:
        return self.start is not None or bool(self.vertices)

    def _show(self, points: list[QgsPointXY]) -> None:
        self.band.reset(GEOMETRY_POLYGON)
        if len(points) >= 2:
            ring = [*points, points[0]] if len(points) > 2 else points
            self.band.setToGeometry(QgsGeometry.fromPolygonXY([ring]), None)

    def _rectangle_to(self, point: QgsPointXY) -> QgsRectangle:
        rectangle = QgsRectangle(self.start, point)
        rectangle.normalize()
        return rectangle

    # --- events --------------------------------------------------------------------------------------

    def canvasPressEvent(self, event: QgsMapMouseEvent) -> None:
        point = event.mapPoint()
        if self.mode == RECTANGLE:
            if event.button() == Qt.MouseButton.LeftButton:
                self.start = point
            elif event.button() == Qt.MouseButton.RightButton:
                self.cancel()
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self.vertices.append(point)
            self._show(self.vertices)
        elif event.button() == Qt.MouseButton.RightButton:
            self.finish_polygon()

    def canvasMoveEvent(self, event: QgsMapMouseEvent) -> None:
        point = event.mapPoint()
        if self.mode == RECTANGLE and self.start is not None:
            self.band.setToGeometry(QgsGeometry.fromRect(self._rectangle_to(point)), None)
        elif self.mode == POLYGON and self.vertices:
            self._show([*self.vertices, point])

    def canvasReleaseEvent(self, event: QgsMapMouseEvent) -> None:
        if self.mode != RECTANGLE or self.start is None or event.button() != Qt.MouseButton.LeftButton:
            return
        rectangle = self._rectangle_to(event.mapPoint())
        self.reset()
        if rectangle.width() > 0 and rectangle.height() > 0:
            self.areaDrawn.emit(QgsGeometry.fromRect(rectangle))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            event.accept()
            self.cancel()
        elif event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete) and self.vertices:
            event.accept()
            self.vertices.pop()
            self._show(self.vertices)
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.mode == POLYGON:
            event.accept()
            self.finish_polygon()
        else:
            event.ignore()

    def finish_polygon(self) -> None:
        vertices = self.vertices
        self.reset()
        if len(vertices) < 3:
            self.cancel()
            return
        polygon = QgsGeometry.fromPolygonXY([[*vertices, vertices[0]]])
        polygon = polygon.makeValid() if not polygon.isGeosValid() else polygon
        self.areaDrawn.emit(polygon)

    def cancel(self) -> None:
        self.reset()
        self.drawingCanceled.emit()

    def deactivate(self) -> None:
        self.reset()
        super().deactivate()

    def release(self) -> None:
        """Remove the drawing band from the canvas (the tool is being thrown away)."""
        self.reset()
        scene = self.band.scene()
        if scene is not None:
            scene.removeItem(self.band)
