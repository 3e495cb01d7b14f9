"""A wildfire's burn scar through ``ingest_scene``: the NBR of a scene from before the fire against
that of one from after it (dNBR) and its severity classes, from a local catalog of both scenes: the
bundled sample and a copy of it burnt in one window."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.errors import InputError
from firstlight_qgis.core.indices import SEVERITY_BOUNDS
from firstlight_qgis.core.ingest import ingest_scene
from tests.support.sample import BURNT_ID, BURNT_WINDOW, ITEM_ID, SAMPLE, fire_catalog, window_pixels

pytestmark = pytest.mark.integration

EVENT = "wildfire.burn_scar"


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fire_catalog(tmp_path_factory.mktemp("fire"))


@pytest.fixture(scope="module")
def area():
    return parse_area(SAMPLE / "area.geojson")


def read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


def ingest_both(catalog: Path, area, folder: Path):
    [before] = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=str(catalog))
    [after] = discover(area, EVENT, "2019-01-01", "2019-01-31", catalog=str(catalog))
    pre = ingest_scene(before, folder, area=area, event=EVENT)
    return pre, ingest_scene(after, folder, area=area, event=EVENT, pre_event=pre)


def test_dnbr_marks_the_burnt_fields_and_nothing_else(catalog, area, tmp_path) -> None:
    pre, post = ingest_both(catalog, area, tmp_path)

    dnbr_path, severity_path = post.indices["dnbr"].path, post.indices["severity"].path
    assert dnbr_path == tmp_path / BURNT_ID / f"{BURNT_ID}_dnbr.tif"
    assert severity_path == tmp_path / BURNT_ID / f"{BURNT_ID}_severity.tif"
    dnbr, severity = read(dnbr_path), read(severity_path)
    np.testing.assert_allclose(
        dnbr, read(pre.indices["nbr"].path) - read(post.indices["nbr"].path), atol=1e-6, equal_nan=True
    )
    valid = np.isfinite(dnbr)
    assert np.array_equal(severity == 255, ~valid)
    np.testing.assert_array_equal(severity[valid], np.digitize(dnbr[valid], SEVERITY_BOUNDS))

    rows, columns = window_pixels(BURNT_WINDOW, dnbr_path)
    fire = np.zeros(dnbr.shape, dtype=bool)
    fire[rows, columns] = True
    # Unchanged land did not burn; the burnt fields did, most of them badly (moderate-high, high).
    assert not severity[valid & ~fire].any()
    np.testing.assert_allclose(dnbr[valid & ~fire], 0, atol=1e-6)
    burnt = severity[valid & fire]
    assert burnt.size > 0.95 * fire.sum() and (burnt >= 3).mean() > 0.8, np.bincount(burnt)
    result = post.indices["severity"]
    assert result.positive_fraction == pytest.approx((burnt > 0).sum() / valid.sum())

    manifest = json.loads(post.manifest_path.read_text(encoding="utf-8"))
    assert manifest["indices"]["dnbr"]["path"] == dnbr_path.name
    assert manifest["indices"]["severity"]["path"] == severity_path.name
    assert manifest["pre_event"] == {"scene": ITEM_ID, "file": f"../{ITEM_ID}/{ITEM_ID}_nbr.tif"}
    pre_name = gdal.Open(str(dnbr_path)).GetMetadataItem("FIRSTLIGHT_PRE_EVENT")
    assert pre_name == f"{ITEM_ID}_nbr.tif"


def test_ingest_again_without_a_pre_event_scene_leaves_no_stale_dnbr(catalog, area, tmp_path) -> None:
    _, post = ingest_both(catalog, area, tmp_path)
    tinted, severity = read(post.quicklook_path), read(post.indices["severity"].path)
    [after] = discover(area, EVENT, "2019-01-01", "2019-01-31", catalog=str(catalog))
    again = ingest_scene(after, tmp_path, area=area, event=EVENT)
    assert set(again.indices) == {"nbr"}
    # The quicklook showed the burn in its severity's colours; without dNBR, none.
    plain = read(again.quicklook_path)
    changed = (tinted != plain).any(axis=0)
    assert changed.shape == severity.shape  # a small stack: its quicklook is on its grid
    assert np.array_equal(changed, (severity > 0) & (severity < 255))
    rows, columns = window_pixels(BURNT_WINDOW, again.indices["nbr"].path)
    assert changed[rows, columns].mean() > 0.9
    assert json.loads(again.manifest_path.read_text(encoding="utf-8"))["pre_event"] is None
    assert not post.indices["dnbr"].path.exists() and not post.indices["severity"].path.exists()


def test_a_pre_event_nbr_gone_is_said_before_any_download(catalog, area, tmp_path) -> None:
    [before] = discover(area, EVENT, "2018-12-01", "2018-12-31", catalog=str(catalog))
    [after] = discover(area, EVENT, "2019-01-01", "2019-01-31", catalog=str(catalog))
    pre = ingest_scene(before, tmp_path, area=area, event=EVENT)
    pre.indices["nbr"].path.unlink()
    with pytest.raises(InputError, match=f"The pre-event scene {ITEM_ID} has no NBR on disk"):
        ingest_scene(after, tmp_path, area=area, event=EVENT, pre_event=pre)
    assert not (tmp_path / BURNT_ID).exists() or not any((tmp_path / BURNT_ID).rglob("*.tif"))
