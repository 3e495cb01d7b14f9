"""What every FirstLight algorithm shares: translation, icon, and one-sentence errors."""

from __future__ import annotations

import math
from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..core import errors
from ..core.errors import FirstLightError
from .compat import NUMBER_INTEGER
from .parameters import one_line
from .paths import icon_path

GROUP_IMAGERY = "imagery"
GROUP_INDICES = "indices"


class FirstLightAlgorithm(QgsProcessingAlgorithm):
    """Base of the FirstLight algorithms: thin adapters over ``firstlight_qgis.core``.

    Subclasses implement ``process`` instead of ``processAlgorithm``: a ``FirstLightError`` raised by the
    core becomes a ``QgsProcessingException`` carrying its one sentence, so the toolbox, models and
    ``qgis_process`` all show one clear line and no traceback. What a run needs from the project's
    layers, a subclass reads in ``read_layers``, and ``process`` finds it in ``self.from_layers``.
    """

    from_layers: Any = None
    _layers_error: FirstLightError | None = None

    def tr(self, text: str) -> str:
        return QCoreApplication.translate("FirstLight", text)

    def group(self) -> str:
        """The title of ``groupId()``'s group, as the toolbox shows it."""
        titles = {
            GROUP_IMAGERY: QCoreApplication.translate("FirstLight", "Imagery"),
            GROUP_INDICES: QCoreApplication.translate("FirstLight", "Indices"),
        }
        return titles[self.groupId()]

    def createInstance(self) -> QgsProcessingAlgorithm:
        return type(self)()

    def icon(self) -> QIcon:
        return QIcon(str(icon_path()))

    def svgIconPath(self) -> str:
        return str(icon_path())

    def checkParameterValues(
        self, parameters: dict[str, Any], context: QgsProcessingContext
    ) -> tuple[bool, str]:
        """QGIS's checks, but a number outside its range says which range it has, and a choice not
        among its options which options it has: QGIS says only "Incorrect parameter value for
        PARALLEL_DOWNLOADS"."""
        explain = {"number": number_range_problem, "enum": choice_problem}
        for definition in self.parameterDefinitions():
            value = parameters.get(definition.name())
            if definition.type() not in explain or value is None:
                continue
            if not definition.checkValueIsAcceptable(value, context) or _nan(value):
                return False, explain[definition.type()](definition, value)
        return super().checkParameterValues(parameters, context)

    def prepareAlgorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> bool:
        """Reads the layers now: QGIS calls this on the main thread, and ``process`` on a worker, where
        looking a layer up while the dock replaces another crashed QGIS.

        A bad value waits for ``processAlgorithm`` to raise it: an error raised here reaches
        ``processing.run`` only as "There were errors executing the algorithm".
        """
        try:
            self.from_layers = self.read_layers(parameters, context)
        except FirstLightError as error:
            self._layers_error = error
        return True

    def read_layers(self, parameters: dict[str, Any], context: QgsProcessingContext) -> Any:
        """What ``process`` needs from the layers the parameters name; nothing unless overridden."""
        return None

    def processAlgorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        try:
            if self._layers_error is not None:
                raise self._layers_error
            return self.process(parameters, context, feedback)
        except FirstLightError as error:
            raise QgsProcessingException(one_line(str(error))) from None

    def process(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        raise NotImplementedError


def number_range_problem(definition: Any, value: object) -> str:
    """What a number parameter takes, for a value it does not (``QgsProcessingParameterNumber``)."""
    kind = (
        QCoreApplication.translate("FirstLight", "a whole number")
        if definition.dataType() == NUMBER_INTEGER
        else QCoreApplication.translate("FirstLight", "a number")
    )
    low, high = definition.minimum(), definition.maximum()  # unbounded: +-DBL_MAX
    if low > -1e300 and high < 1e300:
        wanted = QCoreApplication.translate("FirstLight", "{kind} from {low:g} to {high:g}")
    elif low > -1e300:
        wanted = QCoreApplication.translate("FirstLight", "{kind} of at least {low:g}")
    elif high < 1e300:
        wanted = QCoreApplication.translate("FirstLight", "{kind} of at most {high:g}")
    else:
        wanted = "{kind}"
    return QCoreApplication.translate("FirstLight", "{name} takes {wanted}, not {value}.").format(
        name=definition.name(),
        wanted=wanted.format(kind=kind, low=low, high=high),
        value=errors.one_line(value, 40),
    )


def choice_problem(definition: Any, value: object) -> str:
    """What a choice parameter takes, for a value it does not (``QgsProcessingParameterEnum``, whose
    choices are given by name: the names, not their numbers)."""
    return QCoreApplication.translate("FirstLight", "{name} takes one of {options}, not {value}.").format(
        name=definition.name(), options=", ".join(definition.options()), value=errors.one_line(value, 40)
    )


def _nan(value: object) -> bool:
    """Whether ``value`` reads as NaN, which QGIS takes for a number in any range (and then reads
    as -2147483648 where a whole number is asked for)."""
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
