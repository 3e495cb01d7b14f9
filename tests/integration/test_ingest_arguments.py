"""``ingest_scene`` as a Python user calls it: an area in any form ``discover`` takes, one sentence
for an argument of the wrong kind, and what the run says before it fetches (a scene covering the
area in part, a threshold no pixel can fall on both sides of, a comparison made backwards)."""

from __future__ import annotations

import json

import pytest

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import coverage_of, discover
from firstlight_qgis.core.errors import InputError
from firstlight_qgis.core.ingest import IngestOptions, ingest_scene
from tests.support.sample import SAMPLE, flood_catalog

pytestmark = pytest.mark.integration

FLOOD = "flood.riverine"
AREA_FILE = SAMPLE / "area.geojson"


@pytest.fixture(scope="module")
def area():
    return parse_area(AREA_FILE)


@pytest.fixture(scope="module")
def scene(area):
    [found] = discover(area, FLOOD, "2018-12-01", "2018-12-31", catalog=str(SAMPLE / "catalog.json"))
    return found


def test_the_area_is_taken_in_any_form_discover_takes(scene, area, tmp_path) -> None:
    geometry = json.loads(AREA_FILE.read_text(encoding="utf-8"))["geometry"]
    figures = set()
    for given in (str(AREA_FILE), AREA_FILE, geometry, area):
        result = ingest_scene(scene, tmp_path / type(given).__name__, area=given, event=FLOOD)
        figures.add(result.indices["water"].positive_km2)
    assert len(figures) == 1  # the same area each time


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ({"scene": {"id": "x"}}, "The scene is not valid: give a Scene"),
        ({"output_dir": None}, "The output folder is missing"),
        ({"options": {"polygons": True}}, "The options are not valid: give an IngestOptions"),
        ({"pre_event": "scene"}, "give the result of the ingest of the scene before the event"),
        ({"area": [0, 0, "a", 1]}, "The bbox .* is not 4 numbers"),
    ],
)
def test_an_argument_of_the_wrong_kind_is_one_sentence(scene, tmp_path, arguments, said) -> None:
    given = {"scene": scene, "output_dir": tmp_path / "out", "event": FLOOD, **arguments}
    with pytest.raises(InputError, match=said):
        ingest_scene(**given)
    assert not (tmp_path / "out").exists()


def test_a_scene_that_covers_part_of_the_area_says_so(scene, area, tmp_path) -> None:
    minx, miny, maxx, maxy = area.bbox
    wider = [minx - 2 * (maxx - minx), miny, (minx + maxx) / 2, maxy]  # far beyond the scene's west edge
    covered = coverage_of(scene.item, parse_area(wider))
    assert 10 < covered < 90
    result = ingest_scene(scene, tmp_path, area=wider, event=FLOOD)

    [said] = [w for w in result.warnings if "of the area" in w]
    assert said.startswith(f"Scene {scene.id} covers {covered:.0f}% of the area: its products hold that part")


def test_a_threshold_outside_the_index_s_range_is_said(scene, area, tmp_path) -> None:
    result = ingest_scene(scene, tmp_path, area=area, event=FLOOD, options=IngestOptions(water_threshold=-5))

    assert any("lies outside the index's range (-1 to 1)" in w for w in result.warnings)
    assert result.indices["water"].positive_fraction == 1.0  # as it said: all water


def test_a_comparison_with_a_later_scene_is_said_to_be_backwards(area, tmp_path) -> None:
    catalog = str(flood_catalog(tmp_path / "catalog"))
    [december] = discover(area, FLOOD, "2018-12-01", "2018-12-31", catalog=catalog)
    [january] = discover(area, FLOOD, "2019-01-01", "2019-01-31", catalog=catalog)
    later = ingest_scene(january, tmp_path / "out", area=area, event=FLOOD)
    result = ingest_scene(december, tmp_path / "out", area=area, event=FLOOD, pre_event=later)

    assert any("was not taken before scene" in w and "measured backwards" in w for w in result.warnings)


def test_a_minimum_area_larger_than_the_raster_makes_one_patch_per_class(scene, area, tmp_path) -> None:
    options = IngestOptions(polygons=True, polygon_min_area_m2=1e12)
    result = ingest_scene(scene, tmp_path, area=area, event=FLOOD, options=options)

    assert result.polygons is not None and result.manifest_path.is_file()


def test_a_failed_ingest_leaves_no_empty_folder(scene, tmp_path) -> None:
    elsewhere = [10.0, 10.0, 10.1, 10.1]  # not over the scene: found out once its folder is made
    (tmp_path / "kept").mkdir()
    for output in (tmp_path / "new" / "deeper", tmp_path / "kept"):
        with pytest.raises(InputError, match="does not overlap"):
            ingest_scene(scene, output, area=elsewhere, event=FLOOD)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["kept"]  # the user's folder stays
    assert not list((tmp_path / "kept").iterdir())
