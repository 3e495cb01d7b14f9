"""The change since a scene from before the event, through ``ingest_scene``, from local catalogs of
two scenes: the bundled sample and a copy of it burnt, or flooded, in one window of fields. A burn
scar's dNBR and severity against the NBR from before the fire; a flood's extent against the water
from before the flood, the river in its bed told apart."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import Scene, discover
from firstlight_qgis.core.errors import InputError
from firstlight_qgis.core.figures import manifest_figures, scene_figures
from firstlight_qgis.core.indices import SEVERITY_BOUNDS, SEVERITY_CLASSES, burn_severity
from firstlight_qgis.core.ingest import ingest_scene
from tests.support.sample import (
    BURNT_ID,
    BURNT_WINDOW,
    FLOODED_ID,
    FLOODED_WINDOW,
    ITEM_ID,
    SAMPLE,
    fire_catalog,
    flood_catalog,
    window_pixels,
)

pytestmark = pytest.mark.integration

FIRE = "wildfire.burn_scar"
FLOOD = "flood.riverine"


@pytest.fixture(scope="module")
def fire(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fire_catalog(tmp_path_factory.mktemp("fire"))


@pytest.fixture(scope="module")
def flood(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return flood_catalog(tmp_path_factory.mktemp("flood"))


@pytest.fixture(scope="module")
def area():
    return parse_area(SAMPLE / "area.geojson")


def read(path: Path) -> np.ndarray:
    return gdal.Open(str(path)).ReadAsArray()


def scene(catalog: Path, area, event: str, month: str) -> Scene:
    """The catalog's one scene of ``month``: 2018-12 before, 2019-01 after."""
    [found] = discover(area, event, f"{month}-01", f"{month}-28", catalog=str(catalog))
    return found


def ingest_both(catalog: Path, area, event: str, folder: Path):
    pre = ingest_scene(scene(catalog, area, event, "2018-12"), folder, area=area, event=event)
    after = scene(catalog, area, event, "2019-01")
    return pre, ingest_scene(after, folder, area=area, event=event, pre_event=pre)


def test_dnbr_marks_the_burnt_fields_and_nothing_else(fire, area, tmp_path) -> None:
    pre, post = ingest_both(fire, area, FIRE, tmp_path)

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
    # The areas a report gives, by class: 20 m pixels of the sample's UTM grid.
    pixel_km2 = abs(np.prod(gdal.Open(str(severity_path)).GetGeoTransform()[1::4])) / 1e6
    areas = {name: (severity == code).sum() * pixel_km2 for code, name in enumerate(SEVERITY_CLASSES)}
    assert manifest["indices"]["severity"]["areas_km2"] == pytest.approx(areas)
    assert manifest["indices"]["severity"]["positive_km2"] == pytest.approx((burnt > 0).sum() * pixel_km2)
    assert manifest["pre_event"] == {"scene": ITEM_ID, "file": f"../{ITEM_ID}/{ITEM_ID}_nbr.tif"}
    pre_name = gdal.Open(str(dnbr_path)).GetMetadataItem("FIRSTLIGHT_PRE_EVENT")
    assert pre_name == f"{ITEM_ID}_nbr.tif"


def test_ingest_again_without_a_pre_event_scene_leaves_no_stale_dnbr(fire, area, tmp_path) -> None:
    _, post = ingest_both(fire, area, FIRE, tmp_path)
    tinted, severity = read(post.quicklook_path), read(post.indices["severity"].path)
    again = ingest_scene(scene(fire, area, FIRE, "2019-01"), tmp_path, area=area, event=FIRE)
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


def test_a_pre_event_nbr_gone_is_said_before_any_download(fire, area, tmp_path) -> None:
    pre = ingest_scene(scene(fire, area, FIRE, "2018-12"), tmp_path, area=area, event=FIRE)
    after = scene(fire, area, FIRE, "2019-01")
    pre.indices["nbr"].path.unlink()
    with pytest.raises(InputError, match=f"The pre-event scene {ITEM_ID} has no NBR on disk"):
        ingest_scene(after, tmp_path, area=area, event=FIRE, pre_event=pre)
    assert not (tmp_path / BURNT_ID).exists() or not any((tmp_path / BURNT_ID).rglob("*.tif"))


def test_the_flood_is_the_water_that_was_dry_before(flood, area, tmp_path) -> None:
    pre, post = ingest_both(flood, area, FLOOD, tmp_path)

    path = post.indices["flood"].path
    assert path == tmp_path / FLOODED_ID / f"{FLOODED_ID}_flood.tif"
    flood, before, after = read(path), read(pre.water_mask.path), read(post.water_mask.path)
    valid = (before != 255) & (after != 255)
    assert np.array_equal(flood == 255, ~valid)
    assert np.array_equal(flood == 1, valid & (after == 1) & (before == 0))
    assert np.array_equal(flood == 2, valid & (after == 1) & (before == 1))  # the river, as before
    assert np.array_equal(flood == 0, valid & (after == 0))

    rows, columns = window_pixels(FLOODED_WINDOW, path)
    fields = np.zeros(flood.shape, dtype=bool)
    fields[rows, columns] = True
    assert not (flood[~fields] == 1).any()  # nothing changed elsewhere
    assert (flood[fields & valid & (before == 0)] == 1).mean() > 0.95  # the flooded fields
    assert (flood == 2).sum() > 0.08 * valid.sum()  # the river, about 12 % of the area
    result = post.indices["flood"]
    assert result.positive_fraction == pytest.approx((flood == 1).sum() / valid.sum())

    manifest = json.loads(post.manifest_path.read_text(encoding="utf-8"))
    assert manifest["pre_event"] == {"scene": ITEM_ID, "file": f"../{ITEM_ID}/{ITEM_ID}_water.tif"}
    assert manifest["indices"]["flood"]["path"] == path.name

    # The quicklook shows the flood extent, not the water mask: the flooded fields light blue, the
    # river dark blue, each a tint of its own over the same composite.
    quicklook = read(post.quicklook_path)[:3].astype(int)
    river, fields = quicklook[:, flood == 2], quicklook[:, flood == 1]
    assert river[2].mean() > river[0].mean() + 50 and fields[2].mean() > fields[0].mean() + 50  # blue
    assert fields[1].mean() > river[1].mean() + 50  # the flood lighter: #00c5ff over #00387a


def test_a_pre_event_scene_for_an_event_without_change_is_refused(flood, area, tmp_path) -> None:
    pre = ingest_scene(scene(flood, area, FLOOD, "2018-12"), tmp_path, area=area, event=FLOOD)
    after = scene(flood, area, FLOOD, "2019-01")
    with pytest.raises(InputError, match=r"drought\.vegetation makes nothing of a scene from before it"):
        ingest_scene(after, tmp_path, area=area, event="drought.vegetation", pre_event=pre)


def test_a_pre_event_nbr_of_another_sensor_is_compared_with_a_warning(fire, area, tmp_path) -> None:
    pre = ingest_scene(scene(fire, area, FIRE, "2018-12"), tmp_path, area=area, event=FIRE)
    dataset = gdal.Open(str(pre.indices["nbr"].path), gdal.GA_Update)
    dataset.SetMetadataItem("FIRSTLIGHT_SENSOR", "landsat")  # as a Landsat scene's NBR says
    dataset = None
    post = ingest_scene(scene(fire, area, FIRE, "2019-01"), tmp_path, area=area, event=FIRE, pre_event=pre)
    assert post.indices["severity"].path.is_file()
    [caveat] = [w for w in post.warnings if w.startswith("dNBR compares")]
    assert "a Landsat scene (before)" in caveat and "a Sentinel-2 scene (after)" in caveat


@pytest.mark.parametrize(("event", "catalog"), [(FIRE, "fire"), (FLOOD, "flood")])
def test_a_change_over_an_area_past_the_scene_s_edge_counts_the_rest_unseen(
    event, catalog, request, tmp_path
) -> None:
    """An area whose east half lies beyond both scenes: the change saw that half of it no more
    than each scene did; its figures (and the table's, the scene before included) say so."""
    area = parse_area([-52.92, -27.22, -52.80, -27.17])
    pre, post = ingest_both(request.getfixturevalue(catalog), area, event, tmp_path)

    own = "nbr" if event == FIRE else "water"
    seen = post.indices[own].valid_fraction
    assert 0.5 < seen < 0.55 and pre.indices[own].valid_fraction == seen  # the same sample's pixels
    changed = post.indices["severity" if event == FIRE else "flood"]
    assert changed.valid_fraction == seen
    if event == FIRE:
        assert post.indices["dnbr"].valid_fraction == seen
        again = burn_severity(
            post.indices["nbr"].path,
            pre.indices["nbr"].path,
            tmp_path / "dnbr.tif",
            tmp_path / "severity.tif",
        )
        assert again["severity"].valid_fraction == seen  # run later on the files, as the ingest
    # A row each, the scene before with its own sight (a burn's has its NBR only, no mark).
    rows = manifest_figures(tmp_path, [pre.scene_id, post.scene_id])
    assert [(row.role, row.seen_percent) for row in rows] == [("before", 100 * seen), ("event", 100 * seen)]


def test_the_scene_before_a_burn_has_the_share_it_saw(fire, area, tmp_path) -> None:
    pre, post = ingest_both(fire, area, FIRE, tmp_path)
    before, after = scene(fire, area, FIRE, "2018-12"), scene(fire, area, FIRE, "2019-01")

    rows = scene_figures([(after, post), (before, pre)], before)
    assert [row.role for row in rows] == ["before", "event"]
    assert rows[0].marks == {}  # nothing of its own is burnt
    assert rows[0].seen_percent == pytest.approx(100 * pre.indices["nbr"].valid_fraction)
    assert rows[1].seen_percent == pytest.approx(100 * post.indices["severity"].valid_fraction)
    assert rows == manifest_figures(tmp_path, [BURNT_ID, ITEM_ID])
