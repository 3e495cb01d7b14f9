"""Cancel in the middle of a local copy: a local catalog's COGs are on this machine, and their tiles
are copied (clip) or the files copied whole (whole scene), not downloaded. Whatever the moment of
the cancel, nothing left on disk may pass for a complete band, stack or manifest, and the next run
gives the files of a clean run over HTTP."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from firstlight_qgis.core.catalog import Scene, scene_from_item
from firstlight_qgis.core.errors import CancelledError
from tests.reliability.harness import MODES, assert_nothing_looks_complete, compare, run, sample_item

pytestmark = pytest.mark.integration

POINTS = (0.1, 0.3, 0.5, 0.7, 0.9)  # where to cancel, as a fraction of a clean run's polls


@pytest.fixture(scope="module")
def local_scene(assets_root: Path, area) -> Scene:
    """The sample as a local catalog gives it: its hrefs are the files in ``assets_root``."""
    item = sample_item(str(assets_root))
    return scene_from_item(item, area=area, catalog=str(assets_root / "catalog.json"), catalog_is_local=True)


@pytest.fixture(scope="module")
def polls(local_scene: Scene, area, tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """Per mode: how many times a clean local run polls ``cancel``."""
    found = {}
    for mode in MODES:
        seen = [0]

        def cancel(seen: list[int] = seen) -> bool:
            seen[0] += 1
            return False

        run(copy.deepcopy(local_scene), tmp_path_factory.mktemp(f"local_{mode}"), area, mode, cancel=cancel)
        found[mode] = seen[0]
    return found


def _cancelled_then_rerun(
    scene: Scene, tmp_path: Path, area, mode: str, cancel, reference, progress=None
) -> bool:
    """Run with ``cancel`` (and ``progress``); whatever it left must not look complete; the next
    run must give the clean run's files. Whether the run was really cancelled."""
    try:
        run(copy.deepcopy(scene), tmp_path, area, mode, cancel=cancel, progress=progress)
        cancelled = False
    except CancelledError as error:
        cancelled = True
        assert "\n" not in str(error)
        assert_nothing_looks_complete(tmp_path, reference[mode]["root"], mode)
    run(copy.deepcopy(scene), tmp_path, area, mode)  # the next run, as a user would start it
    check = compare(tmp_path, reference[mode]["root"], mode)
    assert check.identical, check
    return cancelled


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("mode", MODES)
def test_cancel_at_any_moment_of_a_local_run(
    local_scene, reference, area, polls, tmp_path, mode, point
) -> None:
    stop_at = max(1, round(point * polls[mode]))
    seen = [0]

    def cancel() -> bool:
        seen[0] += 1
        return seen[0] >= stop_at

    _cancelled_then_rerun(local_scene, tmp_path, area, mode, cancel, reference)


@pytest.mark.parametrize("mode", MODES)
def test_cancel_while_a_band_is_being_copied(local_scene, reference, area, tmp_path, mode) -> None:
    """Asked the moment a band's copy says it is under way (its part file there), and for good
    after. (Looking for the part file at each poll of ``cancel`` missed it once: a small window is
    copied between two polls.)"""
    asked: list[bool] = []

    def progress(band: str, status: str, fraction: float) -> None:
        if status in ("clipping", "copying"):  # reported while the part file is written
            asked.append(True)

    def cancel() -> bool:
        return bool(asked)

    assert _cancelled_then_rerun(local_scene, tmp_path, area, mode, cancel, reference, progress)
