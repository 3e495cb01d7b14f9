"""Scenes from real catalog items, and discovery over local catalogs (no server needed)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from firstlight_qgis.core import catalog as catalog_module
from firstlight_qgis.core.bands import LANDSAT, SENTINEL1, SENTINEL2
from firstlight_qgis.core.catalog import Scene, best_pre_event, discover, same_view, scene_from_item
from firstlight_qgis.core.errors import BandResolutionError, CancelledError, CatalogError, InputError
from tests.conftest import STAC_FIXTURES

AREA = [10.0, 10.0, 10.2, 10.2]
FULL = (9.5, 9.5, 10.5, 10.5)
HALF = (10.1, 9.5, 10.5, 10.5)  # covers the east half of AREA
ELSEWHERE = (50.0, 50.0, 51.0, 51.0)


def _item(name: str) -> dict:
    return json.loads((STAC_FIXTURES / name).read_text())


def _polygon(bbox: tuple[float, float, float, float]) -> dict:
    minx, miny, maxx, maxy = bbox
    return {
        "type": "Polygon",
        "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]],
    }


def _variant(
    name: str, item_id: str, bbox=FULL, when="2025-07-01T10:00:00Z", cloud: float | None = 10.0, **props
) -> dict:
    """A real item moved over ``bbox``, at another date and cloud cover, ``props`` changed."""
    item = _item(name)
    item.update(id=item_id, bbox=list(bbox), geometry=_polygon(bbox))
    item["properties"].update({key.replace("__", ":"): value for key, value in props.items()})
    for key in ("datetime", "start_datetime", "end_datetime"):
        if key == "datetime" or key in item["properties"]:
            item["properties"][key] = when
    item["properties"].pop("eo:cloud_cover", None)
    if cloud is not None:
        item["properties"]["eo:cloud_cover"] = cloud
    return item


def _relative_hrefs(item: dict) -> dict:
    for key, asset in item["assets"].items():
        asset["href"] = f"./{key}.tif"
    return item


def _write(path: Path, document: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document))
    return path


def _item_collection(path: Path, items: list) -> Path:
    return _write(path, {"type": "FeatureCollection", "features": items})


# --- scene_from_item on every real item ---------------------------------------------------------------

FIXTURE_BANDS = [
    (
        "earthsearch_s2_l2a.json",
        SENTINEL2,
        ["blue", "green", "red", "nir", "swir16", "swir22"],
        "scl",
        1e-4,
        0.0,
    ),
    (
        "earthsearch_s2_c1_l2a.json",
        SENTINEL2,
        ["blue", "green", "red", "nir", "swir16", "swir22"],
        "scl",
        1e-4,
        -0.1,
    ),
    ("pc_s2_l2a.json", SENTINEL2, ["B02", "B03", "B04", "B08", "B11", "B12"], "SCL", 1e-4, -0.1),
    (
        "earthsearch_landsat_c2l2.json",
        LANDSAT,
        ["blue", "green", "red", "nir08", "swir16", "swir22"],
        "qa_pixel",
        2.75e-05,
        -0.2,
    ),
    (
        "usgs_landsat_c2l2_sr.json",
        LANDSAT,
        ["blue", "green", "red", "nir08", "swir16", "swir22"],
        "qa_pixel",
        2.75e-05,
        -0.2,
    ),
    ("pc_s1_rtc.json", SENTINEL1, ["vv", "vh"], None, 1.0, 0.0),
]


@pytest.mark.parametrize(("name", "sensor", "keys", "mask", "scale", "offset"), FIXTURE_BANDS)
def test_every_real_item_becomes_a_scene_with_its_bands_in_canonical_order(
    name, sensor, keys, mask, scale, offset
) -> None:
    item = _item(name)
    scene = scene_from_item(item)
    assert scene.id == item["id"] and scene.source == sensor and scene.collection == item["collection"]
    assert list(scene.band_urls) == list(scene.assets)
    assert [scene.assets[b].key for b in scene.assets] == keys
    assert list(scene.band_urls.values()) == [item["assets"][k]["href"] for k in keys]
    # Earth Search's Landsat is on requester-pays S3 only: every band is there but unfetchable.
    assert scene.missing_bands == (list(scene.assets) if name == "earthsearch_landsat_c2l2.json" else [])
    assert (scene.mask_asset.key if scene.mask_asset else None) == mask
    for asset in scene.assets.values():
        assert asset.scale == pytest.approx(scale) and asset.offset == pytest.approx(offset)
    assert scene.cloud_cover == item["properties"].get("eo:cloud_cover")
    assert scene.datetime == item["properties"]["datetime"]
    assert scene.bbox == tuple(item["bbox"])
    assert scene.resolution_m == (30.0 if sensor == LANDSAT else 10.0)
    assert scene.item == item and scene.item is not item
    assert scene.coverage_percent is None and scene.priority == 1


def test_earth_search_takes_the_https_cogs_never_the_jp2_or_requester_pays_twins() -> None:
    scene = scene_from_item(_item("earthsearch_s2_l2a.json"))
    hrefs = [*scene.band_urls.values(), scene.mask_asset.href, scene.visualization_url]
    assert all(h.startswith("https://sentinel-cogs.") and h.endswith(".tif") for h in hrefs)
    assert not any(a.key.endswith("-jp2") for a in scene.assets.values())


def test_planetary_computer_b8a_is_not_taken_for_nir() -> None:
    scene = scene_from_item(_item("pc_s2_l2a.json"))
    assert scene.assets["nir"].key == "B08"
    assert scene.band_urls["nir"].endswith("_B08_10m.tif")


def test_size_is_the_sum_of_file_sizes_only_when_every_band_has_one() -> None:
    c1 = _item("earthsearch_s2_c1_l2a.json")
    keys = ["blue", "green", "red", "nir", "swir16", "swir22"]
    assert scene_from_item(c1).size_bytes == sum(c1["assets"][k]["file:size"] for k in keys)
    s1 = _item("pc_s1_rtc.json")
    assert scene_from_item(s1).size_bytes == s1["assets"]["vv"]["file:size"] + s1["assets"]["vh"]["file:size"]
    del c1["assets"]["red"]["file:size"]
    assert scene_from_item(c1).size_bytes is None
    assert scene_from_item(_item("earthsearch_s2_l2a.json")).size_bytes is None


def test_checksums_travel_with_the_assets() -> None:
    c1 = _item("earthsearch_s2_c1_l2a.json")
    scene = scene_from_item(c1)
    assert scene.assets["blue"].file_checksum == c1["assets"]["blue"]["file:checksum"]


def test_url_visual_and_thumbnail() -> None:
    es = scene_from_item(_item("earthsearch_s2_l2a.json"))
    assert es.url == es.band_urls["blue"]
    assert es.visualization_url.endswith("/TCI.tif")
    assert es.thumbnail_url.endswith("/preview.jpg")
    pc = scene_from_item(_item("pc_s2_l2a.json"))
    assert pc.visualization_url.endswith("_TCI_10m.tif")
    assert "format=png" in pc.thumbnail_url  # the rendered PNG, not the PVI GeoTIFF
    landsat = scene_from_item(_item("earthsearch_landsat_c2l2.json"))
    assert landsat.thumbnail_url.startswith("https://")  # the API link, not the s3:// asset
    s1 = scene_from_item(_item("pc_s1_rtc.json"))
    assert s1.url == s1.band_urls["vv"] and s1.visualization_url is None


def test_a_scene_round_trips_through_json() -> None:
    for name, *_ in FIXTURE_BANDS:
        scene = scene_from_item(_item(name), catalog="https://example.test/stac")
        scene.area_cloud_percent = 12.5
        restored = Scene.from_dict(json.loads(json.dumps(scene.to_dict())))
        assert restored == scene


def test_a_scenes_file_written_before_the_cloud_over_the_area_still_reads() -> None:
    written = scene_from_item(_item("earthsearch_s2_l2a.json")).to_dict()
    del written["area_cloud_percent"]
    scene = Scene.from_dict(written)
    assert scene.area_cloud_percent is None and scene.cloud == scene.cloud_cover


def test_coverage_is_filled_when_an_area_is_given() -> None:
    item = _variant("earthsearch_s2_l2a.json", "half", bbox=HALF)
    from firstlight_qgis.core.area import parse_area

    assert scene_from_item(item, area=parse_area(AREA)).coverage_percent == pytest.approx(50, abs=0.1)


def _stac_11_copernicus_style(item: dict) -> dict:
    """A STAC 1.1 item in the Copernicus Data Space style: B02_10m, B02_20m, ... with ``bands``."""
    item = copy.deepcopy(item)
    item["stac_version"] = "1.1.0"
    assets: dict = {}
    for key, asset in item["assets"].items():
        entries = asset.pop("eo:bands", None)
        if not entries or len(entries) != 1 or not key.startswith("B"):
            continue
        native = int(asset.get("gsd", 10))
        for resolution in (10, 20, 60):
            if resolution < native:
                continue
            copy_ = {
                k: v
                for k, v in asset.items()
                if k not in ("gsd", "proj:shape", "proj:transform", "proj:bbox")
            }
            copy_["href"] = asset["href"].replace(".tif", f"_{resolution}m.tif")
            copy_["bands"] = [{"name": key, "eo:common_name": entries[0].get("common_name")}]
            assets[f"{key}_{resolution}m"] = copy_
    item["assets"] = dict(reversed(list(assets.items())))  # coarse first: order must not decide
    return item


def test_a_stac_1_1_item_with_copernicus_keys_resolves_to_the_finest_assets() -> None:
    item = _stac_11_copernicus_style(_item("pc_s2_l2a.json"))
    assert "B02_20m" in item["assets"] and "eo:bands" not in item["assets"]["B02_10m"]
    scene = scene_from_item(item)
    keys = {band: asset.key for band, asset in scene.assets.items()}
    assert keys == {
        "blue": "B02_10m",
        "green": "B03_10m",
        "red": "B04_10m",
        "nir": "B08_10m",
        "swir16": "B11_20m",
        "swir22": "B12_20m",
    }
    assert scene.resolution_m == 10.0 and scene.missing_bands == []


def test_an_item_of_unknown_origin_is_matched_to_the_sensor_its_bands_fit() -> None:
    item = _item("pc_s2_l2a.json")
    item["id"] = "scene-1"
    for key in ("collection",):
        item.pop(key)
    for key in ("platform", "constellation"):
        item["properties"].pop(key)
    scene = scene_from_item(item)
    assert scene.source == SENTINEL2 and scene.assets["nir"].key == "B08"


def test_missing_bands_are_listed_and_url_falls_back_to_visual() -> None:
    item = _item("earthsearch_s2_l2a.json")
    for key in ("blue", "blue-jp2", "swir22", "swir22-jp2"):
        del item["assets"][key]
    scene = scene_from_item(item)
    assert scene.missing_bands == ["blue", "swir22"]
    assert list(scene.band_urls) == ["green", "red", "nir", "swir16"]
    assert scene.url == scene.visualization_url


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ([1, 2], "got a list"),
        ("S2A_x", "got a str"),
        ({"type": "Feature", "assets": {"a": {"href": "x"}}}, "without an id"),
        ({"type": "Feature", "id": "x"}, "x has no assets"),
        ({"type": "Feature", "id": "x", "assets": {}}, "x has no assets"),
        ({"type": "Feature", "id": "x", "assets": []}, "x has no assets"),
    ],
)
def test_a_malformed_item_is_a_catalog_error(item, message) -> None:
    with pytest.raises(CatalogError, match=message):
        scene_from_item(item)


def test_an_item_without_usable_bands_says_which_sensor_and_bands() -> None:
    item = _item("earthsearch_s2_l2a.json")
    item["assets"] = {"thumbnail": item["assets"]["thumbnail"], "scl": item["assets"]["scl"]}
    with pytest.raises(
        BandResolutionError, match=r"S2B_24MVV_20250731_0_L2A carries none of the Sentinel-2 bands"
    ):
        scene_from_item(item)
    unknown = {
        "type": "Feature",
        "id": "modis-1",
        "properties": {},
        "assets": {"LST": {"href": "https://x/l.tif"}},
    }
    with pytest.raises(BandResolutionError, match=r"modis-1 is not from a sensor FirstLight reads"):
        scene_from_item(unknown)


def test_a_footprint_that_is_not_geojson_is_a_catalog_error() -> None:
    from firstlight_qgis.core.area import parse_area

    item = _item("earthsearch_s2_l2a.json")
    item["geometry"] = {"type": "Polygon", "coordinates": "broken"}
    with pytest.raises(CatalogError, match="unreadable footprint"):
        scene_from_item(item, area=parse_area(AREA))


# --- discover: input validation (fails before any network access) ------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "2025-07-02", "end": "2025-07-01"}, "start date 2025-07-02 is after the end date"),
        ({"start": "01/07/2025"}, "Cannot read the start date"),
        ({"end": ""}, "end date is missing"),
        ({"max_cloud": -1}, "not a percentage"),
        ({"max_cloud": 100.5}, "not a percentage"),
        ({"max_cloud": float("nan")}, "not a percentage"),
        ({"max_cloud": "30"}, "not a percentage"),
        ({"limit": 0}, "limit 0 is not a positive whole number"),
        ({"page_size": 0}, "page_size 0 is not a positive whole number"),
        ({"event": "flood.tsunami"}, "Unknown event 'flood.tsunami'"),
        ({"area": [0, 0, 0, 0]}, "has no area"),
        ({"catalog": ""}, "No catalog given"),
    ],
)
def test_discover_rejects_bad_input_with_one_clear_sentence(kwargs, message) -> None:
    arguments = {
        "area": AREA,
        "event": "flood.coastal",
        "start": "2025-07-01",
        "end": "2025-07-31",
        "catalog": "http://127.0.0.1:9/never-contacted",
    }
    arguments.update(kwargs)
    with pytest.raises(InputError, match=message):
        discover(**arguments)


# --- discover over local catalogs ---------------------------------------------------------------------


# A Landsat item FirstLight can fetch (https hrefs): Earth Search's are on requester-pays S3 only.
LANDSAT_HTTPS = "usgs_landsat_c2l2_sr.json"


def _ranking_items() -> list[dict]:
    s2, landsat, s1 = "earthsearch_s2_l2a.json", LANDSAT_HTTPS, "pc_s1_rtc.json"
    return [
        _variant(s2, "A", when="2025-07-01T10:00:00Z", cloud=10),
        _variant(s2, "B", when="2025-06-01T10:00:00Z", cloud=5),
        _variant(landsat, "C", when="2025-06-01T10:00:00Z", cloud=5),
        _variant(s2, "D", bbox=HALF, when="2025-07-10T10:00:00Z", cloud=0),
        _variant(s1, "E", when="2025-07-05T10:00:00Z", cloud=None),
        _variant(s2, "F", when="2025-06-15T10:00:00Z", cloud=5),
        _variant(s2, "G-cloudy", when="2025-06-20T10:00:00Z", cloud=50),
        _variant(s2, "H-elsewhere", bbox=ELSEWHERE, when="2025-06-20T10:00:00Z", cloud=1),
        _variant(s2, "I-last-year", when="2024-06-20T10:00:00Z", cloud=1),
        _variant(s2, "J-optical-without-cloud-cover", when="2025-06-20T10:00:00Z", cloud=None),
    ]


def test_local_item_collection_ranks_coverage_cloud_date_then_sensor(tmp_path) -> None:
    path = _item_collection(tmp_path / "items.json", _ranking_items())
    scenes = discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", max_cloud=30, catalog=str(path))
    # J has no cloud cover: kept under max_cloud, after every scene of as much coverage with one.
    assert [s.id for s in scenes] == ["F", "B", "C", "A", "E", "J-optical-without-cloud-cover", "D"]
    assert [s.priority for s in scenes] == [1, 2, 3, 4, 5, 6, 7]
    assert [s.coverage_percent for s in scenes] == pytest.approx([100, 100, 100, 100, 100, 100, 50], abs=0.1)
    assert all(s.catalog == str(path) and s.catalog_is_local for s in scenes)


def test_limit_keeps_the_best_and_events_keep_their_sensors(tmp_path) -> None:
    path = _item_collection(tmp_path / "items.json", _ranking_items())
    best_two = discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", catalog=path, limit=2)
    assert [(s.id, s.priority) for s in best_two] == [("F", 1), ("B", 2)]
    burn = discover(AREA, "wildfire.burn_scar", "2025-01-01", "2025-12-31", catalog=path)
    assert "E" not in [s.id for s in burn]  # no radar for burn scars
    landsat_only = discover(
        AREA, "flood.coastal", "2025-01-01", "2025-12-31", catalog=path, collections=["landsat-c2l2-sr"]
    )
    assert [s.id for s in landsat_only] == ["C"]


def test_radar_ranks_after_a_clear_optical_scene_and_before_a_cloudy_one(tmp_path) -> None:
    """Radar sees through cloud: it ranked as "cloud unknown", after an optical scene 50 % cloudy
    (the flood's only clear view second). It ranks as 30 % cloud: after A (10 %), before G (50 %)."""
    path = _item_collection(tmp_path / "items.json", _ranking_items())
    scenes = discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", max_cloud=100, catalog=path)
    order = [s.id for s in scenes]
    assert order.index("A") < order.index("E") < order.index("G-cloudy")


def test_max_cloud_100_keeps_cloudy_and_unknown_cloud_cover(tmp_path) -> None:
    path = _item_collection(tmp_path / "items.json", _ranking_items())
    ids = {
        s.id for s in discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", max_cloud=100, catalog=path)
    }
    assert ids == {"A", "B", "C", "D", "E", "F", "G-cloudy", "J-optical-without-cloud-cover"}


def test_dates_are_whole_days_inclusive(tmp_path) -> None:
    path = _item_collection(tmp_path / "items.json", _ranking_items())
    scenes = discover(AREA, "flood.coastal", "2025-06-01", "2025-06-15", catalog=path)
    assert [s.id for s in scenes] == ["F", "B", "C"]


def test_an_area_that_touches_nothing_finds_nothing(tmp_path) -> None:
    path = _item_collection(tmp_path / "items.json", _ranking_items())
    assert (
        discover([-150, -30, -149.9, -29.9], "flood.coastal", "2025-01-01", "2025-12-31", catalog=path) == []
    )


def test_item_collection_hrefs_become_absolute_paths(tmp_path) -> None:
    item = _relative_hrefs(_variant("earthsearch_s2_l2a.json", "local-1"))
    path = _item_collection(tmp_path / "catalog" / "items.json", [item])
    (scene,) = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-01", catalog=f"file://{path}")
    assert scene.band_urls["blue"] == str(tmp_path / "catalog" / "blue.tif")
    assert scene.mask_asset.href == str(tmp_path / "catalog" / "scl.tif")
    assert scene.item["assets"]["nir"]["href"] == str(tmp_path / "catalog" / "nir.tif")
    assert scene.catalog_is_local


def test_a_catalog_json_tree_with_relative_links(tmp_path) -> None:
    root = tmp_path / "stac"
    _write(
        root / "catalog.json",
        {
            "type": "Catalog",
            "id": "root",
            "stac_version": "1.0.0",
            "description": "test",
            "links": [
                {"rel": "child", "href": "./s2/collection.json"},
                {"rel": "root", "href": "./catalog.json"},
            ],
        },
    )
    item_links = []
    for item_id in ("tree-1", "tree-2"):
        item = _relative_hrefs(_variant("earthsearch_s2_l2a.json", item_id))
        _write(root / "s2" / item_id / f"{item_id}.json", item)
        item_links.append({"rel": "item", "href": f"./{item_id}/{item_id}.json"})
    _write(
        root / "s2" / "collection.json",
        {
            "type": "Collection",
            "id": "sentinel-2-l2a",
            "links": [*item_links, {"rel": "parent", "href": "../catalog.json"}],
        },
    )
    for catalog in (root / "catalog.json", root):  # the file, or the folder holding it
        scenes = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-01", catalog=catalog)
        assert sorted(s.id for s in scenes) == ["tree-1", "tree-2"]
        for scene in scenes:
            assert scene.band_urls["swir16"] == str(root / "s2" / scene.id / "swir16.tif")


def test_a_folder_of_item_files_and_a_single_item_file(tmp_path) -> None:
    for item_id in ("loose-1", "loose-2"):
        _write(tmp_path / "items" / f"{item_id}.json", _variant("earthsearch_s2_l2a.json", item_id))
    _write(tmp_path / "items" / "notes.json", {"not": "stac"})
    (tmp_path / "items" / "broken.json").write_text("{")
    scenes = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-01", catalog=tmp_path / "items")
    assert sorted(s.id for s in scenes) == ["loose-1", "loose-2"]
    single = discover(
        AREA, "flood.coastal", "2025-07-01", "2025-07-01", catalog=tmp_path / "items" / "loose-1.json"
    )
    assert [s.id for s in single] == ["loose-1"]


def test_duplicate_items_are_listed_once(tmp_path) -> None:
    item = _variant("earthsearch_s2_l2a.json", "twice")
    path = _item_collection(tmp_path / "items.json", [item, copy.deepcopy(item)])
    assert [s.id for s in discover(AREA, "flood.coastal", "2025-07-01", "2025-07-01", catalog=path)] == [
        "twice"
    ]


def test_malformed_items_are_skipped_but_an_all_bad_catalog_says_why(tmp_path) -> None:
    good = _variant("earthsearch_s2_l2a.json", "good")
    bandless = _variant("earthsearch_s2_l2a.json", "bandless")
    bandless["assets"] = {"thumbnail": bandless["assets"]["thumbnail"]}
    mixed = _item_collection(tmp_path / "mixed.json", [good, {"type": "Feature"}, bandless])
    assert [s.id for s in discover(AREA, "flood.coastal", "2025-07-01", "2025-07-01", catalog=mixed)] == [
        "good"
    ]
    bad = _item_collection(tmp_path / "bad.json", [bandless])
    with pytest.raises(BandResolutionError, match=r"1 scene\(s\) were found but none can be used.*bandless"):
        discover(AREA, "flood.coastal", "2025-07-01", "2025-07-01", catalog=bad)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "Cannot read the catalog file"),
        (json.dumps({"hello": "world"}), "is not a STAC catalog, collection, ItemCollection or item"),
    ],
)
def test_a_local_file_that_is_not_stac_is_a_catalog_error(tmp_path, content, message) -> None:
    path = tmp_path / "catalog.json"
    path.write_text(content)
    with pytest.raises(CatalogError, match=message):
        discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", catalog=path)


def test_a_local_file_too_large_to_parse_is_refused_or_skipped(tmp_path, monkeypatch, caplog) -> None:
    """Named as the catalog: one clear error. Found while scanning a folder (a large GeoJSON beside
    the items, say): skipped with a warning, never parsed into memory."""
    monkeypatch.setattr(catalog_module, "MAX_LOCAL_FILE_BYTES", 64 * 1024)
    large = _item_collection(tmp_path / "large.json", _ranking_items())
    assert large.stat().st_size > 64 * 1024
    with pytest.raises(CatalogError, match=r"large\.json has 0 MB, more than the 0 MB.*split it"):
        discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", catalog=large)
    _item_collection(tmp_path / "small.json", [_variant("earthsearch_s2_l2a.json", "S", cloud=1)])
    scenes = discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", catalog=tmp_path)
    assert [scene.id for scene in scenes] == ["S"]
    assert "large.json" in caplog.text and "skipped" in caplog.text


@pytest.mark.parametrize(
    ("properties", "crs"),
    [
        ({"proj:epsg": 32724}, "EPSG:32724"),
        ({"proj:code": "EPSG:32633", "proj:epsg": 32724}, "EPSG:32633"),  # projection v2 wins
        ({"proj:epsg": None}, None),
        ({"proj:epsg": "32724"}, None),  # not a number: no hint rather than a guess
        ({"proj:epsg": True}, None),
        ({}, None),
    ],
)
def test_the_scene_crs_is_what_the_item_says(properties, crs) -> None:
    item = _item("earthsearch_s2_l2a.json")
    assert scene_from_item(item).crs == "EPSG:32724"  # the real item
    item["properties"] = {
        k: v for k, v in item["properties"].items() if k not in ("proj:epsg", "proj:code")
    } | properties
    assert scene_from_item(item).crs == crs


def test_a_missing_local_catalog_is_a_catalog_error(tmp_path) -> None:
    with pytest.raises(CatalogError, match="neither an http"):
        discover(AREA, "flood.coastal", "2025-07-01", "2025-07-31", catalog=tmp_path / "nope.json")


def test_cancel_stops_a_local_search(tmp_path) -> None:
    path = _item_collection(tmp_path / "items.json", _ranking_items())
    with pytest.raises(CancelledError):
        discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", catalog=path, cancel=lambda: True)


# --- the scene from before the event ------------------------------------------------------------------


def _before_the_flood(tmp_path: Path, *items: dict) -> list[Scene]:
    path = _item_collection(tmp_path / "items.json", list(items))
    return discover(AREA, "flood.coastal", "2025-05-01", "2025-06-30", max_cloud=100, catalog=str(path))


def _the_flood(tmp_path: Path, name: str, **props) -> Scene:
    """The scene of the flood, on 2025-07-01: a real item of ``name``, ``props`` changed."""
    path = _item_collection(tmp_path / f"flood-{name}", [_variant(name, "the-flood", cloud=0, **props)])
    [scene] = discover(AREA, "flood.coastal", "2025-07-01", "2025-07-01", max_cloud=100, catalog=str(path))
    return scene


def test_the_pre_event_scene_is_the_latest_clear_one_not_the_clearest(tmp_path) -> None:
    s2 = "earthsearch_s2_l2a.json"
    found = _before_the_flood(
        tmp_path,
        _variant(s2, "clearest-two-months-before", when="2025-05-02T10:00:00Z", cloud=0.5),
        _variant(s2, "clear-a-week-before", when="2025-06-23T10:00:00Z", cloud=8),
        _variant(s2, "cloudy-the-day-before", when="2025-06-29T10:00:00Z", cloud=25),
        _variant(s2, "half-the-area-the-day-before", bbox=HALF, when="2025-06-29T10:00:00Z", cloud=0),
        _variant(s2, "unknown-cloud-the-day-before", when="2025-06-29T10:00:00Z", cloud=None),
    )
    assert found[0].id == "clearest-two-months-before"  # the search's own ranking
    assert best_pre_event(found, _the_flood(tmp_path, s2)).id == "clear-a-week-before"


def test_the_pre_event_scene_is_clear_over_the_area_when_that_was_measured(tmp_path) -> None:
    s2 = "earthsearch_s2_l2a.json"
    found = _before_the_flood(
        tmp_path,
        _variant(s2, "clear-tile-cloudy-area", when="2025-06-28T10:00:00Z", cloud=3),
        _variant(s2, "cloudy-tile-clear-area", when="2025-06-20T10:00:00Z", cloud=55),
    )
    flood = _the_flood(tmp_path, s2)
    assert best_pre_event(found, flood).id == "clear-tile-cloudy-area"  # by the tiles' figures
    measured = {"clear-tile-cloudy-area": 48.0, "cloudy-tile-clear-area": 1.5}
    for scene in found:
        scene.area_cloud_percent = measured[scene.id]
    assert best_pre_event(found, flood).id == "cloudy-tile-clear-area"


def test_without_a_clear_scene_the_clearest_and_the_sensor_asked_for_first(tmp_path) -> None:
    s2, landsat = "earthsearch_s2_l2a.json", LANDSAT_HTTPS
    found = _before_the_flood(
        tmp_path,
        _variant(s2, "s2-cloudy", when="2025-06-29T10:00:00Z", cloud=28),
        _variant(s2, "s2-less-cloudy", when="2025-05-20T10:00:00Z", cloud=15),
        _variant(landsat, "landsat-clear", when="2025-06-25T10:00:00Z", cloud=1),
    )
    assert best_pre_event(found, _the_flood(tmp_path, s2)).id == "s2-less-cloudy"
    assert best_pre_event(found, _the_flood(tmp_path, landsat)).id == "landsat-clear"
    # None of its sensor: the best found.
    assert best_pre_event(found, _the_flood(tmp_path, "pc_s1_rtc.json")).id == "landsat-clear"


def test_radar_has_no_cloud_cover_and_its_latest_scene_is_taken(tmp_path) -> None:
    s1 = "pc_s1_rtc.json"
    found = _before_the_flood(
        tmp_path,
        _variant(s1, "s1-early", when="2025-05-10T10:00:00Z", cloud=None),
        _variant(s1, "s1-late", when="2025-06-27T10:00:00Z", cloud=None),
        _variant(s1, "s1-half", bbox=HALF, when="2025-06-29T10:00:00Z", cloud=None),
    )
    assert best_pre_event(found, _the_flood(tmp_path, s1)).id == "s1-late"


def test_radar_from_the_same_orbit_is_taken_before_a_later_one_from_another(tmp_path) -> None:
    s1 = "pc_s1_rtc.json"  # relative orbit 51, descending
    found = _before_the_flood(
        tmp_path,
        _variant(s1, "s1-orbit-120-late", when="2025-06-29T10:00:00Z", cloud=None, sat__relative_orbit=120),
        _variant(
            s1, "s1-orbit-51-ascending", when="2025-06-25T10:00:00Z", cloud=None, sat__orbit_state="ascending"
        ),
        _variant(s1, "s1-orbit-51", when="2025-06-17T10:00:00Z", cloud=None),
        _variant(s1, "s1-orbit-51-early", when="2025-05-24T10:00:00Z", cloud=None),
    )
    flood = _the_flood(tmp_path, s1)
    assert same_view(flood) == "orbit 51 descending"
    assert best_pre_event(found, flood).id == "s1-orbit-51"
    elsewhere = _the_flood(tmp_path, s1, sat__relative_orbit=7)  # no scene before from its orbit
    assert best_pre_event(found, elsewhere).id == "s1-orbit-120-late"


def test_optical_from_the_same_tile_if_clear_else_the_latest_clear(tmp_path) -> None:
    s2 = "earthsearch_s2_l2a.json"  # tile MGRS-24MVV
    found = _before_the_flood(
        tmp_path,
        _variant(s2, "other-tile-late", when="2025-06-29T10:00:00Z", cloud=2, grid__code="MGRS-24MWV"),
        _variant(s2, "same-tile-cloudy", when="2025-06-27T10:00:00Z", cloud=40),
        _variant(s2, "same-tile", when="2025-06-19T10:00:00Z", cloud=5),
    )
    assert best_pre_event(found, _the_flood(tmp_path, s2)).id == "same-tile"
    assert best_pre_event(found, _the_flood(tmp_path, s2, grid__code="MGRS-24MXV")).id == "other-tile-late"
    landsat = _the_flood(tmp_path, "usgs_landsat_c2l2_sr.json")  # no grid:code: WRS path and row
    assert same_view(landsat) == "WRS2-028030"


def test_no_scene_from_before_the_event_is_one_sentence(tmp_path) -> None:
    s2 = "earthsearch_s2_l2a.json"
    flood = _the_flood(tmp_path, s2)
    with pytest.raises(InputError, match="None of the 0 scene"):
        best_pre_event([], flood)
    after = _before_the_flood(tmp_path, _variant(s2, "a-day-after", when="2025-06-30T10:00:00Z", cloud=0))
    after[0].datetime = "2025-07-02T10:00:00Z"  # taken after the flood's scene
    with pytest.raises(InputError, match=r"before scene the-flood \(2025-07-01\): search earlier dates"):
        best_pre_event(after, flood)


def test_collections_one_id_alone_or_a_list_and_none_unknown(tmp_path) -> None:
    path = _item_collection(tmp_path / "items.json", _ranking_items())
    every = discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", catalog=path, max_cloud=100)
    collection = every[0].collection
    for given in (collection, [collection], (collection,)):
        found = discover(
            AREA, "flood.coastal", "2025-01-01", "2025-12-31", catalog=path, max_cloud=100, collections=given
        )
        assert {scene.collection for scene in found} == {collection}
    with pytest.raises(InputError, match=rf"has no collection nope \(it holds: .*{collection}"):
        discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", catalog=path, collections=["nope"])
    with pytest.raises(InputError, match="collections 5 are not valid"):
        discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", catalog=path, collections=5)


def test_a_basic_iso_day_is_the_whole_day_and_numpy_numbers_are_numbers(tmp_path) -> None:
    path = _item_collection(tmp_path / "items.json", _ranking_items())
    every = discover(AREA, "flood.coastal", "2025-01-01", "2025-12-31", catalog=path, max_cloud=100)
    day = every[0].datetime[:10]
    compact = day.replace("-", "")
    found = discover(
        AREA, "flood.coastal", compact, compact, catalog=path, max_cloud=np.float32(100), limit=np.int64(50)
    )
    assert every[0].id in {scene.id for scene in found}  # taken after 00:00 of the end day
