"""Planetary-Computer-style SAS signing against the asset server's token emulation: one token
per container, cached, re-fetched after a 403, and never visible in results, errors or logs."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from firstlight_qgis.core.download import RetryPolicy, download_bands
from firstlight_qgis.core.errors import DownloadError
from firstlight_qgis.core.signing import PlanetaryComputerSigner, blob_storage_location
from tests.support.asset_server import AssetServer
from tests.support.cogs import URUGUAY_BANDS, make_cog

pytestmark = pytest.mark.integration

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)


@pytest.fixture(scope="module")
def cogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cogs")
    for band in URUGUAY_BANDS:
        make_cog(band, folder / f"{band}.tif", pixels=256)
    return folder


@pytest.fixture
def server(cogs: Path) -> Iterator[AssetServer]:
    with AssetServer(cogs) as server:
        server.enable_sas("firstlight", "bands")
        yield server


def _signer(server: AssetServer, **kwargs: object) -> PlanetaryComputerSigner:
    return PlanetaryComputerSigner(server.token_url, locate=lambda href: ("firstlight", "bands"), **kwargs)  # type: ignore[arg-type]


def _secrets(server: AssetServer) -> set[str]:
    """Every sig the server handed out (as seen in the asset requests that carried one)."""
    return {parse_qs(r.query)["sig"][0] for r in server.log() if "sig=" in r.query}


def test_blob_storage_hrefs_are_located() -> None:
    href = "https://sentinel2l2a01.blob.core.windows.net/sentinel2-l2/22/J/BP/2018/12/24/B02_10m.tif"
    assert blob_storage_location(href) == ("sentinel2l2a01", "sentinel2-l2")
    assert blob_storage_location("https://earth-search.example.com/b.tif") is None
    assert blob_storage_location("http://acct.blob.core.windows.net/c/b.tif") is None


def test_hrefs_the_locator_skips_are_not_signed(server: AssetServer) -> None:
    signer = PlanetaryComputerSigner(server.token_url)  # default locator: Azure Blob hrefs only
    href = server.url("blue.tif")
    assert signer.sign(href) == href and signer.refresh(href) == href
    assert server.tokens_issued == 0


def test_token_is_fetched_once_for_all_bands(
    server: AssetServer, cogs: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    urls = {band: server.url(f"{band}.tif") for band in URUGUAY_BANDS}
    results = download_bands(urls, tmp_path, "scene", signer=_signer(server), parallel_downloads=6)
    assert all(r.success for r in results.values())
    assert all(r.local_path.read_bytes() == (cogs / f"{b}.tif").read_bytes() for b, r in results.items())
    assert server.tokens_issued == 1
    assert len(server.log(path="/api/sas/v1/token/firstlight/bands")) == 1
    assert [r.url for r in results.values()] == list(urls.values())  # unsigned
    [sig] = _secrets(server)
    assert sig not in repr(results) and sig not in caplog.text


def test_expired_token_is_refreshed_on_403(
    server: AssetServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    signer = _signer(server)
    assert download_bands({"blue": server.url("blue.tif")}, tmp_path / "a", "s", signer=signer)[
        "blue"
    ].success
    server.expire_tokens()
    result = download_bands({"green": server.url("green.tif")}, tmp_path / "b", "s", signer=signer)["green"]
    assert result.success and result.retries == 0  # the re-sign happens within the attempt
    assert server.tokens_issued == 2
    assert [r.status for r in server.log(path="/green.tif")] == [403, 206]  # no file:size: a range
    assert not any(sig in repr(result) or sig in caplog.text for sig in _secrets(server))


def test_cached_token_is_renewed_shortly_before_expiry(server: AssetServer) -> None:
    server.enable_sas("firstlight", "bands", lifetime_s=3)
    signer = _signer(server, renew_margin_s=300)  # margin capped at half the remaining life
    first = signer.sign(server.url("blue.tif"))
    assert signer.sign(server.url("red.tif")).endswith(urlsplit(first).query)
    assert server.tokens_issued == 1
    time.sleep(1.6)
    assert urlsplit(signer.sign(server.url("blue.tif"))).query != urlsplit(first).query
    assert server.tokens_issued == 2


def test_without_a_signer_the_refusal_is_reported_without_retrying(
    server: AssetServer, tmp_path: Path
) -> None:
    result = download_bands({"blue": server.url("blue.tif")}, tmp_path, "s", retry_policy=FAST)["blue"]
    assert not result.success and "403" in result.error and result.retries == 0


def test_a_fresh_signature_refused_too_is_retried(server: AssetServer, tmp_path: Path) -> None:
    """A token revoked between its issue and its use (it expired again meanwhile): the refusal of
    the freshly signed request is one more failed attempt, not the end of the band."""
    signer = _signer(server)
    server.inject("/blue.tif", ["403", "403"])  # the cached token, then the fresh one
    result = download_bands(
        {"blue": server.url("blue.tif")}, tmp_path, "s", signer=signer, max_retries=2, retry_policy=FAST
    )["blue"]
    assert result.success and result.retries == 1
    assert result.local_path.read_bytes() == (server.root / "blue.tif").read_bytes()


def test_token_service_failure_is_retried_then_reported(server: AssetServer, tmp_path: Path) -> None:
    server.inject("/api/sas/v1/token/firstlight/bands", ["503", "500", "500"])
    signer = _signer(server)
    result = download_bands(
        {"blue": server.url("blue.tif")}, tmp_path, "s", signer=signer, max_retries=1, retry_policy=FAST
    )["blue"]
    assert not result.success and "token service" in result.error and "HTTP 500" in result.error
    ok = download_bands({"blue": server.url("blue.tif")}, tmp_path, "s", signer=signer)["blue"]
    assert ok.success


def test_token_service_error_message_is_one_clean_sentence(server: AssetServer) -> None:
    signer = PlanetaryComputerSigner(server.token_url, locate=lambda href: ("nobody", "nothing"))
    with pytest.raises(DownloadError, match=r"answered HTTP 404; try again later\.$"):
        signer.sign(server.url("blue.tif"))


def test_an_oversized_token_answer_is_refused_unread(tmp_path: Path) -> None:
    """A token service that answers with megabytes is cut off, not read to the end and parsed."""
    endpoint = tmp_path / "token" / "firstlight"
    endpoint.mkdir(parents=True)
    (endpoint / "bands").write_bytes(b'{"token": "' + b"x" * (8 * 1024 * 1024) + b'"}')
    with AssetServer(tmp_path) as tokens:
        signer = PlanetaryComputerSigner(tokens.url("token"), locate=lambda href: ("firstlight", "bands"))
        with pytest.raises(DownloadError, match=r"sent more than 64 KB, which no token needs"):
            signer.sign("https://firstlight.blob.core.windows.net/bands/blue.tif")
