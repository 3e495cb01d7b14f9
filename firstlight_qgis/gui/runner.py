"""Runs a FirstLight Processing algorithm in the background, the way the dock needs it.

``AlgorithmRun`` wraps ``QgsProcessingAlgRunnerTask`` (a ``QgsTask`` in QGIS's task manager): the
algorithm runs in a worker thread and touches neither the project nor a widget; its feedback
(progress, messages, errors) reaches the main thread as queued Qt signals, and ``finished`` is
emitted on the main thread with the results. ``cancel()`` cancels the feedback the algorithm polls.
"""

from __future__ import annotations

import time
from typing import Any

from qgis.core import (
    QgsApplication,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProject,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QObject, pyqtSignal

from .messages import tr


class RunError(Exception):
    """An algorithm could not be started; the message is one sentence for the user."""


class SignallingFeedback(QgsProcessingFeedback):
    """Processing feedback that re-emits every message as a signal (queued to the main thread)."""

    info = pyqtSignal(str)
    warning = pyqtSignal(str)
    error = pyqtSignal(str)

    def __init__(self) -> None:
        super().__init__(False)  # the dock logs under "FirstLight" itself, not under "Processing"

    def pushInfo(self, info: str) -> None:
        super().pushInfo(info)
        self.info.emit(info)

    def pushWarning(self, warning: str) -> None:
        super().pushWarning(warning)
        self.warning.emit(warning)

    def reportError(self, error: str, fatalError: bool = False) -> None:
        super().reportError(error, fatalError)
        self.error.emit(error)


class AlgorithmRun(QObject):
    """One run of ``algorithm_id`` with ``parameters`` as a task; emits ``finished(ok, results)``."""

    finished = pyqtSignal(bool, dict)

    def __init__(
        self, algorithm_id: str, parameters: dict[str, Any], project: QgsProject | None = None
    ) -> None:
        super().__init__()
        algorithm = QgsApplication.processingRegistry().algorithmById(algorithm_id)
        if algorithm is None:
            raise RunError(
                tr(
                    "The Processing algorithm {id} is not available: enable the FirstLight plugin again."
                ).format(id=algorithm_id)
            )
        self.algorithm_id = algorithm_id
        self.parameters = dict(parameters)
        self.context = QgsProcessingContext()
        self.context.setProject(project or QgsProject.instance())
        self.feedback = SignallingFeedback()
        self.context.setFeedback(self.feedback)
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.feedback.error.connect(self._on_error)  # bound methods of this QObject: queued to its thread
        self.feedback.warning.connect(self._on_warning)
        ok, problem = algorithm.checkParameterValues(self.parameters, self.context)
        if not ok:
            raise RunError(problem or tr("The parameters of {id} are not valid.").format(id=algorithm_id))
        self.task: QgsProcessingAlgRunnerTask | None = QgsProcessingAlgRunnerTask(
            algorithm, self.parameters, self.context, self.feedback
        )
        self.task.executed.connect(self._executed)
        self.started_at: float | None = None
        self.cancel_requested_at: float | None = None
        self.finished_at: float | None = None
        self.ok: bool | None = None
        self.results: dict[str, Any] = {}

    def start(self) -> None:
        self.started_at = time.monotonic()
        QgsApplication.taskManager().addTask(self.task)

    @property
    def running(self) -> bool:
        return self.started_at is not None and self.finished_at is None

    @property
    def canceled(self) -> bool:
        """Cancelled from the dock, or from QGIS's task manager (which cancels the feedback)."""
        return self.cancel_requested_at is not None or self.feedback.isCanceled()

    def cancel(self) -> None:
        if not self.running or self.canceled:
            return
        self.cancel_requested_at = time.monotonic()
        self.feedback.cancel()  # what the algorithm and the core poll
        if self.task is not None and not sip.isdeleted(self.task):
            self.task.cancel()

    def seconds_to_stop(self) -> float | None:
        """How long the run took to stop after ``cancel()`` (None when it was not cancelled)."""
        if self.cancel_requested_at is None or self.finished_at is None:
            return None
        return self.finished_at - self.cancel_requested_at

    def _on_error(self, text: str) -> None:
        self.errors.append(text)

    def _on_warning(self, text: str) -> None:
        self.warnings.append(text)

    def _executed(self, ok: bool, results: dict[str, Any]) -> None:
        self.finished_at = time.monotonic()
        self.ok = bool(ok) and not self.feedback.isCanceled()
        self.results = dict(results or {})
        self.task = None  # the task manager deletes it
        try:
            self.finished.emit(self.ok, self.results)
        finally:
            self.release()

    def release(self) -> None:
        """Drop the layers the run left in its context (the AREA file opened by OGR...): they must
        not wait for Python's garbage collector, which may run after QGIS has shut GDAL down."""
        self.context.temporaryLayerStore().removeAllMapLayers()
