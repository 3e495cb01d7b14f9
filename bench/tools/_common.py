"""What every tool runner shares (standard library only: runners live in two venvs).

A runner gets its job as one JSON argument, does its imports and reads the STAC item first, then
times only the fetch (``time.perf_counter`` around it) and prints one JSON line: ``seconds``,
``rss_mb`` (peak resident memory of the process and its children) and tool-specific details.
"""

from __future__ import annotations

import json
import resource
import sys
import urllib.request
from typing import Any


def job() -> dict[str, Any]:
    return json.loads(sys.argv[1])


def fetch_item(spec: dict[str, Any]) -> dict[str, Any]:
    url = f"{spec['stac']}/collections/{spec['collection']}/items/{spec['item']}"
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.load(response)


def band_hrefs(item: dict[str, Any], bands: list[str]) -> dict[str, str]:
    return {band: item["assets"][band]["href"] for band in bands}


def peak_rss_mb() -> float:
    """The peak of this process (or of one of its children) in MB. The process's own is its
    memory's high-water mark (VmHWM): getrusage's counts the peak of the process that started it
    too (Linux keeps it across exec), and the harness that has just generated the scene peaks at
    half a gigabyte, which every tool then reported as its own."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(_own_peak_kb(), children) / 1024


def _own_peak_kb() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def report(seconds: float, **extra: Any) -> None:
    print(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb(), **extra}), flush=True)
