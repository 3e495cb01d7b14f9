"""clip_bands against the asset server: the window's pixels are the source's pixels, every band
(10 m and 20 m) covers the same extent, and only a fraction of each file crosses the wire."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
from osgeo import gdal

from firstlight_qgis.core import clip
from firstlight_qgis.core.area import Area, parse_area
from firstlight_qgis.core.bands import ResolvedAsset
from firstlight_qgis.core.clip import area_extent, clip_bands
from firstlight_qgis.core.download import BandDownloadResult, RetryPolicy, download_bands
from firstlight_qgis.core.errors import CancelledError, InputError
from firstlight_qgis.core.signing import PlanetaryComputerSigner
from firstlight_qgis.core.stack import create_band_stack
from firstlight_qgis.core.validate import validate_stack
from tests.support.asset_server import AssetServer
from tests.support.cogs import make_cog

pytestmark = pytest.mark.integration

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)
UTM = "EPSG:32722"  # the Uruguay scene: origin (300000, 7000000), 1017 x 866 px at 20 m
BANDS = {"blue": 20.0, "red": 10.0, "nir": 10.0, "swir16": 20.0}


@pytest.fixture(scope="module")
def cogs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole scene as COGs: blue and swir16 at their 20 m, red and nir resampled to 10 m."""
    folder = tmp_path_factory.mktemp("cogs")
    for band, resolution in BANDS.items():
        make_cog(band, folder / f"{band}.tif", resolution=resolution if resolution == 10.0 else None)
    return folder


@pytest.fixture
def server(cogs: Path) -> Iterator[AssetServer]:
    with AssetServer(cogs) as server:
        yield server


@pytest.fixture(scope="module")
def area() -> Area:
    """About 5 x 5 km inside the scene, edges deliberately off the 10 and 20 m grids."""
    return parse_area([305_013, 6_990_007, 309_987, 6_994_993], crs=UTM)


def _clip(
    server: AssetServer,
    out: Path,
    area: Area,
    bands: tuple[str, ...] = tuple(BANDS),
    hrefs: dict[str, str] | None = None,
    **kw: object,
) -> dict[str, BandDownloadResult]:
    kw.setdefault("retry_policy", FAST)
    hrefs = hrefs or {b: server.url(f"{b}.tif") for b in bands}
    return clip_bands(hrefs, out, "S2_TEST", area, **kw)  # type: ignore[arg-type]


def _bounds(path: Path) -> tuple[float, float, float, float]:
    dataset = gdal.Open(str(path))
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    return x0, y0 + dy * dataset.RasterYSize, x0 + dx * dataset.RasterXSize, y0


def _source_pixels(source: Path, bounds: tuple[float, float, float, float]) -> np.ndarray:
    dataset = gdal.Open(str(source))
    x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
    col, row = round((bounds[0] - x0) / dx), round((bounds[3] - y0) / dy)
    width, height = round((bounds[2] - bounds[0]) / dx), round((bounds[1] - bounds[3]) / dy)
    return dataset.GetRasterBand(1).ReadAsArray(col, row, width, height)


def test_window_pixels_match_the_source_on_one_common_extent(
    server: AssetServer, cogs: Path, tmp_path: Path, area: Area
) -> None:
    results = _clip(server, tmp_path, area)
    assert all(r.success for r in results.values()), [r.error for r in results.values()]
    extents = {band: _bounds(r.local_path) for band, r in results.items()}
    common = area_extent({b: r.local_path for b, r in results.items()}, area, "S2_TEST")
    minx, miny, maxx, maxy = common
    # snapped outward to the 20 m grid from the scene origin, and containing the area
    assert all(
        abs(v / 20 - round(v / 20)) < 1e-9
        for v in (minx - 300_000, 7_000_000 - maxy, maxx - minx, maxy - miny)
    )
    wanted = area.bounds_in(UTM)
    assert minx <= wanted[0] < minx + 20 and maxx - 20 < wanted[2] <= maxx
    assert miny <= wanted[1] < miny + 20 and maxy - 20 < wanted[3] <= maxy
    # the area's own rectangle, given in the scene's CRS (that around its lon/lat bbox was 80 m wider)
    assert common == (305_000, 6_990_000, 310_000, 6_995_000)
    for band, result in results.items():
        # each band file: the whole 256 px tiles of its own grid that intersect the area
        tile = 256 * BANDS[band]
        bx0, by0, bx1, by1 = extents[band]
        assert (bx0 - 300_000) % tile == 0 and (7_000_000 - by1) % tile == 0, (band, extents[band])
        assert bx0 <= minx < bx0 + tile and by1 - tile < maxy <= by1, (band, extents[band])
        assert bx1 >= maxx and by0 <= miny
        clipped = gdal.Open(str(result.local_path))
        assert clipped.GetGeoTransform()[1] == BANDS[band]  # native resolution, no resampling
        assert clipped.GetRasterBand(1).DataType == gdal.GDT_UInt16
        assert clipped.GetMetadataItem("COMPRESSION", "IMAGE_STRUCTURE") == "DEFLATE"
        assert clipped.GetRasterBand(1).GetBlockSize() == [256, 256]
        assert np.array_equal(
            clipped.GetRasterBand(1).ReadAsArray(), _source_pixels(cogs / f"{band}.tif", extents[band])
        )
        assert result.size_bytes == result.local_path.stat().st_size
        assert not result.local_path.stat().st_mode & 0o111  # a file, not a program
    assert not list(tmp_path.glob("*.part"))


def test_a_large_clip_spreads_its_bands_over_two_burst_loops(
    server: AssetServer, cogs: Path, tmp_path: Path, area: Area, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above the size a calling thread finishes itself, the bands' tiles go on two burst loops (two
    threads copying bytes, where one was the limit of 20 km clips and up): every band whole, its
    pixels the source's, its sha256 its file's."""
    monkeypatch.setattr(clip, "_FINISH_HERE_BYTES", 0)  # this small clip counts as a large one
    server.throttle_bps = 2_000_000  # both loops still run when progress is first delivered
    loops: set[int] = set()

    def progress(band: str, status: str, fraction: float) -> None:
        loops.update(t.ident or 0 for t in threading.enumerate() if t.name == "firstlight-burst")

    results = _clip(server, tmp_path, area, progress_callback=progress)
    assert all(r.success for r in results.values()), [r.error for r in results.values()]
    assert len(loops) == 2
    for band, result in results.items():
        assert result.sha256 == hashlib.sha256(result.local_path.read_bytes()).hexdigest()
        clipped = gdal.Open(str(result.local_path))
        pixels = _source_pixels(cogs / f"{band}.tif", _bounds(result.local_path))
        assert np.array_equal(clipped.GetRasterBand(1).ReadAsArray(), pixels)
    assert not list(tmp_path.glob("*.part"))


def test_the_stack_over_clipped_bands_is_cut_to_the_area(
    server: AssetServer, cogs: Path, tmp_path: Path, area: Area
) -> None:
    results = _clip(server, tmp_path, area)
    files = {b: r.local_path for b, r in results.items()}
    common = area_extent(files, area, "S2_TEST")
    stack = create_band_stack(files, tmp_path / "stack.vrt", band_order=list(BANDS), bounds=common)
    assert stack.bounds == common and stack.resolution == (10.0, 10.0) and not stack.warnings
    dataset = gdal.Open(str(stack.path))
    for index, band in enumerate(BANDS, start=1):
        if BANDS[band] == 10.0:  # the 10 m bands' pixels, untouched
            assert np.array_equal(
                dataset.GetRasterBand(index).ReadAsArray(), _source_pixels(cogs / f"{band}.tif", common)
            )
    assert validate_stack(stack.path, list(BANDS)).is_valid


def test_only_a_fraction_of_each_file_is_fetched(server: AssetServer, cogs: Path, tmp_path: Path) -> None:
    small = parse_area([306_000, 6_990_500, 308_000, 6_992_500], crs=UTM)  # 2 x 2 km, a few tiles
    results = _clip(server, tmp_path, small)
    for band, result in results.items():
        size = (cogs / f"{band}.tif").stat().st_size
        sent = server.bytes_sent(f"/{band}.tif")
        assert 0 < sent < 0.2 * size, (band, sent, size)
        assert all(r.range for r in server.log(f"/{band}.tif", method="GET"))  # never the whole file
        assert abs(result.bytes_transferred - sent) <= 0.25 * sent + 32768  # GDAL reads whole 16 KB chunks


@pytest.mark.parametrize("crs", [UTM, "EPSG:4326", "EPSG:999999", "not a CRS"])
def test_the_catalog_crs_is_only_a_hint(server: AssetServer, tmp_path: Path, area: Area, crs: str) -> None:
    """Right, wrong or unknown, the CRS the catalog names changes nothing in what is written: the
    bands' headers decide."""
    plain = _clip(server, tmp_path / "plain", area, ("blue", "nir"))
    hinted = _clip(server, tmp_path / "hinted", area, ("blue", "nir"), crs=crs)
    for band, result in hinted.items():
        assert result.success and result.local_path.read_bytes() == plain[band].local_path.read_bytes()


def test_headers_are_read_at_once_and_their_connections_carry_the_first_ranges(
    server: AssetServer, tmp_path: Path, area: Area
) -> None:
    """The fast lane: every band's header asked before any band thread starts (so all are in flight
    together), and no connection opened for a header is wasted."""
    _clip(server, tmp_path, area)
    gets = server.log(method="GET")
    headers = [g for g in gets if g.range == "bytes=0-32767"]
    assert len(headers) == len(BANDS)
    assert max(g.started for g in headers) < min(g.started for g in gets if g not in headers)
    assert all(any(g.connection == h.connection for g in gets if g not in headers) for h in headers)


def test_a_requests_session_is_made_only_for_what_needs_one(
    server: AssetServer, tmp_path: Path, area: Area, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bands on the fast lane make none (making and closing one is 0.2 ms of a 13 ms clip); a
    redirected band goes through one, closed when the call ends."""
    made: list[requests.Session] = []
    closed: list[requests.Session] = []

    class Counted(requests.Session):
        def __init__(self) -> None:
            super().__init__()
            made.append(self)

        def close(self) -> None:
            closed.append(self)
            super().close()

    monkeypatch.setattr(requests, "Session", Counted)
    assert all(result.success for result in _clip(server, tmp_path / "fast", area).values())
    assert made == []
    redirect = f"redirect:{server.url('nir.tif')}"
    server.inject("/nir.tif", [redirect, redirect])  # the fast lane's read, then the band's own
    assert _clip(server, tmp_path / "redirected", area, ("nir",))["nir"].success
    assert len(made) == 1 and closed == made


def test_an_area_at_the_scene_edge_is_clamped_to_the_scene(server: AssetServer, tmp_path: Path) -> None:
    edge = parse_area([299_000, 6_998_000, 301_010, 7_001_000], crs=UTM)  # sticks out west and north
    results = _clip(server, tmp_path, edge, ("blue", "nir"))
    assert _bounds(results["blue"].local_path)[::3] == _bounds(results["nir"].local_path)[::3]
    files = {b: r.local_path for b, r in results.items()}
    minx, _, maxx, maxy = area_extent(files, edge, "S2_TEST")
    assert (minx, maxy) == (300_000, 7_000_000)
    assert edge.bounds_in(UTM)[2] <= maxx < edge.bounds_in(UTM)[2] + 20 and (maxx - 300_000) % 20 == 0
    assert maxx == 301_020  # the area's east edge, 301,010, snapped out to the 20 m grid


def test_an_area_outside_the_scene_is_an_input_error(server: AssetServer, tmp_path: Path) -> None:
    far = parse_area([400_000, 6_900_000, 401_000, 6_901_000], crs=UTM)
    with pytest.raises(InputError, match="does not overlap scene S2_TEST"):
        _clip(server, tmp_path, far)
    assert not list(tmp_path.glob("*.tif"))


def test_rerun_skips_and_a_new_area_reclips(server: AssetServer, tmp_path: Path, area: Area) -> None:
    _clip(server, tmp_path, area, ("blue", "nir"))
    server.clear_log()
    gdal.VSICurlClearCache()  # as in a new QGIS session
    again = _clip(server, tmp_path, area, ("blue", "nir"))
    assert all(r.skipped and r.bytes_transferred == 0 for r in again.values())
    # FirstLight's first-byte check, then GDAL's read of the headers for the grid: no tile
    assert {r.range for r in server.log(method="GET")} <= {"bytes=0-0", "bytes=0-32767"}
    files = {band: result.local_path.read_bytes() for band, result in again.items()}
    # Another area under the same tiles: the same files (the area's own bounds made them new ones).
    inside = parse_area([305_113, 6_990_107, 309_887, 6_994_893], crs=UTM)
    server.clear_log()
    same = _clip(server, tmp_path, inside, ("blue", "nir"))
    assert all(r.skipped and r.local_path.read_bytes() == files[band] for band, r in same.items())
    assert {r.range for r in server.log(method="GET")} <= {"bytes=0-0", "bytes=0-32767"}
    other = parse_area([310_000, 6_985_000, 312_000, 6_987_000], crs=UTM)
    moved = _clip(server, tmp_path, other, ("blue", "nir"))
    assert not any(r.skipped for r in moved.values())
    assert _bounds(moved["blue"].local_path)[0] < 310_000 + 20


def test_a_file_the_server_replaced_since_the_last_clip_is_clipped_again(
    cogs: Path, tmp_path: Path, area: Area
) -> None:
    """The band file of an area under the same tiles is reused, but not once the server's file is
    another edition (a scene reprocessed under the same name): its header's ETag tells."""
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(cogs / "red.tif", served / "red.tif")
    with AssetServer(served) as server:
        _clip(server, tmp_path / "out", area, ("red",))
        server.republish("red.tif")
        again = _clip(server, tmp_path / "out", area, ("red",))["red"]
        reference = _clip(server, tmp_path / "reference", area, ("red",))["red"]
    assert again.success and not again.skipped
    assert again.local_path.read_bytes() == reference.local_path.read_bytes()


def test_a_whole_scene_download_after_a_clip_fetches_the_whole_file(
    server: AssetServer, cogs: Path, tmp_path: Path, area: Area
) -> None:
    """The catalog gives neither ``file:size`` nor ``file:checksum`` (Planetary Computer's and
    Landsat's items): the clip's record, of the same href, must not pass for the whole file's."""
    _clip(server, tmp_path, area, ("red",))
    whole = download_bands({"red": server.url("red.tif")}, tmp_path, "S2_TEST", retry_policy=FAST)["red"]
    assert not whole.skipped
    assert (tmp_path / "red.tif").read_bytes() == (cogs / "red.tif").read_bytes()


def test_http_errors_are_retried(server: AssetServer, cogs: Path, tmp_path: Path, area: Area) -> None:
    # Two for FirstLight's first-byte check, then three for GDAL's reads (it retries by itself).
    server.inject("/swir16.tif", ["503", "500", "pass", "500", "500", "500"])
    result = _clip(server, tmp_path, area, ("swir16",), max_retries=2)["swir16"]
    assert result.success, result.error
    assert result.retries >= 2
    assert np.array_equal(
        gdal.Open(str(result.local_path)).ReadAsArray(),
        _source_pixels(cogs / "swir16.tif", _bounds(result.local_path)),
    )


def test_a_first_attempt_that_fails_on_the_calling_thread_is_counted_and_made_again(
    server: AssetServer, tmp_path: Path
) -> None:
    """A small clip is finished on the calling thread as its tiles land. Red's one tile comes back
    with its first bytes garbled (not where the header says): red is handed to its own thread,
    which counts that attempt as its first and makes a second."""
    tiny = parse_area([306_000, 6_990_500, 306_100, 6_990_600], crs=UTM)  # one tile per band
    server.inject("/red.tif", ["pass", "corrupt:0"])  # the header, then the tile
    results = _clip(server, tmp_path / "faulted", tiny, ("red", "nir"))
    assert server.pending_faults() == []
    clean = _clip(server, tmp_path / "clean", tiny, ("red", "nir"))
    assert [(r.success, r.retries) for r in results.values()] == [(True, 1), (True, 0)]
    for band, result in results.items():
        assert result.local_path.read_bytes() == clean[band].local_path.read_bytes()
    assert len([g for g in server.log("/red.tif", method="GET") if g.range != "bytes=0-32767"]) == 3


def test_cancel_stops_the_clip_and_leaves_no_file(server: AssetServer, tmp_path: Path, area: Area) -> None:
    """Cancel once the first row of tiles has arrived; GDAL checks between rows of tiles."""
    server.throttle_bps = 1_000_000
    asked: list[float] = []

    def progress(band: str, status: str, fraction: float) -> None:
        if status == "clipping" and fraction > 0 and not asked:
            asked.append(time.monotonic())

    with pytest.raises(CancelledError, match="clip of S2_TEST was cancelled"):
        _clip(server, tmp_path, area, progress_callback=progress, cancel=lambda: bool(asked))
    assert time.monotonic() - asked[0] < 1.0
    finished = sorted(p.name for p in tmp_path.glob("*.tif"))
    assert len(finished) < len(BANDS) and not list(tmp_path.glob("*.part"))
    assert all((tmp_path / f".{name}.verified.json").exists() for name in finished)  # complete ones only


def test_a_progress_callback_that_raises_stops_every_band(
    server: AssetServer, tmp_path: Path, area: Area
) -> None:
    """A callback that raises (or Ctrl-C) while the calling thread waits for the tiles: the error
    comes out at once, the other bands' transfers stop, and no part file stays behind."""
    server.throttle_bps = 100_000  # the largest windows take seconds
    raised: list[float] = []

    def progress(band: str, status: str, fraction: float) -> None:
        if status == "clipping" and fraction > 0:
            raised.append(time.monotonic())
            raise RuntimeError("the callback failed")

    with pytest.raises(RuntimeError, match="the callback failed"):
        _clip(server, tmp_path, area, progress_callback=progress)
    assert time.monotonic() - raised[0] < 0.5  # not the seconds the other windows would take
    assert not list(tmp_path.glob("*.part"))


def test_local_files_only_with_allow_local(cogs: Path, tmp_path: Path, area: Area) -> None:
    href = str(cogs / "blue.tif")
    refused = clip_bands({"blue": href}, tmp_path, "S2_TEST", area)["blue"]
    assert not refused.success and "local" in refused.error
    clipped = clip_bands({"blue": href}, tmp_path, "S2_TEST", area, allow_local=True)["blue"]
    assert clipped.success
    assert np.array_equal(
        gdal.Open(str(clipped.local_path)).ReadAsArray(),
        _source_pixels(cogs / "blue.tif", _bounds(clipped.local_path)),
    )


def test_a_local_cog_is_clipped_by_copying_its_tiles_as_from_a_server(
    server: AssetServer, cogs: Path, tmp_path: Path, area: Area
) -> None:
    """A local catalog's COG: its own tiles copied, never decoded, into the very file a server's
    copy of it gives."""
    served = _clip(server, tmp_path / "served", area)
    local = _clip(
        server, tmp_path / "local", area, allow_local=True, hrefs={b: str(cogs / f"{b}.tif") for b in BANDS}
    )
    for band in BANDS:
        assert local[band].local_path.read_bytes() == served[band].local_path.read_bytes(), band
        header = served[band].bytes_transferred - local[band].bytes_transferred  # the tiles alone
        assert 0 < header <= 32768


def test_signed_clip_refreshes_an_expired_token(server: AssetServer, tmp_path: Path, area: Area) -> None:
    server.enable_sas("firstlight", "bands")
    signer = PlanetaryComputerSigner(server.token_url, locate=lambda href: ("firstlight", "bands"))
    first = _clip(server, tmp_path / "a", area, ("blue",), signer=signer)["blue"]
    server.expire_tokens()
    second = _clip(server, tmp_path / "b", area, ("blue",), signer=signer)["blue"]
    assert first.success and second.success, second.error
    assert server.tokens_issued == 2
    secrets = {r.query.rpartition("sig=")[2] for r in server.log() if "sig=" in r.query}
    assert secrets and not any(s in repr(first) + repr(second) for s in secrets)


def test_a_file_republished_between_its_header_and_its_tiles_is_clipped_from_the_new_one(
    cogs: Path, tmp_path: Path
) -> None:
    """The scene is reprocessed under the same name (same layout, other bytes) after red's header
    was read and while its tiles are fetched: one tile range is answered from the new file. Its
    ETag tells: the header is read again and every tile fetched from the new file, instead of a
    window of tiles from two editions that every check passes."""
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(cogs / "red.tif", served / "red.tif")
    scene = parse_area([300_000, 6_982_680, 320_340, 7_000_000], crs=UTM)  # every tile
    with AssetServer(served) as server:
        server.inject("/red.tif", ["pass", "slow:0.6"])  # the header, then one range late
        timer = threading.Timer(0.3, server.republish, ["red.tif"])
        timer.start()
        try:
            result = _clip(server, tmp_path / "out", scene, ("red",))["red"]
        finally:
            timer.join()
        assert result.success, result.error
        reference = _clip(server, tmp_path / "reference", scene, ("red",))["red"]
    assert result.local_path.read_bytes() == reference.local_path.read_bytes()
    assert result.retries >= 1


# -- whole files in the folder: the fallback's (not a COG), or a whole-scene run's ------------------


def _striped(cogs: Path, folder: Path, compress: str = "DEFLATE") -> Path:
    """Red as a striped GeoTIFF (like a JPEG 2000 file, not a COG): clip mode downloads it whole."""
    folder.mkdir(exist_ok=True)
    options = ["TILED=NO", f"COMPRESS={compress}"]
    gdal.Translate(str(folder / "red.tif"), str(cogs / "red.tif"), creationOptions=options)
    return folder / "red.tif"


def _is_window_of(result: BandDownloadResult, source: Path) -> bool:
    pixels = gdal.Open(str(result.local_path)).ReadAsArray()
    return np.array_equal(pixels, _source_pixels(source, _bounds(result.local_path)))


def test_a_file_that_is_not_a_cog_is_downloaded_once_for_every_area_and_the_whole_scene(
    cogs: Path, tmp_path: Path, area: Area
) -> None:
    served = _striped(cogs, tmp_path / "served")
    whole = served.read_bytes()
    out = tmp_path / "out"
    kept = out / "red.source.tif"
    with AssetServer(served.parent) as server:
        first = _clip(server, out, area, ("red",))["red"]
        assert _is_window_of(first, served) and first.bytes_transferred >= len(whole)
        assert kept.read_bytes() == whole  # kept for the next area

        server.clear_log()
        other = parse_area([310_000, 6_985_000, 312_000, 6_987_000], crs=UTM)
        moved = _clip(server, out, other, ("red",))["red"]
        assert _is_window_of(moved, served) and _bounds(moved.local_path)[0] < 310_000 + 10
        assert all(r.range for r in server.log(method="GET"))  # its header only: not a COG's
        assert moved.bytes_transferred < len(whole) / 10

        server.clear_log()  # whole-scene mode takes the kept file over
        result = download_bands({"red": server.url("red.tif")}, out, "S2_TEST", retry_policy=FAST)["red"]
        assert result.skipped and (out / "red.tif").read_bytes() == whole and not kept.exists()
        assert server.log(method="GET") == []

        again = _clip(server, out, area, ("red",))["red"]  # and the clip takes the band file back
        assert _is_window_of(again, served) and kept.read_bytes() == whole
        assert all(r.range for r in server.log(method="GET"))


def test_a_clip_over_a_band_downloaded_whole_is_cut_from_it_and_keeps_it(
    server: AssetServer, cogs: Path, tmp_path: Path, area: Area
) -> None:
    """The whole file an earlier run downloaded into the folder: every area is cut from it with no
    request, and it is not thrown away: whole-scene mode takes it back without a download."""
    whole = cogs / "red.tif"
    download_bands({"red": server.url("red.tif")}, tmp_path, "S2_TEST", retry_policy=FAST)
    server.clear_log()
    clipped = _clip(server, tmp_path, area, ("red",))["red"]
    assert _is_window_of(clipped, whole) and (tmp_path / "red.source.tif").read_bytes() == whole.read_bytes()
    other = parse_area([310_000, 6_985_000, 312_000, 6_987_000], crs=UTM)
    moved = _clip(server, tmp_path, other, ("red",))["red"]
    assert _is_window_of(moved, whole) and clipped.bytes_transferred == moved.bytes_transferred == 0
    assert server.log(method="GET") == []
    again = download_bands({"red": server.url("red.tif")}, tmp_path, "S2_TEST", retry_policy=FAST)["red"]
    assert again.skipped and server.log(method="GET") == []
    assert (tmp_path / "red.tif").read_bytes() == whole.read_bytes()


def test_a_kept_file_the_catalog_no_longer_describes_is_downloaded_again(
    cogs: Path, tmp_path: Path, area: Area
) -> None:
    """The scene was reprocessed: the catalog gives the new file's checksum, which the kept copy
    does not have."""
    served = _striped(cogs, tmp_path / "served")
    out = tmp_path / "out"
    with AssetServer(served.parent) as server:
        _clip(server, out, area, ("red",), expected=_catalog(served))
        _striped(cogs, served.parent, compress="LZW")  # the same pixels, other bytes
        other = parse_area([310_000, 6_985_000, 312_000, 6_987_000], crs=UTM)
        result = _clip(server, out, other, ("red",), expected=_catalog(served))["red"]
    assert (out / "red.source.tif").read_bytes() == served.read_bytes()
    assert result.bytes_transferred >= served.stat().st_size and _is_window_of(result, served)


def test_whole_scene_mode_removes_a_kept_file_the_catalog_no_longer_describes(
    cogs: Path, tmp_path: Path, area: Area
) -> None:
    """It downloads the new file, and the kept copy of the old one would hold its size of disk for
    nothing (a scene's six: about 1 GB)."""
    served = _striped(cogs, tmp_path / "served")
    out = tmp_path / "out"
    with AssetServer(served.parent) as server:
        _clip(server, out, area, ("red",), expected=_catalog(served))
        assert (out / "red.source.tif").exists()
        _striped(cogs, served.parent, compress="LZW")
        url = {"red": server.url("red.tif")}
        result = download_bands(url, out, "S2_TEST", expected=_catalog(served), retry_policy=FAST)["red"]
    assert result.success and not result.skipped
    assert (out / "red.tif").read_bytes() == served.read_bytes()
    assert not (out / "red.source.tif").exists() and not (out / ".red.source.tif.verified.json").exists()


def _catalog(served: Path) -> dict[str, ResolvedAsset]:
    """What a catalog says of ``served``: its size and checksum."""
    data = served.read_bytes()
    checksum = "1220" + hashlib.sha256(data).hexdigest()
    return {"red": ResolvedAsset("red", "red", "", file_size=len(data), file_checksum=checksum)}


def _damage_blocks(path: Path) -> None:
    """Zero the first bytes of every tile or strip of ``path``, its size and time kept: its record
    still matches it."""
    stat = path.stat()
    dataset = gdal.Open(str(path))
    band = dataset.GetRasterBand(1)
    (width, height), (block_x, block_y) = (band.XSize, band.YSize), band.GetBlockSize()
    offsets = [
        int(band.GetMetadataItem(f"BLOCK_OFFSET_{x}_{y}", "TIFF"))
        for y in range(-(-height // block_y))
        for x in range(-(-width // block_x))
    ]
    band = dataset = None
    with path.open("r+b") as handle:
        for offset in offsets:
            handle.seek(offset)
            handle.write(bytes(8))
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


@pytest.mark.parametrize("kind", ["striped", "COG"])
def test_a_kept_file_that_no_longer_reads_is_downloaded_again(
    cogs: Path, tmp_path: Path, area: Area, kind: str
) -> None:
    """Its record still matches (same size and time) but its tiles were damaged on disk: GDAL's
    decoding (a striped file, clipped by GDAL) or the check of every copied tile's start (a COG)
    fails, the band goes back to the server, and the new copy is kept instead."""
    if kind == "COG":
        (tmp_path / "served").mkdir()
        served = Path(shutil.copy(cogs / "red.tif", tmp_path / "served" / "red.tif"))
    else:
        served = _striped(cogs, tmp_path / "served")
    out = tmp_path / "out"
    kept = out / "red.source.tif"
    with AssetServer(served.parent) as server:
        if kind == "COG":  # a COG's whole file is kept when a clip replaces it
            download_bands({"red": server.url("red.tif")}, out, "S2_TEST", retry_policy=FAST)
        _clip(server, out, area, ("red",))
        _damage_blocks(kept)
        other = parse_area([310_000, 6_985_000, 312_000, 6_987_000], crs=UTM)
        result = _clip(server, out, other, ("red",))["red"]
    assert result.success and result.retries >= 1 and _is_window_of(result, served)
    assert kept.read_bytes() == served.read_bytes()
