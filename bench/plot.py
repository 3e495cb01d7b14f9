"""Seconds against area size per tool, one panel per network variant: ``plot.py results.json out.png``.
Runs in bench/.venv (matplotlib)."""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

STYLE = {
    "FirstLight": {"color": "#d62728", "marker": "o", "linewidth": 2.5},
    "GDAL x6": {"color": "#1f77b4", "marker": "s"},
    "odc-stac": {"color": "#2ca02c", "marker": "^"},
    "physical limit": {"color": "#555555", "marker": "", "linestyle": "--"},
}


def main(source: str, target: str) -> None:
    with open(source) as handle:
        data = json.load(handle)
    rows = [r for r in data["rows"] if r["km"] is not None]
    variants = [v for v in ("throttled", "latency") if any(r["variant"] == v for r in rows)]
    if not variants:
        return
    figure, axes = plt.subplots(1, len(variants), figsize=(6 * len(variants), 4.6), squeeze=False)
    for axis, variant in zip(axes[0], variants, strict=True):
        for tool, style in STYLE.items():
            points = sorted(
                (r["km"], r["seconds"]) for r in rows if r["variant"] == variant and r["tool"] == tool
            )
            if points:
                axis.plot(*zip(*points, strict=True), label=tool, **style)
        axis.set_xscale("log")
        axis.set_yscale("log")
        axis.set_xlabel("area side, km (109.8 = whole scene)")
        axis.set_ylabel("seconds (median)")
        title = "40 MiB/s per connection" + (" + 50 ms per request" if variant == "latency" else "")
        axis.set_title(title)
        axis.grid(True, which="both", alpha=0.3)
        axis.legend()
    figure.suptitle(f"Six Sentinel-2 bands of an area to GeoTIFF, {data['date']}", fontsize=11)
    figure.tight_layout()
    figure.savefig(target, dpi=110)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
