"""Fixtures for the packaging tests: the plugin zip, built once per session by tools/package.py,
and ``qgis_process`` driven as a separate program in a fresh QGIS profile, as a server admin would.

These tests never import QGIS in-process (run them with ``-p no:qgis``): QGIS runs in the
``qgis_process`` subprocesses, on the machine's own Python, not the venv's.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.packaging.headless import (
    PLUGIN,
    SYSTEM_PYTHON,
    Built,
    QgisProcess,
    clean_environment,
    make_qgis_process,
    run_package,
)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """``tools/package.py`` (what ``make package`` runs), into a temporary dist/ and build/."""
    out = tmp_path_factory.mktemp("package")
    result = run_package(out / "dist", out / "build")
    assert result.returncode == 0, f"tools/package.py failed:\n{result.stdout}\n{result.stderr}"
    return Built(zip=Path(result.stdout.strip().splitlines()[-1]), plugin_dir=out / "build" / PLUGIN)


@pytest.fixture(scope="module")
def fresh_qgis(tmp_path_factory: pytest.TempPathFactory) -> QgisProcess:
    """qgis_process on a QGIS configuration folder that does not exist yet."""
    qgis_process = make_qgis_process(tmp_path_factory.mktemp("fresh-qgis"))
    if qgis_process is None:
        pytest.skip("qgis_process is not installed (Debian's qgis package provides it)")
    return qgis_process


@pytest.fixture(scope="session")
def system_python_without_pystac() -> str:
    """The machine's Python (the one qgis_process embeds), proven to lack pystac and pystac-client."""
    if not Path(SYSTEM_PYTHON).is_file():
        pytest.skip(f"{SYSTEM_PYTHON} is missing")
    for module in ("pystac", "pystac_client"):
        probe = subprocess.run(
            [SYSTEM_PYTHON, "-c", f"import {module}"],
            capture_output=True,
            text=True,
            env=clean_environment(),
            check=False,
        )
        if probe.returncode == 0:
            pytest.skip(
                f"{SYSTEM_PYTHON} can import {module}: this machine cannot show that the zip works "
                "without it (uninstall python3-pystac* to run this test)"
            )
        assert "ModuleNotFoundError" in probe.stderr, probe.stderr
    return SYSTEM_PYTHON
