"""Band stacking with real GDAL on real Sentinel-2 bands (Uruguay River 20 m, Western Sahara desert).

The 10 m bands of the mixed-resolution scene are made at test time from the 20 m fixture by
nearest-neighbour upsampling, so every 10 m pixel value is known exactly.
"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.errors import CancelledError, CRSMismatchError, ExtentMismatchError, StackError
from firstlight_qgis.core.stack import create_band_stack, default_band_order, stack_to_geotiff
from tests.support.cogs import (
    CANONICAL,
    DESERT,
    TEN_METRE,
    build_uruguay_scene,
    read,
    value_at,
)


def test_mixed_10m_and_20m_bands_stack_at_10m_in_canonical_order_with_band_names(scene) -> None:
    shuffled = {b: scene[b] for b in ["swir22", "nir", "blue", "swir16", "red", "green"]}
    result = create_band_stack(shuffled, scene["blue"].parent / "stack.vrt")

    dataset = gdal.Open(str(result.path))
    assert [dataset.GetRasterBand(i).GetDescription() for i in range(1, 7)] == CANONICAL
    assert result.band_mapping == {b: i for i, b in enumerate(CANONICAL, start=1)}
    assert result.band_count == dataset.RasterCount == 6
    # 10 m, not the 15 m gdalbuildvrt's default "average" resolution would give.
    assert result.resolution == (10.0, 10.0)
    assert dataset.GetGeoTransform()[1] == 10.0 and (dataset.RasterXSize, dataset.RasterYSize) == (512, 512)
    blue = gdal.Open(str(scene["blue"])).GetGeoTransform()
    assert result.bounds == (blue[0], blue[3] - 5120, blue[0] + 5120, blue[3])
    assert result.crs == "EPSG:32722"
    assert result.source_files == {b: scene[b].resolve() for b in CANONICAL}
    assert result.warnings == []


def test_average_mode_is_gdalbuildvrts_15m_and_preserve_refuses_mixed_sizes(scene) -> None:
    folder = scene["blue"].parent
    pair = {"blue": scene["blue"], "swir16": scene["swir16"]}
    assert create_band_stack(pair, folder / "avg.vrt", resolution_mode="average").resolution == (15.0, 15.0)
    # Like gdalbuildvrt, the mean is over the bands: four 10 m and two 20 m give 13.33 m.
    assert create_band_stack(scene, folder / "avg.vrt", resolution_mode="average").resolution[
        0
    ] == pytest.approx(40 / 3)
    with pytest.raises(StackError, match=r"different pixel sizes.*'resample'"):
        create_band_stack(scene, folder / "keep.vrt", resolution_mode="preserve")
    assert not (folder / "keep.vrt").exists()

    ten = {b: scene[b] for b in TEN_METRE}
    kept = create_band_stack(ten, folder / "keep.vrt", resolution_mode="preserve")
    assert kept.resolution == (10.0, 10.0)
    assert all(np.array_equal(read(kept.path, i), read(scene[b])) for b, i in kept.band_mapping.items())

    gdal.Translate(str(folder / "shifted.tif"), str(scene["nir"]), srcWin=[0, 0, 100, 100], xRes=10, yRes=10)
    shifted = gdal.Open(str(folder / "shifted.tif"), gdal.GA_Update)
    gt = list(shifted.GetGeoTransform())
    shifted.SetGeoTransform([gt[0] + 5, *gt[1:]])  # half a pixel east
    shifted = None
    with pytest.raises(StackError, match=r"nir \(shifted.tif\) is not on the pixel grid"):
        create_band_stack(
            {**ten, "nir": folder / "shifted.tif"}, folder / "keep.vrt", resolution_mode="preserve"
        )


def test_stacked_pixels_equal_the_source_pixels_at_the_same_coordinates(scene) -> None:
    result = create_band_stack(scene, scene["blue"].parent / "stack.vrt", resample_method="nearest")

    for band, index in result.band_mapping.items():
        source = read(scene[band])
        expected = source if band in TEN_METRE else np.kron(source, np.ones((2, 2), dtype=source.dtype))
        assert np.array_equal(read(result.path, index), expected), band
    minx, miny, maxx, maxy = result.bounds
    for x, y in [(minx + 5, maxy - 5), (minx + 1234.5, maxy - 4321.5), (maxx - 15, miny + 25)]:
        for band, index in result.band_mapping.items():
            assert value_at(result.path, index, x, y) == value_at(scene[band], 1, x, y), (band, x, y)


def test_the_resampling_method_applies_to_the_20m_bands_only(scene) -> None:
    folder = scene["blue"].parent
    bilinear = create_band_stack(scene, folder / "bilinear.vrt")
    nearest = create_band_stack(scene, folder / "nearest.vrt", resample_method="nearest")

    for band in TEN_METRE:
        index = bilinear.band_mapping[band]
        assert np.array_equal(read(bilinear.path, index), read(scene[band]))
    smooth, blocky = read(bilinear.path, 5), read(nearest.path, 5)
    assert not np.array_equal(smooth, blocky)
    source = read(scene["swir16"])
    assert source.min() <= smooth.min() and smooth.max() <= source.max()
    assert 'resampling="bilinear"' in bilinear.path.read_text()


def test_sources_are_relative_so_the_scene_folder_can_be_moved(scene, tmp_path) -> None:
    result = create_band_stack(scene, scene["blue"].parent / "stack.vrt")
    before = [read(result.path, i) for i in range(1, 7)]
    sources = list(ET.parse(result.path).getroot().iter("SourceFilename"))
    assert [(s.get("relativeToVRT"), s.text) for s in sources] == [("1", f"{b}.tif") for b in CANONICAL]

    moved = Path(shutil.move(str(scene["blue"].parent), str(tmp_path / "elsewhere" / "renamed")))
    after = [read(moved / "stack.vrt", i) for i in range(1, 7)]
    assert all(np.array_equal(a, b) for a, b in zip(after, before, strict=True))


def test_a_folder_reached_through_a_symlink_still_gets_relative_sources(scene, tmp_path) -> None:
    link = tmp_path / "link"
    link.symlink_to(scene["blue"].parent)
    result = create_band_stack({b: link / p.name for b, p in scene.items()}, link / "stack.vrt")

    sources = list(ET.parse(result.path).getroot().iter("SourceFilename"))
    assert {s.get("relativeToVRT") for s in sources} == {"1"} and result.warnings == []


def test_real_desert_cogs_keep_nodata_and_stack_at_their_finest_100m(tmp_path) -> None:
    paths = _desert(tmp_path)
    result = create_band_stack(paths, paths["blue"].parent / "stack.vrt")

    dataset = gdal.Open(str(result.path))
    assert result.resolution == (100.0, 100.0) and dataset.RasterXSize == 1098
    assert [dataset.GetRasterBand(i).GetNoDataValue() for i in range(1, 7)] == [0.0] * 6
    assert result.crs == "EPSG:32629" and result.warnings == []


@pytest.mark.parametrize("fixture", ["uruguay", "desert"])
def test_a_band_not_resampled_is_a_plain_copy_and_every_pixel_is_gdalbuildvrts(
    fixture, scene, tmp_path
) -> None:
    """gdalbuildvrt writes a ComplexSource for every band, which GDAL before 3.8 reads pixel by
    pixel through a float buffer: the bands the stack does not resample become SimpleSources, a
    resampled band keeps its source's no-data (the desert's 0) out of the interpolation."""
    paths = scene if fixture == "uruguay" else _desert(tmp_path)
    result = create_band_stack(paths, paths["blue"].parent / "stack.vrt")

    kinds = {
        band.findtext("Description"): (source.tag, source.findtext("NODATA"))
        for band in ET.parse(result.path).getroot().iter("VRTRasterBand")
        for source in band
        if source.tag.endswith("Source")
    }
    resampled = ("ComplexSource", "0") if fixture == "desert" else ("SimpleSource", None)
    assert kinds == {b: ("SimpleSource", None) for b in TEN_METRE} | dict.fromkeys(
        ["swir16", "swir22"], resampled
    )
    options = gdal.BuildVRTOptions(
        separate=True,
        bandList=[1],
        resolution="user",
        xRes=result.resolution[0],
        yRes=result.resolution[1],
        outputBounds=result.bounds,
        resampleAlg="bilinear",
    )
    reference = gdal.BuildVRT("", [str(paths[b]) for b in CANONICAL], options=options)
    for band, index in result.band_mapping.items():
        assert np.array_equal(read(result.path, index), reference.GetRasterBand(index).ReadAsArray()), band


def _desert(folder: Path) -> dict[str, Path]:
    """The desert scene's six bands, copied under their generic names (100 m and 200 m, no-data 0)."""
    folder = folder / "desert"
    folder.mkdir()
    names = {"blue": "B02", "green": "B03", "red": "B04", "nir": "B08", "swir16": "B11", "swir22": "B12"}
    return {
        band: Path(shutil.copy(DESERT / f"{name}.tif", folder / f"{band}.tif"))
        for band, name in names.items()
    }


def test_bands_outside_the_stack_folder_are_named_absolutely_with_a_warning(tmp_path) -> None:
    result = create_band_stack(
        {"blue": DESERT / "B02.tif", "swir16": DESERT / "B11.tif"}, tmp_path / "stack.vrt"
    )

    sources = list(ET.parse(result.path).getroot().iter("SourceFilename"))
    assert [(s.get("relativeToVRT"), s.text) for s in sources] == [
        ("0", str((DESERT / "B02.tif").resolve())),
        ("0", str((DESERT / "B11.tif").resolve())),
    ]
    assert len(result.warnings) == 2 and "outside the stack's folder" in result.warnings[0]


def test_bands_in_different_crs_are_refused_not_silently_stacked(scene) -> None:
    folder = scene["blue"].parent
    gdal.Warp(str(folder / "nir_32721.tif"), str(scene["nir"]), dstSRS="EPSG:32721")
    bands = {**scene, "nir": folder / "nir_32721.tif"}

    with pytest.raises(
        CRSMismatchError, match=r"nir \(nir_32721.tif\) is in EPSG:32721 but band blue .*EPSG:32722"
    ):
        create_band_stack(bands, folder / "stack.vrt")
    assert not (folder / "stack.vrt").exists()


def test_disjoint_extents_are_refused(tmp_path) -> None:
    west = build_uruguay_scene(tmp_path / "west", (0, 0, 64, 64))
    east = build_uruguay_scene(tmp_path / "east", (600, 600, 64, 64))

    with pytest.raises(ExtentMismatchError, match=r"swir16 \(swir16.tif\) does not overlap band blue"):
        create_band_stack({"blue": west["blue"], "swir16": east["swir16"]}, tmp_path / "stack.vrt")


def test_intersect_mode_crops_to_the_common_area_and_union_mode_warns(tmp_path) -> None:
    a = build_uruguay_scene(tmp_path / "a", (100, 100, 200, 200))
    b = build_uruguay_scene(tmp_path / "b", (150, 120, 200, 200))
    bands = {"green": a["green"], "swir16": b["swir16"]}
    a_gt, b_gt = gdal.Open(str(a["green"])).GetGeoTransform(), gdal.Open(str(b["swir16"])).GetGeoTransform()

    cropped = create_band_stack(bands, tmp_path / "intersect.vrt", resolution_mode="intersect")
    assert cropped.bounds == (b_gt[0], a_gt[3] - 4000, a_gt[0] + 4000, b_gt[3])
    assert cropped.resolution == (10.0, 10.0) and cropped.warnings == []

    union = create_band_stack(bands, tmp_path / "union.vrt")
    assert union.bounds == (a_gt[0], b_gt[3] - 4000, b_gt[0] + 4000, a_gt[3])
    assert len(union.warnings) == 2 and "covers only part" in union.warnings[0]


def test_target_resolution_puts_every_band_on_the_asked_grid(scene) -> None:
    result = create_band_stack(scene, scene["blue"].parent / "stack.vrt", target_resolution=20)

    assert result.resolution == (20.0, 20.0)
    assert np.array_equal(read(result.path, 5), read(scene["swir16"]))


def test_band_order_and_description_overrides(scene) -> None:
    result = create_band_stack(
        scene,
        scene["blue"].parent / "stack.vrt",
        band_order=["nir", "red", "green"],
        band_descriptions={"nir": "B08"},
    )

    dataset = gdal.Open(str(result.path))
    assert result.band_mapping == {"nir": 1, "red": 2, "green": 3}
    assert [dataset.GetRasterBand(i).GetDescription() for i in range(1, 4)] == ["B08", "red", "green"]
    assert np.array_equal(read(result.path, 1), read(scene["nir"]))
    assert result.warnings == [
        "Band(s) blue, swir16, swir22 are not in the band order; they are not stacked."
    ]


@pytest.mark.parametrize(
    ("bands", "expected"),
    [
        (["swir22", "nir08", "blue"], ["blue", "nir08", "swir22"]),  # only Landsat knows nir08
        (["vh", "vv"], ["vv", "vh"]),
        (["scl", "nir", "red", "aerosol"], ["red", "nir", "aerosol", "scl"]),
        (["green", "blue"], ["blue", "green"]),  # Sentinel-2 and Landsat agree; Sentinel-2 first
    ],
)
def test_default_band_order(bands, expected) -> None:
    assert default_band_order(bands) == expected


@pytest.mark.parametrize(
    ("make_args", "message"),
    [
        (lambda s, f: ({}, f / "stack.vrt"), "No band files"),
        (lambda s, f: ({"blue": f / "gone.tif"}, f / "stack.vrt"), "band blue does not exist"),
        (lambda s, f: (s, f / "stack.tif"), r"\.vrt file, not stack\.tif"),
        (lambda s, f: (s, f / "missing" / "stack.vrt"), "does not exist; create it"),
        (lambda s, f: ({**s, "nir": None}, f / "stack.vrt"), r"Band nir has no file \(its download failed\)"),
    ],
)
def test_bad_input_raises_one_clear_stack_error(scene, make_args, message) -> None:
    folder = scene["blue"].parent
    with pytest.raises(StackError, match=message):
        create_band_stack(*make_args(scene, folder))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"resolution_mode": "highest"}, "Unknown resolution mode 'highest'"),
        ({"resample_method": "bicubic"}, "Unknown resampling method 'bicubic'"),
        ({"band_order": ["blue", "blue"]}, "names a band twice"),
        ({"band_order": ["coastal"]}, "None of the bands"),
        ({"target_resolution": 0}, "positive pixel size"),
        ({"resolution_mode": "average", "target_resolution": 10}, "cannot be combined"),
    ],
)
def test_bad_options_raise_one_clear_stack_error(scene, kwargs, message) -> None:
    with pytest.raises(StackError, match=message):
        create_band_stack(scene, scene["blue"].parent / "stack.vrt", **kwargs)


def test_a_failed_stack_leaves_the_previous_vrt_intact_and_no_temporary_file(scene) -> None:
    folder = scene["blue"].parent
    good = create_band_stack(scene, folder / "stack.vrt")
    text = good.path.read_text()
    gdal.Warp(str(folder / "other_crs.tif"), str(scene["nir"]), dstSRS="EPSG:4326")

    with pytest.raises(CRSMismatchError):
        create_band_stack({**scene, "nir": folder / "other_crs.tif"}, folder / "stack.vrt")
    assert good.path.read_text() == text
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*(f"{b}.tif" for b in CANONICAL), "other_crs.tif", "stack.vrt"]
    )


def test_geotiff_copy_has_the_vrts_bands_order_descriptions_and_values(scene) -> None:
    folder = scene["blue"].parent
    vrt = create_band_stack(scene, folder / "stack.vrt")
    calls = []
    tif = stack_to_geotiff(scene, folder / "stack.tif", progress=lambda *a: calls.append(a))

    dataset = gdal.Open(str(tif.path))
    assert [dataset.GetRasterBand(i).GetDescription() for i in range(1, 7)] == CANONICAL
    assert (tif.band_mapping, tif.bounds, tif.resolution, tif.crs) == (
        vrt.band_mapping,
        vrt.bounds,
        (10.0, 10.0),
        vrt.crs,
    )
    assert all(np.array_equal(read(tif.path, i), read(vrt.path, i)) for i in range(1, 7))
    assert dataset.GetMetadata("IMAGE_STRUCTURE")["COMPRESSION"] == "DEFLATE"
    assert dataset.GetRasterBand(1).GetBlockSize() == [256, 256]
    assert calls[-1] == ("stack", "writing", 1.0)
    # No temporary VRT or partial file is left beside the outputs.
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [*(f"{b}.tif" for b in CANONICAL), "stack.tif", "stack.vrt"]
    )


def test_cog_copy_is_a_cloud_optimized_geotiff(scene, tmp_path) -> None:
    out = tmp_path / "cog" / "stack.tif"
    out.parent.mkdir()
    result = stack_to_geotiff(scene, out, band_order=["green", "nir", "swir16"], cog=True)

    dataset = gdal.Open(str(out))
    assert dataset.GetMetadata("IMAGE_STRUCTURE")["LAYOUT"] == "COG"
    assert [dataset.GetRasterBand(i).GetDescription() for i in range(1, 4)] == ["green", "nir", "swir16"]
    assert np.array_equal(read(out, 2), read(scene["nir"])) and result.band_mapping == {
        "green": 1,
        "nir": 2,
        "swir16": 3,
    }
    assert [p.name for p in out.parent.iterdir()] == ["stack.tif"]


def test_cancelling_the_geotiff_copy_keeps_nothing(scene, tmp_path) -> None:
    with pytest.raises(CancelledError):
        stack_to_geotiff(scene, tmp_path / "stack.tif", cancel=lambda: True)
    assert list(tmp_path.glob("*stack*")) == []


def test_geotiff_copy_refuses_an_unknown_compression(scene, tmp_path) -> None:
    with pytest.raises(StackError, match="cannot compress a GTiff with 'ZIPPY'"):
        stack_to_geotiff(scene, tmp_path / "stack.tif", compress="zippy")
