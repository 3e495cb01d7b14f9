"""QGIS wiring of FirstLight. The headless work lives in ``core``; this module only presents it."""

from __future__ import annotations

from typing import Any


class FirstLightPlugin:
    """Loaded by QGIS through ``classFactory``; ``iface`` is None under ``qgis_process``."""

    def __init__(self, iface: Any) -> None:
        self.iface = iface

    def initGui(self) -> None:
        """Nothing to add to the window yet: the Processing provider and dock come next."""

    def unload(self) -> None:
        """Nothing to remove yet."""
