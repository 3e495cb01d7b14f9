"""The FirstLight dock: set an area, search a catalog, pick scenes, ingest them onto the map.

The dock is a front end to the Processing algorithms and nothing more: *Search* runs
``firstlight:discover`` and *Ingest* runs ``firstlight:ingest``, both through
``QgsProcessingAlgRunnerTask`` (see ``runner.py``), so the work happens in a worker thread and QGIS
never freezes. Only the main thread touches the project, the canvas and the widgets: it adds the
footprints the search returned, and the layers the ingest asked its context to load (see ``layers.py``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsFeatureRequest,
    QgsGeometry,
    QgsMapLayer,
    QgsPrintLayout,
    QgsProject,
    QgsRectangle,
)
from qgis.gui import QgsDockWidget, QgsFileWidget, QgsMapLayerComboBox
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QDate, QItemSelection, QLocale, Qt, pyqtSignal
from qgis.PyQt.QtGui import QBrush, QColor, QPixmap
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSpinBox,
    QTableView,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.catalog import Scene
from ..core.download import safe_name
from ..core.events import EVENTS
from ..core.figures import manifest_figures
from ..core.mosaic import MOSAIC_FOLDER
from ..processing import discover as discover_alg
from ..processing import ingest as ingest_alg
from ..processing import parameters as search_params
from ..processing.discover import scene_footprint
from . import settings as saved
from .area import (
    WGS84,
    AreaError,
    AreaOfInterest,
    area_from_canvas,
    area_from_geometry,
    area_from_layer_extent,
    area_from_selected_features,
    area_from_wkt,
)
from .area_tool import (
    AREA_COLOR,
    EARLIER_COLOR,
    HIGHLIGHT_COLOR,
    POLYGON,
    RECTANGLE,
    AreaMapTool,
    make_rubber_band,
)
from .compat import GEOMETRY_POLYGON, LAYERS_WITH_EXTENT, WARNING
from .layers import (
    ReleasedLayer,
    SceneLayers,
    add_figures,
    add_footprints,
    add_ingest_results,
    feature_ids_of,
    release_layers,
    restore_layers,
)
from .layout import Mappable, compared_scene, make_layout, map_text
from .messages import Notifier, log, one_sentence, tr
from .pre_event import PreEventChoice, compared_line
from .runner import AlgorithmRun, RunError
from .scenes import SCENE_ID_ROLE, ScenesModel, ScenesProxy, read_scenes, sensor_name
from .thumbnail import ThumbnailLoader

DISCOVER_ID = "firstlight:discover"
INGEST_ID = "firstlight:ingest"

EARTH_SEARCH = "earth-search"
PLANETARY_COMPUTER = "planetary-computer"
CUSTOM_URL = "custom"
LOCAL_FILE = "local"

DEFAULT_MAX_CLOUD = 30
DEFAULT_DAYS = 30
DEFAULT_PRE_EVENT_DAYS = 60  # the pre-event window: the 60 days before the event's dates
THUMBNAIL_HEIGHT = 150
COMPLETE = ("done", "skipped")  # the states of a band whose file the ingest finished or found whole

# Runs whose dock went away before they finished stay referenced here until they finish.
_ORPHAN_RUNS: set[AlgorithmRun] = set()


def _days_before(start: date) -> tuple[date, date]:
    """The default pre-event window: the ``DEFAULT_PRE_EVENT_DAYS`` before ``start``."""
    return start - timedelta(days=DEFAULT_PRE_EVENT_DAYS), start - timedelta(days=1)


def template_pattern(template: str) -> re.Pattern[str]:
    """A regex matching the text ``template.format(...)`` gives, one named group per field."""
    parts = re.split(r"\{(\w+)[^}]*\}", template)
    pattern = "".join(re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts))
    return re.compile(f"^{pattern}$", re.DOTALL)


def event_titles() -> dict[str, str]:
    """The events' names in the user's language."""
    return {
        "flood.coastal": tr("Coastal flood"),
        "flood.riverine": tr("Riverine flood"),
        "flood.flash": tr("Flash flood"),
        "wildfire.burn_scar": tr("Wildfire burn scar"),
        "drought.vegetation": tr("Drought (vegetation)"),
    }


def format_km2(value: float) -> str:
    decimals = 3 if value < 1 else 2 if value < 10 else 1 if value < 1000 else 0
    return tr("{area} km²").format(area=QLocale().toString(float(value), "f", decimals))


class BandRow:
    """One band of the scene being ingested: a line in the per-band list with its own bar."""

    def __init__(self, tree: QTreeWidget, band: str) -> None:
        self.item = QTreeWidgetItem([band, tr("waiting")])
        tree.addTopLevelItem(self.item)
        self.bar = QProgressBar()
        self.bar.setRange(0, 100)
        self.bar.setValue(0)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(14)
        tree.setItemWidget(self.item, 2, self.bar)
        self.status = "waiting"

    def set_status(self, status: str) -> None:
        self.status = status
        labels = {
            "started": tr("downloading"),
            "retrying": tr("retrying"),
            "done": tr("done"),
            "skipped": tr("already there"),
            "failed": tr("failed"),
        }
        self.item.setText(1, labels.get(status, status))
        if status in ("started", "retrying"):
            self.bar.setRange(0, 0)  # busy until a band that takes a while reports its percentage
        elif status in ("done", "skipped"):
            self.bar.setRange(0, 100)
            self.bar.setValue(100)
        elif status == "failed":
            self.bar.setRange(0, 100)
            self.bar.setValue(0)
            self.item.setForeground(1, QBrush(QColor(200, 0, 0)))

    def set_percent(self, percent: int) -> None:
        """How much of a band that takes a while has arrived (a busy bar until the first report)."""
        if self.status in ("started", "retrying"):
            self.bar.setRange(0, 100)
            self.bar.setValue(max(self.bar.value(), percent))

    def stop(self) -> None:
        """The run ended: a busy bar becomes a still one."""
        if self.bar.maximum() == 0:
            self.bar.setRange(0, 100)
            self.bar.setValue(0)
            self.item.setText(1, tr("stopped"))


class FirstLightDock(QgsDockWidget):
    """Area, event, dates, cloud, catalog → Search → scenes → Ingest → styled layers on the map."""

    searchFinished = pyqtSignal(bool)
    ingestFinished = pyqtSignal(bool)
    areaChanged = pyqtSignal()

    def __init__(self, iface: Any, parent: QWidget | None = None) -> None:
        super().__init__(tr("FirstLight"), parent)
        self.setObjectName("FirstLightDock")
        self.iface = iface
        self.canvas = iface.mapCanvas()
        self.project = QgsProject.instance()
        self.notifier = Notifier(iface)
        self.area: AreaOfInterest | None = None
        self.area_band = make_rubber_band(self.canvas, AREA_COLOR, width=2, fill_alpha=30)
        # The selected scenes' footprints, drawn over the (outline-only) footprints layer.
        self.footprint_band = make_rubber_band(self.canvas, HIGHLIGHT_COLOR, width=3, fill_alpha=0)
        # The footprint of the scene from before the event it will be compared with, dashed.
        self.earlier_band = make_rubber_band(self.canvas, EARLIER_COLOR, width=2, fill_alpha=0)
        self.earlier_band.setLineStyle(Qt.PenStyle.DashLine)
        self.tool = AreaMapTool(self.canvas)
        self.tool.areaDrawn.connect(self._area_drawn)
        self.tool.drawingCanceled.connect(self._drawing_canceled)
        self.previous_tool = None
        self.workdir = Path(tempfile.mkdtemp(prefix="firstlight-dock-"))
        self.run_count = 0
        self.search_run: AlgorithmRun | None = None
        self.pre_search_run: AlgorithmRun | None = None  # the same search between the pre-event dates
        self.ingest_run: AlgorithmRun | None = None
        self._search_used: dict[str, Any] | None = None  # parameters of the search the table shows
        self._searched_area: AreaOfInterest | None = None  # the area of the last search started
        self.scenes_json: Path | None = None
        self.footprints_id: str | None = None
        self.ingest_scenes: list[Scene] = []
        self.ingest_area: AreaOfInterest | None = None  # the area the last ingest ran with
        # Each scene's bands as the ingest told them last (scene id -> band -> status), and the
        # scene whose bands it is telling now.
        self.band_states: dict[str, dict[str, str]] = {}
        self._bands_of: str | None = None
        self.released: list[ReleasedLayer] = []  # layers closed while the ingest replaces their files
        self.mappable: Mappable | None = None  # what the last ingest put on the map, for a layout
        self.band_rows: dict[str, BandRow] = {}
        self.thumbnails = ThumbnailLoader(self)
        self.thumbnails.loaded.connect(self._thumbnail_loaded)
        self.thumbnails.failed.connect(self._thumbnail_failed)
        self.shown_thumbnails: dict[QLabel, str | None] = {}  # what each preview shows or awaits
        self._restoring = False
        self._shut_down = False
        self._band_pattern = template_pattern(tr("Band {band}: {status}"))
        self._band_status = {word: status for status, word in ingest_alg.band_state_words().items()}
        self._percent_pattern = template_pattern(tr("Band {band}: {percent} %"))
        self._scene_pattern = template_pattern(
            tr("Ingesting scene {n}/{total}: {id} ({sensor}, {date}, {mode}).")
        )

        self._build()
        self._restore_settings()
        self.canvas.destinationCrsChanged.connect(self._canvas_crs_changed)
        self.project.layersWillBeRemoved.connect(self._layers_removed)
        self.canvas.mapToolSet.connect(self._map_tool_changed)

    # --- building the widgets --------------------------------------------------------------------

    def _build(self) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self._build_area())
        layout.addWidget(self._build_search())
        layout.addWidget(self._build_scenes())
        layout.addWidget(self._build_ingest())
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self._update_buttons()

    def _build_area(self) -> QGroupBox:
        box = QGroupBox(tr("1. Area"))
        grid = QGridLayout(box)
        self.rectangle_button = self._tool_button(
            tr("Rectangle"), tr("Draw a rectangle: press, drag, release")
        )
        self.polygon_button = self._tool_button(
            tr("Polygon"), tr("Draw a polygon: click the corners, right-click to finish, Esc to cancel")
        )
        self.canvas_button = QPushButton(tr("Map view"))
        self.canvas_button.setToolTip(tr("Use the extent of the map as it is shown now"))
        self.rectangle_button.clicked.connect(lambda: self.start_drawing(RECTANGLE))
        self.polygon_button.clicked.connect(lambda: self.start_drawing(POLYGON))
        self.canvas_button.clicked.connect(self.use_canvas_extent)
        grid.addWidget(self.rectangle_button, 0, 0)
        grid.addWidget(self.polygon_button, 0, 1)
        grid.addWidget(self.canvas_button, 0, 2)

        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(LAYERS_WITH_EXTENT)
        self.layer_combo.setAllowEmptyLayer(True)
        self.layer_combo.setToolTip(tr("A layer whose extent or selected features give the area"))
        self.layer_extent_button = QPushButton(tr("Layer extent"))
        self.selection_button = QPushButton(tr("Selected features"))
        self.layer_extent_button.clicked.connect(self.use_layer_extent)
        self.selection_button.clicked.connect(self.use_selected_features)
        grid.addWidget(self.layer_combo, 1, 0, 1, 3)
        grid.addWidget(self.layer_extent_button, 2, 0, 1, 1)
        grid.addWidget(self.selection_button, 2, 1, 1, 1)

        self.clear_area_button = QPushButton(tr("Clear"))
        self.clear_area_button.clicked.connect(self.clear_area)
        grid.addWidget(self.clear_area_button, 2, 2)

        self.area_label = QLabel()
        self.area_label.setWordWrap(True)
        grid.addWidget(self.area_label, 3, 0, 1, 3)
        return box

    def _tool_button(self, text: str, tooltip: str) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tooltip)
        button.setCheckable(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        return button

    def _build_search(self) -> QGroupBox:
        box = QGroupBox(tr("2. Search"))
        form = QFormLayout(box)
        self.event_combo = QComboBox()
        titles = event_titles()
        for name, config in EVENTS.items():
            self.event_combo.addItem(f"{titles.get(name, config.title)} ({name})", name)
        form.addRow(tr("Event"), self.event_combo)

        dates, self.start_edit, self.end_edit = self._date_range()
        form.addRow(tr("Dates"), dates)

        # Floods and burn scars: the change since a scene of a window before the event.
        self.pre_event_check = QCheckBox()
        self.pre_event_check.setToolTip(
            tr(
                "The latest clear scene between these dates (at most 10% cloud, else the clearest), "
                "before the event, is ingested too; each scene gets its change since: a flood's extent, "
                "a burn scar's dNBR and burn severity"
            )
        )
        self._change_titles = {
            "flood": tr("Compare with an earlier scene (flood extent)"),
            "burn": tr("Compare with an earlier scene (dNBR)"),
        }
        pre_dates, self.pre_start_edit, self.pre_end_edit = self._date_range()
        self.pre_event_label = QLabel(tr("Before"))
        form.addRow(self.pre_event_label, self.pre_event_check)
        self.pre_dates_widget = QWidget()
        self.pre_dates_widget.setLayout(pre_dates)
        pre_dates.setContentsMargins(0, 0, 0, 0)
        form.addRow("", self.pre_dates_widget)
        self.event_combo.currentIndexChanged.connect(self._event_changed)
        self.pre_event_check.toggled.connect(self._event_changed)
        self.start_edit.dateChanged.connect(self._keep_pre_event_before)
        self.pre_start_edit.dateChanged.connect(self._drop_outdated_pre_list)
        self.pre_end_edit.dateChanged.connect(self._drop_outdated_pre_list)
        self.areaChanged.connect(self._drop_outdated_pre_list)

        self.cloud_spin = QSpinBox()
        self.cloud_spin.setRange(0, 100)
        self.cloud_spin.setSuffix(" %")
        self.cloud_spin.setToolTip(tr("Optical scenes cloudier than this are left out"))
        form.addRow(tr("Max cloud"), self.cloud_spin)
        self.area_cloud_check = QCheckBox(tr("Over the area (reads each scene's cloud mask)"))
        self.area_cloud_check.setToolTip(
            tr(
                "The maximum cloud cover and the ranking go by the cloud over your area, from each "
                "optical scene's own cloud mask, not by the catalog's figure for the whole scene: a "
                "cloudy scene may be clear over your area. Adds a small read per scene found"
            )
        )
        form.addRow("", self.area_cloud_check)

        self.catalog_combo = QComboBox()
        self.catalog_combo.addItem(tr("Earth Search v1 (AWS, no account)"), EARTH_SEARCH)
        self.catalog_combo.addItem(tr("Microsoft Planetary Computer"), PLANETARY_COMPUTER)
        self.catalog_combo.addItem(tr("Custom STAC API URL"), CUSTOM_URL)
        self.catalog_combo.addItem(tr("Local catalog file"), LOCAL_FILE)
        form.addRow(tr("Catalog"), self.catalog_combo)
        self.url_edit = QLineEdit()
        self.url_edit.setPlaceholderText("https://example.com/stac/v1")
        self.url_label = QLabel(tr("STAC API URL"))
        form.addRow(self.url_label, self.url_edit)
        self.catalog_file = QgsFileWidget()
        self.catalog_file.setStorageMode(QgsFileWidget.StorageMode.GetFile)
        self.catalog_file.setFilter(tr("STAC catalogs (*.json *.geojson);;All files (*)"))
        self.catalog_file.setDialogTitle(tr("Local STAC catalog, collection or ItemCollection"))
        self.catalog_file_label = QLabel(tr("Catalog file"))
        form.addRow(self.catalog_file_label, self.catalog_file)
        self.catalog_combo.currentIndexChanged.connect(self._catalog_kind_changed)

        self.search_button = QPushButton(tr("Search"))
        self.search_button.setDefault(True)
        self.search_button.clicked.connect(self.search)
        form.addRow(self.search_button)

        searched = (  # the choices the scenes listed depend on
            self.event_combo.currentIndexChanged,
            self.start_edit.dateChanged,
            self.end_edit.dateChanged,
            self.cloud_spin.valueChanged,
            self.area_cloud_check.toggled,
            self.catalog_combo.currentIndexChanged,
            self.catalog_file.fileChanged,
        )
        for signal in (
            *searched,
            self.url_edit.editingFinished,
            self.pre_event_check.toggled,
            self.pre_start_edit.dateChanged,
            self.pre_end_edit.dateChanged,
        ):
            signal.connect(self._save_settings)
        for signal in (*searched, self.url_edit.textChanged):
            signal.connect(self._search_choice_changed)
        return box

    def _date_range(self) -> tuple[QHBoxLayout, QDateEdit, QDateEdit]:
        """A first and a last day side by side, "to" between them."""
        row = QHBoxLayout()
        first, last = self._date_edit(), self._date_edit()
        row.addWidget(first)
        row.addWidget(QLabel(tr("to")))
        row.addWidget(last)
        return row, first, last

    @staticmethod
    def _date_edit() -> QDateEdit:
        edit = QDateEdit()
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit

    def _build_scenes(self) -> QGroupBox:
        box = QGroupBox(tr("3. Scenes"))
        layout = QVBoxLayout(box)
        self.scenes_model = ScenesModel(self)
        self.scenes_proxy = ScenesProxy(self)
        self.scenes_proxy.setSourceModel(self.scenes_model)
        self.scenes_view = QTableView()
        self.scenes_view.setModel(self.scenes_proxy)
        self.scenes_view.setSortingEnabled(True)
        self.scenes_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.scenes_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.scenes_view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.scenes_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.scenes_view.verticalHeader().setVisible(False)
        self.scenes_view.setAlternatingRowColors(True)
        header = self.scenes_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self._fit_table_height()
        self.scenes_view.selectionModel().selectionChanged.connect(self._scene_selection_changed)
        layout.addWidget(self.scenes_view, 1)
        self.pre_choice = PreEventChoice()
        self.pre_choice.setVisible(False)
        self.pre_choice.combo.currentIndexChanged.connect(self._show_preview)
        layout.addWidget(self.pre_choice)

        preview = QHBoxLayout()
        self.thumbnail_label = self._thumbnail_label()
        self.pre_thumbnail_label = self._thumbnail_label()  # the scene before the event, beside
        preview.addWidget(self.thumbnail_label)
        preview.addWidget(self.pre_thumbnail_label)
        self.scene_label = QLabel()
        self.scene_label.setWordWrap(True)
        self.scene_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.scene_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        preview.addWidget(self.scene_label, 1)
        layout.addLayout(preview)
        return box

    @staticmethod
    def _thumbnail_label() -> QLabel:
        label = QLabel()
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        label.setFixedSize(THUMBNAIL_HEIGHT, THUMBNAIL_HEIGHT)
        label.setWordWrap(True)
        label.setVisible(False)
        return label

    def _build_ingest(self) -> QGroupBox:
        box = QGroupBox(tr("4. Ingest"))
        layout = QVBoxLayout(box)
        form = QFormLayout()
        self.output_widget = QgsFileWidget()
        self.output_widget.setStorageMode(QgsFileWidget.StorageMode.GetDirectory)
        self.output_widget.setDialogTitle(tr("Folder for the bands, stacks and indices"))
        form.addRow(tr("Output folder"), self.output_widget)
        layout.addLayout(form)
        self.clip_check = QCheckBox(tr("Clip to the area (reads only its pixels)"))
        self.clip_check.setToolTip(tr("Off downloads whole band files, 100-250 MB each for Sentinel-2"))
        self.skip_check = QCheckBox(tr("Skip validation (faster, result may lack NIR/SWIR)"))
        self.skip_check.setToolTip(
            tr("Accepts scenes lacking a band and stacks that fail their checks: unfit for analysis")
        )
        self.mosaic_check = QCheckBox(tr("Mosaic the scenes (one layer per product)"))
        self.mosaic_check.setToolTip(
            tr(
                "With two scenes or more of one day (an area over two tiles): their products also as "
                "one raster each, in the output folder's mosaic folder, areas counted once"
            )
        )
        self.polygons_check = QCheckBox(tr("Polygons of the flood, burn or water (GeoPackage)"))
        self.polygons_check.setToolTip(
            tr(
                "Also the flood extent, burn severity or else the water mask as polygons, with their "
                "class and area, patches under 0.1 ha merged into their surroundings: for a report or a map"
            )
        )
        for check in (self.clip_check, self.mosaic_check, self.polygons_check, self.skip_check):
            layout.addWidget(check)
            check.toggled.connect(self._save_settings)
        self.output_widget.fileChanged.connect(self._save_settings)

        buttons = QHBoxLayout()
        self.ingest_button = QPushButton(tr("Ingest"))
        self.ingest_button.setToolTip(tr("Download, stack, validate and index the selected scenes"))
        self.ingest_button.clicked.connect(self.ingest)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.clicked.connect(self.cancel)
        buttons.addWidget(self.ingest_button, 1)
        buttons.addWidget(self.cancel_button)
        layout.addLayout(buttons)
        self.map_button = QPushButton(tr("Map layout"))
        self.map_button.setToolTip(
            tr(
                "A print layout of the last ingest: its map with the scene's layers shown, what it "
                "found in km², the scenes, legend, scale bar and the imagery's credit; opened in the "
                "layout designer"
            )
        )
        self.map_button.clicked.connect(self.make_map)
        layout.addWidget(self.map_button)

        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        layout.addWidget(self.progress_bar)
        self.bands_tree = QTreeWidget()
        self.bands_tree.setColumnCount(3)
        self.bands_tree.setHeaderLabels([tr("Band"), tr("Status"), tr("Progress")])
        self.bands_tree.setRootIsDecorated(False)
        self.bands_tree.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.bands_tree.header().setStretchLastSection(True)
        self.bands_tree.setMaximumHeight(150)
        self.bands_tree.setVisible(False)
        layout.addWidget(self.bands_tree)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        return box

    # --- settings ----------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        self._restoring = True
        try:
            event = saved.read(saved.EVENT, "flood.coastal", str)
            self.event_combo.setCurrentIndex(max(0, self.event_combo.findData(event)))
            dates = saved.rolling_dates(
                saved.read(saved.START_DATE, "", str),
                saved.read(saved.END_DATE, "", str),
                saved.read(saved.SAVED_ON, "", str),
            ) or saved.default_dates(DEFAULT_DAYS)
            self.set_dates(*dates)
            self.pre_event_check.setChecked(saved.read(saved.PRE_EVENT, False, bool))
            self.set_pre_event_dates(
                *saved.date_range(
                    saved.read(saved.PRE_START_DATE, "", str), saved.read(saved.PRE_END_DATE, "", str)
                )
                or _days_before(dates[0])
            )
            self.cloud_spin.setValue(saved.read(saved.MAX_CLOUD, DEFAULT_MAX_CLOUD, int))
            self.area_cloud_check.setChecked(saved.read(saved.AREA_CLOUD, True, bool))
            kind = saved.read(saved.CATALOG_KIND, EARTH_SEARCH, str)
            self.catalog_combo.setCurrentIndex(max(0, self.catalog_combo.findData(kind)))
            self.url_edit.setText(saved.read(saved.CUSTOM_URL, "", str))
            self.catalog_file.setFilePath(saved.read(saved.LOCAL_CATALOG, "", str))
            self.output_widget.setFilePath(
                saved.read(saved.OUTPUT_FOLDER, str(Path.home() / "FirstLight"), str)
            )
            self.clip_check.setChecked(saved.read(saved.CLIP_TO_AREA, True, bool))
            self.skip_check.setChecked(saved.read(saved.SKIP_VALIDATION, False, bool))
            self.mosaic_check.setChecked(saved.read(saved.MOSAIC, False, bool))
            self.polygons_check.setChecked(saved.read(saved.POLYGONS, False, bool))
            layer = self.project.mapLayer(saved.read(saved.LAYER_ID, "", str))
            if layer is not None:
                self.layer_combo.setLayer(layer)
            area = area_from_wkt(
                saved.read(saved.AREA_WKT, "", str),
                saved.read(saved.AREA_CRS, "", str),
                saved.read(saved.AREA_SOURCE, tr("last session"), str),
            )
            self.set_area(area, save=False)
        finally:
            self._restoring = False
        self._catalog_kind_changed()
        self._event_changed()

    def _save_settings(self, *_: object) -> None:
        if self._restoring:
            return
        start, end = self.dates()
        saved.write(saved.EVENT, self.event_name())
        saved.write(saved.START_DATE, start.isoformat())
        saved.write(saved.END_DATE, end.isoformat())
        saved.write(saved.SAVED_ON, date.today().isoformat())
        pre_start, pre_end = self.pre_event_dates()
        saved.write(saved.PRE_EVENT, self.pre_event_check.isChecked())
        saved.write(saved.PRE_START_DATE, pre_start.isoformat())
        saved.write(saved.PRE_END_DATE, pre_end.isoformat())
        saved.write(saved.MAX_CLOUD, self.cloud_spin.value())
        saved.write(saved.AREA_CLOUD, self.area_cloud_check.isChecked())
        saved.write(saved.CATALOG_KIND, self.catalog_kind())
        saved.write(saved.CUSTOM_URL, self.url_edit.text().strip())
        saved.write(saved.LOCAL_CATALOG, self.catalog_file.filePath().strip())
        saved.write(saved.OUTPUT_FOLDER, self.output_widget.filePath().strip())
        saved.write(saved.CLIP_TO_AREA, self.clip_check.isChecked())
        saved.write(saved.SKIP_VALIDATION, self.skip_check.isChecked())
        saved.write(saved.MOSAIC, self.mosaic_check.isChecked())
        saved.write(saved.POLYGONS, self.polygons_check.isChecked())
        layer = self.layer_combo.currentLayer()
        saved.write(saved.LAYER_ID, layer.id() if layer is not None else "")

    def _save_area(self) -> None:
        if self.area is None:
            for key in (saved.AREA_WKT, saved.AREA_CRS, saved.AREA_SOURCE):
                saved.remove(key)
            return
        saved.write(saved.AREA_WKT, self.area.to_wkt())
        saved.write(saved.AREA_CRS, self.area.crs_definition())
        saved.write(saved.AREA_SOURCE, self.area.source)

    # --- values --------------------------------------------------------------------------------------

    def event_name(self) -> str:
        return str(self.event_combo.currentData())

    def set_event(self, name: str) -> None:
        index = self.event_combo.findData(name)
        if index < 0:
            raise ValueError(name)
        self.event_combo.setCurrentIndex(index)

    def dates(self) -> tuple[date, date]:
        return self.start_edit.date().toPyDate(), self.end_edit.date().toPyDate()

    def set_dates(self, start: date, end: date) -> None:
        self.start_edit.setDate(QDate(start.year, start.month, start.day))
        self.end_edit.setDate(QDate(end.year, end.month, end.day))

    def pre_event_dates(self) -> tuple[date, date]:
        return self.pre_start_edit.date().toPyDate(), self.pre_end_edit.date().toPyDate()

    def set_pre_event_dates(self, start: date, end: date) -> None:
        self.pre_start_edit.setDate(QDate(start.year, start.month, start.day))
        self.pre_end_edit.setDate(QDate(end.year, end.month, end.day))

    def _keep_pre_event_before(self, *_: object) -> None:
        """Pre-event dates that no longer end before the event's start become the days before it."""
        start = self.dates()[0]
        if self.pre_event_dates()[1] >= start:
            self.set_pre_event_dates(*_days_before(start))

    def _event_changed(self, *_: object) -> None:
        event = EVENTS[self.event_name()]
        for widget in (self.pre_event_label, self.pre_event_check, self.pre_dates_widget):
            widget.setVisible(event.change is not None)
        if event.change is not None:
            self.pre_event_check.setText(self._change_titles[event.change])
        self.pre_dates_widget.setEnabled(self.pre_event_check.isChecked())
        # Polygons are made of classes: water, the flood, burn severity (a burn scar's needs the
        # scene from before the fire); drought's NDVI has none.
        self.polygons_check.setEnabled(event.water_mask or self._comparing())
        self._show_pre_choice()

    def _comparing(self) -> bool:
        """*Compare with an earlier scene* is on, for an event with a change (flood, burn scar)."""
        return self.pre_event_check.isChecked() and EVENTS[self.event_name()].change is not None

    def _drop_outdated_pre_list(self, *_: object) -> None:
        """The *Compare with* scenes were found between other pre-event dates or for another area:
        the list goes, and the ingest searches the dates and area shown itself (among whose scenes
        one chosen from the list might not be)."""
        listed = self.pre_choice.window
        if listed is not None and (listed != self.pre_event_dates() or self.area is not self._searched_area):
            self.pre_choice.clear()
            self._show_pre_choice()

    def _show_pre_choice(self) -> None:
        self.pre_choice.setVisible(self._comparing() and self.pre_choice.window is not None)
        self._show_preview()

    def catalog_kind(self) -> str:
        return str(self.catalog_combo.currentData())

    def set_catalog(self, kind: str, value: str = "") -> None:
        """EARTH_SEARCH, PLANETARY_COMPUTER, CUSTOM_URL (``value``: the URL) or LOCAL_FILE (a path)."""
        self.catalog_combo.setCurrentIndex(self.catalog_combo.findData(kind))
        if kind == CUSTOM_URL:
            self.url_edit.setText(value)
        elif kind == LOCAL_FILE:
            self.catalog_file.setFilePath(value)
        self._save_settings()

    def catalog(self) -> str:
        """The CATALOG parameter: an alias, a STAC API URL or a local file (ValueError when unusable)."""
        kind, value = self.catalog_kind(), self._catalog_text()
        if kind == CUSTOM_URL and not value.lower().startswith(("http://", "https://")):
            raise ValueError(tr("The custom catalog needs the URL of a STAC API, starting with https://."))
        if kind == LOCAL_FILE and not (value and Path(value).exists()):
            raise ValueError(tr("Choose an existing local catalog file (catalog.json or an ItemCollection)."))
        return value

    def _catalog_text(self) -> str:
        """The catalog as chosen or typed, unchecked: what tells one search's catalog from another's."""
        kind = self.catalog_kind()
        if kind == CUSTOM_URL:
            return self.url_edit.text().strip()
        if kind == LOCAL_FILE:
            return self.catalog_file.filePath().strip()
        return kind

    def _catalog_kind_changed(self, *_: object) -> None:
        kind = self.catalog_kind()
        for widget in (self.url_label, self.url_edit):
            widget.setVisible(kind == CUSTOM_URL)
        for widget in (self.catalog_file_label, self.catalog_file):
            widget.setVisible(kind == LOCAL_FILE)

    # --- the area ------------------------------------------------------------------------------------

    def set_area(self, area: AreaOfInterest | None, save: bool = True) -> None:
        self.area = area
        self._show_area()
        if save and not self._restoring:
            self._save_area()
        self._update_buttons()
        self.areaChanged.emit()

    def clear_area(self) -> None:
        self.set_area(None)

    def _canvas_crs_changed(self) -> None:
        """Rubber bands hold map coordinates: draw them again in the new CRS."""
        self._show_area()
        if not sip.isdeleted(self.footprint_band):
            self._highlight_footprints(self.selected_scene_ids())
            self._show_preview()  # the earlier scene's footprint too

    def _show_area(self, *_: object) -> None:
        if sip.isdeleted(self.area_band):
            return
        if self.area is None:
            self.area_band.reset(GEOMETRY_POLYGON)
            self.area_label.setText(
                tr("No area yet: draw a rectangle or polygon, or take a layer's or the map's extent.")
            )
            return
        self.area_band.setToGeometry(self.area.geometry, self.area.crs)
        self.area_band.show()
        try:
            size = format_km2(self.area.square_km(self.project))
        except Exception as error:  # measuring must never lose the area
            log(tr("Could not measure the area: {error}").format(error=error), WARNING)
            size = tr("unknown size")
        self.area_label.setText(tr("Area: {size} ({source})").format(size=size, source=self.area.source))

    def _try_area(self, make) -> None:
        try:
            self.set_area(make())
        except AreaError as error:
            self.notifier.warning(str(error))

    def use_canvas_extent(self) -> None:
        self._try_area(lambda: area_from_canvas(self.canvas))

    def use_layer_extent(self) -> None:
        self._try_area(lambda: area_from_layer_extent(self.layer_combo.currentLayer()))
        self._save_settings()

    def use_selected_features(self) -> None:
        self._try_area(lambda: area_from_selected_features(self.layer_combo.currentLayer()))
        self._save_settings()

    def use_layer(self, layer: QgsMapLayer, selected_only: bool = False) -> None:
        self.layer_combo.setLayer(layer)
        if selected_only:
            self.use_selected_features()
        else:
            self.use_layer_extent()

    def start_drawing(self, mode: str) -> None:
        """Arm the map tool: a rectangle or a polygon is drawn next on the canvas."""
        current = self.canvas.mapTool()
        if current is not self.tool:
            self.previous_tool = current
        self.tool.set_mode(mode)
        self.canvas.setMapTool(self.tool)
        self.rectangle_button.setChecked(mode == RECTANGLE)
        self.polygon_button.setChecked(mode == POLYGON)
        self.status_label.setText(
            tr("Draw the rectangle on the map: press, drag and release. Esc cancels.")
            if mode == RECTANGLE
            else tr("Click the corners of the polygon on the map; right-click finishes, Esc cancels.")
        )
        self.canvas.setFocus()

    def _stop_drawing(self) -> None:
        self.rectangle_button.setChecked(False)
        self.polygon_button.setChecked(False)
        if self.canvas.mapTool() is self.tool:
            previous = self.previous_tool
            if previous is not None and not sip.isdeleted(previous):
                self.canvas.setMapTool(previous)
            else:
                self.canvas.unsetMapTool(self.tool)
        self.previous_tool = None

    def _area_drawn(self, geometry: QgsGeometry) -> None:
        source = tr("drawn rectangle") if self.tool.mode == RECTANGLE else tr("drawn polygon")
        crs = self.canvas.mapSettings().destinationCrs()
        self._stop_drawing()
        self.status_label.clear()
        self._try_area(lambda: area_from_geometry(geometry, crs, source))

    def _drawing_canceled(self) -> None:
        self._stop_drawing()
        self.status_label.setText(tr("Drawing cancelled; the area is unchanged."))

    def _map_tool_changed(self, new_tool: object, _old: object = None) -> None:
        if new_tool is not self.tool:
            self.rectangle_button.setChecked(False)
            self.polygon_button.setChecked(False)

    def _area_file(self) -> str:
        if self.area is None:
            raise ValueError(
                tr("Set an area first: draw a rectangle or polygon, or take a layer's or the map's extent.")
            )
        self.run_count += 1
        return str(self.area.write_geojson(self.workdir / f"area-{self.run_count}.geojson"))

    # --- search --------------------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return any(run is not None and run.running for run in self._runs())

    def _runs(self) -> tuple[AlgorithmRun | None, ...]:
        return self.search_run, self.pre_search_run, self.ingest_run

    def search_parameters(self) -> dict[str, Any]:
        """The ``firstlight:discover`` parameters for the current choices (ValueError if one is wrong)."""
        start, end = self.dates()
        if end < start:
            raise ValueError(tr("The end date is before the start date: pick an end date on or after it."))
        area = self._area_file()
        self.catalog()  # an unusable one is refused before anything runs
        return {search_params.AREA: area} | self._search_choices()

    def _search_choices(self) -> dict[str, Any]:
        """The choices shown that the scenes listed depend on, as the search's parameters give them.
        The area is not one: the ingest takes the area shown, whatever the search's."""
        start, end = self.dates()
        return {
            search_params.EVENT: self.event_name(),
            search_params.START_DATE: start.isoformat(),
            search_params.END_DATE: end.isoformat(),
            search_params.MAX_CLOUD: float(self.cloud_spin.value()),
            search_params.AREA_CLOUD: self.area_cloud_check.isChecked(),
            search_params.CATALOG: self._catalog_text(),
        }

    def _unlike_shown(self, searched: dict[str, Any]) -> str | None:
        """Why scenes searched with ``searched`` are not those of the choices shown (one sentence);
        None when they are."""
        shown = self._search_choices()
        if searched[search_params.EVENT] != shown[search_params.EVENT]:
            titles = event_titles()
            return tr(
                "The scenes were searched for {searched}; the event is now {shown}: press Search again."
            ).format(
                searched=titles.get(searched[search_params.EVENT], searched[search_params.EVENT]),
                shown=titles.get(shown[search_params.EVENT], shown[search_params.EVENT]),
            )
        if any(searched[key] != value for key, value in shown.items()):
            return tr(
                "The scenes were searched with other dates, cloud cover or catalog than those shown: "
                "press Search again."
            )
        return None

    def _search_choice_changed(self, *_: object) -> None:
        """A choice the scenes listed depend on changed: they go, so that no scene is ingested
        under an event, dates, cloud cover or catalog other than those shown (the ingest runs with
        the search's), as the *Compare with* list goes with new earlier dates."""
        reason = self._unlike_shown(self._search_used) if self._search_used is not None else None
        if reason is not None:
            self._clear_scenes()
            self._set_status(reason)

    def _clear_scenes(self) -> None:
        """No search's scenes: an empty table, no footprints, no *Compare with* list."""
        self._search_used = None
        self.scenes_json = None
        self.scenes_model.set_scenes([])
        if self.footprints_id is not None:
            self.project.removeMapLayer(self.footprints_id)
        self.pre_choice.clear()
        self._show_pre_choice()
        self._scene_selection_changed()

    def search(self) -> bool:
        """Press *Search*: start ``firstlight:discover`` in the background; False when it cannot start."""
        if self.busy:
            return False
        try:
            parameters = self.search_parameters()
            before = self._pre_search_parameters(parameters)
        except (ValueError, AreaError) as error:
            self._refuse(str(error))
            return False
        parameters[discover_alg.FOOTPRINTS] = "TEMPORARY_OUTPUT"
        parameters[discover_alg.SCENES_JSON] = str(self.workdir / f"scenes-{self.run_count}.json")
        run = self._start(DISCOVER_ID, parameters, self._search_finished)
        if run is None:
            return False
        self.search_run = run
        self._searched_area = self.area
        # Both searches run at once, and are shown together when both are done.
        self.pre_search_run = self._start(DISCOVER_ID, before, self._search_finished) if before else None
        self._set_status(tr("Searching {catalog}…").format(catalog=self.catalog_combo.currentText()))
        self.progress_bar.setRange(0, 0)
        self._update_buttons()
        return True

    def _pre_search_parameters(self, parameters: dict[str, Any]) -> dict[str, Any] | None:
        """The search between the pre-event dates, when the event's scenes are to be compared."""
        if not self._comparing():
            return None
        start, end = self.pre_event_dates()
        if end < start:
            raise ValueError(
                tr("The earlier scene's end date is before its start date: pick an end date on or after it.")
            )
        return parameters | {
            search_params.START_DATE: start.isoformat(),
            search_params.END_DATE: end.isoformat(),
            discover_alg.FOOTPRINTS: "TEMPORARY_OUTPUT",
            discover_alg.SCENES_JSON: str(self.workdir / f"pre-event-scenes-{self.run_count}.json"),
        }

    def _search_finished(self, *_: object) -> None:
        if any(run is not None and run.running for run in (self.search_run, self.pre_search_run)):
            return  # the other search runs still
        run = self.search_run
        if run is None:
            return
        found = bool(run.ok) and not run.canceled
        outdated = self._unlike_shown(run.parameters) if found else None
        ok = found and outdated is None
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(100 if ok else 0)
        if run.canceled:
            self._set_status(tr("Search cancelled."))
            self.notifier.info(tr("Search cancelled; the scenes table is unchanged."))
        elif not found:
            self._report_failure(run, tr("The search failed."))
        elif outdated is not None:  # a choice changed while it ran: its scenes are not listed
            self._set_status(outdated)
            self.notifier.warning(outdated)
        else:
            self._show_search_results(run)
        self._update_buttons()
        self.searchFinished.emit(ok)

    @staticmethod
    def _scenes_file(run: AlgorithmRun) -> Path:
        return Path(run.results.get(discover_alg.SCENES_JSON) or run.parameters[discover_alg.SCENES_JSON])

    def _read_scenes(self, run: AlgorithmRun) -> list[Scene] | None:
        """The scenes a search run wrote; None (and said) when they cannot be read."""
        try:
            return read_scenes(self._scenes_file(run))
        except (OSError, ValueError, KeyError, TypeError) as error:
            self.notifier.error(
                tr("The search results could not be read: run the search again."), details=str(error)
            )
            return None

    def _show_search_results(self, run: AlgorithmRun) -> None:
        scenes = self._read_scenes(run)
        if scenes is None:
            return
        self.scenes_json = self._scenes_file(run)
        self._search_used = dict(run.parameters)
        layer_id = run.results.get(discover_alg.FOOTPRINTS)
        layer = run.context.takeResultLayer(layer_id) if layer_id else None
        if layer is not None:
            layer = add_footprints(self.project, layer, self.footprints_id)
            self.footprints_id = layer.id()
        self.scenes_model.set_scenes(scenes)
        self.scenes_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.scenes_view.resizeColumnsToContents()
        self._fit_table_height()
        self.pre_choice.clear()
        self._show_pre_choice()
        if not scenes:
            warning = (
                run.warnings[-1]
                if run.warnings
                else tr(
                    "No scene covers the area for these dates and cloud cover: "
                    "widen the dates or raise the maximum cloud cover."
                )
            )
            self._set_status(one_sentence(warning))
            self.notifier.warning(one_sentence(warning))
            return
        self.scenes_view.selectRow(0)
        message = tr("{count} scenes found; the best is selected. Pick one or more and press Ingest.").format(
            count=len(scenes)
        )
        if len(scenes) == 1:
            message = tr("1 scene found and selected: press Ingest to put it on the map.")
        before = self._show_pre_event_scenes(self.pre_search_run)
        if before:
            message += " " + before
        self._set_status(message)
        self.notifier.info(message)

    def _show_pre_event_scenes(self, run: AlgorithmRun | None) -> str:
        """List under the table the scenes the pre-event search found; what to say of them."""
        if run is None or not self._comparing():
            return ""
        if run.canceled:
            return tr(
                "The search for a scene from before the event was cancelled; the ingest searches again."
            )
        if not run.ok:
            log(
                tr("The search for a scene from before the event failed: {errors}").format(
                    errors=" ".join(run.errors)
                ),
                WARNING,
            )
            return tr("The search for a scene from before the event failed; the ingest searches again.")
        window = (
            date.fromisoformat(run.parameters[search_params.START_DATE]),
            date.fromisoformat(run.parameters[search_params.END_DATE]),
        )
        if window != self.pre_event_dates() or self.area is not self._searched_area:
            # Not the scenes the ingest would look among: it searches the dates and area shown itself.
            return tr(
                "The earlier scene's dates or the area changed during the search: the ingest looks "
                "for the scene from before the event itself."
            )
        scenes = self._read_scenes(run)
        if scenes is None:
            return ""
        self.pre_choice.set_scenes(scenes, window, self._first_selected())
        self._show_pre_choice()
        if not scenes:
            return tr(
                "No scene from before the event covers the area between {start} and {end}: widen the "
                "earlier scene's dates or raise the maximum cloud cover."
            ).format(start=window[0], end=window[1])
        return tr(
            "{count} scenes from before the event: the one to compare with is chosen under the table."
        ).format(count=len(scenes))

    # --- the scenes table ----------------------------------------------------------------------------

    def _fit_table_height(self) -> None:
        """As tall as its rows, between 3 and 8 of them: the dock keeps room for the ingest."""
        view = self.scenes_view
        rows = min(max(self.scenes_proxy.rowCount(), 3), 8)
        row_height = view.verticalHeader().defaultSectionSize()
        scrollbar = view.horizontalScrollBar().sizeHint().height()
        height = view.horizontalHeader().sizeHint().height() + rows * row_height + scrollbar
        view.setFixedHeight(height + 2 * view.frameWidth())

    def selected_scene_ids(self) -> list[str]:
        """The ids of the selected rows, in the table's current order."""
        rows = sorted(index.row() for index in self.scenes_view.selectionModel().selectedRows())
        return [str(self.scenes_proxy.index(row, 0).data(SCENE_ID_ROLE)) for row in rows]

    def select_scenes(self, scene_ids: list[str]) -> None:
        selection = QItemSelection()
        for row in range(self.scenes_proxy.rowCount()):
            index = self.scenes_proxy.index(row, 0)
            if index.data(SCENE_ID_ROLE) in scene_ids:
                last = self.scenes_proxy.index(row, self.scenes_proxy.columnCount() - 1)
                selection.select(index, last)
        flags = self.scenes_view.selectionModel().SelectionFlag
        self.scenes_view.selectionModel().select(selection, flags.ClearAndSelect | flags.Rows)

    def footprints_layer(self):
        return self.project.mapLayer(self.footprints_id) if self.footprints_id else None

    def _first_selected(self) -> Scene | None:
        """The first selected scene: the one the ingest's earlier scene is chosen for."""
        ids = self.selected_scene_ids()
        return self.scenes_model.scenes.get(ids[0]) if ids else None

    def _scene_selection_changed(self, *_: object) -> None:
        self._highlight_footprints(self.selected_scene_ids())
        self.pre_choice.follow(self._first_selected())
        self._show_preview()
        self._update_buttons()

    def _show_preview(self, *_: object) -> None:
        """The first selected scene's preview and description, and beside them those of the scene
        it will be compared with, when there is one."""
        current = self._first_selected()
        before = self.pre_choice.scene() if self.pre_choice.isVisibleTo(self) and current else None
        self._describe(current, before)
        self._show_earlier_footprint(before)
        for label, scene in ((self.thumbnail_label, current), (self.pre_thumbnail_label, before)):
            self._set_thumbnail(label, scene.thumbnail_url if scene is not None else None)
            label.setToolTip(scene.id if scene is not None else "")

    def _show_earlier_footprint(self, scene: Scene | None) -> None:
        """Outline, dashed, the footprint of the scene from before the event (from its item)."""
        if sip.isdeleted(self.earlier_band):
            return
        self.earlier_band.reset(GEOMETRY_POLYGON)
        footprint = scene_footprint(scene) if scene is not None else None
        if footprint is not None and not footprint.isEmpty():
            self.earlier_band.setToGeometry(footprint, WGS84)
            self.earlier_band.show()

    def _highlight_footprints(self, scene_ids: list[str]) -> None:
        """Select the scenes' footprints in the layer and draw them in the highlight colour."""
        self.footprint_band.reset(GEOMETRY_POLYGON)
        layer = self.footprints_layer()
        if layer is None:
            return
        fids = feature_ids_of(layer, scene_ids)
        layer.selectByIds(fids)
        for feature in layer.getFeatures(QgsFeatureRequest().setFilterFids(fids)):
            if feature.hasGeometry():
                self.footprint_band.addGeometry(feature.geometry(), layer, False)
        self.footprint_band.updatePosition()
        self.footprint_band.update()

    def _layers_removed(self, layer_ids: list[str]) -> None:
        if self.footprints_id in layer_ids and not sip.isdeleted(self.footprint_band):
            self.footprint_band.reset(GEOMETRY_POLYGON)
            self.footprints_id = None

    def _describe(self, scene: Scene | None, before: Scene | None = None) -> None:
        if scene is None:
            self.scene_label.clear()
            return
        bands = ", ".join(scene.band_urls) or tr("none")
        text = tr("{id}: {sensor}, {date}; bands {bands}").format(
            id=scene.id, sensor=sensor_name(scene), date=scene.datetime, bands=bands
        )
        if scene.missing_bands:
            text += tr("; missing {bands}").format(bands=", ".join(scene.missing_bands))
        if before is not None:
            text += "\n" + compared_line(before)
        self.scene_label.setText(text)

    def _set_thumbnail(self, label: QLabel, href: str | None) -> None:
        if href is not None and self.shown_thumbnails.get(label) == href and not label.isHidden():
            return  # shown, or on its way
        self.shown_thumbnails[label] = href
        label.clear()
        label.setVisible(False)
        if href:
            label.setText(tr("Loading the preview…"))
            label.setVisible(True)
            self.thumbnails.load(href)

    def _thumbnail_loaded(self, href: str, pixmap: QPixmap) -> None:
        scaled = pixmap.scaled(
            THUMBNAIL_HEIGHT,
            THUMBNAIL_HEIGHT,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
        for label, shown in self.shown_thumbnails.items():
            if shown == href:  # else another scene was picked meanwhile
                label.setPixmap(scaled)
                label.setVisible(True)

    def _thumbnail_failed(self, href: str, reason: str) -> None:
        log(tr("No preview for {href}: {reason}").format(href=href, reason=reason))
        for label, shown in self.shown_thumbnails.items():
            if shown == href:
                label.setText(tr("No preview available."))

    # --- ingest --------------------------------------------------------------------------------------

    def output_folder(self) -> str:
        """The output folder as a full path, ``~`` standing for the home folder. A relative path is
        refused: it would be taken from whatever folder QGIS happens to run in."""
        typed = self.output_widget.filePath().strip()
        if not typed:
            raise ValueError(tr("Choose an output folder for the bands, stacks and indices."))
        folder = Path(os.path.expanduser(typed))  # unlike Path.expanduser, leaves an unknown ~user be
        if not folder.is_absolute():
            raise ValueError(
                tr(
                    "The output folder {folder} is not a full path: choose one with the … button, "
                    "or type its full path."
                ).format(folder=typed)
            )
        return str(folder)

    def ingest_parameters(self, scene_ids: list[str]) -> dict[str, Any]:
        if self.scenes_json is None or self._search_used is None or not scene_ids:
            raise ValueError(tr("Search first, then select one or more scenes in the table."))
        used = self._search_used
        return {
            search_params.AREA: self._area_file(),
            search_params.EVENT: used[search_params.EVENT],
            search_params.START_DATE: used[search_params.START_DATE],
            search_params.END_DATE: used[search_params.END_DATE],
            search_params.MAX_CLOUD: used[search_params.MAX_CLOUD],
            search_params.AREA_CLOUD: used[search_params.AREA_CLOUD],
            search_params.CATALOG: used[search_params.CATALOG],
            ingest_alg.SCENES_JSON: str(self.scenes_json),
            ingest_alg.SCENES: ",".join(scene_ids),
            ingest_alg.OUTPUT_FOLDER: self.output_folder(),
            ingest_alg.CLIP_TO_AREA: self.clip_check.isChecked(),
            ingest_alg.SKIP_VALIDATION: self.skip_check.isChecked(),
            ingest_alg.MOSAIC: self.mosaic_check.isChecked(),
            ingest_alg.POLYGONS: self.polygons_check.isChecked() and self.polygons_check.isEnabled(),
        } | self._pre_event_parameters(used[search_params.EVENT])

    def _pre_event_parameters(self, event: str) -> dict[str, str]:
        if not (self.pre_event_check.isChecked() and EVENTS[event].takes_pre_event):
            return {}
        start, end = self.pre_event_dates()
        parameters = {
            ingest_alg.PRE_EVENT_START: start.isoformat(),
            ingest_alg.PRE_EVENT_END: end.isoformat(),
        }
        chosen = self.pre_choice.chosen_id()  # the list is of these dates: it goes when they change
        if chosen:
            parameters[ingest_alg.PRE_EVENT_SCENE] = chosen
        return parameters

    def ingest(self) -> bool:
        """Press *Ingest*: start ``firstlight:ingest`` on the selected scenes; False when it cannot start."""
        if self.busy:
            return False
        scene_ids = self.selected_scene_ids()
        try:
            parameters = self.ingest_parameters(scene_ids)
            Path(parameters[ingest_alg.OUTPUT_FOLDER]).mkdir(parents=True, exist_ok=True)
        except (ValueError, AreaError) as error:
            self._refuse(str(error))
            return False
        except OSError as error:
            sentence = tr("The output folder cannot be created: choose another one.")
            self._set_status(sentence)
            self.notifier.error(sentence, details=str(error))
            return False
        folder = Path(parameters[ingest_alg.OUTPUT_FOLDER])
        # The pre-event scene is found as the ingest runs: every scene folder's layers are closed.
        pre_event = ingest_alg.PRE_EVENT_START in parameters
        folders = [folder] if pre_event else [folder / safe_name(i) for i in scene_ids]
        folders.append(folder / MOSAIC_FOLDER)  # made again, or removed with a scene it was made of
        self._release_layers(folders, scene_ids)
        run = self._start(INGEST_ID, parameters, self._ingest_finished)
        if run is None:
            self._restore_layers()
            return False
        self.ingest_run = run
        self.ingest_scenes = [self.scenes_model.scenes[i] for i in scene_ids if i in self.scenes_model.scenes]
        self.ingest_area = self.area
        self.band_states, self._bands_of = {}, None
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setValue(0)
        self._reset_bands(self.ingest_scenes[0] if self.ingest_scenes else None)
        self._set_status(tr("Ingesting {scenes}…").format(scenes=", ".join(scene_ids)))
        self._update_buttons()
        return True

    def _release_layers(self, folders: list[Path], scene_ids: list[str]) -> None:
        self.released = release_layers(self.project, folders)
        if self.released:
            log(
                tr(
                    "{count} layers read files of {scenes}: closed while the ingest replaces them, "
                    "opened again when it ends."
                ).format(count=len(self.released), scenes=", ".join(scene_ids))
            )

    def _restore_layers(self) -> None:
        restore_layers(self.project, self.released)
        self.released = []

    def _reset_bands(self, scene: Scene | None) -> None:
        self.bands_tree.clear()
        self.band_rows = {}
        if scene is None:
            return
        bands = list(scene.band_urls)
        if scene.mask_asset is not None:
            bands.append(scene.mask_asset.band)
        for band in bands:
            self.band_rows[band] = BandRow(self.bands_tree, band)
        self.bands_tree.setVisible(True)

    def _band_row(self, band: str) -> BandRow:
        if band not in self.band_rows:
            self.band_rows[band] = BandRow(self.bands_tree, band)
            self.bands_tree.setVisible(True)
        return self.band_rows[band]

    def _ingest_info(self, text: str) -> None:
        percent = self._percent_pattern.match(text)
        if percent and percent["percent"].isdigit():
            self._band_row(percent["band"]).set_percent(int(percent["percent"]))
            return
        band = self._band_pattern.match(text)
        if band:
            status = self._band_status.get(band["status"], band["status"])  # the core's, from the word
            self._band_row(band["band"]).set_status(status)
            if self._bands_of is not None:
                self.band_states.setdefault(self._bands_of, {})[band["band"]] = status
            return
        scene = self._scene_pattern.match(text)
        if scene:
            self._bands_of = scene["id"]
            self._reset_bands(self.scenes_model.scenes.get(scene["id"]))
        self._set_status(one_sentence(text))

    def _ingest_finished(self, ok: bool, results: dict[str, Any]) -> None:
        run = self.ingest_run
        for row in self.band_rows.values():
            row.stop()
        self._restore_layers()  # before the results replace those in the scenes' groups
        if run is None:
            return
        succeeded = ok and not run.canceled
        self.progress_bar.setValue(100 if succeeded else 0)
        if run.canceled:
            message = self._kept_after_cancel(run)
            self._set_status(message)
            self.notifier.info(message)
        elif not ok:
            self._report_failure(run, tr("The ingest failed."))
        else:
            self._add_results(run, results)
        self._update_buttons()
        self.ingestFinished.emit(succeeded)

    def _add_results(self, run: AlgorithmRun, results: dict[str, Any]) -> None:
        scene_ids = [i for i in str(results.get(ingest_alg.SCENE_IDS) or "").split(",") if i]
        added = add_ingest_results(run.context, run.feedback, self.project, scene_ids, self.footprints_id)
        folder = results.get(ingest_alg.OUTPUT_FOLDER) or run.parameters[ingest_alg.OUTPUT_FOLDER]
        add_figures(self.project, manifest_figures(Path(folder), scene_ids))
        self.mappable = self._mappable(added, Path(folder), str(results.get(ingest_alg.SUMMARY) or ""), run)
        self._zoom_to(self.ingest_area)  # the area ingested, even if another was set meanwhile
        for warning in run.warnings:
            log(warning, WARNING)
        if not added:
            self.notifier.warning(
                tr("The ingest finished but produced no layer to show; the files are in {folder}.").format(
                    folder=folder
                )
            )
            return
        names = "; ".join(
            tr("{scene}: {layers}").format(
                scene=entry.scene_id, layers=", ".join(layer.name() for layer in entry.layers)
            )
            for entry in added
        )
        summary = results.get(ingest_alg.SUMMARY)  # the flooded or burnt share and area: read first
        if summary:
            message = tr("Added to the map {names}. {summary} The files are in {folder}.").format(
                names=names, summary=summary, folder=folder
            )
        else:
            message = tr("Added to the map {names}. The files are in {folder}.").format(
                names=names, folder=folder
            )
        if run.warnings:
            message += " " + tr("{count} warnings in the FirstLight log.").format(count=len(run.warnings))
        self._set_status(message)
        self.notifier.success(message)

    def _mappable(
        self, added: list[SceneLayers], folder: Path, summary: str, run: AlgorithmRun
    ) -> Mappable | None:
        """The group a layout of this ingest shows: the mosaic's, else the first scene asked for."""
        asked = [scene.id for scene in self.ingest_scenes]
        by_name = {entry.scene_id: entry for entry in added}
        name = MOSAIC_FOLDER if MOSAIC_FOLDER in by_name else next((i for i in asked if i in by_name), None)
        if name is None or not self.ingest_scenes:
            return None
        scenes = [scene for scene in self.ingest_scenes if name in (MOSAIC_FOLDER, scene.id)]
        event = str(run.parameters[search_params.EVENT])
        return Mappable(
            by_name[name].group,
            name,
            scenes,
            compared_scene(folder, scenes[0].id),
            summary,
            event,
            self.ingest_area,
        )

    def make_map(self) -> QgsPrintLayout | None:
        """Press *Map layout*: a print layout of the last ingest (``layout.make_layout``), opened in
        QGIS's layout designer; None (and said) when there is nothing to map."""
        last = self.mappable
        if last is None:
            self._refuse(tr("Ingest a scene first: its layers make the map."))
            return None
        if sip.isdeleted(last.group) or not last.group.findLayers():
            self._refuse(
                tr("The layers of the last ingest are no longer in the project: ingest again to map them.")
            )
            return None
        layers = [node.layer() for node in last.group.findLayers() if node.isVisible() and node.layer()]
        crs = self.canvas.mapSettings().destinationCrs()
        extent = self._extent_of(last.area) or self.canvas.extent()
        extent.scale(1.05)
        title = event_titles().get(last.event, last.event)
        text = map_text(title, last.scenes, last.before, last.summary)
        layout = make_layout(
            self.project, tr("FirstLight {name}").format(name=last.name), layers, extent, crs, text
        )
        self.iface.openLayoutDesigner(layout)
        return layout

    def _kept_after_cancel(self, run: AlgorithmRun) -> str:
        """What a cancelled ingest left: the band files it finished or found complete, which the
        next ingest reuses. Not every band file in the folder: one left by a run in the other mode
        (a clip's, say, before a whole-scene ingest) would be fetched again."""
        folder = Path(run.parameters[ingest_alg.OUTPUT_FOLDER])
        kept, total = [], 0
        for scene in self.ingest_scenes:
            bands = list(scene.band_urls) + ([scene.mask_asset.band] if scene.mask_asset else [])
            total += len(bands)
            states = self.band_states.get(scene.id, {})
            scene_dir = folder / safe_name(scene.id)
            kept += [b for b in bands if states.get(b) in COMPLETE and (scene_dir / f"{b}.tif").is_file()]
        seconds = run.seconds_to_stop()
        stopped = (
            tr("Ingest cancelled")
            if seconds is None
            else tr("Ingest cancelled (stopped in {seconds:.1f} s)").format(seconds=seconds)
        )
        if not kept:
            return tr("{stopped}: no band was complete yet, so nothing was kept.").format(stopped=stopped)
        return tr(
            "{stopped}: {kept} of {total} band files ({bands}) were complete and kept in {folder}; "
            "Ingest again reuses them."
        ).format(stopped=stopped, kept=len(kept), total=total, bands=", ".join(kept), folder=folder)

    def zoom_to_area(self) -> None:
        """The map zoomed to the area shown (as ``tools/screenshot_driver.py`` frames it)."""
        self._zoom_to(self.area)

    def _zoom_to(self, area: AreaOfInterest | None) -> None:
        extent = self._extent_of(area)
        if extent is None:
            return
        extent.scale(1.15)
        self.canvas.setExtent(extent)
        self.canvas.refresh()

    def _extent_of(self, area: AreaOfInterest | None) -> QgsRectangle | None:
        """``area``'s extent in the map's CRS; None without an area or where it cannot be shown."""
        if area is None:
            return None
        try:
            return area.extent_in(self.canvas.mapSettings().destinationCrs())
        except AreaError:
            return None

    # --- running algorithms --------------------------------------------------------------------------

    def _start(self, algorithm_id: str, parameters: dict[str, Any], finished) -> AlgorithmRun | None:
        try:
            run = AlgorithmRun(algorithm_id, parameters, self.project)
        except RunError as error:
            self._refuse(one_sentence(str(error)))
            return None
        log(tr("Running {id} with {parameters}").format(id=algorithm_id, parameters=parameters))
        run.feedback.progressChanged.connect(self._progress)
        run.feedback.info.connect(self._info)
        run.feedback.warning.connect(self._warning)
        run.feedback.error.connect(self._error)
        run.finished.connect(finished)
        run.start()
        return run

    def _progress(self, value: float) -> None:
        if self.ingest_run is not None and self.ingest_run.running:
            self.progress_bar.setRange(0, 100)
            self.progress_bar.setValue(int(value))

    def _info(self, text: str) -> None:
        log(text)
        if self.ingest_run is not None and self.ingest_run.running:
            self._ingest_info(text)

    def _warning(self, text: str) -> None:
        log(text, WARNING)

    def _error(self, text: str) -> None:
        log(text, WARNING)

    def cancel(self) -> None:
        """Press *Cancel*: stop the running search or ingest (it stops within a second)."""
        for run in self._runs():
            if run is not None and run.running:
                run.cancel()
                self._set_status(tr("Cancelling…"))
        self._update_buttons()

    def _report_failure(self, run: AlgorithmRun, fallback: str) -> None:
        sentence = one_sentence(run.errors[-1] if run.errors else "", fallback)
        details = "\n".join(run.errors) or fallback
        self._set_status(sentence)
        self.notifier.error(sentence, details=f"{run.algorithm_id}: {details}")

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)

    def _refuse(self, sentence: str) -> None:
        """A press that cannot go ahead: said in the message bar and in the status line, which must
        not go on telling the previous run's outcome."""
        self._set_status(sentence)
        self.notifier.warning(sentence)

    def _update_buttons(self) -> None:
        busy = self.busy
        if not hasattr(self, "ingest_button"):
            return
        self.search_button.setEnabled(not busy)
        self.ingest_button.setEnabled(not busy and bool(self.selected_scene_ids()))
        self.cancel_button.setEnabled(busy)
        self.map_button.setEnabled(not busy and self.mappable is not None)

    # --- life cycle ----------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """The plugin is unloading: cancel what runs, take the bands and the tool off the canvas."""
        if self._shut_down:
            return
        self._shut_down = True
        self._save_settings()  # a URL still being typed has had no editingFinished
        for run in self._runs():
            if run is not None and run.running:
                for signal in (
                    run.finished,
                    run.feedback.progressChanged,
                    run.feedback.info,
                    run.feedback.warning,
                    run.feedback.error,
                ):
                    signal.disconnect()
                run.cancel()
                _ORPHAN_RUNS.add(run)  # keep it (and its context) alive until the task ends
                run.finished.connect(lambda *_, r=run: _ORPHAN_RUNS.discard(r))
        self.thumbnails.cancel_all()
        self._restore_layers()
        self.project.layersWillBeRemoved.disconnect(self._layers_removed)
        self.canvas.destinationCrsChanged.disconnect(self._canvas_crs_changed)
        self.canvas.mapToolSet.disconnect(self._map_tool_changed)
        if self.canvas.mapTool() is self.tool:
            self.canvas.unsetMapTool(self.tool)
        self.tool.release()
        for band in (self.area_band, self.footprint_band, self.earlier_band):
            if not sip.isdeleted(band) and band.scene() is not None:
                band.scene().removeItem(band)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def closeEvent(self, event) -> None:
        self._save_settings()
        super().closeEvent(event)
