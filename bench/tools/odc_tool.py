"""odc-stac: ``odc.stac.load`` of the six bands on the area's 10 m grid (six reader threads, the
cloud defaults of ``configure_rio``), then the dataset written to one GeoTIFF. Bench venv."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import odc.stac
import pystac
import rasterio
from _common import fetch_item, job, report
from odc.geo.geobox import GeoBox


def main() -> None:
    spec = job()
    item = pystac.Item.from_dict(fetch_item(spec))
    odc.stac.configure_rio(cloud_defaults=True)
    geobox = GeoBox.from_bbox(tuple(spec["bbox"]), crs=spec["crs"], resolution=10)
    out = Path(spec["out"])
    out.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    data = odc.stac.load([item], bands=spec["bands"], geobox=geobox, pool=6, resampling="nearest")
    loaded = time.perf_counter() - began
    height, width = geobox.shape
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": len(spec["bands"]),
        "dtype": "uint16",
        "crs": spec["crs"],
        "transform": geobox.affine,
        "tiled": True,
        "blockxsize": 512,
        "blockysize": 512,
        "BIGTIFF": "IF_SAFER",
    }
    with rasterio.open(out / "stack.tif", "w", **profile) as target:
        for index, band in enumerate(spec["bands"], start=1):
            target.write(np.asarray(data[band].values[0]), index)
    report(time.perf_counter() - began, load_s=loaded)


if __name__ == "__main__":
    main()
