"""firstlight:discover run without FOOTPRINTS or SCENES_JSON, as qgis_process users do: both are
temporary, as the toolbox makes them, instead of a refusal naming mandatory parameters."""

from __future__ import annotations

import json
from pathlib import Path

from qgis.core import QgsApplication, QgsProcessingContext

from tests.qgis.support import DATES, EVENT, ITEM_ID, run


def test_discover_without_outputs_makes_temporary_ones(provider, local_catalog, area_file) -> None:
    parameters = {"AREA": area_file, "EVENT": EVENT, **DATES, "CATALOG": local_catalog}
    context = QgsProcessingContext()
    algorithm = QgsApplication.processingRegistry().algorithmById("firstlight:discover")
    # qgis_process's own check, before the run: a parameter left out must be optional
    missing = [
        definition.name()
        for definition in algorithm.parameterDefinitions()
        if definition.name() not in parameters and not definition.checkValueIsAcceptable(None, context)
    ]
    assert missing == []
    results = run("firstlight:discover", parameters, context=context)
    assert [feature["id"] for feature in results["FOOTPRINTS"].getFeatures()] == [ITEM_ID]
    scenes = json.loads(Path(results["SCENES_JSON"]).read_text(encoding="utf-8"))["scenes"]
    assert [scene["id"] for scene in scenes] == [ITEM_ID]
