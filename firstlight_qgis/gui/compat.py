"""One spelling of each enum the dock uses, for QGIS 3.22 (Qt5) up to QGIS 4 (Qt6).

QGIS moved many enums into ``Qgis`` as scoped enums (``Qgis.GeometryType.Polygon`` from 3.30,
``Qgis.AreaUnit`` from 3.30, ``Qgis.LayerFilter`` from 3.34) and QGIS 4 drops the old spellings
that 3.22 is limited to. Each constant is the new spelling when the running QGIS has it.
"""

from __future__ import annotations

from typing import Any

import qgis.core as _core
import qgis.gui as _gui

from ..processing.compat import enum_value as _enum_value


def enum_value(*spellings: str) -> Any:
    """The first of ``spellings`` (dotted names in ``qgis.core`` or ``qgis.gui``) that exists."""
    return _enum_value(*spellings, modules=(_core, _gui))


GEOMETRY_POLYGON = enum_value("Qgis.GeometryType.Polygon", "QgsWkbTypes.GeometryType.PolygonGeometry")
AREA_SQUARE_KILOMETERS = enum_value(
    "Qgis.AreaUnit.SquareKilometers", "QgsUnitTypes.AreaUnit.AreaSquareKilometers"
)
_HAS_GEOMETRY = enum_value("Qgis.LayerFilter.HasGeometry", "QgsMapLayerProxyModel.Filter.HasGeometry")
_RASTER = enum_value("Qgis.LayerFilter.RasterLayer", "QgsMapLayerProxyModel.Filter.RasterLayer")
_LAYER_FILTERS = getattr(_core.Qgis, "LayerFilters", None)
# The layers whose extent can make an area, as QgsMapLayerComboBox.setFilters takes them. From
# QGIS 3.34 two Qgis.LayerFilter or'ed are a plain int, which picks the deprecated overload (gone
# in QGIS 4): they go in as Qgis.LayerFilters.
LAYERS_WITH_EXTENT = _HAS_GEOMETRY | _RASTER
if _LAYER_FILTERS is not None and isinstance(LAYERS_WITH_EXTENT, int):
    LAYERS_WITH_EXTENT = _LAYER_FILTERS(LAYERS_WITH_EXTENT)

INFO = _core.Qgis.MessageLevel.Info
WARNING = _core.Qgis.MessageLevel.Warning
CRITICAL = _core.Qgis.MessageLevel.Critical
SUCCESS = _core.Qgis.MessageLevel.Success
