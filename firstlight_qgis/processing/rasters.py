"""The raster files the index algorithms read and write: FirstLight's core works on files that
GDAL opens, not on QGIS layers."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from osgeo import gdal
from qgis.core import (
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingParameterRasterLayer,
    QgsRasterLayer,
)

from ..core.errors import InputError
from ..core.gdalconfig import thread_config
from .base import FirstLightAlgorithm

_GEOTIFF = (".tif", ".tiff")
# A raster opened so: GDAL keeps what it learns of it (statistics) to itself, no .aux.xml.
_NO_SIDECAR = {"GDAL_PAM_ENABLED": "NO"}


@contextlib.contextmanager
def untouched_inputs() -> Iterator[None]:
    """QGIS opening an input raster as a layer, in this block, leaves the user's file as it was and
    says nothing: a layer computes its statistics for its default style, which GDAL would save in a
    ``.aux.xml`` beside the file, and for a raster of no data it prints "Failed to compute
    statistics" before FirstLight's own sentence. On this thread only: QGIS's own work goes on."""
    with thread_config(_NO_SIDECAR):
        gdal.PushErrorHandler("CPLQuietErrorHandler")
        try:
            yield
        finally:
            gdal.PopErrorHandler()


class RasterInput(QgsProcessingParameterRasterLayer):
    """A raster layer parameter that QGIS opens within ``untouched_inputs`` when it checks a value:
    that is where it opens the layer first, and qgis_process does so before any of the algorithm's
    own code runs."""

    def checkValueIsAcceptable(self, value: Any, context: QgsProcessingContext | None = None) -> bool:
        with untouched_inputs():
            return super().checkValueIsAcceptable(value, context)


class RasterInputAlgorithm(FirstLightAlgorithm):
    """An algorithm whose inputs are ``RasterInput``s: a run whose values were not checked opens
    them when it starts, within ``untouched_inputs`` too."""

    def prepareAlgorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> bool:
        with untouched_inputs():
            return super().prepareAlgorithm(parameters, context, feedback)


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


def progress_of(
    feedback: QgsProcessingFeedback, start: float = 0.0, end: float = 1.0
) -> Callable[[float], None]:
    """The core's fraction done as Processing's percentage; for one of a run's passes, mapped onto
    its ``start``..``end`` share of the run, so the bar never goes back."""
    return lambda fraction: feedback.setProgress(100.0 * (start + (end - start) * fraction))
