"""Error types of the headless core.

Every failure a user can cause or meet (bad input, an unreachable catalog, a band that will not
download, a stack that fails validation) is raised as a ``FirstLightError`` whose message is one
clear sentence: what was wrong and what to do. Callers (Processing algorithms, the dock) show
``str(error)`` and never a traceback.
"""

from __future__ import annotations

import errno
import re
import shutil
from pathlib import Path

# what an OSError says when a disk, or the user's quota on it, has no room left
NO_SPACE = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})
# How GDAL and its drivers say a write failed for lack of space ("TIFFAppendToStrip:Write error at
# scanline 256", "libpng: Write Error", "Free disk space available is ...", "No space left on device").
NO_SPACE_MESSAGE = re.compile(
    r"no space left|disk full|free disk space|not enough space|quota|write error|short write", re.IGNORECASE
)
# what an OSError says when the system refuses a write: no permission, a read-only disk, a file
# another program holds open (Windows reports that as EACCES: "being used by another process"); by
# name, as a platform's errno may lack some
_REFUSALS = ("EACCES", "EPERM", "EROFS", "EBUSY", "ETXTBSY")
REFUSED = frozenset(getattr(errno, name, errno.EACCES) for name in _REFUSALS)
# How GDAL says so ("Attempt to create new tiff file `x' failed: Permission denied").
REFUSED_MESSAGE = re.compile(
    r"permission denied|operation not permitted|read-only file system|access is denied|"
    r"used by another process",
    re.IGNORECASE,
)


class FirstLightError(Exception):
    """Base of every error the core raises on purpose."""


class InputError(FirstLightError, ValueError):
    """A parameter given by the user is invalid (area, dates, event, cloud cover, paths)."""


class CatalogError(FirstLightError):
    """A catalog could not be reached or returned something that is not usable STAC."""


class BandResolutionError(FirstLightError):
    """A STAC item does not carry the bands the event needs."""


class DownloadError(FirstLightError):
    """A band could not be fetched and verified after every retry."""


class SharedError(DownloadError):
    """A failure every band would meet alike (the output folder, the proxy): the run stops with it."""


class OutputError(SharedError):
    """The output folder cannot take the files."""


class ProxyLoginError(SharedError):
    """The proxy refuses to fetch anything without its login (HTTP 407)."""


class DiskFullError(OutputError):
    """The output folder's disk (or quota) is full; what was written so far resumes next time."""


class NotWritableError(OutputError):
    """The system refuses to write in the output folder: no permission, a read-only disk, or a file
    another program holds open (on Windows, a layer of it in QGIS)."""


class SceneBusyError(FirstLightError):
    """Another ingest is writing the same scene into the same folder right now."""


class CancelledError(FirstLightError):
    """The caller's cancel callback asked the work to stop."""


class StackError(FirstLightError):
    """Band files could not be stacked (mismatched CRS, disjoint extents, missing file)."""


class CRSMismatchError(StackError):
    """Bands are in different coordinate reference systems."""


class ExtentMismatchError(StackError):
    """Band extents do not overlap."""


class ValidationFailedError(FirstLightError):
    """A stack did not pass validation; ``result`` holds every finding."""

    def __init__(self, message: str, result: object | None = None) -> None:
        super().__init__(message)
        self.result = result


def disk_full(folder: Path, then: str) -> DiskFullError:
    """The one error of a full disk (or quota) under ``folder``: free some space, ``then``."""
    return DiskFullError(f"There is no space left on the disk of {folder}; free some space and {then}.")


def write_failure(folder: Path, error: OSError | RuntimeError, then: str) -> OutputError | None:
    """The one error of a write under ``folder`` that failed for lack of space (``then``: what to do
    once there is some) or of permission; None for any other failure."""
    if out_of_space(folder, error):
        return disk_full(folder, then)
    reason, where = None, f"in {folder}"
    if isinstance(error, OSError) and error.errno in REFUSED:
        reason = error.strerror or "permission denied"
        name = error.filename2 or error.filename  # (a rename's target second)
        if name:
            where = f"{Path(name).name} in {Path(name).parent}"
    elif isinstance(error, RuntimeError) and (refusal := REFUSED_MESSAGE.search(str(error))):
        reason = refusal.group()
    if reason is None:
        return None
    return NotWritableError(
        f"Cannot write {where} ({reason.rstrip('.').lower()}): choose an output folder you can write "
        "to, or close what holds that file open (on Windows, its layer in QGIS), and run it again."
    )


def raise_for_write(folder: Path, error: OSError | RuntimeError, then: str) -> None:
    """Raise ``write_failure``'s error, if there is one. It raises rather than returns: a caller that
    held the error in a variable while raising it would keep it, its traceback and every frame on
    it (GDAL datasets, their files open) alive in a reference cycle until the garbage collector runs."""
    failure = write_failure(folder, error, then)
    if failure is not None:
        try:
            raise failure from None
        finally:
            del failure  # this frame is on its traceback


def out_of_space(folder: Path, error: OSError | RuntimeError) -> bool:
    """Whether writing in ``folder`` failed for lack of space: an OSError's number says so; GDAL's
    RuntimeError says so, or the disk has under 1 MB left (a close that cannot write the file's
    directory says "TIFFRewriteDirectory: Error fetching directory count")."""
    if isinstance(error, OSError):
        return error.errno in NO_SPACE
    if NO_SPACE_MESSAGE.search(str(error)):
        return True
    try:
        return shutil.disk_usage(folder).free < 1024 * 1024
    except OSError:
        return False


def one_line(value: object, limit: int = 80) -> str:
    """``value`` as it may appear inside a one-sentence message: control characters (a newline in
    a pasted area, a NUL in a catalog id) shown as ``?`` and cut to ``limit`` characters."""
    text = re.sub(r"[\x00-\x1f\x7f]", "?", str(value))
    return text if len(text) <= limit else text[:limit] + "..."
