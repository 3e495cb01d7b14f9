"""A process killed with SIGKILL in the middle of an ingest (a crash, a power cut, QGIS killed):
the next run takes over the lock it left, resumes every band from its partial file, re-sends
only a small fraction of the bytes, and ends with outputs identical to a clean run's."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from osgeo import gdal

from firstlight_qgis.core.lock import LOCK_NAME
from tests.conftest import URUGUAY
from tests.reliability.harness import (
    BANDS,
    ITEM_ID,
    compare,
    listing,
    run,
    sample_item,
    scene_of,
)
from tests.support.asset_server import AssetServer
from tests.support.cogs import URUGUAY_BANDS
from tests.support.sample import ROOT

pytestmark = pytest.mark.integration

_CHILD = """
import json, sys
from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import scene_from_item
from firstlight_qgis.core.download import RetryPolicy
from firstlight_qgis.core.ingest import IngestOptions, ingest_scene

item_path, out, mode, area_path = sys.argv[1:5]
item = json.load(open(item_path))
area = parse_area(area_path)
scene = scene_from_item(item, area=area, catalog="https://stac.example.com/v1", catalog_is_local=False)
options = IngestOptions(clip_to_area=mode == "clip", parallel_downloads=6, timeout=5.0,
                        retry_policy=RetryPolicy(0.05, 0.2, 5.0))
print("started", flush=True)
ingest_scene(scene, out, area=area, event="flood.riverine", options=options)
print("finished", flush=True)
"""


def _start_child(tmp_path: Path, item: dict, out: Path, mode: str) -> subprocess.Popen[str]:
    item_path = tmp_path / "item.json"
    item_path.write_text(json.dumps(item))
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    area = ROOT / "resources" / "sample" / "area.geojson"
    return subprocess.Popen(
        [sys.executable, str(script), str(item_path), str(out), mode, str(area)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _kill_when(process: subprocess.Popen[str], ready, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            pytest.fail(f"the ingest ended before it could be killed: {process.stdout.read()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("the ingest never reached the point where it should be killed")
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()  # reaped: its pid is gone, as after a real crash


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def big_scene(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole Uruguay scene at 10 m, uncompressed: six 7 MB bands (real band files are larger
    still, so the fraction re-sent after a crash is smaller in real life than here)."""
    folder = tmp_path_factory.mktemp("big")
    for band, name in URUGUAY_BANDS.items():
        gdal.Translate(
            str(folder / f"{band}.tif"),
            str(URUGUAY / name),
            format="COG",
            xRes=10,
            yRes=10,
            resampleAlg="nearest",
            creationOptions=["COMPRESS=NONE", "OVERVIEWS=NONE"],
        )
    return folder


def test_sigkill_mid_download_then_every_band_resumes_from_its_part_file(
    big_scene: Path, area, tmp_path: Path, record
) -> None:
    with AssetServer(big_scene) as server:
        checksums = {
            band: {
                "file:size": (big_scene / f"{band}.tif").stat().st_size,
                "file:checksum": "1220" + _sha256(big_scene / f"{band}.tif"),
            }
            for band in BANDS
        }
        item = sample_item(server.base_url, **checksums)
        total = sum(entry["file:size"] for entry in checksums.values())
        out = tmp_path / "out"
        scene_dir = out / ITEM_ID
        server.throttle_bps = 1_500_000  # per band: ~5 s for a 7 MB band

        def parts() -> dict[str, int]:
            paths = {band: scene_dir / f"{band}.tif.part" for band in BANDS}
            return {band: path.stat().st_size for band, path in paths.items() if path.exists()}

        child = _start_child(tmp_path, item, out, "whole")
        _kill_when(child, lambda: len(parts()) == len(BANDS) and sum(parts().values()) > 0.35 * total)
        server.throttle_bps = None
        left = parts()
        sent_before = server.bytes_sent()
        assert (scene_dir / LOCK_NAME).exists()  # the dead process's lock is still there
        assert not (scene_dir / "manifest.json").exists()

        result = run(scene_of(item, area), out, area, "whole")

        sent = server.bytes_sent()
    resent = sent - total
    for band in BANDS:
        entry = result.bands[band]
        assert entry.resumed_from == left[band], band
        assert entry.bytes_transferred == checksums[band]["file:size"] - left[band]
        assert (scene_dir / f"{band}.tif").read_bytes() == (big_scene / f"{band}.tif").read_bytes()
    assert not (scene_dir / LOCK_NAME).exists()
    unexpected = {
        name
        for name in listing(out)
        if not name.endswith((".tif", ".vrt", ".png", "manifest.json", ".verified.json"))
    }
    record(
        fault="SIGKILL mid-download, then re-run",
        mode="whole",
        faults=1,
        completed=True,
        identical=True,
        resent=resent,
        leftovers=len(unexpected),
        note=f"{sent_before:,} B sent before the kill, {sum(left.values()):,} B kept: "
        f"{100 * resent / total:.2f} % of {total:,} B re-sent",
    )
    assert not unexpected
    assert 0 <= resent <= 0.02 * total, f"{resent} of {total} bytes sent twice"


def test_sigkill_mid_clip_then_the_next_run_completes(server, reference, area, tmp_path, record) -> None:
    """A clip writes each band's window through GDAL into a part file that cannot be appended
    to; after a crash the next run redoes the unfinished bands and keeps the finished ones."""
    item = sample_item(server.base_url)
    out = tmp_path / "out"
    scene_dir = out / ITEM_ID
    server.throttle_bps = 150_000
    child = _start_child(tmp_path, item, out, "clip")
    _kill_when(child, lambda: (scene_dir / LOCK_NAME).exists() and any(scene_dir.glob("*.tif*")))
    server.throttle_bps = None
    kept = {p.name for p in scene_dir.glob("*.tif")}
    sent_before = server.bytes_sent()

    run(scene_of(item, area), out, area, "clip")

    check = compare(out, reference["clip"]["root"], "clip")
    record(
        fault="SIGKILL mid-download, then re-run",
        mode="clip",
        faults=1,
        completed=True,
        identical=check.identical,
        resent=server.bytes_sent() - reference["clip"]["bytes"],
        leftovers=len(check.leftovers),
        note=f"clip: {len(kept)} finished band(s) kept, {sent_before:,} B sent before the kill",
    )
    assert check.identical, check
    assert not (scene_dir / LOCK_NAME).exists()
