"""The raster files the index algorithms read and write: FirstLight's core works on files that
GDAL opens, not on QGIS layers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from qgis.core import QgsProcessingFeedback, QgsRasterLayer

from ..core.errors import InputError

_GEOTIFF = (".tif", ".tiff")


def gdal_source(layer: QgsRasterLayer | None, what: str) -> str:
    """What GDAL opens for ``layer``, the ``what`` parameter's value."""
    if layer is None:
        raise InputError(f"The {what} is not a raster layer or file QGIS can open: check the value.")
    if layer.providerType() != "gdal":
        raise InputError(
            f"The {what} {layer.name()} is a {layer.providerType()} layer, not a file: "
            "save it as GeoTIFF first."
        )
    return layer.source().split("|")[0]


def geotiff_output(path: str, what: str) -> str:
    """``path``, the ``what`` output (empty when skipped), if it is a GeoTIFF: the core writes no other."""
    if path and Path(path).suffix.lower() not in _GEOTIFF:
        raise InputError(f"The {what} {Path(path).name} must be a GeoTIFF (.tif): change its extension.")
    return path


def progress_of(feedback: QgsProcessingFeedback) -> Callable[[float], None]:
    """The core's fraction done as Processing's percentage."""
    return lambda fraction: feedback.setProgress(100.0 * fraction)
