"""Shared test fixtures: where the real-world fixtures live, GDAL as the host left it, both ways of
writing at an offset."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from osgeo import gdal, ogr, osr

from firstlight_qgis.core import fileio

ROOT = Path(__file__).resolve().parents[1]
# ../shared/fixtures beside the project; FIRSTLIGHT_FIXTURES overrides it.
FIXTURES = Path(os.environ.get("FIRSTLIGHT_FIXTURES", ROOT.parent / "shared" / "fixtures"))
STAC_FIXTURES = FIXTURES / "stac"
RASTER_FIXTURES = FIXTURES / "rasters"
URUGUAY = RASTER_FIXTURES / "s2_20181224_uruguay_river_20m"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.fail(f"The shared fixtures are missing at {FIXTURES}; set FIRSTLIGHT_FIXTURES.")
    return FIXTURES


@pytest.fixture(autouse=True)
def gdal_exceptions_as_the_host_left_them() -> Iterator[None]:
    """GDAL's exceptions stay as the host left them: no test module switches them on, so the
    core is tested as it runs in QGIS before 3.38 (off), and after every test nothing FirstLight
    did has left them on (other plugins and Processing's GDAL tools test results for None)."""
    before = [module.GetUseExceptions() for module in (gdal, ogr, osr)]
    yield
    assert [module.GetUseExceptions() for module in (gdal, ogr, osr)] == before


@pytest.fixture(params=[True, False], ids=["pwrite", "seek and write"])
def positional(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Both ways fileio writes and reads at an offset: pwrite/preadv, and Windows' seek then write."""
    monkeypatch.setattr(fileio, "POSITIONAL", request.param)
    return request.param
