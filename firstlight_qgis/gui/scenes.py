"""The scenes table: one row per scene found, sortable by every column."""

from __future__ import annotations

import json
from pathlib import Path

from qgis.PyQt.QtCore import QSortFilterProxyModel, Qt
from qgis.PyQt.QtGui import QStandardItem, QStandardItemModel

from ..core.catalog import Scene, same_view
from .messages import tr

SCENE_ID_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

RANK, DATE, SENSOR, CLOUD, AREA_CLOUD, COVERAGE, MISSING, VIEW, SCENE = range(9)
_SENSOR_NAMES = {"sentinel2": "Sentinel-2", "landsat": "Landsat", "sentinel1": "Sentinel-1"}


def read_scenes(path: str | Path) -> list[Scene]:
    """The scenes of the SCENES_JSON output of ``firstlight:discover`` (best first)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data = data.get("scenes") or []
    return [Scene.from_dict(entry) for entry in data]


def sensor_name(scene: Scene) -> str:
    return _SENSOR_NAMES.get(scene.source, scene.source)


def _item(text: str, sort_value: object, scene_id: str, tooltip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(sort_value, SORT_ROLE)
    item.setData(scene_id, SCENE_ID_ROLE)
    if tooltip:
        item.setToolTip(tooltip)
    return item


def _number(value: float | None) -> tuple[str, float]:
    """Text and sort key of a percentage; unknown values sort last."""
    if value is None:
        return tr("n/a"), 1e9
    return f"{value:.1f}", float(value)


class ScenesModel(QStandardItemModel):
    """Rank, date, sensor, cloud % of the scene and of the area, % of the area covered, missing bands,
    tile or orbit and id of each scene."""

    def __init__(self, parent=None) -> None:
        super().__init__(0, 9, parent)
        self.setHorizontalHeaderLabels(
            [
                tr("#"),
                tr("Date"),
                tr("Sensor"),
                tr("Cloud %"),
                tr("Area cloud %"),
                tr("Covers %"),
                tr("Missing bands"),
                tr("Tile / orbit"),
                tr("Scene"),
            ]
        )
        for column, tip in (
            (RANK, tr("Rank: best first (every band fetchable, coverage, cloud, recency, preferred sensor)")),
            (VIEW, tr("The scene's tile (Sentinel-2, Landsat) or relative orbit and pass (Sentinel-1)")),
            (CLOUD, tr("Cloud cover of the whole scene, %, as the catalog gives it")),
            (
                AREA_CLOUD,
                tr(
                    "Cloud over your area, %, from the scene's own cloud mask (when the search was made "
                    "with Over the area): what the ranking and the maximum cloud cover then go by"
                ),
            ),
            (COVERAGE, tr("Share of your area the scene covers, %")),
            (
                MISSING,
                tr(
                    "Bands the catalog does not have for this scene, or has only on requester-pays "
                    "storage, which FirstLight cannot fetch; an event that does not read them is ingested"
                ),
            ),
        ):
            self.horizontalHeaderItem(column).setToolTip(tip)
        self.scenes: dict[str, Scene] = {}

    def set_scenes(self, scenes: list[Scene]) -> None:
        self.removeRows(0, self.rowCount())
        self.scenes = {scene.id: scene for scene in scenes}
        for rank, scene in enumerate(scenes, start=1):
            cloud_text, cloud_key = _number(scene.cloud_cover)
            area_cloud_text, area_cloud_key = _number(scene.area_cloud_percent)
            cover_text, cover_key = _number(scene.coverage_percent)
            missing = ", ".join(scene.missing_bands)
            view = same_view(scene) or ""
            self.appendRow(
                [
                    _item(str(scene.priority or rank), int(scene.priority or rank), scene.id),
                    _item(scene.datetime[:10], scene.datetime, scene.id, scene.datetime),
                    _item(sensor_name(scene), sensor_name(scene), scene.id, scene.collection or ""),
                    _item(cloud_text, cloud_key, scene.id),
                    _item(area_cloud_text, area_cloud_key, scene.id),
                    _item(cover_text, cover_key, scene.id),
                    _item(missing or "—", missing, scene.id, missing),
                    _item(view or "—", view, scene.id),
                    _item(scene.id, scene.id, scene.id, scene.id),
                ]
            )


class ScenesProxy(QSortFilterProxyModel):
    """Sorts on the numbers and ISO dates behind the text (SORT_ROLE)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.setSortCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
