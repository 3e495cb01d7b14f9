"""What a Cancel says: a cancelled ingest counts the band files it finished or found complete, not
those another run left in the folder; a search for the scene from before the event cancelled
while the event's is done says it was cancelled, not that it failed."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from qgis.core import Qgis

from firstlight_qgis.gui.dock import CUSTOM_URL, LOCAL_FILE
from tests.support.sample import FLOODED_ID, ITEM_ID

from .conftest import BANDS, wait_idle, wait_until
from .test_dock_ingest import search_and_select
from .test_dock_pre_event import two_decembers
from .test_dock_search import choose

INFO = Qgis.MessageLevel.Info
WARNING = Qgis.MessageLevel.Warning


def test_a_cancelled_whole_scene_ingest_does_not_count_a_clips_band_files(
    dock, stac_url, asset_server, messages
) -> None:
    search_and_select(dock, CUSTOM_URL, stac_url)
    dock.ingest_button.click()  # clipped to the area
    wait_idle(dock)
    scene_dir = Path(dock.output_widget.filePath()) / ITEM_ID
    assert sorted(p.stem for p in scene_dir.glob("*.tif") if "_" not in p.stem) == sorted(BANDS)

    dock.clip_check.setChecked(False)  # whole files: the clip's band files are fetched again
    asset_server.throttle_bps = 30_000
    dock.ingest_button.click()
    wait_until(lambda: any(row.status == "started" for row in dock.band_rows.values()), 20, "a band")
    dock.cancel_button.click()
    wait_idle(dock, timeout=10)

    (note,) = [m for m in messages(INFO) if "Ingest cancelled" in m]
    assert note.endswith(": no band was complete yet, so nothing was kept."), note
    assert dock.status_label.text() == note.removeprefix("FirstLight:")


def december_behind_a_slow_server(root: Path, asset_server) -> Path:
    """``two_decembers`` whose December scenes have a cloud mask on a server that answers after
    20 s: the search of the scenes before the event waits, measuring the cloud over the area."""
    asset_server.inject("/scl.tif", ["slow:20"] * 8)
    catalog = two_decembers(root)
    collection = json.loads(catalog.read_text(encoding="utf-8"))
    for item in collection["features"]:
        if item["properties"]["datetime"].startswith("2018-12"):
            item["assets"]["scl"] = {
                "href": asset_server.url("/scl.tif"),
                "type": "image/tiff; application=geotiff; profile=cloud-optimized",
                "roles": ["data"],
            }
    catalog.write_text(json.dumps(collection), encoding="utf-8")
    return catalog


def test_cancelling_the_search_before_the_event_says_it_was_cancelled(
    dock, messages, log_lines, tmp_path, asset_server
) -> None:
    catalog = december_behind_a_slow_server(tmp_path / "flood", asset_server)
    choose(dock, LOCAL_FILE, str(catalog), start=(2019, 1, 1), end=(2019, 1, 31))
    dock.area_cloud_check.setChecked(True)
    dock.pre_event_check.setChecked(True)
    dock.set_pre_event_dates(date(2018, 12, 1), date(2018, 12, 31))
    assert dock.search()
    wait_until(lambda: not dock.search_run.running, 30, "the event's search")
    assert dock.pre_search_run.running
    dock.cancel_button.click()
    wait_idle(dock)

    cancelled = "The search for a scene from before the event was cancelled; the ingest searches again."
    assert dock.status_label.text().endswith(cancelled)
    assert dock.selected_scene_ids() == [FLOODED_ID]  # the event's scenes are listed all the same
    assert not any("failed" in m for m in messages(INFO) + messages(WARNING))
    assert not any("from before the event failed" in line for line, _, _ in log_lines)
