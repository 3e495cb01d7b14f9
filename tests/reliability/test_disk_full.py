"""A disk that fills up during an ingest: a small tmpfs mounted by the test (we run as root; the
test is skipped where mounting is not allowed). The disk runs out at different stages: while
bands download, while indices are written, while the quicklook is written. Each time: one clear
"no space" error, no file kept that is not complete and correct, and once space is back (the
tmpfs grown) the next run finishes with outputs identical to a clean run's."""

from __future__ import annotations

from pathlib import Path

import pytest
from osgeo import gdal

from firstlight_qgis.core import overviews, ranges
from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.clip import clip_bands
from firstlight_qgis.core.errors import DiskFullError
from firstlight_qgis.core.indices import compute_indices
from firstlight_qgis.core.polygons import polygonize
from tests.reliability.harness import (
    BANDS,
    ITEM_ID,
    MODES,
    assert_clip_with_overviews,
    assert_nothing_looks_complete,
    assert_overviews_of,
    compare,
    listing,
    remount,
    run,
    scene_of,
)
from tests.support.sample import SAMPLE

pytestmark = pytest.mark.integration

# Where the disk runs out, as a fraction of the space a clean run's outputs take.
FRACTIONS = (0.15, 0.45, 0.7, 0.9)


@pytest.mark.parametrize("fraction", FRACTIONS)
@pytest.mark.parametrize("mode", MODES)
def test_a_full_disk_is_one_clear_error_and_the_run_resumes_once_space_is_back(
    server, reference, item, area, small_disk: Path, mode, fraction, record
) -> None:
    needed = sum((reference[mode]["root"] / name).stat().st_size for name in listing(reference[mode]["root"]))
    remount(small_disk, max(4096, int(needed * fraction)) // 4096 * 4096)
    try:
        run(scene_of(item, area), small_disk, area, mode)
        failed = None
    except DiskFullError as error:
        failed = str(error)
    if failed is not None:
        assert "no space left" in failed.lower() and "\n" not in failed
        assert_nothing_looks_complete(small_disk, reference[mode]["root"], mode)
    sent_before = server.bytes_sent()

    remount(small_disk, 64 * 1024 * 1024)  # space is back
    run(scene_of(item, area), small_disk, area, mode)
    check = compare(small_disk, reference[mode]["root"], mode)
    record(
        fault="disk full (tmpfs), then space freed and re-run",
        mode=mode,
        faults=1,
        completed=True,
        identical=check.identical,
        clear_error=failed is not None,
        resent=server.bytes_sent() - reference[mode]["bytes"],
        leftovers=len(check.leftovers),
        note=f"full at {', '.join(f'{f:.0%}' for f in FRACTIONS)} of the outputs' size",
    )
    assert failed is not None, f"the ingest fitted in {fraction:.0%} of the space it needs"
    assert check.identical, check
    assert server.bytes_sent() - sent_before < reference[mode]["bytes"] * 1.05


def test_a_disk_without_room_for_any_window_fails_before_a_tile_is_asked_for(
    server, reference, item, area, small_disk: Path
) -> None:
    """The room for a window is taken before its tiles are asked for: a disk that cannot hold any
    band's window costs the server nothing but the headers (before, tiles were fetched until the
    disk filled, then thrown away)."""
    scene = next(reference["clip"]["root"].iterdir())
    smallest = min((scene / f"{band}.tif").stat().st_size for band in BANDS)
    remount(small_disk, smallest * 2 // 3 // 4096 * 4096)

    with pytest.raises(DiskFullError, match="no space left"):
        run(scene_of(item, area), small_disk, area, "clip")

    asked = {request.range for request in server.log(method="GET")}
    assert asked == {"bytes=0-32767"}
    assert_nothing_looks_complete(small_disk, reference["clip"]["root"], "clip")


def test_a_disk_without_room_for_a_file_fails_before_its_pieces_are_asked_for(
    server, reference, item, area, small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for a whole file fetched in pieces (the sample's files are small: pieces are made
    small too): the room for the file is taken before its first piece is asked for."""
    monkeypatch.setattr(ranges, "RANGED_MIN_BYTES", 1)
    monkeypatch.setattr(ranges, "DOWNLOAD_PIECE", 64 * 1024)
    scene = next(reference["whole"]["root"].iterdir())
    smallest = min((scene / f"{band}.tif").stat().st_size for band in BANDS)
    remount(small_disk, smallest * 2 // 3 // 4096 * 4096)

    with pytest.raises(DiskFullError, match="no space left"):
        run(scene_of(item, area), small_disk, area, "whole")

    assert server.log(method="GET") == []
    assert_nothing_looks_complete(small_disk, reference["whole"]["root"], "whole")


@pytest.mark.parametrize("fraction", (0.1, 0.5, 0.9))
def test_indices_on_a_full_disk_are_one_clear_error_and_leave_no_file(
    small_disk: Path, tmp_path: Path, fraction: float
) -> None:
    """The flood indices of the sample stack (as ``firstlight:index`` and the ingest write them)
    on a disk that fills up: wherever GDAL meets the end of the space (a strip, the close that
    writes the file's directory), one DiskFullError and nothing left behind."""
    stack = str(tmp_path / "stack.vrt")
    gdal.BuildVRT(stack, [str(SAMPLE / f"{band}.tif") for band in BANDS], separate=True)

    def products(folder: Path) -> None:
        outputs = {name: folder / f"{name}.tif" for name in ("ndwi", "mndwi")}
        compute_indices(Path(stack), outputs, sensor="sentinel2", water=(folder / "water.tif", 0.0))

    products(tmp_path / "clean")
    needed = sum(path.stat().st_size for path in (tmp_path / "clean").iterdir())
    remount(small_disk, max(4096, int(needed * fraction)) // 4096 * 4096)
    with pytest.raises(DiskFullError, match="no space left") as raised:
        products(small_disk)
    assert "\n" not in str(raised.value)
    assert list(small_disk.iterdir()) == []


def _sample_water(folder: Path) -> Path:
    """The sample's water mask, as the ingest writes it."""
    stack = str(folder / "stack.vrt")
    gdal.BuildVRT(stack, [str(SAMPLE / f"{band}.tif") for band in BANDS], separate=True)
    outputs = {"ndwi": folder / "ndwi.tif"}
    return compute_indices(Path(stack), outputs, sensor="sentinel2", water=(folder / "water.tif", 0.0))[
        "water"
    ].path


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # a close's error lost
@pytest.mark.parametrize("fraction", (0.1, 0.5, 0.9))
def test_polygons_on_a_full_disk_are_one_clear_error_and_keep_the_earlier_file(
    small_disk: Path, tmp_path: Path, fraction: float
) -> None:
    """The sample's water as polygons, every pixel kept (the largest file), onto a disk that fills
    up while its work files or the GeoPackage are written: one DiskFullError, the earlier
    polygons there as they were, nothing else left."""
    water = _sample_water(tmp_path)
    earlier = polygonize(water, tmp_path / "earlier.gpkg", min_area_m2=1000).path.read_bytes()
    clean = polygonize(water, tmp_path / "clean.gpkg")
    needed = clean.path.stat().st_size  # and the work folder's codes, 3 % of it
    remount(small_disk, (len(earlier) + 4096 + int(needed * fraction)) // 4096 * 4096)
    (small_disk / "water.gpkg").write_bytes(earlier)
    with pytest.raises(DiskFullError, match="no space left") as raised:
        polygonize(water, small_disk / "water.gpkg")
    assert "\n" not in str(raised.value)
    assert [path.name for path in small_disk.iterdir()] == ["water.gpkg"]
    assert (small_disk / "water.gpkg").read_bytes() == earlier

    remount(small_disk, 64 * 1024 * 1024)  # space is back
    assert polygonize(water, small_disk / "water.gpkg").features == clean.features


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")  # a close's error lost
def test_a_disk_that_fills_while_overviews_are_built_keeps_none_half_written(
    server, reference, item, area, small_disk: Path, monkeypatch
) -> None:
    """The sample's area counted as large: room for the bands and little more. Overviews that do
    not fit are given up (no ``.ovr.part`` left, and an ``.ovr`` there is whole and right), the
    indices then meet the full disk: one clear error. Once space is back, every band gets its own."""
    monkeypatch.setattr(overviews, "OVERVIEWS_FROM", 128)
    monkeypatch.setattr(overviews, "_SMALLEST", 64)
    scene = reference["clip"]["root"] / ITEM_ID
    bands = sum((scene / f"{band}.tif").stat().st_size + 4096 for band in BANDS)  # and sidecars
    remount(small_disk, (bands + 300 * 1024) // 4096 * 4096)
    with pytest.raises(DiskFullError, match="no space left"):
        run(scene_of(item, area), small_disk, area, "clip")
    folder = small_disk / ITEM_ID
    assert not list(folder.glob("*.part")) and not (folder / "manifest.json").exists()
    for band in BANDS:
        if (folder / f"{band}.tif.ovr").exists():
            assert_overviews_of(folder / f"{band}.tif")
    assert len(list(folder.glob("*.ovr"))) < len(BANDS), "every overview fitted: the disk was too large"

    remount(small_disk, 64 * 1024 * 1024)  # space is back
    run(scene_of(item, area), small_disk, area, "clip")
    assert_clip_with_overviews(small_disk, reference["clip"]["root"])


def test_a_local_clip_on_a_full_disk_is_one_clear_error(small_disk: Path) -> None:
    """A local catalog's COGs, clipped by copying their tiles (no request, no GDAL) onto a disk
    without room for them: one clear error, and no part file left."""
    hrefs = {band: str(SAMPLE / f"{band}.tif") for band in BANDS}
    with pytest.raises(DiskFullError, match="no space left"):
        clip_bands(hrefs, small_disk / "out", ITEM_ID, parse_area(SAMPLE / "area.geojson"), allow_local=True)
    assert not list((small_disk / "out").glob("*.part"))
