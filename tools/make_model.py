"""Write the graphical models FirstLight ships in ``resources/models``.

``firstlight_flood.model3`` chains the algorithms as a flood analyst would: *Discover scenes* over
the area (footprints and a scene list), *Ingest scenes* on the best scene of that list (band stack,
NDWI, water mask), then *Compute index / water mask* on the stack for a second opinion: MNDWI,
which separates water from built-up land better, with an Otsu threshold picked from the image
itself. Its sensor is the one *Ingest* reports, so a Landsat scene is read correctly, and a
Sentinel-1 scene gives its radar water mask (in both of the step's outputs). Last, that water as
polygons (*Polygons of a water mask, flood or burn severity*). Every output but the ingest folder
is temporary unless given, and the water the polygons need is written even when its own output
is left out.

``firstlight_burn_severity.model3`` maps a burn scar from two stacks already on disk, one from
before the fire and one after it: the NBR of each, then their dNBR and burn severity classes, and
those as polygons.

Run with QGIS's Python (the venv sees it): ``.venv/bin/python tools/make_model.py``. The models are
built through the QGIS API, not written by hand, so they stay loadable by every QGIS version that
reads them; re-run this after changing an algorithm's parameters.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / "resources" / "models"
FLOOD_EVENTS = ["flood.riverine", "flood.coastal", "flood.flash"]
OPTICAL_SENSORS = ["sentinel2", "landsat"]


def _static(value: Any) -> list:
    from qgis.core import QgsProcessingModelChildParameterSource

    return [QgsProcessingModelChildParameterSource.fromStaticValue(value)]


def _from_input(name: str) -> list:
    from qgis.core import QgsProcessingModelChildParameterSource

    return [QgsProcessingModelChildParameterSource.fromModelParameter(name)]


def _from_child(child: str, output: str) -> list:
    from qgis.core import QgsProcessingModelChildParameterSource

    return [QgsProcessingModelChildParameterSource.fromChildOutput(child, output)]


class _Model:
    """A model being built: its inputs in a row at the top, its steps below, as the modeler draws them."""

    def __init__(self, title: str, description: str) -> None:
        from qgis.core import QgsProcessingModelAlgorithm

        self.model = QgsProcessingModelAlgorithm(title, "FirstLight", "firstlight")
        self.model.setHelpContent({"ALG_DESC": description, "ALG_CREATOR": "FirstLight"})

    def input(self, definition, x: float) -> None:
        from qgis.core import QgsProcessingModelParameter
        from qgis.PyQt.QtCore import QPointF

        parameter = QgsProcessingModelParameter(definition.name())
        parameter.setPosition(QPointF(x, 60))
        self.model.addModelParameter(definition, parameter)

    def child(
        self,
        child_id: str,
        algorithm: str,
        description: str,
        x: float,
        y: float,
        sources: dict,
        outputs: dict,
    ) -> None:
        """A step: its parameters from ``sources``, the rest at their defaults (as the modeler does);
        ``outputs``: model output name -> (the step's output, title)."""
        from qgis.core import QgsProcessing, QgsProcessingModelChildAlgorithm, QgsProcessingModelOutput
        from qgis.PyQt.QtCore import QPointF

        step = QgsProcessingModelChildAlgorithm(algorithm)
        step.setChildId(child_id)
        step.setDescription(description)
        step.setPosition(QPointF(x, y))
        for name, source in sources.items():
            step.addParameterSources(name, source)
        for definition in step.algorithm().parameterDefinitions():
            if definition.isDestination() or definition.name() in sources:
                continue
            if definition.defaultValue() is not None:
                step.addParameterSources(definition.name(), _static(definition.defaultValue()))
        model_outputs = {}
        for output_name, (child_output, title) in outputs.items():
            output = QgsProcessingModelOutput(output_name, title)
            output.setChildId(child_id)
            output.setChildOutputName(child_output)
            output.setPosition(QPointF(x + 220, y + 40 * (len(model_outputs) + 1)))
            output.setDefaultValue(QgsProcessing.TEMPORARY_OUTPUT)  # qgis_process needs no value for it
            model_outputs[output_name] = output
        step.setModelOutputs(model_outputs)
        self.model.addChildAlgorithm(step)


def build_flood_model():
    """Discover, ingest the best scene, MNDWI with Otsu, its polygons: built against the registered
    provider."""
    from qgis.core import (
        QgsProcessingParameterBoolean,
        QgsProcessingParameterDateTime,
        QgsProcessingParameterEnum,
        QgsProcessingParameterExtent,
        QgsProcessingParameterNumber,
        QgsProcessingParameterString,
    )

    from firstlight_qgis.processing.compat import DATETIME_DATE, NUMBER_DOUBLE

    built = _Model(
        "FirstLight flood mapping",
        "Finds the best scene over the area for a flood event, ingests it (band stack, NDWI, "
        "water mask) and maps water a second way: MNDWI with an Otsu threshold (for a Sentinel-1 "
        "scene, its radar water mask), then as polygons (patches of 0.1 ha or more) for a report or a map.",
    )
    built.input(QgsProcessingParameterExtent("AREA", "Area of interest"), 120)
    built.input(
        QgsProcessingParameterEnum("EVENT", "Flood event", FLOOD_EVENTS, False, FLOOD_EVENTS[0], False, True),
        300,
    )
    built.input(QgsProcessingParameterDateTime("START_DATE", "Start date", DATETIME_DATE), 480)
    built.input(QgsProcessingParameterDateTime("END_DATE", "End date", DATETIME_DATE), 660)
    built.input(
        QgsProcessingParameterNumber(
            "MAX_CLOUD", "Maximum cloud cover (%)", NUMBER_DOUBLE, 30.0, False, 0, 100
        ),
        840,
    )
    built.input(QgsProcessingParameterString("CATALOG", "Catalog", "earth-search"), 1020)
    built.input(QgsProcessingParameterBoolean("AREA_CLOUD", "Judge cloud over the area", True), 1200)
    search = {
        name: _from_input(name)
        for name in ("AREA", "EVENT", "START_DATE", "END_DATE", "MAX_CLOUD", "AREA_CLOUD", "CATALOG")
    }
    built.child(
        "discover",
        "firstlight:discover",
        "Discover scenes",
        300,
        220,
        {**search, "LIMIT": _static(20)},
        {"footprints": ("FOOTPRINTS", "Scene footprints")},
    )
    built.child(
        "ingest",
        "firstlight:ingest",
        "Ingest the best scene",
        300,
        400,
        {
            **search,
            "SCENES_JSON": _from_child("discover", "SCENES_JSON"),
            "BEST_N": _static(1),
            "CLIP_TO_AREA": _static(True),
            "PARALLEL_DOWNLOADS": _static(4),
            "SKIP_VALIDATION": _static(False),
        },
        {"folder": ("OUTPUT_FOLDER", "Ingest folder")},
    )
    built.child(
        "mndwi",
        "firstlight:index",
        "MNDWI water mask (Otsu)",
        300,
        580,
        {
            "INPUT": _from_child("ingest", "OUTPUT_STACK"),
            "INDEX": _static("mndwi"),
            "SENSOR": _from_child("ingest", "SENSOR"),
            "WATER_THRESHOLD": _static("otsu"),
        },
        {"mndwi": ("OUTPUT", "MNDWI"), "water": ("OUTPUT_WATER", "Water (MNDWI, Otsu)")},
    )
    built.child(
        "polygons",
        "firstlight:polygons",
        "Water polygons",
        300,
        760,
        {"INPUT": _from_child("mndwi", "OUTPUT_WATER")},
        {"water_polygons": ("OUTPUT", "Water polygons (MNDWI, Otsu)")},
    )
    return built.model


def build_burn_model():
    """The NBR of two stacks, then their dNBR and burn severity, and its polygons."""
    from qgis.core import QgsProcessingParameterEnum, QgsProcessingParameterRasterLayer

    built = _Model(
        "FirstLight burn severity from two stacks",
        "Maps a burn scar from two band stacks already on disk, one from before the fire and one "
        "after it (ingested on different days, or from any tool whose bands are named): the NBR of "
        "each, then dNBR and its USGS burn severity classes on the grid of the stack after the fire, "
        "and those classes as polygons (patches of 0.1 ha or more).",
    )
    built.input(QgsProcessingParameterRasterLayer("BEFORE_STACK", "Stack before the fire"), 120)
    built.input(QgsProcessingParameterRasterLayer("AFTER_STACK", "Stack after the fire"), 420)
    built.input(
        QgsProcessingParameterEnum(
            "SENSOR", "Sensor of the stacks", OPTICAL_SENSORS, False, OPTICAL_SENSORS[0], False, True
        ),
        720,
    )
    for number, (child_id, stack, title) in enumerate(
        (
            ("nbr_before", "BEFORE_STACK", "NBR before the fire"),
            ("nbr_after", "AFTER_STACK", "NBR after the fire"),
        )
    ):
        built.child(
            child_id,
            "firstlight:index",
            title,
            120 + 300 * number,
            220,
            {"INPUT": _from_input(stack), "INDEX": _static("nbr"), "SENSOR": _from_input("SENSOR")},
            {},
        )
    built.child(
        "severity",
        "firstlight:burnseverity",
        "dNBR and burn severity",
        270,
        400,
        {"BEFORE": _from_child("nbr_before", "OUTPUT"), "AFTER": _from_child("nbr_after", "OUTPUT")},
        {"dnbr": ("OUTPUT", "dNBR"), "severity": ("OUTPUT_SEVERITY", "Burn severity")},
    )
    built.child(
        "polygons",
        "firstlight:polygons",
        "Burn severity polygons",
        270,
        580,
        {"INPUT": _from_child("severity", "OUTPUT_SEVERITY")},
        {"severity_polygons": ("OUTPUT", "Burn severity polygons")},
    )
    return built.model


MODELS: dict[str, Callable[[], Any]] = {
    "firstlight_flood.model3": build_flood_model,
    "firstlight_burn_severity.model3": build_burn_model,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=FOLDER, help="where to write the .model3 files")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_HASH_SEED", "0")  # Qt writes XML attributes in hash order: make it fixed
    sys.path.insert(0, str(ROOT))
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    try:
        from firstlight_qgis.processing.provider import FirstLightProvider

        provider = FirstLightProvider()  # referenced: a Python provider must outlive its registration
        QgsApplication.processingRegistry().addProvider(provider)
        args.folder.mkdir(parents=True, exist_ok=True)
        for name, build in MODELS.items():
            model = build()
            ok, errors = model.validate()
            if not ok:
                print(f"The model {name} does not validate:\n" + "\n".join(errors), file=sys.stderr)
                return 1
            if not model.toFile(str(args.folder / name)):
                print(f"Could not write {args.folder / name}", file=sys.stderr)
                return 1
            print(f"Wrote {args.folder / name}")
        return 0
    finally:
        app.exitQgis()


if __name__ == "__main__":
    sys.exit(main())
