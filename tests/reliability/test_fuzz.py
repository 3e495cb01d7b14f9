"""Fuzzing discovery and band resolution with hypothesis: generated STAC items (random assets,
``eo:bands`` / ``bands`` / ``raster:bands``, hrefs, properties, geometries, and wrong types
everywhere) and generated areas (bboxes, GeoJSON, junk). Whatever comes in, the only exceptions
that may come out are FirstLight's own (``FirstLightError`` subclasses, each one clear sentence)."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.bands import SENSORS, resolve_bands, resolve_mask, resolve_visual
from firstlight_qgis.core.catalog import discover, scene_from_item
from firstlight_qgis.core.errors import FirstLightError
from tests.conftest import STAC_FIXTURES
from tests.reliability.harness import ITEM_ID, SAMPLE

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
)
junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
band_names = st.sampled_from(
    ["blue", "green", "red", "nir", "nir08", "nir09", "swir16", "swir22", "coastal", "rededge", "vv", "vh",
     "BLUE", "B02", "B8A", "SCL", "qa_pixel", ""]
) | scalars  # fmt: skip
hrefs = st.sampled_from(
    ["https://example.com/b.tif", "http://127.0.0.1:1/b.tif", "s3://bucket/b.tif", "file:///etc/passwd",
     "b.tif", "/vsicurl/http://x/b.tif", "", "http://[::1/b", "http://h:99999/b", "https://x/b.jp2"]
) | scalars  # fmt: skip
keys = st.sampled_from(
    ["blue", "green", "red", "nir", "nir08", "swir16", "swir22", "B02", "B03", "B04", "B08", "B11", "B12",
     "SCL", "scl", "visual", "TCI", "qa_pixel", "vv", "vh", "blue-jp2", "thumbnail", "B02_10m", "SR_B5"]
) | st.text(max_size=10)  # fmt: skip
band_entry = st.fixed_dictionaries(
    {},
    optional={
        "common_name": band_names,
        "eo:common_name": band_names,
        "name": band_names,
        "gsd": scalars,
        "scale": scalars,
        "offset": scalars,
        "nodata": scalars,
        "spatial_resolution": scalars,
        "raster:spatial_resolution": scalars,
    },
)
entries = st.lists(band_entry | scalars, max_size=3) | junk
asset = st.fixed_dictionaries(
    {},
    optional={
        "href": hrefs,
        "eo:bands": entries,
        "bands": entries,
        "raster:bands": entries,
        "roles": st.lists(
            st.sampled_from(["data", "thumbnail", "overview", "metadata", "visual"]), max_size=2
        )
        | junk,
        "file:size": scalars,
        "file:checksum": scalars | st.just("1220" + "ab" * 32),
        "gsd": scalars,
        "type": scalars,
        "alternate": st.dictionaries(
            st.text(max_size=5), st.fixed_dictionaries({"href": hrefs}) | junk, max_size=2
        )
        | junk,
        "storage:requester_pays": scalars,
    },
)
coordinate = (
    st.floats(-200, 200) | st.sampled_from([float("nan"), float("inf"), -float("inf"), 1e308]) | scalars
)
geometries = (
    st.builds(
        lambda points: {"type": "Polygon", "coordinates": [points]},
        st.lists(st.lists(coordinate, min_size=0, max_size=3), max_size=6),
    )
    | st.builds(
        lambda x, y, w, h: {
            "type": "Polygon",
            "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]],
        },
        st.floats(-180, 180),
        st.floats(-90, 90),
        st.floats(-5, 400),
        st.floats(-5, 100),
    )
    | junk
)
properties = (
    st.fixed_dictionaries(
        {},
        optional={
            "datetime": st.sampled_from(
                ["2018-12-24T13:37:00Z", "2018-12-24", "", "yesterday", "2018-13-45T99:00:00"]
            )
            | scalars,
            "start_datetime": scalars | st.just("2018-12-01T00:00:00Z"),
            "end_datetime": scalars | st.just("2018-12-31T00:00:00Z"),
            "eo:cloud_cover": scalars,
            "platform": st.sampled_from(["sentinel-2b", "landsat-9", "sentinel-1a"]) | scalars,
            "constellation": scalars,
            "s2:processing_baseline": scalars | st.just("04.00"),
            "earthsearch:boa_offset_applied": scalars,
        },
    )
    | junk
)
structured_items = st.fixed_dictionaries(
    {
        "type": st.just("Feature"),
        "id": st.text(min_size=1, max_size=20),
        "assets": st.dictionaries(keys, asset, min_size=1, max_size=8),
    },
    optional={
        "collection": st.sampled_from(["sentinel-2-l2a", "landsat-c2-l2", "sentinel-1-rtc", "modis"])
        | scalars,
        "properties": properties,
        "geometry": geometries,
        "bbox": st.lists(coordinate, max_size=6) | junk,
        "links": junk,
    },
)
REAL_ITEMS = [json.loads(p.read_text()) for p in sorted(STAC_FIXTURES.glob("*.json"))] + [
    json.loads((SAMPLE / f"{ITEM_ID}.json").read_text())
]


def _mutated(base: dict, seed: int, replacements: list) -> object:
    """A real item with some of its values (anywhere in it) replaced by junk or deleted."""
    item = copy.deepcopy(base)
    rng = random.Random(seed)
    for replacement in replacements:
        parent, key = None, None
        node = item
        for _ in range(rng.randint(1, 5)):  # walk down a random path
            if isinstance(node, dict) and node:
                parent, key = node, rng.choice(list(node))
            elif isinstance(node, list) and node:
                parent, key = node, rng.randrange(len(node))
            else:
                break
            node = parent[key]
        if parent is None:
            continue
        if isinstance(parent, dict) and rng.random() < 0.3:
            del parent[key]
        else:
            parent[key] = replacement
    return item


mutated_items = st.builds(
    _mutated,
    st.sampled_from(REAL_ITEMS),
    st.integers(0, 2**32),
    st.lists(junk | hrefs, min_size=1, max_size=6),
)
items = structured_items | mutated_items | junk
bboxes = st.builds(
    lambda x, y, w, h: [x, y, x + w, y + h],
    st.floats(-185, 185),
    st.floats(-95, 95),
    st.floats(-1, 8),
    st.floats(-1, 8),
)
areas = (
    bboxes
    | st.lists(st.floats(allow_nan=True, allow_infinity=True) | scalars, max_size=5)
    | geometries
    | st.builds(lambda g: {"type": "Feature", "geometry": g}, geometries)
    | st.builds(lambda gs: {"type": "FeatureCollection", "features": [{"geometry": g} for g in gs]},
                st.lists(geometries, max_size=3))
    | st.text(max_size=40)
    | junk
)  # fmt: skip
AREA = [-52.95, -27.23, -52.87, -27.16]


def _only_ours(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except FirstLightError as error:
        assert str(error) and "\n" not in str(error).strip()
        return None


@FUZZ
@given(item=items, with_area=st.booleans())
def test_any_item_becomes_a_scene_or_a_clear_error(item, with_area: bool) -> None:
    area = parse_area(AREA) if with_area else None
    _only_ours(scene_from_item, item, area=area, catalog="https://stac.example.com", catalog_is_local=False)
    if isinstance(item, dict):
        for sensor in SENSORS:
            _only_ours(resolve_bands, item, sensor)
            _only_ours(resolve_mask, item, sensor)
            _only_ours(resolve_visual, item, sensor)


@FUZZ
@given(value=areas, crs=st.none() | st.sampled_from([4326, "EPSG:32722", "EPSG:3857", "nonsense"]))
def test_any_area_is_an_area_or_a_clear_error(value, crs) -> None:
    area = _only_ours(parse_area, value, crs=crs)
    if area is not None:
        assert area.area_km2 > 0


@pytest.fixture(scope="module")
def catalog_file(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "items.json"


@settings(FUZZ, max_examples=100)
@given(
    features=st.lists(items, max_size=6),
    area=st.sampled_from([AREA, [170, -1, -170, 1], [-180, -90, 180, 90]]),
)
def test_discovery_over_a_local_item_collection_of_anything(catalog_file: Path, features, area) -> None:
    catalog_file.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    _only_ours(
        discover, area, "flood.coastal", "2018-01-01", "2019-12-31", catalog=catalog_file, max_cloud=100
    )
