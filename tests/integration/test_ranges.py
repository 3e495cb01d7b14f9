"""The fast paths of ranges.py against the asset server: whole files in parallel pieces (faults,
cancel, resume of a part pieced together out of order) and the clip's raw tile copy."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core import clip, ranges
from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.bands import ResolvedAsset
from firstlight_qgis.core.clip import clip_bands
from firstlight_qgis.core.download import RetryPolicy, download_bands
from firstlight_qgis.core.errors import CancelledError
from firstlight_qgis.core.keepalive import Direct
from tests.support.asset_server import AssetServer
from tests.support.cogs import make_cog

pytestmark = pytest.mark.integration

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)
UTM = "EPSG:32722"


@pytest.fixture(scope="module")
def cogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cogs")
    make_cog("blue", folder / "blue.tif")  # the whole 1017 x 866 px scene, 256 px tiles
    return folder


@pytest.fixture
def server(cogs: Path) -> Iterator[AssetServer]:
    with AssetServer(cogs) as server:
        yield server


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the test COG (about 1.3 MB) "large": 64 KB pieces over 16 connections (fewer than the
    pieces, so a cancel finds some not yet started)."""
    monkeypatch.setattr(ranges, "RANGED_MIN_BYTES", 1)
    monkeypatch.setattr(ranges, "DOWNLOAD_PIECE", 64 * 1024)
    monkeypatch.setattr(ranges, "DOWNLOAD_CONNECTIONS", 16)


def _expected(cogs: Path) -> dict[str, ResolvedAsset]:
    data = (cogs / "blue.tif").read_bytes()
    checksum = "1220" + hashlib.sha256(data).hexdigest()
    return {"blue": ResolvedAsset("blue", "blue", "", file_size=len(data), file_checksum=checksum)}


def _download(server: AssetServer, cogs: Path, out: Path, **kwargs: object):  # type: ignore[no-untyped-def]
    kwargs.setdefault("retry_policy", FAST)
    kwargs.setdefault("expected", _expected(cogs))
    return download_bands({"blue": server.url("blue.tif")}, out, "scene", **kwargs)["blue"]  # type: ignore[arg-type]


@pytest.mark.usefixtures("small_pieces", "positional")
def test_pieces_over_several_connections_give_the_same_bytes(
    server: AssetServer, cogs: Path, tmp_path: Path
) -> None:
    result = _download(server, cogs, tmp_path)
    assert result.success, result.error
    assert result.local_path.read_bytes() == (cogs / "blue.tif").read_bytes()
    assert not result.local_path.stat().st_mode & 0o111  # a file, not a program
    gets = server.log("/blue.tif", method="GET")
    assert len(gets) > 4 and all(g.range and g.status == 206 for g in gets)
    connections = {g.connection for g in gets}
    assert 1 < len(connections) <= 16 < len(gets), "pieces share kept-alive connections"
    assert result.bytes_transferred == result.size_bytes
    assert not list(tmp_path.glob("*.part*"))


def test_range_requests_go_through_a_proxy_the_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain range GETs skip requests, except where a proxy applies: requests then takes them."""
    direct = Direct(5.0, {})
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.invalid:3128")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    assert not direct.handles("https://example.org/blue.tif")
    assert direct.handles("http://127.0.0.1:8080/blue.tif")
    assert not direct.handles("ftp://example.org/blue.tif")


@pytest.mark.usefixtures("small_pieces", "positional")
@pytest.mark.parametrize("fault", ["500", "reset", "truncate:20000", "html200"])
def test_a_fault_in_one_piece_is_retried(server: AssetServer, cogs: Path, tmp_path: Path, fault: str) -> None:
    server.inject("/blue.tif", [fault])
    result = _download(server, cogs, tmp_path)
    assert result.success, result.error
    assert result.retries >= 1
    assert result.local_path.read_bytes() == (cogs / "blue.tif").read_bytes()


@pytest.mark.usefixtures("small_pieces")
def test_a_file_larger_than_the_catalog_says_is_refused_not_cut(
    server: AssetServer, cogs: Path, tmp_path: Path
) -> None:
    """The server's file is larger than the catalog's file:size and no checksum says more: one
    clear error, not a file of the first file:size bytes passing for the band."""
    size = (cogs / "blue.tif").stat().st_size
    expected = {"blue": ResolvedAsset("blue", "blue", "", file_size=size - 100_000)}
    result = download_bands(
        {"blue": server.url("blue.tif")}, tmp_path, "s", expected=expected, retry_policy=FAST
    )["blue"]
    assert not result.success and f"has {size} bytes but the catalog says {size - 100_000}" in (
        result.error or ""
    )
    assert not (tmp_path / "blue.tif").exists()
    assert all(part.stat().st_size == 0 for part in tmp_path.glob("*.part")), "nothing of it kept to resume"


@pytest.mark.usefixtures("small_pieces")
def test_a_refusal_is_reported_at_once_not_retried(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    """Every piece refused (403, no signer to renew the link): one clear error, no retry counted
    and no wait, though sixteen pieces were refused at once."""
    server.inject("/blue.tif", ["403"] * 40)
    result = _download(server, cogs, tmp_path, retry_policy=RetryPolicy(base_delay=5.0))
    assert not result.success and "403" in (result.error or "") and result.retries == 0
    assert result.download_time_s < 2.0


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("catalog_size", [True, False], ids=["file:size", "no file:size"])
def test_cancel_keeps_the_pieces_and_a_rerun_fetches_only_the_rest(
    server: AssetServer, cogs: Path, tmp_path: Path, catalog_size: bool
) -> None:
    """Cancelled halfway through the first pieces (a 64 KB piece takes 1.3 s at 50 KB/s): what
    arrived of each is kept, and the next run asks only for the rest, also when the catalog gives
    no file:size (the server's first answer tells it again)."""
    server.throttle_bps = 50_000  # per response
    part = tmp_path / "blue.tif.part"
    record = tmp_path / "blue.tif.part.ranges.json"
    expected = _expected(cogs)
    if not catalog_size:
        expected = {"blue": dataclasses.replace(expected["blue"], file_size=None)}
    began = time.monotonic()
    with pytest.raises(CancelledError):
        _download(server, cogs, tmp_path, cancel=lambda: time.monotonic() - began > 0.6, expected=expected)
    assert part.exists() and record.exists() and not (tmp_path / "blue.tif").exists()
    kept = sum(b - a for a, b in json.loads(record.read_text())["done"])
    # whole pieces and what arrived of those cut short: only what was in flight is lost
    assert kept > 0 and server.bytes_sent("/blue.tif") - kept < 16 * 16384
    server.throttle_bps = None
    server.clear_log()
    result = _download(server, cogs, tmp_path, expected=expected)
    assert result.success, result.error
    assert result.local_path.read_bytes() == (cogs / "blue.tif").read_bytes()
    assert result.resumed_from == kept
    assert result.bytes_transferred == result.size_bytes - kept
    assert not record.exists()


def test_a_clip_on_tile_corners_copies_the_tiles(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    """A window starting on a tile corner (here the scene's): the compressed tiles are copied as
    they are, and the pixels are the source's."""
    area = parse_area([299_000, 6_980_000, 310_000, 7_001_000], crs=UTM)  # from the scene's corner
    result = clip_bands({"blue": server.url("blue.tif")}, tmp_path, "S2", area, retry_policy=FAST)["blue"]
    assert result.success, result.error
    clipped = gdal.Open(str(result.local_path))
    x0, _, _, y0, _, _ = clipped.GetGeoTransform()
    assert (x0, y0) == (300_000, 7_000_000)
    source = gdal.Open(str(cogs / "blue.tif"))
    window = source.GetRasterBand(1).ReadAsArray(0, 0, clipped.RasterXSize, clipped.RasterYSize)
    assert np.array_equal(clipped.GetRasterBand(1).ReadAsArray(), window)
    assert clipped.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "DEFLATE"


def _tile_offsets(path: Path) -> list[int]:
    """The offsets of a GeoTIFF's tiles, in the order the TIFF lists them (row by row)."""
    dataset = gdal.Open(str(path))  # held: its band is not valid without it
    band = dataset.GetRasterBand(1)
    (block_x, block_y), (width, height) = band.GetBlockSize(), (band.XSize, band.YSize)
    return [
        int(band.GetMetadataItem(f"BLOCK_OFFSET_{column}_{row}", "TIFF"))
        for row in range(-(-height // block_y))
        for column in range(-(-width // block_x))
    ]


@pytest.mark.usefixtures("positional")
@pytest.mark.parametrize("fault", [None, "reset", "truncate:30000"])
def test_a_clip_is_hashed_as_its_tiles_come_in_the_order_they_come(
    server: AssetServer, cogs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str | None
) -> None:
    """Ranges holding a tile and a half each: the tiles whole first are placed first (not as in
    the source), and the sha256 the result gives is the file's, also when a range broke and went
    the retrying path. The pixels are the source's either way."""
    monkeypatch.setattr(ranges, "CLIP_PIECE_MIN", 120 * 1024)
    monkeypatch.setattr(clip, "_FINISH_HERE_BYTES", 0)  # on the band's thread, as large clips are
    server.throttle_bps = 2_000_000  # which hashes while the ranges come
    if fault is not None:
        server.inject("/blue.tif", ["pass", "pass", fault])  # the header, a range, then the fault
    area = parse_area([299_000, 6_980_000, 310_000, 7_001_000], crs=UTM)
    result = clip_bands({"blue": server.url("blue.tif")}, tmp_path, "S2", area, retry_policy=FAST)["blue"]
    assert result.success, result.error
    assert result.retries == (fault is not None)
    assert result.sha256 == hashlib.sha256(result.local_path.read_bytes()).hexdigest()
    offsets = _tile_offsets(result.local_path)
    assert offsets != sorted(offsets), "placed as they become whole"
    clipped, source = gdal.Open(str(result.local_path)), gdal.Open(str(cogs / "blue.tif"))
    window = source.GetRasterBand(1).ReadAsArray(0, 0, clipped.RasterXSize, clipped.RasterYSize)
    assert np.array_equal(clipped.GetRasterBand(1).ReadAsArray(), window)


def test_a_clip_through_a_proxy_is_whole_and_hashed(
    server: AssetServer, cogs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Behind a proxy the ranges go through requests, not the burst loop (the asset server is its
    own proxy here: it takes absolute URLs): the same tiles, placed and hashed the same way."""
    monkeypatch.setenv("HTTP_PROXY", server.url(""))
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    assert not Direct(5.0, {}).handles(server.url("blue.tif")), "requests takes them, through the proxy"
    monkeypatch.setattr(ranges, "CLIP_PIECE_MIN", 120 * 1024)
    area = parse_area([299_000, 6_980_000, 310_000, 7_001_000], crs=UTM)
    result = clip_bands({"blue": server.url("blue.tif")}, tmp_path, "S2", area, retry_policy=FAST)["blue"]
    assert result.success, result.error
    assert server.log("/blue.tif", method="GET"), "the proxy carried them"
    assert result.sha256 == hashlib.sha256(result.local_path.read_bytes()).hexdigest()
    offsets = _tile_offsets(result.local_path)
    assert offsets != sorted(offsets)
    clipped, source = gdal.Open(str(result.local_path)), gdal.Open(str(cogs / "blue.tif"))
    window = source.GetRasterBand(1).ReadAsArray(0, 0, clipped.RasterXSize, clipped.RasterYSize)
    assert np.array_equal(clipped.GetRasterBand(1).ReadAsArray(), window)


def test_tiles_stored_once_for_two_places_are_clipped_as_the_source_reads(
    cogs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A GeoTIFF whose second tile points at the first tile's bytes (a writer storing a repeated
    tile once): the clip holds those bytes once, for both places, and reads as the source does."""
    data = bytearray((cogs / "blue.tif").read_bytes())
    offsets = _tile_offsets(cogs / "blue.tif")
    dataset = gdal.Open(str(cogs / "blue.tif"))
    counts = [
        int(dataset.GetRasterBand(1).GetMetadataItem(f"BLOCK_SIZE_{column}_0", "TIFF")) for column in range(2)
    ]
    dataset = None
    for values, first in ((offsets, offsets[0]), (counts, counts[0])):
        packed = struct.pack(f"<{len(values)}I", *values)
        at = data.find(packed)
        assert at > 0, "the tile index, as the TIFF stores it"
        data[at + 4 : at + 8] = struct.pack("<I", first)  # tile (1, 0) -> the bytes of tile (0, 0)
    source = tmp_path / "src" / "blue.tif"
    source.parent.mkdir()
    source.write_bytes(data)
    monkeypatch.setattr(ranges, "CLIP_PIECE_MIN", 64 * 1024)
    area = parse_area([299_000, 6_980_000, 310_000, 7_001_000], crs=UTM)
    with AssetServer(source.parent) as server:
        result = clip_bands({"blue": server.url("blue.tif")}, tmp_path / "out", "S2", area, retry_policy=FAST)
    assert result["blue"].success, result["blue"].error
    path = result["blue"].local_path
    clipped, original = gdal.Open(str(path)), gdal.Open(str(source))
    pixels = clipped.GetRasterBand(1).ReadAsArray()
    assert np.array_equal(pixels[:256, 256:512], pixels[:256, :256]), "the second tile is the first"
    window = original.GetRasterBand(1).ReadAsArray(0, 0, clipped.RasterXSize, clipped.RasterYSize)
    assert np.array_equal(pixels, window)
    stored = _tile_offsets(path)
    assert stored[0] == stored[1] and len(set(stored)) == len(stored) - 1
    assert result["blue"].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("mode", ["clip", "whole"])
def test_a_server_that_takes_two_requests_at_once_still_gets_every_band(
    server: AssetServer, cogs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """Dozens of ranges at once against a server that answers 503 beyond two in flight: FirstLight
    goes down to what it takes instead of spending every range's retries on 503s."""
    monkeypatch.setattr(ranges, "CLIP_PIECE_MIN", 16 * 1024)
    server.throttle_bps = 1_000_000  # a range takes a few tens of ms: requests overlap
    server.max_in_flight = 2
    if mode == "clip":
        # A clip's pieces are small: at a quarter of that speed each takes about 60 ms, enough for a
        # burst to overlap even on a loaded machine (at 1 MB/s one run in a few hundred met no 503).
        server.throttle_bps = 250_000
        area = parse_area([299_000, 6_980_000, 310_000, 7_001_000], crs=UTM)
        results = clip_bands({"blue": server.url("blue.tif")}, tmp_path, "S2", area, retry_policy=FAST)
        result = results["blue"]
    else:
        result = _download(server, cogs, tmp_path)
    assert result.success, result.error
    gets = server.log("/blue.tif", method="GET")
    refused = sum(g.status == 503 for g in gets)
    # Turned away about once per range (a burst sends them all at once), not once per retry
    assert 0 < refused < 2 * (len(gets) - refused)


@pytest.mark.usefixtures("small_pieces")
def test_a_file_the_catalog_gives_no_size_for_still_goes_in_pieces(
    server: AssetServer, cogs: Path, tmp_path: Path
) -> None:
    """Planetary Computer's and Landsat's items give no file:size: the first answer, to a range
    from the start, tells it, and a large file comes in parallel pieces, not one stream (which
    took five times as long for a whole scene); that first request is hung up on at once."""
    data = (cogs / "blue.tif").read_bytes()
    checksum = "1220" + hashlib.sha256(data).hexdigest()
    expected = {"blue": ResolvedAsset("blue", "blue", "", file_checksum=checksum)}
    server.throttle_bps = 4_000_000  # what the first answer sends before the hang-up shows
    result = download_bands(
        {"blue": server.url("blue.tif")}, tmp_path, "s", expected=expected, retry_policy=FAST
    )["blue"]
    assert result.success, result.error
    assert result.local_path.read_bytes() == data
    first, *pieces = server.log("/blue.tif", method="GET")
    assert (first.range, first.status) == ("bytes=0-", 206) and first.bytes_sent < len(data) / 4
    assert len(pieces) == -(-len(data) // (64 * 1024)) and all(p.status == 206 for p in pieces)
    assert len({p.connection for p in pieces}) > 1


def test_a_small_file_the_catalog_gives_no_size_for_comes_in_one_request(
    server: AssetServer, cogs: Path, tmp_path: Path
) -> None:
    """Below the size worth pieces, the answer to the range from the start is the download."""
    result = download_bands({"blue": server.url("blue.tif")}, tmp_path, "s", retry_policy=FAST)["blue"]
    assert result.success, result.error
    assert result.local_path.read_bytes() == (cogs / "blue.tif").read_bytes()
    assert [(g.range, g.status) for g in server.log("/blue.tif", method="GET")] == [("bytes=0-", 206)]
    assert result.bytes_transferred == result.size_bytes


@pytest.fixture
def own_server(cogs: Path, tmp_path: Path) -> Iterator[AssetServer]:
    """A server of its own copy of the COG, which a test may republish."""
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(cogs / "blue.tif", served / "blue.tif")
    with AssetServer(served) as server:
        yield server


def _unchecked(server: AssetServer, out: Path, sized: bool = True, **kwargs: object):  # type: ignore[no-untyped-def]
    """The download from a catalog that gives no checksum (as most do), with or without the file's
    size: only the server's validators tell one edition of the file from another."""
    size = (server.root / "blue.tif").stat().st_size if sized else None
    expected = {"blue": ResolvedAsset("blue", "blue", "", file_size=size)}
    return download_bands(
        {"blue": server.url("blue.tif")}, out, "s", expected=expected, retry_policy=FAST, **kwargs
    )["blue"]  # type: ignore[arg-type]


@pytest.mark.usefixtures("small_pieces")
@pytest.mark.parametrize("sized", [True, False], ids=["file:size", "no file:size"])
def test_a_resume_over_a_file_republished_meanwhile_starts_over(
    own_server: AssetServer, tmp_path: Path, sized: bool
) -> None:
    """The file was replaced on the server (same name, same size: a scene reprocessed) between a
    cancelled run and the next: the next run fetches the new file whole, instead of splicing its
    rest onto the old one's pieces into a file no check would catch."""
    out = tmp_path / "out"
    own_server.throttle_bps = 50_000
    began = time.monotonic()
    with pytest.raises(CancelledError):
        _unchecked(own_server, out, sized, cancel=lambda: time.monotonic() - began > 0.6)
    assert (out / "blue.tif.part.validator").exists()
    new = own_server.republish("blue.tif")
    own_server.throttle_bps = None
    result = _unchecked(own_server, out, sized)
    assert result.success, result.error
    assert result.local_path.read_bytes() == new
    assert result.resumed_from == 0 and result.retries == 1
    assert not list(out.glob("*.part*"))


@pytest.mark.usefixtures("small_pieces")
def test_a_file_republished_during_the_download_is_not_spliced(
    own_server: AssetServer, tmp_path: Path
) -> None:
    """Replaced while its pieces are in flight: those that began on the old edition finish with it,
    the later ones get the new; FirstLight notices, drops them all, and fetches the new file."""
    own_server.throttle_bps = 200_000  # a 64 KB piece takes 0.3 s; sixteen at once
    republished: list[bytes] = []
    timer = threading.Timer(0.15, lambda: republished.append(own_server.republish("blue.tif")))
    timer.start()
    try:
        result = _unchecked(own_server, tmp_path)
    finally:
        timer.join()
    assert result.success, result.error
    assert result.local_path.read_bytes() == republished[0]
    assert result.retries >= 1
