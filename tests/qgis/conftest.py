"""Fixtures of the QGIS-side tests: real QGIS (pytest-qgis), the plugin's provider, loopback servers.

pytest-qgis starts one QgsApplication for the session (``QT_QPA_PLATFORM=offscreen`` when there is
no display; the Makefile exports it) and ``qgis_processing`` initialises Processing with QGIS's own
providers. The catalogs are real: ``rustac serve`` on loopback holding the bundled sample item with
its hrefs on the project's asset server, and the sample's local catalog.json.
"""

from __future__ import annotations

import copy
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsProcessingContext, QgsProject

from tests.qgis.support import NO_NIR_ID, SAMPLE, RecordingFeedback
from tests.support.asset_server import AssetServer
from tests.support.sample import served_item
from tests.support.stac_server import stac_api


@pytest.fixture(scope="session")
def plugin(qgis_processing: None) -> Iterator[object]:
    """The plugin as QGIS loads it for qgis_process: ``classFactory(None).initProcessing()``."""
    from firstlight_qgis import classFactory

    instance = classFactory(None)
    instance.initProcessing()
    yield instance
    instance.unload()


@pytest.fixture
def provider(plugin: object):
    """Looked up per test: a test may unload and register the provider again."""
    found = QgsApplication.processingRegistry().providerById("firstlight")
    assert found is not None
    return found


@pytest.fixture(scope="session")
def sample_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample, copied: reading it must not leave .aux.xml files in the repository."""
    target = tmp_path_factory.mktemp("sample") / "sample"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture(scope="session")
def local_catalog(sample_copy: Path) -> str:
    return str(sample_copy / "catalog.json")


@pytest.fixture(scope="session")
def area_file(sample_copy: Path) -> str:
    return str(sample_copy / "area.geojson")


@pytest.fixture(scope="session")
def asset_server(sample_copy: Path) -> Iterator[AssetServer]:
    with AssetServer(sample_copy) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean_server(request: pytest.FixtureRequest) -> Iterator[None]:
    if "asset_server" not in request.fixturenames:
        yield
        return
    server: AssetServer = request.getfixturevalue("asset_server")
    server.clear_faults()
    yield
    server.clear_faults()


@pytest.fixture(scope="session")
def stac_url(asset_server: AssetServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A STAC API on loopback: the sample item (hrefs on the asset server) and a copy lacking NIR."""
    item = served_item(asset_server)
    no_nir = copy.deepcopy(item)
    no_nir["id"] = NO_NIR_ID
    no_nir["properties"]["eo:cloud_cover"] = 5.0  # ranks after the complete scene
    del no_nir["assets"]["nir"]
    with stac_api([item, no_nir], tmp_path_factory.mktemp("stac")) as url:
        yield url


@pytest.fixture
def feedback() -> RecordingFeedback:
    return RecordingFeedback()


@pytest.fixture
def project() -> Iterator[QgsProject]:
    """A project of its own (not the global instance), as the dock's task context has."""
    project = QgsProject()
    yield project
    project.clear()


@pytest.fixture
def project_context(project: QgsProject, feedback: RecordingFeedback) -> Iterator[QgsProcessingContext]:
    context = QgsProcessingContext()
    context.setProject(project)
    context.setFeedback(feedback)
    yield context
    # Processing may keep the context past the test: were it the session's last, its layers (the
    # AREA file's) would be closed after QGIS has exited, a segmentation fault. Closed now.
    context.temporaryLayerStore().removeAllMapLayers()
