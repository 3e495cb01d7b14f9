"""The FirstLight dock in the QGIS window: area map tool, search, scenes table, ingest task.

Everything here runs on the main thread and drives the Processing algorithms of
``firstlight_qgis.processing`` through ``QgsProcessingAlgRunnerTask``; no work is done here that the
toolbox, a model or ``qgis_process`` could not do with the same algorithms.
"""
