"""A search and an ingest through the HTTP proxy the caller names (QGIS's, in the plugin), as a
corporate network allows no other way out: the catalog and the assets are on hosts only the
proxy reaches (``.invalid``), and the scene's files come out as a direct run's."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from firstlight_qgis.core.catalog import Scene, discover
from firstlight_qgis.core.errors import CatalogError, ProxyLoginError
from firstlight_qgis.core.ingest import ingest_scene
from firstlight_qgis.core.keepalive import Direct
from firstlight_qgis.core.proxy import Proxy
from firstlight_qgis.core.signing import PlanetaryComputerSigner
from tests.reliability.harness import BANDS, options, sample_area, sample_item, scene_of
from tests.support.asset_server import AssetServer
from tests.support.http_proxy import ASSETS, STAC, HttpProxy, http_proxy
from tests.support.sample import ITEM_ID, copy_sample
from tests.support.stac_server import closed_port_url, stac_api

pytestmark = pytest.mark.integration

DATES = {"start": "2018-12-01", "end": "2018-12-31"}


@pytest.fixture(scope="module")
def assets(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AssetServer]:
    with AssetServer(copy_sample(tmp_path_factory.mktemp("assets"))) as server:
        yield server


@pytest.fixture(scope="module")
def stac(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A STAC API holding the sample item, its hrefs on a host only the proxy reaches."""
    with stac_api([sample_item(f"http://{ASSETS}")], tmp_path_factory.mktemp("stac")) as url:
        yield url


@pytest.fixture
def proxy(assets: AssetServer, stac: str) -> Iterator[HttpProxy]:
    with http_proxy({ASSETS: assets.url(""), STAC: stac}, login=("ana", "p@ss word")) as running:
        yield running


def _named(proxy: HttpProxy) -> Proxy:
    """The proxy with its login, as ``qgis_proxy`` writes it (quoted)."""
    return Proxy(proxy.url.replace("http://", "http://ana:p%40ss%20word@"))


@pytest.mark.parametrize("mode", ["clip", "whole"])
def test_a_search_and_an_ingest_go_through_the_named_proxy(
    proxy: HttpProxy, assets: AssetServer, tmp_path: Path, mode: str
) -> None:
    named = _named(proxy)
    scenes = discover(sample_area(), "flood.riverine", catalog=f"http://{STAC}/", proxy=named, **DATES)
    assert [scene.id for scene in scenes] == [ITEM_ID]
    assert any(url.startswith(f"http://{STAC}/") for _, url in proxy.carried), "the search went through it"

    result = ingest_scene(
        scenes[0], tmp_path / "proxied", sample_area(), "flood.riverine", options(mode), proxy=named
    )
    assert {url for _, url in proxy.carried} >= {f"http://{ASSETS}/{band}.tif" for band in BANDS}

    direct = _scene(assets)  # the same scene, its hrefs on the server itself
    reference = ingest_scene(direct, tmp_path / "direct", sample_area(), "flood.riverine", options(mode))
    for band in BANDS:
        proxied, plain = result.bands[band].local_path, reference.bands[band].local_path
        assert proxied.read_bytes() == plain.read_bytes(), band


def test_urls_the_proxy_bypasses_go_direct(assets: AssetServer, tmp_path: Path) -> None:
    """QGIS's excluded URLs: not through the proxy (here one that does not answer), and over the
    burst loop's own connections."""
    dead = Proxy(closed_port_url(), bypass=(assets.url(""),))
    assert Direct(5.0, {}, dead).handles(assets.url("blue.tif"))
    assert not Direct(5.0, {}, Proxy(closed_port_url())).handles(assets.url("blue.tif"))
    result = ingest_scene(
        _scene(assets), tmp_path, sample_area(), "flood.riverine", options("clip"), proxy=dead
    )
    assert all(band.success for band in result.bands.values())


@pytest.mark.parametrize("mode", ["clip", "whole"])
def test_a_proxy_that_refuses_the_login_is_one_clear_error(
    proxy: HttpProxy, tmp_path: Path, mode: str
) -> None:
    """HTTP 407: the search, and the ingest at its first band (every band would meet it)."""
    wrong = Proxy(proxy.url.replace("http://", "http://ana:wrong@"))
    what_to_do = "check its user name and password (in QGIS: Settings ▸ Options ▸ Network)."
    with pytest.raises(CatalogError) as raised:
        discover(sample_area(), "flood.riverine", catalog=f"http://{STAC}/", proxy=wrong, **DATES)
    assert str(raised.value) == (
        f"The STAC catalog at http://{STAC}/ could not be reached: the proxy wants its login (HTTP 407); "
        + what_to_do
    )
    scene = scene_of(sample_item(f"http://{ASSETS}"), sample_area())
    with pytest.raises(ProxyLoginError) as raised:
        ingest_scene(scene, tmp_path, sample_area(), "flood.riverine", options(mode), proxy=wrong)
    message = str(raised.value)
    assert (
        message.startswith("The proxy refused to fetch http://assets.firstlight.invalid/")
        and "\n" not in message
    )
    assert message.endswith(f"without its login (HTTP 407): {what_to_do}") and "wrong" not in message


def _scene(assets: AssetServer) -> Scene:
    return scene_of(sample_item(assets.url("").rstrip("/")), sample_area())


def test_planetary_computer_tokens_come_through_the_named_proxy(tmp_path: Path) -> None:
    """The token service is reached as the assets are: through the proxy."""
    with AssetServer(copy_sample(tmp_path / "assets")) as server:
        token_path = server.enable_sas().removeprefix(server.base_url)
        with http_proxy({ASSETS: server.url("")}) as proxy:
            signer = PlanetaryComputerSigner(
                f"http://{ASSETS}{token_path}",
                locate=lambda href: ("firstlight", "bands"),
                proxy=Proxy(proxy.url),
            )
            signed = signer.sign(f"http://{ASSETS}/blue.tif")
    assert "sig=" in signed
    assert ("GET", f"http://{ASSETS}{token_path}/firstlight/bands") in proxy.carried
