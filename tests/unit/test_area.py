"""Search areas: every input form, any CRS, the antimeridian, and one clear error per mistake."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from osgeo import ogr, osr

from firstlight_qgis.core.area import DEFAULT_MAX_AREA_KM2, Area, coverage_percent, parse_area
from firstlight_qgis.core.errors import InputError

# WGS84 ellipsoid, for an independent reference area of a lon/lat rectangle.
_A = 6378137.0
_F = 1 / 298.257223563
_E = math.sqrt(_F * (2 - _F))


def _ellipsoid_rectangle_km2(minx: float, miny: float, maxx: float, maxy: float) -> float:
    """Exact area of a lon/lat rectangle on the WGS84 ellipsoid (authalic latitude formula)."""

    def q(lat: float) -> float:
        s = math.sin(math.radians(lat))
        return (1 - _E**2) * (s / (1 - _E**2 * s**2) - math.log((1 - _E * s) / (1 + _E * s)) / (2 * _E))

    return _A**2 / 2 * math.radians(maxx - minx) * (q(maxy) - q(miny)) / 1e6


def _polygon(minx: float, miny: float, maxx: float, maxy: float) -> dict:
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    return {"type": "Polygon", "coordinates": [ring]}


def _utm(lon: float, lat: float, epsg: int) -> tuple[float, float]:
    wgs84, utm = osr.SpatialReference(), osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    utm.ImportFromEPSG(epsg)
    for srs in (wgs84, utm):
        srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    x, y, _ = osr.CoordinateTransformation(wgs84, utm).TransformPoint(lon, lat)
    return x, y


@pytest.mark.parametrize(
    "value",
    [
        [-39.5, -4.8, -39.4, -4.7],
        (-39.5, -4.8, -39.4, -4.7),
        "-39.5,-4.8,-39.4,-4.7",
        " -39.5, -4.8 , -39.4,-4.7 ",
        _polygon(-39.5, -4.8, -39.4, -4.7),
        {"type": "Feature", "properties": {}, "geometry": _polygon(-39.5, -4.8, -39.4, -4.7)},
        json.dumps(_polygon(-39.5, -4.8, -39.4, -4.7)),
    ],
)
def test_every_input_form_gives_the_same_area(value) -> None:
    area = parse_area(value)
    assert area.bbox == pytest.approx((-39.5, -4.8, -39.4, -4.7))
    assert area.geojson["type"] == "Polygon"
    assert area.area_km2 == pytest.approx(_ellipsoid_rectangle_km2(-39.5, -4.8, -39.4, -4.7), rel=1e-4)


@pytest.mark.parametrize("bbox", [(0, 0, 1, 1), (10, 59, 12, 60), (-75, -56, -70, -55), (20, 79, 23, 80)])
def test_area_km2_matches_the_ellipsoid_at_every_latitude(bbox) -> None:
    assert parse_area(list(bbox)).area_km2 == pytest.approx(_ellipsoid_rectangle_km2(*bbox), rel=1e-4)


def test_a_feature_collection_merges_its_polygons() -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {}, "geometry": _polygon(0, 0, 0.1, 0.1)},
            {"type": "Feature", "properties": {}, "geometry": _polygon(0.2, 0, 0.3, 0.1)},
        ],
    }
    area = parse_area(collection)
    assert area.geojson["type"] == "MultiPolygon"
    assert area.bbox == pytest.approx((0, 0, 0.3, 0.1))
    assert area.area_km2 == pytest.approx(2 * _ellipsoid_rectangle_km2(0, 0, 0.1, 0.1), rel=1e-4)


def test_a_geometry_collection_merges_its_polygons_as_a_feature_collection_does() -> None:
    inner = {"type": "GeometryCollection", "geometries": [_polygon(0.2, 0, 0.3, 0.1)]}
    area = parse_area({"type": "GeometryCollection", "geometries": [_polygon(0, 0, 0.1, 0.1), inner]})
    assert area.geojson["type"] == "MultiPolygon"
    assert area.bbox == pytest.approx((0, 0, 0.3, 0.1))
    assert area.area_km2 == pytest.approx(2 * _ellipsoid_rectangle_km2(0, 0, 0.1, 0.1), rel=1e-4)


def test_a_bbox_crossing_the_antimeridian_is_split_at_180() -> None:
    area = parse_area("179.5,-16.5,-179.5,-15.5")
    assert area.bbox == (179.5, -16.5, -179.5, -15.5)
    assert area.geojson["type"] == "MultiPolygon"
    lons = sorted({x for polygon in area.geojson["coordinates"] for x, _ in polygon[0]})
    assert lons == [-180.0, -179.5, 179.5, 180.0]
    assert area.area_km2 == pytest.approx(_ellipsoid_rectangle_km2(-0.5, -16.5, 0.5, -15.5), rel=1e-4)


def test_a_split_geojson_area_keeps_a_narrow_crossing_bbox() -> None:
    multipolygon = {
        "type": "MultiPolygon",
        "coordinates": [
            _polygon(179.5, -1, 180, 1)["coordinates"],
            _polygon(-180, -1, -179.5, 1)["coordinates"],
        ],
    }
    assert parse_area(multipolygon).bbox == (179.5, -1, -179.5, 1)


def test_a_projected_area_crossing_the_antimeridian_comes_back_split() -> None:
    # UTM zone 60N, east of its central meridian 177°E, running past 180°.
    area = parse_area([700000, 100000, 900000, 200000], crs=32660)
    minx, _, maxx, _ = area.bbox
    assert minx > maxx and 178 < minx < 180 and -180 < maxx < -179
    assert area.geojson["type"] == "MultiPolygon"
    assert area.area_km2 == pytest.approx(200 * 100, rel=0.01)  # UTM scale factor is below 1 %


def test_a_bbox_in_a_projected_crs_is_reprojected() -> None:
    x, y = _utm(-39.45, -4.75, 32724)
    area = parse_area(f"{x - 5000},{y - 5000},{x + 5000},{y + 5000}", crs="EPSG:32724")
    minx, miny, maxx, maxy = area.bbox
    assert minx < -39.45 < maxx and miny < -4.75 < maxy
    assert area.area_km2 == pytest.approx(100, rel=0.002)


def test_geojson_in_another_crs_by_argument_or_legacy_crs_member() -> None:
    x, y = _utm(-39.45, -4.75, 32724)
    polygon = _polygon(x - 5000, y - 5000, x + 5000, y + 5000)
    by_argument = parse_area(polygon, crs=32724)
    legacy = {**polygon, "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::32724"}}}
    assert parse_area(legacy).bbox == pytest.approx(by_argument.bbox)
    assert by_argument.area_km2 == pytest.approx(100, rel=0.002)


def test_a_legacy_crs_member_by_its_name_alone_unknown_or_malformed() -> None:
    x, y = _utm(-39.45, -4.75, 32724)
    polygon = _polygon(x - 5000, y - 5000, x + 5000, y + 5000)
    assert parse_area({**polygon, "crs": "EPSG:32724"}).bbox == pytest.approx(
        parse_area(polygon, crs=32724).bbox
    )
    unknown = {"type": "name", "properties": {"name": "EPSG:99999"}}
    with pytest.raises(InputError, match="Unknown CRS 'EPSG:99999'"):
        parse_area({**polygon, "crs": unknown})  # not "not a valid GeoJSON geometry": the CRS is wrong
    for malformed in ({"properties": "EPSG:32724"}, ["EPSG:32724"], {"properties": {"name": 32724}}):
        with pytest.raises(InputError, match='The area\'s "crs" is not valid GeoJSON'):
            parse_area({**polygon, "crs": malformed})
    with pytest.raises(InputError, match="has no list of features"):
        parse_area({"type": "FeatureCollection", "features": 5})


def test_a_geopackage_in_utm_is_read_with_its_crs(tmp_path) -> None:
    x, y = _utm(-39.45, -4.75, 32724)
    path = tmp_path / "area.gpkg"
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(32724)
    dataset = ogr.GetDriverByName("GPKG").CreateDataSource(str(path))
    layer = dataset.CreateLayer("area", srs, ogr.wkbPolygon)
    feature = ogr.Feature(layer.GetLayerDefn())
    feature.SetGeometry(
        ogr.CreateGeometryFromJson(json.dumps(_polygon(x - 5000, y - 5000, x + 5000, y + 5000)))
    )
    layer.CreateFeature(feature)
    dataset = None  # close and flush
    area = parse_area(path)
    assert area.area_km2 == pytest.approx(100, rel=0.002)
    assert parse_area(str(path)).bbox == area.bbox


def test_a_geojson_file_path(tmp_path) -> None:
    path = tmp_path / "area.geojson"
    path.write_text(
        json.dumps({"type": "Feature", "properties": {}, "geometry": _polygon(10, 10, 10.1, 10.1)})
    )
    assert parse_area(str(path)).bbox == pytest.approx((10, 10, 10.1, 10.1))


def test_an_area_passes_through_unchanged() -> None:
    area = parse_area([0, 0, 0.1, 0.1])
    assert parse_area(area) is area
    with pytest.raises(InputError, match="larger than the 10 km² limit"):
        parse_area(area, max_area_km2=10)


def test_bounds_in_a_utm_crs_are_densified_to_enclose_the_curved_edges() -> None:
    area = parse_area([-41.0, -6.0, -38.0, -3.0])
    minx, miny, maxx, maxy = area.bounds_in("EPSG:32724")
    # The true extent: every point of the boundary, finely sampled.
    boundary = [(-41.0 + 3 * i / 500, lat) for i in range(501) for lat in (-6.0, -3.0)]
    boundary += [(lon, -6.0 + 3 * i / 500) for i in range(501) for lon in (-41.0, -38.0)]
    xs, ys = zip(*(_utm(lon, lat, 32724) for lon, lat in boundary), strict=True)
    assert (minx, miny, maxx, maxy) == pytest.approx((min(xs), min(ys), max(xs), max(ys)), abs=5.0)
    assert area.bounds_in("EPSG:4326") == area.bbox


def test_bounds_of_an_antimeridian_area_in_the_utm_zone_it_straddles() -> None:
    area = parse_area("179.5,-1,-179.5,1")
    minx, _, maxx, _ = area.bounds_in("EPSG:32660")
    # East of the central meridian (177°E) x grows towards the equator: min at the corners, max mid-edge.
    west, _ = _utm(179.5, 1, 32660)
    east, _ = _utm(-179.5, 0, 32660)
    assert minx == pytest.approx(west, abs=1) and maxx == pytest.approx(east, abs=1)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ({"type": "FeatureCollection", "features": []}, "empty"),
        ({"type": "Polygon", "coordinates": []}, "empty"),
        ("{not json", "not valid GeoJSON"),
        ({"type": "Polygon", "coordinates": "nonsense"}, "not a valid GeoJSON geometry"),
        ({"type": "MultiPolygon", "coordinates": {"rings": []}}, "not a valid GeoJSON geometry"),
        ({"type": "GeometryCollection", "geometries": "nonsense"}, "not a valid GeoJSON geometry"),
        ({"type": "GeometryCollection", "geometries": []}, "empty"),
        (
            {
                "type": "GeometryCollection",
                "geometries": [_polygon(0, 0, 0.1, 0.1), {"type": "Point", "coordinates": [1, 2]}],
            },
            "Point, which has zero area",
        ),
        ({"type": "Point", "coordinates": [1, 2]}, "zero area"),
        ({"type": "LineString", "coordinates": [[1, 2], [3, 4]]}, "zero area"),
        ([0, 0, 0, 0], "has no area"),
        ([0, 1, 1, 0], "has no area"),
        ([1, 2, 3], "4 finite numbers"),
        ([0, 0, 1, "x"], "not 4 numbers"),
        ([0, 0, float("nan"), 1], "4 finite numbers"),
        ("1,2,3", "neither a bbox, GeoJSON nor an existing file"),
        ("/no/such/area.geojson", "neither a bbox, GeoJSON nor an existing file"),
        (42, "Cannot read an area"),
        ([0, 0, 190, 1], "outside longitude -180..180"),
        ([0, -95, 1, -91], "outside longitude -180..180"),
        (_polygon(500000, 9000000, 510000, 9010000), "pass the CRS"),
        (
            {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            "self-intersects",
        ),
        (_polygon(170, 0, -170, 1), "more than 180°"),
        ([-10, -10, 10, 10], "larger than the 250,000 km² limit"),
    ],
)
def test_each_mistake_gets_one_clear_input_error(value, message) -> None:
    with pytest.raises(InputError, match=message):
        parse_area(value)


def test_a_file_that_is_not_vector_data(tmp_path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(InputError, match="not a vector file"):
        parse_area(path)


def test_coordinates_outside_their_crs_are_said_to_be() -> None:
    with pytest.raises(InputError, match=r"lie outside what its CRS \(WGS 84 / Pseudo-Mercator\) covers"):
        parse_area([0, 0, 1e9, 1e9], crs=3857)  # was "the polygon is invalid (it self-intersects...)"


def test_unknown_crs_and_projected_bbox_in_wrong_order() -> None:
    with pytest.raises(InputError, match="Unknown CRS"):
        parse_area([0, 0, 1, 1], crs="EPSG:999999")
    with pytest.raises(InputError, match="minx > maxx"):
        parse_area([510000, 9000000, 500000, 9010000], crs=32724)


def test_the_size_limit_is_configurable() -> None:
    assert DEFAULT_MAX_AREA_KM2 == 250_000
    with pytest.raises(InputError, match="larger than the 100 km² limit"):
        parse_area([0, 0, 1, 1], max_area_km2=100)
    assert parse_area([0, 0, 1, 1], max_area_km2=20_000).area_km2 > 12_000


def test_coverage_full_half_none() -> None:
    area = parse_area([10, 10, 10.2, 10.2])
    assert coverage_percent(area, _polygon(9, 9, 11, 11)) == pytest.approx(100)
    assert coverage_percent(area, _polygon(10.1, 9, 11, 11)) == pytest.approx(50, abs=0.1)
    assert coverage_percent(area, _polygon(20, 20, 21, 21)) == 0
    assert coverage_percent(area, _polygon(10.2, 10, 11, 10.2)) == 0  # touching only


def test_coverage_across_the_antimeridian() -> None:
    area = parse_area("179.8,-1,-179.8,1")
    # A footprint drawn the long way round (lons 179 and -179 in one ring), as some catalogs store it.
    wrapped = {"type": "Polygon", "coordinates": [[[179, -2], [-179, -2], [-179, 2], [179, 2], [179, -2]]]}
    assert coverage_percent(area, wrapped) == pytest.approx(100)
    assert coverage_percent(area, _polygon(179, -2, 180, 2)) == pytest.approx(50, abs=0.01)


def test_a_self_intersecting_footprint_is_repaired_not_fatal() -> None:
    area = parse_area([0, 0, 1, 1])
    bowtie = {"type": "Polygon", "coordinates": [[[-1, -1], [2, 2], [2, -1], [-1, 2], [-1, -1]]]}
    assert 0 < coverage_percent(area, bowtie) <= 100


def test_area_is_a_frozen_contract() -> None:
    area = parse_area([0, 0, 0.1, 0.1])
    assert isinstance(area, Area)
    with pytest.raises(AttributeError):
        area.area_km2 = 1.0  # type: ignore[misc]
    assert area.ogr_geometry().GetSpatialReference().GetAuthorityCode(None) == "4326"


@settings(max_examples=40, deadline=None)
@given(
    lon=st.floats(-179.0, 178.0),
    lat=st.floats(-80.0, 79.0),
    width=st.floats(0.01, 1.0),
    height=st.floats(0.01, 1.0),
)
def test_any_bbox_round_trips_and_covers_itself(lon, lat, width, height) -> None:
    bbox = (lon, lat, lon + width, lat + height)
    area = parse_area(list(bbox))
    assert area.bbox == pytest.approx(bbox)
    assert area.area_km2 == pytest.approx(_ellipsoid_rectangle_km2(*bbox), rel=1e-3)
    assert coverage_percent(area, _polygon(*bbox)) == pytest.approx(100)
