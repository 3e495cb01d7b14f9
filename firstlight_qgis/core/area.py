"""The search area: read from GeoJSON, a bbox or a vector file in any CRS, checked, kept in WGS84.

Everything downstream (catalog search, coverage, clipping) works from one ``Area`` in WGS84
lon/lat, so every way a user can give an area is normalised here, once, with one clear
``InputError`` per mistake. Areas are measured in a Lambert azimuthal equal-area projection
centred on the area, so km² and coverage percentages are right at any latitude, and a bbox
crossing the antimeridian (minx > maxx) becomes two polygons split at 180°.
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from osgeo import gdal, ogr, osr

from .errors import InputError, one_line
from .gdalconfig import raising

DEFAULT_MAX_AREA_KM2 = 250_000.0
_WGS84 = "EPSG:4326"
_EPS = 1e-9
_DENSIFY_DEG = 0.02
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_BBOX_TEXT = re.compile(
    rf"^\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*[,;\s]\s*({_NUMBER})\s*$"
)


@dataclass(frozen=True)
class Area:
    """A checked search area in WGS84; ``bbox`` has minlon > maxlon when it crosses the antimeridian."""

    geojson: dict
    bbox: tuple[float, float, float, float]
    area_km2: float

    @raising
    def ogr_geometry(self) -> ogr.Geometry:
        """A fresh OGR geometry (WGS84, lon/lat axis order) the caller may modify."""
        geometry = ogr.CreateGeometryFromJson(json.dumps(self.geojson))
        geometry.AssignSpatialReference(_srs(_WGS84))
        return geometry

    @raising
    def bounds_in(self, crs: str) -> tuple[float, float, float, float]:
        """The bbox expressed in ``crs`` (WKT or "EPSG:n"), edges densified so curved edges stay inside."""
        target = _srs(crs)
        if target.IsSame(_srs(_WGS84)):
            return self.bbox
        rectangle = _bbox_geometry(self.bbox)
        minx, miny, maxx, maxy = self.bbox
        width = (maxx - minx) % 360 or 360.0
        _densify(rectangle, max(width, maxy - miny) / 32)
        rectangle.AssignSpatialReference(_srs(_WGS84))
        rectangle.TransformTo(target)
        env = rectangle.GetEnvelope()
        return env[0], env[2], env[1], env[3]


@raising
def parse_area(value: Any, crs: Any = None, max_area_km2: float = DEFAULT_MAX_AREA_KM2) -> Area:
    """Read a search area from whatever the user gave and check it.

    ``value`` is an ``Area``, a GeoJSON dict or JSON string (Geometry, Feature or FeatureCollection;
    the polygons of a collection are merged), a path to a vector file (first layer), or a bbox as 4
    numbers or a "minx,miny,maxx,maxy" string. ``crs`` is the CRS of ``value`` when it is not WGS84
    lon/lat (EPSG code, "EPSG:n" or WKT); it overrides a CRS the file or GeoJSON declares.
    """
    if isinstance(value, Area):
        _check_size(value.area_km2, max_area_km2)
        return value
    source = _srs(crs) if crs is not None else None
    bbox = _as_bbox(value)
    if bbox is not None:
        return _area_from(_bbox_source_geometry(bbox, source), max_area_km2)
    geometry, declared = _read_geometry(value)
    return _area_from(_to_wgs84(geometry, source or declared), max_area_km2)


@raising
def coverage_percent(area: Area, footprint: dict) -> float:
    """Percentage (0-100) of ``area`` that a scene footprint (GeoJSON geometry, WGS84) covers."""
    shape = footprint_geometry(footprint)
    target = area.ogr_geometry()
    center = _center(area.bbox)
    covered = _km2(target.Intersection(shape), center)
    return max(0.0, min(100.0, 100.0 * covered / area.area_km2))


@raising
def footprint_geometry(footprint: dict) -> ogr.Geometry:
    """A catalog footprint as a valid OGR geometry, unwrapped if it was drawn across the antimeridian.

    Some catalogs store footprints crossing 180° as one polygon running the long way round the
    globe; such a polygon (wider than 180°) is shifted to 0-360° and split back at 180°.
    """
    try:
        geometry = ogr.CreateGeometryFromJson(json.dumps(footprint))
    except (RuntimeError, TypeError, ValueError) as exc:
        raise InputError(f"The footprint is not a GeoJSON geometry ({exc}).") from None
    if geometry is None or geometry.IsEmpty():
        raise InputError("The footprint is empty.")
    geometry.FlattenTo2D()
    minx, maxx, _, _ = geometry.GetEnvelope()
    if maxx - minx > 180:
        geometry = _split_at_antimeridian(geometry)
    if not _is_valid(geometry):
        geometry = geometry.MakeValid()
    geometry.AssignSpatialReference(_srs(_WGS84))
    return geometry


def _srs(definition: Any) -> osr.SpatialReference:
    """A spatial reference with lon/lat (x/y) axis order, from an EPSG code, "EPSG:n" or WKT."""
    text = str(definition).strip()
    if isinstance(definition, int) or text.isdigit():
        text = f"EPSG:{text}"
    srs = osr.SpatialReference()
    try:
        srs.SetFromUserInput(text)
    except RuntimeError:
        raise InputError(
            f"Unknown CRS '{one_line(text)}': give an EPSG code such as EPSG:4326 or a WKT."
        ) from None
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _as_bbox(value: Any) -> tuple[float, float, float, float] | None:
    """The 4 bbox numbers if ``value`` is a bbox, else None (it is then read as a geometry)."""
    if isinstance(value, str):
        match = _BBOX_TEXT.match(value)
        numbers: Sequence[Any] | None = match.groups() if match else None
    elif isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        numbers = value
    else:
        numbers = None
    if numbers is None:
        return None
    try:
        values = tuple(float(v) for v in numbers)
    except (TypeError, ValueError):
        raise InputError(
            f"The bbox {list(numbers)!r} is not 4 numbers: give minx, miny, maxx, maxy."
        ) from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise InputError(f"The bbox {list(numbers)!r} is not 4 finite numbers: give minx, miny, maxx, maxy.")
    return values  # type: ignore[return-value]


def _bbox_geometry(bbox: tuple[float, float, float, float]) -> ogr.Geometry:
    """Rectangle of a WGS84 bbox; two rectangles split at 180° when minx > maxx."""
    minx, miny, maxx, maxy = bbox
    if minx > maxx:
        both = ogr.Geometry(ogr.wkbMultiPolygon)
        both.AddGeometry(_rectangle(minx, miny, 180.0, maxy))
        both.AddGeometry(_rectangle(-180.0, miny, maxx, maxy))
        return both
    return _rectangle(minx, miny, maxx, maxy)


def _rectangle(minx: float, miny: float, maxx: float, maxy: float) -> ogr.Geometry:
    ring = ogr.Geometry(ogr.wkbLinearRing)
    for x, y in ((minx, miny), (maxx, miny), (maxx, maxy), (minx, maxy), (minx, miny)):
        ring.AddPoint_2D(x, y)
    polygon = ogr.Geometry(ogr.wkbPolygon)
    polygon.AddGeometry(ring)
    return polygon


def _bbox_source_geometry(
    bbox: tuple[float, float, float, float], source: osr.SpatialReference | None
) -> ogr.Geometry:
    """The bbox as WGS84 geometry: split at 180° if lon/lat, densified and reprojected if projected."""
    minx, miny, maxx, maxy = bbox
    if miny >= maxy or minx == maxx:
        raise InputError(
            f"The bbox {list(bbox)} has no area: give minx, miny, maxx, maxy with miny < maxy "
            "and minx != maxx."
        )
    if source is None or source.IsGeographic():
        _check_lonlat(minx, miny, maxx, maxy)
        geometry = _bbox_geometry(bbox)
        return geometry if source is None else _to_wgs84(geometry, source)
    if minx > maxx:
        raise InputError(f"The bbox {list(bbox)} has minx > maxx: give minx, miny, maxx, maxy.")
    rectangle = _rectangle(*bbox)
    _densify(rectangle, max(maxx - minx, maxy - miny) / 32)
    return _to_wgs84(rectangle, source)


def _densify(geometry: ogr.Geometry, step: float) -> None:
    """Add vertices every ``step`` along the edges (none for a degenerate, sub-nanometre one)."""
    if step > 1e-12:
        geometry.Segmentize(step)


def _read_geometry(value: Any) -> tuple[ogr.Geometry, osr.SpatialReference | None]:
    """The geometry in ``value`` and the CRS it declares (None: WGS84 lon/lat assumed)."""
    if isinstance(value, dict):
        return _geojson_geometry(value)
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise InputError("The area is empty: draw an area or give GeoJSON, a bbox or a vector file.")
        if text.startswith("{"):
            try:
                return _geojson_geometry(json.loads(text))
            except json.JSONDecodeError as exc:
                raise InputError(
                    f"The area is not valid GeoJSON ({exc.msg} at character {exc.pos})."
                ) from None
        return _file_geometry(Path(text))
    if isinstance(value, os.PathLike):
        return _file_geometry(Path(value))
    raise InputError(
        f"Cannot read an area from a value of type {type(value).__name__}: give GeoJSON, a bbox (4 numbers) "
        "or a vector file path."
    )


def _geojson_geometry(document: Any) -> tuple[ogr.Geometry, osr.SpatialReference | None]:
    """Geometry of a GeoJSON Geometry/Feature/FeatureCollection (polygons merged) and its legacy "crs"."""
    if not isinstance(document, dict):
        raise InputError("The area is not a GeoJSON object: give a Geometry, Feature or FeatureCollection.")
    kind = document.get("type")
    declared = _declared_crs(document)
    if kind == "FeatureCollection":
        features = document.get("features") or []
        if not isinstance(features, list):
            raise InputError("The area's FeatureCollection has no list of features: check the GeoJSON.")
        geometries = [f.get("geometry") for f in features if isinstance(f, dict) and f.get("geometry")]
    elif kind == "Feature":
        geometries = [document["geometry"]] if document.get("geometry") else []
    else:
        geometries = [document]
    geometries = [member for geometry in geometries for member in _members(geometry)]
    if not geometries:
        raise InputError("The area is empty: the GeoJSON holds no geometry.")
    parts = [_checked(_ogr_from_json(g)) for g in geometries]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.Union(part)
    return merged, declared


def _members(geometry: Any) -> list[Any]:
    """The geometries of a GeoJSON GeometryCollection (of its collections too), else the geometry:
    the polygons of a collection make an area as those of a FeatureCollection do. A geometry with
    empty coordinates is none (RFC 7946, 3.1), on every GDAL (3.10 reads it, 3.6 refuses it)."""
    if isinstance(geometry, dict) and geometry.get("coordinates") == []:
        return []
    if isinstance(geometry, dict) and geometry.get("type") == "GeometryCollection":
        members = geometry.get("geometries")
        if isinstance(members, list):
            return [member for inner in members for member in _members(inner)]
    return [geometry]


def _ogr_from_json(geometry: Any) -> ogr.Geometry:
    """The OGR geometry of a GeoJSON geometry object, whose coordinates must be an array: GDAL 3.10
    reads any other value as an empty geometry."""
    parsed = None
    if isinstance(geometry, dict) and isinstance(geometry.get("coordinates"), list):
        plain = {key: value for key, value in geometry.items() if key != "crs"}  # (``_declared_crs``'s)
        try:
            parsed = ogr.CreateGeometryFromJson(json.dumps(plain))
        except (RuntimeError, TypeError, ValueError):
            parsed = None
    if parsed is None:
        raise InputError("The area is not a valid GeoJSON geometry: check its type and coordinates.")
    return parsed


def _declared_crs(document: dict) -> osr.SpatialReference | None:
    """The CRS of pre-RFC 7946 GeoJSON (``"crs": {"properties": {"name": ...}}``, or the name
    alone), if any."""
    crs = document.get("crs")
    if crs is None or isinstance(crs, str):
        return _srs(crs) if crs else None
    properties = crs.get("properties") if isinstance(crs, dict) else None
    if not isinstance(properties, dict) or not isinstance(properties.get("name"), str | None):
        raise InputError(
            'The area\'s "crs" is not valid GeoJSON: give {"type": "name", "properties": {"name": '
            '"EPSG:3857"}}, or none for WGS84 longitude and latitude.'
        )
    name = properties.get("name")
    return _srs(name) if name else None


def _file_geometry(path: Path) -> tuple[ogr.Geometry, osr.SpatialReference | None]:
    """Merged polygons of the first layer of a vector file (GeoJSON, GeoPackage, Shapefile, ...)."""
    if not path.is_file():
        raise InputError(
            f"The area '{one_line(path, 200)}' is neither a bbox, GeoJSON nor an existing file: "
            "check the value or path."
        )
    try:
        dataset = gdal.OpenEx(str(path), gdal.OF_VECTOR)
    except RuntimeError:
        dataset = None
    if dataset is None or dataset.GetLayerCount() == 0:
        raise InputError(
            f"The file {path.name} is not a vector file GDAL can read: save the area as GeoJSON."
        )
    layer = dataset.GetLayer(0)
    parts = [_checked(f.GetGeometryRef().Clone()) for f in layer if f.GetGeometryRef() is not None]
    if not parts:
        raise InputError(f"The file {path.name} holds no geometry: draw or save the area again.")
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.Union(part)
    srs = layer.GetSpatialRef()
    if srs is not None:
        srs = srs.Clone()
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return merged, srs


def _checked(geometry: ogr.Geometry) -> ogr.Geometry:
    """A non-empty, valid, polygonal 2D geometry, or the InputError that says which it is not."""
    if geometry.IsEmpty():
        raise InputError("The area is empty: draw an area or give GeoJSON, a bbox or a vector file.")
    geometry.FlattenTo2D()
    if ogr.GT_Flatten(geometry.GetGeometryType()) not in (ogr.wkbPolygon, ogr.wkbMultiPolygon):
        raise InputError(
            f"The area is a {geometry.GetGeometryName().title()}, which has zero area: "
            "give a polygon or a bbox."
        )
    if not _is_valid(geometry):
        raise InputError(
            "The area polygon is invalid (it self-intersects or its rings are malformed): "
            "fix it, e.g. with QGIS 'Fix geometries', and try again."
        )
    return geometry


def _is_valid(geometry: ogr.Geometry) -> bool:
    """GEOS validity, without GEOS printing "Self-intersection at or near point" to stderr."""
    gdal.PushErrorHandler("CPLQuietErrorHandler")
    try:
        return bool(geometry.IsValid())
    finally:
        gdal.PopErrorHandler()


def _to_wgs84(geometry: ogr.Geometry, source: osr.SpatialReference | None) -> ogr.Geometry:
    """Geometry reprojected to WGS84 lon/lat, split at 180° if it crosses the antimeridian."""
    if source is None or source.IsGeographic():
        minx, maxx, miny, maxy = geometry.GetEnvelope()
        _check_lonlat(minx, miny, maxx, maxy)
    if source is None:
        return geometry
    transform = osr.CoordinateTransformation(source, _srs(_WGS84))
    try:
        projected = ogr.GeomTransformer(transform, ["WRAPDATELINE=YES"]).Transform(geometry)
    except RuntimeError:
        projected = None
    if projected is None or projected.IsEmpty():
        raise InputError("The area could not be converted to WGS84: check that its CRS is the right one.")
    minx, maxx, miny, maxy = projected.GetEnvelope()
    inside = max(abs(minx), abs(maxx)) <= 180 + _EPS and max(abs(miny), abs(maxy)) <= 90 + _EPS
    if not inside or (_is_valid(geometry) and not _is_valid(projected)):  # it broke on the way
        raise InputError(
            f"The area's coordinates lie outside what its CRS ({one_line(source.GetName(), 60)}) covers: "
            "check that the CRS is the one they are in, and the coordinates."
        )
    return projected


def _check_lonlat(minx: float, miny: float, maxx: float, maxy: float) -> None:
    if max(abs(minx), abs(maxx)) > 180 + _EPS or max(abs(miny), abs(maxy)) > 90 + _EPS:
        raise InputError(
            f"The area coordinates ({minx:g}, {miny:g}, {maxx:g}, {maxy:g}) are outside longitude "
            "-180..180 / latitude -90..90: give WGS84 lon/lat, or pass the CRS the coordinates are in."
        )


def _area_from(geometry: ogr.Geometry, max_area_km2: float) -> Area:
    geometry = _checked(geometry)
    bbox = _lonlat_bbox(geometry)
    km2 = _km2(geometry, _center(bbox))
    if km2 <= 0:
        raise InputError("The area has zero area: draw a polygon or give a bbox with some extent.")
    _check_size(km2, max_area_km2)
    return Area(geojson=json.loads(geometry.ExportToJson()), bbox=bbox, area_km2=km2)


def _check_size(km2: float, max_area_km2: float) -> None:
    if km2 > max_area_km2:
        raise InputError(
            f"The area is {km2:,.0f} km², larger than the {max_area_km2:,.0f} km² limit: draw a smaller area."
        )


def _parts(geometry: ogr.Geometry) -> list[ogr.Geometry]:
    if ogr.GT_Flatten(geometry.GetGeometryType()) == ogr.wkbPolygon:
        return [geometry]
    return [geometry.GetGeometryRef(i) for i in range(geometry.GetGeometryCount())]


def _lonlat_bbox(geometry: ogr.Geometry) -> tuple[float, float, float, float]:
    """WGS84 bbox; when the parts sit on both sides of 180° the narrower, crossing bbox (minx > maxx)."""
    minx, maxx, miny, maxy = geometry.GetEnvelope()
    if maxx - minx <= 180:
        return minx, miny, maxx, maxy
    spans = [part.GetEnvelope()[:2] for part in _parts(geometry)]
    shifted = [(lo + 360, hi + 360) if hi <= 0 else (lo, hi) for lo, hi in spans]
    east = min(lo for lo, _ in shifted)
    west = max(hi for _, hi in shifted)
    if west - east >= maxx - minx:
        raise InputError(
            "The area spans more than 180° of longitude: if it crosses the antimeridian, split it at 180° "
            "(RFC 7946) or give a bbox with minx > maxx."
        )
    return east, miny, west - 360 if west > 180 else west, maxy


def _center(bbox: tuple[float, float, float, float]) -> tuple[float, float]:
    minx, miny, maxx, maxy = bbox
    lon = (minx + ((maxx - minx) % 360) / 2 + 180) % 360 - 180
    return lon, (miny + maxy) / 2


def _km2(geometry: ogr.Geometry, center: tuple[float, float]) -> float:
    """Area in km² in a Lambert azimuthal equal-area projection centred on ``center``."""
    if geometry is None or geometry.IsEmpty():
        return 0.0
    equal_area = osr.SpatialReference()
    equal_area.ImportFromProj4(f"+proj=laea +lat_0={center[1]} +lon_0={center[0]} +datum=WGS84 +units=m")
    projected = geometry.Clone()
    projected.Segmentize(_DENSIFY_DEG)  # lon/lat edges follow parallels and meridians, not chords
    projected.AssignSpatialReference(_srs(_WGS84))
    try:
        projected.TransformTo(equal_area)
    except RuntimeError:  # a point at the antipode of the centre: the area spans half the globe
        raise InputError(
            "The area reaches around the globe (is its bbox minx > maxx by mistake?): draw a smaller area."
        ) from None
    return projected.GetArea() / 1e6


def _shift_longitudes(geometry: ogr.Geometry, shift: float, only_negative: bool) -> None:
    """Add ``shift`` degrees to every longitude (or to the negative ones only), in place."""
    for part in _parts(geometry):
        for r in range(part.GetGeometryCount()):
            ring = part.GetGeometryRef(r)
            for i in range(ring.GetPointCount()):
                x, y = ring.GetX(i), ring.GetY(i)
                if not only_negative or x < 0:
                    ring.SetPoint_2D(i, x + shift, y)


def _split_at_antimeridian(geometry: ogr.Geometry) -> ogr.Geometry:
    unwrapped = geometry.Clone()
    _shift_longitudes(unwrapped, 360.0, only_negative=True)
    if not _is_valid(unwrapped):
        unwrapped = unwrapped.MakeValid()
    east = unwrapped.Intersection(_rectangle(-180.0, -90.0, 180.0, 90.0))
    west = unwrapped.Intersection(_rectangle(180.0, -90.0, 540.0, 90.0))
    _shift_longitudes(west, -360.0, only_negative=False)
    return east.Union(west)
