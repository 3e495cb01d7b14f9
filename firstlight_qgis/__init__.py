"""FirstLight for QGIS: STAC imagery to analysis-ready stacks and event indices."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def classFactory(iface: Any) -> Any:
    """QGIS entry point; ``iface`` is None under ``qgis_process``."""
    from .plugin import FirstLightPlugin

    return FirstLightPlugin(iface)
