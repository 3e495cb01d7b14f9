"""Processing provider and algorithms: thin adapters over ``firstlight_qgis.core``.

Import ``firstlight_qgis.processing.provider`` for ``FirstLightProvider``; this package imports QGIS,
the core never does.
"""
