"""Discovery against STAC APIs that misbehave in ways ``rustac serve`` cannot: a 429 or 503 with a
Retry-After, a ``next`` link that leads back to a page already read. And, on ``rustac serve``,
items whose asset hrefs are relative, items without a cloud cover, and Earth Search's Landsat,
whose files are only on requester-pays S3.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from firstlight_qgis.core import catalog as catalog_module
from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import best_pre_event, discover
from firstlight_qgis.core.errors import CancelledError, CatalogError
from firstlight_qgis.core.ingest import ingest_scene
from tests.conftest import STAC_FIXTURES
from tests.support.asset_server import AssetServer
from tests.support.sample import ITEM_ID, SAMPLE, copy_sample, item_of
from tests.support.stac_server import stac_api

pytestmark = pytest.mark.integration

# Inside the footprint of the real Earth Search item S2B_24MVV_20250731_0_L2A (Ceará, Brazil).
AREA = [-39.5, -4.8, -39.4, -4.7]
WHEN = ("2025-07-01", "2025-07-31")


def _fixture(name: str) -> dict:
    return json.loads((STAC_FIXTURES / name).read_text())


def _s2(item_id: str = "S2B_24MVV_20250731_0_L2A", **properties: Any) -> dict:
    item = _fixture("earthsearch_s2_l2a.json")
    item["id"] = item_id
    item["properties"].update(properties)
    return item


class _Api:
    """A STAC API on loopback: its landing page and POST /search, every page holding ``items``.
    ``faults`` answer the next searches, in order, as (status, Retry-After or None), and
    ``landing_faults`` the next reads of the landing page; ``next_link`` gives each page a ``next``
    link: "same" (back to the same page, always the same link) or "token" (a new token each time,
    the same items)."""

    def __init__(
        self,
        items: list[dict],
        faults: list[tuple[int, str | None]] = (),
        landing_faults: list[tuple[int, str | None]] = (),
        next_link: str | None = None,
    ):
        self.items, self.next_link = items, next_link
        self.faults, self.landing_faults = list(faults), list(landing_faults)
        self.requests: list[tuple[str, str]] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, document: dict, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(document).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._answer()

            def _answer(self) -> None:
                api.requests.append((self.command, self.path))
                search = self.path.startswith("/search")
                faults = api.faults if search else api.landing_faults
                if faults:
                    status, after = faults.pop(0)
                    self._send(status, {"code": "Busy"}, {"Retry-After": after} if after else None)
                elif search:
                    self._send(200, api.page())
                else:
                    self._send(200, api.landing())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def page(self) -> dict:
        links = []
        if self.next_link is not None:
            body = {"page": 0} if self.next_link == "same" else {"token": len(self.requests)}
            links.append({"rel": "next", "href": f"{self.url}/search", "method": "POST", "body": body})
        return {"type": "FeatureCollection", "features": self.items, "links": links}

    def landing(self) -> dict:
        return {
            "type": "Catalog",
            "id": "faulty",
            "stac_version": "1.0.0",
            "description": "A STAC API that misbehaves",
            "conformsTo": [
                "https://api.stacspec.org/v1.0.0/core",
                "https://api.stacspec.org/v1.0.0/item-search",
            ],
            "links": [
                {"rel": "self", "href": f"{self.url}/"},
                {"rel": "root", "href": f"{self.url}/"},
                {
                    "rel": "search",
                    "href": f"{self.url}/search",
                    "method": "POST",
                    "type": "application/geo+json",
                },
            ],
        }

    def searches(self) -> int:
        return sum(1 for _, path in self.requests if path.startswith("/search"))


@contextmanager
def _api(items: list[dict], **behaviour: Any) -> Iterator[_Api]:
    api = _Api(items, **behaviour)
    threading.Thread(target=api.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield api
    finally:
        api.server.shutdown()
        api.server.server_close()


def _search(url: str, **kwargs: Any) -> list:
    kwargs.setdefault("max_cloud", 100)  # the real item is 34.8 % cloudy
    return discover(AREA, "flood.coastal", *WHEN, catalog=url, collections=["sentinel-2-l2a"], **kwargs)


# --- a catalog that asks to wait ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "said"),
    [
        (
            (429, "3600"),
            r"is limiting requests \(HTTP 429\) and asks to wait 60 minutes; search again then\.$",
        ),
        ((503, "7200"), r"is unavailable \(HTTP 503\) and asks to wait 2 hours; search again then\.$"),
        ((429, "45"), r"is limiting requests \(HTTP 429\) and asks to wait 45 seconds; search again then\.$"),
    ],
)
def test_a_long_retry_after_stops_the_search_at_once_saying_how_long(fault, said) -> None:
    with _api([_s2()], faults=[fault] * 4) as api:
        began = time.monotonic()
        with pytest.raises(CatalogError, match=said) as caught:
            _search(api.url)
        assert time.monotonic() - began < 5
        assert api.searches() == 1  # not asked again
    assert str(caught.value).startswith(f"The STAC catalog at {api.url} ")


def test_a_retry_after_given_as_a_date_is_read_as_one() -> None:
    in_ten_minutes = formatdate(time.time() + 600, usegmt=True)
    with (
        _api([_s2()], faults=[(429, in_ten_minutes)]) as api,
        pytest.raises(CatalogError, match=r"asks to wait 10 minutes; search again then\.$"),
    ):
        _search(api.url)


def test_a_landing_page_that_asks_for_a_long_wait_is_one_sentence_too() -> None:
    with (
        _api([_s2()], landing_faults=[(429, "86400")]) as api,
        pytest.raises(CatalogError, match=r"is limiting requests \(HTTP 429\) and asks to wait 24 hours"),
    ):
        _search(api.url)
    assert api.requests == [("GET", "/")]


def test_a_short_retry_after_is_waited_for_then_the_search_goes_on() -> None:
    with _api([_s2()], faults=[(429, "1")]) as api:
        began = time.monotonic()
        scenes = _search(api.url)
        assert time.monotonic() - began >= 1.0  # it waited as asked
        assert api.searches() == 2
    assert [s.id for s in scenes] == ["S2B_24MVV_20250731_0_L2A"]


def test_a_429_without_retry_after_keeps_its_sentence() -> None:
    with (
        _api([_s2()], faults=[(429, None)] * 8) as api,
        pytest.raises(
            CatalogError, match=r"is limiting requests \(HTTP 429\): wait a minute and search again\.$"
        ),
    ):
        _search(api.url)
    assert api.searches() == 4  # the first and three retries, with backoff


def test_cancel_ends_a_wait_the_catalog_asked_for() -> None:
    longest = str(int(catalog_module.MAX_RETRY_AFTER_S))  # waited for, not given up on
    with _api([_s2()], faults=[(429, longest)]) as api:
        began = time.monotonic()
        with pytest.raises(CancelledError):
            _search(api.url, cancel=lambda: time.monotonic() - began > 0.5)
        assert time.monotonic() - began < 1.5
        time.sleep(1.0)
        assert api.searches() == 1  # the wait ended with the cancel: no request after it
        assert not [t for t in threading.enumerate() if t.name == "firstlight-stac"]


# --- a catalog whose paging goes round ----------------------------------------------------------------


def test_a_next_link_back_to_the_same_page_is_followed_once(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="firstlight_qgis.core.catalog")
    with _api([_s2()], next_link="same") as api:
        began = time.monotonic()
        scenes = _search(api.url)
        assert time.monotonic() - began < 5
        assert api.searches() == 2
    assert [s.id for s in scenes] == ["S2B_24MVV_20250731_0_L2A"]
    (warning,) = [r.getMessage() for r in caplog.records if "pages in a loop" in r.getMessage()]
    assert api.url in warning and "keeps the scenes found so far" in warning


def test_a_repeated_page_stops_even_when_its_next_link_changes(caplog) -> None:
    """A new token in each next link, but always the items of the first page."""
    caplog.set_level(logging.WARNING, logger="firstlight_qgis.core.catalog")
    with _api([_s2(), _s2("S2-second")], next_link="token") as api:
        scenes = _search(api.url, limit=10)
        assert api.searches() == 2
    assert sorted(s.id for s in scenes) == ["S2-second", "S2B_24MVV_20250731_0_L2A"]
    assert any("the same items as an earlier one" in r.getMessage() for r in caplog.records)


# --- relative asset hrefs from a STAC API -------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssetServer]:
    with AssetServer(copy_sample(tmp_path_factory.mktemp("assets") / "items")) as server:
        yield server


def test_relative_hrefs_resolve_against_the_items_self_link_and_ingest(sample_server, tmp_path) -> None:
    item = item_of(sample_server.root, ITEM_ID, "2018-12-24T13:37:00Z", href="./")
    item["links"] = [{"rel": "self", "href": sample_server.url(f"{ITEM_ID}.json")}]
    area = parse_area(SAMPLE / "area.geojson")
    with stac_api([item], tmp_path / "stac") as url:
        (scene,) = discover(area, "flood.riverine", "2018-12-01", "2018-12-31", catalog=url)
    assert scene.band_urls["blue"] == sample_server.url("blue.tif")
    assert scene.visualization_url == sample_server.url("visual.tif")
    assert not scene.catalog_is_local
    result = ingest_scene(scene, tmp_path / "out", area=area, event="flood.riverine")
    assert list(result.stack.band_mapping)[:2] == ["blue", "green"]
    assert sample_server.log(path="/blue.tif", method="GET")


@pytest.mark.parametrize(
    "links",
    [
        [],
        [{"rel": "self", "href": "./S2_sample.json"}],  # itself relative: nothing to resolve against
        [{"rel": "self", "href": "file:///etc/S2_sample.json"}],  # not the web: never a local read
    ],
    ids=["no self link", "a relative self link", "a file self link"],
)
def test_relative_hrefs_without_a_web_self_link_are_one_sentence_never_a_local_read(
    sample_server, tmp_path, monkeypatch, links
) -> None:
    """(Served by the test's own API: ``rustac serve`` gives every item a self link of its own.)"""
    item = item_of(sample_server.root, ITEM_ID, "2018-12-24T13:37:00Z", href="./")
    item["links"] = links
    monkeypatch.chdir(sample_server.root)  # where ./blue.tif would be read, were it read
    area = parse_area(SAMPLE / "area.geojson")
    sample_server.clear_log()
    with _api([item]) as api, pytest.raises(CatalogError) as caught:
        discover(
            area,
            "flood.riverine",
            "2018-12-01",
            "2018-12-31",
            catalog=api.url,
            collections=item["collection"],
        )
    assert not sample_server.log()  # nothing fetched, from the web or the disk
    message = str(caught.value)
    assert f"gives the files of scene {ITEM_ID} as relative addresses (./" in message
    assert "with no self link to resolve them against, so they cannot be fetched" in message


# --- items without a cloud cover, Earth Search's Landsat --------------------------------------------------


def test_a_scene_without_cloud_cover_is_kept_after_those_with_one(tmp_path) -> None:
    known = _s2("with-cloud-cover", **{"eo:cloud_cover": 25.0})
    unknown = _s2("without-cloud-cover", datetime="2025-07-31T14:00:00Z")  # newer, but unknown
    del unknown["properties"]["eo:cloud_cover"]
    cloudy = _s2("too-cloudy", **{"eo:cloud_cover": 60.0})
    with stac_api([known, unknown, cloudy], tmp_path / "stac") as url:
        scenes = _search(url, max_cloud=30)
        alone = discover(AREA, "flood.coastal", *WHEN, max_cloud=0, catalog=url)
    assert [(s.id, s.cloud_cover) for s in scenes] == [
        ("with-cloud-cover", 25.0),
        ("without-cloud-cover", None),
    ]
    assert [s.id for s in alone] == ["without-cloud-cover"]  # max 0 %: only the unknown one is left


def test_earth_search_landsat_is_ranked_after_a_fetchable_scene_and_shown_as_missing(tmp_path) -> None:
    landsat = _fixture("earthsearch_landsat_c2l2.json")  # 0.06 % cloud, all on s3://usgs-landsat
    s2 = _fixture("earthsearch_s2_l2a.json")  # 34.8 % cloud, https COGs
    landsat.update(geometry=s2["geometry"], bbox=s2["bbox"])
    landsat["properties"]["datetime"] = "2025-07-30T13:00:00Z"
    with stac_api([landsat, s2], tmp_path / "stac") as url:
        scenes = discover(AREA, "flood.coastal", *WHEN, max_cloud=50, catalog=url)
    assert [(s.id, s.priority) for s in scenes] == [(s2["id"], 1), (landsat["id"], 2)]
    assert scenes[0].missing_bands == []
    assert scenes[1].missing_bands == ["blue", "green", "red", "nir08", "swir16", "swir22"]
    assert all(href.startswith("s3://") for href in scenes[1].band_urls.values())  # kept, for the record
    flood = copy.deepcopy(scenes[1])
    flood.id, flood.datetime = "after", "2025-08-15T13:00:00Z"
    assert best_pre_event(scenes, flood).id == s2["id"]  # the one that can be fetched
