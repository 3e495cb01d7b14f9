"""The scenes table from real catalogs' items: each scene's tile or orbit, as its item says."""

from __future__ import annotations

import json

from firstlight_qgis.core.catalog import scene_from_item
from firstlight_qgis.gui import scenes as columns
from firstlight_qgis.gui.scenes import ScenesModel
from tests.conftest import STAC_FIXTURES
from tests.support.sample import SAMPLE


def _item(name: str) -> dict:
    document = json.loads((STAC_FIXTURES / name).read_text(encoding="utf-8"))
    return (document.get("features") or [document])[0]


def test_the_table_shows_each_scenes_tile_or_orbit() -> None:
    found = [
        scene_from_item(_item("earthsearch_s2_l2a.json")),
        scene_from_item(_item("pc_s1_rtc.json")),
        scene_from_item(_item("usgs_landsat_c2l2_sr.json")),
        scene_from_item(
            json.loads((SAMPLE / "S2_UruguayRiver_20181224_sample.json").read_text(encoding="utf-8"))
        ),
    ]
    model = ScenesModel()
    model.set_scenes(found)
    shown = {model.item(row, columns.SCENE).text(): model.item(row, columns.VIEW).text() for row in range(4)}
    assert shown == {
        found[0].id: "MGRS-24MVV",
        found[1].id: "orbit 51 descending",
        found[2].id: "WRS2-028030",
        found[3].id: "—",  # the sample's item does not say
    }
    assert model.horizontalHeaderItem(columns.VIEW).text() == "Tile / orbit"
