"""AREA_CLOUD in firstlight:discover and firstlight:ingest: the maximum cloud cover and the ranking
go by the cloud over the area, measured from each scene's own cloud mask. The real desert scene is
4 % cloudy as a whole and over half cloudy in its north-east corner; five days later a scene 62 %
cloudy as a whole is clear there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.qgis.support import RecordingFeedback, run
from tests.support.desert import DESERT_ID, LATER_ID, NORTH_EAST, desert_scene, two_scenes_catalog, utm_bounds

EVENT_ID = "S2A_29RKH_20200305_0_L2A"  # the real scene again, as the one after the event
FEBRUARY = {"START_DATE": "2020-02-01", "END_DATE": "2020-02-29"}


def _extent(window: tuple[int, int, int, int]) -> str:
    minx, miny, maxx, maxy = utm_bounds(window)
    return f"{minx},{maxx},{miny},{maxy} [EPSG:32629]"


NORTH_EAST_AREA = _extent(NORTH_EAST)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("desert")
    after = desert_scene(root / "event", EVENT_ID, "2020-03-05T11:24:00Z", href="./event/")
    return str(two_scenes_catalog(root, after))


def _discover(catalog: str, feedback: RecordingFeedback, **extra) -> dict:
    return run(
        "firstlight:discover",
        {
            "AREA": NORTH_EAST_AREA,
            "EVENT": "flood.riverine",
            **FEBRUARY,
            "MAX_CLOUD": 30,
            "CATALOG": catalog,
            "FOOTPRINTS": "TEMPORARY_OUTPUT",
            "SCENES_JSON": "TEMPORARY_OUTPUT",
            **extra,
        },
        feedback,
    )


def test_discover_judges_the_cloud_over_the_area(provider, catalog) -> None:
    by_tile = _discover(catalog, RecordingFeedback())
    assert [f["id"] for f in by_tile["FOOTPRINTS"].getFeatures()] == [DESERT_ID]

    feedback = RecordingFeedback()
    results = _discover(catalog, feedback, AREA_CLOUD=True)
    (feature,) = results["FOOTPRINTS"].getFeatures()
    assert (feature["id"], feature["cloud"], feature["area_cloud"]) == (LATER_ID, 62.0, 0.0)
    assert any(line.endswith("at most 30% cloud over the area.") for line in feedback.infos)
    assert any(
        f"{LATER_ID}: sentinel2" in line and "cloud 62% (0.0% over the area)" in line
        for line in feedback.infos
    )


def test_nothing_clear_over_the_area_says_so(provider, catalog) -> None:
    feedback = RecordingFeedback()
    results = _discover(
        catalog, feedback, AREA_CLOUD=True, MAX_CLOUD=30, START_DATE="2020-02-15", END_DATE="2020-02-20"
    )
    assert results["SCENE_COUNT"] == 0  # the real scene alone: 4 % cloudy, over half of it here
    (warning,) = feedback.warnings
    assert "between 2020-02-15 and 2020-02-20 with at most 30% cloud over the area:" in warning


def test_an_area_too_large_to_measure_is_judged_and_said_by_the_scenes_cloud(provider, catalog) -> None:
    feedback = RecordingFeedback()
    results = _discover(catalog, feedback, AREA_CLOUD=True, AREA=_extent((0, 0, 549, 549)))  # the tile
    assert [f["id"] for f in results["FOOTPRINTS"].getFeatures()] == [DESERT_ID]  # 4 %, the 62 % left out
    assert any(line.endswith("at most 30% cloud.") for line in feedback.infos)
    assert not any("over the area" in line for line in feedback.infos)
    (warning,) = feedback.warnings
    assert "the scenes are judged by their catalogs' cloud cover" in warning


def test_the_ingest_takes_the_scene_before_the_event_that_is_clear_over_the_area(
    provider, catalog, tmp_path: Path
) -> None:
    given = {
        "AREA": NORTH_EAST_AREA,
        "EVENT": "flood.riverine",
        "START_DATE": "2020-03-01",
        "END_DATE": "2020-03-10",
        "MAX_CLOUD": 100,
        "CATALOG": catalog,
        "PRE_EVENT_START": "2020-02-01",
        "PRE_EVENT_END": "2020-02-29",
        "SKIP_VALIDATION": True,
    }
    feedback = RecordingFeedback()
    results = run(
        "firstlight:ingest", given | {"AREA_CLOUD": True, "OUTPUT_FOLDER": str(tmp_path / "area")}, feedback
    )
    assert results["SCENE_IDS"] == f"{LATER_ID},{EVENT_ID}"
    scene = json.loads(Path(results["OUTPUT_MANIFEST"]).read_text(encoding="utf-8"))["scene"]
    assert scene["cloud_cover"] == pytest.approx(4.05, abs=0.01)  # the real scene, after the event
    assert scene["area_cloud_percent"] > 40  # over half of the corner
    assert (
        f"Scene before the event: {LATER_ID} (2020-02-24T11:24:00Z, cloud 62% (0.0% over the area)); "
        "each scene is compared with it."
    ) in feedback.infos
    # By the tiles' figures it would be the latest clear one: the real scene, cloudy there.
    by_tile = run("firstlight:ingest", given | {"OUTPUT_FOLDER": str(tmp_path / "tile")}, RecordingFeedback())
    assert by_tile["SCENE_IDS"] == f"{DESERT_ID},{EVENT_ID}"
