"""Responses larger than they should be are bounded, never read to the end: a STAC search page of
500 MB (announced, not announced, or a gzip bomb) from our own streaming server, and a band file
larger than its catalog ``file:size``."""

from __future__ import annotations

import json
import os
import threading
import tracemalloc
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from firstlight_qgis.core.catalog import MAX_RESPONSE_BYTES, discover
from firstlight_qgis.core.errors import CatalogError, DownloadError
from tests.reliability.harness import EVENT, ITEM_ID, MODES, run, sample_item, scene_of
from tests.support.asset_server import AssetServer
from tests.support.sample import copy_sample

pytestmark = pytest.mark.integration

PAGE = 500 * 1024 * 1024
_FEATURE = json.dumps({"type": "Feature", "id": "x" * 200, "properties": {}, "assets": {}}).encode() + b","


def _bomb(size: int) -> bytes:
    """``size`` bytes of JSON-ish text, gzip-compressed (about a thousandth of the size)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b" " * (1024 * 1024)
    parts = [packer.compress(b'{"type":"FeatureCollection","features":[')]
    parts += [packer.compress(chunk) for _ in range(size // len(chunk))]
    return b"".join(parts) + packer.flush()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    huge = "search"  # which answer is huge: "landing" or "search"
    framing = "length"  # "length" (announced), "close" (no length), "gzip" (a bomb)
    sent: ClassVar[list[int]] = [0]

    def log_message(self, *args: object) -> None:
        pass

    def _json(self, document: dict) -> None:
        body = json.dumps(document).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _huge(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/geo+json")
        if self.framing == "gzip":
            body = _BOMB[0]
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            self.sent[0] += len(body)
            return
        if self.framing == "length":
            self.send_header("Content-Length", str(PAGE))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        try:
            self.wfile.write(b'{"type":"FeatureCollection","features":[')
            block = _FEATURE * (65536 // len(_FEATURE))
            while self.sent[0] < PAGE:
                self.wfile.write(block)
                self.sent[0] += len(block)
        except OSError:
            pass  # the client hung up: what we want

    def do_GET(self) -> None:
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        if self.huge == "landing":
            self._huge()
            return
        self._json(
            {
                "type": "Catalog",
                "id": "huge",
                "stac_version": "1.0.0",
                "description": "A STAC API whose search pages never end.",
                "conformsTo": [
                    "https://api.stacspec.org/v1.0.0/core",
                    "https://api.stacspec.org/v1.0.0/item-search",
                ],
                "links": [
                    {"rel": "self", "href": base + "/"},
                    {"rel": "root", "href": base + "/"},
                    {
                        "rel": "search",
                        "href": f"{base}/search",
                        "type": "application/geo+json",
                        "method": "POST",
                    },
                ],
            }
        )

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self._huge()


_BOMB: list[bytes] = []


@contextmanager
def _huge_api(huge: str, framing: str) -> Iterator[tuple[str, list[int]]]:
    if framing == "gzip" and not _BOMB:
        _BOMB.append(_bomb(PAGE))
    sent = [0]
    handler = type("Handler", (_Handler,), {"huge": huge, "framing": framing, "sent": sent})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", sent
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize(
    ("huge", "framing"),
    [
        ("search", "length"),
        ("search", "close"),
        ("search", "gzip"),
        ("landing", "length"),
        ("landing", "close"),
    ],
)
def test_a_500_mb_stac_response_is_refused_without_reading_it(area, huge: str, framing: str, record) -> None:
    with _huge_api(huge, framing) as (url, sent):
        tracemalloc.start()
        try:
            with pytest.raises(CatalogError, match="larger than 32 MB") as refused:
                discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=url, collections=["sentinel-2-l2a"])
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert "\n" not in str(refused.value)
    assert sent[0] < MAX_RESPONSE_BYTES + 16 * 1024 * 1024  # stopped near the limit, not at 500 MB
    assert peak < 3 * MAX_RESPONSE_BYTES
    record(fault=f"STAC {huge} of 500 MB ({framing})", mode="discover", clear_error=True, resent=sent[0],
           note="re-sent: bytes the server got out before FirstLight hung up")  # fmt: skip


@pytest.fixture(scope="module")
def junk_server(tmp_path_factory) -> Iterator[AssetServer]:
    """The sample, with 40 MB of junk after its nir.tif (the catalog still says 519 kB)."""
    root = copy_sample(tmp_path_factory.mktemp("junk"))
    with (root / "nir.tif").open("ab") as handle:
        handle.write(os.urandom(40 * 1024 * 1024))
    with AssetServer(root) as server:
        yield server


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("framing", ["length", "nolength"])
def test_a_band_larger_than_its_file_size_is_stopped_early(
    junk_server, area, tmp_path: Path, mode: str, framing: str, record
) -> None:
    server = junk_server
    server.clear_log()
    server.clear_faults()
    if framing == "nolength":
        server.inject("/nir.tif", ["nolength"] * 20)
    item = sample_item(server.base_url)
    with pytest.raises(DownloadError, match=r"nir: .*(bytes but the catalog says|more than the)"):
        run(scene_of(item, area), tmp_path, area, mode)
    actual = (server.root / "nir.tif").stat().st_size
    sent = server.bytes_sent("/nir.tif")
    attempts = len(server.log(path="/nir.tif", method="GET"))
    record(fault=f"band larger than file:size ({framing})", mode=mode, clear_error=True, resent=sent,
           note="re-sent: bytes of the 40 MB file sent over all attempts")  # fmt: skip
    # each attempt hung up early: what the server got out before is what the sockets' buffers took
    # (about 4 MB an attempt here, 5 on a loaded machine), not the 40 MB file
    assert sent < 0.5 * actual * attempts, f"{sent} of {actual} bytes sent over {attempts} attempts"
    assert not list((tmp_path / ITEM_ID).glob("nir.tif*"))
