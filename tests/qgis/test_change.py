"""firstlight:ingest with pre-event dates: the best pre-event scene is ingested too, and each scene
asked for gets its change since, loaded and styled: a burn scar's dNBR and burn severity, a flood's
extent. Bad pre-event dates are one sentence each. The catalogs hold the sample and its copy burnt,
or flooded, in one window."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal
from qgis.core import QgsPalettedRasterRenderer, QgsProcessingException, QgsSingleBandPseudoColorRenderer

from tests.qgis.support import ITEM_ID, RecordingFeedback, ingest_parameters, our_line, run, run_and_load
from tests.support.sample import BURNT_ID, FLOODED_ID, fire_catalog, flood_catalog

EVENT = "wildfire.burn_scar"
AFTER = {"START_DATE": "2019-01-01", "END_DATE": "2019-01-31"}
BEFORE = {"PRE_EVENT_START": "2018-12-01", "PRE_EVENT_END": "2018-12-31"}


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(fire_catalog(tmp_path_factory.mktemp("fire")))


@pytest.fixture(scope="module")
def flooded(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(flood_catalog(tmp_path_factory.mktemp("flood")))


def parameters(catalog: str, area_file: str, output: Path, **extra) -> dict:
    return ingest_parameters(catalog, area_file, output, EVENT, AFTER, **extra)


def test_pre_event_dates_give_dnbr_and_burn_severity(
    provider, project, project_context, catalog, area_file, tmp_path
) -> None:
    given = parameters(catalog, area_file, tmp_path, **BEFORE)
    results = run_and_load("firstlight:ingest", given, project_context)

    assert results["SCENE_IDS"] == f"{ITEM_ID},{BURNT_ID}"  # the pre-event scene first
    assert Path(results["OUTPUT_STACK"]) == tmp_path / BURNT_ID / f"{BURNT_ID}_stack.vrt"
    assert Path(results["OUTPUT_INDEX"]) == tmp_path / BURNT_ID / f"{BURNT_ID}_dnbr.tif"
    assert Path(results["OUTPUT_SEVERITY"]) == tmp_path / BURNT_ID / f"{BURNT_ID}_severity.tif"
    assert results["OUTPUT_WATER"] is None
    dnbr = gdal.Open(results["OUTPUT_INDEX"]).ReadAsArray()
    pre = gdal.Open(str(tmp_path / ITEM_ID / f"{ITEM_ID}_nbr.tif")).ReadAsArray()
    post = gdal.Open(str(tmp_path / BURNT_ID / f"{BURNT_ID}_nbr.tif")).ReadAsArray()
    np.testing.assert_allclose(dnbr, pre - post, atol=1e-6, equal_nan=True)
    severity = gdal.Open(results["OUTPUT_SEVERITY"]).ReadAsArray()
    assert 0.02 < ((severity > 0) & (severity < 255)).sum() / (severity < 255).sum() < 0.15

    feedback: RecordingFeedback = project_context.feedback()
    assert any("pre-event scene from 2018-12-01 to 2018-12-31" in line for line in feedback.infos)
    chosen = f"Scene before the event: {ITEM_ID} (2018-12-24T13:37:00Z, cloud 0.73%);"
    assert f"{chosen} each scene is compared with it." in feedback.infos
    assert any(line.startswith(f"Ingesting scene 1/2: {ITEM_ID}") for line in feedback.infos)
    assert any(line.startswith("Burnt (dNBR 0.1 or more):") for line in feedback.infos)

    # Loaded: both stacks (before and after, to compare), the dNBR and the severity, styled.
    layers = {layer.name(): layer for layer in project.mapLayers().values()}
    assert sorted(layers) == sorted(
        [f"{ITEM_ID} stack", f"{BURNT_ID} stack", f"{BURNT_ID} dnbr", f"{BURNT_ID} severity"]
    )
    classes = layers[f"{BURNT_ID} severity"].renderer()
    assert isinstance(classes, QgsPalettedRasterRenderer)
    colors = {c.value: c.color for c in classes.classes()}
    assert sorted(colors) == [0, 1, 2, 3, 4] and colors[0].alpha() == 0 and colors[4].alpha() == 255
    ramp = layers[f"{BURNT_ID} dnbr"].renderer()
    assert isinstance(ramp, QgsSingleBandPseudoColorRenderer)
    assert (ramp.classificationMin(), ramp.classificationMax()) == (-0.5, 1.0)


def test_without_pre_event_dates_a_burn_scar_is_nbr_alone(provider, catalog, area_file, tmp_path) -> None:
    results = run("firstlight:ingest", parameters(catalog, area_file, tmp_path))
    assert results["SCENE_IDS"] == BURNT_ID
    assert Path(results["OUTPUT_INDEX"]).name == f"{BURNT_ID}_nbr.tif"
    assert results["OUTPUT_SEVERITY"] is None
    assert not (tmp_path / ITEM_ID).exists()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"PRE_EVENT_START": "2018-12-01"}, "Give both pre-event dates"),
        ({"PRE_EVENT_START": "2018-12-20", "PRE_EVENT_END": "2018-12-10"}, "before the pre-event start date"),
        ({"PRE_EVENT_START": "2018-12-01", "PRE_EVENT_END": "2019-01-01"}, "must end before the event's"),
        ({**BEFORE, "EVENT": "drought.vegetation"}, "or a burn scar's dNBR, not drought.vegetation"),
        ({"PRE_EVENT_START": "2018-11-01", "PRE_EVENT_END": "2018-11-30"}, "No pre-event scene"),
        ({"PRE_EVENT_SCENE": ITEM_ID}, f"The pre-event scene {ITEM_ID} is looked for between the pre-event"),
        (
            {**BEFORE, "PRE_EVENT_SCENE": "S2_elsewhere"},
            f"The pre-event scene S2_elsewhere is not among the 1 found in {{catalog}} between 2018-12-01 "
            f"and 2018-12-31 with at most 30% cloud ({ITEM_ID}): give one of those, or leave it empty.",
        ),
    ],
)
def test_bad_pre_event_dates_are_one_sentence(provider, catalog, area_file, tmp_path, extra, message) -> None:
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:ingest", parameters(catalog, area_file, tmp_path / "out", **extra))
    assert message.format(catalog=catalog) in our_line(raised.value), str(raised.value)
    assert not any((tmp_path / "out").glob("*/*.tif"))  # nothing was ingested


def test_the_pre_event_scene_named_is_the_one_compared_with(provider, catalog, area_file, tmp_path) -> None:
    feedback = RecordingFeedback()
    given = parameters(catalog, area_file, tmp_path, **BEFORE, PRE_EVENT_SCENE=f" {ITEM_ID} ")
    results = run("firstlight:ingest", given, feedback)
    assert results["SCENE_IDS"] == f"{ITEM_ID},{BURNT_ID}"
    assert results["OUTPUT_SEVERITY"] is not None
    assert any(info.startswith(f"Scene before the event: {ITEM_ID} (") for info in feedback.infos)


def test_pre_event_dates_give_a_flood_its_extent(
    provider, project, project_context, flooded, area_file, tmp_path
) -> None:
    given = parameters(flooded, area_file, tmp_path / "out", EVENT="flood.riverine", **BEFORE)
    results = run_and_load("firstlight:ingest", given, project_context)

    assert results["SCENE_IDS"] == f"{ITEM_ID},{FLOODED_ID}"
    assert Path(results["OUTPUT_FLOOD"]) == tmp_path / "out" / FLOODED_ID / f"{FLOODED_ID}_flood.tif"
    assert Path(results["OUTPUT_INDEX"]).name == f"{FLOODED_ID}_ndwi.tif"  # the index stays the event's
    assert results["OUTPUT_SEVERITY"] is None
    flood = gdal.Open(results["OUTPUT_FLOOD"]).ReadAsArray()
    water = gdal.Open(results["OUTPUT_WATER"]).ReadAsArray()
    assert np.array_equal(flood == 0, water == 0) and (flood == 1).any() and (flood == 2).any()
    feedback: RecordingFeedback = project_context.feedback()
    assert any(line.startswith("Flooded (water now, dry before):") for line in feedback.infos)
    # Each scene's water, with its area: 20 m pixels of UTM.
    dataset = gdal.Open(results["OUTPUT_WATER"])
    _, cell_x, _, _, _, cell_y = dataset.GetGeoTransform()
    wet, valid = (water == 1).sum(), (water != 255).sum()
    line = f"Water: {wet / valid:.1%} of the valid pixels. Area: {wet * abs(cell_x * cell_y) / 1e6:.2f} km²."
    assert line in feedback.infos
    flooded = next(info for info in feedback.infos if info.startswith("Flooded (water now, dry before):"))
    assert results["SUMMARY"] == f"{flooded} {line}"  # the flood first, for the dock's message
    layers = {layer.name(): layer for layer in project.mapLayers().values()}
    renderer = layers[f"{FLOODED_ID} flood"].renderer()
    assert isinstance(renderer, QgsPalettedRasterRenderer)
    colors = {c.value: c.color for c in renderer.classes()}
    assert sorted(colors) == [0, 1, 2] and colors[0].alpha() == 0


def _tiled(catalog: str, tmp_path: Path, tiles: tuple[str, str]) -> str:
    """``catalog``'s two items (before, after) said to be of the tiles ``tiles``, in a copy."""
    document = json.loads(Path(catalog).read_text(encoding="utf-8"))
    for item, tile in zip(document["features"], tiles, strict=True):
        item["properties"]["grid:code"] = tile
        for asset in item["assets"].values():  # the copy is elsewhere: the files stay where they are
            asset["href"] = str(Path(catalog).parent / asset["href"])
    copy = tmp_path / "items.json"
    copy.write_text(json.dumps(document), encoding="utf-8")
    return str(copy)


@pytest.mark.parametrize(
    ("tiles", "same"),
    [(("MGRS-22JBM", "MGRS-22JBM"), True), (("MGRS-22JCM", "MGRS-22JBM"), False)],
    ids=["same-tile", "another-tile"],
)
def test_the_run_says_whether_the_scene_before_is_seen_as_the_events(
    provider, flooded, area_file, tmp_path, tiles, same
) -> None:
    catalog = _tiled(flooded, tmp_path, tiles)
    feedback = RecordingFeedback()
    run(
        "firstlight:ingest",
        parameters(catalog, area_file, tmp_path / "out", EVENT="flood.riverine", **BEFORE),
        feedback,
    )
    said = f"It is seen as {FLOODED_ID} is: MGRS-22JBM."
    warned = [w for w in feedback.warnings if w.startswith("The scene before the event is seen from")]
    if same:
        assert said in feedback.infos and not warned
    else:
        assert said not in feedback.infos
        assert warned == [
            f"The scene before the event is seen from MGRS-22JCM, {FLOODED_ID} from MGRS-22JBM. No clear "
            "scene from MGRS-22JBM was found between the pre-event dates. Some of the changes may be the "
            "view's, not the event's (for radar, shadows on the other side of the relief)."
        ]


def test_a_scene_before_chosen_from_another_view_is_not_said_to_be_the_best_found(
    provider, flooded, area_file, tmp_path
) -> None:
    """Chosen by the user, it is not one FirstLight failed to find a better one than."""
    catalog = _tiled(flooded, tmp_path, ("MGRS-22JCM", "MGRS-22JBM"))
    feedback = RecordingFeedback()
    run(
        "firstlight:ingest",
        parameters(
            catalog, area_file, tmp_path / "out", EVENT="flood.riverine", PRE_EVENT_SCENE=ITEM_ID, **BEFORE
        ),
        feedback,
    )
    assert [w for w in feedback.warnings if w.startswith("The scene before the event is seen from")] == [
        f"The scene before the event is seen from MGRS-22JCM, {FLOODED_ID} from MGRS-22JBM. Some of the "
        "changes may be the view's, not the event's (for radar, shadows on the other side of the relief)."
    ]
