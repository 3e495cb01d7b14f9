"""The bundled offline sample: a real local STAC catalog whose files are what it says they are."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pystac
import pytest
from osgeo import gdal, ogr, osr

from firstlight_qgis.core.bands import SENTINEL2, resolve_bands, resolve_visual, sensor_of_item
from tests.conftest import ROOT, URUGUAY

SAMPLE = ROOT / "resources" / "sample"
ITEM = SAMPLE / "S2_UruguayRiver_20181224_sample.json"
BANDS = ("blue", "green", "red", "nir", "swir16", "swir22")
STAC_DATA_TYPES = {gdal.GDT_Byte: "uint8", gdal.GDT_UInt16: "uint16"}


def _json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _geometry(geojson: dict) -> ogr.Geometry:
    return ogr.CreateGeometryFromJson(json.dumps(geojson))


def test_catalog_links_the_item_and_pystac_reads_it():
    catalog = _json(SAMPLE / "catalog.json")
    assert catalog["type"] == "Catalog"
    items = [link for link in catalog["links"] if link["rel"] == "item"]
    assert [(SAMPLE / link["href"]).resolve() for link in items] == [ITEM.resolve()]
    read = list(pystac.Catalog.from_file(str(SAMPLE / "catalog.json")).get_items())
    assert [item.id for item in read] == ["S2_UruguayRiver_20181224_sample"]
    assert read[0].collection_id == "sentinel-2-l2a"
    assert Path(read[0].assets["blue"].get_absolute_href()) == (SAMPLE / "blue.tif").resolve()


def test_item_describes_a_sentinel2_l2a_scene():
    item = _json(ITEM)
    props = item["properties"]
    assert item["stac_version"] == "1.0.0" and item["collection"] == "sentinel-2-l2a"
    assert props["datetime"].startswith("2018-12-24T13:")
    assert props["platform"] in ("sentinel-2a", "sentinel-2b")
    assert 0 <= props["eo:cloud_cover"] <= 5
    assert props["proj:epsg"] == 32722
    assert props["s2:processing_baseline"].startswith("02.")
    collection = next(link for link in item["links"] if link["rel"] == "collection")
    assert _json(SAMPLE / collection["href"])["id"] == item["collection"]


def test_every_asset_exists_with_its_declared_size_and_checksum():
    assets = _json(ITEM)["assets"]
    assert set(assets) == {*BANDS, "visual", "thumbnail"}
    for key, asset in assets.items():
        assert asset["href"].startswith("./"), key  # relative: the folder can move
        path = SAMPLE / asset["href"]
        assert path.is_file(), key
        assert asset["file:size"] == path.stat().st_size, key
        assert asset["file:checksum"] == "1220" + hashlib.sha256(path.read_bytes()).hexdigest(), key


def test_band_assets_are_valid_cogs_matching_their_metadata():
    item = _json(ITEM)
    for key in (*BANDS, "visual"):
        asset = item["assets"][key]
        dataset = gdal.Open(str(SAMPLE / asset["href"]))
        assert dataset.GetMetadataItem("LAYOUT", "IMAGE_STRUCTURE") == "COG", key
        assert dataset.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "DEFLATE", key
        assert dataset.GetRasterBand(1).GetBlockSize() == [256, 256], key
        assert dataset.GetSpatialRef().GetAuthorityCode(None) == "32722", key
        assert dataset.RasterCount == len(asset["raster:bands"]) == len(asset["eo:bands"]), key
        for number, (raster, eo) in enumerate(zip(asset["raster:bands"], asset["eo:bands"], strict=True), 1):
            band = dataset.GetRasterBand(number)
            assert STAC_DATA_TYPES[band.DataType] == raster["data_type"], key
            assert band.GetNoDataValue() == raster["nodata"], key
            assert dataset.GetGeoTransform()[1] == raster["spatial_resolution"], key
            assert band.GetDescription() == eo["common_name"], key
    for key in BANDS:
        asset = item["assets"][key]
        assert asset["eo:bands"][0]["common_name"] == key
        assert asset["raster:bands"][0]["scale"] == 0.0001 and asset["raster:bands"][0]["offset"] == 0
        assert asset["roles"] == ["data", "reflectance"]
        dataset = gdal.Open(str(SAMPLE / asset["href"]))
        assert [dataset.RasterYSize, dataset.RasterXSize] == item["properties"]["proj:shape"]
        assert list(dataset.GetGeoTransform()) == [
            item["properties"]["proj:transform"][i] for i in (2, 0, 1, 5, 3, 4)
        ]
        assert dataset.GetMetadataItem("PREDICTOR", "IMAGE_STRUCTURE") == "2"
    assert gdal.Open(str(SAMPLE / "thumbnail.png")).RasterCount in (3, 4)


def test_band_lookup_finds_every_band_with_its_scaling():
    item = _json(ITEM)
    assert sensor_of_item(item) == SENTINEL2
    found, missing = resolve_bands(item, SENTINEL2)
    assert missing == []
    assert {band: asset.href for band, asset in found.items()} == {band: f"./{band}.tif" for band in BANDS}
    assert all(
        (a.scale, a.offset, a.nodata, a.resolution_m) == (1e-4, 0.0, 0.0, 20.0) for a in found.values()
    )
    assert resolve_visual(item, SENTINEL2) == "./visual.tif"


def test_footprint_is_the_raster_outline_and_the_area_lies_inside_it():
    item = _json(ITEM)
    footprint = _geometry(item["geometry"])
    dataset = gdal.Open(str(SAMPLE / "blue.tif"))
    west, cell, _, north, _, cell_y = dataset.GetGeoTransform()
    to_wgs84 = osr.CoordinateTransformation(dataset.GetSpatialRef(), _wgs84())
    for x, y in [(west, north), (west + cell * dataset.RasterXSize, north + cell_y * dataset.RasterYSize)]:
        lon, lat, _ = to_wgs84.TransformPoint(x, y)
        assert footprint.Distance(_point(lon, lat)) < 1e-6
    minx, maxx, miny, maxy = footprint.GetEnvelope()
    assert item["bbox"] == pytest.approx([minx, miny, maxx, maxy])

    area = _json(SAMPLE / "area.geojson")
    polygon = _geometry(area["geometry"])
    assert polygon.IsValid() and polygon.Within(footprint)
    assert 0.6 < polygon.GetArea() / footprint.GetArea() < 0.8


def _wgs84() -> osr.SpatialReference:
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4326)
    srs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    return srs


def _point(lon: float, lat: float) -> ogr.Geometry:
    point = ogr.Geometry(ogr.wkbPoint)
    point.AddPoint_2D(lon, lat)
    return point


def test_licence_and_attribution_ship_with_the_sample():
    item = _json(ITEM)
    licence = next(link for link in item["links"] if link["rel"] == "license")
    text = (SAMPLE / licence["href"]).read_text(encoding="utf-8")
    assert "BSD 3-Clause License" in text and "CERTI Foundation" in text
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert "Copernicus Sentinel data 2018" in readme and "fundacaocerti/qda_modelos" in readme
    assert item["properties"]["license"] == "BSD-3-Clause"


def test_the_sample_is_small():
    assert sum((SAMPLE / name).stat().st_size for name in _files(SAMPLE)) < 3.2e6


def test_make_sample_regenerates_the_same_pixels_and_metadata(fixtures_dir, tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        import make_sample
    finally:
        sys.path.remove(str(ROOT / "tools"))
    make_sample.make_sample(URUGUAY, tmp_path)
    assert _files(tmp_path) == _files(SAMPLE)
    for name in [name for name in _files(SAMPLE) if name.endswith((".tif", ".png"))]:
        np.testing.assert_array_equal(
            gdal.Open(str(tmp_path / name)).ReadAsArray(), gdal.Open(str(SAMPLE / name)).ReadAsArray(), name
        )
    for name in ("catalog.json", "collection.json", "area.geojson", ITEM.name):
        # Byte sizes and checksums may differ between GDAL versions; everything else must not.
        assert _without_file_fields(_json(tmp_path / name)) == _without_file_fields(_json(SAMPLE / name)), (
            name
        )
    assert (tmp_path / "README.md").read_text() == (SAMPLE / "README.md").read_text()


def _files(folder: Path) -> list[str]:
    """The sample's files, without the .aux.xml side-cars QGIS or gdalinfo may leave."""
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".aux.xml"))


def _without_file_fields(document: dict) -> dict:
    for asset in document.get("assets", {}).values():
        asset.pop("file:size")
        asset.pop("file:checksum")
    return document
