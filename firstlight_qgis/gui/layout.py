"""A print layout of an ingest's result, ready for a situation report: the map of the area with the
scene's layers, a title, what the scene shows in km², which scenes were used, the legend, a scale
bar, a north arrow and the attribution the imagery's licence asks for.

It goes into the project's layout manager (replacing one of the same name) and opens in QGIS's
layout designer, where the analyst edits it like any other; nothing here draws or exports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsLayerTreeGroup,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsMapLayer,
    QgsMapLayerLegendUtils,
    QgsPalettedRasterRenderer,
    QgsPrintLayout,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsTextFormat,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QFont

from ..core.bands import LANDSAT, SENTINEL1, SENTINEL2
from ..core.catalog import Scene, scene_from_item
from ..core.errors import FirstLightError
from ..core.manifest import read_scene
from .area import AreaOfInterest
from .compat import enum_value
from .messages import tr
from .pre_event import compared_line
from .scenes import sensor_name

KILOMETERS = enum_value("Qgis.DistanceUnit.Kilometers", "QgsUnitTypes.DistanceUnit.DistanceKilometers")
NORTH_ARROW = ":/images/north_arrows/layout_default_north_arrow.svg"  # QGIS's own
# Millimetres on an A4 landscape page (297 x 210): the map on the left, the texts on the right.
MARGIN = 10.0
MAP_WIDTH, MAP_HEIGHT = 190.0, 170.0
SIDE_X, SIDE_WIDTH = MARGIN + MAP_WIDTH + 5.0, 297.0 - 2 * MARGIN - MAP_WIDTH - 5.0
TOP = 28.0


@dataclass(frozen=True)
class MapText:
    """What the layout says, in the user's language."""

    title: str
    scenes: str  # which scenes, from which sensor, when; the one compared with
    summary: str  # what the scene shows: shares and km²
    credit: str  # the imagery's attribution


@dataclass
class Mappable:
    """What an ingest put on the map, as a layout shows it."""

    group: QgsLayerTreeGroup  # its layers, as the analyst left them shown or hidden
    name: str  # the scene's id, or the mosaic's folder
    scenes: list[Scene]
    before: Scene | None  # the scene from before the event it was compared with
    summary: str
    event: str
    area: AreaOfInterest | None  # the area the ingest ran with, which the map frames


def compared_scene(folder: Path, scene_id: str) -> Scene | None:
    """The scene from before the event that ``scene_id``'s ingest into ``folder`` was compared with,
    from the manifests (its own names it; that scene's holds its item); None when there was none
    or they do not read."""
    try:
        before = (read_scene(folder, scene_id).get("pre_event") or {}).get("scene")
        if not before:
            return None
        earlier = read_scene(folder, before)
        return scene_from_item(earlier["item"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError, FirstLightError):
        return None


def map_text(event_title: str, scenes: list[Scene], before: Scene | None, summary: str) -> MapText:
    """The texts of the map of ``scenes`` (the first one's date in the title), compared with
    ``before`` when there was a scene from before the event."""
    first = scenes[0]
    lines = [
        tr("{id}: {sensor}, {date}.").format(id=scene.id, sensor=sensor_name(scene), date=scene.datetime)
        for scene in scenes
    ]
    if before is not None:
        lines.append(compared_line(before))
    return MapText(
        title=tr("{event}, {date}").format(event=event_title, date=first.datetime[:10]),
        scenes="\n".join(lines),
        summary=summary,
        credit=attribution([*scenes, *([before] if before is not None else [])]),
    )


def attribution(scenes: list[Scene]) -> str:
    """The credit the imagery's licence asks for: Copernicus for Sentinel (with the years of its
    scenes), the USGS for Landsat."""
    lines = []
    sentinel_years = sorted(
        {scene.datetime[:4] for scene in scenes if scene.source in (SENTINEL1, SENTINEL2)}
    )
    if sentinel_years:
        lines.append(
            tr("Contains modified Copernicus Sentinel data {years}.").format(years=", ".join(sentinel_years))
        )
    if any(scene.source == LANDSAT for scene in scenes):
        lines.append(tr("Landsat imagery courtesy of the U.S. Geological Survey."))
    lines.append(tr("Processed with FirstLight for QGIS."))
    return " ".join(lines)


def make_layout(
    project: QgsProject,
    name: str,
    layers: list[QgsMapLayer],
    extent: QgsRectangle,
    crs: QgsCoordinateReferenceSystem,
    text: MapText,
) -> QgsPrintLayout:
    """An A4 landscape layout called ``name`` in ``project`` (one of that name is replaced): the
    ``layers`` (top first) over ``extent`` in ``crs``, and ``text`` beside them."""
    manager = project.layoutManager()
    old = manager.layoutByName(name)
    if old is not None:
        manager.removeLayout(old)
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.setName(name)

    _label(layout, text.title, QgsLayoutPoint(MARGIN, MARGIN), 297.0 - 2 * MARGIN, 20, bold=True)
    picture = _map(layout, layers, extent, crs)
    y = _label(layout, text.summary, QgsLayoutPoint(SIDE_X, TOP), SIDE_WIDTH, 11, bold=True)
    y = _label(layout, text.scenes, QgsLayoutPoint(SIDE_X, y + 4), SIDE_WIDTH, 9)
    y = _legend(layout, picture, layers, QgsLayoutPoint(SIDE_X, y + 4))
    _label(layout, text.credit, QgsLayoutPoint(SIDE_X, 210.0 - MARGIN - 14), SIDE_WIDTH, 7)
    manager.addLayout(layout)
    return layout


def _map(
    layout: QgsPrintLayout, layers: list[QgsMapLayer], extent: QgsRectangle, crs: QgsCoordinateReferenceSystem
) -> QgsLayoutItemMap:
    item = QgsLayoutItemMap(layout)
    layout.addLayoutItem(item)  # placed and sized once in the layout, which converts the units
    item.attemptMove(QgsLayoutPoint(MARGIN, TOP))
    item.attemptResize(QgsLayoutSize(MAP_WIDTH, MAP_HEIGHT))
    item.setCrs(crs)
    item.setLayers(layers)
    item.setKeepLayerSet(True)  # the scene's layers, whatever else the canvas shows later
    item.setFrameEnabled(True)
    item.setExtent(_fitted(extent, MAP_WIDTH / MAP_HEIGHT))  # zoomToExtent gives NaN with a CRS set (3.22)

    bar = QgsLayoutItemScaleBar(layout)
    bar.setLinkedMap(item)
    bar.setStyle("Single Box")
    bar.applyDefaultSize(KILOMETERS)
    bar.setBackgroundEnabled(True)  # readable over the imagery
    layout.addLayoutItem(bar)
    bar.attemptMove(QgsLayoutPoint(MARGIN + 3, TOP + MAP_HEIGHT - 14))

    arrow = QgsLayoutItemPicture(layout)
    arrow.setPicturePath(NORTH_ARROW)
    arrow.setLinkedMap(item)  # turns with the map
    layout.addLayoutItem(arrow)
    arrow.attemptResize(QgsLayoutSize(12, 12))
    arrow.attemptMove(QgsLayoutPoint(MARGIN + MAP_WIDTH - 16, TOP + 4))
    return item


def _fitted(extent: QgsRectangle, aspect: float) -> QgsRectangle:
    """``extent`` grown about its centre to the ``aspect`` (width / height) of the map item."""
    width, height = extent.width(), extent.height()
    if width / height < aspect:
        width = height * aspect
    else:
        height = width / aspect
    center = extent.center()
    return QgsRectangle(
        center.x() - width / 2, center.y() - height / 2, center.x() + width / 2, center.y() + height / 2
    )


def _label(
    layout: QgsPrintLayout, text: str, where: QgsLayoutPoint, width: float, size: int, bold: bool = False
) -> float:
    """A label of ``text`` at ``where``, ``width`` mm wide and as tall as its wrapped lines; returns
    its bottom."""
    label = _styled_label(layout, text, size, bold)
    label.attemptMove(where)
    label.adjustSizeToText()  # as wide as its longest line
    natural_width = label.rect().width()
    probe = _styled_label(layout, "Ag", size, bold)  # one line's height (QGIS 3.22 counts one line)
    probe.adjustSizeToText()
    line_height = probe.rect().height()
    layout.removeLayoutItem(probe)
    paragraphs = text.split("\n")
    longest = max(len(paragraph) for paragraph in paragraphs) or 1
    wrapped = [math.ceil(natural_width * len(paragraph) / longest / width) for paragraph in paragraphs]
    lines = sum(max(1, n + (n > 1)) for n in wrapped)  # words wrap unevenly (a long id): one spare
    label.attemptResize(QgsLayoutSize(width, line_height * lines))
    return where.y() + label.rect().height()


def _styled_label(layout: QgsPrintLayout, text: str, size: int, bold: bool) -> QgsLayoutItemLabel:
    label = QgsLayoutItemLabel(layout)
    label.setText(text)
    font = QFont()
    font.setPointSize(size)
    font.setBold(bold)
    if hasattr(label, "setTextFormat"):  # QGIS 3.24 and later (setFont is deprecated there)
        text_format = QgsTextFormat()
        text_format.setFont(font)
        text_format.setSize(size)
        label.setTextFormat(text_format)
    else:
        label.setFont(font)
    label.setHAlign(Qt.AlignmentFlag.AlignLeft)
    layout.addLayoutItem(label)
    return label


def _shown_classes(layer: QgsMapLayer, nodes: int) -> list[int] | None:
    """For a layer of classes (water, flood, severity), the legend entries of those drawn: not the
    band's name above them, nor a transparent class (dry land), which a legend would show black."""
    renderer = layer.renderer() if isinstance(layer, QgsRasterLayer) else None
    if not isinstance(renderer, QgsPalettedRasterRenderer):
        return None
    classes = renderer.classes()
    offset = nodes - len(classes)  # the band's name first, when the legend has it
    return [offset + i for i, entry in enumerate(classes) if entry.color.alpha() > 0]


def _legend(
    layout: QgsPrintLayout, map_item: QgsLayoutItemMap, layers: list[QgsMapLayer], where: QgsLayoutPoint
) -> float:
    legend = QgsLayoutItemLegend(layout)
    legend.setTitle(tr("Legend"))
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)  # only the scene's layers, not the whole project's
    root = legend.model().rootGroup()
    root.removeAllChildren()
    for layer in layers:
        node = root.addLayer(layer)
        shown = _shown_classes(layer, len(legend.model().layerLegendNodes(node)))
        if shown is not None:
            QgsMapLayerLegendUtils.setLegendNodeOrder(node, shown)
            legend.model().refreshLayerLegend(node)
    layout.addLayoutItem(legend)
    legend.attemptMove(where)
    legend.adjustBoxSize()
    return where.y() + legend.rect().height()
