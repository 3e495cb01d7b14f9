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
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def report(seconds: float, **extra: Any) -> None:
    print(json.dumps({"seconds": seconds, "rss_mb": peak_rss_mb(), **extra}), flush=True)
