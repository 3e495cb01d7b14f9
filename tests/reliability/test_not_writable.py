"""An output folder the system will not let FirstLight write: a read-only disk, a file held open
(as a layer in QGIS holds it on Windows: here an immutable file, which even root may not replace),
a folder that turns unwritable in the middle of a run. Each time: one clear error that names the
file and says what to do, no traceback, nothing that looks complete but is not, and once the folder
takes writes again the next run finishes with outputs identical to a clean run's.

A tmpfs of the test's own (as for the full disk: we run as root, which no permission bits stop;
skipped where mounting is not allowed), made read-only or given immutable files."""

from __future__ import annotations

import array
import fcntl
import os
from pathlib import Path

import pytest
from osgeo import gdal

from firstlight_qgis.core.area import Area
from firstlight_qgis.core.errors import NotWritableError
from firstlight_qgis.core.indices import compute_indices
from firstlight_qgis.core.lock import LOCK_NAME
from firstlight_qgis.core.polygons import polygonize
from tests.reliability.harness import (
    BANDS,
    ITEM_ID,
    MODES,
    Check,
    Recorder,
    clear,
    compare,
    remount,
    run,
    scene_of,
)
from tests.support.asset_server import AssetServer
from tests.support.sample import SAMPLE

pytestmark = pytest.mark.integration

ROOM = 64 * 1024 * 1024
HEADERS = "bytes=0-32767"  # what a clip asks again of bands it has, to know their grid
WHAT_TO_DO = (
    "choose an output folder you can write to, or close what holds that file open (on Windows, its "
    "layer in QGIS), and run it again."
)


# Linux's inode flags, as chattr sets them (no e2fsprogs needed): _IOR / _IOW('f', 1 / 2, long).
_GET_FLAGS, _SET_FLAGS, _IMMUTABLE = 0x80086601, 0x40086602, 0x00000010


def _immutable(path: Path, on: bool) -> None:
    """Make ``path`` immutable (no rename, no removal, nothing created in a folder) or not."""
    fd = os.open(path, os.O_RDONLY)
    try:
        flags = array.array("i", [0])
        fcntl.ioctl(fd, _GET_FLAGS, flags)
        flags[0] = flags[0] | _IMMUTABLE if on else flags[0] & ~_IMMUTABLE
        fcntl.ioctl(fd, _SET_FLAGS, flags)
    except OSError as error:
        if on:
            pytest.skip(f"cannot make files immutable here: {error}")
        raise
    finally:
        os.close(fd)


def _finished_run(server: AssetServer, item: dict, area: Area, disk: Path, mode: str) -> None:
    """A clean run into ``disk`` (made roomy and writable first); the server's log cleared after."""
    remount(disk, ROOM, read_only=False)
    run(scene_of(item, area), disk, area, mode)
    clear(server)


def _recorded(record: Recorder, fault: str, mode: str, check: Check, resent: int) -> None:
    """The table's row of a refused run (its one clear error) and the run after it."""
    row = {"identical": check.identical, "leftovers": len(check.leftovers), "resent": resent}
    record(fault=fault, mode=mode, faults=1, completed=True, clear_error=True, **row)


def _one_line(error: pytest.ExceptionInfo[NotWritableError]) -> str:
    message = str(error.value)
    assert "\n" not in message and message.endswith(WHAT_TO_DO), message
    return message


@pytest.mark.parametrize("mode", MODES)
def test_a_read_only_disk_is_one_clear_error_before_anything_is_fetched(
    server, item, area, small_disk: Path, mode, record
) -> None:
    remount(small_disk, ROOM, read_only=True)
    with pytest.raises(NotWritableError) as raised:
        run(scene_of(item, area), small_disk / "floods", area, mode)
    assert _one_line(raised).startswith(f"Cannot write floods in {small_disk} (read-only file system): ")
    assert server.log(method="GET") == []
    record(fault="read-only output disk", mode=mode, faults=1, completed=False, clear_error=True, resent=0)


@pytest.mark.parametrize("mode", MODES)
def test_a_run_over_a_folder_gone_read_only_loses_nothing(
    server, reference, item, area, small_disk: Path, mode, record
) -> None:
    _finished_run(server, item, area, small_disk, mode)
    remount(small_disk, read_only=True)
    with pytest.raises(NotWritableError) as raised:
        run(scene_of(item, area), small_disk, area, mode)
    assert _one_line(raised).startswith(f"Cannot write {LOCK_NAME} in {small_disk / ITEM_ID} (read-only")
    assert compare(small_disk, reference[mode]["root"], mode).identical
    assert server.log(method="GET") == []
    record(fault="run again into a read-only folder", mode=mode, faults=1, completed=False, clear_error=True)


@pytest.mark.parametrize("mode", MODES)
def test_a_product_held_open_is_one_clear_error_and_the_run_goes_on_once_it_is_let_go(
    server, reference, item, area, small_disk: Path, mode, record
) -> None:
    """The Windows case: the NDWI of an earlier run is a layer in QGIS, so it cannot be replaced."""
    _finished_run(server, item, area, small_disk, mode)
    ndwi = small_disk / ITEM_ID / f"{ITEM_ID}_ndwi.tif"
    _immutable(ndwi, True)
    try:
        with pytest.raises(NotWritableError) as raised:
            run(scene_of(item, area), small_disk, area, mode)
    finally:
        _immutable(ndwi, False)
    message = _one_line(raised)
    assert message.startswith(f"Cannot write {ndwi.name} in {ndwi.parent} (operation not permitted)")
    assert not (small_disk / ITEM_ID / "manifest.json").exists()  # the run's products are not whole
    assert not (small_disk / ITEM_ID / LOCK_NAME).exists()

    run(scene_of(item, area), small_disk, area, mode)
    check = compare(small_disk, reference[mode]["root"], mode)
    fault = "a product held open (immutable), then let go and re-run"
    _recorded(record, fault, mode, check, server.bytes_sent())
    assert check.identical, check
    assert {request.range for request in server.log(method="GET")} <= {HEADERS}  # the bands were kept


@pytest.mark.parametrize("mode", MODES)
def test_a_folder_that_turns_unwritable_mid_run_stops_it_and_the_next_run_resumes(
    server, reference, item, area, small_disk: Path, mode, record
) -> None:
    """The scene folder turns unwritable once the first band is done (a network share remounted,
    a policy applied): one clear error wherever the run is then, no file that looks complete but is
    not, and the next run, once the folder is writable again, finishes with identical outputs."""
    remount(small_disk, ROOM)
    folder = small_disk / ITEM_ID
    turned: list[str] = []

    def progress(band: str, status: str, fraction: float) -> None:
        if status in {"done", "skipped"} and not turned:
            _immutable(folder, True)
            turned.append(band)

    try:
        with pytest.raises(NotWritableError) as raised:
            run(scene_of(item, area), small_disk, area, mode, progress=progress)
    finally:
        _immutable(folder, False)
    assert turned
    assert _one_line(raised).startswith("Cannot write ")
    assert not (folder / "manifest.json").exists()
    check = compare(small_disk, reference[mode]["root"], mode, allow_parts=True)
    assert not check.different, check
    for name in check.leftovers:  # what it could not remove: the lock, files named as not whole
        assert name.endswith((LOCK_NAME, ".tmp")) or ".part" in name, check
    sent_before = server.bytes_sent()

    run(scene_of(item, area), small_disk, area, mode)  # (the lock left behind is this process's own)
    check = compare(small_disk, reference[mode]["root"], mode)
    resent = server.bytes_sent() - reference[mode]["bytes"]
    _recorded(record, "folder unwritable mid-run (immutable), then writable and re-run", mode, check, resent)
    assert check.identical, check
    assert server.bytes_sent() - sent_before < reference[mode]["bytes"] * 1.05


def test_indices_into_a_read_only_folder_are_one_clear_error(small_disk: Path, tmp_path: Path) -> None:
    """``firstlight:index``'s outputs on a read-only disk."""
    stack = str(tmp_path / "stack.vrt")
    gdal.BuildVRT(stack, [str(SAMPLE / f"{band}.tif") for band in BANDS], separate=True)
    remount(small_disk, ROOM, read_only=True)
    with pytest.raises(NotWritableError) as raised:
        compute_indices(Path(stack), {"ndwi": small_disk / "ndwi.tif"}, sensor="sentinel2")
    assert _one_line(raised).startswith(f"Cannot write in {small_disk} (read-only file system)")


def test_polygons_into_a_read_only_folder_are_one_clear_error(small_disk: Path, tmp_path: Path) -> None:
    """``firstlight:polygons`` or the ingest's polygons on a read-only disk."""
    stack = str(tmp_path / "stack.vrt")
    gdal.BuildVRT(stack, [str(SAMPLE / f"{band}.tif") for band in BANDS], separate=True)
    water = compute_indices(
        Path(stack), {"ndwi": tmp_path / "ndwi.tif"}, sensor="sentinel2", water=(tmp_path / "water.tif", 0.0)
    )["water"]
    remount(small_disk, ROOM, read_only=True)
    with pytest.raises(NotWritableError) as raised:
        polygonize(water.path, small_disk / "water.gpkg")
    assert _one_line(raised).startswith("Cannot write ")
    assert "(read-only file system)" in _one_line(raised)


def test_the_next_run_removes_what_a_refused_clean_up_left(server, reference, item, area, tmp_path) -> None:
    """Records and products under temporary names that a folder refused to remove (or a crash left):
    the next run, holding the folder's lock, removes them."""
    run(scene_of(item, area), tmp_path, area, "clip")
    folder = tmp_path / ITEM_ID
    for name in (
        ".red.tif.verified.json.tmp",
        "blue.tif.part.validator.tmp",
        ".manifest-x1y2.tmp",
        f".{ITEM_ID}_ndwi.tif.4242.part",
        f".{ITEM_ID}_stack.0123456789ab.part.vrt",
        f".{ITEM_ID}_stack.0123456789ab.part.vrt.aux.xml",
    ):
        (folder / name).write_bytes(b"half")
    run(scene_of(item, area), tmp_path, area, "clip")
    check = compare(tmp_path, reference["clip"]["root"], "clip")
    assert check.identical, check
