"""The area of interest as the dock holds it: a polygon in the CRS it was drawn or taken in.

It is measured on the ellipsoid (km² whatever the project CRS), shown on the canvas in the
canvas CRS, and handed to the algorithms as a small GeoJSON file in WGS84, which the AREA
parameter of ``firstlight:discover`` / ``firstlight:ingest`` reads like any vector file.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsDistanceArea,
    QgsGeometry,
    QgsMapLayer,
    QgsProject,
    QgsRectangle,
    QgsVectorLayer,
)

from .compat import AREA_SQUARE_KILOMETERS, GEOMETRY_POLYGON
from .messages import tr

WGS84 = QgsCoordinateReferenceSystem("EPSG:4326")
_DEFAULT_ELLIPSOID = "EPSG:7030"  # WGS 84, when the project measures planimetrically
_DENSIFY = 15  # vertices added per edge before reprojecting: straight edges curve in another CRS


class AreaError(ValueError):
    """The area cannot be taken from what the user chose; the message is one sentence."""


@dataclass
class AreaOfInterest:
    """A polygon (``geometry``) in ``crs``; ``source`` says where it came from, for the user."""

    geometry: QgsGeometry
    crs: QgsCoordinateReferenceSystem
    source: str

    def transformed(
        self, crs: QgsCoordinateReferenceSystem, context: QgsCoordinateTransformContext | None = None
    ) -> QgsGeometry:
        """The polygon in ``crs`` (densified first, so edges follow the projection)."""
        geometry = QgsGeometry(self.geometry)
        if not crs.isValid() or not self.crs.isValid() or crs == self.crs:
            return geometry
        geometry = geometry.densifyByCount(_DENSIFY)
        transform = QgsCoordinateTransform(self.crs, crs, context or QgsProject.instance().transformContext())
        try:
            failed = geometry.transform(transform)
        except QgsCsException:
            failed = True
        if failed:
            raise AreaError(
                tr(
                    "The area could not be converted from {source} to {target}: check the layer's CRS."
                ).format(source=self.crs.authid() or self.crs.description(), target=crs.authid())
            )
        return geometry

    def extent_in(self, crs: QgsCoordinateReferenceSystem) -> QgsRectangle:
        return self.transformed(crs).boundingBox()

    def square_km(self, project: QgsProject | None = None) -> float:
        """The area on the ellipsoid in km² (the project's ellipsoid, WGS 84 when it has none)."""
        project = project or QgsProject.instance()
        measure = QgsDistanceArea()
        measure.setSourceCrs(self.crs, project.transformContext())
        ellipsoid = project.ellipsoid()
        if not ellipsoid or ellipsoid.upper() == "NONE":
            ellipsoid = _DEFAULT_ELLIPSOID
        measure.setEllipsoid(ellipsoid)
        value = measure.measureArea(self.geometry)
        return float(measure.convertAreaMeasurement(value, AREA_SQUARE_KILOMETERS))

    def to_geojson(self) -> dict:
        """A GeoJSON Feature of the area in WGS84 (RFC 7946 coordinates order)."""
        geometry = self.transformed(WGS84)
        return {
            "type": "Feature",
            "properties": {"source": self.source},
            "geometry": json.loads(geometry.asJson(9)),
        }

    def write_geojson(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_geojson()), encoding="utf-8")
        return path

    def to_wkt(self) -> str:
        return self.geometry.asWkt(9)

    def crs_definition(self) -> str:
        """The CRS as QgsCoordinateReferenceSystem(text) reads it back: an auth id, else WKT."""
        return self.crs.authid() or f"WKT:{self.crs.toWkt()}"


def _checked(geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem, source: str) -> AreaOfInterest:
    if geometry is None or geometry.isNull() or geometry.isEmpty():
        raise AreaError(tr("The area is empty: draw a rectangle or a polygon with some size."))
    if geometry.type() != GEOMETRY_POLYGON:
        geometry = QgsGeometry.fromRect(geometry.boundingBox())
    if geometry.area() <= 0:
        raise AreaError(tr("The area is empty: draw a rectangle or a polygon with some size."))
    if not crs.isValid():
        raise AreaError(
            tr("The area has no valid coordinate reference system: set the project's or layer's CRS.")
        )
    return AreaOfInterest(geometry, crs, source)


def area_from_rectangle(
    rectangle: QgsRectangle, crs: QgsCoordinateReferenceSystem, source: str
) -> AreaOfInterest:
    if rectangle.isNull() or rectangle.isEmpty():
        raise AreaError(tr("The area is empty: draw a rectangle or a polygon with some size."))
    return _checked(QgsGeometry.fromRect(rectangle), crs, source)


def area_from_geometry(
    geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem, source: str
) -> AreaOfInterest:
    return _checked(QgsGeometry(geometry), crs, source)


def area_from_layer_extent(layer: QgsMapLayer | None) -> AreaOfInterest:
    if layer is None:
        raise AreaError(tr("No layer is chosen: pick a layer in the list first."))
    return area_from_rectangle(
        layer.extent(), layer.crs(), tr("extent of {layer}").format(layer=layer.name())
    )


def area_from_selected_features(layer: QgsMapLayer | None) -> AreaOfInterest:
    """The union of the selected features (their bounding box for points and lines)."""
    if not isinstance(layer, QgsVectorLayer):
        raise AreaError(tr("Selected features need a vector layer: pick one in the list first."))
    parts = [f.geometry() for f in layer.getSelectedFeatures() if f.hasGeometry()]
    parts = [g for g in parts if not g.isEmpty()]
    if not parts:
        raise AreaError(
            tr("The layer {layer} has no selected feature: select some features first.").format(
                layer=layer.name()
            )
        )
    geometry = QgsGeometry.unaryUnion(parts) if len(parts) > 1 else parts[0]
    if layer.geometryType() != GEOMETRY_POLYGON:
        geometry = QgsGeometry.fromRect(geometry.boundingBox())
    return _checked(
        geometry,
        layer.crs(),
        tr("{count} selected features of {layer}").format(count=len(parts), layer=layer.name()),
    )


def area_from_canvas(canvas) -> AreaOfInterest:
    return area_from_rectangle(canvas.extent(), canvas.mapSettings().destinationCrs(), tr("canvas extent"))


def area_from_wkt(wkt: str, crs_definition: str, source: str) -> AreaOfInterest | None:
    """An area saved in the settings (``to_wkt``, ``crs_definition``), or None when it does not read."""
    geometry = QgsGeometry.fromWkt(wkt or "")
    crs = QgsCoordinateReferenceSystem(crs_definition or "")
    try:
        return _checked(geometry, crs, source)
    except AreaError:
        return None
