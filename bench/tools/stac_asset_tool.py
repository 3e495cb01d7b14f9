"""stac-asset: ``download_item`` of the six band assets (whole files, its default concurrency).
Bench venv."""

from __future__ import annotations

import asyncio
import time

import pystac
import stac_asset
from _common import fetch_item, job, report


def main() -> None:
    spec = job()
    item = pystac.Item.from_dict(fetch_item(spec))
    config = stac_asset.Config(include=list(spec["bands"]))
    began = time.perf_counter()
    asyncio.run(stac_asset.download_item(item, spec["out"], config=config))
    report(time.perf_counter() - began)


if __name__ == "__main__":
    main()
