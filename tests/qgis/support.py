"""Constants and helpers shared by the QGIS-side tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import processing
from qgis.core import QgsProcessingContext, QgsProcessingFeedback

from tests.support.sample import ITEM_ID, SAMPLE  # noqa: F401 - re-exported for the QGIS tests

ROOT = Path(__file__).resolve().parents[2]
NO_NIR_ID = "S2_UruguayRiver_20181224_no_nir"
EVENT = "flood.riverine"
BANDS = ["blue", "green", "red", "nir", "swir16", "swir22"]
DATES = {"START_DATE": "2018-12-01", "END_DATE": "2018-12-31"}


class RecordingFeedback(QgsProcessingFeedback):
    """Keeps what an algorithm reports, to check its messages and progress."""

    def __init__(self) -> None:
        super().__init__()
        self.infos: list[str] = []
        self.warnings: list[str] = []
        self.errors: list[str] = []
        self.progress_values: list[float] = []
        self.progressChanged.connect(self.progress_values.append)

    def pushInfo(self, info: str) -> None:
        self.infos.append(info)

    def pushWarning(self, warning: str) -> None:
        self.warnings.append(warning)

    def reportError(self, error: str, fatalError: bool = False) -> None:
        self.errors.append(error)


def run(
    algorithm: Any,
    parameters: dict[str, Any],
    feedback: QgsProcessingFeedback | None = None,
    context: QgsProcessingContext | None = None,
) -> dict[str, Any]:
    """``processing.run`` as a user's script calls it."""
    return processing.run(algorithm, parameters, feedback=feedback or RecordingFeedback(), context=context)


def run_and_load(algorithm: Any, parameters: dict[str, Any], context: QgsProcessingContext) -> dict[str, Any]:
    """Run, then load the outputs into ``context.project()`` as the toolbox does on completion
    (``handleAlgorithmResults``: layers to load, then their post-processors)."""
    from processing.gui.Postprocessing import handleAlgorithmResults

    return processing.run(
        algorithm,
        parameters,
        onFinish=lambda alg, ctx, fb: handleAlgorithmResults(alg, ctx, fb, parameters=parameters),
        feedback=context.feedback(),
        context=context,
    )
