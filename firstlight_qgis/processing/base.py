"""What every FirstLight algorithm shares: translation, icon, and one-sentence errors."""

from __future__ import annotations

from typing import Any

from qgis.core import (
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ..core.errors import FirstLightError
from .parameters import one_line
from .paths import icon_path

GROUP_IMAGERY = "imagery"
GROUP_INDICES = "indices"


class FirstLightAlgorithm(QgsProcessingAlgorithm):
    """Base of the FirstLight algorithms: thin adapters over ``firstlight_qgis.core``.

    Subclasses implement ``process`` instead of ``processAlgorithm``: a ``FirstLightError`` raised by the
    core becomes a ``QgsProcessingException`` carrying its one sentence, so the toolbox, models and
    ``qgis_process`` all show one clear line and no traceback.
    """

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

    def processAlgorithm(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        try:
            return self.process(parameters, context, feedback)
        except FirstLightError as error:
            raise QgsProcessingException(one_line(str(error))) from None

    def process(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        raise NotImplementedError
