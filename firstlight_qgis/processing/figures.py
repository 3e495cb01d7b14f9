"""``OUTPUT_TABLE`` of ``firstlight:ingest``: the figures of each scene of the run (``core.figures``)
as a table, any format QGIS writes (a CSV, a GeoPackage table) or a temporary layer, to follow a flood
through its days or chart it (a plot of ``water_km2`` by ``date``, say)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qgis.core import (
    QgsFeature,
    QgsFields,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingParameterFeatureSink,
)
from qgis.PyQt.QtCore import QCoreApplication, QDate

from ..core.figures import SceneFigures, products_of
from .compat import FAST_INSERT, SOURCE_VECTOR, WKB_NO_GEOMETRY, fields_of, make_field

OUTPUT_TABLE = "OUTPUT_TABLE"


def table_parameter() -> QgsProcessingParameterFeatureSink:
    """Optional, and not made unless asked for."""
    return QgsProcessingParameterFeatureSink(
        OUTPUT_TABLE,
        QCoreApplication.translate("FirstLight", "Figures by scene (table)"),
        SOURCE_VECTOR,
        None,
        True,
        False,
    )


def table_fields(products: list[str]) -> QgsFields:
    """scene_id, date, sensor, role, seen_percent, then ``<product>_percent`` and ``<product>_km2``."""
    per_product = [
        field
        for product in products
        for field in (
            make_field(f"{product}_percent", "Double", 10, 3),
            make_field(f"{product}_km2", "Double", 14, 4),
        )
    ]
    return fields_of(
        make_field("scene_id", "String", 254),
        make_field("date", "Date"),
        make_field("sensor", "String", 32),
        make_field("role", "String", 16),
        make_field("seen_percent", "Double", 10, 3),
        *per_product,
    )


def write_table(
    alg: QgsProcessingAlgorithm,
    parameters: dict[str, Any],
    context: QgsProcessingContext,
    rows: list[SceneFigures],
) -> str | None:
    """The table's id (a file or a temporary layer), or None when OUTPUT_TABLE is not asked for."""
    if parameters.get(OUTPUT_TABLE) in (None, ""):
        return None
    products = products_of(rows)
    fields = table_fields(products)
    sink, table_id = alg.parameterAsSink(parameters, OUTPUT_TABLE, context, fields, WKB_NO_GEOMETRY)
    if sink is None:
        raise QgsProcessingException(alg.invalidSinkError(parameters, OUTPUT_TABLE))
    for feature in table_features(rows, products, fields):
        sink.addFeature(feature, FAST_INSERT)
    return table_id


def table_features(rows: list[SceneFigures], products: list[str], fields: QgsFields) -> Iterator[QgsFeature]:
    """A feature (no geometry) per row, with ``table_fields(products)``."""
    for row in rows:
        feature = QgsFeature(fields)
        values = [
            row.scene_id,
            QDate.fromString(row.date, "yyyy-MM-dd"),
            row.sensor,
            row.role,
            row.seen_percent,
        ]
        for product in products:
            values.extend(row.marks.get(product, (None, None)))
        feature.setAttributes(values)
        yield feature
