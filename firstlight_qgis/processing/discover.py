"""``firstlight:discover``: scenes over an area for an event, as footprints and a JSON list."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFields,
    QgsGeometry,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)
from qgis.PyQt.QtCore import QCoreApplication, QDateTime, Qt

from ..core.area import footprint_geometry
from ..core.catalog import Scene, same_view
from ..core.errors import InputError, raise_for_write
from ..core.fileio import clean_up
from .base import GROUP_IMAGERY, FirstLightAlgorithm
from .compat import (
    FAST_INSERT,
    FLAG_ADVANCED,
    NUMBER_INTEGER,
    SOURCE_VECTOR_POLYGON,
    WKB_MULTIPOLYGON,
    fields_of,
    make_field,
)
from .parameters import SEARCH_LIMIT, Search, add_search_parameters, read_search, search_problem
from .styling import FOOTPRINTS as FOOTPRINT_STYLE
from .styling import style_on_completion

FOOTPRINTS = "FOOTPRINTS"
SCENES_JSON = "SCENES_JSON"
LIMIT = "LIMIT"
SCENE_COUNT = "SCENE_COUNT"
SCENE_IDS = "SCENE_IDS"


def footprint_fields() -> QgsFields:
    return fields_of(
        make_field("id", "String", 254),
        make_field("datetime", "DateTime"),
        make_field("sensor", "String", 32),
        make_field("collection", "String", 128),
        make_field("cloud", "Double", 10, 2),
        make_field("area_cloud", "Double", 10, 2),
        make_field("coverage", "Double", 10, 2),
        make_field("missing_bands", "String", 254),
        make_field("priority", "Int"),
        make_field("tile_orbit", "String", 64),
    )


def scene_footprint(scene: Scene) -> QgsGeometry:
    """The scene's footprint (its item geometry, else its bbox) as a WGS84 multipolygon."""
    geometry = scene.item.get("geometry")
    if not isinstance(geometry, dict) and scene.bbox is not None:
        minx, miny, maxx, maxy = scene.bbox
        ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
        geometry = {"type": "Polygon", "coordinates": [ring]}
    if not isinstance(geometry, dict):
        return QgsGeometry()
    try:
        shape = QgsGeometry.fromWkt(footprint_geometry(geometry).ExportToWkt())
    except InputError:
        return QgsGeometry()
    shape.convertToMultiType()
    return shape


def _datetime(text: str) -> QDateTime:
    moment = QDateTime.fromString(text, Qt.DateFormat.ISODateWithMs)
    return moment if moment.isValid() else QDateTime.fromString(text, Qt.DateFormat.ISODate)


def scene_feature(scene: Scene, fields: QgsFields) -> QgsFeature:
    feature = QgsFeature(fields)
    feature.setGeometry(scene_footprint(scene))
    feature.setAttributes(
        [
            scene.id,
            _datetime(scene.datetime),
            scene.source,
            scene.collection,
            scene.cloud_cover,
            scene.area_cloud_percent,
            scene.coverage_percent,
            ", ".join(scene.missing_bands),
            scene.priority,
            same_view(scene),
        ]
    )
    return feature


def cloud_text(scene: Scene) -> str:
    """The scene's cloud, and over the area when measured: "4.05% (55.6% over the area)"."""
    if scene.cloud_cover is None and scene.area_cloud_percent is None:
        return "n/a"
    scene_cloud = "n/a" if scene.cloud_cover is None else f"{scene.cloud_cover:g}%"
    if scene.area_cloud_percent is None:
        return scene_cloud
    return QCoreApplication.translate("FirstLight", "{scene} ({area:.1f}% over the area)").format(
        scene=scene_cloud, area=scene.area_cloud_percent
    )


def write_scenes_json(scenes: list[Scene], event: str, path: str) -> None:
    """The scenes (``Scene.to_dict()``) and the event they were found for, written through a
    temporary name; a FirstLightError of one sentence when the file cannot be written."""
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    text = json.dumps(
        {"event": event, "scenes": [scene.to_dict() for scene in scenes]}, indent=1, default=str
    )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as error:
        clean_up(temporary)
        raise_for_write(target.parent, error, "run it again")
        raise InputError(
            f"Cannot write the scenes file {target}: {error.strerror}; choose another path."
        ) from None


class DiscoverAlgorithm(FirstLightAlgorithm):
    """Search a STAC catalog for the scenes an event needs over an area."""

    def name(self) -> str:
        return "discover"

    def displayName(self) -> str:
        return QCoreApplication.translate("FirstLight", "Discover scenes")

    def groupId(self) -> str:
        return GROUP_IMAGERY

    def tags(self) -> list[str]:
        return QCoreApplication.translate(
            "FirstLight", "stac,search,sentinel-2,landsat,sentinel-1,footprint,flood,wildfire,drought"
        ).split(",")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "FirstLight",
            "Searches a STAC catalog for the Sentinel-2, Landsat or Sentinel-1 scenes an event needs over "
            "the area between two dates, best first: most of the area covered, least cloud, most recent, "
            "the event's preferred sensor.\n\n"
            "Catalog: earth-search (default), planetary-computer, the URL of any STAC API, or the path of "
            "a local catalog.json / ItemCollection file.\n\n"
            "Outputs: the footprints (one polygon per scene with its id, date, sensor, cloud %, % of the "
            "area covered, missing bands and priority) and a JSON file of the scenes, which "
            "'Ingest scenes' reads through its SCENES_JSON parameter.",
        )

    def initAlgorithm(self, configuration: dict[str, Any] | None = None) -> None:
        add_search_parameters(self)
        limit = QgsProcessingParameterNumber(
            LIMIT,
            QCoreApplication.translate("FirstLight", "Maximum number of scenes"),
            NUMBER_INTEGER,
            SEARCH_LIMIT,
            False,
            1,
            1000,
        )
        limit.setFlags(limit.flags() | FLAG_ADVANCED)
        self.addParameter(limit)
        # Both outputs optional with a temporary default: qgis_process (3.22) asks for every mandatory
        # destination, even one with a default; left out, each is temporary, as in the toolbox.
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                FOOTPRINTS,
                QCoreApplication.translate("FirstLight", "Scene footprints"),
                SOURCE_VECTOR_POLYGON,
                QgsProcessing.TEMPORARY_OUTPUT,
                True,
            )
        )
        self.addParameter(
            QgsProcessingParameterFileDestination(
                SCENES_JSON,
                QCoreApplication.translate("FirstLight", "Scenes (JSON)"),
                QCoreApplication.translate("FirstLight", "JSON files (*.json)"),
                QgsProcessing.TEMPORARY_OUTPUT,
                True,
            )
        )
        self.addOutput(
            QgsProcessingOutputNumber(
                SCENE_COUNT, QCoreApplication.translate("FirstLight", "Number of scenes")
            )
        )
        self.addOutput(
            QgsProcessingOutputString(
                SCENE_IDS, QCoreApplication.translate("FirstLight", "Scene ids, best first (comma-separated)")
            )
        )

    def checkParameterValues(
        self, parameters: dict[str, Any], context: QgsProcessingContext
    ) -> tuple[bool, str]:
        problem = search_problem(self, parameters, context)
        if problem:
            return False, problem
        return super().checkParameterValues(parameters, context)

    def read_layers(self, parameters: dict[str, Any], context: QgsProcessingContext) -> Search:
        return read_search(self, parameters, context)  # AREA may be a layer

    def process(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        search: Search = self.from_layers
        limit = self.parameterAsInt(parameters, LIMIT, context)
        feedback.pushInfo(
            QCoreApplication.translate(
                "FirstLight",
                "Searching {catalog} for {event} scenes from {start} to {end}, {limit}.",
            ).format(
                catalog=search.catalog_label,
                event=search.event,
                start=search.start.isoformat(),
                end=search.end.isoformat(),
                limit=search.cloud_limit,
            )
        )
        feedback.setProgress(5)
        scenes = search.run(feedback.isCanceled, limit=limit, warn=feedback.pushWarning)
        feedback.setProgress(80)

        fields = footprint_fields()
        sink, footprints_id = self.parameterAsSink(
            parameters,
            FOOTPRINTS,
            context,
            fields,
            WKB_MULTIPOLYGON,
            QgsCoordinateReferenceSystem("EPSG:4326"),
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, FOOTPRINTS))
        for scene in scenes:
            sink.addFeature(scene_feature(scene, fields), FAST_INSERT)
            feedback.pushInfo(
                QCoreApplication.translate(
                    "FirstLight",
                    "{priority}. {id}: {sensor}, {date}, cloud {cloud}, {coverage}% of the area{missing}",
                ).format(
                    priority=scene.priority,
                    id=scene.id,
                    sensor=scene.source,
                    date=scene.datetime,
                    cloud=cloud_text(scene),
                    coverage="?" if scene.coverage_percent is None else f"{scene.coverage_percent:g}",
                    missing=f", lacks {', '.join(scene.missing_bands)}" if scene.missing_bands else "",
                )
            )
        style_on_completion(context, footprints_id, FOOTPRINT_STYLE)

        json_path = self.parameterAsFileOutput(parameters, SCENES_JSON, context)
        write_scenes_json(scenes, search.event, json_path)
        if not scenes:
            feedback.pushWarning(search.nothing_found())
        feedback.setProgress(100)
        return {
            FOOTPRINTS: footprints_id,
            SCENES_JSON: json_path,
            SCENE_COUNT: len(scenes),
            SCENE_IDS: ",".join(scene.id for scene in scenes),
        }
