"""FirstLight against a baseline of itself, side by side (``make bench-compare BASELINE=<revision>``).

A change to the fetch is kept or dropped on what this prints, not on one ``make bench``: on a
2-core VM the same code moves by up to 8 % from minute to minute, more than most changes are
worth. So both versions run on the benchmark's scene and servers, each run in a fresh process,
alternating in ABBA order (a drift of the machine's speed falls on both alike), and the table gives
for each scenario the medians and quartiles of both, the ratio of the medians, in how many pairs
of runs this tree was the faster, the sign test's chance of a split at least that lopsided if
the two were the same (below 0.05: a real difference), and the megabytes each fetched, by the
server's count (one number when alike: a side that fetched less did less, not faster).

The baseline is a git revision (``HEAD``: the last commit, to judge what is not committed yet) or
a folder holding a ``firstlight_qgis`` package. It runs from ``bench/work/compare-baseline`` with this
tree's runner (``bench/tools``), so both sides are timed the same way.

Run with the project venv: ``.venv/bin/python bench/compare.py HEAD~3 [--only "5 km · throttled"]``.
"""

from __future__ import annotations

import argparse
import math
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import gen  # noqa: E402
import run  # noqa: E402
from servers import VARIANTS, Nginx, Rustac  # noqa: E402

DEFAULT_SCENARIOS = ["1 km · throttled", "5 km · throttled", "20 km · throttled"]
DEFAULT_PAIRS = 21


@dataclass
class Side:
    """One version of FirstLight: the runners it is timed with, and its runs per scenario."""

    name: str
    tools: Path  # a bench/tools folder whose parents[1] holds the firstlight_qgis to time
    runs: dict[str, list[run.Run]]

    def seconds(self, scenario: str) -> list[float]:
        return [timed.seconds for timed in self.runs[scenario]]

    def megabytes(self, scenario: str) -> float:
        """What it fetched (the server's count), median: a faster side that fetched less is wrong."""
        return statistics.median(timed.bytes for timed in self.runs[scenario]) / 1e6


def baseline_tools(baseline: str, work: Path) -> Path:
    """A tree for the baseline under ``work``: its ``firstlight_qgis`` (from a git revision, or
    from a folder holding one) beside a copy of this tree's runners; their folder."""
    root = work / "compare-baseline"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    folder = Path(baseline)
    if (folder / "firstlight_qgis").is_dir():
        shutil.copytree(
            folder / "firstlight_qgis", root / "firstlight_qgis", ignore=shutil.ignore_patterns("__pycache__")
        )
    else:
        subprocess.run(["tar", "-x", "-C", str(root)], input=_archive(baseline), check=True)
    tools = root / "bench" / "tools"
    shutil.copytree(HERE / "tools", tools, ignore=shutil.ignore_patterns("__pycache__"))
    return tools


def _archive(revision: str) -> bytes:
    """``firstlight_qgis`` at ``revision`` of this repository, as a tar archive."""
    command = ["git", "-C", str(run.ROOT), "archive", "--format=tar", revision, "firstlight_qgis"]
    try:
        archive = subprocess.run(command, capture_output=True, check=False)
    except FileNotFoundError:  # no git here (a copy of the tree): only folders can be baselines
        problem = "git is not installed"
    else:
        if archive.returncode == 0:
            return archive.stdout
        problem = archive.stderr.decode(errors="replace").strip()
    raise SystemExit(
        f"{revision!r} is neither a git revision of this repository nor a folder holding firstlight_qgis: "
        f"{problem}"
    )


def sign_test(wins: int, pairs: int) -> float:
    """The chance that of ``pairs`` coin flips at least ``max(wins, pairs - wins)`` fall on one
    side, either side (two-sided sign test)."""
    most = max(wins, pairs - wins)
    tail = sum(math.comb(pairs, k) for k in range(most, pairs + 1)) / 2**pairs
    return min(1.0, 2 * tail)


def spread(values: list[float]) -> str:
    """The median of ``values`` and, in brackets, their first and third quartiles."""
    if len(values) < 2:
        return f"{values[0]:.4f}"
    low, middle, high = statistics.quantiles(values, n=4, method="inclusive")
    return f"{middle:.4f} ({low:.4f} to {high:.4f})"


def report(plan: list[run.Scenario], baseline: Side, current: Side) -> str:
    lines = [
        f"| scenario | {baseline.name} s (quartiles) | {current.name} s (quartiles) "
        "| ratio | faster in | sign test | MB fetched |",
        "|" + "---|" * 7,
    ]
    for scenario in plan:
        before, after = baseline.seconds(scenario.name), current.seconds(scenario.name)
        wins = sum(a < b for a, b in zip(after, before, strict=True))
        ratio = statistics.median(after) / statistics.median(before)
        fetched = [f"{side.megabytes(scenario.name):.1f}" for side in (baseline, current)]
        lines.append(
            f"| {scenario.name} | {spread(before)} | {spread(after)} | {ratio:.3f} | {wins} of {len(after)} "
            f"| {sign_test(wins, len(after)):.2g} | {' / '.join(dict.fromkeys(fetched))} |"  # one if alike
        )
    return "\n".join(lines)


def time_once(
    tool: str, side: Side, scenario: run.Scenario, nginx: Nginx, stac: str, index: int, work: Path
) -> run.Run:
    try:
        return run.run_tool(tool, scenario, nginx, stac, index, work, tools=side.tools)
    except RuntimeError as error:  # the runner failed: its own words, without this frame's traceback
        raise SystemExit(f"The {side.name} failed: {error}") from None


def time_pairs(
    tool: str,
    scenario: run.Scenario,
    sides: tuple[Side, Side],
    pairs: int,
    nginx: Nginx,
    stac: str,
    work: Path,
) -> None:
    """``pairs`` runs of each side, alternating ABBA: a drift of the machine's speed falls on both."""
    for side in sides:
        side.runs[scenario.name] = []
    for index in range(pairs):
        for side in sides if index % 4 in (0, 3) else sides[::-1]:
            side.runs[scenario.name].append(time_once(tool, side, scenario, nginx, stac, index, work))
        before, after = (side.runs[scenario.name][-1].seconds for side in sides)
        print(
            f"{scenario.name} pair {index + 1}: baseline {before:.4f} s, this tree {after:.4f} s", flush=True
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="FirstLight against a baseline of itself, side by side.")
    parser.add_argument(
        "baseline", help="a git revision (HEAD: the last commit) or a folder with firstlight_qgis"
    )
    parser.add_argument("--pairs", type=int, default=DEFAULT_PAIRS, help="runs of each side per scenario")
    parser.add_argument(
        "--only", nargs="*", default=DEFAULT_SCENARIOS, help="scenarios whose name holds one of these"
    )
    parser.add_argument("--data", type=Path, default=gen.DATA, help="the scene (made once, cached)")
    parser.add_argument(
        "--scale", type=int, default=1, help="of the scene (10: the harness test's small one)"
    )
    parser.add_argument("--work", type=Path, default=run.WORK, help="for the servers and the baseline")
    parser.add_argument(
        "--end-to-end", action="store_true", help="time all of ingest_scene, not only the fetch"
    )
    args = parser.parse_args(argv)
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    run.ensure_nginx()
    baseline = Side(f"baseline {args.baseline}", baseline_tools(args.baseline, args.work), {})
    info = gen.ensure_scene(args.data, scale=args.scale)
    plan = run.scenarios(info, quick=False, only=args.only, data=args.data)
    if not plan:
        raise SystemExit(f"No scenario's name holds {' or '.join(args.only)}: see `make bench`'s table.")
    run.read_once(args.data)
    current = Side("this tree", HERE / "tools", {})
    tool = "FirstLight, end to end" if args.end_to_end else "FirstLight"
    with Nginx(args.data, args.work / "nginx") as nginx:
        items = [run.make_item(info, variant, nginx) for variant in VARIANTS]
        with Rustac(run.rustac(), items, args.work / "stac") as stac:
            for scenario in plan:
                time_pairs(
                    tool,
                    scenario,
                    (baseline, current),
                    args.pairs,
                    nginx,
                    stac.url,
                    args.work,
                )
    print()
    print(report(plan, baseline, current))
    return 0


if __name__ == "__main__":
    sys.exit(main())
