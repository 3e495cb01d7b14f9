"""Where a band may be read from. A remote catalog's hrefs are fetched only over http(s): local
paths, ``file://``, GDAL virtual paths (``/vsicurl/``, ``/vsizip/``...) and other schemes are
refused with one clear sentence, before anything is read; local paths are fine only when the
catalog itself is a local file. A server redirecting to another scheme is not followed. A stack
VRT pointing outside its scene folder fails validation before GDAL opens it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from osgeo import gdal

from firstlight_qgis.core.area import Area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.errors import DownloadError
from firstlight_qgis.core.validate import validate_stack
from tests.reliability.harness import (
    BANDS,
    EVENT,
    ITEM_ID,
    MODES,
    SAMPLE,
    compare,
    run,
    sample_item,
    scene_of,
)
from tests.support.stac_server import stac_api

pytestmark = pytest.mark.integration


@pytest.fixture
def listener() -> Iterator[tuple[int, list]]:
    """A TCP port that records every connection (and talks like an FTP server)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    hits: list = []

    def accept() -> None:
        while True:
            try:
                connection, address = sock.accept()
            except OSError:
                return
            hits.append(address)
            try:
                connection.sendall(b"220 ready\r\n")
            finally:
                connection.close()

    threading.Thread(target=accept, daemon=True).start()
    yield sock.getsockname()[1], hits
    sock.close()


HREFS = [
    "file:///etc/passwd",
    "FILE:///etc/passwd",
    "/etc/passwd",
    "../../../../etc/passwd",
    "nir.tif",
    "C:\\Windows\\win.ini",
    "\\\\fileserver\\share\\nir.tif",
    "/vsicurl/http://127.0.0.1:{port}/nir.tif",
    "/VSICURL/http://127.0.0.1:{port}/nir.tif",
    "\\vsicurl\\http://127.0.0.1:{port}/nir.tif",
    "/vsizip//tmp/archive.zip/nir.tif",
    "/vsis3/bucket/nir.tif",
    "ftp://127.0.0.1:{port}/nir.tif",
    "gopher://127.0.0.1:{port}/nir.tif",
    "s3://sentinel-s2-l2a/nir.tif",
    "gs://bucket/nir.tif",
    "data:image/tiff;base64,SUkqAA==",
    "javascript:alert(1)",
    "http:///etc/passwd",
    "http://127.0.0.1:99999/nir.tif",
    "http://[::1/nir.tif",
    "vrt://nir.tif?bands=1",
]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("href", HREFS)
def test_a_remote_catalog_href_that_is_not_http_is_refused(
    server, area: Area, tmp_path: Path, listener, mode: str, href: str
) -> None:
    port, hits = listener
    item = sample_item(server.base_url)
    item["assets"]["nir"]["href"] = href.format(port=port)
    with pytest.raises(DownloadError) as raised:
        run(scene_of(item, area), tmp_path, area, mode)
    message = str(raised.value)
    # the band named: in the list of failed bands, or (requester-pays S3, refused before any
    # fetch, in one sentence for the scene) as its subject
    assert "nir:" in message or message.startswith("Band nir of scene")
    assert "\n" not in message and "\x00" not in message
    assert hits == []  # nothing was contacted on the catalog's say-so
    assert server.log(path="/nir.tif") == []
    scene_dir = tmp_path / ITEM_ID
    assert not (scene_dir / "nir.tif").exists() and not (scene_dir / "manifest.json").exists()


def test_through_a_real_stac_api_a_file_href_is_refused(server, area: Area, tmp_path: Path) -> None:
    """End to end: the scene discovered from a STAC API is remote, whatever its hrefs say."""
    item = sample_item(server.base_url)
    item["assets"]["nir"]["href"] = f"file://{SAMPLE / 'nir.tif'}"
    with stac_api([item], tmp_path / "stac") as url:
        scenes = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=url)
    assert not scenes[0].catalog_is_local
    with pytest.raises(DownloadError, match=r"nir: Band nir points at a local file"):
        run(scenes[0], tmp_path / "out", area, "whole")


@pytest.mark.parametrize("mode", MODES)
def test_a_local_catalog_may_use_local_paths_but_never_gdal_virtual_ones(
    reference, area: Area, tmp_path: Path, listener, mode: str
) -> None:
    port, hits = listener
    item = json.loads((SAMPLE / f"{ITEM_ID}.json").read_text())  # hrefs "./blue.tif"...
    item["links"] = []
    folder = tmp_path / "catalog"
    folder.mkdir()
    for band in BANDS:
        (folder / f"{band}.tif").write_bytes((SAMPLE / f"{band}.tif").read_bytes())
    collection = folder / "items.json"
    collection.write_text(json.dumps({"type": "FeatureCollection", "features": [item]}))
    scenes = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=collection)
    assert scenes[0].catalog_is_local
    run(scenes[0], tmp_path / "out", area, mode)
    assert compare(tmp_path / "out", reference[mode]["root"], mode).identical

    item["assets"]["nir"]["href"] = f"/vsicurl/http://127.0.0.1:{port}/nir.tif"
    collection.write_text(json.dumps({"type": "FeatureCollection", "features": [item]}))
    scenes = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=collection)
    with pytest.raises(DownloadError, match="GDAL virtual path"):
        run(scenes[0], tmp_path / "out2", area, mode)
    assert hits == []


REDIRECTS = ["file:///etc/passwd", "ftp://127.0.0.1:{port}/x.tif", "gopher://127.0.0.1:{port}/x", "dict://x"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("target", REDIRECTS)
def test_a_redirect_to_another_scheme_is_refused(
    server, item, area: Area, tmp_path: Path, listener, mode: str, target: str
) -> None:
    port, hits = listener
    server.inject("/nir.tif", [f"redirect:{target.format(port=port)}"] * 20)
    with pytest.raises(DownloadError, match="redirected to a non-HTTP address"):
        run(scene_of(item, area), tmp_path, area, mode)
    assert hits == []
    assert not (tmp_path / ITEM_ID / "nir.tif").exists()


def test_redirects_between_http_servers_are_followed(server, reference, item, area, tmp_path) -> None:
    for band in BANDS:
        server.inject(f"/{band}.tif", [f"redirect:{server.url(band + '.tif')}"])
    run(scene_of(item, area), tmp_path, area, "clip")
    assert compare(tmp_path, reference["clip"]["root"], "clip").identical


def test_the_fallback_of_clip_mode_never_lets_gdal_near_the_network(
    server, item, area, tmp_path, listener
) -> None:
    """A server without ranges (or a file that is not a COG): clip mode downloads the whole file
    with FirstLight's own client and clips it locally; GDAL's curl, which would follow a later
    redirect to ftp by itself, never runs, so a redirect of any later request is never reached."""
    port, hits = listener
    # The header range answered with the whole file (to the fast lane, then to the band's own
    # read): no fast path, the whole file is downloaded.
    faults = ["ignore-range", "ignore-range", "pass"] + [f"redirect:ftp://127.0.0.1:{port}/x.tif"] * 8
    server.inject("/nir.tif", faults)
    run(scene_of(item, area), tmp_path, area, "clip")
    assert hits == []
    kept = tmp_path / ITEM_ID / "nir.source.tif"  # for the next area
    assert kept.read_bytes() == (server.root / "nir.tif").read_bytes()


def test_the_fallback_download_of_clip_mode_refuses_a_redirect_to_ftp(
    server, item, area, tmp_path, listener
) -> None:
    port, hits = listener
    # whole file for the fast lane's header read and the band's own, then the download redirected
    server.inject("/nir.tif", ["ignore-range"] * 2 + [f"redirect:ftp://127.0.0.1:{port}/x.tif"] * 8)
    with pytest.raises(DownloadError, match="redirected to a non-HTTP address"):
        run(scene_of(item, area), tmp_path, area, "clip")
    assert hits == []
    assert not (tmp_path / ITEM_ID / "nir.tif").exists()


# -- VRT sources ----------------------------------------------------------------------------------

SOURCES = [
    ("file:///etc/passwd", False, "URL or GDAL connection string"),
    ("/VSICURL/http://127.0.0.1:{port}/x.tif?sig=SECRET", False, "virtual file system"),
    ("\\vsicurl\\http://127.0.0.1:{port}/x.tif", False, "virtual file system"),
    ("/vsicurl/http://127.0.0.1:{port}/x.tif", True, "virtual file system"),
    ("//fileserver/share/x.tif", False, "outside the scene folder"),
    ("blue.tif/../../outside.tif", True, "outside the scene folder"),
    ("/proc/self/environ", False, "outside the scene folder"),
    ("blue.tif\x00.vrt", True, "malformed"),  # not even XML
    ("http://127.0.0.1:{port}/x.tif", False, "URL or GDAL connection string"),
    ("GTIFF_DIR:1:blue.tif", True, "URL or GDAL connection string"),
]


@pytest.mark.parametrize(("source", "relative", "problem"), SOURCES, ids=lambda v: repr(v)[:30])
def test_a_vrt_source_outside_its_folder_fails_before_gdal_reads_it(
    reference, tmp_path: Path, listener, source: str, relative: bool, problem: str
) -> None:
    port, hits = listener
    folder = tmp_path / "scene"
    folder.mkdir()
    (tmp_path / "outside.tif").write_bytes((SAMPLE / "green.tif").read_bytes())
    (folder / "blue.tif").write_bytes((SAMPLE / "blue.tif").read_bytes())
    bands = "".join(
        f'<VRTRasterBand dataType="UInt16" band="{i}"><Description>{band}</Description><SimpleSource>'
        f'<SourceFilename relativeToVRT="{int(rel)}">{escape(name)}</SourceFilename>'
        "<SourceBand>1</SourceBand></SimpleSource></VRTRasterBand>"
        for i, (band, name, rel) in enumerate(
            [("blue", "blue.tif", True), ("green", source.format(port=port), relative)], start=1
        )
    )
    vrt = folder / "stack.vrt"
    vrt.write_text(
        '<VRTDataset rasterXSize="512" rasterYSize="512"><SRS>EPSG:32722</SRS>'
        f"<GeoTransform>305760, 20, 0, 6995680, 0, -20</GeoTransform>{bands}</VRTDataset>"
    )
    gdal.SetConfigOption("GDAL_HTTP_TIMEOUT", "2")
    try:
        result = validate_stack(vrt, ["blue", "green"])
    finally:
        gdal.SetConfigOption("GDAL_HTTP_TIMEOUT", None)
    assert not result.is_valid and result.bands == {}  # decided from the XML, GDAL never opened it
    assert problem in result.errors[0], result.errors
    assert "SECRET" not in result.errors[0] and "\x00" not in result.errors[0]
    assert hits == []
