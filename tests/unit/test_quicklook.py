"""Quicklook PNGs of real stacks: the bundled sample, with and without the water overlay."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.errors import CancelledError, InputError
from firstlight_qgis.core.indices import compute_index, water_mask
from firstlight_qgis.core.quicklook import png_bytes, read_preview, tints_for, write_quicklook
from firstlight_qgis.core.stack import create_band_stack
from firstlight_qgis.core.validate import validate_stack
from tests.conftest import RASTER_FIXTURES, ROOT

SAMPLE = ROOT / "resources" / "sample"
S2_ORDER = ("blue", "green", "red", "nir", "swir16", "swir22")
MAPPING = {band: number for number, band in enumerate(S2_ORDER, start=1)}
# The sample's river reach and farmland (see test_indices), at the 256 px preview scale (1/2).
RIVER = (slice(148, 156), slice(65, 115))
LAND = (slice(200, 250), slice(100, 250))


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Path:
    vrt = tmp_path_factory.mktemp("stack") / "stack.vrt"
    gdal.BuildVRT(str(vrt), [str(SAMPLE / f"{b}.tif") for b in S2_ORDER], separate=True).FlushCache()
    return vrt


def _png(path: Path) -> np.ndarray:
    dataset = gdal.Open(str(path))
    assert dataset.GetDriver().ShortName == "PNG"
    return dataset.ReadAsArray()


def test_true_colour_quicklook_is_an_rgba_png_with_a_real_picture(stack, tmp_path):
    output = write_quicklook(stack, tmp_path / "out" / "quick.png", MAPPING, max_size=256)
    assert output == tmp_path / "out" / "quick.png"
    rgba = _png(output)
    assert rgba.shape == (4, 256, 256)
    assert all(rgba[band].std() > 10 for band in range(3))  # not constant
    assert (rgba[3] == 255).mean() > 0.99  # opaque but for the few nodata pixels
    assert [p.name for p in output.parent.iterdir()] == ["quick.png"]


def test_quicklook_never_upscales_and_finds_bands_by_position(stack, tmp_path):
    rgba = _png(write_quicklook(stack, tmp_path / "q.png", sensor="sentinel2", max_size=4000))
    assert rgba.shape == (4, 512, 512)


def test_false_colour_shows_vegetation_red(stack, tmp_path):
    rgba = _png(write_quicklook(stack, tmp_path / "q.png", MAPPING, mode="false", max_size=256)).astype(float)
    assert rgba[0][LAND].mean() > rgba[1][LAND].mean() + 30  # NIR in red: farmland glows red
    assert rgba[0][RIVER].mean() < 40  # water is dark in NIR


def test_water_overlay_tints_the_river_blue(stack, tmp_path):
    ndwi = compute_index(stack, "ndwi", tmp_path / "ndwi.tif", sensor="sentinel2")
    water = water_mask(ndwi.path, tmp_path / "water.tif")
    plain = _png(write_quicklook(stack, tmp_path / "plain.png", MAPPING, max_size=256)).astype(float)
    tinted = _png(write_quicklook(stack, tmp_path / "t.png", MAPPING, water_path=water.path, max_size=256))
    tinted = tinted.astype(float)
    assert tinted[2][RIVER].mean() > 150 > tinted[0][RIVER].mean()
    assert tinted[2][RIVER].mean() > plain[2][RIVER].mean() + 50
    unchanged = (tinted[:, LAND[0], LAND[1]] == plain[:, LAND[0], LAND[1]]).all(axis=0)
    assert unchanged.mean() > 0.98  # farmland keeps its colours, but for a few ponds


def test_a_preview_read_ahead_is_the_same_quicklook_and_stops_on_cancel(stack, tmp_path):
    """``ingest_scene`` reads the preview while the indices are computed, then tints it: the same
    PNG as in one go. A cancel (or failed indices) stops the reading before the next band."""
    ndwi = compute_index(stack, "ndwi", tmp_path / "ndwi.tif", sensor="sentinel2")
    water = water_mask(ndwi.path, tmp_path / "water.tif")
    ahead = read_preview(stack, MAPPING, max_size=256).write(
        tmp_path / "ahead.png", *tints_for({"water": water})
    )
    at_once = write_quicklook(stack, tmp_path / "at_once.png", MAPPING, water_path=water.path, max_size=256)
    assert np.array_equal(_png(ahead), _png(at_once))
    polls = []

    def cancel() -> bool:
        polls.append(1)
        return len(polls) > 1  # after the first band

    with pytest.raises(CancelledError) as raised:
        read_preview(stack, MAPPING, max_size=256, cancel=cancel)
    assert len(polls) == 2 and "\n" not in str(raised.value)


@pytest.mark.parametrize("size, overviews", [(512, False), (2048, False), (2048, True)])
def test_a_preview_takes_the_validations_bands_unless_overviews_average_better(size, overviews, tmp_path):
    """``ingest_scene`` hands the preview the bands the stack validation decoded (nearest, at most
    1024 px): taken as they are, the same picture, unless the preview is smaller than the stack
    and its bands have overviews to average down from; a sample of another size is read anew."""
    bands = {}
    for band in S2_ORDER:  # the sample, 4 times as many pixels for 2048 (no overviews unless built)
        bands[band] = tmp_path / f"{band}.tif"
        gdal.Translate(str(bands[band]), str(SAMPLE / f"{band}.tif"), width=size, height=size)
        if overviews:
            gdal.Open(str(bands[band])).BuildOverviews("AVERAGE", [2, 4])
    stack = create_band_stack(bands, tmp_path / "stack.vrt").path
    validation = validate_stack(stack, list(S2_ORDER), sensor="sentinel2")
    samples = {f.index: f.sample for f in validation.bands.values()}
    assert validation.is_valid and sorted(samples) == sorted(MAPPING.values())
    kept = {number: sample.copy() for number, sample in samples.items()}

    read = read_preview(stack, MAPPING)
    flipped = read_preview(stack, MAPPING, samples={n: sample[::-1] for n, sample in samples.items()})
    assert all(np.array_equal(samples[n], kept[n]) for n in samples)  # never changed
    if overviews:
        assert np.array_equal(flipped.rgb, read.rgb)  # averaged from the overviews, samples unused
    else:
        assert np.array_equal(read_preview(stack, MAPPING, samples=samples).rgb, read.rgb)
        assert np.array_equal(flipped.rgb, read.rgb[:, ::-1])  # taken as they are
    smaller = read_preview(stack, MAPPING, max_size=256, samples=samples)  # not the samples' size
    assert np.array_equal(smaller.rgb, read_preview(stack, MAPPING, max_size=256).rgb)


def test_false_colour_of_a_landsat_stack_uses_nir08_without_being_told_the_sensor(tmp_path):
    madeira = RASTER_FIXTURES / "landsat8_232066_20190727_madeira_river" / "LC08_232066_20190727.tif"
    mapping = {band: n for n, band in enumerate(("blue", "green", "red", "nir08", "swir16", "swir22"), 1)}
    rgba = _png(write_quicklook(madeira, tmp_path / "l.png", mapping, mode="false"))
    assert rgba.shape == (4, 235, 318)
    assert rgba[:3].std() > 10


def test_sar_stack_gets_a_backscatter_quicklook(tmp_path):
    vv = np.full((60, 80), 0.1, dtype=np.float32)
    vv[:, :30] = 0.003
    vv[0, 0] = -32768
    dataset = gdal.GetDriverByName("GTiff").Create(str(tmp_path / "s1.tif"), 80, 60, 2, gdal.GDT_Float32)
    dataset.SetGeoTransform((500000, 10, 0, 5000000, 0, -10))
    dataset.SetProjection("EPSG:32633")
    for number, name in enumerate(("vv", "vh"), start=1):
        band = dataset.GetRasterBand(number)
        band.WriteArray(vv / number)
        band.SetNoDataValue(-32768)
        band.SetDescription(name)
    dataset = None
    rgba = _png(write_quicklook(tmp_path / "s1.tif", tmp_path / "s1.png"))
    assert rgba.shape == (4, 60, 80)
    assert rgba[3, 0, 0] == 0  # nodata is transparent
    assert rgba[0, 1:, :30].max() < rgba[0, :, 30:].min()  # smooth water is dark


def test_quicklook_errors_name_the_problem(stack, tmp_path):
    with pytest.raises(InputError, match="quicklook mode"):
        write_quicklook(stack, tmp_path / "q.png", MAPPING, mode="infrared")
    with pytest.raises(InputError, match="'blue'"):
        write_quicklook(stack, tmp_path / "q.png", {"red": 3, "green": 2})


@pytest.mark.parametrize("height, width", [(1, 1), (2, 3), (7, 5), (1023, 1024)])
def test_the_png_holds_every_pixel_as_given(height, width, tmp_path):
    """FirstLight writes its PNGs itself (two halves deflated side by side, one zlib stream):
    libpng, through GDAL, reads back exactly the pixels, whatever the size."""
    rgba = np.random.default_rng(height).integers(0, 256, (4, height, width), dtype=np.uint8)
    rgba[:, : height // 2] //= 16  # a smooth half and a noisy half, like a picture with water
    (tmp_path / "p.png").write_bytes(png_bytes(rgba))
    assert np.array_equal(_png(tmp_path / "p.png").reshape(rgba.shape), rgba)
