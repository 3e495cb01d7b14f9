"""Discovery against a real STAC API on loopback (``rustac serve``), and against servers that fail.

rustac declares neither the query nor the filter extension (and answers either with no items at
all), so these tests exercise the client-side cloud filter, paging through ``next`` links, the
``intersects`` search across the antimeridian, and the collection listing of an unknown API.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.errors import CancelledError, CatalogError
from tests.conftest import STAC_FIXTURES
from tests.support.addresses import dead_address_first, silent_address
from tests.support.stac_server import closed_port_url, stac_api_fixture

pytestmark = pytest.mark.integration

# Inside the footprint of the real Earth Search item S2B_24MVV_20250731_0_L2A (Ceará, Brazil).
AREA = [-39.5, -4.8, -39.4, -4.7]
S2_CLOUDS = [0, 10, 20, 30, 40, 50, 60, 70, 80, 90]
ANTIMERIDIAN = (179.5, -17.0, -179.5, -16.0)


def _fixture(name: str) -> dict:
    return json.loads((STAC_FIXTURES / name).read_text())


def _polygon(minx: float, miny: float, maxx: float, maxy: float) -> list:
    return [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]]


def _variant(name: str, item_id: str, day: int, cloud: float) -> dict:
    """A real item at another date (July 2025, ``day``) and cloud cover, same footprint."""
    item = _fixture(name)
    item["id"] = item_id
    item["properties"]["datetime"] = f"2025-07-{day:02d}T13:00:00Z"
    item["properties"]["eo:cloud_cover"] = cloud
    return item


def _items() -> list[dict]:
    """Every real fixture item verbatim, plus generated variants over AREA and at the antimeridian."""
    items = [_fixture(path.name) for path in sorted(STAC_FIXTURES.glob("*.json"))]
    items += [_variant("earthsearch_s2_l2a.json", f"s2-{i}", i + 1, c) for i, c in enumerate(S2_CLOUDS)]
    # A Landsat FirstLight can fetch (https): Earth Search's is on requester-pays S3 only.
    landsat = _variant("usgs_landsat_c2l2_sr.json", "landsat-1", 15, 5)
    s2 = _fixture("earthsearch_s2_l2a.json")
    landsat.update(geometry=s2["geometry"], bbox=s2["bbox"])
    fiji = _variant("earthsearch_s2_l2a.json", "s2-fiji", 20, 1)
    west, south, east, north = ANTIMERIDIAN
    fiji["bbox"] = [west, south, east, north]
    fiji["geometry"] = {
        "type": "MultiPolygon",
        "coordinates": [_polygon(west, south, 180, north), _polygon(-180, south, east, north)],
    }
    return [*items, landsat, fiji]


stac_url = stac_api_fixture(_items)
silent = pytest.fixture(silent_address)


def _ids(scenes) -> list[str]:
    return [scene.id for scene in scenes]


def test_rustac_declares_neither_query_nor_filter_and_would_answer_them_with_nothing(stac_url) -> None:
    with urllib.request.urlopen(f"{stac_url}/conformance", timeout=5) as response:
        conformance = json.load(response)["conformsTo"]
    assert not [uri for uri in conformance if uri.endswith(("#query", "#filter"))]
    body = json.dumps({"collections": ["sentinel-2-l2a"], "query": {"eo:cloud_cover": {"lte": 100}}}).encode()
    request = urllib.request.Request(f"{stac_url}/search", body, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.load(response)["features"] == []  # why the query must not be sent to it


def test_discover_finds_every_matching_scene_with_its_bands(stac_url) -> None:
    scenes = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", max_cloud=100, catalog=stac_url)
    expected = {f"s2-{i}" for i in range(10)} | {"S2B_24MVV_20250731_0_L2A", "landsat-1"}
    assert set(_ids(scenes)) == expected
    assert [s.priority for s in scenes] == list(range(1, len(expected) + 1))
    for scene in scenes:
        assert {"blue", "swir16"} <= set(scene.band_urls)
        assert "nir" in scene.band_urls or "nir08" in scene.band_urls
        assert scene.coverage_percent == pytest.approx(100)
        assert scene.catalog == stac_url and not scene.catalog_is_local
    s2 = next(s for s in scenes if s.id == "s2-3")
    assert list(s2.band_urls) == ["blue", "green", "red", "nir", "swir16", "swir22"]
    assert all(href.startswith("https://sentinel-cogs.") for href in s2.band_urls.values())
    clouds = [s.cloud_cover for s in scenes]
    assert clouds == sorted(clouds)  # equal coverage: least cloudy first


def test_the_cloud_filter_runs_on_the_client_and_is_exact(stac_url) -> None:
    scenes = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", max_cloud=20, catalog=stac_url)
    assert _ids(scenes) == ["s2-0", "landsat-1", "s2-1", "s2-2"]  # 0, 5, 10, 20 % (20 is kept)
    assert [s.cloud_cover for s in scenes] == [0, 5, 10, 20]


def test_paging_follows_next_links_until_the_limit(stac_url) -> None:
    every = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", max_cloud=100, catalog=stac_url)
    paged = discover(
        AREA, "flood.coastal", "2025-07-01", "2025-07-31", max_cloud=100, catalog=stac_url, page_size=2
    )
    assert _ids(paged) == _ids(every) and len(paged) == 12  # 11 S2 scenes: 6 pages of 2
    limited = discover(
        AREA, "flood.coastal", "2025-07-01", "2025-07-31", max_cloud=100, catalog=stac_url, limit=3
    )
    assert [s.priority for s in limited] == [1, 2, 3]
    assert set(_ids(limited)) <= set(_ids(every))


def test_the_date_range_is_inclusive_whole_days(stac_url) -> None:
    scenes = discover(AREA, "flood.coastal", "2025-07-03", "2025-07-05", max_cloud=100, catalog=stac_url)
    assert sorted(_ids(scenes)) == ["s2-2", "s2-3", "s2-4"]


def test_given_collections_are_the_only_ones_searched(stac_url) -> None:
    scenes = discover(
        AREA,
        "flood.coastal",
        "2025-07-01",
        "2025-07-31",
        max_cloud=100,
        catalog=stac_url,
        collections=["landsat-c2l2-sr"],
    )
    assert _ids(scenes) == ["landsat-1"]
    assert list(scenes[0].band_urls) == ["blue", "green", "red", "nir08", "swir16", "swir22"]


def test_an_area_that_intersects_nothing_finds_nothing(stac_url) -> None:
    assert (
        discover([-150, -30, -149.9, -29.9], "flood.coastal", "2025-01-01", "2025-12-31", catalog=stac_url)
        == []
    )


def test_an_area_across_the_antimeridian_finds_the_scene_there(stac_url) -> None:
    area = "179.8,-16.6,-179.8,-16.4"
    scenes = discover(area, "flood.coastal", "2025-07-01", "2025-07-31", catalog=stac_url)
    assert _ids(scenes) == ["s2-fiji"]
    assert scenes[0].coverage_percent == pytest.approx(100)


def test_the_real_fixture_items_come_back_from_their_own_places(stac_url) -> None:
    pc = _fixture("pc_s2_l2a.json")
    minx, miny, maxx, maxy = pc["bbox"]
    area = [(minx + maxx) / 2, (miny + maxy) / 2, (minx + maxx) / 2 + 0.1, (miny + maxy) / 2 + 0.05]
    (scene,) = discover(area, "flood.coastal", "2024-04-19", "2024-04-19", catalog=stac_url)
    assert scene.id == pc["id"] and scene.assets["nir"].key == "B08"
    s1 = _fixture("pc_s1_rtc.json")
    minx, miny, maxx, maxy = s1["bbox"]
    area = [(minx + maxx) / 2, (miny + maxy) / 2, (minx + maxx) / 2 + 0.1, (miny + maxy) / 2 + 0.1]
    (radar,) = discover(area, "flood.riverine", "2024-04-19", "2024-04-19", max_cloud=0, catalog=stac_url)
    assert radar.source == "sentinel1" and list(radar.band_urls) == ["vv", "vh"]  # cloud cover n/a to radar


@contextmanager
def _conformance_proxy(upstream: str, extension: str) -> Iterator[tuple[str, list[dict]]]:
    """A proxy to rustac that declares ``item-search#<extension>`` and records each search body.

    It drops the cloud filter before forwarding (rustac would answer it with nothing), so the
    results show that the client-side check keeps them exact whatever the server does with it.
    """
    searches: list[dict] = []
    extra = f"https://api.stacspec.org/v1.0.0/item-search#{extension}"

    class Proxy(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._relay(None)

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            searches.append(body)
            forwarded = {k: v for k, v in body.items() if k not in ("query", "filter", "filter-lang")}
            self._relay(json.dumps(forwarded).encode())

        def _relay(self, data: bytes | None) -> None:
            headers = {"Content-Type": "application/json"} if data else {}
            request = urllib.request.Request(upstream + self.path, data, headers, method=self.command)
            with urllib.request.urlopen(request, timeout=10) as response:
                document = json.loads(response.read().decode().replace(upstream, base))
            if "conformsTo" in document:
                document["conformsTo"].append(extra)
            payload = json.dumps(document).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield base, searches
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("extension", "sent"),
    [
        ("query", {"query": {"eo:cloud_cover": {"lte": 20.0}}}),
        (
            "filter",
            {
                "filter": {"op": "<=", "args": [{"property": "eo:cloud_cover"}, 20.0]},
                "filter-lang": "cql2-json",
            },
        ),
    ],
)
def test_a_server_declaring_query_or_filter_is_sent_the_cloud_filter(stac_url, extension, sent) -> None:
    with _conformance_proxy(stac_url, extension) as (url, searches):
        scenes = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", max_cloud=20, catalog=url)
    assert _ids(scenes) == ["s2-0", "landsat-1", "s2-1", "s2-2"]
    by_sensor = {tuple(body["collections"]): body for body in searches}
    assert set(by_sensor) == {
        ("sentinel-2-c1-l2a", "sentinel-2-l2a"),
        ("landsat-c2-l2", "landsat-c2l2-sr"),
        ("sentinel-1-rtc",),
    }
    for collections, body in by_sensor.items():
        radar = collections == ("sentinel-1-rtc",)
        assert {k: body.get(k) for k in sent} == ({k: None for k in sent} if radar else sent)


def test_an_unreachable_catalog_is_a_catalog_error_without_secrets() -> None:
    url = closed_port_url()
    with pytest.raises(CatalogError) as caught:
        discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", catalog=f"{url}/stac?token=s3cr3t")
    message = str(caught.value)
    assert f"{url}/stac" in message and "could not be reached" in message
    assert "s3cr3t" not in message and "token" not in message


def test_a_broken_install_says_so_not_that_the_catalog_is_wrong(stac_url, monkeypatch) -> None:
    """A plugin whose STAC library cannot be imported (a damaged install) names that problem."""
    monkeypatch.setitem(sys.modules, "pystac_client", None)  # `import pystac_client` now fails
    with pytest.raises(CatalogError, match=r"could not load its STAC client library .*reinstall the plugin"):
        discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", catalog=stac_url)


def test_a_catalog_whose_first_address_never_answers_is_searched_over_the_next(
    stac_url, monkeypatch, silent
) -> None:
    """Behind an IPv6 that drops packets, the API's name gives first an address that never
    answers: the search moves on to the next after a second, not after the 30 s timeout."""
    dead_address_first(monkeypatch, silent)
    began = time.monotonic()
    scenes = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", max_cloud=100, catalog=stac_url)
    assert "S2B_24MVV_20250731_0_L2A" in _ids(scenes)
    assert time.monotonic() - began < 10


def test_a_wrong_path_on_a_real_server_is_an_http_error(stac_url) -> None:
    with pytest.raises(CatalogError, match=r"HTTP 404\): check the catalog URL"):
        discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", catalog=f"{stac_url}/not-an-api")


class _Handler(BaseHTTPRequestHandler):
    """Answers every GET and POST with one canned response, after an optional delay."""

    status = 200
    content_type = "text/html"
    body = b"<html><body>Service temporarily unavailable</body></html>"
    delay_s = 0.0

    def do_GET(self) -> None:
        time.sleep(self.delay_s)
        self.send_response(self.status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    do_POST = do_GET

    def log_message(self, *args) -> None:
        pass


@contextmanager
def _canned_server(**answer) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), answer))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _json(document: dict) -> dict:
    return {"content_type": "application/json", "body": json.dumps(document).encode()}


# pystac-client's warning about a catalog without conformance is not shown: the error says it all.
@pytest.mark.filterwarnings("error::pystac_client.warnings.NoConformsTo")
@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ({}, "did not answer with STAC JSON"),  # an HTML page with status 200
        (_json({"hello": "world"}), "did not answer with STAC JSON"),
        (
            _json(
                {"type": "Catalog", "id": "static", "stac_version": "1.0.0", "description": "d", "links": []}
            ),
            "is not a STAC API with item search",
        ),
        ({"status": 401, **_json({"code": "Unauthorized"})}, r"refused access \(HTTP 401\)"),
    ],
)
def test_servers_that_are_not_usable_stac_apis_get_a_clear_catalog_error(answer, message) -> None:
    with _canned_server(**answer) as url, pytest.raises(CatalogError, match=message):
        discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", catalog=url)


def test_a_failing_server_is_retried_then_reported() -> None:
    started = time.monotonic()
    with (
        _canned_server(status=503) as url,
        pytest.raises(CatalogError, match=r"failed \(HTTP 503\): try again"),
    ):
        discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", catalog=url)
    assert 1.0 < time.monotonic() - started < 10  # backed off and retried, then gave up


def test_cancel_stops_a_search_stuck_on_a_slow_server_within_a_second() -> None:
    with _canned_server(delay_s=5.0) as url:
        started = time.monotonic()
        with pytest.raises(CancelledError):
            discover(
                AREA,
                "flood.coastal",
                "2025-07-01",
                "2025-07-31",
                catalog=url,
                cancel=lambda: time.monotonic() - started > 0.3,
            )
        assert time.monotonic() - started < 1.3
