"""Products of two scenes as one: the sample cut in a west and an east scene that overlap (as two
adjacent tiles), ingested over the sample's area and mosaicked, give back the products of the
whole sample, pixel for pixel, and their areas once."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.ingest import ingest_scene
from firstlight_qgis.core.mosaic import MOSAIC_FOLDER, mosaic, mosaic_results
from tests.support.polygons import burnt
from tests.support.sample import EAST_ID, SAMPLE, WEST_ID, split_catalog

pytestmark = pytest.mark.integration

EVENT = "flood.riverine"


@pytest.fixture(scope="module")
def area():
    return parse_area(SAMPLE / "area.geojson")


@pytest.fixture(scope="module")
def whole(area, tmp_path_factory: pytest.TempPathFactory):
    """The sample ingested whole: what the mosaic must give back."""
    [scene] = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=SAMPLE / "catalog.json")
    return ingest_scene(scene, tmp_path_factory.mktemp("whole"), area=area, event=EVENT)


@pytest.fixture(scope="module")
def halves(area, tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("split")
    found = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=split_catalog(root / "catalog"))
    scenes = {scene.id: scene for scene in found}
    assert sorted(scenes) == sorted([WEST_ID, EAST_ID])
    assert all(50 < scene.coverage_percent < 100 for scene in found)  # neither covers the area alone
    out = root / "out"
    return out, [ingest_scene(scenes[i], out, area=area, event=EVENT) for i in (WEST_ID, EAST_ID)]


def read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


def on_grid_of(path: Path, reference: Path) -> np.ndarray:
    """``path``'s pixels on ``reference``'s grid (the same lattice: nothing is resampled), its no
    data beyond it."""
    grid = gdal.Open(str(reference))
    west, cell, _, north, _, cell_y = grid.GetGeoTransform()
    east, south = west + cell * grid.RasterXSize, north + cell_y * grid.RasterYSize
    placed = gdal.Warp(
        "", str(path), format="MEM", outputBounds=(west, south, east, north), xRes=cell, yRes=-cell_y
    )
    return placed.ReadAsArray()


def test_the_mosaics_polygons_are_the_wholes_water_counted_once(whole, halves) -> None:
    out, results = halves
    made = mosaic_results(results, out, polygons_min_area_m2=0)
    polygons = made.polygons
    assert polygons.path == out / MOSAIC_FOLDER / "water.gpkg"
    whole_water = whole.indices["water"]
    assert polygons.areas_km2["water"] == pytest.approx(whole_water.positive_km2)
    np.testing.assert_array_equal(burnt(polygons.path, whole_water.path), read(whole_water.path) == 1)
    manifest = json.loads((out / MOSAIC_FOLDER / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["polygons"]["path"] == "water.gpkg"

    again = mosaic_results(results, out)  # without polygons: none left from before
    assert again.polygons is None and not polygons.path.exists()


def test_the_mosaic_of_two_halves_is_the_whole(whole, halves) -> None:
    out, results = halves
    mosaics = mosaic_results(results, out).products

    assert sorted(mosaics) == ["mndwi", "ndwi", "water"]
    assert {m.path for m in mosaics.values()} == {out / MOSAIC_FOLDER / f"{n}.tif" for n in mosaics}
    manifest = json.loads((out / MOSAIC_FOLDER / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["mosaic_of"] == [WEST_ID, EAST_ID]
    assert manifest["indices"]["water"]["path"] == "water.tif"
    assert manifest["indices"]["water"]["areas_km2"] == pytest.approx(mosaics["water"].areas_km2)
    water = mosaics["water"]
    reference = whole.indices["water"].path
    mosaicked = on_grid_of(water.path, reference)
    np.testing.assert_array_equal(mosaicked, read(reference))
    np.testing.assert_array_equal(
        on_grid_of(mosaics["ndwi"].path, reference), read(whole.indices["ndwi"].path)
    )
    # Each half alone falls short of the area; the mosaic holds it all, and counts the overlap once.
    assert water.areas_km2 == pytest.approx(whole.indices["water"].areas_km2)
    halves_water = sum(result.indices["water"].areas_km2["water"] for result in results)
    assert halves_water > water.areas_km2["water"] * 1.05
    dataset = gdal.Open(str(water.path))
    assert dataset.GetRasterBand(1).GetDescription() == "water"
    assert dataset.GetMetadataItem("FIRSTLIGHT_PRODUCT") == "water_mask"
    assert dataset.GetMetadataItem("FIRSTLIGHT_MOSAIC_OF") == f"{WEST_ID}_water.tif, {EAST_ID}_water.tif"


def test_the_first_scene_is_on_top_and_another_fills_its_gaps(halves, tmp_path) -> None:
    _, (west, east) = halves
    # The east scene's mask made dry wherever it has data: listed first, it wins where both have
    # data, and the west scene fills only what the east lacks.
    dry = tmp_path / "east_dry.tif"
    gdal.Translate(str(dry), str(east.indices["water"].path))
    dataset = gdal.Open(str(dry), gdal.GA_Update)
    dataset.GetRasterBand(1).WriteArray(np.where(dataset.ReadAsArray() == 255, 255, 0).astype(np.uint8))
    dataset = None

    result = mosaic([dry, west.indices["water"].path], tmp_path / "water.tif", "water")
    mosaicked = read(result.path)
    east_values = on_grid_of(dry, result.path)
    west_values = on_grid_of(west.indices["water"].path, result.path)
    has_east = east_values != 255
    assert (has_east & (west_values != 255)).sum() > 1000  # the overlap
    np.testing.assert_array_equal(mosaicked[has_east], 0)
    np.testing.assert_array_equal(mosaicked[~has_east], west_values[~has_east])
    assert result.positive_fraction == pytest.approx((mosaicked == 1).sum() / (mosaicked != 255).sum())
    assert result.areas_km2["water"] == pytest.approx((mosaicked == 1).sum() * 400 / 1e6)


def test_a_mosaic_counts_the_area_beyond_both_scenes_unseen(tmp_path) -> None:
    """An area reaching past the east scene's edge: the mosaic saw what the whole sample does, no
    more, and says so (its valid share of the area's pixels, those beyond both scenes included)."""
    area = parse_area([-52.92, -27.22, -52.80, -27.17])  # its west half over the sample
    [scene] = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=SAMPLE / "catalog.json")
    whole = ingest_scene(scene, tmp_path / "whole", area=area, event=EVENT).indices["water"]
    found = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=split_catalog(tmp_path / "catalog"))
    scenes = {scene.id: scene for scene in found}
    out = tmp_path / "out"
    results = [ingest_scene(scenes[i], out, area=area, event=EVENT) for i in (WEST_ID, EAST_ID)]

    water = mosaic_results(results, out).products["water"]
    assert 0.5 < whole.valid_fraction < 0.55
    assert water.valid_fraction == pytest.approx(whole.valid_fraction, abs=1e-6)
    assert water.positive_km2 == pytest.approx(whole.positive_km2)
    assert all(result.indices["water"].valid_fraction < water.valid_fraction for result in results)


def test_a_scene_ingested_again_takes_the_mosaic_made_of_it_away(area, tmp_path) -> None:
    """A mosaic is made of its scenes' products: one of them ingested again (alone, for another
    event) replaces them, and the mosaic, whole-looking beside them, named files that were gone."""
    found = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=split_catalog(tmp_path / "catalog"))
    scenes = {scene.id: scene for scene in found}
    out = tmp_path / "out"
    results = [ingest_scene(scenes[i], out, area=area, event=EVENT) for i in (WEST_ID, EAST_ID)]
    mosaic_results(results, out, polygons_min_area_m2=1000)
    place = out / MOSAIC_FOLDER
    assert (place / "manifest.json").is_file() and (place / "water.gpkg").is_file()

    ingest_scene(scenes[EAST_ID], tmp_path / "elsewhere", area=area, event="drought.vegetation")
    assert (place / "manifest.json").is_file()  # another output folder's run leaves it be

    ingest_scene(scenes[WEST_ID], out, area=area, event="drought.vegetation")
    assert sorted(p.name for p in place.iterdir()) == []
