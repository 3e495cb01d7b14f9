"""FirstLight beside its anchors, in one session, on one full-size Sentinel-2 scene (``make bench``).

Sets up what it needs (nginx and its Lua module from Debian, ``bench/.venv`` with the anchors),
generates the scene once (``bench/gen.py``, cached in ``bench/data``), serves it on loopback
(``bench/servers.py``), then runs every tool of every scenario in its own process, interleaved,
``--runs`` times (by default 9 for areas up to 20 km, 5 for the rest), and writes the table and the
plot to ``bench/results/``.

Scenarios: an area of 1, 5, 20, 50 km and the whole scene, all six bands, over 40 MiB/s per
connection and over the same with 50 ms of latency per request (FirstLight ``clip_bands``, GDAL
x6 parallel, odc-stac); and the whole-scene download of the six files over both (FirstLight
``download_bands``, also from an item without ``file:size`` as Planetary Computer's; stac-asset).
Bytes, requests and connections come from the nginx log; seconds are timed in-process around the
fetch only; process wall time and peak memory are reported too.

Run with the project venv: ``.venv/bin/python bench/run.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import gen  # noqa: E402
from servers import LATENCY_S, RATE, Nginx, Rustac  # noqa: E402

PROJECT_PYTHON = Path(sys.executable)
BENCH_VENV = HERE / ".venv"
BENCH_PYTHON = BENCH_VENV / "bin" / "python"
WORK = HERE / "work"
RESULTS = HERE / "results"
COLLECTION = "sentinel-2-l2a"
BANDS = ["blue", "green", "red", "nir", "swir16", "swir22"]
CRS = f"EPSG:{gen.EPSG}"
AREAS_KM = {"1 km": 1.0, "5 km": 5.0, "20 km": 20.0, "50 km": 50.0}  # and the whole scene
TOOLS = {  # name -> (python, runner)
    "FirstLight": ("project", "firstlight_tool.py"),
    "GDAL x6": ("project", "gdal_tool.py"),
    "odc-stac": ("bench", "odc_tool.py"),
    "stac-asset": ("bench", "stac_asset_tool.py"),
    "reader": ("project", "reader_tool.py"),  # FirstLight's requests replayed, bytes dropped: not an anchor
    "FirstLight, no file:size": ("project", "firstlight_tool.py"),  # as from Planetary Computer's items
    "FirstLight, end to end": ("project", "firstlight_tool.py"),  # ingest_scene: fetch to quicklook
}
TOOL_OPTIONS = {  # added to the runner's job
    "FirstLight, no file:size": {"file_size": False},
    "FirstLight, end to end": {"ingest": True},
}
AREA_TOOLS = ["FirstLight", "GDAL x6", "odc-stac", "reader"]
DOWNLOAD_TOOLS = ["FirstLight", "FirstLight, no file:size", "stac-asset", "reader"]
PHYSICAL = "physical limit"
# Areas up to 20 km run more times: a run takes about a second for all tools, and their times move
# by up to 8 % from run to run on this VM (FirstLight's five 20 km clips of one run took 38 to 53 ms).
SMALL_AREA_KM = 20
SMALL_AREA_RUNS = 9


# -- set-up ------------------------------------------------------------------------------------


def ensure_nginx() -> None:
    from servers import LUA_MODULES

    if shutil.which("nginx") and all(Path(m).exists() for m in LUA_MODULES):
        return
    raise SystemExit("The benchmark needs nginx and libnginx-mod-http-lua: run `make setup` (as root).")


def ensure_bench_venv() -> None:
    """``bench/.venv``: its own Python packages (numpy 2 included), never the project venv's."""
    requirements = HERE / "requirements-anchors.txt"
    stamp = BENCH_VENV / ".requirements"
    if BENCH_PYTHON.exists() and stamp.exists() and stamp.read_text() == requirements.read_text():
        return
    print("creating bench/.venv with the anchors (odc-stac, stac-asset, rasterio, matplotlib)...", flush=True)
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--clear", str(BENCH_VENV)], check=True)
    pip = [str(BENCH_PYTHON), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(requirements)], check=True)
    stamp.write_text(requirements.read_text())


def rustac() -> str:
    beside = PROJECT_PYTHON.parent / "rustac"
    found = str(beside) if beside.exists() else shutil.which("rustac")
    if not found:
        raise SystemExit("rustac is missing: run `make setup` first.")
    return found


# -- the scene as STAC items -------------------------------------------------------------------


def scene_km(info: dict) -> float:
    blue = info["bands"]["blue"]
    return blue["shape"][0] * blue["resolution"] / 1000


def scene_bounds(info: dict) -> tuple[float, float, float, float]:
    x0, y0 = info["origin"]
    km = scene_km(info)
    return x0, y0 - km * 1000, x0 + km * 1000, y0


def make_item(info: dict, variant: str, nginx: Nginx) -> dict:
    from osgeo import osr

    minx, miny, maxx, maxy = scene_bounds(info)
    source, target = osr.SpatialReference(), osr.SpatialReference()
    source.ImportFromEPSG(info["epsg"])
    target.ImportFromEPSG(4326)
    target.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    to_wgs84 = osr.CoordinateTransformation(source, target)
    corners = ((minx, miny), (maxx, miny), (maxx, maxy), (minx, maxy))
    ring = [to_wgs84.TransformPoint(x, y)[:2] for x, y in corners]
    ring = [[round(lon, 6), round(lat, 6)] for lon, lat in ring]
    lons, lats = [p[0] for p in ring], [p[1] for p in ring]
    names = {"blue": "B02", "green": "B03", "red": "B04", "nir": "B08", "swir16": "B11", "swir22": "B12"}
    assets = {}
    for band, meta in info["bands"].items():
        assets[band] = {
            "href": nginx.url(variant, meta["file"]),
            "type": "image/tiff; application=geotiff; profile=cloud-optimized",
            "roles": ["data"],
            "eo:bands": [{"name": names[band], "common_name": band}],
            "gsd": meta["resolution"],
            "proj:shape": meta["shape"],
            "proj:transform": meta["transform"],
            "raster:bands": [{"nodata": 0, "data_type": "uint16", "scale": 0.0001, "offset": 0}],
            "file:size": meta["size"],
            "file:checksum": "1220" + meta["sha256"],
        }
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": [
            "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
            "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
            "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
            "https://stac-extensions.github.io/file/v2.1.0/schema.json",
        ],
        "id": f"S2B_22JBM_20181224_BENCH_{variant}",
        "collection": COLLECTION,
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        "bbox": [min(lons), min(lats), max(lons), max(lats)],
        "properties": {
            "datetime": "2018-12-24T13:32:01Z",
            "platform": "sentinel-2b",
            "constellation": "sentinel-2",
            "eo:cloud_cover": 3.0,
            "proj:epsg": info["epsg"],
        },
        "assets": assets,
        "links": [],
    }


# -- areas and the physical limit --------------------------------------------------------------


def area_box(info: dict, km: float) -> tuple[float, float, float, float]:
    """The window every tool reads for a ``km`` area at the scene centre: FirstLight's (the area
    in the scene CRS, snapped outward to the 20 m grid, clamped to the scene), so that the anchors
    read exactly the same pixels."""
    from firstlight_qgis.core.area import parse_area

    minx, miny, maxx, maxy = bounds = scene_bounds(info)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half = km * 500
    area = parse_area([cx - half, cy - half, cx + half, cy + half], crs=CRS)
    ax0, ay0, ax1, ay1 = area.bounds_in(CRS)
    ox, oy = info["origin"]

    def snap(value: float, origin: float, down: bool) -> float:
        cells = (value - origin) / 20
        return origin + 20 * (int(cells // 1) if down else -int(-cells // 1))

    box = (snap(ax0, ox, True), snap(ay0, oy, True), snap(ax1, ox, False), snap(ay1, oy, False))
    return (max(box[0], bounds[0]), max(box[1], bounds[1]), min(box[2], bounds[2]), min(box[3], bounds[3]))


def tile_bytes(info: dict, box: tuple[float, float, float, float], data: Path = gen.DATA) -> int:
    """Bytes of the full-resolution COG tiles under ``box``, summed over the bands (tile index)."""
    from osgeo import gdal

    total = 0
    for meta in info["bands"].values():
        dataset = gdal.Open(str(data / meta["file"]))
        x0, dx, _, y0, _, dy = dataset.GetGeoTransform()
        band = dataset.GetRasterBand(1)
        block_w, block_h = band.GetBlockSize()
        c0, c1 = int((box[0] - x0) / dx) // block_w, (round((box[2] - x0) / dx) - 1) // block_w
        r0, r1 = int((box[3] - y0) / dy) // block_h, (round((box[1] - y0) / dy) - 1) // block_h
        for row in range(r0, r1 + 1):
            for column in range(c0, c1 + 1):
                total += int(band.GetMetadataItem(f"BLOCK_SIZE_{column}_{row}", "TIFF"))
    return total


# -- runs --------------------------------------------------------------------------------------


@dataclass
class Run:
    tool: str
    scenario: str
    km: float | None
    variant: str
    seconds: float
    wall_s: float
    rss_mb: float
    bytes: int
    requests: int
    connections: int
    extra: dict = field(default_factory=dict)
    asked: list[tuple[str, str]] = field(default_factory=list)  # (path, Range) as the server logged them


@dataclass
class Scenario:
    name: str
    variant: str
    km: float | None  # None: whole-scene download
    tools: list[str]
    box: tuple[float, float, float, float] | None = None
    needed_bytes: int = 0


def _small(scenario: Scenario) -> bool:
    return scenario.km is not None and scenario.km <= SMALL_AREA_KM


def runs_of(scenario: Scenario, asked: int | None, quick: bool) -> int:
    """How many times each tool runs ``scenario``: as asked, else once with ``--quick``, else
    SMALL_AREA_RUNS for the small areas and 5 for the rest (medians of 5: this VM has outliers of
    +50 %)."""
    if asked:
        return asked
    if quick:
        return 1
    return SMALL_AREA_RUNS if _small(scenario) else 5


def medians(plan: list[Scenario], counts: dict[str, int]) -> str:
    """What the table's seconds are medians of, for its heading (``runs_of`` depends on the area
    alone: one count for the small areas, one for the rest)."""
    small = {counts[s.name] for s in plan if _small(s)}
    rest = {counts[s.name] for s in plan if not _small(s)}
    if small and rest and small != rest:
        return f"median of {min(small)} runs for areas up to {SMALL_AREA_KM} km, {min(rest)} for the rest"
    return f"median of {min(small | rest)} run(s)"


def replay_of(first: Run) -> dict:
    """The reader's job: FirstLight's requests of ``first`` over as many connections; for an area,
    the headers (ranges from byte 0) in a first round, the tiles in a second."""
    heads = (
        [asked for asked in first.asked if asked[1].startswith("bytes=0-")] if first.km is not None else []
    )
    rest = [asked for asked in first.asked if asked not in heads]
    return {"connections": max(first.connections, 1), "phases": [phase for phase in (heads, rest) if phase]}


def run_tool(
    tool: str,
    scenario: Scenario,
    nginx: Nginx,
    stac: str,
    index: int,
    work: Path = WORK,
    replay: dict | None = None,
    tools: Path = HERE / "tools",
) -> Run:
    """One run of ``tool``; ``replay`` is the reader's job (see ``replay_of``); ``tools``: the
    runners' folder (another tree's, for ``compare.py``'s baseline)."""
    python, runner = TOOLS[tool]
    interpreter = str(PROJECT_PYTHON if python == "project" else BENCH_PYTHON)
    out = work / "out" / f"{tool.split()[0].strip(',').lower()}-{index}"
    shutil.rmtree(out, ignore_errors=True)
    spec = {
        "stac": stac,
        "collection": COLLECTION,
        "item": f"S2B_22JBM_20181224_BENCH_{scenario.variant}",
        "bands": BANDS,
        "bbox": list(scenario.box) if scenario.box else None,
        "crs": CRS,
        "out": str(out),
        **TOOL_OPTIONS.get(tool, {}),
        **({"replay": replay} if replay is not None else {}),
    }
    env = {**os.environ, "PYTHONPATH": str(tools)}
    mark = nginx.mark()
    began = time.perf_counter()
    done = subprocess.run(
        [interpreter, str(tools / runner), json.dumps(spec)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    wall = time.perf_counter() - began
    shutil.rmtree(out, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"{tool} failed in {scenario.name}: {done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    time.sleep(0.05)  # let nginx write its last log line
    requests = [r for r in nginx.since(mark) if r.port == nginx.ports[scenario.variant]]
    return Run(
        tool=tool,
        scenario=scenario.name,
        km=scenario.km,
        variant=scenario.variant,
        seconds=result.pop("seconds"),
        wall_s=wall,
        rss_mb=result.pop("rss_mb"),
        bytes=sum(r.bytes for r in requests),
        requests=len(requests),
        connections=len({r.connection for r in requests}),
        extra=result,
        asked=[(r.path, r.range) for r in requests],
    )


def scenarios(info: dict, quick: bool, only: list[str] | None, data: Path = gen.DATA) -> list[Scenario]:
    found = []
    areas = {"5 km": 5.0, "50 km": 50.0} if quick else {**AREAS_KM, "whole scene": scene_km(info)}
    areas = {name: km for name, km in areas.items() if km <= scene_km(info)}
    variants = ["throttled"] if quick else ["throttled", "latency"]
    for variant in variants:
        for name, km in areas.items():
            box = area_box(info, km)
            # every area throttled also runs "FirstLight, end to end": what an analyst waits for
            tools = AREA_TOOLS + (["FirstLight, end to end"] if variant == "throttled" else [])
            found.append(
                Scenario(f"{name} · {variant}", variant, km, tools, box, tile_bytes(info, box, data))
            )
    total = sum(meta["size"] for meta in info["bands"].values())
    for variant in variants:
        found.append(Scenario(f"download · {variant}", variant, None, DOWNLOAD_TOOLS, None, total))
    if only:
        found = [s for s in found if any(word in s.name for word in only)]
    return found


# -- summary -----------------------------------------------------------------------------------


def summarise(runs: list[Run], plan: list[Scenario]) -> list[dict]:
    rows = []
    for scenario in plan:
        mine = [r for r in runs if r.scenario == scenario.name]
        by_tool: dict[str, dict] = {}
        for tool in scenario.tools:
            of_tool = [r for r in mine if r.tool == tool]
            if not of_tool:
                continue
            by_tool[tool] = {
                "tool": tool,
                "scenario": scenario.name,
                "km": scenario.km,
                "variant": scenario.variant,
                "seconds": statistics.median(r.seconds for r in of_tool),
                "runs": [round(r.seconds, 4) for r in of_tool],
                "wall_s": statistics.median(r.wall_s for r in of_tool),
                "mb": statistics.median(r.bytes for r in of_tool) / 1e6,
                "requests": round(statistics.median(r.requests for r in of_tool)),
                "connections": round(statistics.median(r.connections for r in of_tool)),
                "rss_mb": max(r.rss_mb for r in of_tool),
                "extra": of_tool[-1].extra,
            }
        if "FirstLight" in by_tool:
            first = by_tool["FirstLight"]
            connections = max(first["connections"], 1)
            trips = 2 if scenario.km is not None else 1  # header + tiles; one GET per file
            latency = trips * LATENCY_S if scenario.variant == "latency" else 0
            limit = scenario.needed_bytes / (connections * RATE) + latency
            by_tool[PHYSICAL] = {
                "tool": PHYSICAL,
                "scenario": scenario.name,
                "km": scenario.km,
                "variant": scenario.variant,
                "seconds": limit,
                "mb": scenario.needed_bytes / 1e6,
                "connections": connections,
                "note": (
                    f"{'tiles under the area' if scenario.km else 'the six files'} / {connections} x 40 MiB/s"
                    + (f" + {latency * 1000:.0f} ms round trips" if latency else "")
                ),
            }
            for row in by_tool.values():
                row["x_physical"] = row["seconds"] / limit
                row["x_firstlight"] = row["seconds"] / first["seconds"]
        rows.extend(by_tool.values())
    return rows


def table(rows: list[dict]) -> str:
    head = (
        "| tool | scenario | seconds | process wall s | MB | requests | connections | peak RSS MB "
        "| × physical limit | × FirstLight |"  # noqa: RUF001
    )
    lines = [head, "|" + "---|" * 10]
    for row in rows:
        if row["tool"] == PHYSICAL:
            lines.append(
                f"| *{PHYSICAL}* | {row['scenario']} | {row['seconds']:.3f} | | {row['mb']:.1f} | "
                f"| {row['connections']} | | 1.0 | {row.get('x_firstlight', 0):.2f} |"
            )
            continue
        lines.append(
            f"| {row['tool']} | {row['scenario']} | {row['seconds']:.3f} | {row['wall_s']:.2f} | "
            f"{row['mb']:.1f} | {row['requests']} | {row['connections']} | {row['rss_mb']:.0f} | "
            f"{row.get('x_physical', float('nan')):.1f} | {row.get('x_firstlight', float('nan')):.2f} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    from osgeo import gdal

    distro = "Linux"
    if Path("/etc/os-release").exists():
        fields = dict(
            line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
        )
        distro = fields.get("PRETTY_NAME", distro).strip('"')
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, {distro}, Python {platform.python_version()}, "
        f"GDAL {gdal.__version__}"
    )


def read_once(folder: Path) -> None:
    """Read the scene's files through once, so that nginx serves them from memory from the first
    timed run on and no tool pays for a first read from disk: FirstLight runs first in each
    scenario, and a 20 km clip of files not in memory took 93-200 ms instead of 43-49."""
    for path in sorted(folder.glob("*.tif")):
        with path.open("rb") as handle:
            while handle.read(16 << 20):
                pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="FirstLight beside its anchors on a full-size scene.")
    parser.add_argument("--quick", action="store_true", help="5 and 50 km throttled and the download, 1 run")
    parser.add_argument(
        "--runs", type=int, help="runs per tool and scenario (default 9 up to 20 km, else 5; 1 with --quick)"
    )
    parser.add_argument("--only", nargs="*", help="scenarios whose name contains one of these words")
    parser.add_argument("--tools", nargs="*", help="tools to run (default: all)")
    parser.add_argument("--results", type=Path, default=RESULTS, help="where the table and plot go")
    parser.add_argument("--no-setup", action="store_true", help="do not install nginx or bench/.venv")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if not args.no_setup:
        ensure_nginx()
        ensure_bench_venv()
    info = gen.ensure_scene()
    os.sync()  # a scene just generated is written back now, not while the tools are timed
    read_once(gen.DATA)
    plan = scenarios(info, args.quick, args.only)
    if args.tools:
        for scenario in plan:
            scenario.tools = [t for t in scenario.tools if t in args.tools]
    WORK.mkdir(parents=True, exist_ok=True)
    all_runs: list[Run] = []
    with Nginx(gen.DATA, WORK / "nginx") as nginx:
        items = [make_item(info, variant, nginx) for variant in ("throttled", "latency", "fast")]
        with Rustac(rustac(), items, WORK / "stac") as stac:
            for scenario in plan:
                for index in range(runs_of(scenario, args.runs, args.quick)):
                    first: Run | None = None  # FirstLight's run, which the reader replays
                    for tool in scenario.tools:
                        if tool != "reader":
                            run = run_tool(tool, scenario, nginx, stac.url, index)
                            first = run if tool == "FirstLight" else first
                        elif first is not None:
                            run = run_tool(tool, scenario, nginx, stac.url, index, replay=replay_of(first))
                        else:
                            continue
                        all_runs.append(run)
                        print(
                            f"{scenario.name:24} {tool:24} {run.seconds:8.3f} s  {run.bytes / 1e6:8.1f} MB "
                            f"{run.requests:5} req {run.connections:3} conn {run.rss_mb:6.0f} MB RSS",
                            flush=True,
                        )
    rows = summarise(all_runs, plan)
    args.results.mkdir(parents=True, exist_ok=True)
    counts = {scenario.name: runs_of(scenario, args.runs, args.quick) for scenario in plan}
    stamp = {"date": date.today().isoformat(), "machine": machine(), "runs": counts, "quick": args.quick}
    (args.results / "results.json").write_text(
        json.dumps(
            {**stamp, "rows": rows, "raw": [{**asdict(r), "asked": len(r.asked)} for r in all_runs]}, indent=1
        )
    )
    text = table(rows)
    (args.results / "results.md").write_text(
        f"Measured {stamp['date']} on {stamp['machine']}; {medians(plan, counts)}.\n\n{text}\n"
    )
    print()
    print(text)
    plot = subprocess.run(
        [
            str(BENCH_PYTHON),
            str(HERE / "plot.py"),
            str(args.results / "results.json"),
            str(args.results / "seconds.png"),
        ],
        check=False,
    )
    if plot.returncode != 0:
        print("the plot could not be drawn (see above)")
    print(f"\nresults in {args.results} ({time.monotonic() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
