"""Fixtures shared by the unit tests: a real mixed-resolution Sentinel-2 scene folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cogs import build_uruguay_scene, copy_scene


@pytest.fixture(scope="session")
def uruguay_template(tmp_path_factory) -> dict[str, Path]:
    """Built once per run; tests get their own copy through ``scene``."""
    return build_uruguay_scene(tmp_path_factory.mktemp("uruguay") / "template")


@pytest.fixture
def scene(uruguay_template, tmp_path) -> dict[str, Path]:
    return copy_scene(uruguay_template, tmp_path / "scene")
