"""Run FirstLight's main job on the bundled offline sample: discover, ingest, report.

The sample (``resources/sample``) is a real Sentinel-2 crop of the Uruguay River exposed as a
local STAC catalog, so this runs with no network. ``make demo`` calls it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from firstlight_qgis.core.area import parse_area  # noqa: E402
from firstlight_qgis.core.catalog import discover  # noqa: E402
from firstlight_qgis.core.errors import FirstLightError  # noqa: E402
from firstlight_qgis.core.ingest import IngestOptions, ingest_scene  # noqa: E402

SAMPLE = ROOT / "resources" / "sample"
EVENT = "flood.riverine"


def _progress(band: str, status: str, fraction: float) -> None:
    if status in ("done", "skipped", "failed"):
        print(f"  {band:<8} {status}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "demo-output", help="folder for the results")
    parser.add_argument("--whole-scene", action="store_true", help="download whole band files")
    args = parser.parse_args(argv)
    try:
        area = parse_area(SAMPLE / "area.geojson")
        scenes = discover(
            area, EVENT, "2018-12-01", "2018-12-31", max_cloud=30, catalog=str(SAMPLE / "catalog.json")
        )
        if not scenes:
            print("No scene found in the bundled sample catalog.", file=sys.stderr)
            return 1
        scene = scenes[0]
        print(
            f"Found {len(scenes)} scene(s); ingesting {scene.id} "
            f"({scene.coverage_percent:.0f}% of the area, cloud {scene.cloud_cover}%)"
        )
        result = ingest_scene(
            scene,
            args.output,
            area=area,
            event=EVENT,
            options=IngestOptions(clip_to_area=not args.whole_scene, polygons=True),
            progress=_progress,
        )
    except FirstLightError as error:
        print(f"FirstLight: {error}", file=sys.stderr)
        return 1
    water = result.water_mask
    print(
        f"Stack:      {result.stack.path} ({result.stack.band_count} bands: "
        f"{', '.join(result.stack.band_mapping)})"
    )
    for name, index in result.indices.items():
        print(f"{name + ':':<11} {index.path}")
    if water is not None and water.positive_fraction is not None:
        print(f"Water:      {water.positive_fraction:.1%} of the valid pixels")
    if result.polygons is not None:
        print(f"Polygons:   {result.polygons.path} ({result.polygons.features} polygons)")
    print(f"Quicklook:  {result.quicklook_path}")
    print(f"Manifest:   {result.manifest_path}")
    print(f"\nEverything is in {result.scene_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
