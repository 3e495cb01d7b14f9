"""Malformed catalog answers and odd areas not covered by tests/unit/test_area.py and
test_catalog.py / tests/integration/test_discover.py: each is a clear FirstLightError or the right
result, never a crash. (Empty, self-intersecting, other-CRS, antimeridian and over-the-limit areas
are in tests/unit/test_area.py; malformed items and items without bands in test_catalog.py.)"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.errors import CatalogError, FirstLightError, InputError
from tests.reliability.harness import EVENT, ITEM_ID, sample_item

pytestmark = pytest.mark.integration


class _Api(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    page = b"{}"

    def log_message(self, *args: object) -> None:
        pass

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/geo+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        landing = {
            "type": "Catalog",
            "id": "odd",
            "stac_version": "1.0.0",
            "description": "d",
            "conformsTo": [
                "https://api.stacspec.org/v1.0.0/core",
                "https://api.stacspec.org/v1.0.0/item-search",
            ],
            "links": [
                {"rel": "self", "href": base + "/"},
                {"rel": "root", "href": base + "/"},
                {"rel": "search", "href": base + "/search", "type": "application/geo+json", "method": "POST"},
            ],
        }
        self._send(json.dumps(landing).encode())

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._send(self.page)


@contextmanager
def _api(page: bytes) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Api", (_Api,), {"page": page}))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _good() -> dict:
    return sample_item("https://assets.example.com")


def _collection(*features: object) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


PAGES = {
    "truncated JSON": b'{"type":"FeatureCollection","features":[{"id":',
    "a JSON list": b"[]",
    "JSON null": b"null",
    "not UTF-8": b"\xff\xfe\x00garbage",
    "an HTML page": b"<html><body>502 Bad Gateway</body></html>",
    "features is a string": b'{"type":"FeatureCollection","features":"nonsense"}',
    "features is an object": b'{"type":"FeatureCollection","features":{"a":1}}',
    "NaN and Infinity": b'{"type":"FeatureCollection","features":[{"type":"Feature","id":"n",'
    b'"bbox":[NaN,0,Infinity,1],"geometry":null,'
    b'"properties":{"datetime":"2018-12-24T00:00:00Z","eo:cloud_cover":NaN},'
    b'"assets":{"blue":{"href":"https://x/b.tif","eo:bands":[{"common_name":"blue"}]}}}]}',
    "garbage items around a good one": _collection(
        1, "S2", None, [], {"id": None}, {"type": "Feature", "id": "x", "assets": "nope"}, _good()
    ),
    "a next link to a local file": json.dumps(
        {
            "type": "FeatureCollection",
            "features": [_good()],
            "links": [{"rel": "next", "href": "file:///etc/passwd"}],
        }
    ).encode(),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_a_malformed_search_page_is_a_clear_error_or_is_skipped(name: str) -> None:
    area = parse_area([-52.95, -27.23, -52.87, -27.16])
    with _api(PAGES[name]) as url:
        try:
            scenes = discover(
                area, EVENT, "2018-12-01", "2018-12-31", catalog=url, collections=["sentinel-2-l2a"]
            )
        except FirstLightError as error:
            assert isinstance(error, CatalogError) and "\n" not in str(error)
            assert "passwd" not in str(error) and "root:" not in str(error)
            return
    assert [s.id for s in scenes] in ([], [ITEM_ID])  # the good item survives its bad neighbours


def _ring(*points: tuple[float, float]) -> dict:
    return {"type": "Polygon", "coordinates": [[list(p) for p in points]]}


def _square(x: float, y: float, size: float) -> list:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


AREAS = {
    "NaN in a polygon": (_ring((0, 0), (1, 0), (math.nan, 1), (0, 0)), InputError),
    "Infinity in a polygon": (_ring((0, 0), (1, 0), (math.inf, 1), (0, 0)), InputError),
    "1e308 coordinates": (_ring((0, 0), (1e308, 0), (1e308, 1e308), (0, 0)), InputError),
    "an unclosed ring": (_ring((0, 0), (1, 0), (1, 1)), InputError),
    "two points": (_ring((0, 0), (1, 1)), InputError),
    "coordinates as strings": (_ring(("0", "0"), ("1", "0"), ("1", "1"), ("0", "0")), InputError),
    "a hole outside its shell": (
        {"type": "Polygon", "coordinates": [_square(0, 0, 1), _square(5, 5, 1)]},
        InputError,
    ),
    "overlapping multipolygon parts": (
        {"type": "MultiPolygon", "coordinates": [[_square(0, 0, 1)], [_square(0.5, 0.5, 1)]]},
        InputError,
    ),
    "a geometry collection of a polygon": (
        {"type": "GeometryCollection", "geometries": [_ring((0, 0), (1, 0), (1, 1), (0, 0))]},
        None,
    ),
    "a geometry collection of a line": (
        {
            "type": "GeometryCollection",
            "geometries": [{"type": "LineString", "coordinates": [[0, 0], [1, 1]]}],
        },
        InputError,
    ),
    "an area next to the pole": (_ring((-10, 88), (10, 88), (10, 89.9), (-10, 89.9), (-10, 88)), None),
    "a sliver of 1e-9 degrees": (_ring((0, 0), (1e-9, 0), (1e-9, 1e-9), (0, 0)), None),
    "an unknown legacy crs": (
        {
            "type": "Feature",
            "crs": {"type": "name", "properties": {"name": "EPSG:999999"}},
            "geometry": _ring((0, 0), (1, 0), (1, 1), (0, 0)),
        },
        InputError,
    ),
    "a ring crossing 180 as 170..190": (_ring((170, 0), (190, 0), (190, 1), (170, 1), (170, 0)), InputError),
}


@pytest.mark.parametrize("name", list(AREAS))
def test_an_odd_area_is_a_clear_input_error_or_a_valid_area(name: str) -> None:
    value, expected = AREAS[name]
    try:
        area = parse_area(value)
    except FirstLightError as error:
        assert expected is not None and isinstance(error, expected), f"{name}: {error}"
        assert "\n" not in str(error)
        return
    if expected is not None:
        pytest.fail(f"{name}: accepted as {area}")
    assert area.area_km2 > 0 and all(math.isfinite(v) for v in area.bbox)
