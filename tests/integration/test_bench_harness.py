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
        pytest.fail(
            "nginx and libnginx-mod-http-lua are missing: run `make setup-servers` "
            "(tools/bootstrap.sh --servers)"
        )
    return run


@pytest.fixture(scope="module")
def small_scene(harness: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scene a tenth of the benchmark's size, shared by the tests below."""
    data = tmp_path_factory.mktemp("scene") / "data"
    sys.modules["gen"].ensure_scene(data, scale=10)
    return data


def test_the_harness_counts_what_each_tool_fetched(
    harness: ModuleType, small_scene: Path, tmp_path: Path
) -> None:
    run, gen, servers = harness, sys.modules["gen"], sys.modules["servers"]
    data = small_scene
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


def _compare(baseline: Path, data: Path, work: Path) -> int:
    compare = _bench("compare")
    only = ["--only", "1 km · throttled"]
    scene = ["--data", str(data), "--scale", "10"]
    return compare.main([str(baseline), "--pairs", "2", *only, *scene, "--work", str(work)])


def test_compare_times_a_baseline_beside_this_tree(
    small_scene: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _compare(BENCH.parent, small_scene, tmp_path) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 1 km · throttled |")]
    assert len(rows) == 1
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    baseline, current = (float(cell.split()[0]) for cell in cells[1:3])
    assert float(cells[3]) == pytest.approx(current / baseline, rel=0.02)  # of the unrounded medians
    assert cells[4] in ("0 of 2", "1 of 2", "2 of 2")
    assert float(cells[6]) > 0  # one number: both sides fetched the same bytes


def test_the_baseline_runs_its_own_code(small_scene: Path, tmp_path: Path) -> None:
    """The baseline's package is the one its runs import: one whose clip fails says so."""
    shutil.copytree(BENCH.parent / "firstlight_qgis", tmp_path / "old" / "firstlight_qgis")
    with (tmp_path / "old" / "firstlight_qgis" / "core" / "clip.py").open("a") as clip:
        clip.write("\n\ndef clip_bands(*args, **kwargs):\n    raise RuntimeError('the old clip')\n")
    with pytest.raises(
        SystemExit, match=r"(?s)The baseline .* failed: FirstLight failed in 1 km .*the old clip"
    ):
        _compare(tmp_path / "old", small_scene, tmp_path / "work")


def test_a_baseline_that_is_neither_a_revision_nor_a_tree_is_refused(tmp_path: Path) -> None:
    compare = _bench("compare")
    with pytest.raises(SystemExit, match="neither a git revision of this repository nor a folder"):
        compare.baseline_tools("no-such-revision", tmp_path)


def test_the_sign_test_of_pairs() -> None:
    compare = _bench("compare")
    assert compare.sign_test(21, 21) == pytest.approx(2 / 2**21)
    assert compare.sign_test(0, 21) == compare.sign_test(21, 21)
    assert compare.sign_test(10, 21) == 1.0  # 10 against 11: a coin does that
    assert compare.sign_test(16, 21) == pytest.approx(0.0266, abs=1e-4)
