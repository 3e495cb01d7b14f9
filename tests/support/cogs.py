"""Small Cloud-Optimised GeoTIFFs made at test time from the real Sentinel-2 fixture bands."""

from __future__ import annotations

from pathlib import Path

from osgeo import gdal

from tests.conftest import URUGUAY

gdal.UseExceptions()

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
