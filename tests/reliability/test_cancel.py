"""Cancel at many moments of a full ingest, in both modes: while bands download (mid-body, the
server throttled), while they are verified, stacked, validated, indexed, and just before the
manifest. Whatever the moment, nothing left on disk may pass for a complete band, stack or
manifest, and the next run finishes with outputs identical to a clean run's."""

from __future__ import annotations

import pytest

from firstlight_qgis.core import overviews
from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.errors import CancelledError, DownloadError
from tests.reliability.harness import (
    BANDS,
    ITEM_ID,
    MODES,
    assert_clip_with_overviews,
    assert_nothing_looks_complete,
    assert_overviews_of,
    compare,
    listing,
    run,
    scene_of,
)

pytestmark = pytest.mark.integration

THROTTLE = 1_000_000  # bytes/s per response: the download stage lasts long enough to be hit
POINTS = (0.0, 0.2, 0.4, 0.6, 0.8, 0.95)  # where to cancel, as a fraction of a clean run's count


@pytest.fixture(scope="module")
def counts(server, item, area, tmp_path_factory) -> dict[str, tuple[int, int]]:
    """Per mode: how many times a clean, throttled run polls ``cancel`` and reports progress."""
    found = {}
    for mode in MODES:
        seen = {"polls": 0, "events": 0}

        def cancel(seen: dict = seen) -> bool:
            seen["polls"] += 1
            return False

        def progress(band: str, status: str, fraction: float, seen: dict = seen) -> None:
            seen["events"] += 1

        server.throttle_bps = THROTTLE
        out = tmp_path_factory.mktemp(f"count_{mode}")
        run(scene_of(item, area), out, area, mode, cancel=cancel, progress=progress)
        found[mode] = (seen["polls"], seen["events"])
    server.throttle_bps = None
    return found


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("kind", ["poll", "progress event"])
@pytest.mark.parametrize("mode", MODES)
def test_cancel_at_any_moment_leaves_nothing_that_looks_complete(
    server, reference, item, area, counts, tmp_path, mode, kind, point, record
) -> None:
    polls, events = counts[mode]
    stop_at = max(1, round(point * (polls if kind == "poll" else events)))
    seen = {"polls": 0, "events": 0}

    def progress(band: str, status: str, fraction: float) -> None:
        seen["events"] += 1

    def cancel() -> bool:
        seen["polls"] += 1
        return seen["polls" if kind == "poll" else "events"] >= stop_at

    server.throttle_bps = THROTTLE
    try:
        run(scene_of(item, area), tmp_path, area, mode, cancel=cancel, progress=progress)
        cancelled = False
    except CancelledError as error:
        cancelled = True
        assert "\n" not in str(error)
    server.throttle_bps = None
    if cancelled:
        assert_nothing_looks_complete(tmp_path, reference[mode]["root"], mode)

    run(scene_of(item, area), tmp_path, area, mode)  # the next run, as a user would start it
    check = compare(tmp_path, reference[mode]["root"], mode)
    record(
        fault=f"cancel at {len(POINTS)} points x 2 kinds, then re-run",
        mode=mode,
        faults=int(cancelled),
        completed=True,
        identical=check.identical,
        resent=server.bytes_sent() - reference[mode]["bytes"],
        leftovers=len(check.leftovers),
        note="faults = runs really cancelled; re-sent = bytes beyond one clean run",
    )
    assert check.identical, check


def test_a_failed_rerun_leaves_no_product_of_the_previous_run(server, item, area, tmp_path) -> None:
    """A complete run for one area, then a run for another area that fails: the stack, indices,
    quicklook and manifest of the first run are gone (they would describe other pixels)."""
    run(scene_of(item, area), tmp_path, area, "clip")
    assert (tmp_path / ITEM_ID / "manifest.json").exists()
    smaller = parse_area([-52.94, -27.22, -52.90, -27.18])
    server.inject("/nir.tif", ["404"] * 10)
    with pytest.raises(DownloadError, match="nir"):
        run(scene_of(item, smaller), tmp_path, smaller, "clip")
    left = {name.rpartition("/")[2] for name in listing(tmp_path)}
    assert not {name for name in left if name.startswith(ITEM_ID) or name == "manifest.json"}, left


def test_a_cancel_while_overviews_are_built_keeps_none_half_written(
    server, reference, item, area, tmp_path, monkeypatch
) -> None:
    """The sample's area counted as large, cancelled once a band's overviews are being written:
    none is left half-written, those there are right, and the next run gives every band its own."""
    monkeypatch.setattr(overviews, "OVERVIEWS_FROM", 128)
    monkeypatch.setattr(overviews, "_SMALLEST", 64)
    folder = tmp_path / ITEM_ID
    asked: list[bool] = []

    def cancel() -> bool:  # once asked, for good (as QGIS's feedback): the parts go meanwhile
        if not asked and any(folder.glob("*.ovr.part")):
            asked.append(True)
        return bool(asked)

    with pytest.raises(CancelledError):
        run(scene_of(item, area), tmp_path, area, "clip", cancel=cancel)
    assert not list(folder.glob("*.part")) and not (folder / "manifest.json").exists()
    assert len(list(folder.glob("*.ovr"))) < len(BANDS)
    for ovr in folder.glob("*.ovr"):
        assert_overviews_of(ovr.with_suffix(""))

    run(scene_of(item, area), tmp_path, area, "clip")
    assert_clip_with_overviews(tmp_path, reference["clip"]["root"])
