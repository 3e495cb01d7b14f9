"""FirstLight for QGIS: STAC imagery to analysis-ready stacks and event indices."""

from __future__ import annotations

import sys
from typing import Any

__version__ = "0.1.0"
MINIMUM_PYTHON = (3, 11)  # the core and the bundled pystac / pystac-client need it


class _Unsupported:
    """Stands in for the plugin on a QGIS whose Python is too old: says so once, does nothing."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface

    def initGui(self) -> None:
        from qgis.core import Qgis, QgsMessageLog
        from qgis.PyQt.QtCore import QCoreApplication

        message = QCoreApplication.translate(
            "FirstLight",
            "FirstLight needs Python {0}.{1} or newer and this QGIS runs Python {2}.{3}: "
            "install QGIS 3.34 or newer.",
        ).format(*MINIMUM_PYTHON, *sys.version_info[:2])
        QgsMessageLog.logMessage(message, "FirstLight", Qgis.MessageLevel.Critical)
        if self.iface is not None:
            self.iface.messageBar().pushCritical("FirstLight", message)

    def unload(self) -> None:
        """Nothing was added."""


def classFactory(iface: Any) -> Any:
    """QGIS entry point; ``iface`` is None under ``qgis_process``."""
    if sys.version_info < MINIMUM_PYTHON:
        return _Unsupported(iface)
    from .plugin import FirstLightPlugin

    return FirstLightPlugin(iface)
