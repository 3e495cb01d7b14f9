"""Generate (once) the full-size Sentinel-2 benchmark scene in ``bench/data``.

Real pixels of the Uruguay River fixture (1017 x 866 px, 20 m), mirror-tiled without resampling to
real Sentinel-2 tile size: blue, green, red, nir at 10980 x 10980 (declared 10 m) and swir16, swir22
at 5490 x 5490 (20 m), on the fixture's own UTM 22S origin. Each band is streamed by strips of
512 rows into a plain tiled GeoTIFF, then turned into a COG (DEFLATE, predictor 2, 512 px blocks,
overviews) by GDAL's COG driver on both cores. ``scene.json`` records sizes and sha256 digests.

Run under the project venv (GDAL from Debian): ``.venv/bin/python bench/gen.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
from osgeo import gdal

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the repository root

from firstlight_qgis.core.gdalconfig import raising  # noqa: E402

FIXTURES = Path(os.environ.get("FIRSTLIGHT_FIXTURES", HERE.parent.parent / "shared" / "fixtures"))
URUGUAY = FIXTURES / "rasters" / "s2_20181224_uruguay_river_20m"
DATA = HERE / "data"

# band -> (fixture file, size in pixels, resolution in metres)
BANDS = {
    "blue": ("B2_20m_20181224.tif", 10980, 10.0),
    "green": ("B3_20m_20181224.tif", 10980, 10.0),
    "red": ("B4_20m_20181224.tif", 10980, 10.0),
    "nir": ("B8_20m_20181224.tif", 10980, 10.0),
    "swir16": ("B11_20m_20181224.tif", 5490, 20.0),
    "swir22": ("B12_20m_20181224.tif", 5490, 20.0),
}
ORIGIN = (300000.0, 7000000.0)  # the fixture's own top-left corner, EPSG:32722
EPSG = 32722
VERSION = 1  # bump to regenerate cached scenes when the recipe changes
_STRIP = 512


def mirrored(index: np.ndarray, size: int) -> np.ndarray:
    """Indices into a ``size``-long axis, reflected at both ends (0..n-1, n-1..0, 0..)."""
    period = index % (2 * size)
    return np.where(period < size, period, 2 * size - 1 - period)


def make_band(band: str, out: Path, scale: int = 1) -> dict[str, object]:
    """One band as a COG; ``scale`` divides its size (a small scene for the harness's smoke test)."""
    name, pixels, resolution = BANDS[band]
    pixels //= scale
    source = gdal.Open(str(URUGUAY / name))
    tile = source.GetRasterBand(1).ReadAsArray()
    nodata = source.GetRasterBand(1).GetNoDataValue()
    columns = mirrored(np.arange(pixels), tile.shape[1])
    plain = out.with_suffix(".plain.tif")
    driver = gdal.GetDriverByName("GTiff")
    dataset = driver.Create(
        str(plain), pixels, pixels, 1, gdal.GDT_UInt16, ["TILED=YES", "BLOCKXSIZE=512", "BLOCKYSIZE=512"]
    )
    dataset.SetGeoTransform((ORIGIN[0], resolution, 0.0, ORIGIN[1], 0.0, -resolution))
    dataset.SetProjection(source.GetProjection())
    target = dataset.GetRasterBand(1)
    if nodata is not None:
        target.SetNoDataValue(nodata)
    for row in range(0, pixels, _STRIP):
        rows = mirrored(np.arange(row, min(row + _STRIP, pixels)), tile.shape[0])
        target.WriteArray(tile[rows][:, columns], 0, row)
    target.SetDescription(band)
    dataset = target = None
    temp = out.with_suffix(".tmp.tif")
    gdal.Translate(
        str(temp),
        str(plain),
        format="COG",
        creationOptions=[
            "BLOCKSIZE=512",
            "COMPRESS=DEFLATE",
            "PREDICTOR=YES",
            "OVERVIEWS=AUTO",
            "RESAMPLING=NEAREST",
            "NUM_THREADS=2",
        ],
    )
    plain.unlink()
    digest = hashlib.sha256()
    with temp.open("rb") as handle:
        while chunk := handle.read(4 << 20):
            digest.update(chunk)
    os.replace(temp, out)
    return {
        "file": out.name,
        "size": out.stat().st_size,
        "sha256": digest.hexdigest(),
        "shape": [pixels, pixels],
        "resolution": resolution,
        "transform": [resolution, 0.0, ORIGIN[0], 0.0, -resolution, ORIGIN[1]],
    }


@raising  # the harness test runs it inside pytest, beside the core
def ensure_scene(data: Path = DATA, force: bool = False, scale: int = 1) -> dict[str, object]:
    """The scene description, generating the COGs first if they are missing or stale (``scale``
    divides the sizes: 10 gives a 11 km scene in seconds)."""
    data.mkdir(parents=True, exist_ok=True)
    info_path = data / "scene.json"
    if not force and info_path.exists():
        info = json.loads(info_path.read_text())
        if (
            info.get("version") == VERSION
            and info.get("scale", 1) == scale
            and all(
                (data / band["file"]).exists() and (data / band["file"]).stat().st_size == band["size"]
                for band in info["bands"].values()
            )
        ):
            return info
    began = time.monotonic()
    bands = {}
    for band in BANDS:
        started = time.monotonic()
        bands[band] = make_band(band, data / f"{band}.tif", scale)
        seconds = time.monotonic() - started
        print(f"  {band}: {bands[band]['size'] / 1e6:.0f} MB in {seconds:.1f} s", flush=True)
    info = {"version": VERSION, "scale": scale, "epsg": EPSG, "origin": list(ORIGIN), "bands": bands}
    info_path.write_text(json.dumps(info, indent=1))
    print(f"scene generated in {time.monotonic() - began:.0f} s", flush=True)
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="regenerate even if cached")
    args = parser.parse_args(argv)
    info = ensure_scene(force=args.force)
    total = sum(band["size"] for band in info["bands"].values())
    print(f"{DATA}: {total / 1e6:.0f} MB in {len(info['bands'])} COGs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
