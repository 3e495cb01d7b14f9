"""Polygons read back as a user's GIS would check them: burnt onto a raster's grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from osgeo import gdal


def burnt(package: str | Path, grid: str | Path) -> np.ndarray:
    """The ``code`` of the polygons in ``package`` burnt onto the pixels of the raster ``grid``
    (0 where no polygon lies)."""
    raster = gdal.Open(str(grid))
    target = gdal.GetDriverByName("MEM").Create("", raster.RasterXSize, raster.RasterYSize, 1, gdal.GDT_Byte)
    target.SetGeoTransform(raster.GetGeoTransform())
    target.SetProjection(raster.GetProjection())
    gdal.Rasterize(target, str(package), attribute="code")
    return target.ReadAsArray()
