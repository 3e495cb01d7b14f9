"""A burn scar from the dock: the pre-event dates appear for wildfire.burn_scar only, and an ingest
with them puts the scene's dNBR and burn severity on the map beside the pre-event scene's stack."""

from __future__ import annotations

from datetime import date

from qgis.core import Qgis, QgsPalettedRasterRenderer, QgsProject, QgsSingleBandPseudoColorRenderer

from firstlight_qgis.gui.dock import LOCAL_FILE
from tests.support.sample import BURNT_ID, ITEM_ID, fire_catalog

from .conftest import wait_idle
from .test_dock_ingest import group_layers
from .test_dock_search import choose

SUCCESS = Qgis.MessageLevel.Success
CRITICAL = Qgis.MessageLevel.Critical


def test_the_pre_event_dates_are_offered_for_burn_scars_only(dock) -> None:
    for event in ("flood.riverine", "wildfire.burn_scar", "drought.vegetation"):
        shown = event == "wildfire.burn_scar"
        dock.set_event(event)
        assert dock.pre_event_check.isVisibleTo(dock) is shown
        assert dock.pre_start_edit.isVisibleTo(dock) is shown
    dock.pre_event_check.setChecked(False)
    assert not dock.pre_start_edit.isEnabled()
    dock.pre_event_check.setChecked(True)
    assert dock.pre_start_edit.isEnabled()


def test_pre_event_dates_stay_before_the_event(dock) -> None:
    dock.set_dates(date(2024, 5, 1), date(2024, 5, 31))
    dock.set_pre_event_dates(date(2024, 3, 1), date(2024, 3, 31))
    dock.set_dates(date(2024, 3, 20), date(2024, 4, 10))  # now overlapping the pre-event dates
    assert dock.pre_event_dates() == (date(2024, 1, 20), date(2024, 3, 19))  # the 60 days before
    dock.set_dates(date(2024, 6, 1), date(2024, 6, 30))
    assert dock.pre_event_dates() == (date(2024, 1, 20), date(2024, 3, 19))  # still before: kept


def test_a_burn_scar_ingest_adds_dnbr_and_severity(dock, messages, tmp_path) -> None:
    catalog = fire_catalog(tmp_path / "fire")
    choose(dock, LOCAL_FILE, str(catalog), start=(2019, 1, 1), end=(2019, 1, 31))
    dock.set_event("wildfire.burn_scar")
    dock.pre_event_check.setChecked(True)
    dock.set_pre_event_dates(date(2018, 12, 1), date(2018, 12, 31))
    dock.search_button.click()
    wait_idle(dock)
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
