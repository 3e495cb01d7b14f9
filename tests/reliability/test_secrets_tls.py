"""Secrets (SAS tokens, pre-signed URLs, API keys, subscription keys, passwords in URLs) never reach
the manifest, the results, error messages or logs (Python logging at DEBUG, urllib3 and
pystac-client included, and GDAL's own debug output); TLS certificates are always verified."""

from __future__ import annotations

import logging
import subprocess
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests
from osgeo import gdal

from firstlight_qgis.core import catalog as catalog_module
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.clip import _gdal_options
from firstlight_qgis.core.download import RetryPolicy, http_session
from firstlight_qgis.core.errors import CatalogError, DownloadError
from firstlight_qgis.core.gdalconfig import gdal_exceptions, thread_config
from firstlight_qgis.core.signing import PlanetaryComputerSigner
from tests.reliability.harness import BANDS, EVENT, ITEM_ID, MODES, compare, run, sample_item, scene_of
from tests.support.asset_server import AssetServer
from tests.support.stac_server import closed_port_url, stac_api

pytestmark = pytest.mark.integration

SUBSCRIPTION_KEY = "SUBSCRIPTION-KEY-0f3a9c"
PASSWORD = "PASSWORD-7d21e4"
PRESIGNED = {"X-Amz-Signature": "PRESIGNED-SIG-55aa", "X-Amz-Credential": "AKIA-CRED-9911", "v": "2"}
API_KEY = "CATALOG-API-KEY-c0ffee"


@pytest.fixture
def everything_logged(caplog: pytest.LogCaptureFixture):
    """Python logging at DEBUG everywhere and GDAL's debug messages on (they go to stderr)."""
    caplog.set_level(logging.DEBUG)
    for name in ("urllib3", "pystac_client", "requests", "firstlight_qgis"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    gdal.SetConfigOption("CPL_DEBUG", "ON")
    yield caplog
    gdal.SetConfigOption("CPL_DEBUG", None)


def _leaks(secrets: set[str], *texts: str) -> set[str]:
    return {secret for secret in secrets if any(secret in text for text in texts)}


@pytest.mark.parametrize("mode", [*MODES, "clip/GDAL"])
def test_sas_tokens_and_keys_stay_out_of_manifest_results_errors_and_logs(
    sas_server: AssetServer, area, tmp_path: Path, mode: str, everything_logged, capfd
) -> None:
    """``clip/GDAL``: the server answers the header's range with the whole file, so GDAL's
    /vsicurl/ reads the signed URLs (and logs them at CPL_DEBUG)."""
    server = sas_server
    server.clear_log()
    server.clear_faults()
    if mode == "clip/GDAL":
        mode = "clip"
        for band in BANDS:  # the fast lane's header read, the band's own (403), its re-signed one
            server.inject(f"/{band}.tif", ["ignore-range"] * 3)
    signer = PlanetaryComputerSigner(
        server.token_url, locate=lambda href: ("firstlight", "bands"), subscription_key=SUBSCRIPTION_KEY
    )
    signer.sign(server.url("blue.tif"))
    server.expire_tokens()  # every first request is refused and re-signed: 403s in the logs too
    item = sample_item(server.base_url)
    for asset in item["assets"].values():  # credentials in the href's user info
        asset["href"] = asset["href"].replace("http://", f"http://firstlight:{PASSWORD}@")
    result = run(scene_of(item, area), tmp_path, area, mode, signer=signer)

    server.expire_tokens()
    server.inject("/api/sas/v1/token/firstlight/bands", ["500"] * 50)  # renewal impossible: a failure
    with pytest.raises(DownloadError) as failed:
        run(scene_of(item, area), tmp_path / "again", area, mode, signer=signer)

    sigs = {parse_qs(r.query)["sig"][0] for r in server.log() if "sig=" in r.query}
    secrets = sigs | {SUBSCRIPTION_KEY, PASSWORD}
    stdout, stderr = capfd.readouterr()
    manifest = (tmp_path / ITEM_ID / "manifest.json").read_text()
    assert sigs and everything_logged.text  # there was something to leak, and logs to leak it into
    assert not _leaks(
        secrets, manifest, repr(result), str(failed.value), everything_logged.text, stdout, stderr
    )


def test_presigned_hrefs_from_a_catalog_are_never_stored(
    server, area, tmp_path: Path, everything_logged
) -> None:
    item = sample_item(server.base_url)
    query = "&".join(f"{k}={v}" for k, v in PRESIGNED.items())
    for asset in item["assets"].values():
        asset["href"] += f"?{query}"
    result = run(scene_of(item, area), tmp_path, area, "whole")
    manifest = (tmp_path / ITEM_ID / "manifest.json").read_text()
    secrets = {PRESIGNED["X-Amz-Signature"], PRESIGNED["X-Amz-Credential"]}
    assert not _leaks(secrets, manifest, repr(result), everything_logged.text)
    assert '"v=2"' not in manifest and "?v=2" in manifest  # what is not a secret is kept


def test_a_catalog_api_key_stays_out_of_logs_and_errors(
    server, area, tmp_path: Path, everything_logged
) -> None:
    with stac_api([sample_item(server.base_url)], tmp_path / "stac") as url:
        scenes = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=f"{url}/?api_key={API_KEY}")
    assert scenes and API_KEY not in scenes[0].catalog
    with pytest.raises(CatalogError) as failed:
        discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=f"{closed_port_url()}/?api_key={API_KEY}")
    assert API_KEY not in str(failed.value)
    assert "pystac_client" in everything_logged.text or "urllib3" in everything_logged.text
    assert API_KEY not in everything_logged.text


# -- TLS --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = [
        "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1",
    ]  # fmt: skip
    try:
        subprocess.run(command, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"openssl cannot make a test certificate: {error}")
    return cert, key


@pytest.fixture(scope="module")
def tls_server(assets_root: Path, certificate) -> AssetServer:
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    with AssetServer(assets_root, ssl_context=context) as running:
        yield running


def test_every_http_client_verifies_certificates(server, area, tmp_path: Path) -> None:
    assert http_session(4).verify is True
    assert PlanetaryComputerSigner()._session.verify is True
    with stac_api([sample_item(server.base_url)], tmp_path / "stac") as url:
        assert catalog_module._StacApi(url)._client._stac_io.session.verify is True
    options = _gdal_options("https://example.com/b.tif", 30.0, 3, RetryPolicy())
    assert options["GDAL_HTTP_UNSAFESSL"] == "NO"


@pytest.mark.parametrize("mode", MODES)
def test_a_self_signed_server_is_refused_even_if_the_environment_says_unsafe(
    tls_server: AssetServer, area, tmp_path: Path, mode: str, monkeypatch
) -> None:
    monkeypatch.setenv("GDAL_HTTP_UNSAFESSL", "YES")
    gdal.SetConfigOption("GDAL_HTTP_UNSAFESSL", "YES")
    try:
        with pytest.raises(DownloadError, match="certificate") as refused:
            run(scene_of(sample_item(tls_server.base_url), area), tmp_path, area, mode)
    finally:
        gdal.SetConfigOption("GDAL_HTTP_UNSAFESSL", None)
    assert "gave up" not in str(refused.value)  # not retried: retrying cannot make it trusted
    assert not (tmp_path / ITEM_ID / "manifest.json").exists()


def test_gdal_reading_with_firstlight_options_verifies_too(tls_server: AssetServer) -> None:
    gdal.SetConfigOption("GDAL_HTTP_UNSAFESSL", "YES")
    url = tls_server.url("blue.tif")
    try:
        assert gdal.Open(f"/vsicurl/{url}") is not None  # GDAL alone trusts it now...
        gdal.VSICurlClearCache()
        options = thread_config(_gdal_options(url, 5.0, 0, RetryPolicy()))
        with gdal_exceptions, options, pytest.raises(RuntimeError):
            gdal.Open(f"/vsicurl/{url}")  # ...FirstLight's reads do not
    finally:
        gdal.SetConfigOption("GDAL_HTTP_UNSAFESSL", None)
        gdal.VSICurlClearCache()


@pytest.mark.parametrize("mode", MODES)
def test_a_server_whose_certificate_is_trusted_works(
    tls_server: AssetServer, reference, area, tmp_path: Path, mode: str, certificate, monkeypatch
) -> None:
    """The positive control: the same server, its certificate in the trusted bundle."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(certificate[0]))
    gdal.SetConfigOption("GDAL_CURL_CA_BUNDLE", str(certificate[0]))
    try:
        run(scene_of(sample_item(tls_server.base_url), area), tmp_path, area, mode)
    finally:
        gdal.SetConfigOption("GDAL_CURL_CA_BUNDLE", None)
    assert compare(tmp_path, reference[mode]["root"], mode).identical


def test_a_catalog_with_an_untrusted_certificate_is_a_clear_catalog_error(
    tls_server: AssetServer, area
) -> None:
    with pytest.raises(CatalogError, match="certificate that could not be verified"):
        discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=tls_server.base_url)
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(tls_server.url("blue.tif"), timeout=5)  # the server really is untrusted
