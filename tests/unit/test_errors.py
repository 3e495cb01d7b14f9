"""The one error of a write the system refuses, from what the system and GDAL say."""

from __future__ import annotations

import contextlib
import errno
import gc
import weakref
from pathlib import Path

import pytest

from firstlight_qgis.core.errors import DiskFullError, NotWritableError, raise_for_write, write_failure

FOLDER = Path("/data/floods/S2A_1")
WHAT_TO_DO = (
    "choose an output folder you can write to, or close what holds that file open (on Windows, its "
    "layer in QGIS), and run it again."
)


@pytest.mark.parametrize(
    ("error", "start"),
    [
        (
            PermissionError(errno.EACCES, "Permission denied", str(FOLDER / ".firstlight.lock")),
            f"Cannot write .firstlight.lock in {FOLDER} (permission denied): ",
        ),
        (
            OSError(errno.EROFS, "Read-only file system", str(FOLDER.parent)),
            "Cannot write floods in /data (read-only file system): ",
        ),
        (  # Windows: a rename onto a file QGIS has open names the target second
            PermissionError(
                errno.EACCES,
                "The process cannot access the file because it is being used by another process",
                str(FOLDER / ".ndwi.tif.part"),
                None,
                str(FOLDER / "S2A_1_ndwi.tif"),
            ),
            f"Cannot write S2A_1_ndwi.tif in {FOLDER} (the process cannot access the file because it is "
            "being used by another process): ",
        ),
        (
            OSError(errno.EPERM, "Operation not permitted"),  # a write on a descriptor: no name
            f"Cannot write in {FOLDER} (operation not permitted): ",
        ),
        (
            RuntimeError(f"Attempt to create new tiff file `{FOLDER}/x.tif' failed: Permission denied"),
            f"Cannot write in {FOLDER} (permission denied): ",
        ),
    ],
)
def test_a_refused_write_is_one_sentence_naming_the_file_and_what_to_do(error, start) -> None:
    failure = write_failure(FOLDER, error, "run it again")
    assert isinstance(failure, NotWritableError)
    assert str(failure) == start + WHAT_TO_DO


def test_a_full_disk_is_its_own_error_and_other_failures_are_none() -> None:
    full = write_failure(FOLDER, OSError(errno.ENOSPC, "No space left on device"), "run it again")
    assert isinstance(full, DiskFullError)
    assert str(full) == f"There is no space left on the disk of {FOLDER}; free some space and run it again."
    missing = FileNotFoundError(errno.ENOENT, "No such file or directory", "x")
    assert write_failure(FOLDER, missing, "") is None
    assert write_failure(FOLDER, RuntimeError("TIFFReadDirectory: Sanity check failed"), "") is None


def test_the_raised_error_keeps_no_frame_alive_once_dropped() -> None:
    """A frame's GDAL dataset must close as soon as the error is dropped, not when the garbage
    collector finds a reference cycle through the error's traceback."""

    class Dataset:  # stands for a GDAL dataset held by a frame on the traceback
        pass

    def write(dataset: Dataset) -> None:
        try:
            raise OSError(errno.EROFS, "Read-only file system", str(FOLDER))
        except OSError as error:
            raise_for_write(FOLDER, error, "run it again")
            raise

    dataset = Dataset()
    alive = weakref.ref(dataset)
    gc.disable()
    try:
        with contextlib.suppress(NotWritableError):
            write(dataset)
        del dataset
        assert alive() is None
    finally:
        gc.enable()
