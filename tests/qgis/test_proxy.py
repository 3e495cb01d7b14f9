"""QGIS's proxy (Settings ▸ Options ▸ Network) is the one Discover and Ingest go through: set as
the options dialog sets it, on a network where the catalog and the assets are on hosts only the
proxy reaches (tests/support/http_proxy.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from qgis.core import QgsApplication, QgsNetworkAccessManager, QgsSettings

from firstlight_qgis.core.proxy import Proxy
from firstlight_qgis.processing.proxy import qgis_proxy
from tests.qgis.support import DATES, EVENT, ITEM_ID, run
from tests.reliability.harness import sample_item
from tests.support.asset_server import AssetServer
from tests.support.http_proxy import ASSETS, STAC, HttpProxy, http_proxy
from tests.support.stac_server import stac_api


def _set_qgis_proxy(kind: str, port: int = 0, excluded: list[str] | None = None) -> None:
    settings = QgsSettings()
    settings.setValue("proxy/proxyEnabled", kind != "")
    settings.setValue("proxy/proxyType", kind or "DefaultProxy")
    settings.setValue("proxy/proxyHost", "127.0.0.1")
    settings.setValue("proxy/proxyPort", str(port))
    settings.setValue("proxy/proxyUser", "ana")
    settings.setValue("proxy/proxyPassword", "p@ss word")
    settings.setValue("proxy/proxyExcludedUrls", excluded or [])
    QgsNetworkAccessManager.instance().setupDefaultProxyAndCache()  # what the options dialog does


@pytest.fixture
def qgis_settings() -> Iterator[None]:
    yield
    QgsSettings().remove("proxy")
    QgsNetworkAccessManager.instance().setupDefaultProxyAndCache()


@pytest.fixture
def network(asset_server: AssetServer, tmp_path: Path) -> Iterator[HttpProxy]:
    """The sample item in a STAC API, both on hosts only the proxy (which wants a login) reaches."""
    with (
        stac_api([sample_item(f"http://{ASSETS}")], tmp_path / "stac") as stac,
        http_proxy({ASSETS: asset_server.url(""), STAC: stac}, login=("ana", "p@ss word")) as proxy,
    ):
        yield proxy


def test_the_options_proxy_is_read_with_its_login_and_exclusions(qgis_settings: None) -> None:
    _set_qgis_proxy("HttpProxy", 3128, ["http://intranet.example|https://local.example/stac"])
    assert qgis_proxy() == Proxy(
        "http://ana:p%40ss%20word@127.0.0.1:3128", ("http://intranet.example", "https://local.example/stac")
    )
    _set_qgis_proxy("")  # no proxy in QGIS: the environment's
    assert qgis_proxy() is None
    logged: list[str] = []
    QgsApplication.messageLog().messageReceived.connect(
        lambda text, tag, level: logged.append(f"{tag}: {text}")
    )
    _set_qgis_proxy("Socks5Proxy", 1080)  # requests cannot use it: the environment's, and the log says so
    assert qgis_proxy() is None
    assert any(line.startswith("FirstLight: QGIS is set to a SOCKS proxy") for line in logged), logged


def test_discover_and_ingest_go_through_the_proxy_qgis_is_set_to(
    provider, network: HttpProxy, area_file: str, tmp_path: Path, qgis_settings: None
) -> None:
    _set_qgis_proxy("HttpProxy", int(network.url.rpartition(":")[2]))
    search = {"AREA": area_file, "EVENT": EVENT, **DATES, "CATALOG": f"http://{STAC}/"}
    found = run(
        "firstlight:discover",
        {**search, "FOOTPRINTS": "TEMPORARY_OUTPUT", "SCENES_JSON": str(tmp_path / "scenes.json")},
    )
    assert found["SCENE_IDS"] == ITEM_ID
    results = run("firstlight:ingest", {**search, "OUTPUT_FOLDER": str(tmp_path / "out")})
    assert (Path(results["OUTPUT_FOLDER"]) / ITEM_ID / "manifest.json").is_file()
    carried = {url for _, url in network.carried}
    assert f"http://{ASSETS}/nir.tif" in carried and any(url.startswith(f"http://{STAC}/") for url in carried)
