"""Small Cloud-Optimised GeoTIFFs made at test time from the real Sentinel-2 fixture bands."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from osgeo import gdal

from tests.conftest import RASTER_FIXTURES, URUGUAY

# Canonical Sentinel-2 band -> file of the Uruguay fixture (all 20 m, EPSG:32722, UInt16).
URUGUAY_BANDS = {
    "blue": "B2_20m_20181224.tif",
    "green": "B3_20m_20181224.tif",
    "red": "B4_20m_20181224.tif",
    "nir": "B8_20m_20181224.tif",
    "swir16": "B11_20m_20181224.tif",
    "swir22": "B12_20m_20181224.tif",
}


def make_cog(
    band: str,
    destination: Path,
    *,
    pixels: int | None = None,
    resolution: float | None = None,
    blocksize: int = 256,
) -> Path:
    """A COG of a Uruguay band: the top-left ``pixels`` x ``pixels`` if given, resampled (nearest)
    to ``resolution`` metres if given, so tests can build 10 m and 20 m grids of one scene."""
    options: dict[str, object] = {
        "format": "COG",
        "creationOptions": [f"BLOCKSIZE={blocksize}", "COMPRESS=DEFLATE", "OVERVIEWS=NONE"],
    }
    if pixels is not None:
        options["srcWin"] = [0, 0, pixels, pixels]
    if resolution is not None:
        options.update(xRes=resolution, yRes=resolution, resampleAlg="nearest")
    destination.parent.mkdir(parents=True, exist_ok=True)
    gdal.Translate(str(destination), str(URUGUAY / URUGUAY_BANDS[band]), **options)
    return destination


DESERT = RASTER_FIXTURES / "s2_29RKH_20200219_desert"
TEN_METRE = ("blue", "green", "red", "nir")
WINDOW = (384, 320, 256, 256)  # xoff, yoff, xsize, ysize of the 20 m fixture: river and land
CANONICAL = ["blue", "green", "red", "nir", "swir16", "swir22"]


def build_uruguay_scene(folder: Path, window: tuple[int, int, int, int] = WINDOW) -> dict[str, Path]:
    """``<folder>/<band>.tif``: blue..nir at 10 m (nearest from 20 m), swir16/swir22 at 20 m."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for band, name in URUGUAY_BANDS.items():
        extra = {"xRes": 10, "yRes": 10, "resampleAlg": "nearest"} if band in TEN_METRE else {}
        gdal.Translate(str(folder / f"{band}.tif"), str(URUGUAY / name), srcWin=list(window), **extra)
        paths[band] = folder / f"{band}.tif"
    return paths


def copy_scene(template: dict[str, Path], folder: Path) -> dict[str, Path]:
    shutil.copytree(next(iter(template.values())).parent, folder)
    return {band: folder / path.name for band, path in template.items()}


def read(path: Path, band: int = 1) -> np.ndarray:
    dataset = gdal.Open(str(path))  # kept alive while its band is read (GDAL < 3.8 would crash)
    return dataset.GetRasterBand(band).ReadAsArray()


def value_at(path: Path, band: int, x: float, y: float) -> int:
    """The pixel value of ``band`` at map coordinates (x, y)."""
    dataset = gdal.Open(str(path))
    gt = dataset.GetGeoTransform()
    col, row = int((x - gt[0]) / gt[1]), int((y - gt[3]) / gt[5])
    return int(dataset.GetRasterBand(band).ReadAsArray(col, row, 1, 1)[0, 0])
