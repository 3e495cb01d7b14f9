"""The seed's task 1.7.6: discover -> download -> stack -> validate -> NDWI, with real parts.

A real STAC API (``rustac serve``) holds the bundled sample item with hrefs on our own asset
server, which serves the sample's COGs over HTTP with Range and injects faults on demand.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core import overviews
from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.errors import BandResolutionError, DownloadError, InputError
from firstlight_qgis.core.ingest import SKIP_VALIDATION_WARNING, IngestOptions, ingest_scene
from firstlight_qgis.core.quicklook import write_quicklook
from tests.support.asset_server import AssetServer
from tests.support.sample import ITEM_ID, SAMPLE, copy_sample, served_item
from tests.support.stac_server import stac_api

pytestmark = pytest.mark.integration

NO_NIR_ID = "S2_UruguayRiver_20181224_no_nir"
EVENT = "flood.riverine"
BANDS = ["blue", "green", "red", "nir", "swir16", "swir22"]
FAST = {"max_retries": 3, "timeout": 5.0}
UTM = "EPSG:32722"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssetServer]:
    with AssetServer(copy_sample(tmp_path_factory.mktemp("assets"))) as running:
        yield running


@pytest.fixture(scope="module")
def catalog_url(server: AssetServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    item = served_item(server)
    no_nir = copy.deepcopy(item)
    no_nir["id"] = NO_NIR_ID
    del no_nir["assets"]["nir"]
    with stac_api([item, no_nir], tmp_path_factory.mktemp("stac")) as url:
        yield url


@pytest.fixture(autouse=True)
def _clean_server(server: AssetServer) -> Iterator[None]:
    server.clear_faults()
    server.clear_log()
    yield
    server.clear_faults()


@pytest.fixture(scope="module")
def area():
    return parse_area(SAMPLE / "area.geojson")


def _scene(catalog_url: str, area, scene_id: str = ITEM_ID):
    scenes = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=catalog_url)
    return next(s for s in scenes if s.id == scene_id)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_discover_returns_band_urls_on_the_asset_server(catalog_url, server, area) -> None:
    scene = _scene(catalog_url, area)
    assert list(scene.band_urls) == BANDS
    assert all(href.startswith(server.base_url) for href in scene.band_urls.values())
    assert scene.missing_bands == []
    assert scene.coverage_percent == pytest.approx(100.0)


def test_full_flow_clipped_to_the_area(catalog_url, server, area, tmp_path) -> None:
    result = ingest_scene(
        _scene(catalog_url, area), tmp_path, area=area, event=EVENT, options=IngestOptions(**FAST)
    )

    scene_dir = tmp_path / ITEM_ID
    assert sorted(p.name for p in scene_dir.glob("*.tif") if p.stem in BANDS) == sorted(
        f"{b}.tif" for b in BANDS
    )
    vrt = gdal.Open(str(result.stack.path))
    assert [vrt.GetRasterBand(i).GetDescription() for i in range(1, vrt.RasterCount + 1)] == BANDS
    assert result.validation.is_valid
    # Only the area's window was read: far fewer bytes than the six whole files.
    whole = sum((SAMPLE / f"{b}.tif").stat().st_size for b in BANDS)
    assert 0 < server.bytes_sent() < 0.9 * whole
    # The clipped band holds the source's pixels at the same coordinates.
    clipped = gdal.Open(str(scene_dir / "nir.tif"))
    source = gdal.Open(str(SAMPLE / "nir.tif"))
    cgt, sgt = clipped.GetGeoTransform(), source.GetGeoTransform()
    col, row = round((cgt[0] - sgt[0]) / sgt[1]), round((cgt[3] - sgt[3]) / sgt[5])
    expected = source.ReadAsArray(col, row, clipped.RasterXSize, clipped.RasterYSize)
    np.testing.assert_array_equal(clipped.ReadAsArray(), expected)

    water = result.water_mask
    assert water is not None and 0.10 < water.positive_fraction < 0.17
    mask = gdal.Open(str(water.path)).ReadAsArray()
    ndwi = gdal.Open(str(result.indices["ndwi"].path)).ReadAsArray()
    assert np.array_equal(mask == 1, ndwi > 0)

    manifest = json.loads(result.manifest_path.read_text())
    assert manifest["mode"] == "clip_to_area"
    assert manifest["event"] == EVENT  # three floods make the same products: only this tells them apart
    assert manifest["scene"]["id"] == ITEM_ID
    assert manifest["item"]["id"] == ITEM_ID
    for band in BANDS:
        entry = manifest["bands"][band]
        assert entry["href"] == server.url(f"{band}.tif")
        assert entry["sha256"] == _sha256(scene_dir / entry["file"])
        assert entry["bytes_transferred"] > 0
    assert manifest["stack"]["band_mapping"] == {b: i for i, b in enumerate(BANDS, 1)}
    quicklook = write_quicklook(result.stack.path, tmp_path / "q.png", water_path=water.path)
    assert (
        gdal.Open(str(result.quicklook_path)).ReadAsArray().tobytes()
        == gdal.Open(str(quicklook)).ReadAsArray().tobytes()
    )
    # drawn from the validation's bands, which the result does not carry (2 MB a band)
    assert result.validation is not None and all(f.sample is None for f in result.validation.bands.values())


def test_a_large_area_gets_overviews_and_a_new_area_new_ones(
    catalog_url, area, tmp_path, monkeypatch
) -> None:
    """The sample's area (430 px) counts as large here. Re-clipped for another area (under one of
    its four tiles: an area under the same tiles keeps the same files), each band file gets
    overviews of its new pixels, never keeps those of the old ones."""
    monkeypatch.setattr(overviews, "OVERVIEWS_FROM", 128)
    monkeypatch.setattr(overviews, "_SMALLEST", 64)
    scene_dir = tmp_path / ITEM_ID
    scene_dir.mkdir()
    (scene_dir / "scl.tif.ovr.part").write_bytes(b"II*\0")  # overviews a crash left half-written
    for bounds, levels in ((area, 2), (parse_area([306_010, 6_992_010, 310_010, 6_995_010], crs=UTM), 1)):
        result = ingest_scene(
            _scene(catalog_url, area), tmp_path, area=bounds, event=EVENT, options=IngestOptions(**FAST)
        )
        manifest = json.loads(result.manifest_path.read_text())
        for band in BANDS:
            ovr = gdal.Open(str(scene_dir / f"{band}.tif.ovr"))
            first = ovr.ReadAsArray()
            band_file = gdal.Open(str(scene_dir / f"{band}.tif"))
            pixels = band_file.ReadAsArray().astype(np.float64)
            assert first.shape == (pixels.shape[0] // 2, pixels.shape[1] // 2)  # 512 or 256 px: even
            blocks = pixels.reshape(first.shape[0], 2, first.shape[1], 2)
            whole = (blocks != band_file.GetRasterBand(1).GetNoDataValue()).all(axis=(1, 3))
            assert whole.mean() > 0.9 and np.abs(first - blocks.mean(axis=(1, 3)))[whole].max() <= 0.5, band
            assert 1 + ovr.GetRasterBand(1).GetOverviewCount() == levels
            assert manifest["bands"][band]["overviews"] == f"{band}.tif.ovr"
        assert not list(scene_dir.glob("*.part"))
        assert result.validation is not None and result.validation.is_valid


def test_whole_scene_download_is_byte_identical(catalog_url, area, tmp_path) -> None:
    result = ingest_scene(
        _scene(catalog_url, area),
        tmp_path,
        area=area,
        event=EVENT,
        options=IngestOptions(clip_to_area=False, **FAST),
    )
    for band in BANDS:
        assert (tmp_path / ITEM_ID / f"{band}.tif").read_bytes() == (SAMPLE / f"{band}.tif").read_bytes()
    # The whole sample has the fixture's water share: 12 % of the valid pixels are NDWI > 0.
    assert result.indices["ndwi"].positive_fraction == pytest.approx(0.12, abs=0.01)
    assert result.stack.resolution == (20.0, 20.0)


def test_water_lies_where_the_river_is(catalog_url, area, tmp_path) -> None:
    result = ingest_scene(
        _scene(catalog_url, area), tmp_path, event=EVENT, options=IngestOptions(clip_to_area=False, **FAST)
    )
    mask = gdal.Open(str(result.water_mask.path)).ReadAsArray()
    # The river's straight east-west reach in the 512 px sample, and farmland to the south-east.
    assert (mask[296:312, 130:230] == 1).all()
    assert (mask[400:500, 200:500] == 1).mean() < 0.01


def test_retry_on_partial_failure(catalog_url, server, area, tmp_path) -> None:
    server.inject("/nir.tif", ["503", "reset", "429:1"])
    server.inject("/green.tif", ["html200"])
    result = ingest_scene(
        _scene(catalog_url, area),
        tmp_path,
        area=area,
        event=EVENT,
        options=IngestOptions(clip_to_area=False, **FAST),
    )
    assert result.bands["nir"].retries >= 1
    assert result.bands["green"].retries >= 1
    assert server.pending_faults() == []
    for band in ("nir", "green"):
        assert (tmp_path / ITEM_ID / f"{band}.tif").read_bytes() == (SAMPLE / f"{band}.tif").read_bytes()


def test_resume_skips_complete_files_and_continues_a_half_written_one(
    catalog_url, server, area, tmp_path
) -> None:
    scene = _scene(catalog_url, area)
    options = IngestOptions(clip_to_area=False, **FAST)
    ingest_scene(scene, tmp_path, area=area, event=EVENT, options=options)
    blue = tmp_path / ITEM_ID / "blue.tif"
    data = blue.read_bytes()
    half = len(data) // 2
    blue.unlink()
    blue.with_name("blue.tif.part").write_bytes(data[:half])
    server.clear_log()

    result = ingest_scene(scene, tmp_path, area=area, event=EVENT, options=options)

    assert blue.read_bytes() == (SAMPLE / "blue.tif").read_bytes()
    assert result.bands["blue"].resumed_from == half
    assert result.bands["blue"].bytes_transferred == len(data) - half
    for band in BANDS[1:]:
        assert result.bands[band].skipped and result.bands[band].bytes_transferred == 0
    gets = server.log(method="GET")
    assert [(r.path, r.range) for r in gets] == [("/blue.tif", f"bytes={half}-")]


def test_a_band_that_never_downloads_fails_clearly_and_leaves_no_manifest(
    catalog_url, server, area, tmp_path
) -> None:
    server.inject("/swir22.tif", ["html200"] * 10)
    with pytest.raises(DownloadError, match="swir22") as raised:
        ingest_scene(
            _scene(catalog_url, area),
            tmp_path,
            area=area,
            event=EVENT,
            options=IngestOptions(clip_to_area=False, max_retries=2, timeout=5.0),
        )
    assert "\n" not in str(raised.value)
    assert not (tmp_path / ITEM_ID / "manifest.json").exists()
    assert not (tmp_path / ITEM_ID / "swir22.tif").exists()


def test_missing_band_is_an_error_unless_validation_is_skipped(catalog_url, area, tmp_path) -> None:
    scene = _scene(catalog_url, area, NO_NIR_ID)
    assert scene.missing_bands == ["nir"]
    with pytest.raises(BandResolutionError, match="nir"):
        ingest_scene(scene, tmp_path, area=area, event=EVENT, options=IngestOptions(**FAST))

    result = ingest_scene(
        scene, tmp_path, area=area, event=EVENT, options=IngestOptions(skip_validation=True, **FAST)
    )
    assert result.validation is None
    assert SKIP_VALIDATION_WARNING in result.warnings
    assert "nir" not in result.stack.band_mapping
    assert "ndwi" not in result.indices and "mndwi" in result.indices  # MNDWI needs no NIR
    assert result.water_mask is None
    assert json.loads(result.manifest_path.read_text())["validation"] is None


def test_rollback_flag_fetches_only_the_visual_file(catalog_url, area, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FIRSTLIGHT_MULTI_BAND_DOWNLOAD", "false")
    result = ingest_scene(_scene(catalog_url, area), tmp_path, event=EVENT, options=IngestOptions(**FAST))
    assert list(result.bands) == ["visual"]
    assert result.visual_path.read_bytes() == (SAMPLE / "visual.tif").read_bytes()
    assert result.stack is None and result.indices == {}
    assert result.validation.is_valid
    assert any("TCI" in w for w in result.warnings)


def test_event_and_sensor_must_agree(catalog_url, area, tmp_path) -> None:
    scene = _scene(catalog_url, area)
    with pytest.raises(InputError, match=r"Unknown event 'flood\.tsunami'"):
        ingest_scene(scene, tmp_path, area=area, event="flood.tsunami")
    scene.source = "sentinel1"
    with pytest.raises(InputError, match="does not use"):
        ingest_scene(scene, tmp_path, area=area, event="drought.vegetation")
