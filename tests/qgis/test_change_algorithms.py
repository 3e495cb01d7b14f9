"""firstlight:burnseverity and firstlight:floodextent on rasters already on disk: the NBRs and water
masks of two scenes ingested one by one (before the event and after), as a toolbox user or a model
has them. The results are those of an ingest with pre-event dates; wrong inputs are one sentence
and write nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import (
    QgsPalettedRasterRenderer,
    QgsProcessingException,
    QgsProcessingOutputLayerDefinition,
    QgsSingleBandPseudoColorRenderer,
)

from tests.qgis.support import ITEM_ID, RecordingFeedback, ingest_parameters, our_line, run, run_and_load
from tests.support.polygons import inside_area
from tests.support.sample import (
    BURNT_ID,
    BURNT_WINDOW,
    FLOODED_ID,
    FLOODED_WINDOW,
    fire_catalog,
    flood_catalog,
    window_pixels,
)

DATES = {"START_DATE": "2018-12-01", "END_DATE": "2019-01-31"}


def _ingest_both(catalog: Path, event: str, after_id: str, area_file: str, output: Path) -> Path:
    """Both scenes ingested in one run without pre-event dates: each has its own index and mask."""
    run(
        "firstlight:ingest",
        ingest_parameters(catalog, area_file, output, event, DATES, SCENES=f"{ITEM_ID},{after_id}"),
    )
    return output


@pytest.fixture(scope="module")
def burnt(plugin, area_file, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("burnt")
    return _ingest_both(
        fire_catalog(root / "catalog"), "wildfire.burn_scar", BURNT_ID, area_file, root / "out"
    )


@pytest.fixture(scope="module")
def flooded(plugin, area_file, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("flooded")
    return _ingest_both(
        flood_catalog(root / "catalog"), "flood.riverine", FLOODED_ID, area_file, root / "out"
    )


def _read(path: str | Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


def test_burn_severity_from_two_nbrs(provider, project, project_context, burnt, area_file, tmp_path) -> None:
    before, after = burnt / ITEM_ID / f"{ITEM_ID}_nbr.tif", burnt / BURNT_ID / f"{BURNT_ID}_nbr.tif"
    given = {
        "BEFORE": str(before),
        "AFTER": str(after),
        "OUTPUT": QgsProcessingOutputLayerDefinition(str(tmp_path / "dnbr.tif"), project),
        "OUTPUT_SEVERITY": QgsProcessingOutputLayerDefinition(str(tmp_path / "severity.tif"), project),
    }
    results = run_and_load("firstlight:burnseverity", given, project_context)

    dnbr, severity = _read(results["OUTPUT"]), _read(results["OUTPUT_SEVERITY"])
    np.testing.assert_allclose(dnbr, _read(before) - _read(after), atol=1e-6, equal_nan=True)
    rows, columns = window_pixels(BURNT_WINDOW, after)
    inside = severity[rows, columns]
    assert np.mean((inside >= 3) & (inside < 255)) > 0.9  # moderate-high or high where it burnt
    outside = severity.copy()
    outside[rows, columns] = 255
    assert set(np.unique(outside)) <= {0, 255}  # unburned elsewhere
    valid = severity < 255
    # The NBRs name the area they were ingested for: the figures are its pixels', as the ingest's.
    inside = inside_area(area_file, after)
    assert not valid[~inside].any()
    assert results["VALID_FRACTION"] == pytest.approx(valid.sum() / inside.sum())
    assert results["CHANGED_FRACTION"] == pytest.approx(((severity > 0) & valid).sum() / valid.sum())
    # The areas a report gives: the sample's grid is UTM, 20 m pixels.
    _, cell_x, _, _, _, cell_y = gdal.Open(results["OUTPUT_SEVERITY"]).GetGeoTransform()
    pixel_km2 = abs(cell_x * cell_y) / 1e6
    assert results["CHANGED_AREA_KM2"] == pytest.approx(((severity > 0) & valid).sum() * pixel_km2)
    feedback: RecordingFeedback = project_context.feedback()
    assert (
        f"Burnt (dNBR 0.1 or more): {results['CHANGED_FRACTION']:.1%} of the valid pixels. "
        f"Area: {results['CHANGED_AREA_KM2']:.2f} km²."
    ) in feedback.infos
    names = ["Low severity", "Moderate-low severity", "Moderate-high severity", "High severity"]
    by_class = ", ".join(
        f"{name} {(severity == code).sum() * pixel_km2:.2f} km²" for code, name in enumerate(names, 1)
    )
    assert f"By class: {by_class}." in feedback.infos

    layers = {Path(layer.source()).name: layer for layer in project.mapLayers().values()}
    assert sorted(layers) == ["dnbr.tif", "severity.tif"]
    assert isinstance(layers["dnbr.tif"].renderer(), QgsSingleBandPseudoColorRenderer)
    classes = layers["severity.tif"].renderer()
    assert isinstance(classes, QgsPalettedRasterRenderer)
    assert sorted(c.value for c in classes.classes()) == [0, 1, 2, 3, 4]


def test_flood_extent_from_two_water_masks(provider, project, project_context, flooded, tmp_path) -> None:
    before = flooded / ITEM_ID / f"{ITEM_ID}_water.tif"
    after = flooded / FLOODED_ID / f"{FLOODED_ID}_water.tif"
    output = QgsProcessingOutputLayerDefinition(str(tmp_path / "flood.tif"), project)
    given = {"BEFORE": str(before), "AFTER": str(after), "OUTPUT": output}
    results = run_and_load("firstlight:floodextent", given, project_context)

    flood, now, earlier = _read(results["OUTPUT"]), _read(after), _read(before)
    valid = (now < 255) & (earlier < 255)
    expected = np.where(now == 1, np.where(earlier == 0, 1, 2), 0)
    assert np.array_equal(np.where(valid, expected, 255), flood)
    rows, columns = window_pixels(FLOODED_WINDOW, after)
    assert np.mean(flood[rows, columns] == 1) > 0.9
    assert (flood == 2).any()  # the river, water before too
    assert results["CHANGED_FRACTION"] == pytest.approx((flood == 1).sum() / valid.sum())
    _, cell_x, _, _, _, cell_y = gdal.Open(results["OUTPUT"]).GetGeoTransform()
    assert results["CHANGED_AREA_KM2"] == pytest.approx((flood == 1).sum() * abs(cell_x * cell_y) / 1e6)
    feedback: RecordingFeedback = project_context.feedback()
    assert (
        f"Flooded (water now, dry before): {results['CHANGED_FRACTION']:.1%} of the valid pixels. "
        f"Area: {results['CHANGED_AREA_KM2']:.2f} km²."
    ) in feedback.infos
    [layer] = project.mapLayers().values()
    assert isinstance(layer.renderer(), QgsPalettedRasterRenderer)


def test_a_flood_seen_in_part_says_how_much_no_data_hides(provider, flooded, tmp_path) -> None:
    """The mask from before the flood with a cloud over its northern third: the flood is measured
    where both scenes see the ground, and the run says how much that leaves out."""
    before = gdal.Translate(str(tmp_path / "cloudy.tif"), str(flooded / ITEM_ID / f"{ITEM_ID}_water.tif"))
    codes = before.GetRasterBand(1).ReadAsArray()
    codes[: codes.shape[0] // 3] = 255
    before.GetRasterBand(1).WriteArray(codes)
    before = None
    feedback = RecordingFeedback()
    given = {
        "BEFORE": str(tmp_path / "cloudy.tif"),
        "AFTER": str(flooded / FLOODED_ID / f"{FLOODED_ID}_water.tif"),
        "OUTPUT": str(tmp_path / "flood.tif"),
    }
    results = run("firstlight:floodextent", given, feedback)
    hidden = 1 - results["VALID_FRACTION"]
    assert 0.3 < hidden < 0.4
    [line] = [info for info in feedback.infos if info.startswith("Flooded (water now, dry before)")]
    assert line.endswith(
        f"No data (clouds, beyond the scene) hides {hidden:.0%} of the pixels: these are of what is seen."
    )


def test_the_same_flood_extent_as_an_ingest_with_pre_event_dates(
    provider, flooded, area_file, tmp_path
) -> None:
    given = {
        "AREA": area_file,
        "EVENT": "flood.riverine",
        "START_DATE": "2019-01-01",
        "END_DATE": "2019-01-31",
        "PRE_EVENT_START": "2018-12-01",
        "PRE_EVENT_END": "2018-12-31",
        "CATALOG": str(flooded.parent / "catalog" / "items.json"),
        "OUTPUT_FOLDER": str(shutil.copytree(flooded, tmp_path / "out")),  # the bands are reused
    }
    ingested = run("firstlight:ingest", given)["OUTPUT_FLOOD"]
    computed = run(
        "firstlight:floodextent",
        {
            "BEFORE": str(flooded / ITEM_ID / f"{ITEM_ID}_water.tif"),
            "AFTER": str(flooded / FLOODED_ID / f"{FLOODED_ID}_water.tif"),
            "OUTPUT": str(tmp_path / "flood.tif"),
        },
    )["OUTPUT"]
    assert Path(ingested).parent == tmp_path / "out" / FLOODED_ID
    assert np.array_equal(_read(ingested), _read(computed))


@pytest.mark.parametrize(
    ("before", "message"),
    [
        (
            f"burnt/{ITEM_ID}/{ITEM_ID}_stack.vrt",
            f"The pre-event NBR {ITEM_ID}_stack.vrt has 6 bands, not one",
        ),
        (
            f"flooded/{ITEM_ID}/{ITEM_ID}_water.tif",
            f"The pre-event NBR {ITEM_ID}_water.tif is FirstLight's water mask, not an NBR: give the NBR.",
        ),
        (
            f"flooded/{ITEM_ID}/{ITEM_ID}_ndwi.tif",
            f"The pre-event NBR {ITEM_ID}_ndwi.tif is FirstLight's NDWI",
        ),
    ],
    ids=["stack", "water-mask", "ndwi"],
)
def test_what_is_not_an_nbr_is_one_sentence(provider, burnt, flooded, tmp_path, before, message) -> None:
    folders = {"burnt": burnt, "flooded": flooded}
    where, name = before.split("/", 1)
    given = {
        "BEFORE": str(folders[where] / name),
        "AFTER": str(burnt / BURNT_ID / f"{BURNT_ID}_nbr.tif"),
        "OUTPUT": str(tmp_path / "out" / "dnbr.tif"),
        "OUTPUT_SEVERITY": str(tmp_path / "out" / "severity.tif"),
    }
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:burnseverity", given)
    assert our_line(raised.value).startswith(message), our_line(raised.value)
    assert not (tmp_path / "out").exists()


def test_an_nbr_for_a_flood_and_an_output_over_an_input_are_refused(
    provider, burnt, flooded, tmp_path
) -> None:
    nbr = burnt / BURNT_ID / f"{BURNT_ID}_nbr.tif"
    mask = flooded / FLOODED_ID / f"{FLOODED_ID}_water.tif"
    with pytest.raises(QgsProcessingException) as raised:
        run(
            "firstlight:floodextent",
            {"BEFORE": str(nbr), "AFTER": str(mask), "OUTPUT": str(tmp_path / "f.tif")},
        )
    assert our_line(raised.value) == (
        f"The pre-event water mask {nbr.name} is FirstLight's NBR, not a water mask: give the water mask."
    )

    kept = mask.read_bytes()
    earlier = flooded / ITEM_ID / f"{ITEM_ID}_water.tif"
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:floodextent", {"BEFORE": str(earlier), "AFTER": str(mask), "OUTPUT": str(mask)})
    assert our_line(raised.value).startswith(
        f"The output {mask.name} is also the post-event water mask: writing it would replace that file"
    )
    assert mask.read_bytes() == kept


def test_nbrs_of_two_sensors_are_compared_with_a_warning(provider, burnt, tmp_path) -> None:
    before = Path(shutil.copy(burnt / ITEM_ID / f"{ITEM_ID}_nbr.tif", tmp_path / "landsat_nbr.tif"))
    dataset = gdal.Open(str(before), gdal.GA_Update)
    dataset.SetMetadataItem("FIRSTLIGHT_SENSOR", "landsat")  # as a Landsat scene's NBR says
    dataset = None
    feedback = RecordingFeedback()
    given = {
        "BEFORE": str(before),
        "AFTER": str(burnt / BURNT_ID / f"{BURNT_ID}_nbr.tif"),
        "OUTPUT": str(tmp_path / "dnbr.tif"),
        "OUTPUT_SEVERITY": str(tmp_path / "severity.tif"),
    }
    run("firstlight:burnseverity", given, feedback)
    assert [w for w in feedback.warnings if w.startswith("dNBR compares")] == [
        "dNBR compares the NBR of a Landsat scene (before) with that of a Sentinel-2 scene (after): their "
        "bands differ, so dNBR carries a small bias and the severity classes hold less exactly; prefer two "
        "scenes of one sensor."
    ]
    assert (tmp_path / "severity.tif").is_file()  # computed all the same
