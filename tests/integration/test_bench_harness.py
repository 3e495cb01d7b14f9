"""A fast smoke test of the benchmark harness (``bench/``), never of anyone's speed.

A scene a tenth of the benchmark's size (11 km, generated in seconds from the real fixture),
nginx and ``rustac serve`` on loopback as ``make bench`` runs them, FirstLight and GDAL on a 1 km
area and FirstLight's whole-scene download: the harness must count from the server's log the bytes
a user would expect (the tiles under the area, the six files), make the physical-limit row and the
table. The anchors of bench/.venv (odc-stac, stac-asset) and the plot are left to ``make bench``.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.integration

BENCH = Path(__file__).resolve().parents[2] / "bench"
TOOLS = ("FirstLight", "FirstLight, no file:size")  # FirstLight's runner, as from two kinds of catalog


def _bench(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def harness() -> ModuleType:
    run = _bench("run")
    servers = sys.modules["servers"]
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists() or not all(Path(m).exists() for m in servers.LUA_MODULES):
        pytest.fail("nginx and libnginx-mod-http-lua are missing: run `make setup` (tools/bootstrap.sh)")
    return run


def test_the_harness_counts_what_each_tool_fetched(harness: ModuleType, tmp_path: Path) -> None:
    run, gen, servers = harness, sys.modules["gen"], sys.modules["servers"]
    data = tmp_path / "data"
    info = gen.ensure_scene(data, scale=10)
    assert run.scene_km(info) == pytest.approx(10.98)
    plan = run.scenarios(info, quick=False, only=["1 km · throttled", "download · throttled"], data=data)
    for scenario in plan:
        scenario.tools = [
            tool for tool in scenario.tools if tool in (*TOOLS, "GDAL x6", "FirstLight, end to end")
        ]
    with servers.Nginx(data, tmp_path / "nginx") as nginx:
        items = [run.make_item(info, variant, nginx) for variant in servers.VARIANTS]
        with servers.Rustac(run.rustac(), items, tmp_path / "stac") as stac:
            runs = [
                run.run_tool(tool, scenario, nginx, stac.url, 0, tmp_path)
                for scenario in plan
                for tool in scenario.tools
            ]
            for scenario in plan:  # the yardstick replays FirstLight's requests
                first = next(r for r in runs if (r.tool, r.scenario) == ("FirstLight", scenario.name))
                runs.append(
                    run.run_tool(
                        "reader", scenario, nginx, stac.url, 0, tmp_path, replay=run.replay_of(first)
                    )
                )
                scenario.tools.append("reader")
    rows = {(row["tool"], row["scenario"]): row for row in run.summarise(runs, plan)}
    area, download = plan[0], plan[1]
    first, reader = rows[("FirstLight", area.name)], rows[("reader", area.name)]
    assert rows[("FirstLight, end to end", area.name)]["mb"] == first["mb"]  # ingest_scene, same tiles
    assert (reader["mb"], reader["requests"], reader["connections"]) == (
        first["mb"],
        first["requests"],
        first["connections"],
    )
    for tool in ("FirstLight", "GDAL x6"):
        row = rows[(tool, area.name)]
        assert row["seconds"] > 0 and row["requests"] >= 6
        # every tool reads the same pixels: at least the tiles under the area, little more
        assert area.needed_bytes <= row["mb"] * 1e6 <= 1.10 * area.needed_bytes + 6 * 65536
    physical = rows[(run.PHYSICAL, area.name)]
    assert physical["seconds"] == pytest.approx(
        area.needed_bytes / (rows[("FirstLight", area.name)]["connections"] * servers.RATE)
    )
    for tool in (*TOOLS, "reader"):  # the download, also without file:size, and the yardstick
        whole = rows[(tool, download.name)]
        assert whole["mb"] * 1e6 == sum(band["size"] for band in info["bands"].values())
        assert whole["connections"] <= 24
    table = run.table(list(rows.values()))
    assert "| FirstLight | 1 km · throttled |" in table and "*physical limit*" in table


def test_a_tool_reports_its_own_peak_memory_not_the_harness_s() -> None:
    """The harness peaks at half a gigabyte when it has just generated the scene (a fresh machine):
    a tool it starts must not report that as its own peak."""
    harness_peak = b"\x01" * (300 << 20)  # written: 300 MB resident in this process, the harness here
    code = "import _common; print(_common.peak_rss_mb())"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BENCH / "tools", capture_output=True, text=True, check=True
    )
    del harness_peak
    assert float(done.stdout) < 150


def test_small_areas_run_more_times() -> None:
    """Areas up to 20 km take about a second a run and move the most from run to run: medians of
    9 there, of 5 elsewhere; ``--runs`` and ``--quick`` decide for every scenario."""
    run = _bench("run")
    plan = [
        run.Scenario(name, "throttled", km, []) for name, km in (("5 km", 5.0), ("50 km", 50.0), ("dl", None))
    ]
    assert [run.runs_of(s, None, False) for s in plan] == [9, 5, 5]
    assert [run.runs_of(s, 3, False) for s in plan] == [3, 3, 3]
    assert [run.runs_of(s, None, True) for s in plan] == [1, 1, 1]
    counts = {s.name: run.runs_of(s, None, False) for s in plan}
    assert run.medians(plan, counts) == "median of 9 runs for areas up to 20 km, 5 for the rest"
