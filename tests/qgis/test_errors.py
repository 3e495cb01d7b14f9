"""A bad parameter stops the run with a QgsProcessingException of one clear line, no traceback.

``processing.run`` prefixes a failed parameter check with its own "Unable to execute algorithm"
line; the line after it is ours. A failure during the run is our line alone. ``qgis_process``
prints the same line (tests/packaging).
"""

from __future__ import annotations

import json

import pytest
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingException

from tests.qgis.support import DATES, EVENT, ITEM_ID, our_line, run
from tests.support.stac_server import closed_port_url

FAR_AWAY = "10.0,10.1,50.0,50.1 [EPSG:4326]"


CASES = [
    pytest.param(
        {"EVENT": "flood.volcanic"},
        "Unknown event 'flood.volcanic': choose one of flood.coastal, flood.riverine, flood.flash, "
        "wildfire.burn_scar, drought.vegetation.",
        id="unknown-event",
    ),
    pytest.param(
        {"START_DATE": "2018-12-31", "END_DATE": "2018-12-01"},
        "The end date 2018-12-01 is before the start date 2018-12-31: give an end date on or after the "
        "start date.",
        id="end-before-start",
    ),
    pytest.param(
        {"START_DATE": "24/12/2018"},
        "Cannot read the start date '24/12/2018': give it as YYYY-MM-DD.",
        id="unreadable-date",
    ),
    pytest.param(
        {"MAX_CLOUD": "150"},
        "The maximum cloud cover 150 is not a percentage: give a number from 0 to 100.",
        id="cloud-not-a-percentage",
    ),
    pytest.param(
        {"CATALOG": "__unreachable__"},
        "could not be reached: check the URL and your network connection, or choose another catalog.",
        id="unreachable-catalog",
    ),
    pytest.param(
        {"CATALOG": "/nowhere/catalog.json"},
        "The catalog '/nowhere/catalog.json' is neither an http(s) STAC API URL nor an existing file or "
        "folder: check it.",
        id="missing-local-catalog",
    ),
    pytest.param(
        {"AREA": "/nowhere/area.geojson"},
        "The area '/nowhere/area.geojson' is neither an extent (xmin,xmax,ymin,ymax [EPSG:n]) nor a layer "
        "or vector file QGIS can open: check the value or path.",
        id="missing-area-file",
    ),
]


@pytest.mark.parametrize("algorithm", ["firstlight:discover", "firstlight:ingest"])
@pytest.mark.parametrize(("changes", "problem"), CASES)
def test_a_bad_search_parameter_is_one_clear_line(
    provider, local_catalog, area_file, tmp_path, algorithm, changes, problem
) -> None:
    parameters = {"AREA": area_file, "EVENT": EVENT, **DATES, "CATALOG": local_catalog}
    parameters.update({k: v.replace("__unreachable__", closed_port_url()) for k, v in changes.items()})
    if algorithm == "firstlight:ingest":
        parameters["OUTPUT_FOLDER"] = str(tmp_path / "out")
    else:
        parameters.update(FOOTPRINTS="TEMPORARY_OUTPUT", SCENES_JSON=str(tmp_path / "scenes.json"))
    with pytest.raises(QgsProcessingException) as raised:
        run(algorithm, parameters)
    line = our_line(raised.value)
    assert problem in line
    assert not (tmp_path / "out" / ITEM_ID / "manifest.json").exists()


@pytest.mark.parametrize(
    "geometry",
    [{"type": "Point", "coordinates": [-52.9, -27.2]}, None],
    ids=["a-point", "no-feature"],
)
def test_an_area_file_without_a_polygon_says_so(provider, local_catalog, tmp_path, geometry) -> None:
    features = [{"type": "Feature", "properties": {}, "geometry": geometry}] if geometry else []
    area = tmp_path / "area.geojson"
    area.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    parameters = {"AREA": str(area), "EVENT": EVENT, **DATES, "CATALOG": local_catalog}
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:discover", parameters)
    assert our_line(raised.value) == (
        "The area layer area holds no polygon, and its extent has no size (a point, or no feature): give "
        "a polygon layer, or an extent (xmin,xmax,ymin,ymax [EPSG:n])."
    )


def test_an_area_outside_every_scene_fails_ingest(provider, local_catalog, tmp_path) -> None:
    parameters = {"AREA": FAR_AWAY, "EVENT": EVENT, **DATES, "CATALOG": local_catalog}
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:ingest", {**parameters, "OUTPUT_FOLDER": str(tmp_path / "out")})
    assert our_line(raised.value).startswith(
        "No scene for flood.riverine in " + local_catalog + " covers the area between 2018-12-01 and "
        "2018-12-31 with at most 30% cloud"
    )


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "The scenes file scenes.json is not JSON: give the SCENES_JSON output of Discover."),
        ('{"a": 1}', "The scenes file scenes.json is not a list of FirstLight scenes"),
        ("[]", "The scenes file scenes.json lists no scene: widen the search of Discover."),
    ],
)
def test_a_bad_scenes_file_is_one_clear_line(provider, local_catalog, area_file, tmp_path, content, problem):
    (tmp_path / "scenes.json").write_text(content)
    parameters = {"AREA": area_file, "EVENT": EVENT, **DATES, "CATALOG": local_catalog}
    with pytest.raises(QgsProcessingException) as raised:
        run(
            "firstlight:ingest",
            {
                **parameters,
                "SCENES_JSON": str(tmp_path / "scenes.json"),
                "OUTPUT_FOLDER": str(tmp_path / "o"),
            },
        )
    assert our_line(raised.value).startswith(problem)


@pytest.mark.parametrize(
    ("algorithm_id", "values", "message"),
    [
        ("ingest", {"PARALLEL_DOWNLOADS": 0}, "PARALLEL_DOWNLOADS takes a whole number from 1 to 16, not 0."),
        ("ingest", {"BEST_N": "many"}, "BEST_N takes a whole number from 1 to 50, not many."),
        ("ingest", {"MAX_RETRIES": "nan"}, "MAX_RETRIES takes a whole number from 0 to 10, not nan."),
        ("ingest", {"POLYGON_MIN_AREA_M2": -1}, "POLYGON_MIN_AREA_M2 takes a number of at least 0, not -1."),
        ("discover", {"LIMIT": 1001}, "LIMIT takes a whole number from 1 to 1000, not 1001."),
        ("index", {"INDEX": "MNDWI"}, "INDEX takes one of ndwi, mndwi, nbr, ndvi, not MNDWI."),
        ("index", {"INDEX": 1}, "INDEX takes one of ndwi, mndwi, nbr, ndvi, not 1."),
    ],
)  # fmt: skip
def test_a_value_out_of_range_names_the_range(provider, area_file, algorithm_id, values, message) -> None:
    """QGIS itself says only "Incorrect parameter value for PARALLEL_DOWNLOADS"."""
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(f"firstlight:{algorithm_id}")
    parameters = {"AREA": area_file, "EVENT": EVENT, **DATES, "OUTPUT_FOLDER": "TEMPORARY_OUTPUT", **values}
    assert algorithm.checkParameterValues(parameters, QgsProcessingContext()) == (False, message)


def test_check_parameter_values_names_the_problem(provider, area_file) -> None:
    """What the toolbox dialog shows before running: the same sentence."""
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("firstlight:ingest")
    ok, message = algorithm.checkParameterValues(
        {"AREA": area_file, "EVENT": "flood.volcanic", **DATES, "OUTPUT_FOLDER": "TEMPORARY_OUTPUT"},
        QgsProcessingContext(),
    )
    assert not ok and message.startswith("Unknown event 'flood.volcanic'")
    ok, message = algorithm.checkParameterValues(
        {
            "AREA": area_file,
            "EVENT": EVENT,
            **DATES,
            "WATER_THRESHOLD": "high",
            "OUTPUT_FOLDER": "TEMPORARY_OUTPUT",
        },
        QgsProcessingContext(),
    )
    assert not ok and message == "The water threshold 'high' is not valid: give a number such as 0, or otsu."


def test_an_output_that_cannot_be_written_is_one_clear_line(provider, local_catalog, area_file, tmp_path):
    """A folder or scenes file under a plain file: the system's reason and what to do, no traceback."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    parameters = {"AREA": area_file, "EVENT": EVENT, **DATES, "CATALOG": local_catalog}
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:ingest", {**parameters, "OUTPUT_FOLDER": str(blocker / "out")})
    line = our_line(raised.value)
    assert (
        line
        == f"Could not write {blocker / 'out'}: {blocker} is a file, not a folder; choose another folder."
    )

    scenes = blocker / "scenes.json"
    outputs = {"FOOTPRINTS": "TEMPORARY_OUTPUT", "SCENES_JSON": str(scenes)}
    with pytest.raises(QgsProcessingException) as raised:
        run("firstlight:discover", {**parameters, **outputs})
    line = our_line(raised.value)
    assert line.startswith(f"Cannot write the scenes file {scenes}: ")
    assert line.endswith("; choose another path.")
