"""The real Sentinel-2 desert scene (tile 29RKH, 2020-02-19: 100 m bands, its SCL) as a local STAC
catalog: its real item, each asset a COG copy of the fixture's file, the SCL on its real 20 m grid
(the fixture's 200 m pixels repeated, so a window on 200 m edges holds the same shares). Its SCL
holds the tile's cloud in the north-east corner: 4 % of the scene, over half of that corner."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from osgeo import gdal

from tests.support.cogs import DESERT, read

DESERT_ID = "S2A_29RKH_20200219_0_L2A"
UTM29N = "EPSG:32629"
FILES = {
    "blue": "B02",
    "green": "B03",
    "red": "B04",
    "nir": "B08",
    "swir16": "B11",
    "swir22": "B12",
    "scl": "SCL",
}
SCL_ORIGIN = (199980.0, 2800020.0)  # the SCL's top-left corner; its pixels are 200 m
SCL_FLAGGED = (1, 3, 8, 9, 10)  # saturated, cloud shadow, cloud (medium, high), cirrus
# Areas on the SCL's pixel edges, (column, row, width, height) of its pixels: the north-east corner,
# under the tile's cloud, and the clear south-west.
NORTH_EAST = (450, 0, 75, 60)
SOUTH_WEST = (50, 400, 100, 100)


def utm_bounds(window: tuple[int, int, int, int]) -> list[float]:
    """(minx, miny, maxx, maxy) in UTM 29N of an SCL window."""
    column, row, width, height = window
    x0, y0 = SCL_ORIGIN
    return [x0 + 200 * column, y0 - 200 * (row + height), x0 + 200 * (column + width), y0 - 200 * row]


def scl_cloud_percent(scl: np.ndarray, window: tuple[int, int, int, int]) -> float:
    """The share of ``window``'s pixels with data that ``scl`` flags, counted here with numpy."""
    column, row, width, height = window
    part = scl[row : row + height, column : column + width]
    seen = part != 0
    return 100.0 * float((np.isin(part, SCL_FLAGGED) & seen).sum()) / float(seen.sum())


def desert_scene(
    folder: Path,
    scene_id: str = DESERT_ID,
    when: str = "2020-02-19T11:24:00Z",
    cloud: float | None = None,
    scl: Callable[[np.ndarray], None] | None = None,
    href: str = "./",
) -> dict[str, Any]:
    """The desert item as ``scene_id``, dated ``when``, its catalog cloud ``cloud`` (the real 4.05 %
    when None), its files COGs in ``folder`` (``scl`` edits its SCL in place), each asset's href
    ``href`` + its file name."""
    folder.mkdir(parents=True, exist_ok=True)
    item = copy.deepcopy(json.loads((DESERT / f"{DESERT_ID}.json").read_text(encoding="utf-8")))
    item["id"], item["links"] = scene_id, []
    item["properties"]["datetime"] = when
    if cloud is not None:
        item["properties"]["eo:cloud_cover"] = cloud
    item["assets"] = {key: item["assets"][key] for key in FILES}
    for key, name in FILES.items():
        source = gdal.Open(str(DESERT / f"{name}.tif"))
        if key == "scl" and scl is not None:
            values = read(DESERT / f"{name}.tif")
            scl(values)
            source = gdal.GetDriverByName("MEM").CreateCopy("", source)
            source.GetRasterBand(1).WriteArray(values)
        grid = {"xRes": 20, "yRes": 20, "resampleAlg": "nearest"} if key == "scl" else {}
        gdal.Translate(
            str(folder / f"{name}.tif"),
            source,
            format="COG",
            creationOptions=["BLOCKSIZE=256", "COMPRESS=DEFLATE", "OVERVIEWS=NONE"],
            **grid,
        )
        item["assets"][key]["href"] = f"{href}{name}.tif"
    return item


def write_catalog(path: Path, items: list[dict[str, Any]]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": items}), encoding="utf-8")
    return path


LATER_ID = "S2B_29RKH_20200224_0_L2A"  # 62 % cloudy as a whole, clear in the north-east corner


def _moved_cloud(scl: np.ndarray) -> None:
    """The north-east corner clear (bare soil); in the south-west, no data in the west half and bare
    soil in the east half."""
    column, row, width, height = NORTH_EAST
    scl[row : row + height, column : column + width] = 5
    column, row, width, height = SOUTH_WEST
    scl[row : row + height, column : column + width // 2] = 0
    scl[row : row + height, column + width // 2 : column + width] = 5


def two_scenes_catalog(root: Path, *more: dict[str, Any]) -> Path:
    """``root/items.json``: the real scene, and five days later ``LATER_ID``, 62 % cloudy as a whole
    and clear where the real one is cloudy (``_moved_cloud``); then ``more`` items."""
    items = [
        desert_scene(root / "real", href="./real/"),
        desert_scene(root / "later", LATER_ID, "2020-02-24T11:24:00Z", 62.0, _moved_cloud, "./later/"),
        *more,
    ]
    return write_catalog(root / "items.json", items)
