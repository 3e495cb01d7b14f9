"""Changes since a scene from before the event, from the dock: the pre-event dates appear for floods
and burn scars, follow the event's dates, and an ingest with them puts the flood extent, or the dNBR
and burn severity, on the map beside the pre-event scene's layers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from qgis.core import Qgis, QgsPalettedRasterRenderer, QgsProject, QgsSingleBandPseudoColorRenderer

from firstlight_qgis.gui.dock import LOCAL_FILE
from tests.support.sample import BURNT_ID, FLOODED_ID, ITEM_ID, fire_catalog, flood_catalog

from .conftest import wait_idle
from .test_dock_ingest import group_layers
from .test_dock_search import choose

SUCCESS = Qgis.MessageLevel.Success
CRITICAL = Qgis.MessageLevel.Critical


def test_the_pre_event_dates_are_offered_for_floods_and_burn_scars(dock) -> None:
    shown = {
        "flood.riverine": "Compare with an earlier scene (flood extent)",
        "wildfire.burn_scar": "Compare with an earlier scene (dNBR)",
        "drought.vegetation": None,
    }
    for event, title in shown.items():
        dock.set_event(event)
        assert dock.pre_event_check.isVisibleTo(dock) is (title is not None)
        assert dock.pre_start_edit.isVisibleTo(dock) is (title is not None)
        assert title is None or dock.pre_event_check.text() == title
    assert not dock.pre_event_check.isChecked() and not dock.pre_start_edit.isEnabled()  # opt-in
    dock.pre_event_check.setChecked(True)
    assert dock.pre_start_edit.isEnabled()


def test_pre_event_dates_stay_before_the_event(dock) -> None:
    dock.set_dates(date(2024, 5, 1), date(2024, 5, 31))
    dock.set_pre_event_dates(date(2024, 3, 1), date(2024, 3, 31))
    dock.set_dates(date(2024, 3, 20), date(2024, 4, 10))  # now overlapping the pre-event dates
    assert dock.pre_event_dates() == (date(2024, 1, 20), date(2024, 3, 19))  # the 60 days before
    dock.set_dates(date(2024, 6, 1), date(2024, 6, 30))
    assert dock.pre_event_dates() == (date(2024, 1, 20), date(2024, 3, 19))  # still before: kept


def search_january_against_december(dock, catalog: Path, event: str) -> None:
    """Search ``catalog`` (the sample in December, its changed copy in January) for ``event`` in
    January, compared with a scene of December."""
    choose(dock, LOCAL_FILE, str(catalog), start=(2019, 1, 1), end=(2019, 1, 31))
    dock.set_event(event)
    dock.pre_event_check.setChecked(True)
    dock.set_pre_event_dates(date(2018, 12, 1), date(2018, 12, 31))
    dock.search_button.click()
    wait_idle(dock)


def test_a_burn_scar_ingest_adds_dnbr_and_severity(dock, messages, tmp_path) -> None:
    search_january_against_december(dock, fire_catalog(tmp_path / "fire"), "wildfire.burn_scar")
    assert dock.selected_scene_ids() == [BURNT_ID]  # the only scene of January
    dock.ingest_button.click()
    wait_idle(dock)

    assert not messages(CRITICAL), messages(CRITICAL)
    nodes = group_layers(BURNT_ID)
    assert set(nodes) == {"stack", "dnbr", "severity"}
    group = QgsProject.instance().layerTreeRoot().findGroup(BURNT_ID)
    assert [n.layer().name() for n in group.findLayers()] == ["severity", "dnbr", "stack"]
    assert nodes["severity"].isVisible() and not nodes["dnbr"].isVisible()
    assert isinstance(nodes["severity"].layer().renderer(), QgsPalettedRasterRenderer)
    assert isinstance(nodes["dnbr"].layer().renderer(), QgsSingleBandPseudoColorRenderer)
    assert set(group_layers(ITEM_ID)) == {"stack"}  # the scene from before the fire, to compare
    (success,) = messages(SUCCESS)
    assert BURNT_ID in success and "severity" in success
    # The answer, where the analyst looks: how much burnt, and how badly.
    assert re.search(
        r"Burnt \(dNBR 0\.1 or more\): [\d.]+% of the valid pixels\. Area: [\d.]+ km²\.", success
    )
    assert re.search(r"By class: Low severity [\d.]+ km², .*, High severity [\d.]+ km²\.", success)


def test_a_flood_ingest_adds_the_flood_extent_on_top(dock, messages, tmp_path) -> None:
    search_january_against_december(dock, flood_catalog(tmp_path / "flood"), "flood.riverine")
    dock.ingest_button.click()
    wait_idle(dock)

    assert not messages(CRITICAL), messages(CRITICAL)
    group = QgsProject.instance().layerTreeRoot().findGroup(FLOODED_ID)
    assert [n.layer().name() for n in group.findLayers()] == ["flood", "water", "ndwi", "stack"]
    flood = group.findLayers()[0]
    assert flood.isVisible() and isinstance(flood.layer().renderer(), QgsPalettedRasterRenderer)
    assert set(group_layers(ITEM_ID)) == {"stack", "ndwi", "water"}  # before the flood, to compare
    (success,) = messages(SUCCESS)
    flooded = re.search(
        r"Flooded \(water now, dry before\): [\d.]+% of the valid pixels\. Area: ([\d.]+) km²\.", success
    )
    water = re.search(r"Water: [\d.]+% of the valid pixels\. Area: ([\d.]+) km²\.", success)
    assert flooded and water and 0 < float(flooded[1]) < float(water[1]), success
    assert flooded.start() < water.start() < success.index("The files are in")  # read first, not cut off
