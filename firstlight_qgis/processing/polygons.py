"""``firstlight:polygons``: a water mask, flood extent or burn severity as polygons, for a report,
a responder's map or an overlay in any GIS."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsFeature,
    QgsFields,
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.polygons import AREA_KM2, CLASS, CODE, DEFAULT_MIN_AREA_M2, PolygonResult, polygonize
from .base import GROUP_INDICES
from .compat import FAST_INSERT, NUMBER_DOUBLE, SOURCE_VECTOR_POLYGON, WKB_POLYGON, make_field
from .rasters import RasterInput, RasterInputAlgorithm, gdal_source, progress_of
from .styling import POLYGONS, style_on_completion
from .summaries import polygon_summary

INPUT = "INPUT"
MIN_AREA_M2 = "MIN_AREA_M2"
OUTPUT = "OUTPUT"
FEATURES = "FEATURES"


def polygon_fields() -> QgsFields:
    fields = QgsFields()
    for field in (make_field(CODE, "Int"), make_field(CLASS, "String", 32), make_field(AREA_KM2, "Double")):
        fields.append(field)
    return fields


class PolygonsAlgorithm(RasterInputAlgorithm):
    """The classes of a FirstLight coded product as polygons with their class and area."""

    def name(self) -> str:
        return "polygons"

    def displayName(self) -> str:
        return QCoreApplication.translate("FirstLight", "Polygons of a water mask, flood or burn severity")

    def groupId(self) -> str:
        return GROUP_INDICES

    def tags(self) -> list[str]:
        return QCoreApplication.translate(
            "FirstLight", "polygons,polygonize,vector,outline,flood,water,burn,severity,report,sieve"
        ).split(",")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "FirstLight",
            "The classes of a water mask, flood extent or burn severity (as 'Ingest scenes', 'Compute "
            "index / water mask', 'Flood extent from two water masks' and 'Burn severity (dNBR) from "
            "two NBRs' write them) as polygons: one per patch of water, of flooded land, of water "
            "that was there before, of each severity class. Each has its code, its class and its "
            "area in km² (none on a grid in degrees). Dry or unburned land and no data make none.\n\n"
            "Patches smaller than MIN_AREA_M2 first join the class around them, as a minimum "
            "mapping unit: a speck of water in a field goes, a dry speck in a lake is filled. 0 keeps "
            "every pixel; the polygons then cover exactly the raster's pixels of their class.",
        )

    def initAlgorithm(self, configuration: dict[str, Any] | None = None) -> None:
        translate = QCoreApplication.translate
        self.addParameter(
            RasterInput(INPUT, translate("FirstLight", "Water mask, flood extent or burn severity"))
        )
        self.addParameter(
            QgsProcessingParameterNumber(
                MIN_AREA_M2,
                translate("FirstLight", "Minimum area of a patch (m²)"),
                NUMBER_DOUBLE,
                DEFAULT_MIN_AREA_M2,
                False,
                0,
            )
        )
        # Optional with a temporary default: qgis_process (3.22) asks for every mandatory destination,
        # even one with a default; left out, the polygons are a temporary layer, as in the toolbox.
        self.addParameter(
            QgsProcessingParameterFeatureSink(
                OUTPUT,
                translate("FirstLight", "Polygons"),
                SOURCE_VECTOR_POLYGON,
                QgsProcessing.TEMPORARY_OUTPUT,
                True,
            )
        )
        self.addOutput(QgsProcessingOutputNumber(FEATURES, translate("FirstLight", "Number of polygons")))

    def read_layers(self, parameters: dict[str, Any], context: QgsProcessingContext) -> str:
        layer = self.parameterAsRasterLayer(parameters, INPUT, context)
        return gdal_source(layer, "water mask, flood extent or burn severity")

    def process(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        work = Path(tempfile.mkdtemp(prefix="firstlight-polygons-"))
        try:
            result = polygonize(
                Path(self.from_layers),
                work / "polygons.gpkg",
                min_area_m2=self.parameterAsDouble(parameters, MIN_AREA_M2, context),
                cancel=feedback.isCanceled,
                progress=progress_of(feedback),
            )
            sink_id = self._copy(result, parameters, context)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for line in polygon_summary(result):
            feedback.pushInfo(line)
        style_on_completion(context, sink_id, POLYGONS)
        return {OUTPUT: sink_id, FEATURES: result.features}

    def _copy(self, result: PolygonResult, parameters: dict[str, Any], context: QgsProcessingContext) -> str:
        """The core's GeoPackage into OUTPUT, whatever Processing makes of it (a file of any
        format, a temporary layer)."""
        polygons = QgsVectorLayer(f"{result.path}|layername={result.layer}", result.layer, "ogr")
        fields = polygon_fields()
        sink, sink_id = self.parameterAsSink(parameters, OUTPUT, context, fields, WKB_POLYGON, polygons.crs())
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, OUTPUT))
        for patch in polygons.getFeatures():
            feature = QgsFeature(fields)
            feature.setGeometry(patch.geometry())
            feature.setAttributes([patch[CODE], patch[CLASS], patch[AREA_KM2]])
            sink.addFeature(feature, FAST_INSERT)
        return str(sink_id)
