"""curl x24: the server's ceiling for the whole-scene download, measured by a C client.

The six files in 4 MB ranges (FirstLight's pieces), 24 ``curl`` processes at a time, each range on
a connection of its own, bodies to /dev/null (no disk, no hashing). What it reaches is what the
loopback server and the machine's cores deliver over 24 connections at once: the fair ceiling for
the download's share of bandwidth. Standard library only (project venv).
"""

from __future__ import annotations

import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

from _common import band_hrefs, fetch_item, job, report

PIECE = 4 << 20
CONNECTIONS = 24


def main() -> None:
    spec = job()
    item = fetch_item(spec)
    hrefs = band_hrefs(item, spec["bands"])
    ranges = [
        (hrefs[band], start, min(start + PIECE, item["assets"][band]["file:size"]) - 1)
        for band in spec["bands"]
        for start in range(0, item["assets"][band]["file:size"], PIECE)
    ]

    def fetch(piece: tuple[str, int, int]) -> None:
        url, first, last = piece
        subprocess.run(["curl", "-sf", "-o", "/dev/null", "-r", f"{first}-{last}", url], check=True)

    began = time.perf_counter()
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        list(pool.map(fetch, ranges))
    report(time.perf_counter() - began)


if __name__ == "__main__":
    main()
