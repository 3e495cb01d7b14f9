"""Shared test fixtures: where the real-world fixtures live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
