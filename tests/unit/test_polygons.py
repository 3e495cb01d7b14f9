"""Polygons of coded products: water masks and flood extents made by the core from hand-made
rasters, polygonized, and read back from the GeoPackage as a user's GIS reads it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal, ogr

from firstlight_qgis.core.errors import CancelledError, FirstLightError, InputError
from firstlight_qgis.core.indices import MASK_NODATA, flood_extent, sar_water_mask, water_mask
from firstlight_qgis.core.polygons import polygonize

WEST, NORTH, CELL = 500000.0, 7000000.0, 10.0  # 10 m pixels in UTM 22S
PIXEL_KM2 = CELL * CELL / 1e6


def _raster(
    path: Path, values: np.ndarray, crs: str = "EPSG:32722", cell: float = CELL, nodata=None, **metadata
) -> Path:
    kind = gdal.GDT_Float32 if values.dtype == np.float32 else gdal.GDT_Byte
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), values.shape[1], values.shape[0], 1, kind)
    dataset.SetGeoTransform((WEST, cell, 0.0, NORTH, 0.0, -cell))
    dataset.SetProjection(crs)
    dataset.SetMetadata(metadata)
    if nodata is not None:
        dataset.GetRasterBand(1).SetNoDataValue(nodata)
    dataset.GetRasterBand(1).WriteArray(values)
    dataset = None
    return path


def _water_mask(folder: Path, water: np.ndarray, crs: str = "EPSG:32722", cell: float = CELL) -> Path:
    """A water mask as the core writes it, from an NDWI (tagged as the core tags one) that is 0.5
    where ``water`` is 1, -0.5 where it is 0 and NaN where it is 255."""
    index = np.where(water == 1, 0.5, -0.5).astype(np.float32)
    index[water == MASK_NODATA] = np.nan
    ndwi = _raster(folder / "ndwi.tif", index, crs, cell, nodata=float("nan"), FIRSTLIGHT_INDEX="ndwi")
    return water_mask(ndwi, folder / "water.tif").path


def _lake_and_speck() -> np.ndarray:
    """20 x 20: a 6 x 6 lake with a one-pixel dry hole, a one-pixel pond, two rows of no data."""
    water = np.zeros((20, 20), np.uint8)
    water[2:8, 2:8] = 1
    water[4, 4] = 0
    water[15, 15] = 1
    water[18:, :] = MASK_NODATA
    return water


def _features(path: Path) -> list[dict]:
    package = ogr.Open(str(path))
    assert package.GetLayerCount() == 1
    layer = package.GetLayer(0)
    features = []
    for feature in layer:
        geometry = feature.GetGeometryRef()
        features.append(
            {
                "code": feature.GetField("code"),
                "class": feature.GetField("class"),
                "area_km2": feature.GetField("area_km2"),
                "envelope": geometry.GetEnvelope(),
                "holes": geometry.GetGeometryCount() - 1,
                "area": geometry.GetArea(),
                "layer": layer.GetName(),
                "epsg": layer.GetSpatialRef().GetAuthorityCode(None),
            }
        )
    return sorted(features, key=lambda feature: -feature["area"])


def _pixels(west: int, east: int, north: int, south: int) -> tuple[float, float, float, float]:
    """The envelope (minx, maxx, miny, maxy) of columns ``west:east`` and rows ``north:south``."""
    return (WEST + west * CELL, WEST + east * CELL, NORTH - south * CELL, NORTH - north * CELL)


def test_every_patch_of_water_becomes_a_polygon_with_its_class_and_area(tmp_path: Path) -> None:
    mask = _water_mask(tmp_path, _lake_and_speck())
    result = polygonize(mask, tmp_path / "water.gpkg")
    lake, pond = _features(tmp_path / "water.gpkg")
    assert (result.features, result.min_pixels, result.layer) == (2, 1, "water_mask")
    assert lake["envelope"] == _pixels(2, 8, 2, 8)
    assert lake["holes"] == 1  # the dry pixel
    assert (lake["code"], lake["class"], lake["layer"], lake["epsg"]) == (1, "water", "water_mask", "32722")
    assert lake["area_km2"] == pytest.approx(35 * PIXEL_KM2)
    assert pond["envelope"] == _pixels(15, 16, 15, 16)
    assert pond["area_km2"] == pytest.approx(PIXEL_KM2)
    assert result.areas_km2 == pytest.approx({"water": 36 * PIXEL_KM2})


def test_the_polygons_add_up_to_the_masks_own_area(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    water = (rng.random((64, 64)) > 0.6).astype(np.uint8)
    water[rng.random((64, 64)) > 0.9] = MASK_NODATA
    mask = _water_mask(tmp_path, water)
    computed = water_mask(mask.with_name("ndwi.tif"), tmp_path / "again.tif")
    result = polygonize(mask, tmp_path / "water.gpkg")
    assert result.areas_km2["water"] == pytest.approx(computed.positive_km2)
    assert sum(feature["area_km2"] for feature in _features(tmp_path / "water.gpkg")) == pytest.approx(
        computed.positive_km2
    )


def test_a_minimum_area_drops_specks_and_fills_holes(tmp_path: Path) -> None:
    mask = _water_mask(tmp_path, _lake_and_speck())
    result = polygonize(mask, tmp_path / "water.gpkg", min_area_m2=250)  # 2.5 pixels: 3 and up kept
    [lake] = _features(tmp_path / "water.gpkg")
    assert (result.features, result.min_pixels) == (1, 3)
    assert lake["holes"] == 0
    assert lake["area_km2"] == pytest.approx(36 * PIXEL_KM2)
    assert result.areas_km2 == pytest.approx({"water": 36 * PIXEL_KM2})
    product = gdal.Open(str(mask))  # (held: a band outliving its dataset crashes)
    assert product.GetRasterBand(1).ReadAsArray()[4, 4] == 0  # the product unchanged


def test_a_sieve_fills_dry_specks_but_never_no_data(tmp_path: Path) -> None:
    water = np.ones((10, 10), np.uint8)
    water[2, 2:4] = 0  # two dry pixels in the lake: filled
    water[6, 6:8] = MASK_NODATA  # two pixels of cloud: unknown, left out
    mask = _water_mask(tmp_path, water)
    result = polygonize(mask, tmp_path / "water.gpkg", min_area_m2=300)
    [lake] = _features(tmp_path / "water.gpkg")
    assert lake["holes"] == 1
    assert result.areas_km2 == pytest.approx({"water": 98 * PIXEL_KM2})


def test_a_flood_extent_gives_the_flooded_land_and_the_water_before_apart(tmp_path: Path) -> None:
    before = np.zeros((10, 10), np.uint8)
    before[:, :2] = 1  # the river
    after = before.copy()
    after[:, 2:5] = 1  # it spread east
    after[0, :] = MASK_NODATA
    (tmp_path / "b").mkdir()
    (tmp_path / "a").mkdir()
    flood = flood_extent(
        _water_mask(tmp_path / "a", after), _water_mask(tmp_path / "b", before), tmp_path / "flood.tif"
    )
    result = polygonize(flood.path, tmp_path / "flood.gpkg")
    flooded, river = _features(tmp_path / "flood.gpkg")
    assert (flooded["code"], flooded["class"], flooded["envelope"]) == (1, "flooded", _pixels(2, 5, 1, 10))
    assert (river["code"], river["class"], river["envelope"]) == (2, "water before", _pixels(0, 2, 1, 10))
    assert result.layer == "flood_extent"
    assert result.areas_km2 == pytest.approx({"flooded": 27 * PIXEL_KM2, "water before": 18 * PIXEL_KM2})
    assert result.areas_km2["flooded"] == pytest.approx(flood.areas_km2["flooded"])


def test_a_sentinel_1_water_mask_gives_its_river(tmp_path: Path) -> None:
    """VV backscatter: a dark river (-25 dB) in the west 15 columns, land (-10 dB) east of it."""
    vv = np.full((30, 40), 10 ** (-1.0), dtype=np.float32)
    vv[:, :15] = 10 ** (-2.5)
    s1 = gdal.GetDriverByName("GTiff").Create(str(tmp_path / "s1.tif"), 40, 30, 1, gdal.GDT_Float32)
    s1.SetGeoTransform((WEST, CELL, 0.0, NORTH, 0.0, -CELL))
    s1.SetProjection("EPSG:32722")
    s1.GetRasterBand(1).WriteArray(vv)
    s1.GetRasterBand(1).SetDescription("vv")
    s1 = None
    mask = sar_water_mask(tmp_path / "s1.tif", tmp_path / "water.tif")
    result = polygonize(mask.path, tmp_path / "water.gpkg", min_area_m2=1000)
    [river] = _features(tmp_path / "water.gpkg")
    assert (result.layer, river["class"], river["envelope"]) == (
        "sar_water_mask",
        "water",
        _pixels(0, 15, 0, 30),
    )


def test_on_a_grid_in_degrees_polygons_have_no_area_and_a_minimum_area_is_refused(tmp_path: Path) -> None:
    mask = _water_mask(tmp_path, _lake_and_speck(), crs="EPSG:4326", cell=0.0001)
    result = polygonize(mask, tmp_path / "water.gpkg")
    assert result.features == 2 and result.areas_km2 is None
    assert {feature["area_km2"] for feature in _features(tmp_path / "water.gpkg")} == {None}
    with pytest.raises(InputError, match=r"on a grid in degrees.*minimum area of 0"):
        polygonize(mask, tmp_path / "other.gpkg", min_area_m2=100)
    assert not (tmp_path / "other.gpkg").exists()


def _refused(product: Path, output: Path, match: str, **options) -> None:
    before = sorted(path.name for path in output.parent.iterdir())
    with pytest.raises(InputError, match=match):
        polygonize(product, output, **options)
    assert sorted(path.name for path in output.parent.iterdir()) == before


def test_what_is_not_a_coded_product_is_refused_and_nothing_written(tmp_path: Path) -> None:
    mask = _water_mask(tmp_path, _lake_and_speck())
    _refused(tmp_path / "ndwi.tif", tmp_path / "out.gpkg", "ndwi.tif is FirstLight's NDWI, an index")
    _refused(
        _raster(tmp_path / "plain.tif", np.ones((4, 4), np.uint8)), tmp_path / "out.gpkg", "not a FirstLight"
    )
    gdal.Translate(str(tmp_path / "stack.tif"), gdal.BuildVRT("", [str(mask), str(mask)], separate=True))
    _refused(tmp_path / "stack.tif", tmp_path / "out.gpkg", r"has 2 bands.*not a stack")
    _refused(tmp_path / "missing.tif", tmp_path / "out.gpkg", "Cannot open")


def test_bad_outputs_and_areas_are_refused_and_nothing_written(tmp_path: Path) -> None:
    mask = _water_mask(tmp_path, _lake_and_speck())
    _refused(mask, tmp_path / "out.shp", "must be a GeoPackage")
    _refused(mask, mask, "must be a GeoPackage")
    mask.rename(tmp_path / "water.gpkg")
    _refused(tmp_path / "water.gpkg", tmp_path / "water.gpkg", "is also the product")
    mask = (tmp_path / "water.gpkg").rename(mask)
    _refused(mask, tmp_path / "out.gpkg", "0 m² or more", min_area_m2=-1)
    _refused(mask, tmp_path / "out.gpkg", "0 m² or more", min_area_m2=float("nan"))
    (tmp_path / "folder.gpkg").mkdir()
    _refused(mask, tmp_path / "folder.gpkg", r"folder\.gpkg is a folder: give the path of a \.gpkg file")


def test_a_folder_that_cannot_be_made_is_one_sentence(tmp_path: Path) -> None:
    mask = _water_mask(tmp_path, _lake_and_speck())
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    with pytest.raises(
        FirstLightError,
        match=r"Could not write .*: .*not-a-folder is a file, not a folder; choose another folder\.",
    ):
        polygonize(mask, blocker / "out.gpkg")


def test_a_product_that_does_not_decode_is_one_sentence_and_nothing_written(tmp_path: Path) -> None:
    water = np.zeros((1024, 1024), np.uint8)
    water[100:900, 100:900] = 1
    mask = _water_mask(tmp_path, water)
    data = mask.read_bytes()
    mask.write_bytes(data[: len(data) // 2] + bytes(len(data) - len(data) // 2))  # tiles zeroed
    before = sorted(path.name for path in tmp_path.iterdir())
    with pytest.raises(InputError, match=r"water\.tif could not be read whole \(.*\): compute it again\."):
        polygonize(mask, tmp_path / "water.gpkg")
    assert sorted(path.name for path in tmp_path.iterdir()) == before


def test_an_earlier_file_is_replaced_only_when_the_new_one_is_whole(tmp_path: Path) -> None:
    mask = _water_mask(tmp_path, _lake_and_speck())
    output = tmp_path / "water.gpkg"
    output.write_bytes(b"an earlier run's polygons")
    with pytest.raises(CancelledError):
        polygonize(mask, output, cancel=lambda: True)
    assert output.read_bytes() == b"an earlier run's polygons"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ndwi.tif", "water.gpkg", "water.tif"]
    polygonize(mask, output)
    assert len(_features(output)) == 2


def test_a_stale_write_ahead_log_beside_the_file_is_removed_with_it(tmp_path: Path) -> None:
    """QGIS opens a GeoPackage in WAL mode: a log left beside an earlier file of the same name
    would be replayed into the new one."""
    mask = _water_mask(tmp_path, _lake_and_speck())
    output = tmp_path / "water.gpkg"
    for suffix in ("-wal", "-shm"):
        Path(f"{output}{suffix}").write_bytes(b"an earlier file's log")
    polygonize(mask, output)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ndwi.tif", "water.gpkg", "water.tif"]
    assert len(_features(output)) == 2


def test_progress_runs_from_zero_to_one(tmp_path: Path) -> None:
    mask = _water_mask(tmp_path, _lake_and_speck())
    seen: list[float] = []
    polygonize(mask, tmp_path / "water.gpkg", min_area_m2=250, progress=seen.append)
    assert seen == sorted(seen) and 0 <= seen[0] < 0.35 and seen[-1] == 1.0
