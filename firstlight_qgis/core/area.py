"""The search area: read from GeoJSON, a bbox or a vector file in any CRS, checked, kept in WGS84.

Everything downstream (catalog search, coverage, clipping) works from one ``Area`` in WGS84
lon/lat, so every way a user can give an area is normalised here, once, with one clear
``InputError`` per mistake. Areas are measured in a Lambert azimuthal equal-area projection
centred on the area, so km² and coverage percentages are right at any latitude, and a bbox
crossing the antimeridian (minx > maxx) becomes two polygons split at 180°. An area given in a
projected CRS (EPSG:3857, a UTM zone) keeps its edges: they are straight in that CRS, so each gets
vertices, in it, wherever it bends in lon/lat, and the polygon stays where it was drawn.
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

import numpy as np
from osgeo import gdal, ogr, osr

from .errors import InputError, one_line
from .gdalconfig import raising

DEFAULT_MAX_AREA_KM2 = 250_000.0
_WGS84 = "EPSG:4326"
_EPS = 1e-9
_DENSIFY_DEG = 0.02
# The area's edges are straight in longitude and latitude (as stored): followed every 0.01 degree
# (about 1 km) once in a raster's CRS, where such a piece bends by under 5 cm in a UTM zone. Its
# pixels (``AreaPixels``) and the rectangle a clip reads (``Area.bounds_in``) follow the same points.
EDGE_STEP_DEG = 0.01
# An area given in a projected CRS has edges straight in that CRS, which are not straight in lon/lat
# (a diagonal drawn in EPSG:3857 at 69°N strays up to 14 m from the lon/lat line between its ends):
# each is cut, in its own CRS, until every piece keeps within this of that line (a 100th of a 10 m
# pixel). Only where it bends: an edge along a parallel or a meridian of EPSG:3857 stays whole.
_EDGE_TOLERANCE_M = 0.1
_EDGE_HALVINGS = 24  # at most (an edge 10,000 km long would be cut to 60 cm pieces)
_METRES_PER_DEGREE = 111_195.0  # of latitude, on the sphere of the mean radius: for the tolerance only
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
        """The rectangle around the area's polygon in ``crs`` (WKT or "EPSG:n"): the polygon's
        edges, straight in lon/lat, followed as ``AreaPixels`` draws them (``EDGE_STEP_DEG``), so
        that every pixel whose centre it holds lies within (not the rectangle around the lon/lat
        bbox, which is wider wherever the scene's grid is turned against the meridians)."""
        target = _srs(crs)
        if target.IsSame(_srs(_WGS84)):
            return self.bbox
        geometry = self.ogr_geometry()
        geometry.Segmentize(EDGE_STEP_DEG)
        geometry.TransformTo(target)
        env = geometry.GetEnvelope()
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
    """The bbox as WGS84 geometry: split at 180° if lon/lat, reprojected if projected."""
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
    return _to_wgs84(_rectangle(*bbox), source)  # (which follows its edges where they bend)


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
    if not source.IsGeographic():  # (a lon/lat one's edges are straight in WGS84's within millimetres)
        geometry = _follow_edges(geometry, transform)
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


def _follow_edges(geometry: ogr.Geometry, transform: osr.CoordinateTransformation) -> ogr.Geometry:
    """``geometry`` (a polygon or multipolygon in a projected CRS) with vertices added along its
    edges, in that CRS, wherever an edge strays more than ``_EDGE_TOLERANCE_M`` from the straight
    lon/lat line between its ends that ``transform`` (to WGS84) would make of it."""
    followed = geometry.Clone()
    for part in _parts(followed):
        for index in range(part.GetGeometryCount()):
            ring = part.GetGeometryRef(index)
            points = _followed(np.array(ring.GetPoints(), dtype=float)[:, :2], transform)
            if len(points) > ring.GetPointCount():
                ring.Empty()
                for x, y in points:
                    ring.AddPoint_2D(float(x), float(y))
    return followed


def _followed(points: np.ndarray, transform: osr.CoordinateTransformation) -> np.ndarray:
    """The vertices of a ring (n x 2, in the projected CRS) with each edge halved until every piece
    keeps within ``_EDGE_TOLERANCE_M`` of the lon/lat line between its ends, judged at its quarter
    points (an edge across the equator in EPSG:3857 bends both ways, and is straight at its middle).
    Unchanged if any point cannot be converted: the conversion of the whole then says so."""
    lonlat = _lonlat(points, transform)
    for _ in range(_EDGE_HALVINGS):
        if lonlat is None:
            return points
        start, end = points[:-1], points[1:]
        quarters = np.concatenate([start + (end - start) * t for t in (0.25, 0.5, 0.75)])
        converted = _lonlat(quarters, transform)
        if converted is None:
            return points
        count = len(start)
        stray = _off_line(np.tile(lonlat[:-1], (3, 1)), np.tile(lonlat[1:], (3, 1)), converted)
        cut = np.nonzero(stray.reshape(3, count).max(axis=0) > _EDGE_TOLERANCE_M)[0]
        if not len(cut):
            break
        middles = converted[count : 2 * count][cut]
        points = np.insert(points, cut + 1, (start[cut] + end[cut]) / 2, axis=0)
        lonlat = np.insert(lonlat, cut + 1, middles, axis=0)
    return points


def _lonlat(points: np.ndarray, transform: osr.CoordinateTransformation) -> np.ndarray | None:
    """``points`` converted to lon/lat (n x 2), or None if any cannot be."""
    try:
        converted = np.array(transform.TransformPoints(points.tolist()), dtype=float)[:, :2]
    except (RuntimeError, ValueError):
        return None
    return converted if np.isfinite(converted).all() else None


def _off_line(start: np.ndarray, end: np.ndarray, point: np.ndarray) -> np.ndarray:
    """How far (m) each of ``point`` lies from the straight lon/lat segment ``start``-``end`` (all
    n x 2 lon/lat), in a plane around the start where a degree of longitude is cos(latitude) one
    of latitude; across the antimeridian by the short way, as the conversion to WGS84 splits it."""

    def local(lonlat: np.ndarray) -> np.ndarray:
        east = (lonlat[:, 0] - start[:, 0] + 180.0) % 360.0 - 180.0
        return np.stack([east * np.cos(np.radians(start[:, 1])), lonlat[:, 1] - start[:, 1]], axis=1)

    edge, offset = local(end), local(point)
    length2 = (edge**2).sum(axis=1)
    along = np.clip((offset * edge).sum(axis=1) / np.where(length2 > 0, length2, 1.0), 0.0, 1.0)
    return np.hypot(*(offset - edge * along[:, None]).T) * _METRES_PER_DEGREE


def _check_lonlat(minx: float, miny: float, maxx: float, maxy: float) -> None:
    if max(abs(minx), abs(maxx)) > 180 + _EPS or max(abs(miny), abs(maxy)) > 90 + _EPS:
        raise InputError(
            f"The area coordinates ({minx:g}, {miny:g}, {maxx:g}, {maxy:g}) are outside longitude "
            "-180..180 / latitude -90..90: give WGS84 lon/lat, or pass the CRS the coordinates are in."
        )


def _area_from(geometry: ogr.Geometry, max_area_km2: float) -> Area:
    # Measured as it is kept, to the last digit (GDAL writes 14.999999999999998 as 15.0): the area
    # a product names in its metadata (``areapixels.area_of``) reads back equal to this one.
    geojson = json.loads(_checked(geometry).ExportToJson())
    geometry = ogr.CreateGeometryFromJson(json.dumps(geojson))
    bbox = _lonlat_bbox(geometry)
    km2 = _km2(geometry, _center(bbox))
    if km2 <= 0:
        raise InputError("The area has zero area: draw a polygon or give a bbox with some extent.")
    _check_size(km2, max_area_km2)
    return Area(geojson=geojson, bbox=bbox, area_km2=km2)


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
