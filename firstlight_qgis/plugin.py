"""QGIS wiring of FirstLight. The headless work lives in ``core``; this module only presents it.

``qgis_process`` (metadata ``hasProcessingProvider=yes``) calls ``classFactory(None)`` and then only
``initProcessing()``; the QGIS window calls ``initGui()``, which registers the same provider.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

PLUGIN_DIR = Path(__file__).resolve().parent
_TRANSLATION_NAMES = ("firstlight_{locale}.qm", "firstlight_qgis_{locale}.qm", "{locale}.qm")


def _locale() -> str:
    """The locale QGIS runs in (e.g. "pt_BR"): the user's override when set, else the system's."""
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        return str(settings.value("locale/userLocale", "") or "en_US")
    return QLocale.system().name()


def translation_file(locale: str | None = None) -> Path | None:
    """The compiled translation (.qm) for ``locale`` (full name, then language), if one ships."""
    locale = locale or _locale()
    for folder in (PLUGIN_DIR / "i18n", PLUGIN_DIR.parent / "i18n"):
        for code in dict.fromkeys((locale, locale.split("_")[0])):
            for pattern in _TRANSLATION_NAMES:
                candidate = folder / pattern.format(locale=code)
                if candidate.is_file():
                    return candidate
    return None


class FirstLightPlugin:
    """Loaded by QGIS through ``classFactory``; ``iface`` is None under ``qgis_process``."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface
        self.provider: Any = None
        self.translator: QTranslator | None = None
        self.dock_launcher: Any = None  # the dock's menu entry and toolbar button (the window only)

    def _install_translator(self) -> None:
        if self.translator is not None:
            return
        path = translation_file()
        if path is None:
            return
        translator = QTranslator()
        if translator.load(str(path)):
            QCoreApplication.installTranslator(translator)
            self.translator = translator

    def initProcessing(self) -> None:
        """Register the Processing provider (idempotent)."""
        if self.provider is not None:
            return
        self._install_translator()  # before the algorithms are created: their names are translated
        from .processing.provider import PROVIDER_ID, FirstLightProvider

        registry = QgsApplication.processingRegistry()
        if registry.providerById(PROVIDER_ID) is not None:
            return  # another instance registered it; QGIS would delete a duplicate on addProvider
        provider = FirstLightProvider()
        if registry.addProvider(provider):
            self.provider = provider

    def initGui(self) -> None:
        """The provider, and the FirstLight dock behind a Plugins menu entry and a toolbar button."""
        self.initProcessing()
        from .gui.launcher import DockLauncher

        self.dock_launcher = DockLauncher(self.iface)
        self.dock_launcher.init_gui()

    def unload(self) -> None:
        if self.dock_launcher is not None:
            self.dock_launcher.unload()
            self.dock_launcher = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
