"""The dock's choice of the scene from before the event that the ingest compares with.

A search with *Compare with an earlier scene* also searches the pre-event dates. Their scenes are
listed under the table, latest first, after an *Automatic* entry that names the scene the ingest
would pick itself for the first selected scene (``best_pre_event``): the analyst sees what the
flood extent or dNBR will be measured against before any download, and may take another one (a
clearer day over the area, say), which the ingest then gets as ``PRE_EVENT_SCENE``.
"""

from __future__ import annotations

from datetime import date

from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget

from ..core.catalog import Scene, best_pre_event, same_view
from .messages import tr
from .scenes import sensor_name

AUTOMATIC = ""  # the entry's data: no id, the ingest picks
_TOOLTIP = Qt.ItemDataRole.ToolTipRole


def scene_line(scene: Scene) -> str:
    """A scene in one line: date, sensor, cloud (over the area when measured), share of the area
    covered, tile or orbit."""
    parts = [scene.datetime[:10], sensor_name(scene)]
    if scene.area_cloud_percent is not None:
        parts.append(tr("{cloud:.1f}% cloud over the area").format(cloud=scene.area_cloud_percent))
    elif scene.cloud_cover is not None:
        parts.append(tr("{cloud:.1f}% cloud").format(cloud=scene.cloud_cover))
    if scene.coverage_percent is not None:
        parts.append(tr("{cover:.0f}% of the area").format(cover=scene.coverage_percent))
    view = same_view(scene)
    if view:
        parts.append(view)
    return " · ".join(parts)


def compared_line(scene: Scene) -> str:
    """The scene from before the event, as the dock's description and the map layout name it."""
    return tr("Compared with {id}: {sensor}, {date}.").format(
        id=scene.id, sensor=sensor_name(scene), date=scene.datetime
    )


class PreEventChoice(QWidget):
    """*Compare with*: Automatic (naming its pick), then every scene found between the pre-event
    dates of the last search, latest first."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(tr("Compare with"))
        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(20)
        self.combo.setToolTip(
            tr(
                "The scene from before the event each scene is compared with. Automatic: the latest "
                "clear one, seen as the first selected scene is (same tile or orbit)"
            )
        )
        layout.addWidget(self.label)
        layout.addWidget(self.combo, 1)
        self.found: list[Scene] = []
        self.window: tuple[date, date] | None = None  # the pre-event dates the list was searched for
        self.automatic: Scene | None = None

    def set_scenes(self, found: list[Scene], window: tuple[date, date], event_scene: Scene | None) -> None:
        """List ``found`` (searched between ``window``'s dates); Automatic names the pick for
        ``event_scene``."""
        self.found, self.window = list(found), window
        self.combo.blockSignals(True)
        self.combo.clear()
        if found:
            self.combo.addItem("", AUTOMATIC)
            for scene in sorted(found, key=lambda s: s.datetime, reverse=True):
                self.combo.addItem(scene_line(scene), scene.id)
                self.combo.setItemData(self.combo.count() - 1, scene.id, _TOOLTIP)
        else:
            self.combo.addItem(
                tr("No scene found between {start} and {end}").format(start=window[0], end=window[1]),
                AUTOMATIC,
            )
        self.combo.setEnabled(bool(found))
        self.combo.blockSignals(False)
        self.follow(event_scene)

    def clear(self) -> None:
        """No list: the ingest searches the pre-event dates and picks by itself."""
        self.found, self.window, self.automatic = [], None, None
        self.combo.clear()

    def follow(self, event_scene: Scene | None) -> None:
        """Name in Automatic the scene the ingest would pick for ``event_scene``, the first selected."""
        if not self.found:
            self.automatic = None
            return
        self.automatic = best_pre_event(self.found, event_scene) if event_scene is not None else None
        text = (
            tr("Automatic: {scene}").format(scene=scene_line(self.automatic))
            if self.automatic is not None
            else tr("Automatic (the latest clear scene)")
        )
        self.combo.setItemText(0, text)
        self.combo.setItemData(0, self.automatic.id if self.automatic else "", _TOOLTIP)

    def chosen_id(self) -> str:
        """The id of the scene chosen by hand; AUTOMATIC when the ingest is to pick."""
        return str(self.combo.currentData() or AUTOMATIC) if self.found else AUTOMATIC

    def scene(self) -> Scene | None:
        """The scene the ingest will compare with, as far as the list knows."""
        chosen = self.chosen_id()
        if chosen == AUTOMATIC:
            return self.automatic
        return next((scene for scene in self.found if scene.id == chosen), None)

    def choose(self, scene_id: str) -> None:
        """Pick ``scene_id`` (AUTOMATIC: let the ingest pick); ValueError when it is not listed."""
        index = self.combo.findData(scene_id)
        if index < 0 or not self.found:
            raise ValueError(scene_id)
        self.combo.setCurrentIndex(index)
