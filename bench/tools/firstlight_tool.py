"""FirstLight, as ``ingest_scene`` fetches bands: ``clip_bands`` (clip to area) or
``download_bands`` (whole scene), with the default ``IngestOptions``; ``"file_size": false`` in
the job drops the catalog's ``file:size``, as Planetary Computer's items come. ``"ingest": true``
times the whole of ``ingest_scene`` instead: the fetch, then the stack, its validation, the flood
indices, the water mask, the quicklook and the manifest. Project venv."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root

from _common import fetch_item, job, report

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.bands import ResolvedAsset
from firstlight_qgis.core.catalog import scene_from_item
from firstlight_qgis.core.clip import clip_bands
from firstlight_qgis.core.download import download_bands
from firstlight_qgis.core.ingest import IngestOptions, ingest_scene


def _without_sizes(assets: dict[str, ResolvedAsset]) -> dict[str, ResolvedAsset]:
    """The assets as a catalog without ``file:size`` gives them (Planetary Computer, Landsat)."""
    return {band: replace(asset, file_size=None) for band, asset in assets.items()}


def main() -> None:
    spec = job()
    scene = scene_from_item(fetch_item(spec), catalog=spec["stac"])
    urls = {band: scene.band_urls[band] for band in spec["bands"]}
    options = IngestOptions()
    common = {
        "parallel_downloads": options.parallel_downloads,
        "max_retries": options.max_retries,
        "expected": scene.assets if spec.get("file_size", True) else _without_sizes(scene.assets),
        "timeout": options.timeout,
    }
    out = Path(spec["out"])
    area = parse_area(spec["bbox"], crs=spec["crs"]) if spec["bbox"] is not None else None
    began = time.perf_counter()
    if spec.get("ingest"):
        results = ingest_scene(scene, out, area=area, options=options).bands
    elif area is not None:
        results = clip_bands(urls, out, scene.id, area, crs=scene.crs, **common)  # as ingest_scene
    else:
        results = download_bands(urls, out, scene.id, **common)
    seconds = time.perf_counter() - began
    failed = {band: r.error for band, r in results.items() if not r.success}
    if failed:
        raise SystemExit(f"FirstLight failed: {failed}")
    report(seconds, written=sum(r.size_bytes for r in results.values()))


if __name__ == "__main__":
    main()
