"""Error types of the headless core.

Every failure a user can cause or meet (bad input, an unreachable catalog, a band that will not
download, a stack that fails validation) is raised as a ``FirstLightError`` whose message is one
clear sentence: what was wrong and what to do. Callers (Processing algorithms, the dock) show
``str(error)`` and never a traceback.
"""

from __future__ import annotations


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
