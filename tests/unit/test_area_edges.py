"""The edges of an area: straight in the CRS it was given in, wherever it goes next. An area drawn
in EPSG:3857 or a UTM zone keeps its edges in WGS84 (vertices added, in its own CRS, where they
bend in lon/lat), and the rectangle a clip reads is the one around the polygon in the scene's CRS,
not around its lon/lat bbox. Every reference here is computed apart, with GDAL."""

from __future__ import annotations

import json

import numpy as np
import pytest
from osgeo import gdal, ogr, osr

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.areapixels import AreaPixels, area_metadata, area_of
from tests.support.sample import SAMPLE


def _srs(epsg: int) -> osr.SpatialReference:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _corners(minx: float, miny: float, maxx: float, maxy: float) -> list[list[float]]:
    return [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]


def _geometry(ring: list[list[float]], epsg: int, step: float) -> ogr.Geometry:
    """The polygon of ``ring`` in EPSG:``epsg``, its straight edges cut every ``step``."""
    geometry = ogr.CreateGeometryFromJson(json.dumps({"type": "Polygon", "coordinates": [ring]}))
    geometry.AssignSpatialReference(_srs(epsg))
    geometry.Segmentize(step)
    return geometry


def _km2(geometry: ogr.Geometry, lon: float, lat: float) -> float:
    """Its area in an equal-area projection centred on (lon, lat)."""
    equal_area = osr.SpatialReference()
    equal_area.ImportFromProj4(f"+proj=laea +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    equal_area.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    projected = geometry.Clone()
    projected.TransformTo(equal_area)
    return projected.GetArea() / 1e6


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    x, y, _ = osr.CoordinateTransformation(_srs(4326), _srs(3857)).TransformPoint(lon, lat)
    return x, y


def _vertices(area) -> int:
    polygons = area.geojson["coordinates"]
    if area.geojson["type"] == "Polygon":
        polygons = [polygons]
    return sum(len(ring) for polygon in polygons for ring in polygon)


# -- the rectangle a clip reads -------------------------------------------------------------------


def test_an_area_given_in_the_scene_s_crs_is_cut_to_its_own_rectangle() -> None:
    # 4 x 3.5 km at 69°N, 3° from the zone's central meridian, where the rectangle around its
    # lon/lat bbox is 180 m wider on each side.
    rectangle = (616_440.5, 7_653_100.5, 620_440.5, 7_656_600.5)
    area = parse_area(list(rectangle), crs="EPSG:32633")

    assert area.bounds_in("EPSG:32633") == pytest.approx(rectangle, abs=0.15)
    lonlat = _geometry(_corners(*area.bbox), 4326, 0.001)
    lonlat.TransformTo(_srs(32633))
    west, east, _, _ = lonlat.GetEnvelope()
    assert rectangle[0] - west > 150 and east - rectangle[2] > 150  # what the stack was cut to


def test_the_rectangle_is_around_the_polygon_not_its_lon_lat_bbox() -> None:
    # The sample's area less its north-east corner: the corner it lacks is not read.
    minx, miny, maxx, maxy = parse_area(SAMPLE / "area.geojson").bbox
    ring = [[minx, miny], [maxx, miny], [minx, maxy], [minx, miny]]
    triangle = parse_area({"type": "Polygon", "coordinates": [ring]})

    expected = _geometry(ring, 4326, 1e-5)  # every metre of its edges, straight in lon/lat
    expected.TransformTo(_srs(32722))
    west, east, south, north = expected.GetEnvelope()
    assert triangle.bounds_in("EPSG:32722") == pytest.approx((west, south, east, north), abs=0.05)
    # The grid is turned 0.9° against the meridians there: the lacking corner is the northernmost.
    whole = parse_area([minx, miny, maxx, maxy]).bounds_in("EPSG:32722")
    assert whole[3] - north > 100


def test_an_area_across_the_antimeridian_is_cut_to_its_rectangle_in_either_zone() -> None:
    # 100 x 50 km of UTM zone 60 south (Fiji), a third of it east of 180°.
    ring = _corners(800_000, 8_050_000, 900_000, 8_100_000)
    area = parse_area([800_000, 8_050_000, 900_000, 8_100_000], crs="EPSG:32760")

    assert area.geojson["type"] == "MultiPolygon" and area.bbox[0] > area.bbox[2]
    assert area.bounds_in("EPSG:32760") == pytest.approx((800_000, 8_050_000, 900_000, 8_100_000), abs=0.15)
    expected = _geometry(ring, 32760, 10.0)
    expected.TransformTo(_srs(32701))  # the zone east of it
    west, east, south, north = expected.GetEnvelope()
    assert area.bounds_in("EPSG:32701") == pytest.approx((west, south, east, north), abs=0.15)
    assert area.area_km2 == pytest.approx(_km2(_geometry(ring, 32760, 10.0), 180, -17.4), rel=1e-5)


# -- an area drawn in a projected CRS ------------------------------------------------------------


def test_an_area_drawn_in_epsg_3857_holds_the_pixels_gdal_finds_in_it() -> None:
    # A triangle about 11 km across at 69°N: its edges, straight in Mercator, strayed metres from
    # the lon/lat lines between its corners, and the pixels along them with them.
    cx, cy = _mercator(15.0, 69.0)
    h = 15_000
    ring = [[cx - h, cy - h], [cx + h, cy - h * 0.2], [cx - h * 0.3, cy + h], [cx - h, cy - h]]
    area = parse_area({"type": "Polygon", "coordinates": [ring]}, crs="EPSG:3857")
    reference = _geometry(ring, 3857, 20.0)  # every 20 m, then straight in UTM
    reference.TransformTo(_srs(32633))
    minx, maxx, miny, maxy = reference.GetEnvelope()
    x0, y0 = np.floor(minx / 10) * 10 - 50, np.ceil(maxy / 10) * 10 + 50
    width, height = int((maxx - x0) / 10) + 10, int((y0 - miny) / 10) + 10
    grid = gdal.GetDriverByName("MEM").Create("", width, height, 1, gdal.GDT_Byte)
    grid.SetGeoTransform((x0, 10.0, 0.0, y0, 0.0, -10.0))
    grid.SetSpatialRef(_srs(32633))

    pixels = AreaPixels(area, grid).strip(0, height)
    source = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = source.CreateLayer("a", _srs(32633))
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(reference)
    layer.CreateFeature(feature)
    gdal.RasterizeLayer(grid, [1], layer, burn_values=[1])
    expected = grid.ReadAsArray().astype(bool)

    assert expected.sum() > 400_000
    rows, columns = np.nonzero(pixels != expected)
    boundary = reference.GetBoundary()
    for row, column in zip(rows, columns, strict=True):  # only a centre on the edge may go either way
        centre = ogr.Geometry(ogr.wkbPoint)
        centre.AddPoint_2D(x0 + (column + 0.5) * 10, y0 - (row + 0.5) * 10)
        assert centre.Distance(boundary) < 0.2
    assert area.area_km2 == pytest.approx(_km2(_geometry(ring, 3857, 10.0), 15.0, 69.0), rel=1e-5)


@pytest.mark.parametrize("lat", [0.5, 45.0, 69.0, 80.0])
def test_projected_edges_get_vertices_only_where_they_bend(lat: float) -> None:
    cx, cy = _mercator(15.0, lat)
    h = 38_000 / np.cos(np.radians(lat))  # 76 km on the ground: a triangle of 2,500 km²
    rectangle = parse_area([cx - h, cy - h, cx + h, cy + h], crs=3857)
    ring = [[cx - h, cy - h], [cx + h, cy - h * 0.2], [cx - h * 0.3, cy + h], [cx - h, cy - h]]
    triangle = parse_area({"type": "Polygon", "coordinates": [ring]}, crs=3857)

    assert _vertices(rectangle) == 5  # its edges follow parallels and meridians, straight in lon/lat
    assert _vertices(triangle) < 300
    assert triangle.area_km2 == pytest.approx(_km2(_geometry(ring, 3857, 10.0), 15.0, lat), rel=1e-5)
    corners = _geometry(_corners(cx - h, cy - h, cx + h, cy + h), 3857, 10.0)
    assert rectangle.area_km2 == pytest.approx(_km2(corners, 15.0, lat), rel=1e-5)


def test_a_utm_triangle_measures_its_own_area() -> None:
    # 50 km edges at 69°N: as lon/lat lines between its corners it measured 3.4 km² less.
    ring = [[600_000, 7_600_000], [650_000, 7_610_000], [620_000, 7_650_000], [600_000, 7_600_000]]
    area = parse_area({"type": "Polygon", "coordinates": [ring]}, crs="EPSG:32633")

    assert area.area_km2 == pytest.approx(_km2(_geometry(ring, 32633, 10.0), 17.5, 68.8), rel=1e-5)


def test_a_product_names_an_area_drawn_in_epsg_3857_as_it_was_parsed() -> None:
    cx, cy = _mercator(15.0, 69.0)
    ring = [[cx, cy], [cx + 40_000, cy + 10_000], [cx + 5_000, cy + 30_000], [cx, cy]]
    area = parse_area({"type": "Polygon", "coordinates": [ring]}, crs="EPSG:3857")
    product = gdal.GetDriverByName("MEM").Create("", 1, 1)
    product.SetMetadata(area_metadata(area))

    assert _vertices(area) > 4
    assert area_of(product) == area


def test_an_area_in_longitude_and_latitude_keeps_its_vertices() -> None:
    written = json.loads((SAMPLE / "area.geojson").read_text(encoding="utf-8"))["geometry"]
    assert parse_area(SAMPLE / "area.geojson").geojson["coordinates"] == written["coordinates"]
