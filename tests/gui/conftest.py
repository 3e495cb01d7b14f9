"""Fixtures for the dock tests: QGIS in-process (pytest-qgis), the FirstLight provider registered,
a real STAC API (``rustac serve``) and the project's asset server on loopback serving the bundled
sample, and helpers that wait for background tasks the way a user waits: with the event loop running.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsRectangle

from firstlight_qgis.gui import settings as saved
from firstlight_qgis.gui.dock import FirstLightDock
from tests.qgis.support import pump, wait_until
from tests.support.asset_server import AssetServer
from tests.support.sample import copy_sample, served_item
from tests.support.stac_server import stac_api

ROOT = Path(__file__).resolve().parents[2]
NO_NIR_ID = "S2_UruguayRiver_20181224_no_nir"
CLOUDY_ID = "S2_UruguayRiver_20181214_cloudy"
EVENT = "flood.riverine"
BANDS = ["blue", "green", "red", "nir", "swir16", "swir22"]
UTM22S = QgsCoordinateReferenceSystem("EPSG:32722")
# The sample scene's grid (EPSG:32722): 512 x 512 pixels of 20 m.
SCENE_EXTENT = QgsRectangle(305760.0, 6985440.0, 316000.0, 6995680.0)


def wait_idle(dock: FirstLightDock, timeout: float = 60.0) -> None:
    wait_until(lambda: not dock.busy, timeout, "the dock's task to finish")
    pump(0.05)


@pytest.fixture(scope="package")
def provider(qgis_app: QgsApplication) -> Iterator[None]:
    """The FirstLight Processing provider, registered as the plugin's initProcessing does, and
    removed after these tests (other suites in the same session expect to register it themselves)."""
    from firstlight_qgis.processing.provider import PROVIDER_ID, FirstLightProvider

    registry = QgsApplication.processingRegistry()
    added = None
    if registry.providerById(PROVIDER_ID) is None:
        added = FirstLightProvider()
        assert registry.addProvider(added)
    yield
    if added is not None and registry.providerById(PROVIDER_ID) is added:
        registry.removeProvider(added)


@pytest.fixture(autouse=True)
def clean_settings() -> Iterator[None]:
    saved.clear()
    yield
    saved.clear()


@pytest.fixture
def messages(qgis_iface):
    """The stub message bar's messages by level: ``messages(Qgis.MessageLevel.Critical)``."""
    bar = qgis_iface.messageBar()
    bar.clear_messages()
    return bar.get_messages


@pytest.fixture
def log_lines(qgis_app) -> Iterator[list[tuple[str, str, int]]]:
    """Every QgsMessageLog line (message, tag, level) logged during the test."""
    lines: list[tuple[str, str, int]] = []

    def record(message: str, tag: str, level: int) -> None:
        lines.append((message, tag, int(level)))

    QgsApplication.messageLog().messageReceived.connect(record)
    yield lines
    QgsApplication.messageLog().messageReceived.disconnect(record)


@pytest.fixture
def dock(qgis_iface, qgis_new_project: QgsProject, provider, tmp_path: Path) -> Iterator[FirstLightDock]:
    """A fresh dock on the stub iface's canvas (EPSG:32722 over the sample), output under tmp_path."""
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(UTM22S)
    canvas.setExtent(SCENE_EXTENT)
    widget = FirstLightDock(qgis_iface)
    widget.output_widget.setFilePath(str(tmp_path / "out"))
    widget.resize(420, 900)
    yield widget
    if widget.busy:
        widget.cancel()
        wait_idle(widget)
    widget.shutdown()
    widget.deleteLater()
    pump(0.05)


# --- loopback servers ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def asset_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssetServer]:
    with AssetServer(copy_sample(tmp_path_factory.mktemp("assets"))) as running:
        yield running


@pytest.fixture(autouse=True)
def _reset_asset_server(request: pytest.FixtureRequest) -> Iterator[None]:
    if "asset_server" not in request.fixturenames:
        yield
        return
    server: AssetServer = request.getfixturevalue("asset_server")
    server.clear_faults()
    server.throttle_bps = None
    yield
    server.clear_faults()
    server.throttle_bps = None


@pytest.fixture(scope="session")
def stac_url(asset_server: AssetServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A STAC API with the sample scene, a copy lacking NIR, and a cloudier earlier copy."""
    item = served_item(asset_server)
    no_nir = served_item(asset_server, NO_NIR_ID)
    del no_nir["assets"]["nir"]
    cloudy = served_item(asset_server, CLOUDY_ID)
    cloudy["properties"] = {
        **cloudy["properties"],
        "datetime": "2018-12-14T13:37:00Z",
        "eo:cloud_cover": 24.5,
    }
    with stac_api([item, copy.deepcopy(no_nir), cloudy], tmp_path_factory.mktemp("stac")) as url:
        yield url
