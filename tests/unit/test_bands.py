"""Band lookup on every real catalog item in the shared fixtures."""

from __future__ import annotations

import json

import pytest

from firstlight_qgis.core.bands import (
    LANDSAT,
    SENSORS,
    SENTINEL1,
    SENTINEL2,
    resolve_bands,
    resolve_mask,
    resolve_visual,
    sensor_of_item,
)
from tests.conftest import STAC_FIXTURES


def _item(name: str) -> dict:
    return json.loads((STAC_FIXTURES / name).read_text())


@pytest.mark.parametrize(
    ("name", "sensor", "keys"),
    [
        ("earthsearch_s2_l2a.json", SENTINEL2, ["blue", "green", "red", "nir", "swir16", "swir22"]),
        ("earthsearch_s2_c1_l2a.json", SENTINEL2, ["blue", "green", "red", "nir", "swir16", "swir22"]),
        ("pc_s2_l2a.json", SENTINEL2, ["B02", "B03", "B04", "B08", "B11", "B12"]),
        ("earthsearch_landsat_c2l2.json", LANDSAT, ["blue", "green", "red", "nir08", "swir16", "swir22"]),
        ("usgs_landsat_c2l2_sr.json", LANDSAT, ["blue", "green", "red", "nir08", "swir16", "swir22"]),
        ("pc_s1_rtc.json", SENTINEL1, ["vv", "vh"]),
    ],
)
def test_every_fixture_item_resolves_its_bands_in_canonical_order(name, sensor, keys) -> None:
    item = _item(name)
    assert sensor_of_item(item) == sensor
    found, missing = resolve_bands(item, sensor)
    assert missing == []
    assert list(found) == list(SENSORS[sensor].canonical_order)
    assert [found[b].key for b in found] == keys
    assert all(found[b].href == item["assets"][found[b].key]["href"] for b in found)


def test_earth_search_never_picks_the_requester_pays_jp2_twins() -> None:
    found, _ = resolve_bands(_item("earthsearch_s2_l2a.json"), SENTINEL2)
    for asset in found.values():
        assert asset.href.startswith("https://") and asset.href.endswith(".tif")
        assert not asset.key.endswith("-jp2")


def test_planetary_computer_b8a_is_not_taken_for_nir() -> None:
    found, _ = resolve_bands(_item("pc_s2_l2a.json"), SENTINEL2)
    assert found["nir"].key == "B08"


@pytest.mark.parametrize(
    ("name", "scale", "offset"),
    [
        ("earthsearch_s2_l2a.json", 1e-4, 0.0),  # boa_offset_applied: the DN already lost its +1000
        ("earthsearch_s2_c1_l2a.json", 1e-4, -0.1),
        ("pc_s2_l2a.json", 1e-4, -0.1),  # baseline 05.10, no raster:bands
        ("earthsearch_landsat_c2l2.json", 2.75e-05, -0.2),
        ("usgs_landsat_c2l2_sr.json", 2.75e-05, -0.2),
        ("pc_s1_rtc.json", 1.0, 0.0),
    ],
)
def test_reflectance_scaling_follows_each_catalogs_rules(name, scale, offset) -> None:
    item = _item(name)
    found, _ = resolve_bands(item, sensor_of_item(item))
    for asset in found.values():
        assert asset.scale == pytest.approx(scale)
        assert asset.offset == pytest.approx(offset)


def test_a_scene_from_before_baseline_04_00_has_no_offset_whatever_raster_bands_says() -> None:
    """Earth Search writes offset -0.1 on every item, also on scenes processed before the DN
    carried +1000: taking it there cut 0.1 off every reflectance (the sample's river vanished)."""
    item = _item("earthsearch_s2_c1_l2a.json")
    item["properties"]["s2:processing_baseline"] = "02.11"
    found, _ = resolve_bands(item, SENTINEL2)
    assert {(asset.scale, asset.offset) for asset in found.values()} == {(1e-4, 0.0)}


def test_stac_1_1_items_state_their_scaling_and_baseline_in_other_words() -> None:
    """Copernicus Data Space (STAC 1.1, raster extension 2): ``raster:scale`` / ``raster:offset``
    on the asset, the baseline as ``processing:version``; read as the 1.0 fields are."""
    item = _item("earthsearch_s2_c1_l2a.json")
    item["properties"]["processing:version"] = item["properties"].pop("s2:processing_baseline")
    for asset in item["assets"].values():
        for entry in asset.pop("raster:bands", []):
            asset.update({f"raster:{key}": entry[key] for key in ("scale", "offset") if key in entry})
    found, _ = resolve_bands(item, SENTINEL2)
    assert {(asset.scale, asset.offset) for asset in found.values()} == {(1e-4, -0.1)}
    item["properties"]["processing:version"] = "03.01"
    found, _ = resolve_bands(item, SENTINEL2)
    assert {(asset.scale, asset.offset) for asset in found.values()} == {(1e-4, 0.0)}


@pytest.mark.parametrize(
    ("properties", "offset"),
    [
        ({"s2:processing_baseline": "N0301"}, 0.0),  # as in the product's name
        ({"s2:processing_baseline": "N0510"}, -0.1),
        ({"s2:processing_baseline": None, "processing:version": "03.00"}, 0.0),  # null: the other says
    ],
)
def test_the_baseline_is_read_in_every_form(properties, offset) -> None:
    item = _item("pc_s2_l2a.json")  # no raster:bands: the baseline alone says
    del item["properties"]["s2:processing_baseline"]
    item["properties"].update(properties)
    found, _ = resolve_bands(item, SENTINEL2)
    assert {(asset.scale, asset.offset) for asset in found.values()} == {(1e-4, offset)}


def test_a_scale_of_0_is_no_scale() -> None:
    """Taken as stated, it made every reflectance the offset alone."""
    item = _item("earthsearch_s2_c1_l2a.json")
    for asset in item["assets"].values():
        for entry in asset.get("raster:bands", []):
            entry["scale"] = 0
    found, _ = resolve_bands(item, SENTINEL2)
    assert all(asset.scale > 0 for asset in found.values())


def test_checksum_size_and_nodata_are_carried() -> None:
    s2c1, _ = resolve_bands(_item("earthsearch_s2_c1_l2a.json"), SENTINEL2)
    assert s2c1["blue"].file_checksum.startswith("1220")
    assert s2c1["blue"].file_size and s2c1["blue"].file_size > 0
    s1, _ = resolve_bands(_item("pc_s1_rtc.json"), SENTINEL1)
    assert s1["vv"].nodata == -32768
    assert len(s1["vv"].file_checksum) == 32


def test_masks_and_visual_assets() -> None:
    assert resolve_mask(_item("pc_s2_l2a.json"), SENTINEL2).key == "SCL"
    assert resolve_mask(_item("earthsearch_landsat_c2l2.json"), LANDSAT).key == "qa_pixel"
    visual = resolve_visual(_item("earthsearch_s2_l2a.json"), SENTINEL2)
    assert visual.startswith("https://") and visual.endswith("TCI.tif")


def test_a_missing_band_is_reported_not_guessed() -> None:
    item = _item("earthsearch_s2_l2a.json")
    for key in ("nir", "nir-jp2"):
        del item["assets"][key]
    found, missing = resolve_bands(item, SENTINEL2)
    assert missing == ["nir"]
    assert "nir" not in found
