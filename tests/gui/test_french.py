"""The dock in French: its own strings translated, and the algorithm's translated progress lines
still read back into the per-band list (the dock matches them against the same translation)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QTranslator

from firstlight_qgis.gui.dock import LOCAL_FILE, FirstLightDock
from firstlight_qgis.processing.ingest import band_state_words
from tests.support.sample import ITEM_ID, SAMPLE

from .conftest import BANDS, ROOT, wait_idle
from .test_dock_search import choose

TS = ROOT / "i18n" / "firstlight_fr.ts"


@pytest.fixture
def french(tmp_path: Path) -> Iterator[None]:
    lrelease = next(
        (
            found
            for name in ("/usr/lib/qt5/bin/lrelease", "lrelease-qt5", "lrelease")
            if (found := shutil.which(name))
        ),
        None,
    )
    if lrelease is None or not TS.is_file():
        pytest.skip("no lrelease (qttools5-dev-tools) or no French translation")
    qm = tmp_path / "firstlight_fr.qm"
    subprocess.run([lrelease, "-silent", str(TS), "-qm", str(qm)], check=True)
    translator = QTranslator()
    assert translator.load(str(qm))
    QCoreApplication.installTranslator(translator)
    yield
    QCoreApplication.removeTranslator(translator)


def test_the_dock_speaks_french_and_still_follows_the_bands(
    french, qgis_iface, qgis_new_project, provider, tmp_path
):
    dock = FirstLightDock(qgis_iface)
    try:
        assert dock.search_button.text() == QCoreApplication.translate("FirstLight", "Search") != "Search"
        dock.output_widget.setFilePath(str(tmp_path / "out"))
        choose(dock, LOCAL_FILE, str(SAMPLE / "catalog.json"))
        dock.search_button.click()
        wait_idle(dock)
        assert dock.selected_scene_ids() == [ITEM_ID]
        dock.ingest_button.click()
        wait_idle(dock)
        # The log says each band's state in French ("Bande nir : terminé"); the list still follows.
        assert band_state_words()["done"] == "terminé" and band_state_words()["started"] != "started"
        assert {band: row.status for band, row in dock.band_rows.items()} == dict.fromkeys(BANDS, "done")
        assert dock.progress_bar.value() == 100
    finally:
        dock.shutdown()
        dock.deleteLater()


def test_the_toolbox_groups_are_french(french, provider) -> None:
    algorithms = QgsApplication.processingRegistry().providerById("firstlight").algorithms()
    assert {a.groupId(): a.group() for a in algorithms} == {"imagery": "Imagerie", "indices": "Indices"}
