"""An ingest with Otsu's threshold says how well it split the water index: the sample's river is
two clear modes, recorded in the manifest, with no warning."""

from __future__ import annotations

import json

import pytest
from osgeo import gdal, osr

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.indices import OTSU_MIN_SEPARABILITY
from firstlight_qgis.core.ingest import IngestOptions, ingest_scene
from tests.support.sample import SAMPLE

pytestmark = pytest.mark.integration


def test_an_otsu_ingest_records_its_separability(tmp_path) -> None:
    area = parse_area(SAMPLE / "area.geojson")
    [scene] = discover(area, "flood.riverine", "2018-12-01", "2018-12-31", catalog=SAMPLE / "catalog.json")
    result = ingest_scene(
        scene, tmp_path, area=area, event="flood.riverine", options=IngestOptions(water_threshold="otsu")
    )
    water = result.water_mask
    assert water.otsu_separability > OTSU_MIN_SEPARABILITY
    assert not [warning for warning in result.warnings if "Otsu" in warning]
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert manifest["indices"]["water"]["otsu_separability"] == pytest.approx(water.otsu_separability)


def test_an_otsu_ingest_over_land_only_warns_that_it_found_no_clear_water(tmp_path) -> None:
    """The sample's south-east fields, no water: Otsu splits them all the same, and the run says so."""
    grid = gdal.Open(str(SAMPLE / "green.tif"))
    west, cell, _, north, _, cell_y = grid.GetGeoTransform()
    utm = osr.SpatialReference(wkt=grid.GetProjection())
    wgs84 = osr.SpatialReference()
    wgs84.ImportFromEPSG(4326)
    for system in (utm, wgs84):
        system.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    # Pixels 390 to 500 of both axes, in WGS84.
    bbox = osr.CoordinateTransformation(utm, wgs84).TransformBounds(
        west + 390 * cell, north + 500 * cell_y, west + 500 * cell, north + 390 * cell_y, 21
    )
    area = parse_area(list(bbox))
    [scene] = discover(area, "flood.riverine", "2018-12-01", "2018-12-31", catalog=SAMPLE / "catalog.json")
    result = ingest_scene(
        scene, tmp_path, area=area, event="flood.riverine", options=IngestOptions(water_threshold="otsu")
    )
    assert result.water_mask.otsu_separability < OTSU_MIN_SEPARABILITY
    [caveat] = [warning for warning in result.warnings if warning.startswith("Otsu's threshold")]
    assert "found no clear water" in caveat
    manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    assert caveat in manifest["warnings"]
