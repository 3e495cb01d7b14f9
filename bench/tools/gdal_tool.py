"""GDAL: ``gdal_translate -projwin`` over ``/vsicurl/``, one per band, six in parallel.

Run in-process (``gdal.Translate``, the library call behind the command, one thread per band) so
it is timed like the other tools, without process start-up. GDAL_DISABLE_READDIR_ON_OPEN=EMPTY_DIR,
the setting that matters most for COGs over HTTP; default creation options (plain GeoTIFF), as
the command writes. Project venv (Debian's GDAL)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import band_hrefs, fetch_item, job, report
from osgeo import gdal

gdal.UseExceptions()


def main() -> None:
    spec = job()
    hrefs = band_hrefs(fetch_item(spec), spec["bands"])
    gdal.SetConfigOption("GDAL_DISABLE_READDIR_ON_OPEN", "EMPTY_DIR")
    minx, miny, maxx, maxy = spec["bbox"]
    out = Path(spec["out"])
    out.mkdir(parents=True, exist_ok=True)

    def translate(band: str) -> None:
        gdal.Translate(str(out / f"{band}.tif"), "/vsicurl/" + hrefs[band], projWin=[minx, maxy, maxx, miny])

    began = time.perf_counter()
    with ThreadPoolExecutor(len(hrefs)) as pool:
        list(pool.map(translate, hrefs))
    report(time.perf_counter() - began)


if __name__ == "__main__":
    main()
