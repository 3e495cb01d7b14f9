"""One spelling of each QGIS enum for every QGIS this plugin supports (3.22 to 4.x, Qt5 and Qt6).

QGIS 3.36 moved many enums into ``Qgis`` as scoped enums (``Qgis.ProcessingSourceType.VectorPolygon``)
and QGIS 4 drops the old unscoped spellings (``QgsProcessing.TypeVectorPolygon``), which 3.22 is
limited to. Each constant here is the new spelling when the running QGIS has it, else the old one.
"""

from __future__ import annotations

from typing import Any

import qgis.core as _core
from qgis.core import Qgis, QgsField, QgsFields
from qgis.PyQt.QtCore import QMetaType, QVariant


def enum_value(*spellings: str, modules: tuple[Any, ...] = (_core,)) -> Any:
    """The first of ``spellings`` (dotted names in ``modules``, ``qgis.core`` unless given) that the
    running QGIS defines."""
    for spelling in spellings:
        head, *rest = spelling.split(".")
        value: Any = next((getattr(m, head) for m in modules if getattr(m, head, None) is not None), None)
        for part in rest:
            value = getattr(value, part, None) if value is not None else None
        if value is not None:
            return value
    raise AttributeError(f"None of {', '.join(spellings)} exists in this QGIS.")


def qgis_version() -> int:
    """The running QGIS as an integer, e.g. 32216 for 3.22.16."""
    try:
        return int(Qgis.versionInt())
    except AttributeError:  # QGIS < 3.12
        return int(Qgis.QGIS_VERSION_INT)


SOURCE_VECTOR_POLYGON = enum_value(
    "Qgis.ProcessingSourceType.VectorPolygon", "QgsProcessing.TypeVectorPolygon"
)
SOURCE_VECTOR = enum_value("Qgis.ProcessingSourceType.Vector", "QgsProcessing.TypeVector")  # a table
NUMBER_DOUBLE = enum_value("Qgis.ProcessingNumberParameterType.Double", "QgsProcessingParameterNumber.Double")
NUMBER_INTEGER = enum_value(
    "Qgis.ProcessingNumberParameterType.Integer", "QgsProcessingParameterNumber.Integer"
)
DATETIME_DATE = enum_value(
    "Qgis.ProcessingDateTimeParameterDataType.Date", "QgsProcessingParameterDateTime.Date"
)
FILE_BEHAVIOR_FILE = enum_value(
    "Qgis.ProcessingFileParameterBehavior.File", "QgsProcessingParameterFile.File"
)
FLAG_ADVANCED = enum_value(
    "Qgis.ProcessingParameterFlag.Advanced", "QgsProcessingParameterDefinition.FlagAdvanced"
)
WKB_MULTIPOLYGON = enum_value("Qgis.WkbType.MultiPolygon", "QgsWkbTypes.MultiPolygon")
WKB_POLYGON = enum_value("Qgis.WkbType.Polygon", "QgsWkbTypes.Polygon")
WKB_NO_GEOMETRY = enum_value("Qgis.WkbType.NoGeometry", "QgsWkbTypes.NoGeometry")
GEOMETRY_POLYGON = enum_value("Qgis.GeometryType.Polygon", "QgsWkbTypes.PolygonGeometry")
FAST_INSERT = enum_value("QgsFeatureSink.Flag.FastInsert", "QgsFeatureSink.FastInsert")
STRETCH_TO_MINMAX = enum_value(
    "QgsContrastEnhancement.ContrastEnhancementAlgorithm.StretchToMinimumMaximum",
    "QgsContrastEnhancement.StretchToMinimumMaximum",
)
RANGE_CUMULATIVE_CUT = enum_value(
    "Qgis.RasterRangeLimit.CumulativeCut", "QgsRasterMinMaxOrigin.Limits.CumulativeCut"
)
RANGE_ESTIMATED = enum_value(
    "Qgis.RasterRangeAccuracy.Estimated", "QgsRasterMinMaxOrigin.StatAccuracy.Estimated"
)

# QgsField takes a QMetaType.Type from 3.38 on (QVariant.Type is gone in PyQt6), a QVariant.Type before.
_FIELD_TYPES_FROM_METATYPE = qgis_version() >= 33800


def _field_type(name: str) -> Any:
    if _FIELD_TYPES_FROM_METATYPE:
        return getattr(
            QMetaType.Type, {"String": "QString", "DateTime": "QDateTime", "Date": "QDate"}.get(name, name)
        )
    return getattr(QVariant, name)


def fields_of(*fields: QgsField) -> QgsFields:
    """``fields`` as the QgsFields of a sink."""
    collected = QgsFields()
    for field in fields:
        collected.append(field)
    return collected


def make_field(name: str, kind: str, length: int = 0, precision: int = 0) -> QgsField:
    """A field of ``kind`` "String", "Int", "Double", "Date" or "DateTime" on any QGIS version."""
    return QgsField(name, _field_type(kind), len=length, prec=precision)
