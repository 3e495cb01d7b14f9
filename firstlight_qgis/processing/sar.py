"""SAR_THRESHOLD_DB and SAR_SPECKLE_WINDOW: how Sentinel-1 water is told, in ``firstlight:index`` and
``firstlight:ingest`` alike. Both optional, so that models saved before them still validate."""

from __future__ import annotations

from typing import Any

from qgis.core import QgsProcessingAlgorithm, QgsProcessingContext, QgsProcessingParameterNumber
from qgis.PyQt.QtCore import QCoreApplication

from ..core import speckle
from ..core.indices import SAR_WATER_DB
from .compat import FLAG_ADVANCED, NUMBER_DOUBLE, NUMBER_INTEGER

SAR_THRESHOLD_DB = "SAR_THRESHOLD_DB"
SAR_SPECKLE_WINDOW = "SAR_SPECKLE_WINDOW"


def add_sar_parameters(alg: QgsProcessingAlgorithm, advanced: bool) -> None:
    translate = QCoreApplication.translate
    threshold = QgsProcessingParameterNumber(
        SAR_THRESHOLD_DB,
        translate("FirstLight", "Sentinel-1 water threshold (dB)"),
        NUMBER_DOUBLE,
        SAR_WATER_DB,
        True,
        -40.0,
        0.0,
    )
    threshold.setHelp(
        translate("FirstLight", "Sentinel-1 pixels whose VV backscatter is below this are water.")
    )
    window = QgsProcessingParameterNumber(
        SAR_SPECKLE_WINDOW,
        translate("FirstLight", "Sentinel-1 speckle filter: median window (pixels, 0: none)"),
        NUMBER_INTEGER,
        speckle.WINDOW,
        True,
        0,
        speckle.MAX_WINDOW,
    )
    window.setHelp(
        translate(
            "FirstLight",
            "Radar speckle makes single pixels of wet fields fall below the threshold and single pixels "
            "of water rise above it: a pixel is water where the median of this many pixels square around "
            "it is below the threshold (odd; 0 for each pixel alone).",
        )
    )
    for definition in (threshold, window):
        if advanced:
            definition.setFlags(definition.flags() | FLAG_ADVANCED)
        alg.addParameter(definition)


def sar_values(
    alg: QgsProcessingAlgorithm, parameters: dict[str, Any], context: QgsProcessingContext
) -> tuple[float, int]:
    """The threshold (dB) and the speckle filter's window; ``InputError`` for a window it cannot take."""

    def given(name: str) -> bool:
        return parameters.get(name) not in (None, "")

    threshold = (
        alg.parameterAsDouble(parameters, SAR_THRESHOLD_DB, context) if given(SAR_THRESHOLD_DB) else None
    )
    window = (
        alg.parameterAsInt(parameters, SAR_SPECKLE_WINDOW, context) if given(SAR_SPECKLE_WINDOW) else None
    )
    return (
        SAR_WATER_DB if threshold is None else threshold,
        speckle.check_window(speckle.WINDOW if window is None else window),
    )
