"""Fixtures of the reliability suite and the results table ``make reliability`` prints.

Each test records rows (fault, mode, outcome, bytes re-sent, leftovers) through ``record``; at
the end of the session ``pytest_terminal_summary`` prints them grouped by fault and mode.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from firstlight_qgis.core.area import Area
from tests.reliability.harness import (
    MODES,
    Recorder,
    clear,
    mount_tmpfs,
    run,
    sample_area,
    sample_item,
    scene_of,
    unmount,
)
from tests.support.asset_server import AssetServer
from tests.support.sample import copy_sample

_ROWS = pytest.StashKey[list[dict]]()


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_ROWS] = []


@pytest.fixture
def record(request: pytest.FixtureRequest) -> Recorder:
    """``record(fault=..., mode=..., completed=bool, identical=bool, clear_error=bool,
    resent=int, leftovers=int, faults=int, note=str)``: one run, one row of the table."""
    rows = request.config.stash[_ROWS]
    module = request.node.module.__name__.rpartition(".")[2]

    def add(**row: object) -> None:
        rows.append({"section": _SECTIONS.get(module, len(_SECTIONS)), **row})

    return add


# The table's order: network faults first, then crashes and cancels, then hostile input.
_SECTIONS = {
    name: rank
    for rank, name in enumerate(
        [
            "test_faults",
            "test_crash",
            "test_cancel",
            "test_disk_full",
            "test_not_writable",
            "test_concurrency",
            "test_oversized",
        ]
    )
}


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    rows = config.stash.get(_ROWS, [])
    if not rows:
        return
    groups: dict[tuple[str, str], dict] = {}
    for row in sorted(rows, key=lambda row: row["section"]):  # stable: test order within a section
        key = (str(row["fault"]), str(row.get("mode", "-")))
        group = groups.setdefault(
            key,
            {"runs": 0, "completed": 0, "identical": 0, "clear_error": 0, "resent": 0, "leftovers": 0,
             "faults": 0, "notes": []},
        )  # fmt: skip
        group["runs"] += 1
        for name in ("completed", "identical", "clear_error"):
            group[name] += int(bool(row.get(name)))
        for name in ("resent", "leftovers", "faults"):
            group[name] += int(row.get(name) or 0)
        note = row.get("note")
        if note and note not in group["notes"]:
            group["notes"].append(note)
    header = ("fault", "mode", "runs", "faults", "completed", "identical", "clear error", "bytes re-sent",
              "leftovers", "note")  # fmt: skip
    lines = [
        (fault, mode, str(g["runs"]), str(g["faults"]), str(g["completed"]), str(g["identical"]),
         str(g["clear_error"]), f"{g['resent']:,}", str(g["leftovers"]), "; ".join(g["notes"]))
        for (fault, mode), g in groups.items()
    ]  # fmt: skip
    widths = [max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)]

    def format_line(cells: tuple[str, ...]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        padded = (c.ljust(w) if i in (0, 1, 9) else c.rjust(w) for i, (c, w) in pairs)
        return " | ".join(padded).rstrip()

    terminalreporter.section("FirstLight reliability: every fault, both modes")
    terminalreporter.write_line(format_line(header))
    terminalreporter.write_line("-+-".join("-" * w for w in widths))
    for line in lines:
        terminalreporter.write_line(format_line(line))
    total_leftovers = sum(g["leftovers"] for g in groups.values())
    corrupt = sum(g["completed"] - g["identical"] for g in groups.values())
    terminalreporter.write_line(
        f"{sum(g['runs'] for g in groups.values())} runs, {total_leftovers} leftover files, "
        f"{corrupt} completed runs with outputs different from the clean run"
    )


# -- the sample on a loopback HTTP server, and the clean runs every faulted run is compared with --


@pytest.fixture(scope="session")
def assets_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return copy_sample(tmp_path_factory.mktemp("assets"))


@pytest.fixture(scope="session")
def server(assets_root: Path) -> Iterator[AssetServer]:
    with AssetServer(assets_root) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_server(server: AssetServer) -> Iterator[None]:
    clear(server)
    yield
    clear(server)


@pytest.fixture(scope="session")
def area() -> Area:
    return sample_area()


@pytest.fixture(scope="session")
def item(server: AssetServer) -> dict:
    return sample_item(server.base_url)


@pytest.fixture(scope="session")
def reference(server: AssetServer, item: dict, area: Area, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Per mode: the output folder of a clean run and the bytes the server sent for it."""
    clean: dict[str, dict] = {}
    for mode in MODES:
        clear(server)
        out = tmp_path_factory.mktemp(f"reference_{mode}")
        result = run(scene_of(item, area), out, area, mode)
        clean[mode] = {"root": out, "bytes": server.bytes_sent(), "result": result}
    clear(server)
    return clean


@pytest.fixture(scope="session")
def sas_server(assets_root: Path) -> Iterator[AssetServer]:
    """The sample behind Planetary-Computer-style SAS tokens (``/api/sas/v1/token/firstlight/bands``)."""
    with AssetServer(assets_root) as running:
        running.enable_sas("firstlight", "bands")
        yield running


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KB tmpfs of the test's own (the test skipped where mounting is not allowed)."""
    point = tmp_path / "disk"
    point.mkdir()
    try:
        mount_tmpfs(point, 64 * 1024)
    except (OSError, subprocess.CalledProcessError) as error:
        detail = getattr(error, "stderr", b"") or str(error)
        pytest.skip(f"cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN): {detail!r}")
    try:
        yield point
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):
            unmount(point)
