"""Sentinel-1 scenes of the bundled sample's river, as Planetary Computer describes them: its real RTC
item (``pc_s1_rtc.json``) moved onto the sample's grid and re-dated, its VV and VH COGs simulated
from the sample's own water (its NDWI above 0). The backscatter is what C band gives: calm water at
-22 dB in VV, fields at -15 to -9 dB (brighter where the sample's near infrared is, with their
vegetation), VH 7 dB below VV, each pixel times the speckle of 4.4 looks (a gamma variable of mean
1, the item's ``sar:looks_equivalent_number``). The western columns are the swath's no data
(-32768)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from osgeo import gdal

from tests.conftest import FIXTURES
from tests.support.sample import SAMPLE
from tools.make_sample import ring_bbox, wgs84_ring

S1_ITEM = FIXTURES / "stac" / "pc_s1_rtc.json"
BEFORE_ID = "S1A_IW_GRDH_1SDV_20181210_UruguayRiver_rtc"
AFTER_ID = "S1A_IW_GRDH_1SDV_20190103_UruguayRiver_rtc"
LOOKS = 4.4
NODATA = -32768.0
SWATH_EDGE = 12  # the western columns beyond the swath
RISEN = 3  # pixels (60 m) the river rose out of its banks, every way


def river() -> np.ndarray:
    """The sample's water: where its NDWI (green, near infrared) is above 0."""
    green, nir = (
        gdal.Open(str(SAMPLE / f"{band}.tif")).ReadAsArray().astype(float) for band in ("green", "nir")
    )
    return green - nir > 0


def risen(water: np.ndarray, pixels: int = RISEN) -> np.ndarray:
    """``water`` out of its banks: grown ``pixels`` pixels up, down, left and right, step by step."""
    grown = water.copy()
    for _ in range(pixels):
        step = grown.copy()
        step[1:] |= grown[:-1]
        step[:-1] |= grown[1:]
        step[:, 1:] |= grown[:, :-1]
        step[:, :-1] |= grown[:, 1:]
        grown = step
    return grown


def seen(shape: tuple[int, int]) -> np.ndarray:
    """The pixels inside the swath."""
    inside = np.ones(shape, bool)
    inside[:, :SWATH_EDGE] = False
    return inside


def sentinel1_scene(
    folder: Path, scene_id: str, when: str, water: np.ndarray, seed: int, href: str
) -> dict[str, Any]:
    """The RTC item as ``scene_id`` dated ``when``, its ``vv.tif`` and ``vh.tif`` written in ``folder``
    (``water`` at -22 dB in VV), each asset's href ``href`` + its file name, with its size and bare
    MD5 checksum as Planetary Computer gives them."""
    folder.mkdir(parents=True, exist_ok=True)
    nir = gdal.Open(str(SAMPLE / "nir.tif"))
    reflectance = nir.ReadAsArray().astype(float)
    fields_db = -15 + 6 * reflectance / reflectance.max()
    rng = np.random.default_rng(seed)
    vv_db = np.where(water, -22.0, fields_db)
    item = copy.deepcopy(json.loads(S1_ITEM.read_text(encoding="utf-8")))
    item["id"], item["links"] = scene_id, []
    item["assets"] = {key: item["assets"][key] for key in ("vv", "vh")}
    for key, decibel in (("vv", vv_db), ("vh", vv_db - 7)):
        power = 10 ** (decibel / 10) * rng.gamma(LOOKS, 1 / LOOKS, water.shape)
        path = _write_cog(folder / f"{key}.tif", np.where(seen(water.shape), power, NODATA), nir)
        data = path.read_bytes()
        asset = item["assets"][key]
        asset.update(
            href=f"{href}{path.name}",
            **{"file:size": len(data), "file:checksum": hashlib.md5(data).hexdigest()},
        )
    properties = item["properties"]
    for key in ("proj:bbox", "proj:shape", "proj:transform", "s1:shape"):
        properties.pop(key, None)
    properties.update({"datetime": when, "start_datetime": when, "end_datetime": when, "proj:epsg": 32722})
    ring = wgs84_ring(gdal.Open(str(folder / "vv.tif")), inset=0)
    item["geometry"], item["bbox"] = {"type": "Polygon", "coordinates": [ring]}, ring_bbox(ring)
    return item


def _write_cog(path: Path, power: np.ndarray, grid: gdal.Dataset) -> Path:
    memory = gdal.GetDriverByName("MEM").Create("", grid.RasterXSize, grid.RasterYSize, 1, gdal.GDT_Float32)
    memory.SetGeoTransform(grid.GetGeoTransform())
    memory.SetProjection(grid.GetProjection())
    band = memory.GetRasterBand(1)
    band.SetNoDataValue(NODATA)
    band.WriteArray(power.astype(np.float32))
    gdal.GetDriverByName("COG").CreateCopy(
        str(path), memory, options=["COMPRESS=DEFLATE", "PREDICTOR=3", "BLOCKSIZE=256", "OVERVIEWS=NONE"]
    )
    return path


def sentinel1_catalog(root: Path) -> Path:
    """``root/items.json``: the river in its bed on 2018-12-10 (``BEFORE_ID``), and risen out of it
    (``risen``) on 2019-01-03 (``AFTER_ID``), seen from the same orbit."""
    water = river()
    items = [
        sentinel1_scene(root / "before", BEFORE_ID, "2018-12-10T08:51:00Z", water, 1, "./before/"),
        sentinel1_scene(root / "after", AFTER_ID, "2019-01-03T08:51:00Z", risen(water), 2, "./after/"),
    ]
    path = root / "items.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": items}), encoding="utf-8")
    return path
