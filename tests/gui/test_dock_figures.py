"""After an ingest of several scenes, the dock puts their figures, by date, in a table on top of the
project (*FirstLight figures*): a flood followed from the scene before it."""

from __future__ import annotations

import json

import pytest
from qgis.core import NULL, Qgis, QgsProject

from tests.support.sample import FLOODED_ID, ITEM_ID, flood_catalog

from .conftest import wait_idle
from .test_dock_change import search_january_against_december

CRITICAL = Qgis.MessageLevel.Critical


def _figures() -> list:
    return [
        layer for layer in QgsProject.instance().mapLayers().values() if layer.name() == "FirstLight figures"
    ]


def test_a_flood_compared_with_the_scene_before_it_gets_its_figures_by_date(dock, messages, tmp_path) -> None:
    search_january_against_december(dock, flood_catalog(tmp_path / "flood"), "flood.riverine")
    dock.ingest_button.click()
    wait_idle(dock)
    assert not messages(CRITICAL), messages(CRITICAL)

    (table,) = _figures()
    assert QgsProject.instance().layerTreeRoot().children()[0].layerId() == table.id()  # on top
    rows = [feature.attributes() for feature in table.getFeatures()]
    names = table.fields().names()
    assert names[:5] == ["scene_id", "date", "sensor", "role", "seen_percent"]
    before, after = (dict(zip(names, row, strict=True)) for row in rows)
    assert (before["scene_id"], before["date"].toString("yyyy-MM-dd"), before["role"]) == (
        ITEM_ID,
        "2018-12-24",
        "before",
    )
    assert (after["scene_id"], after["date"].toString("yyyy-MM-dd"), after["role"]) == (
        FLOODED_ID,
        "2019-01-03",
        "event",
    )
    flooded = json.loads((tmp_path / "out" / FLOODED_ID / "manifest.json").read_text(encoding="utf-8"))
    assert after["flood_km2"] == pytest.approx(flooded["indices"]["flood"]["positive_km2"])
    assert after["water_km2"] > before["water_km2"]  # the fields under water
    assert before["flood_km2"] in (None, NULL)  # nothing to compare the first scene with

    # Ingested again: the table is replaced, not doubled.
    dock.ingest_button.click()
    wait_idle(dock)
    assert len(_figures()) == 1

    # Then one scene alone: the table was the other ingest's, and goes.
    dock.pre_event_check.setChecked(False)
    dock.ingest_button.click()
    wait_idle(dock)
    assert not messages(CRITICAL), messages(CRITICAL)
    assert _figures() == []
