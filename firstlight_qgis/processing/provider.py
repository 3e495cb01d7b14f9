"""The FirstLight Processing provider: ``firstlight:discover``, ``:ingest``, ``:index``,
``:burnseverity`` and ``:floodextent``."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from .. import __version__
from .change import BurnSeverityAlgorithm, FloodExtentAlgorithm
from .discover import DiscoverAlgorithm
from .index import IndexAlgorithm
from .ingest import IngestAlgorithm
from .paths import icon_path
from .polygons import PolygonsAlgorithm

PROVIDER_ID = "firstlight"


class FirstLightProvider(QgsProcessingProvider):
    """Registered by the plugin's ``initProcessing``, so the toolbox, models and qgis_process see it."""

    def id(self) -> str:
        return PROVIDER_ID

    def name(self) -> str:
        return QCoreApplication.translate("FirstLight", "FirstLight")

    def longName(self) -> str:
        return QCoreApplication.translate(
            "FirstLight", "FirstLight {version}: STAC imagery to event indices"
        ).format(version=__version__)

    def versionInfo(self) -> str:
        return __version__

    def icon(self) -> QIcon:
        return QIcon(str(icon_path()))

    def svgIconPath(self) -> str:
        return str(icon_path())

    def supportedOutputRasterLayerExtensions(self) -> list[str]:
        return ["tif"]  # the core writes GeoTIFF

    def loadAlgorithms(self) -> None:
        for algorithm in (
            DiscoverAlgorithm(),
            IngestAlgorithm(),
            IndexAlgorithm(),
            BurnSeverityAlgorithm(),
            FloodExtentAlgorithm(),
            PolygonsAlgorithm(),
        ):
            self.addAlgorithm(algorithm)
