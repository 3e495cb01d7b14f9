"""download_bands against the real test asset server: parallelism, every fault kind, resume,
verification, skip on re-run, cancel. Real COGs, real HTTP on 127.0.0.1, real GDAL."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from firstlight_qgis.core.bands import ResolvedAsset
from firstlight_qgis.core.download import BandDownloadResult, RetryPolicy, download_bands
from firstlight_qgis.core.errors import CancelledError
from tests.support.asset_server import AssetServer
from tests.support.cogs import URUGUAY_BANDS, make_cog

pytestmark = pytest.mark.integration

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05, max_retry_after=5.0)


@pytest.fixture(scope="module")
def cogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six small COGs (384 x 384 px, 256 px tiles), one per Sentinel-2 band."""
    folder = tmp_path_factory.mktemp("cogs")
    for band in URUGUAY_BANDS:
        make_cog(band, folder / f"{band}.tif", pixels=384)
    return folder


@pytest.fixture
def server(cogs: Path) -> Iterator[AssetServer]:
    with AssetServer(cogs) as server:
        yield server


def _expected(cogs: Path, band: str, checksum: str | None = "sha256") -> dict[str, ResolvedAsset]:
    data = (cogs / f"{band}.tif").read_bytes()
    multihash = "1220" + hashlib.sha256(data).hexdigest() if checksum else None
    return {band: ResolvedAsset(band, band, "", file_size=len(data), file_checksum=multihash)}


def _fetch(server: AssetServer, out: Path, band: str = "blue", **kwargs: object) -> BandDownloadResult:
    kwargs.setdefault("retry_policy", FAST)
    return download_bands({band: server.url(f"{band}.tif")}, out, "scene", **kwargs)[band]  # type: ignore[arg-type]


def _same_bytes(result: BandDownloadResult, cogs: Path) -> bool:
    return (
        result.local_path is not None
        and result.local_path.read_bytes() == (cogs / f"{result.band_name}.tif").read_bytes()
    )


def test_six_bands_download_in_parallel_byte_identical(
    server: AssetServer, cogs: Path, tmp_path: Path
) -> None:
    events: list[tuple[str, str, float, int]] = []

    def progress(band: str, status: str, fraction: float) -> None:
        events.append((band, status, fraction, threading.get_ident()))

    urls = {band: server.url(f"{band}.tif") for band in URUGUAY_BANDS}
    results = download_bands(urls, tmp_path, "scene", parallel_downloads=3, progress_callback=progress)
    assert list(results) == list(URUGUAY_BANDS)
    for band, result in results.items():
        assert result.success and result.error is None and result.retries == 0
        assert result.local_path == tmp_path / f"{band}.tif" and _same_bytes(result, cogs)
        assert result.bytes_transferred == result.size_bytes == (cogs / f"{band}.tif").stat().st_size
        assert result.sha256 == hashlib.sha256(result.local_path.read_bytes()).hexdigest()
        assert result.url == urls[band]
    assert not list(tmp_path.glob("*.part"))
    assert {e[3] for e in events} == {threading.get_ident()}  # callbacks on the caller's thread
    assert {(band, status) for band, status, *_ in events if status == "done"} == {
        (b, "done") for b in URUGUAY_BANDS
    }
    assert len({r.connection for r in server.log(method="GET")}) <= 3  # pooled, keep-alive connections


@pytest.mark.parametrize(
    "fault", ["500", "503", "429:0", "drop", "reset", "reset:0", "truncate", "html200", "slow:3", "stall:3"]
)
def test_each_fault_is_survived_with_identical_bytes(
    server: AssetServer, cogs: Path, tmp_path: Path, fault: str
) -> None:
    server.inject("/blue.tif", [fault])
    result = _fetch(server, tmp_path, expected=_expected(cogs, "blue"), timeout=0.5)
    assert result.success, result.error
    assert result.retries == 1
    assert _same_bytes(result, cogs)
    assert server.pending_faults() == []


def test_a_server_ignoring_range_restarts_cleanly(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    source = (cogs / "blue.tif").read_bytes()
    (tmp_path / "blue.tif.part").write_bytes(source[:1000])
    server.inject("/blue.tif", ["ignore-range"])
    result = _fetch(server, tmp_path, expected=_expected(cogs, "blue"))
    assert result.success and result.retries == 0 and _same_bytes(result, cogs)
    assert result.resumed_from == 0 and result.bytes_transferred == len(source)
    [get] = server.log(method="GET")
    assert get.range == "bytes=1000-" and get.status == 200


def test_retry_after_is_honoured_and_capped(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    server.inject("/blue.tif", ["429:1"])
    began = time.monotonic()
    result = _fetch(server, tmp_path / "a")
    assert result.success and result.retries == 1
    assert time.monotonic() - began >= 0.9

    server.inject("/blue.tif", ["503:600"])
    began = time.monotonic()
    result = _fetch(server, tmp_path / "b", retry_policy=RetryPolicy(0.01, 0.05, max_retry_after=0.2))
    assert result.success and result.retries == 1
    assert time.monotonic() - began < 10


def test_html_page_with_status_200_is_rejected_then_reported(server: AssetServer, tmp_path: Path) -> None:
    server.inject("/blue.tif", ["html200"] * 3)
    result = _fetch(server, tmp_path, max_retries=2)
    assert not result.success and result.retries == 2
    assert "web page" in result.error and "3 attempts" in result.error
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_band_compressed_on_the_way_is_stored_as_the_file_it_is(
    server: AssetServer, cogs: Path, tmp_path: Path
) -> None:
    """Bodies are read undecoded (asked for as such), unless a server compresses them anyway
    (``Content-Encoding: gzip``): then the band on disk is the file, not its gzip stream. (With
    the catalog's size, the compressed length would not match it and cost an attempt.)"""
    server.inject("/blue.tif", ["gzip"])
    unsized = replace(_expected(cogs, "blue")["blue"], file_size=None)  # the checksum stays
    result = _fetch(server, tmp_path, expected={"blue": unsized})
    assert result.success and result.retries == 0, result.error
    assert _same_bytes(result, cogs) and [g.status for g in server.log(method="GET")] == [200]


def test_truncated_body_is_resumed_with_range(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    server.inject("/blue.tif", ["truncate:40000"])
    result = _fetch(server, tmp_path, expected=_expected(cogs, "blue"))
    assert result.success and result.retries == 1 and _same_bytes(result, cogs)
    first, second = server.log(method="GET")
    assert (first.status, first.bytes_sent, first.range) == (200, 40000, None)
    assert (second.status, second.range) == (206, "bytes=40000-")
    assert second.if_range is not None  # the rest of the edition the part holds, or the whole new one
    assert result.resumed_from == 40000 and result.bytes_transferred == result.size_bytes


@pytest.mark.parametrize("honoured", [True, False], ids=["If-Range", "If-Range ignored"])
def test_a_part_of_a_file_republished_since_is_not_resumed(
    cogs: Path, tmp_path: Path, honoured: bool
) -> None:
    """A transfer cut short leaves a part file; then the file is replaced on the server (same name,
    same size) and the catalog gives no checksum. The resume names the edition it holds
    (``If-Range``) and gets the whole new file; from a server that ignores If-Range it gets the rest
    of the new edition, tells it by its ETag, and fetches the file again whole. Never a splice."""
    served, out = tmp_path / "served", tmp_path / "out"
    served.mkdir()
    shutil.copy(cogs / "blue.tif", served / "blue.tif")
    expected = {"blue": ResolvedAsset("blue", "blue", "", file_size=(served / "blue.tif").stat().st_size)}
    with AssetServer(served) as server:
        server.inject("/blue.tif", ["truncate:40000"])
        assert not _fetch(server, out, expected=expected, max_retries=0).success
        assert (out / "blue.tif.part").stat().st_size == 40000
        new = server.republish("blue.tif")
        server.clear_log()
        if not honoured:
            server.inject("/blue.tif", ["ignore-if-range"])
        result = _fetch(server, out, expected=expected)
        gets = server.log(method="GET")
    assert result.success, result.error
    assert result.local_path.read_bytes() == new and result.resumed_from == 0
    assert gets[0].range == "bytes=40000-" and gets[0].if_range is not None
    assert [g.status for g in gets] == ([200] if honoured else [206, 200])
    assert result.retries == (0 if honoured else 1)
    assert sorted(p.name for p in out.iterdir()) == [".blue.tif.verified.json", "blue.tif"]


def test_half_written_part_file_transfers_only_the_rest(
    server: AssetServer, cogs: Path, tmp_path: Path
) -> None:
    source = (cogs / "blue.tif").read_bytes()
    half = len(source) // 2
    (tmp_path / "blue.tif.part").write_bytes(source[:half])
    result = _fetch(server, tmp_path, expected=_expected(cogs, "blue"))
    assert result.success and _same_bytes(result, cogs)
    assert result.resumed_from == half and result.bytes_transferred == len(source) - half
    [get] = server.log(method="GET")
    assert get.range == f"bytes={half}-" and get.status == 206 and get.bytes_sent == len(source) - half
    assert not (tmp_path / "blue.tif.part").exists()


def test_complete_part_file_is_verified_without_a_request(
    server: AssetServer, cogs: Path, tmp_path: Path
) -> None:
    shutil.copy(cogs / "blue.tif", tmp_path / "blue.tif.part")
    result = _fetch(server, tmp_path, expected=_expected(cogs, "blue"))
    assert result.success and result.bytes_transferred == 0 and _same_bytes(result, cogs)
    assert server.log() == []


def test_rerun_skips_complete_files_without_a_get(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    urls = {band: server.url(f"{band}.tif") for band in ("blue", "nir")}
    first = download_bands(urls, tmp_path, "scene")
    server.clear_log()
    again = download_bands(urls, tmp_path, "scene")
    for band in urls:
        assert again[band].skipped and again[band].success and again[band].bytes_transferred == 0
        assert again[band].sha256 == first[band].sha256 and again[band].local_path == first[band].local_path
    assert server.log() == []


@pytest.mark.parametrize("wrong", ["size", "checksum"])
def test_catalog_mismatch_fails_clearly_without_a_final_file(
    server: AssetServer, cogs: Path, tmp_path: Path, wrong: str
) -> None:
    expected = _expected(cogs, "blue")["blue"]
    if wrong == "size":
        expected = ResolvedAsset("blue", "blue", "", file_size=expected.file_size + 1)
    else:
        expected = ResolvedAsset("blue", "blue", "", file_checksum="1220" + "00" * 32)
    result = _fetch(server, tmp_path, expected={"blue": expected}, max_retries=1)
    assert not result.success and result.local_path is None
    assert ("bytes" if wrong == "size" else "checksum") in result.error
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("prefix", "name"),
    [("1220", "sha256"), ("1340", "sha512"), ("1620", "sha3_256"), ("1114", "sha1"), ("", "md5")],
)
def test_each_checksum_form_is_verified(
    server: AssetServer, cogs: Path, tmp_path: Path, prefix: str, name: str
) -> None:
    data = (cogs / "blue.tif").read_bytes()
    good = prefix + hashlib.new(name, data).hexdigest()
    ok = _fetch(
        server, tmp_path / "ok", expected={"blue": ResolvedAsset("blue", "blue", "", file_checksum=good)}
    )
    assert ok.success and _same_bytes(ok, cogs)
    bad = prefix + hashlib.new(name, data + b"x").hexdigest()
    rejected = _fetch(
        server, tmp_path / "bad", expected={"blue": ResolvedAsset("blue", "blue", "", file_checksum=bad)}
    )
    assert not rejected.success and name in rejected.error


def test_redirects_are_followed_only_to_http(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    server.inject("/blue.tif", ["redirect:/green.tif"])
    followed = _fetch(server, tmp_path / "a", expected=_expected(cogs, "green"))
    assert followed.success and followed.local_path.read_bytes() == (cogs / "green.tif").read_bytes()

    server.inject("/blue.tif", ["redirect:file:///etc/passwd"])
    refused = _fetch(server, tmp_path / "b")
    assert not refused.success and "non-HTTP" in refused.error and refused.retries == 0
    assert not (tmp_path / "b" / "blue.tif").exists()


def test_not_found_is_not_retried(server: AssetServer, tmp_path: Path) -> None:
    result = download_bands({"blue": server.url("missing.tif")}, tmp_path, "scene", retry_policy=FAST)["blue"]
    assert not result.success and result.retries == 0 and "404" in result.error
    assert len(server.log()) == 1


@pytest.mark.parametrize("stage", ["body", "headers"])
def test_cancel_stops_within_a_second_and_leaves_no_final_file(
    server: AssetServer, tmp_path: Path, stage: str
) -> None:
    """Cancel while bytes trickle in (throttled), and while the server has not answered at all."""
    if stage == "body":
        server.throttle_bps = 200_000
    else:
        server.inject("/blue.tif", ["slow:20"])
    asked: list[float] = []
    part = tmp_path / "blue.tif.part"

    def started() -> bool:
        """Mid-body: once some bytes reached the part file; before headers: after 0.5 s."""
        if stage == "body":
            return part.exists() and part.stat().st_size > 0
        return time.monotonic() - began >= 0.5

    def cancel() -> bool:
        if not started():
            return False
        if not asked:
            asked.append(time.monotonic())
        return True

    began = time.monotonic()
    with pytest.raises(CancelledError, match="cancelled"):
        _fetch(server, tmp_path, timeout=30.0, cancel=cancel)
    assert time.monotonic() - asked[0] < 1.0
    assert not (tmp_path / "blue.tif").exists()
    assert not list(tmp_path.glob(".*verified*"))
    assert (tmp_path / "blue.tif.part").exists() == (stage == "body")  # partial bytes kept for a resume
