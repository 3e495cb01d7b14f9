"""download_bands without a server: href rules, checksum forms, local copies, skips, names."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from firstlight_qgis.core.bands import ResolvedAsset
from firstlight_qgis.core.download import (
    RetryPolicy,
    download_bands,
    parse_checksum,
    redact_url,
    safe_name,
)
from firstlight_qgis.core.errors import CancelledError
from tests.support.cogs import make_cog

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)


@pytest.fixture(scope="module")
def cog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_cog("blue", tmp_path_factory.mktemp("src") / "blue.tif", pixels=300)


def _expected(path: Path, size: int | None = None, checksum: str | None = None) -> dict[str, ResolvedAsset]:
    return {"blue": ResolvedAsset("blue", "blue", str(path), file_size=size, file_checksum=checksum)}


def _multihash(code: str, name: str, data: bytes) -> str:
    digest = hashlib.new(name, data).digest()
    return f"{code}{len(digest):02x}{digest.hex()}"


@pytest.mark.parametrize(
    ("code", "name"),
    [("12", "sha256"), ("13", "sha512"), ("16", "sha3_256"), ("11", "sha1"), ("d501", "md5")],
)
def test_multihash_forms_parse_to_their_algorithm(code: str, name: str) -> None:
    checksum = _multihash(code, name, b"band")
    assert parse_checksum(checksum) == (name, hashlib.new(name, b"band").hexdigest())
    assert parse_checksum(checksum.upper()) == (name, hashlib.new(name, b"band").hexdigest())


def test_bare_md5_and_unknown_forms() -> None:
    md5 = hashlib.md5(b"band").hexdigest()
    assert parse_checksum(md5) == ("md5", md5)
    assert parse_checksum("1220" + "ab" * 31) is None  # digest shorter than its declared length
    assert parse_checksum("b220" + "ab" * 32) is None  # blake2b: not supported, not mistaken
    assert parse_checksum("not a checksum") is None


def test_safe_name_keeps_scene_ids_and_defuses_paths() -> None:
    assert safe_name("S2B_22JBP_20181224_0_L2A") == "S2B_22JBP_20181224_0_L2A"
    assert safe_name("../../etc/passwd") == "etc_passwd"
    assert safe_name("LC08 L2SP:001/062") == "LC08_L2SP_001_062"
    assert safe_name("...") == "_"


def test_redact_url_drops_secrets_and_keeps_the_rest() -> None:
    signed = "https://acct.blob.core.windows.net/c/b.tif?st=1&se=2&sp=rl&sv=x&sr=c&skoid=k&sig=SECRET&v=3"
    assert redact_url(signed) == "https://acct.blob.core.windows.net/c/b.tif?v=3"
    assert redact_url("https://user:pw@host/x.tif?X-Amz-Signature=s") == "https://host/x.tif"
    assert redact_url("/data/b.tif") == "/data/b.tif"


def test_retry_policy_backs_off_with_jitter_and_caps_retry_after() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, max_retry_after=5.0)
    for retry, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (6, 8.0)]:
        delays = {policy.delay(retry) for _ in range(20)}
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(delays) > 1
    assert policy.delay(1, retry_after=3.0) == 3.0
    assert policy.delay(1, retry_after=600.0) == 5.0


def test_requester_pays_s3_is_refused_with_advice(tmp_path: Path) -> None:
    results = download_bands({"nir08": "s3://usgs-landsat/collection02/x_SR_B5.TIF"}, tmp_path, "LC08")
    result = results["nir08"]
    assert not result.success and result.local_path is None
    assert "requester-pays" in result.error and "https" in result.error
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("as_url", [False, True])
def test_local_files_need_allow_local(cog: Path, tmp_path: Path, as_url: bool) -> None:
    href = cog.as_uri() if as_url else str(cog)
    refused = download_bands({"blue": href}, tmp_path, "scene")["blue"]
    assert not refused.success and "local" in refused.error
    copied = download_bands({"blue": href}, tmp_path, "scene", allow_local=True)["blue"]
    assert copied.success and copied.local_path == tmp_path / "blue.tif"
    assert copied.local_path.read_bytes() == cog.read_bytes()
    assert copied.bytes_transferred == cog.stat().st_size
    assert copied.sha256 == hashlib.sha256(cog.read_bytes()).hexdigest()


def test_other_schemes_are_refused(tmp_path: Path) -> None:
    result = download_bands({"blue": "ftp://host/blue.tif"}, tmp_path, "scene")["blue"]
    assert not result.success and "only http(s)" in result.error


def test_local_copy_is_verified_against_the_catalog(cog: Path, tmp_path: Path) -> None:
    md5 = hashlib.md5(cog.read_bytes()).hexdigest()
    good = download_bands(
        {"blue": str(cog)}, tmp_path / "ok", "s", allow_local=True, expected=_expected(cog, None, md5)
    )
    assert good["blue"].success
    wrong = "1220" + hashlib.sha256(b"something else").hexdigest()
    bad = download_bands(
        {"blue": str(cog)}, tmp_path / "bad", "s", allow_local=True, expected=_expected(cog, None, wrong)
    )["blue"]
    assert not bad.success and "checksum" in bad.error
    assert sorted(p.name for p in (tmp_path / "bad").iterdir()) == []


def test_a_file_that_is_not_a_raster_is_rejected(tmp_path: Path) -> None:
    page = tmp_path / "page.tif"
    page.write_text("<html><body>Not found</body></html>")
    result = download_bands(
        {"blue": str(page)}, tmp_path / "out", "s", allow_local=True, max_retries=1, retry_policy=FAST
    )["blue"]
    assert not result.success and "not a readable raster" in result.error
    assert not (tmp_path / "out" / "blue.tif").exists()


def test_rerun_skips_verified_file_and_redoes_a_modified_one(cog: Path, tmp_path: Path) -> None:
    first = download_bands({"blue": str(cog)}, tmp_path, "s", allow_local=True)["blue"]
    again = download_bands({"blue": str(cog)}, tmp_path, "s", allow_local=True)["blue"]
    assert again.skipped and again.success and again.bytes_transferred == 0
    assert again.sha256 == first.sha256 and again.local_path == first.local_path
    data = bytearray(first.local_path.read_bytes())
    data[-1] ^= 0xFF
    first.local_path.write_bytes(bytes(data))  # same size, new content and mtime
    redone = download_bands({"blue": str(cog)}, tmp_path, "s", allow_local=True)["blue"]
    assert not redone.skipped and redone.local_path.read_bytes() == cog.read_bytes()


def test_cancel_before_start_raises_and_writes_nothing(cog: Path, tmp_path: Path) -> None:
    with pytest.raises(CancelledError):
        download_bands({"blue": str(cog)}, tmp_path, "s", allow_local=True, cancel=lambda: True)
    assert not any(tmp_path.iterdir())
