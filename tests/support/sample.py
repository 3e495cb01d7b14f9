"""The bundled sample scene (resources/sample) as tests serve it: copied, and on an HTTP server."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from osgeo import gdal

from tests.support.asset_server import AssetServer
from tools.make_sample import ring_bbox, wgs84_ring

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "resources" / "sample"
ITEM_ID = "S2_UruguayRiver_20181224_sample"
BURNT_ID = "S2_UruguayRiver_20190103_burnt"
FLOODED_ID = "S2_UruguayRiver_20190103_flooded"
# Where the fire of ``burn_sample`` went and where the flood of ``flood_sample`` stands: (column,
# row, width, height) in the sample's 20 m pixels, fields inside area.geojson (NBR about 0.45).
BURNT_WINDOW = (60, 300, 80, 80)
FLOODED_WINDOW = (300, 60, 80, 80)


def copy_sample(destination: Path) -> Path:
    """The sample's files copied into ``destination`` (tests never touch the originals)."""
    destination.mkdir(parents=True, exist_ok=True)
    for path in SAMPLE.iterdir():
        shutil.copy2(path, destination / path.name)
    return destination


def served_item(server: AssetServer, scene_id: str = ITEM_ID) -> dict[str, Any]:
    """The sample's STAC item, renamed ``scene_id``, its asset hrefs on ``server``."""
    item = json.loads((SAMPLE / f"{ITEM_ID}.json").read_text(encoding="utf-8"))
    item["id"] = scene_id
    item["links"] = []
    for asset in item["assets"].values():
        asset["href"] = server.url(asset["href"].removeprefix("./"))
    return item


def burn_sample(folder: Path) -> None:
    """Make the sample copied in ``folder`` a post-fire scene: in ``BURNT_WINDOW`` its near infrared
    falls to 40 % and its 2.2 µm shortwave infrared doubles, as over a fresh burn scar (NBR from
    about 0.45 to below 0)."""
    _scale(folder, BURNT_WINDOW, {"nir": 0.4, "swir22": 2.0})


def flood_sample(folder: Path) -> None:
    """Make the sample copied in ``folder`` a flooded scene: in ``FLOODED_WINDOW`` the fields' near
    and shortwave infrared fall to 5 %, as under water (NDWI from below 0 to above)."""
    _scale(folder, FLOODED_WINDOW, {"nir": 0.05, "swir16": 0.05, "swir22": 0.05})


def _scale(folder: Path, where: tuple[int, int, int, int], factors: dict[str, float]) -> None:
    """The bands ``factors`` names, in ``folder``, multiplied by their factor in the window ``where``;
    written back as COGs like the sample's; no data (0) stays 0."""
    column, row, width, height = where
    for band, factor in factors.items():
        path = folder / f"{band}.tif"
        copy_in_memory = gdal.GetDriverByName("MEM").CreateCopy("", gdal.Open(str(path)))
        values = copy_in_memory.GetRasterBand(1).ReadAsArray()
        window = values[row : row + height, column : column + width]
        burnt = np.clip(np.round(window * factor), 1, 65535).astype(np.uint16)
        window[:] = np.where(window == 0, 0, burnt)
        copy_in_memory.GetRasterBand(1).WriteArray(values)
        gdal.GetDriverByName("COG").CreateCopy(
            str(path), copy_in_memory, options=["COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKSIZE=256"]
        )


def item_of(folder: Path, scene_id: str, when: str, href: str = "./") -> dict[str, Any]:
    """The sample's STAC item for the copy of its files in ``folder``, renamed ``scene_id``, dated
    ``when`` (ISO), each asset's href ``href`` + its file name and its size and checksum those of
    the file there."""
    item = copy.deepcopy(json.loads((SAMPLE / f"{ITEM_ID}.json").read_text(encoding="utf-8")))
    item["id"] = scene_id
    item["links"] = []
    item["properties"]["datetime"] = when
    for asset in item["assets"].values():
        name = asset["href"].removeprefix("./")
        asset["href"] = f"{href}{name}"
        if "file:size" in asset:
            data = (folder / name).read_bytes()
            asset["file:size"] = len(data)
            asset["file:checksum"] = "1220" + hashlib.sha256(data).hexdigest()
    return item


def fire_catalog(root: Path) -> Path:
    """A local ItemCollection in ``root``: the sample (2018-12-24, before a fire) and its copy
    burnt by ``burn_sample`` (``BURNT_ID``, 2019-01-03), each in a folder of its own."""
    return _before_and_after(root, BURNT_ID, burn_sample)


def flood_catalog(root: Path) -> Path:
    """``fire_catalog`` for a flood: the sample, then its copy flooded by ``flood_sample``
    (``FLOODED_ID``, 2019-01-03)."""
    return _before_and_after(root, FLOODED_ID, flood_sample)


def _before_and_after(root: Path, after_id: str, change: Callable[[Path], None]) -> Path:
    before, after = copy_sample(root / "before"), copy_sample(root / "after")
    change(after)
    items = [
        item_of(before, ITEM_ID, "2018-12-24T13:37:00Z", "./before/"),
        item_of(after, after_id, "2019-01-03T13:37:00Z", "./after/"),
    ]
    path = root / "items.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": items}), encoding="utf-8")
    return path


WEST_ID = "S2_UruguayRiver_20181224_west"
EAST_ID = "S2_UruguayRiver_20181224_east"
# The columns of the sample (512 wide) each half holds: they overlap by 64, as adjacent tiles do.
HALVES = {WEST_ID: (0, 288), EAST_ID: (224, 288)}


def split_catalog(root: Path) -> Path:
    """A local ItemCollection in ``root`` of the sample cut in two scenes of the same day, a west and
    an east one (``HALVES``), as an area over two Sentinel-2 tiles meets them: each a folder of COGs
    of its columns, its item's footprint its own."""
    items = []
    for scene_id, (column, width) in HALVES.items():
        folder = copy_sample(root / scene_id)
        for band in ("blue", "green", "red", "nir", "swir16", "swir22"):
            path = folder / f"{band}.tif"
            part = gdal.Translate("", str(path), format="MEM", srcWin=[column, 0, width, 512])
            gdal.GetDriverByName("COG").CreateCopy(
                str(path), part, options=["COMPRESS=DEFLATE", "PREDICTOR=2", "BLOCKSIZE=256"]
            )
        item = item_of(folder, scene_id, "2018-12-24T13:37:00Z", f"./{scene_id}/")
        ring = wgs84_ring(gdal.Open(str(folder / "nir.tif")), inset=0)
        item["geometry"], item["bbox"] = {"type": "Polygon", "coordinates": [ring]}, ring_bbox(ring)
        for key in ("proj:shape", "proj:transform", "proj:bbox"):
            item["properties"].pop(key, None)
        items.append(item)
    path = root / "items.json"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": items}), encoding="utf-8")
    return path


def window_pixels(window: tuple[int, int, int, int], grid: Path) -> tuple[slice, slice]:
    """A window of the sample's 20 m pixels (``BURNT_WINDOW``, say) as rows and columns of the
    raster ``grid`` (a product of an ingest of the sample, clipped or not)."""
    west, cell, _, north, _, _ = gdal.Open(str(grid)).GetGeoTransform()
    sample_west, _, _, sample_north, _, _ = gdal.Open(str(SAMPLE / "nir.tif")).GetGeoTransform()
    column, row, width, height = window
    first_column = round((sample_west + column * 20 - west) / cell)
    first_row = round((north - (sample_north - row * 20)) / cell)
    scale = round(20 / cell)
    return slice(first_row, first_row + height * scale), slice(first_column, first_column + width * scale)
