"""GDAL settings FirstLight applies last only as long as its own work (config options only on its
thread): QGIS and other plugins in the same process keep their configuration."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from osgeo import gdal

from firstlight_qgis.core.gdalconfig import on_all_cores

CORE = Path(__file__).resolve().parents[2] / "firstlight_qgis" / "core"


def test_all_cores_is_set_for_the_call_on_its_thread_only_and_then_undone() -> None:
    seen: dict[str, str | None] = {}

    def elsewhere() -> None:
        seen["other thread"] = gdal.GetConfigOption("GDAL_NUM_THREADS")

    @on_all_cores
    def work() -> None:
        seen["inside"] = gdal.GetConfigOption("GDAL_NUM_THREADS")
        other = threading.Thread(target=elsewhere)
        other.start()
        other.join()

    gdal.SetConfigOption("GDAL_NUM_THREADS", "1")  # what the host application chose
    try:
        work()
        assert seen == {"inside": "ALL_CPUS", "other thread": "1"}
        assert gdal.GetConfigOption("GDAL_NUM_THREADS") == "1"
    finally:
        gdal.SetConfigOption("GDAL_NUM_THREADS", None)


def _fresh_python(code: str, cwd: Path) -> list[str]:
    """The lines ``code`` prints in a new interpreter, where nothing has switched GDAL's
    exceptions on (as in QGIS before 3.38)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, cwd=cwd, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.splitlines()


_STATE = "print('exceptions', gdal.GetUseExceptions(), ogr.GetUseExceptions(), osr.GetUseExceptions())"


def test_importing_the_core_leaves_gdal_exceptions_off_for_the_rest_of_the_process() -> None:
    modules = [f"firstlight_qgis.core.{p.stem}" for p in CORE.glob("*.py") if p.stem != "__init__"]
    lines = _fresh_python(
        f"""
        import importlib
        from osgeo import gdal, ogr, osr
        for name in {modules!r}:
            importlib.import_module(name)
        {_STATE}
        gdal.Open("/nonexistent.tif")  # another plugin's way: None, not an exception
        print("no exception")
        """,
        CORE.parents[1],
    )
    assert lines == ["exceptions 0 0 0", "no exception"]


def test_an_ingest_and_a_bad_area_behave_as_ever_with_exceptions_off_and_leave_them_off(
    tmp_path: Path,
) -> None:
    lines = _fresh_python(
        f"""
        import sys
        from osgeo import gdal, ogr, osr
        sys.path.insert(0, "tools")
        import demo
        from firstlight_qgis.core.area import parse_area
        from firstlight_qgis.core.errors import InputError
        print("demo", demo.main(["--output", {str(tmp_path)!r}]))
        {_STATE}
        try:
            parse_area({str(tmp_path / "nowhere.geojson")!r})
        except InputError as error:
            print("InputError", error)
        {_STATE}
        """,
        CORE.parents[1],
    )
    assert "demo 0" in lines
    assert lines.count("exceptions 0 0 0") == 2
    refusal = next(line for line in lines if line.startswith("InputError"))
    assert "nowhere.geojson" in refusal
    water = next(tmp_path.glob("*/*_water.tif"))
    mask = gdal.Open(str(water)).ReadAsArray()
    assert 0 < (mask == 1).sum() < mask.size  # a real mask: some water, not all


def test_exceptions_stay_on_until_the_last_of_overlapping_calls_ends() -> None:
    lines = _fresh_python(
        f"""
        import threading
        from osgeo import gdal, ogr, osr
        from firstlight_qgis.core.gdalconfig import gdal_exceptions
        inside, leave = threading.Event(), threading.Event()

        def other_call():
            with gdal_exceptions:
                inside.set()
                leave.wait()

        thread = threading.Thread(target=other_call)
        with gdal_exceptions:
            thread.start()
            inside.wait()
        {_STATE}
        leave.set()
        thread.join()
        {_STATE}
        gdal.UseExceptions()  # a host that has them on (QGIS 3.38+) keeps them on
        {_STATE}
        with gdal_exceptions:
            pass
        {_STATE}
        """,
        CORE.parents[1],
    )
    assert lines[:2] == ["exceptions 1 1 1", "exceptions 0 0 0"]
    # gdal.UseExceptions() turns on gdal's alone before GDAL 3.7, all three from 3.7 on
    host = lines[2]
    assert host in ("exceptions 1 0 0", "exceptions 1 1 1")
    assert lines[3] == host
