"""Write ``resources/models/firstlight_flood.model3``, the graphical model FirstLight ships.

The model chains the three algorithms as a flood analyst would: *Discover scenes* over the area
(footprints and a scene list), *Ingest scenes* on the best scene of that list (band stack, NDWI,
water mask), then *Compute index / water mask* on the stack for a second opinion: MNDWI, which
separates water from built-up land better, with an Otsu threshold picked from the image itself.
Its sensor is the one *Ingest* reports, so a Landsat or Sentinel-1 scene is read correctly.

Run with QGIS's Python (the venv sees it): ``.venv/bin/python tools/make_model.py``. The model is
built through the QGIS API, not written by hand, so it stays loadable by every QGIS version that
reads it; re-run this after changing an algorithm's parameters.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "resources" / "models" / "firstlight_flood.model3"
MODEL_NAME = "firstlight_flood"
FLOOD_EVENTS = ["flood.riverine", "flood.coastal", "flood.flash"]


def build_model():
    """The model, built against the registered FirstLight provider."""
    from qgis.core import (
        QgsProcessing,
        QgsProcessingModelAlgorithm,
        QgsProcessingModelChildAlgorithm,
        QgsProcessingModelChildParameterSource,
        QgsProcessingModelOutput,
        QgsProcessingModelParameter,
        QgsProcessingParameterDateTime,
        QgsProcessingParameterEnum,
        QgsProcessingParameterExtent,
        QgsProcessingParameterNumber,
        QgsProcessingParameterString,
    )
    from qgis.PyQt.QtCore import QPointF

    from firstlight_qgis.processing.compat import DATETIME_DATE, NUMBER_DOUBLE

    model = QgsProcessingModelAlgorithm("FirstLight flood mapping", "FirstLight", "firstlight")
    model.setHelpContent(
        {
            "ALG_DESC": (
                "Finds the best scene over the area for a flood event, ingests it (band stack, NDWI, "
                "water mask) and maps water a second way: MNDWI with an Otsu threshold."
            ),
            "ALG_CREATOR": "FirstLight",
        }
    )

    def model_input(definition, x: float) -> None:
        parameter = QgsProcessingModelParameter(definition.name())
        parameter.setPosition(QPointF(x, 60))
        model.addModelParameter(definition, parameter)

    model_input(QgsProcessingParameterExtent("AREA", "Area of interest"), 120)
    model_input(
        QgsProcessingParameterEnum("EVENT", "Flood event", FLOOD_EVENTS, False, FLOOD_EVENTS[0], False, True),
        300,
    )
    model_input(QgsProcessingParameterDateTime("START_DATE", "Start date", DATETIME_DATE), 480)
    model_input(QgsProcessingParameterDateTime("END_DATE", "End date", DATETIME_DATE), 660)
    model_input(
        QgsProcessingParameterNumber(
            "MAX_CLOUD", "Maximum cloud cover (%)", NUMBER_DOUBLE, 30.0, False, 0, 100
        ),
        840,
    )
    model_input(QgsProcessingParameterString("CATALOG", "Catalog", "earth-search"), 1020)

    def from_input(name: str):
        return [QgsProcessingModelChildParameterSource.fromModelParameter(name)]

    def static(value):
        return [QgsProcessingModelChildParameterSource.fromStaticValue(value)]

    def from_child(child: str, output: str):
        return [QgsProcessingModelChildParameterSource.fromChildOutput(child, output)]

    search = {
        name: from_input(name) for name in ("AREA", "EVENT", "START_DATE", "END_DATE", "MAX_CLOUD", "CATALOG")
    }

    def child(
        child_id: str, algorithm: str, description: str, x: float, y: float, sources: dict, outputs: dict
    ):
        step = QgsProcessingModelChildAlgorithm(algorithm)
        step.setChildId(child_id)
        step.setDescription(description)
        step.setPosition(QPointF(x, y))
        for name, source in sources.items():
            step.addParameterSources(name, source)
        for definition in step.algorithm().parameterDefinitions():  # the rest at their defaults,
            if definition.isDestination() or definition.name() in sources:  # as the modeler does
                continue
            if definition.defaultValue() is not None:
                step.addParameterSources(definition.name(), static(definition.defaultValue()))
        model_outputs = {}
        for output_name, (child_output, title) in outputs.items():
            output = QgsProcessingModelOutput(output_name, title)
            output.setChildId(child_id)
            output.setChildOutputName(child_output)
            output.setPosition(QPointF(x + 220, y + 40 * (len(model_outputs) + 1)))
            output.setDefaultValue(QgsProcessing.TEMPORARY_OUTPUT)  # qgis_process needs no value for it
            model_outputs[output_name] = output
        step.setModelOutputs(model_outputs)
        model.addChildAlgorithm(step)

    child(
        "discover",
        "firstlight:discover",
        "Discover scenes",
        300,
        220,
        {**search, "LIMIT": static(20)},
        {"footprints": ("FOOTPRINTS", "Scene footprints")},
    )
    child(
        "ingest",
        "firstlight:ingest",
        "Ingest the best scene",
        300,
        400,
        {
            **search,
            "SCENES_JSON": from_child("discover", "SCENES_JSON"),
            "BEST_N": static(1),
            "CLIP_TO_AREA": static(True),
            "PARALLEL_DOWNLOADS": static(4),
            "SKIP_VALIDATION": static(False),
        },
        {"folder": ("OUTPUT_FOLDER", "Ingest folder")},
    )
    child(
        "mndwi",
        "firstlight:index",
        "MNDWI water mask (Otsu)",
        300,
        580,
        {
            "INPUT": from_child("ingest", "OUTPUT_STACK"),
            "INDEX": static("mndwi"),
            "SENSOR": from_child("ingest", "SENSOR"),
            "WATER_THRESHOLD": static("otsu"),
        },
        {"mndwi": ("OUTPUT", "MNDWI"), "water": ("OUTPUT_WATER", "Water (MNDWI, Otsu)")},
    )
    return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where to write the .model3")
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
        model = build_model()
        ok, errors = model.validate()
        if not ok:
            print("The model does not validate:\n" + "\n".join(errors), file=sys.stderr)
            return 1
        args.output.parent.mkdir(parents=True, exist_ok=True)
        if not model.toFile(str(args.output)):
            print(f"Could not write {args.output}", file=sys.stderr)
            return 1
        print(f"Wrote {args.output}")
        return 0
    finally:
        app.exitQgis()


if __name__ == "__main__":
    sys.exit(main())
