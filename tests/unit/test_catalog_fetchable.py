"""What discovery does with scenes it cannot fetch whole (Earth Search's Landsat, on requester-pays
S3 only), with items that give no cloud cover, with relative asset hrefs from an API, with a
catalog's paging that goes round, and how it words a catalog's request to wait. No server needed:
``tests/integration/test_discover_faults.py`` meets the same over HTTP."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path

import pytest

from firstlight_qgis.core import catalog as catalog_module
from firstlight_qgis.core.bands import LANDSAT, SENTINEL2
from firstlight_qgis.core.catalog import (
    DEFAULT_COLLECTIONS,
    EARTH_SEARCH_URL,
    PLANETARY_COMPUTER_URL,
    best_pre_event,
    discover,
    rank,
    scene_from_item,
)
from firstlight_qgis.core.download import source_of
from firstlight_qgis.core.errors import DownloadError
from firstlight_qgis.core.ingest import IngestOptions, ingest_scene
from tests.conftest import STAC_FIXTURES

AREA = [10.0, 10.0, 10.2, 10.2]
FULL = (9.5, 9.5, 10.5, 10.5)
HALF = (10.1, 9.5, 10.5, 10.5)  # covers the east half of AREA
ES_LANDSAT = "earthsearch_landsat_c2l2.json"
LANDSAT_BANDS = ["blue", "green", "red", "nir08", "swir16", "swir22"]


def _item(name: str) -> dict:
    return json.loads((STAC_FIXTURES / name).read_text())


def _variant(
    name: str, item_id: str, bbox=FULL, when="2025-07-01T10:00:00Z", cloud: float | None = 10.0
) -> dict:
    minx, miny, maxx, maxy = bbox
    item = _item(name)
    item.update(
        id=item_id,
        bbox=list(bbox),
        geometry={
            "type": "Polygon",
            "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]],
        },
    )
    item["properties"]["datetime"] = when
    item["properties"].pop("eo:cloud_cover", None)
    if cloud is not None:
        item["properties"]["eo:cloud_cover"] = cloud
    return item


def _catalog(tmp_path: Path, *items: dict) -> Path:
    path = tmp_path / "items.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(items)}))
    return path


# --- Earth Search's Landsat: every band on requester-pays S3 -------------------------------------------


def test_earth_search_is_not_searched_for_landsat_by_default_planetary_computer_is() -> None:
    assert LANDSAT not in DEFAULT_COLLECTIONS[EARTH_SEARCH_URL]
    assert DEFAULT_COLLECTIONS[EARTH_SEARCH_URL][SENTINEL2] == ("sentinel-2-l2a",)
    assert DEFAULT_COLLECTIONS[PLANETARY_COMPUTER_URL][LANDSAT] == ("landsat-c2-l2",)


def test_bands_only_on_requester_pays_s3_are_missing_yet_keep_their_hrefs() -> None:
    item = _item(ES_LANDSAT)
    scene = scene_from_item(item)
    assert scene.missing_bands == LANDSAT_BANDS
    assert list(scene.band_urls) == LANDSAT_BANDS
    assert scene.band_urls["blue"] == item["assets"]["blue"]["href"]
    # One band given an https alternate (as Earth Search does for Sentinel-2's twins): fetchable.
    item["assets"]["red"]["alternate"] = {"https": {"href": "https://example.org/SR_B4.TIF"}}
    scene = scene_from_item(item)
    assert scene.band_urls["red"] == "https://example.org/SR_B4.TIF"
    assert scene.missing_bands == ["blue", "green", "nir08", "swir16", "swir22"]


def test_a_scene_that_cannot_be_fetched_ranks_after_every_one_that_can(tmp_path) -> None:
    path = _catalog(
        tmp_path,
        _variant(ES_LANDSAT, "landsat-clear-unfetchable", cloud=0.1),
        _variant("earthsearch_s2_l2a.json", "s2-cloudy", cloud=29),
        _variant("earthsearch_s2_l2a.json", "s2-half", bbox=HALF, cloud=5),
    )
    scenes = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-01", catalog=path)
    assert [(s.id, s.priority) for s in scenes] == [
        ("s2-cloudy", 1),
        ("s2-half", 2),
        ("landsat-clear-unfetchable", 3),
    ]
    assert [s.id for s in rank(scenes, (LANDSAT, SENTINEL2), 1)] == ["s2-cloudy"]  # a BEST_N of 1


def test_the_scene_before_the_event_is_one_that_can_be_fetched(tmp_path) -> None:
    path = _catalog(
        tmp_path,
        _variant(ES_LANDSAT, "landsat-latest-clear-unfetchable", when="2025-06-29T10:00:00Z", cloud=1),
        _variant("usgs_landsat_c2l2_sr.json", "landsat-earlier-clear", when="2025-06-10T10:00:00Z", cloud=2),
    )
    found = discover(AREA, "flood.coastal", "2025-06-01", "2025-06-30", catalog=path)
    flood = scene_from_item(_variant("usgs_landsat_c2l2_sr.json", "flood", when="2025-07-01T10:00:00Z"))
    assert best_pre_event(found, flood).id == "landsat-earlier-clear"
    # Only unfetchable ones found: the best of them (the ingest then says why it cannot).
    alone = [s for s in found if s.missing_bands]
    assert best_pre_event(alone, flood).id == "landsat-latest-clear-unfetchable"


@pytest.mark.parametrize(
    "options",
    [IngestOptions(), IngestOptions(skip_validation=True), IngestOptions(clip_to_area=False)],
    ids=["default", "skip validation", "whole files"],
)
def test_the_ingest_says_once_that_the_bands_are_on_requester_pays_s3(tmp_path, options) -> None:
    scene = scene_from_item(_variant(ES_LANDSAT, "LC08_unfetchable"), catalog="https://x.example/stac")
    with pytest.raises(DownloadError) as caught:
        ingest_scene(scene, tmp_path / "out", area=AREA, event="flood.coastal", options=options)
    message = str(caught.value)
    assert message.startswith(  # what a flood reads (NDWI, MNDWI) and the cloud mask
        "Bands green, nir08, swir16 and qa_pixel of scene LC08_unfetchable are only "
        "available from requester-pays Amazon S3 (s3://usgs-landsat/"
    )
    assert " and 3 more), which needs paid AWS credentials; search a catalog that serves them" in message
    assert message.endswith("over https, such as Planetary Computer.")
    assert message.count("requester-pays") == 1 and "again" not in message
    assert "Earth Search" not in message  # where the scene came from: no use suggesting it


def test_one_band_on_s3_names_the_catalogs_that_serve_such_data_over_https() -> None:
    with pytest.raises(DownloadError, match=r"such as Earth Search or Planetary Computer\.$"):
        source_of("blue", "s3://sentinel-s2-l2a/tiles/24/M/VV/B02.jp2", allow_local=False)
    with pytest.raises(DownloadError, match=r"^Band blue is only available .* such as Planetary Computer\.$"):
        source_of("blue", "s3://usgs-landsat/collection02/SR_B2.TIF", allow_local=False)


# --- no cloud cover ---------------------------------------------------------------------------------------


def test_a_scene_without_cloud_cover_is_kept_under_any_maximum_and_ranked_after(tmp_path) -> None:
    s2 = "earthsearch_s2_l2a.json"
    path = _catalog(
        tmp_path,
        _variant(s2, "unknown-newest", when="2025-07-03T10:00:00Z", cloud=None),
        _variant(s2, "known", when="2025-07-01T10:00:00Z", cloud=20),
        _variant(s2, "too-cloudy", when="2025-07-02T10:00:00Z", cloud=40),
    )
    scenes = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-03", max_cloud=30, catalog=path)
    assert [(s.id, s.cloud_cover) for s in scenes] == [("known", 20), ("unknown-newest", None)]
    nothing_known = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-03", max_cloud=0, catalog=path)
    assert [s.id for s in nothing_known] == ["unknown-newest"]


# --- relative hrefs of an API's item ----------------------------------------------------------------------


def _relative_item(links: list[dict]) -> dict:
    item = _item("earthsearch_s2_l2a.json")
    item["links"] = links
    item["assets"]["blue"]["href"] = "./B02.tif"
    item["assets"]["green"]["href"] = "../other/B03.tif"
    item["assets"]["red"]["href"] = "/data/B04.tif"
    item["assets"]["nir"]["href"] = "C:\\data\\B08.tif"  # a Windows path: not relative, refused later
    item["assets"]["swir16"]["alternate"] = {"mirror": {"href": "mirror/B11.tif"}}
    return item


def test_an_api_items_relative_hrefs_resolve_against_its_self_link() -> None:
    self_link = {"rel": "self", "href": "https://stac.example/collections/s2/items/x.json"}
    item = _relative_item([{"rel": "root", "href": "https://stac.example/"}, self_link])
    resolved = catalog_module._resolved_hrefs(item)
    assets = resolved["assets"]
    assert assets["blue"]["href"] == "https://stac.example/collections/s2/items/B02.tif"
    assert assets["green"]["href"] == "https://stac.example/collections/s2/other/B03.tif"
    assert assets["red"]["href"] == "https://stac.example/data/B04.tif"
    assert assets["nir"]["href"] == "C:\\data\\B08.tif"
    assert (
        assets["swir16"]["alternate"]["mirror"]["href"]
        == "https://stac.example/collections/s2/items/mirror/B11.tif"
    )
    assert assets["swir22"]["href"] == item["assets"]["swir22"]["href"]  # absolute: kept
    assert item["assets"]["blue"]["href"] == "./B02.tif"  # the item given is not changed


@pytest.mark.parametrize(
    "links",
    [[], [{"rel": "self", "href": "items/x.json"}], [{"rel": "self", "href": "file:///srv/x.json"}]],
    ids=["none", "relative", "file"],
)
def test_without_a_web_self_link_relative_hrefs_stay_relative(links) -> None:
    item = _relative_item(links)
    assert catalog_module._resolved_hrefs(item) is item


# --- paging that goes round ---------------------------------------------------------------------------------


class _Pages:
    """An iterator of result pages that counts how many were asked for."""

    def __init__(self, pages: list[dict]) -> None:
        self.pages, self.asked = pages, 0

    def __iter__(self) -> _Pages:
        return self

    def __next__(self) -> dict:
        self.asked += 1
        if self.asked > len(self.pages):
            raise StopIteration
        return copy.deepcopy(self.pages[self.asked - 1])


def _page(ids: list[str], next_body: dict | None) -> dict:
    links = (
        [{"rel": "next", "href": "https://x/search", "method": "POST", "body": next_body}]
        if next_body
        else []
    )
    return {"features": [{"id": i} for i in ids], "links": links}


def test_paging_stops_at_a_next_link_already_followed(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="firstlight_qgis.core.catalog")
    pages = _Pages(
        [_page(["a"], {"page": 1}), _page(["b"], {"page": 2}), _page(["c"], {"page": 1})]
        + [_page(["x"], None)] * 5
    )
    items = list(catalog_module._page_items(pages, "https://x", None))
    assert [i["id"] for i in items] == ["a", "b", "c"]
    assert pages.asked == 3  # the page the repeated link leads to is not asked for again
    assert "its next link leads back to a page already read" in caplog.text


def test_paging_stops_at_a_page_of_items_already_read(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="firstlight_qgis.core.catalog")
    pages = _Pages(
        [_page(["a", "b"], {"token": 1}), _page(["c"], {"token": 2}), _page(["a", "b"], {"token": 3})] * 3
    )
    items = list(catalog_module._page_items(pages, "https://x", None))
    assert [i["id"] for i in items] == ["a", "b", "c"]
    assert pages.asked == 3
    assert "a page holds the same items as an earlier one" in caplog.text


def test_a_page_of_the_same_id_in_another_collection_is_no_loop(caplog) -> None:
    """Two collections may hold one id (the collector keeps both): a page is judged by both."""
    first, second = _page(["a"], {"page": 1}), _page(["a"], {"page": 2})
    second["features"][0]["collection"] = "landsat-c2-l2"
    pages = _Pages([first, second, _page(["b"], None)])
    assert [i["id"] for i in catalog_module._page_items(pages, "https://x", None)] == ["a", "a", "b"]
    assert "loop" not in caplog.text


def test_paging_without_a_loop_reads_every_page(caplog) -> None:
    pages = _Pages([_page(["a"], {"page": 1}), _page(["b"], {"page": 2}), _page(["c"], None)])
    assert [i["id"] for i in catalog_module._page_items(pages, "https://x", None)] == ["a", "b", "c"]
    assert "loop" not in caplog.text


# --- a catalog's request to wait --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (31, "31 seconds"),
        (45.2, "46 seconds"),
        (120, "2 minutes"),
        (3600, "60 minutes"),
        (7200, "2 hours"),
        (86400, "24 hours"),
        (3 * 86400, "3 days"),
    ],
)
def test_a_wait_is_said_in_words(seconds, words) -> None:
    assert catalog_module._duration(seconds) == words
