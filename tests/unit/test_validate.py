"""Stack and image validation with real GDAL on real Sentinel-2 bands, and hostile hand-written VRTs."""

from __future__ import annotations

import shutil
import socket
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core import validate
from firstlight_qgis.core.errors import InputError, ValidationFailedError
from firstlight_qgis.core.stack import create_band_stack, stack_to_geotiff
from firstlight_qgis.core.validate import MAX_SAMPLE_PIXELS, match_bands, validate_image, validate_stack
from tests.support.cogs import CANONICAL, DESERT, build_uruguay_scene


@pytest.fixture
def stack(scene) -> Path:
    return create_band_stack(scene, scene["blue"].parent / "stack.vrt").path


def write_like(template: Path, out: Path, array: np.ndarray, nodata: float | None = None) -> Path:
    """A single-band GeoTIFF on ``template``'s grid holding ``array``."""
    source = gdal.Open(str(template))
    kind = gdal.GDT_Float32 if array.dtype.kind == "f" else gdal.GDT_UInt16
    dataset = gdal.GetDriverByName("GTiff").Create(str(out), array.shape[1], array.shape[0], 1, kind)
    dataset.SetGeoTransform(source.GetGeoTransform())
    dataset.SetSpatialRef(source.GetSpatialRef())
    band = dataset.GetRasterBand(1)
    if nodata is not None:
        band.SetNoDataValue(nodata)
    band.WriteArray(array)
    dataset = None
    return out


def hand_vrt(folder: Path, sources: list[tuple[str, bool]], name: str = "stack.vrt") -> Path:
    """A VRT as a person (or an attacker) would write it: one band per ``(filename, relativeToVRT)``."""
    bands = "".join(
        f'<VRTRasterBand dataType="UInt16" band="{i}"><Description>{b}</Description><SimpleSource>'
        f'<SourceFilename relativeToVRT="{int(relative)}">{escape(filename)}</SourceFilename>'
        "<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand>"
        for i, ((filename, relative), b) in enumerate(zip(sources, CANONICAL, strict=False), start=1)
    )
    path = folder / name
    path.write_text(
        '<VRTDataset rasterXSize="512" rasterYSize="512"><SRS>EPSG:32722</SRS>'
        f"<GeoTransform>307680, 10, 0, 6993600, 0, -10</GeoTransform>{bands}</VRTDataset>"
    )
    return path


def test_a_good_mixed_resolution_stack_passes_with_per_band_stats(stack, scene) -> None:
    result = validate_stack(stack, CANONICAL, sensor="sentinel2")

    assert (result.is_valid, result.errors, result.warnings) == (True, [], [])
    assert result.band_mapping == {b: i for i, b in enumerate(CANONICAL, start=1)}
    assert result.band_count == 6
    blue = result.bands["blue"]
    source = gdal.Open(str(scene["blue"])).ReadAsArray()
    assert blue.index == 1 and blue.errors == blue.warnings == []
    assert (blue.stats["min"], blue.stats["max"]) == (source.min(), source.max())
    assert blue.stats["mean"] == pytest.approx(source.mean())
    assert blue.stats["valid_fraction"] == 1.0 and blue.stats["sample_shape"] == (512, 512)


def test_the_geotiff_copy_and_the_real_desert_cogs_pass(scene, tmp_path) -> None:
    tif = stack_to_geotiff(scene, tmp_path / "stack.tif")
    assert validate_stack(tif.path, CANONICAL, sensor="sentinel2").is_valid

    folder = tmp_path / "desert"
    folder.mkdir()
    bands = {
        b: Path(shutil.copy(DESERT / f"{n}.tif", folder / f"{b}.tif"))
        for b, n in [("green", "B03"), ("nir", "B08")]
    }
    result = validate_stack(
        create_band_stack(bands, folder / "stack.vrt").path, ["green", "nir"], sensor="sentinel2"
    )
    assert result.is_valid and result.bands["nir"].stats["nodata"] == 0.0
    assert 0 < result.bands["nir"].stats["valid_fraction"] <= 1


@pytest.mark.parametrize(
    "options",
    [
        {"resolution_mode": "intersect"},
        {"resolution_mode": "average"},
        {"target_resolution": 20},
        {"target_resolution": 7, "resample_method": "nearest"},
    ],
)
def test_stacks_of_every_resolution_mode_pass(tmp_path, options) -> None:
    a = build_uruguay_scene(tmp_path / "scene", (100, 100, 200, 200))
    b = build_uruguay_scene(tmp_path / "b", (150, 120, 200, 200))
    shutil.copy(b["swir16"], a["swir16"])
    stack = create_band_stack(a, tmp_path / "scene" / "stack.vrt", **options)

    assert validate_stack(stack.path, CANONICAL, sensor="sentinel2").errors == []


def test_a_missing_source_file_is_named_with_its_band(stack, scene) -> None:
    scene["nir"].unlink()

    result = validate_stack(stack, CANONICAL)
    assert not result.is_valid
    assert result.errors == [
        "Band 4 of stack.vrt refers to 'nir.tif', which does not exist; "
        "download that band again or rebuild the stack."
    ]
    assert result.bands == {}  # decided from the XML alone, before GDAL opened the VRT


@pytest.mark.parametrize(
    ("source", "relative", "problem"),
    [
        ("/etc/passwd", False, "outside the scene folder"),
        ("../outside.tif", True, "outside the scene folder"),
        ("/vsizip//tmp/archive.zip/blue.tif", False, "virtual file system"),
        ("/vsis3/bucket/blue.tif", False, "virtual file system"),
        ("https://example.invalid/blue.tif", False, "URL or GDAL connection string"),
        ("MEM:::DATAPOINTER=0x1234,PIXELS=10,LINES=10", False, "URL or GDAL connection string"),
        ("vrt://blue.tif?bands=1", True, "URL or GDAL connection string"),
        ("<VRTDataset></VRTDataset>", False, "inline VRT"),
    ],
)
def test_a_source_outside_the_scene_folder_fails_before_gdal_opens_the_vrt(
    scene, source, relative, problem
) -> None:
    folder = scene["blue"].parent
    (folder.parent / "outside.tif").write_bytes(scene["green"].read_bytes())
    vrt = hand_vrt(folder, [("blue.tif", True), (source, relative)])

    result = validate_stack(vrt, ["blue", "green"])
    assert not result.is_valid and len(result.errors) == 1
    assert result.errors[0].startswith("Band 2 of stack.vrt refers to ") and problem in result.errors[0]
    assert result.bands == {} and result.band_mapping == {}


def test_a_symlink_leaving_the_scene_folder_is_refused(scene, tmp_path) -> None:
    folder = scene["blue"].parent
    outside = Path(shutil.copy(scene["nir"], tmp_path / "elsewhere.tif"))
    (folder / "nir_link.tif").symlink_to(outside)
    vrt = hand_vrt(
        folder, [("blue.tif", True), ("green.tif", True), ("red.tif", True), ("nir_link.tif", True)]
    )

    result = validate_stack(vrt, ["blue", "green", "red", "nir"])
    assert not result.is_valid
    assert result.errors == [
        f"Band 4 of stack.vrt refers to 'nir_link.tif', which lies outside the scene folder {folder}; "
        "a stack may only use files in its own folder, so rebuild it with create_band_stack."
    ]


def test_a_vsicurl_source_never_reaches_the_network(scene) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        url = f"/vsicurl/http://127.0.0.1:{listener.getsockname()[1]}/x.tif?sv=2024&sig=SECRET"
        vrt = hand_vrt(scene["blue"].parent, [("blue.tif", True), (url, False)])
        gdal.SetConfigOption("GDAL_HTTP_TIMEOUT", "2")
        try:
            result = validate_stack(vrt, ["blue", "green"])
        finally:
            gdal.SetConfigOption("GDAL_HTTP_TIMEOUT", None)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody ever connected
    assert not result.is_valid and "/vsi" in result.errors[0]
    assert "SECRET" not in result.errors[0] and "sig=" not in result.errors[0]


def test_a_nested_vrt_inside_the_folder_cannot_smuggle_an_outside_source(scene) -> None:
    folder = scene["blue"].parent
    hand_vrt(folder, [("/etc/passwd", False)], name="inner.tif")
    vrt = hand_vrt(folder, [("blue.tif", True), ("inner.tif", True)])

    result = validate_stack(vrt, ["blue", "green"])
    assert not result.is_valid
    assert result.errors[0].startswith("Band 1 of inner.tif refers to '/etc/passwd', which lies outside")


def test_a_source_that_is_not_a_raster_file_is_refused(scene) -> None:
    folder = scene["blue"].parent
    (folder / "green.tif").write_text("<html><body>403 Forbidden</body></html>")
    vrt = hand_vrt(folder, [("blue.tif", True), ("green.tif", True)])

    result = validate_stack(vrt, ["blue", "green"])
    assert result.errors == [
        "Band 2 of stack.vrt refers to green.tif, which is not a GeoTIFF, JPEG 2000 or VRT file; "
        "download that band again."
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<VRTDataset><VRTRasterBand>", "its XML is malformed"),
        ("<GDAL_WMS><Service/></GDAL_WMS><!-- <VRTDataset -->", "not a GDAL VRT (its root is <GDAL_WMS>)"),
        ('<!DOCTYPE x [<!ENTITY e SYSTEM "/etc/passwd">]><VRTDataset>&e;</VRTDataset>', "DOCTYPE"),
        (
            '<VRTDataset rasterXSize="1" rasterYSize="1"><VRTRasterBand subClass="VRTDerivedRasterBand">'
            "<PixelFunctionLanguage>Python</PixelFunctionLanguage></VRTRasterBand></VRTDataset>",
            "embeds Python code",
        ),
    ],
)
def test_a_vrt_that_is_not_plain_vrt_xml_fails_clearly(tmp_path, text, message) -> None:
    path = tmp_path / "stack.vrt"
    path.write_text(text)

    result = validate_stack(path, ["blue"])
    assert not result.is_valid and message in result.errors[0] and result.errors[0].startswith("stack.vrt ")


def test_a_missing_nir_band_is_named_explicitly(scene) -> None:
    no_nir = {b: p for b, p in scene.items() if b != "nir"}
    stack = create_band_stack(no_nir, scene["blue"].parent / "stack.vrt").path

    result = validate_stack(stack, CANONICAL, sensor="sentinel2")
    assert not result.is_valid
    assert result.errors == [
        "The near-infrared (NIR) band 'nir' is missing from stack.vrt (its band descriptions are: "
        "blue, green, red, swir16, swir22); download the scene again with that band or pick a scene "
        "that has it."
    ]
    assert "nir" not in result.band_mapping and result.bands["nir"].index is None
    assert result.bands["swir22"].errors == [] and result.bands["swir22"].stats["valid_fraction"] == 1.0


def test_an_all_nodata_band_fails(scene) -> None:
    blank = np.zeros((256, 256), dtype=np.uint16)
    write_like(scene["swir16"], scene["swir16"], blank, nodata=0)
    stack = create_band_stack(scene, scene["blue"].parent / "stack.vrt").path

    result = validate_stack(stack, CANONICAL, sensor="sentinel2")
    assert result.errors == [
        "Band swir16 (swir16.tif) holds no valid pixel, only nodata (0): the scene has no data there, "
        "so pick another scene or area."
    ]
    assert result.bands["swir16"].stats["valid_fraction"] == 0.0


def test_bands_checked_side_by_side_find_what_one_after_the_other_finds(
    scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large stack's bands are checked on threads, a small one's on one dataset: the same
    findings either way (here, one band all nodata, one all zero)."""
    write_like(scene["swir16"], scene["swir16"], np.zeros((256, 256), dtype=np.uint16), nodata=0)
    write_like(scene["swir22"], scene["swir22"], np.zeros((256, 256), dtype=np.uint16))
    stack = create_band_stack(scene, scene["blue"].parent / "stack.vrt").path
    in_turn = validate_stack(stack, CANONICAL, sensor="sentinel2")
    monkeypatch.setattr(validate, "_SIDE_BY_SIDE_PIXELS", 0)
    side_by_side = validate_stack(stack, CANONICAL, sensor="sentinel2")
    assert len(in_turn.errors) == 2 and in_turn.bands["blue"].stats
    assert side_by_side == in_turn


def test_an_all_zero_band_fails_and_a_constant_band_warns(scene) -> None:
    write_like(scene["red"], scene["red"], np.zeros((512, 512), dtype=np.uint16))
    write_like(scene["green"], scene["green"], np.full((512, 512), 700, dtype=np.uint16))
    stack = create_band_stack(scene, scene["blue"].parent / "stack.vrt").path

    result = validate_stack(stack, CANONICAL)
    assert result.errors == [
        "Band red (red.tif) holds only zeros, so the file is empty or broken; download that band again."
    ]
    assert result.warnings == [
        "Band green (green.tif) has the same value (700) everywhere, which real imagery never has; "
        "check that file."
    ]


def test_a_band_of_a_few_pixels_may_hold_one_value(scene) -> None:
    # An area of a pixel or two (a clip of a 5 m box): one value throughout is no sign of a broken file.
    tiny = {
        band: write_like(path, path, np.full((2, 3), 700 + i, dtype=np.uint16))
        for i, (band, path) in enumerate(scene.items())
    }
    stack = create_band_stack(tiny, scene["blue"].parent / "stack.vrt").path

    result = validate_stack(stack, CANONICAL)
    assert (result.errors, result.warnings) == ([], [])


def test_values_outside_the_sensors_plausible_range_fail(scene) -> None:
    negative = gdal.Open(str(scene["blue"])).ReadAsArray().astype(np.float32) - 70000
    write_like(scene["blue"], scene["blue"], negative)
    stack = create_band_stack(scene, scene["blue"].parent / "stack.vrt").path

    assert validate_stack(stack, ["blue"]).is_valid  # no sensor, no range to judge by
    result = validate_stack(stack, ["blue"], sensor="sentinel2")
    assert result.errors == [
        "Band blue (blue.tif) has 100% of its values outside the plausible Sentinel-2 range 0 to 65535; "
        "check that the band belongs to this sensor."
    ]


def _strip_descriptions(vrt: Path, replacement: dict[int, str] | None = None) -> None:
    tree = ET.parse(vrt)
    for band in tree.getroot().iter("VRTRasterBand"):
        band.remove(band.find("Description"))
        if replacement and int(band.get("band")) in replacement:
            ET.SubElement(band, "Description").text = replacement[int(band.get("band"))]
    tree.write(vrt)


def test_without_descriptions_bands_are_matched_by_position_with_a_warning(stack) -> None:
    _strip_descriptions(stack)

    result = validate_stack(stack, CANONICAL, sensor="sentinel2")
    assert result.is_valid and result.band_mapping == {b: i for i, b in enumerate(CANONICAL, start=1)}
    assert len(result.warnings) == 6
    assert result.warnings[3] == (
        "Band 4 of stack.vrt has no description, so it is assumed to hold nir by its position; "
        "rebuild the stack with create_band_stack to name its bands."
    )


def test_sensor_band_names_in_descriptions_are_matched(scene) -> None:
    bands = {"green": scene["green"], "nir": scene["nir"]}
    stack = create_band_stack(
        bands, scene["blue"].parent / "stack.vrt", band_descriptions={"green": "B03", "nir": "B08"}
    )

    result = validate_stack(stack.path, ["nir", "green"], sensor="sentinel2")
    assert result.is_valid and result.warnings == []
    assert result.band_mapping == {"nir": 2, "green": 1}


@pytest.mark.parametrize(
    ("descriptions", "expected", "sensor", "mapping"),
    [
        (["B8A", "B08_10m"], ["nir"], "sentinel2", {"nir": 2}),  # B8 never matches B8A
        (["B11", "B1"], ["swir16"], "sentinel2", {"swir16": 1}),
        (["SR_B4", "SR_B5", "SR_B6"], ["swir16", "nir08"], "landsat", {"swir16": 3, "nir08": 2}),
        (["NIR", "Red"], ["red", "nir"], None, {"red": 2, "nir": 1}),
        (["B2", "", ""], ["blue", "green", "red"], None, {"blue": 1, "green": 2, "red": 3}),
        (["red", "swir16"], ["nir"], "sentinel2", {}),  # never guesses a band that says it is another
    ],
)
def test_match_bands(descriptions, expected, sensor, mapping) -> None:
    assert match_bands(descriptions, expected, sensor)[0] == mapping


def test_a_source_in_another_crs_inside_a_vrt_fails(stack, scene) -> None:
    folder = scene["blue"].parent
    gdal.Warp(str(folder / "tmp.tif"), str(scene["nir"]), dstSRS="EPSG:32721")
    (folder / "tmp.tif").replace(scene["nir"])

    result = validate_stack(stack, CANONICAL)
    assert result.errors == [
        "Band nir (nir.tif) is in EPSG:32721 but the stack is in EPSG:32722; a VRT does not reproject, "
        "so rebuild the stack from bands of one scene."
    ]


def test_a_source_shifted_off_its_georeferenced_position_fails(stack) -> None:
    text = stack.read_text()
    band4 = text.index('band="4"')
    stack.write_text(text[:band4] + text[band4:].replace('<DstRect xOff="0"', '<DstRect xOff="3"', 1))

    result = validate_stack(stack, CANONICAL)
    assert result.errors == [
        "Band nir (nir.tif) is placed 30 m away from its georeferenced position in the stack's grid; "
        "rebuild the stack with create_band_stack."
    ]


def test_a_sentinel2_sized_band_is_judged_on_a_sample_not_read_whole(scene) -> None:
    # 256 x 20 m upsampled to 10980 x 10980 pixels: the size of a full Sentinel-2 10 m band.
    big = create_band_stack(
        {"blue": scene["swir16"]}, scene["blue"].parent / "big.vrt", target_resolution=5120 / 10980
    )
    assert gdal.Open(str(big.path)).RasterXSize == 10980

    started = time.monotonic()
    result = validate_stack(big.path, ["blue"])
    assert time.monotonic() - started < 5
    assert result.is_valid and result.bands["blue"].stats["sample_shape"] == (
        MAX_SAMPLE_PIXELS,
        MAX_SAMPLE_PIXELS,
    )


def test_a_true_colour_image_is_valid_but_warned_to_lack_nir_and_swir(scene, tmp_path) -> None:
    rgb = create_band_stack({b: scene[b] for b in ("red", "green", "blue")}, scene["blue"].parent / "rgb.vrt")
    tci = tmp_path / "TCI.tif"
    gdal.Translate(
        str(tci),
        str(rgb.path),
        outputType=gdal.GDT_Byte,
        scaleParams=[[0, 2000, 1, 255]],
        creationOptions=["PHOTOMETRIC=RGB"],
        noData=0,
    )
    for index in (1, 2, 3):
        dataset = gdal.Open(str(tci), gdal.GA_Update)
        dataset.GetRasterBand(index).SetDescription("")
        dataset = None

    result = validate_image(tci)
    assert result.is_valid and result.band_count == 3
    assert result.band_mapping == {"red": 1, "green": 2, "blue": 3}
    assert result.warnings == [
        "TCI.tif has 3 band(s) and no NIR or SWIR band (a true-colour image), "
        "so no water, burn or vegetation index can be computed from it."
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.write_text("<html>AccessDenied</html>"), "not a GeoTIFF, JPEG 2000 or VRT raster"),
        (
            lambda p: gdal.GetDriverByName("GTiff").Create(str(p), 8, 8, 1),
            "has no coordinate reference system",
        ),
    ],
)
def test_an_unusable_image_fails_clearly(tmp_path, make, message) -> None:
    path = tmp_path / "visual.tif"
    make(path)

    result = validate_image(path)
    assert not result.is_valid and message in result.errors[0]


def test_raise_if_invalid_carries_the_result_and_unknown_sensors_are_refused(stack, scene) -> None:
    scene["swir22"].unlink()
    result = validate_stack(stack, CANONICAL)
    with pytest.raises(ValidationFailedError, match=r"swir22\.tif', which does not exist") as caught:
        result.raise_if_invalid()
    assert caught.value.result is result
    with pytest.raises(InputError, match="Unknown sensor 'sentinel3'"):
        validate_stack(stack, CANONICAL, sensor="sentinel3")
