"""GDAL settings FirstLight applies last only as long as its own work, and only on its thread:
QGIS and other plugins in the same process keep their configuration."""

from __future__ import annotations

import threading

from osgeo import gdal

from firstlight_qgis.core.gdalconfig import on_all_cores


def test_all_cores_is_set_for_the_call_on_its_thread_only_and_then_undone() -> None:
    seen: dict[str, str | None] = {}

    def elsewhere() -> None:
        seen["other thread"] = gdal.GetConfigOption("GDAL_NUM_THREADS")

    @on_all_cores
    def work() -> None:
        seen["inside"] = gdal.GetConfigOption("GDAL_NUM_THREADS")
        other = threading.Thread(target=elsewhere)
        other.start()
        other.join()

    gdal.SetConfigOption("GDAL_NUM_THREADS", "1")  # what the host application chose
    try:
        work()
        assert seen == {"inside": "ALL_CPUS", "other thread": "1"}
        assert gdal.GetConfigOption("GDAL_NUM_THREADS") == "1"
    finally:
        gdal.SetConfigOption("GDAL_NUM_THREADS", None)
