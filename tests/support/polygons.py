"""Polygons read back as a user's GIS would check them: burnt onto a raster's grid."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from osgeo import gdal


def burnt(package: str | Path, grid: str | Path) -> np.ndarray:
    """The ``code`` of the polygons in ``package`` burnt onto the pixels of the raster ``grid``
    (0 where no polygon lies)."""
    return _rasterized(package, grid, attribute="code")


def inside_area(area_file: str | Path, grid: str | Path) -> np.ndarray:
    """Which pixels of the raster ``grid`` have their centre in the area of ``area_file`` (any
    CRS: GDAL's rasterize reprojects it), as GDAL draws it, not as FirstLight does."""
    return _rasterized(area_file, grid, burnValues=[1]).astype(bool)


def _rasterized(vector: str | Path, grid: str | Path, **burn: object) -> np.ndarray:
    raster = gdal.Open(str(grid))
    target = gdal.GetDriverByName("MEM").Create("", raster.RasterXSize, raster.RasterYSize, 1, gdal.GDT_Byte)
    target.SetGeoTransform(raster.GetGeoTransform())
    target.SetProjection(raster.GetProjection())
    gdal.Rasterize(target, str(vector), **burn)
    return target.ReadAsArray()
