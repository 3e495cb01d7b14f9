"""Error types of the headless core.

Every failure a user can cause or meet (bad input, an unreachable catalog, a band that will not
download, a stack that fails validation) is raised as a ``FirstLightError`` whose message is one
clear sentence: what was wrong and what to do. Callers (Processing algorithms, the dock) show
``str(error)`` and never a traceback.
"""

from __future__ import annotations

import errno
import re

# what an OSError says when a disk, or the user's quota on it, has no room left
NO_SPACE = frozenset({errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)})


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


class DiskFullError(DownloadError):
    """The output folder's disk (or quota) is full; what was written so far resumes next time."""


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


def one_line(value: object, limit: int = 80) -> str:
    """``value`` as it may appear inside a one-sentence message: control characters (a newline in
    a pasted area, a NUL in a catalog id) shown as ``?`` and cut to ``limit`` characters."""
    text = re.sub(r"[\x00-\x1f\x7f]", "?", str(value))
    return text if len(text) <= limit else text[:limit] + "..."
