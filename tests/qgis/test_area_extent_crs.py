"""An extent whose CRS QGIS does not know is refused in one sentence naming it: QGIS would drop the
CRS and read the coordinates as longitudes and latitudes."""

from __future__ import annotations

import pytest
from qgis.core import QgsProcessingException

from tests.qgis.support import DATES, EVENT, our_line, run


@pytest.mark.parametrize(
    ("area", "crs"),
    [
        ("-52.95,-52.87,-27.23,-27.16 [EPSG:999999]", "EPSG:999999"),
        ("-52.95,-52.87,-27.23,-27.16 [FOO]", "FOO"),
        ("306760,315000,6986440,6994680 [EPSG:32772]", "EPSG:32772"),  # UTM 22S is 32722
    ],
)
@pytest.mark.parametrize("algorithm", ["firstlight:discover", "firstlight:ingest"])
def test_an_unknown_crs_is_named(provider, local_catalog, tmp_path, algorithm, area, crs) -> None:
    parameters = {"AREA": area, "EVENT": EVENT, **DATES, "CATALOG": local_catalog}
    parameters |= {"OUTPUT_FOLDER": str(tmp_path / "out")} if algorithm.endswith("ingest") else {}
    with pytest.raises(QgsProcessingException) as raised:
        run(algorithm, parameters)
    assert our_line(raised.value) == (
        f"The area's CRS {crs} is unknown: give the EPSG code of the CRS its coordinates are in, such as "
        "EPSG:4326 for longitude and latitude or EPSG:32721 for UTM zone 21 south."
    )
    assert not (tmp_path / "out").exists()


def test_a_known_crs_is_used(provider, local_catalog) -> None:
    parameters = {"AREA": "306760,315000,6986440,6994680 [EPSG:32722]", "EVENT": EVENT, **DATES}
    results = run("firstlight:discover", parameters | {"CATALOG": local_catalog})
    assert results["SCENE_COUNT"] == 1
