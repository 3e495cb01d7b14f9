"""An area that is not a rectangle: a triangle over the bundled sample. Its bands are cut to the
rectangle around it, but its products and their figures are the triangle's: no data outside it,
its water in km² that of the triangle, not of twice its area."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.areapixels import AREA_METADATA
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.figures import scene_figures
from firstlight_qgis.core.indices import compute_index, flood_extent, water_mask
from firstlight_qgis.core.ingest import IngestOptions, ingest_scene
from tests.support.polygons import burnt, inside_area
from tests.support.sample import FLOODED_ID, ITEM_ID, SAMPLE, copy_sample, flood_catalog, item_of

pytestmark = pytest.mark.integration

FLOOD = "flood.riverine"
PIXEL_KM2 = 20 * 20 / 1e6  # the sample's grid


@pytest.fixture(scope="module")
def triangle_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The lower left half of the sample's area, as a GeoJSON file."""
    minx, miny, maxx, maxy = parse_area(SAMPLE / "area.geojson").bbox
    corners = [[minx, miny], [maxx, miny], [minx, maxy], [minx, miny]]
    path = tmp_path_factory.mktemp("triangle") / "triangle.geojson"
    path.write_text(json.dumps({"type": "Polygon", "coordinates": [corners]}), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return flood_catalog(tmp_path_factory.mktemp("flood"))


def _scene(catalog: Path, area, month: str):
    [found] = discover(area, FLOOD, f"{month}-01", f"{month}-28", catalog=str(catalog))
    return found


def _read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


def _agreeing(inside: np.ndarray, products: np.ndarray) -> None:
    """The product's pixels with data are those inside the area, but for the pixels on its edge,
    where GDAL (straight edges in UTM) and FirstLight (straight in longitude and latitude) may
    differ, and the sample's own few no-data pixels."""
    assert np.count_nonzero(inside != products) < 0.002 * inside.size


def test_the_products_and_figures_of_a_triangle_are_the_triangle_s(triangle_file, tmp_path) -> None:
    triangle = parse_area(triangle_file)
    [scene] = discover(triangle, FLOOD, "2018-12-01", "2018-12-31", catalog=str(SAMPLE / "catalog.json"))
    result = ingest_scene(scene, tmp_path, area=triangle, event=FLOOD, options=IngestOptions(polygons=True))

    water = result.indices["water"]
    codes = _read(water.path)
    inside = inside_area(triangle_file, water.path)
    assert 0.4 < inside.mean() < 0.6  # the bands' rectangle holds the triangle twice
    _agreeing(inside, codes != 255)
    assert np.isnan(_read(result.indices["ndwi"].path)[codes == 255]).all()
    # The figures: of the triangle's pixels, all but a handful seen; its dry land and water add up
    # to the triangle's area; its water is counted from the mask.
    assert water.valid_fraction > 0.999
    assert sum(water.areas_km2.values()) == pytest.approx(triangle.area_km2, rel=0.005)
    assert water.positive_km2 == pytest.approx(np.count_nonzero(codes == 1) * PIXEL_KM2)
    seen = np.count_nonzero(codes < 255)
    assert water.positive_fraction == pytest.approx(np.count_nonzero(codes == 1) / seen)
    # The polygons lie in the triangle; the manifest says the same figures.
    assert not burnt(result.polygons.path, water.path)[codes == 255].any()
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["indices"]["water"]["positive_km2"] == pytest.approx(water.positive_km2)
    # The stack and each product name the area: what is computed from them later counts the same.
    for path in (result.stack.path, water.path, result.indices["ndwi"].path):
        assert parse_area(json.loads(gdal.Open(str(path)).GetMetadataItem(AREA_METADATA))) == triangle


def test_a_flood_from_two_products_on_disk_is_the_ingest_s(catalog, triangle_file, tmp_path) -> None:
    triangle = parse_area(triangle_file)
    before = ingest_scene(_scene(catalog, triangle, "2018-12"), tmp_path, area=triangle, event=FLOOD)
    after = ingest_scene(
        _scene(catalog, triangle, "2019-01"), tmp_path, area=triangle, event=FLOOD, pre_event=before
    )
    again = flood_extent(after.indices["water"].path, before.indices["water"].path, tmp_path / "flood.tif")

    ingested = after.indices["flood"]
    np.testing.assert_array_equal(_read(again.path), _read(ingested.path))
    assert (again.valid_fraction, again.positive_km2) == pytest.approx(
        (ingested.valid_fraction, ingested.positive_km2)
    )
    assert ingested.valid_fraction > 0.999  # not the half of the rectangle outside the triangle
    _agreeing(inside_area(triangle_file, ingested.path), _read(ingested.path) != 255)
    assert after.scene_id == FLOODED_ID


def test_a_whole_scene_ingest_is_not_cut_to_the_area(triangle_file, tmp_path) -> None:
    triangle = parse_area(triangle_file)
    [scene] = discover(triangle, FLOOD, "2018-12-01", "2018-12-31", catalog=str(SAMPLE / "catalog.json"))
    result = ingest_scene(
        scene, tmp_path, area=triangle, event=FLOOD, options=IngestOptions(clip_to_area=False)
    )

    water = gdal.Open(str(result.indices["water"].path))
    assert water.GetMetadataItem(AREA_METADATA) is None
    assert result.indices["water"].valid_fraction > 0.99


# 10 km by 4 km in the sample's CRS, whose pixels stop at x = 316000: 60 % of it lies in the scene.
PAST_THE_EDGE = (310000.5, 6988000.5, 320000.5, 6992000.5)


def _padded_catalog(root: Path) -> Path:
    """The sample as a tile whose file reaches 10 km past the swath's edge, east, with no data
    there (0): the same pixels of the ground, in a file that does not end where the scene does."""
    folder = copy_sample(root / "padded")
    west, _, _, north, _, _ = gdal.Open(str(folder / "nir.tif")).GetGeoTransform()
    for band in ("blue", "green", "red", "nir", "swir16", "swir22"):
        path = folder / f"{band}.tif"
        wider = gdal.Warp("", str(path), format="MEM", outputBounds=[west, 6985440, 326000, north])
        gdal.GetDriverByName("COG").CreateCopy(
            str(path), wider, options=["COMPRESS=DEFLATE", "BLOCKSIZE=256"]
        )
    item = item_of(folder, ITEM_ID, "2018-12-24T13:37:00Z", "./padded/")
    for key in ("proj:shape", "proj:transform", "proj:bbox"):
        item["properties"].pop(key, None)
    path = root / "items.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [item]}), encoding="utf-8")
    return path


def test_an_area_past_the_scene_s_edge_is_unseen_there_whether_the_file_ends_or_not(tmp_path) -> None:
    """Pixels of the area beyond the scene are in no file when the clip stops at the scene's
    edge: they count as unseen all the same, as the no data of a file that goes on does, in the
    product's figures, the table's and those of a product made later from it on disk."""
    area = parse_area(list(PAST_THE_EDGE), crs="EPSG:32722")
    runs = {}
    for name, catalog in (("ends", SAMPLE / "catalog.json"), ("no data", _padded_catalog(tmp_path))):
        [scene] = discover(area, FLOOD, "2018-12-01", "2018-12-31", catalog=str(catalog))
        result = ingest_scene(scene, tmp_path / name.replace(" ", "_"), area=area, event=FLOOD)
        assert any("covers 60% of the area" in warning for warning in result.warnings)
        runs[name] = scene, result

    ends, padded = (runs[name][1].indices["water"] for name in ("ends", "no data"))
    assert _read(ends.path).shape[1] < _read(padded.path).shape[1]  # one stops at the scene's edge
    seen = np.count_nonzero(_read(padded.path) != 255)
    assert seen == np.count_nonzero(_read(ends.path) != 255)
    # Of the area's pixels (GDAL's, on the raster that holds them all), 60 % seen, either way.
    area_file = tmp_path / "area.geojson"
    area_file.write_text(json.dumps(area.geojson), encoding="utf-8")
    assert padded.valid_fraction == pytest.approx(seen / inside_area(area_file, padded.path).sum(), rel=0.002)
    assert padded.valid_fraction == pytest.approx(0.6, abs=0.002)
    assert ends.valid_fraction == padded.valid_fraction
    # The water's share and km² are of the pixels seen, as they were.
    assert (ends.positive_fraction, ends.positive_km2) == (padded.positive_fraction, padded.positive_km2)
    assert ends.positive_km2 == pytest.approx(np.count_nonzero(_read(ends.path) == 1) * PIXEL_KM2)
    # The table's seen_percent; a water mask and a flood computed later from the files on disk.
    [row] = scene_figures([runs["ends"]])
    assert row.seen_percent == pytest.approx(100 * ends.valid_fraction)
    index = runs["ends"][1].indices["ndwi"]
    assert index.valid_fraction == ends.valid_fraction
    stack = runs["ends"][1].stack.path
    assert compute_index(stack, "ndwi", tmp_path / "ndwi.tif", sensor="sentinel2").valid_fraction == (
        index.valid_fraction
    )
    again = water_mask(index.path, tmp_path / "water.tif")
    assert (again.valid_fraction, again.positive_km2) == (ends.valid_fraction, ends.positive_km2)
    flood = flood_extent(ends.path, padded.path, tmp_path / "flood.tif")
    assert flood.valid_fraction == ends.valid_fraction
