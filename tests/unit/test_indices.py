"""Indices, cloud masks and water masks on real imagery: the bundled sample and the shared fixtures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core import overviews
from firstlight_qgis.core.errors import CancelledError, InputError
from firstlight_qgis.core.indices import (
    BLOCK_ROWS,
    INDEX_BANDS,
    MASK_NODATA,
    OTSU_MIN_SEPARABILITY,
    compute_index,
    compute_indices,
    otsu_caveat,
    otsu_threshold,
    sar_water_mask,
    water_mask,
)
from tests.conftest import RASTER_FIXTURES, ROOT

SAMPLE = ROOT / "resources" / "sample"
S2_ORDER = ("blue", "green", "red", "nir", "swir16", "swir22")
DESERT = RASTER_FIXTURES / "s2_29RKH_20200219_desert"
CLOUDY_LANDSAT = RASTER_FIXTURES / "landsat8_c2l2_001062_20201031_cloudy"
MADEIRA = RASTER_FIXTURES / "landsat8_232066_20190727_madeira_river" / "LC08_232066_20190727.tif"
# Regions of the sample picked by looking at it: the river's straight east-west reach, and two
# stretches of farmland (north edge, south-east).
RIVER = (slice(296, 312), slice(130, 230))
LAND = [(slice(0, 40), slice(100, 400)), (slice(400, 500), slice(200, 500))]


def _stack(paths: list[Path], vrt: Path) -> Path:
    gdal.BuildVRT(str(vrt), [str(p) for p in paths], separate=True, resolution="highest").FlushCache()
    return vrt


def _read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


@pytest.fixture(scope="module")
def sample_stack(tmp_path_factory) -> Path:
    """The six sample COGs stacked in canonical order (no band descriptions: found by position)."""
    return _stack([SAMPLE / f"{band}.tif" for band in S2_ORDER], tmp_path_factory.mktemp("s") / "stack.vrt")


@pytest.fixture(scope="module")
def sample_ndwi(sample_stack, tmp_path_factory):
    return compute_index(
        sample_stack, "ndwi", tmp_path_factory.mktemp("ndwi") / "ndwi.tif", sensor="sentinel2"
    )


def _dn(band: str) -> np.ndarray:
    return _read(SAMPLE / f"{band}.tif").astype(np.float64)


def _normalised_difference(a: np.ndarray, b: np.ndarray, nodata: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        index = (a - b) / (a + b)
    index[nodata | ~np.isfinite(index)] = np.nan
    return index


def test_ndwi_of_the_sample_finds_about_twelve_percent_water_where_the_river_is(sample_stack, sample_ndwi):
    assert 0.09 < sample_ndwi.positive_fraction < 0.15
    assert sample_ndwi.valid_fraction > 0.999
    assert sample_ndwi.threshold is None
    ndwi = _read(sample_ndwi.path)
    assert (ndwi[RIVER] > 0).all()
    for land in LAND:
        assert (ndwi[land] > 0).mean() < 0.01


def test_index_raster_is_a_tiled_zstd_float32_on_the_stack_grid(sample_stack, sample_ndwi):
    stack, out = gdal.Open(str(sample_stack)), gdal.Open(str(sample_ndwi.path))
    band = out.GetRasterBand(1)
    assert band.DataType == gdal.GDT_Float32
    assert np.isnan(band.GetNoDataValue())
    assert band.GetBlockSize() == [256, 256]
    assert out.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "ZSTD"
    assert (out.RasterXSize, out.RasterYSize) == (stack.RasterXSize, stack.RasterYSize)
    assert out.GetGeoTransform() == stack.GetGeoTransform()
    assert out.GetSpatialRef().IsSame(stack.GetSpatialRef())
    assert out.GetMetadataItem("FIRSTLIGHT_INDEX") == "ndwi"
    assert [p.name for p in sample_ndwi.path.parent.iterdir()] == ["ndwi.tif"]  # no temp file left


def test_mndwi_of_the_sample_agrees_with_ndwi_on_the_river(sample_stack, tmp_path):
    result = compute_index(sample_stack, "MNDWI", tmp_path / "mndwi.tif", sensor="sentinel2")
    assert result.name == "mndwi"
    assert 0.09 < result.positive_fraction < 0.15
    mndwi = _read(result.path)
    assert (mndwi[RIVER] > 0).all()
    for land in LAND:
        assert (mndwi[land] > 0).mean() < 0.01


def test_index_equals_the_formula_on_the_source_pixels_with_scale_and_offset(
    sample_stack, sample_ndwi, tmp_path
):
    green, nir = _dn("green"), _dn("nir")
    nodata = (green == 0) | (nir == 0)
    expected = _normalised_difference(green * 1e-4, nir * 1e-4, nodata)
    np.testing.assert_allclose(_read(sample_ndwi.path), expected, rtol=1e-5, atol=1e-6, equal_nan=True)

    scaling = {"green": (1e-4, -0.1), "nir": (1e-4, -0.1)}
    shifted = compute_index(sample_stack, "ndwi", tmp_path / "ndwi.tif", sensor="sentinel2", scaling=scaling)
    # Negative reflectance (DN < 1000 here) is clamped to 0: dark water then has no valid ratio.
    expected = _normalised_difference(
        np.maximum(green * 1e-4 - 0.1, 0), np.maximum(nir * 1e-4 - 0.1, 0), nodata
    )
    np.testing.assert_allclose(_read(shifted.path), expected, rtol=1e-5, atol=1e-6, equal_nan=True)
    assert "x0.0001 -0.1" in gdal.Open(str(shifted.path)).GetMetadataItem("FIRSTLIGHT_SCALING")


def test_offset_undoes_the_plus_1000_dn_of_baseline_04(sample_ndwi, tmp_path):
    """Planetary Computer / Copernicus L2A from baseline 04.00 store DN + 1000; offset -0.1 undoes it."""
    paths = []
    for band in ("green", "nir"):
        source = gdal.Open(str(SAMPLE / f"{band}.tif"))
        dn = source.ReadAsArray()
        shifted = gdal.GetDriverByName("GTiff").CreateCopy(str(tmp_path / f"{band}.tif"), source)
        shifted.GetRasterBand(1).WriteArray(np.where(dn == 0, 0, dn + 1000))
        shifted = None
        paths.append(tmp_path / f"{band}.tif")
    stack = _stack(paths, tmp_path / "baseline04.vrt")
    mapping = {"green": 1, "nir": 2}
    scaling = {"green": (1e-4, -0.1), "nir": (1e-4, -0.1)}
    right = compute_index(
        stack, "ndwi", tmp_path / "right.tif", sensor="sentinel2", scaling=scaling, band_mapping=mapping
    )
    wrong = compute_index(stack, "ndwi", tmp_path / "wrong.tif", sensor="sentinel2", band_mapping=mapping)
    np.testing.assert_allclose(_read(right.path), _read(sample_ndwi.path), atol=1e-4, equal_nan=True)
    assert right.positive_fraction == pytest.approx(sample_ndwi.positive_fraction, abs=1e-4)
    # Without the offset the +1000 squeezes the index towards 0: the river's NDWI drops by half.
    assert np.nanmedian(_read(wrong.path)[RIVER]) < np.nanmedian(_read(right.path)[RIVER]) / 2


@pytest.mark.parametrize("name", ["nbr", "ndvi"])
def test_nbr_and_ndvi_stay_in_range_and_are_high_on_vegetation(sample_stack, tmp_path, name):
    result = compute_index(sample_stack, name, tmp_path / f"{name}.tif", sensor="sentinel2")
    values = _read(result.path)
    finite = values[np.isfinite(values)]
    assert finite.min() >= -1 and finite.max() <= 1
    for land in LAND:
        assert np.nanmedian(values[land]) > 0.3
    if name == "ndvi":
        assert np.nanmedian(values[RIVER]) < 0
        assert 0.8 < result.positive_fraction < 0.95


def test_band_mapping_overrides_positions(sample_stack, tmp_path):
    reordered = _stack([SAMPLE / "nir.tif", SAMPLE / "green.tif"], tmp_path / "two.vrt")
    result = compute_index(
        reordered, "ndwi", tmp_path / "ndwi.tif", sensor="sentinel2", band_mapping={"nir": 1, "green": 2}
    )
    reference = compute_index(sample_stack, "ndwi", tmp_path / "ref.tif", sensor="sentinel2")
    np.testing.assert_array_equal(_read(result.path), _read(reference.path))


def test_bands_are_found_by_description(tmp_path):
    vrt = _stack([SAMPLE / "nir.tif", SAMPLE / "green.tif"], tmp_path / "described.vrt")
    dataset = gdal.Open(str(vrt), gdal.GA_Update)
    dataset.GetRasterBand(1).SetDescription("B08")
    dataset.GetRasterBand(2).SetDescription("green")
    dataset = None
    result = compute_index(vrt, "ndwi", tmp_path / "ndwi.tif", sensor="sentinel2")
    assert 0.09 < result.positive_fraction < 0.15


def test_landsat_nir_is_nir08_and_madeira_river_is_found(tmp_path):
    # Collection-1 style surface reflectance x 10000: the default C2 scaling would be wrong.
    scaling = {"green": (1e-4, 0.0), "nir08": (1e-4, 0.0)}
    by_position = compute_index(MADEIRA, "ndwi", tmp_path / "a.tif", sensor="landsat", scaling=scaling)
    by_mapping = compute_index(
        MADEIRA,
        "ndwi",
        tmp_path / "b.tif",
        sensor="landsat",
        scaling=scaling,
        band_mapping={"green": 2, "nir08": 4},
    )
    assert 0.05 < by_position.positive_fraction < 0.15
    np.testing.assert_array_equal(_read(by_position.path), _read(by_mapping.path))
    assert "nir08=band 4" in gdal.Open(str(by_position.path)).GetMetadataItem("FIRSTLIGHT_BANDS")


@pytest.fixture(scope="module")
def desert_stack(tmp_path_factory) -> Path:
    names = ["B02", "B03", "B04", "B08", "B11", "B12"]
    return _stack([DESERT / f"{n}.tif" for n in names], tmp_path_factory.mktemp("desert") / "stack.vrt")


def test_desert_has_no_water(desert_stack, tmp_path):
    for name in ("ndwi", "mndwi"):
        result = compute_index(desert_stack, name, tmp_path / f"{name}.tif", sensor="sentinel2")
        assert result.valid_fraction > 0.99
        assert result.positive_fraction < 0.005


def test_otsu_in_a_desert_is_said_to_find_no_clear_water(desert_stack, sample_ndwi, tmp_path):
    """A desert's MNDWI has one mode: Otsu splits it all the same and calls 40 % of the sand water.
    The mask says how well its threshold split the index, and a sentence says what to do."""
    mndwi = compute_index(desert_stack, "mndwi", tmp_path / "mndwi.tif", sensor="sentinel2")
    desert = water_mask(mndwi.path, tmp_path / "desert_water.tif", "otsu")
    assert desert.positive_fraction > 0.2  # what Otsu does to one mode
    assert desert.otsu_separability < OTSU_MIN_SEPARABILITY
    assert gdal.Open(str(desert.path)).GetMetadataItem("FIRSTLIGHT_OTSU_SEPARABILITY") == (
        f"{desert.otsu_separability:.3f}"
    )
    caveat = otsu_caveat(desert)
    assert caveat.startswith(f"Otsu's threshold ({desert.threshold:.2f}) found no clear water")
    assert caveat.endswith("use a fixed threshold such as 0.")

    river = water_mask(sample_ndwi.path, tmp_path / "river_water.tif", "otsu")  # a river: two modes
    assert river.otsu_separability > 0.85 and otsu_caveat(river) is None
    assert otsu_caveat(water_mask(mndwi.path, tmp_path / "fixed.tif", 0.0)) is None  # no Otsu, no doubt


def _scl_on_stack_grid(scl: np.ndarray) -> np.ndarray:
    """The 200 m SCL on the 100 m stack grid: both grids share their origin, so nearest = repeat."""
    return np.repeat(np.repeat(scl, 2, axis=0), 2, axis=1)


def test_scl_masks_cloud_shadow_cirrus_and_nodata_classes(desert_stack, tmp_path):
    unmasked = _read(compute_index(desert_stack, "ndwi", tmp_path / "raw.tif", sensor="sentinel2").path)
    result = compute_index(
        desert_stack, "ndwi", tmp_path / "ndwi.tif", sensor="sentinel2", mask_path=DESERT / "SCL.tif"
    )
    masked = _read(result.path)
    scl = _scl_on_stack_grid(_read(DESERT / "SCL.tif"))
    flagged = np.isin(scl, [0, 1, 3, 8, 9, 10])
    assert flagged.sum() > 40_000  # the real SCL has medium/high cloud and thin cirrus
    assert np.isnan(masked[flagged]).all()
    np.testing.assert_array_equal(masked[~flagged], unmasked[~flagged])
    assert result.valid_fraction == pytest.approx(np.isfinite(masked).mean())
    assert gdal.Open(str(result.path)).GetMetadataItem("FIRSTLIGHT_CLOUD_MASK") == "SCL.tif"


def test_a_cloud_drawn_into_the_scl_becomes_nan(desert_stack, tmp_path):
    source = gdal.Open(str(DESERT / "SCL.tif"))
    scl = source.ReadAsArray()
    assert (scl[300:350, 100:200] == 5).all()  # bare soil in the real SCL
    scl[300:350, 100:200] = 9  # cloud, high probability
    drawn = gdal.GetDriverByName("GTiff").CreateCopy(str(tmp_path / "scl.tif"), source)
    drawn.GetRasterBand(1).WriteArray(scl)
    drawn = None
    masked = _read(
        compute_index(
            desert_stack, "ndwi", tmp_path / "ndwi.tif", sensor="sentinel2", mask_path=tmp_path / "scl.tif"
        ).path
    )
    assert np.isnan(masked[600:700, 200:400]).all()
    assert np.isfinite(masked[700:720, 200:400]).all()


@pytest.mark.parametrize("threshold", [-0.3, "otsu"])
def test_indices_and_water_in_one_pass_are_those_made_one_after_the_other(desert_stack, tmp_path, threshold):
    """NDWI and MNDWI read from one pass (green once), the water mask classified from NDWI in
    memory (with Otsu: from its file): the same pixels, fractions and metadata as compute_index
    twice, then water_mask of the NDWI file."""
    scl = DESERT / "SCL.tif"
    apart, together = tmp_path / "apart", tmp_path / "together"
    single = {
        name: compute_index(desert_stack, name, apart / f"{name}.tif", sensor="sentinel2", mask_path=scl)
        for name in ("ndwi", "mndwi")
    }
    single["water"] = water_mask(single["ndwi"].path, apart / "water.tif", threshold)
    fused = compute_indices(
        desert_stack,
        {name: together / f"{name}.tif" for name in ("ndwi", "mndwi")},
        sensor="sentinel2",
        mask_path=scl,
        water=(together / "water.tif", threshold),
    )
    assert list(fused) == ["ndwi", "mndwi", "water"]
    for name, alone in single.items():
        one = fused[name]
        assert (one.valid_fraction, one.positive_fraction, one.threshold, one.areas_km2) == (
            alone.valid_fraction,
            alone.positive_fraction,
            alone.threshold,
            alone.areas_km2,
        )
        np.testing.assert_array_equal(_read(one.path), _read(alone.path))
        first, second = gdal.Open(str(one.path)), gdal.Open(str(alone.path))
        assert first.GetMetadata() == second.GetMetadata()
        assert first.GetRasterBand(1).GetDescription() == second.GetRasterBand(1).GetDescription()
        assert first.GetRasterBand(1).DataType == second.GetRasterBand(1).DataType
    assert 0 < fused["water"].positive_fraction < 1  # a threshold that splits the desert's NDWI


@pytest.mark.parametrize(("threshold", "passes"), [(0.0, 1), ("otsu", 2)])
def test_progress_climbs_strip_by_strip_to_the_end_of_its_passes(desert_stack, tmp_path, threshold, passes):
    done: list[float] = []
    compute_indices(
        desert_stack,
        {"ndwi": tmp_path / "ndwi.tif"},
        sensor="sentinel2",
        water=(tmp_path / "water.tif", threshold),
        progress=done.append,
    )
    strips = -(-gdal.Open(str(desert_stack)).RasterYSize // BLOCK_ROWS)
    assert len(done) == strips * passes and done == sorted(done) and done[-1] == 1.0
    if passes == 2:  # the index, then the mask read back from it (Otsu): half each
        assert done[strips - 1] == 0.5


def test_a_cancelled_pass_leaves_none_of_its_files(sample_stack, tmp_path):
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) >= 2

    outputs = {name: tmp_path / "out" / f"{name}.tif" for name in ("ndwi", "mndwi")}
    with pytest.raises(CancelledError):
        compute_indices(
            sample_stack,
            outputs,
            sensor="sentinel2",
            water=(outputs["ndwi"].with_name("water.tif"), 0),
            cancel=cancel,
        )
    assert list((tmp_path / "out").iterdir()) == []


def _landsat_stack(tmp_path: Path) -> Path:
    prefix = CLOUDY_LANDSAT / "LC08_L2SP_001062_20201031_20201106_02_T2_SR_B"
    return _stack([Path(f"{prefix}{n}.TIF") for n in range(2, 8)], tmp_path / "landsat.vrt")


def test_landsat_qa_pixel_fill_cloud_and_shadow_bits_mask_everything_on_a_cloudy_scene(tmp_path):
    stack = _landsat_stack(tmp_path)
    qa_path = CLOUDY_LANDSAT / "LC08_L2SP_001062_20201031_20201106_02_T2_QA_PIXEL.TIF"
    plain = compute_index(stack, "ndwi", tmp_path / "plain.tif", sensor="landsat")
    assert plain.valid_fraction > 0.5
    masked = compute_index(stack, "ndwi", tmp_path / "masked.tif", sensor="landsat", mask_path=qa_path)
    assert masked.valid_fraction == 0
    assert masked.positive_fraction is None

    source = gdal.Open(str(qa_path))
    qa = source.ReadAsArray()
    qa[100:200, 100:200] = 21824  # clear land: no fill, cloud, cirrus or shadow bit
    clear = gdal.GetDriverByName("GTiff").CreateCopy(str(tmp_path / "qa.tif"), source)
    clear.GetRasterBand(1).WriteArray(qa)
    clear = None
    partly = _read(
        compute_index(
            stack, "ndwi", tmp_path / "partly.tif", sensor="landsat", mask_path=tmp_path / "qa.tif"
        ).path
    )
    expected = np.full(partly.shape, np.nan, dtype=np.float32)
    expected[100:200, 100:200] = _read(plain.path)[100:200, 100:200]
    np.testing.assert_array_equal(partly, expected)


def test_otsu_threshold_splits_two_modes():
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.normal(-0.5, 0.08, 20_000), rng.normal(0.6, 0.08, 3_000), [np.nan] * 10])
    threshold = otsu_threshold(values)
    assert -0.2 < threshold < 0.3
    assert ((values > threshold) == (values > 0.05))[np.isfinite(values)].mean() > 0.999
    assert otsu_threshold(np.array([0.0, 0.0, 1.0, 1.0])) == pytest.approx(0.5, abs=0.01)
    assert otsu_threshold(np.full(5, 0.3)) == pytest.approx(0.3)
    with pytest.raises(InputError, match="fixed threshold"):
        otsu_threshold(np.array([np.nan]))


def test_water_mask_with_threshold_zero_matches_the_index(sample_ndwi, tmp_path):
    result = water_mask(sample_ndwi.path, tmp_path / "water.tif", 0.0)
    ndwi, mask = _read(sample_ndwi.path), _read(result.path)
    dataset = gdal.Open(str(result.path))
    assert dataset.GetRasterBand(1).DataType == gdal.GDT_Byte
    assert dataset.GetRasterBand(1).GetNoDataValue() == MASK_NODATA
    np.testing.assert_array_equal(mask, np.where(np.isnan(ndwi), 255, ndwi > 0).astype(np.uint8))
    assert set(np.unique(mask)) == {0, 1, 255}
    assert result.name == "water" and result.threshold == 0.0
    assert result.positive_fraction == pytest.approx(sample_ndwi.positive_fraction)
    assert result.valid_fraction == pytest.approx(sample_ndwi.valid_fraction)
    assert dataset.GetMetadataItem("FIRSTLIGHT_THRESHOLD") == "0.0"
    assert dataset.GetMetadataItem("FIRSTLIGHT_SOURCE") == "ndwi"
    # The areas a report gives: the sample's 20 m pixels (its UTM grid), water and dry land.
    _, cell_x, _, _, _, cell_y = dataset.GetGeoTransform()
    pixel_km2 = abs(cell_x * cell_y) / 1e6
    assert result.areas_km2 == pytest.approx(
        {"dry": (mask == 0).sum() * pixel_km2, "water": (mask == 1).sum() * pixel_km2}
    )
    assert sample_ndwi.areas_km2 is None  # an index has no classes


def test_water_mask_with_otsu_records_its_threshold(sample_ndwi, tmp_path):
    result = water_mask(sample_ndwi.path, tmp_path / "water.tif", "otsu")
    assert -0.3 < result.threshold < 0.3
    assert 0.09 < result.positive_fraction < 0.15
    dataset = gdal.Open(str(result.path))
    assert float(dataset.GetMetadataItem("FIRSTLIGHT_THRESHOLD")) == result.threshold
    assert dataset.GetMetadataItem("FIRSTLIGHT_THRESHOLD_METHOD") == "otsu"
    assert (_read(result.path)[RIVER] == 1).all()


def test_water_mask_rejects_a_threshold_that_is_not_a_number(sample_ndwi, tmp_path):
    with pytest.raises(InputError, match="a number such as 0, or otsu"):
        water_mask(sample_ndwi.path, tmp_path / "water.tif", "median")
    assert water_mask(sample_ndwi.path, tmp_path / "water.tif", "0.1").threshold == 0.1


def _sar_stack(path: Path) -> np.ndarray:
    """VV, VH linear power: a dark river (-25 dB) left, land (-10 dB) right, fill and zero pixels."""
    vv = np.full((300, 40), 10 ** (-1.0), dtype=np.float32)
    vv[:, :15] = 10 ** (-2.5)
    vv[0, 0] = -32768
    vv[5, 30] = 0
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), 40, 300, 2, gdal.GDT_Float32)
    dataset.SetGeoTransform((500000, 10, 0, 5000000, 0, -10))
    dataset.SetProjection("EPSG:32633")
    for number, (name, values) in enumerate([("vv", vv), ("vh", vv / 5)], start=1):
        band = dataset.GetRasterBand(number)
        band.WriteArray(values)
        band.SetNoDataValue(-32768)
        band.SetDescription(name)
    dataset = None
    return vv


def test_sar_water_mask_thresholds_vv_in_decibels(tmp_path):
    _sar_stack(tmp_path / "s1.tif")
    result = sar_water_mask(tmp_path / "s1.tif", tmp_path / "water.tif")
    mask = _read(result.path)
    assert mask[0, 0] == 255 and mask[5, 30] == 255
    assert (mask[1:, :15] == 1).all()
    assert (mask[:, 15:][mask[:, 15:] != 255] == 0).all()
    assert result.threshold == -18.0
    assert result.valid_fraction == pytest.approx(1 - 2 / (300 * 40))
    assert result.positive_fraction == pytest.approx((300 * 15 - 1) / (300 * 40 - 2))
    assert gdal.Open(str(result.path)).GetRasterBand(1).GetNoDataValue() == 255
    assert result.areas_km2 == pytest.approx({"dry": (300 * 25 - 1) * 1e-4, "water": (300 * 15 - 1) * 1e-4})
    # A threshold below -25 dB finds no water.
    assert sar_water_mask(tmp_path / "s1.tif", tmp_path / "none.tif", threshold_db=-30).positive_fraction == 0


def test_cancel_between_blocks_stops_and_leaves_no_file(sample_stack, tmp_path):
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) >= 2  # let the first strip through, stop before the second

    output = tmp_path / "out" / "ndwi.tif"
    with pytest.raises(CancelledError):
        compute_index(sample_stack, "ndwi", output, sensor="sentinel2", cancel=cancel)
    assert len(calls) == 2
    assert list(output.parent.iterdir()) == []


def test_cancel_stops_otsu_and_the_water_mask(sample_ndwi, tmp_path):
    with pytest.raises(CancelledError):
        water_mask(sample_ndwi.path, tmp_path / "water.tif", "otsu", cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_unknown_index_lists_the_known_ones(sample_stack, tmp_path):
    with pytest.raises(InputError) as error:
        compute_index(sample_stack, "evi", tmp_path / "evi.tif", sensor="sentinel2")
    assert all(name in str(error.value) for name in INDEX_BANDS)


def test_a_stack_without_the_needed_band_names_it(tmp_path):
    stack = _stack([SAMPLE / f"{band}.tif" for band in ("blue", "green", "red")], tmp_path / "rgb.vrt")
    dataset = gdal.Open(str(stack), gdal.GA_Update)
    for number, name in enumerate(("blue", "green", "red"), start=1):
        dataset.GetRasterBand(number).SetDescription(name)
    dataset = None
    with pytest.raises(InputError, match="'nir'"):
        compute_index(stack, "ndwi", tmp_path / "ndwi.tif", sensor="sentinel2")
    with pytest.raises(InputError, match="'swir16'"):
        compute_index(stack, "mndwi", tmp_path / "ndwi.tif", sensor="sentinel2", band_mapping={"green": 2})
    with pytest.raises(InputError, match="have no description"):
        compute_index(
            _stack([SAMPLE / "green.tif"], tmp_path / "g.vrt"), "ndwi", tmp_path / "x.tif", sensor="sentinel2"
        )
    assert not (tmp_path / "ndwi.tif").exists()


def test_optical_index_on_sentinel1_and_a_missing_stack_are_input_errors(sample_stack, tmp_path):
    with pytest.raises(InputError, match="SAR water mask"):
        compute_index(sample_stack, "ndwi", tmp_path / "ndwi.tif", sensor="sentinel1")
    with pytest.raises(InputError, match="Cannot open the stack"):
        compute_index(tmp_path / "missing.vrt", "ndwi", tmp_path / "ndwi.tif", sensor="sentinel2")


@pytest.mark.parametrize("threshold", [0.0, "otsu"], ids=["in-memory", "otsu-from-file"])
def test_a_large_grids_water_mask_gets_overviews_made_as_it_is_written(
    sample_stack, tmp_path, monkeypatch, threshold
) -> None:
    """The sample (512 px) counts as large here. The water mask's levels hold the top-left pixel of
    each 2 x 2 (codes are not averaged); NDWI gets none, and an ``.ovr`` left beside a product it
    replaces (QGIS's "Build pyramids") goes. The products' pixels are those made without."""
    plain = compute_indices(
        sample_stack, {"ndwi": tmp_path / "plain_ndwi.tif"}, sensor="sentinel2",
        water=(tmp_path / "plain_water.tif", threshold),
    )  # fmt: skip
    monkeypatch.setattr(overviews, "OVERVIEWS_FROM", 256)
    monkeypatch.setattr(overviews, "_SMALLEST", 64)
    (tmp_path / "ndwi.tif.ovr").write_bytes(b"II*\0")  # pyramids of an earlier run's NDWI
    large = compute_indices(
        sample_stack, {"ndwi": tmp_path / "ndwi.tif"}, sensor="sentinel2",
        water=(tmp_path / "water.tif", threshold),
    )  # fmt: skip
    assert not (tmp_path / "ndwi.tif.ovr").exists()
    ndwi = gdal.Open(str(large["ndwi"].path))
    assert ndwi.GetRasterBand(1).GetOverviewCount() == 0
    np.testing.assert_array_equal(ndwi.ReadAsArray(), _read(plain["ndwi"].path))
    water = gdal.Open(str(large["water"].path))
    band = water.GetRasterBand(1)
    full = band.ReadAsArray()
    np.testing.assert_array_equal(full, _read(plain["water"].path))
    levels = [band.GetOverview(i).ReadAsArray() for i in range(band.GetOverviewCount())]
    assert [level.shape for level in levels] == [(256, 256), (128, 128), (64, 64)]
    for level, factor in zip(levels, (2, 4, 8), strict=True):
        np.testing.assert_array_equal(level, full[::factor, ::factor])


def test_a_mask_on_a_grid_in_degrees_has_no_areas(tmp_path):
    """A pixel of a geographic grid has no one area (it shrinks towards the poles): none is given."""
    _sar_stack(tmp_path / "s1.tif")
    gdal.Warp(str(tmp_path / "s1_4326.tif"), str(tmp_path / "s1.tif"), dstSRS="EPSG:4326")  # closed at once
    result = sar_water_mask(tmp_path / "s1_4326.tif", tmp_path / "water.tif")
    assert result.positive_fraction > 0 and result.areas_km2 is None
