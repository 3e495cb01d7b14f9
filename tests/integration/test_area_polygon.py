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
from firstlight_qgis.core.indices import flood_extent
from firstlight_qgis.core.ingest import IngestOptions, ingest_scene
from tests.support.polygons import burnt, inside_area
from tests.support.sample import FLOODED_ID, SAMPLE, flood_catalog

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
