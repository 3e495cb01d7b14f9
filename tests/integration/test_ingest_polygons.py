"""Polygons through ``ingest_scene``: the flood of the sample's flooded copy, and the water of the
sample alone, as a GeoPackage beside the rasters, burnt back onto the raster's grid to compare."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, ogr

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.errors import InputError
from firstlight_qgis.core.ingest import IngestOptions, ingest_scene
from tests.support.polygons import burnt
from tests.support.sample import FLOODED_ID, FLOODED_WINDOW, ITEM_ID, SAMPLE, flood_catalog, window_pixels

pytestmark = pytest.mark.integration

FLOOD = "flood.riverine"
EXACT = IngestOptions(polygons=True, polygon_min_area_m2=0)


@pytest.fixture(scope="module")
def area():
    return parse_area(SAMPLE / "area.geojson")


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return flood_catalog(tmp_path_factory.mktemp("flood"))


def _scene(catalog: Path, area, month: str, event: str = FLOOD):
    [found] = discover(area, event, f"{month}-01", f"{month}-28", catalog=str(catalog))
    return found


def _read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


def test_the_flood_polygons_are_the_flood_extent_pixel_for_pixel(catalog, area, tmp_path) -> None:
    pre = ingest_scene(_scene(catalog, area, "2018-12"), tmp_path, area=area, event=FLOOD)
    post = ingest_scene(
        _scene(catalog, area, "2019-01"), tmp_path, area=area, event=FLOOD, options=EXACT, pre_event=pre
    )
    flood = post.indices["flood"]
    package = post.polygons.path
    assert package == tmp_path / FLOODED_ID / f"{FLOODED_ID}_flood.gpkg"
    codes = _read(flood.path)
    np.testing.assert_array_equal(burnt(package, flood.path), np.where(codes == 255, 0, codes))
    assert post.polygons.areas_km2 == pytest.approx(
        {name: flood.areas_km2[name] for name in ("flooded", "water before")}
    )
    manifest = json.loads(post.manifest_path.read_text(encoding="utf-8"))
    assert manifest["polygons"]["path"] == package.name
    assert manifest["polygons"]["layer"] == "flood_extent"
    assert manifest["polygons"]["features"] == post.polygons.features

    # The largest flooded polygon is the flooded fields: alone, it burns nothing outside them.
    package_data = ogr.Open(str(package), update=1)  # (held: a layer outliving it crashes)
    layer = package_data.GetLayer(0)
    assert layer.GetFeatureCount() == post.polygons.features
    layer.SetAttributeFilter("class = 'flooded'")
    largest = max(layer, key=lambda feature: feature.GetField("area_km2")).GetFID()
    package_data.ExecuteSQL(f"DELETE FROM flood_extent WHERE fid != {largest}")
    package_data = layer = None
    rows, columns = window_pixels(FLOODED_WINDOW, flood.path)
    fields = np.zeros(codes.shape, dtype=bool)
    fields[rows, columns] = True
    alone = burnt(package, flood.path)
    assert (alone[~fields] == 0).all() and (alone[fields] == 1).mean() > 0.9


def test_a_minimum_area_keeps_the_flood_and_drops_the_specks(catalog, area, tmp_path) -> None:
    options = IngestOptions(polygons=True)  # 1000 m²: 3 of the sample's 20 m pixels
    exact = ingest_scene(
        _scene(catalog, area, "2018-12"), tmp_path / "exact", area=area, event=FLOOD, options=EXACT
    )
    sieved = ingest_scene(
        _scene(catalog, area, "2018-12"), tmp_path / "sieved", area=area, event=FLOOD, options=options
    )
    assert sieved.polygons.path.name == f"{ITEM_ID}_water.gpkg"  # no pre-event scene: the water
    assert sieved.polygons.min_pixels == 3
    assert sieved.polygons.features < exact.polygons.features / 2
    water = sieved.indices["water"].positive_km2
    assert sieved.polygons.areas_km2["water"] == pytest.approx(water, rel=0.05)
    assert exact.polygons.areas_km2["water"] == pytest.approx(water)


def test_an_ingest_without_polygons_leaves_none_from_before(catalog, area, tmp_path) -> None:
    scene = _scene(catalog, area, "2018-12")
    first = ingest_scene(scene, tmp_path, area=area, event=FLOOD, options=EXACT)
    assert first.polygons.path.is_file()
    Path(f"{first.polygons.path}-wal").write_bytes(b"QGIS's log of it")  # as a layer left it
    again = ingest_scene(scene, tmp_path, area=area, event=FLOOD)
    assert again.polygons is None
    assert not first.polygons.path.exists()
    assert json.loads(again.manifest_path.read_text(encoding="utf-8"))["polygons"] is None
    assert not [path for path in again.scene_dir.iterdir() if ".gpkg" in path.name]


def test_drought_makes_no_polygons_and_says_so(catalog, area, tmp_path) -> None:
    event = "drought.vegetation"
    result = ingest_scene(
        _scene(catalog, area, "2018-12", event), tmp_path, area=area, event=event, options=EXACT
    )
    assert result.polygons is None
    assert any("No polygons" in warning for warning in result.warnings)


def test_a_negative_minimum_area_is_refused_where_it_is_given() -> None:
    with pytest.raises(InputError, match="0 m² or more, not -5"):
        IngestOptions(polygons=True, polygon_min_area_m2=-5)
