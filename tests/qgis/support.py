"""Constants and helpers shared by the QGIS-side tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import processing
import pytest
from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProcessingFeedback
from qgis.PyQt.QtCore import QCoreApplication, QEventLoop

from tests.support.sample import ITEM_ID, SAMPLE  # noqa: F401 - re-exported for the QGIS tests

ROOT = Path(__file__).resolve().parents[2]
NO_NIR_ID = "S2_UruguayRiver_20181224_no_nir"
EVENT = "flood.riverine"
BANDS = ["blue", "green", "red", "nir", "swir16", "swir22"]
DATES = {"START_DATE": "2018-12-01", "END_DATE": "2018-12-31"}


def ingest_parameters(
    catalog: str | Path, area_file: str, output: Path, event: str = EVENT, dates: dict | None = None, **extra
) -> dict[str, Any]:
    """firstlight:ingest's parameters over the sample's area: ``catalog``, ``event`` and ``dates``
    (``DATES`` unless given), into ``output``; ``extra`` adds or overrides any."""
    given = {"AREA": area_file, "EVENT": event, **(dates or DATES), "CATALOG": str(catalog)}
    return given | {"OUTPUT_FOLDER": str(output)} | extra


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
    """``processing.run`` as a user's script calls it. Its exception is raised anew, out of the
    handler: the original's traceback holds ``processing.run``'s frames and their context (with
    the AREA layer), which pytest keeps; after the session's last test they would be dropped after
    QGIS has exited, and the layer's close would crash."""
    try:
        return processing.run(
            algorithm, parameters, feedback=feedback or RecordingFeedback(), context=context
        )
    except QgsProcessingException as error:
        message = str(error)
    raise QgsProcessingException(message)


def our_line(error: QgsProcessingException) -> str:
    """FirstLight's one line in a failed run's exception: ``processing.run`` puts "Unable to execute
    algorithm" before it when a parameter check failed."""
    lines = str(error).splitlines()
    assert lines and len(lines) <= 2, lines
    if len(lines) == 2:
        assert lines[0] == "Unable to execute algorithm"
    assert "Traceback" not in str(error)
    return lines[-1]


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


def pump(seconds: float = 0.0) -> None:
    """Run the Qt event loop for ``seconds`` (at least once)."""
    deadline = time.monotonic() + seconds
    while True:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        if time.monotonic() >= deadline:
            return
        time.sleep(0.005)


def wait_until(condition: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> None:
    """Run the event loop until ``condition()`` is true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)
