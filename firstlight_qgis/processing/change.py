"""``firstlight:burnseverity`` and ``firstlight:floodextent``: the change since an earlier scene,
from rasters already made (two NBRs, two water masks), for models and for stacks ingested before.
``firstlight:ingest`` with pre-event dates computes the same on the scenes it downloads."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterRasterDestination,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.indices import IndexResult, burn_severity, flood_extent, sensor_caveat
from .base import GROUP_INDICES
from .rasters import RasterInput, RasterInputAlgorithm, gdal_source, geotiff_output, progress_of
from .styling import PRODUCT, style_on_completion
from .summaries import product_summary

BEFORE = "BEFORE"
AFTER = "AFTER"
OUTPUT = "OUTPUT"
OUTPUT_SEVERITY = "OUTPUT_SEVERITY"
VALID_FRACTION = "VALID_FRACTION"
CHANGED_FRACTION = "CHANGED_FRACTION"
CHANGED_AREA_KM2 = "CHANGED_AREA_KM2"


class _Pair(NamedTuple):
    """The files GDAL reads for the BEFORE and AFTER layers."""

    before: str
    after: str


class _ChangeAlgorithm(RasterInputAlgorithm):
    """Two rasters of one kind, before and after the event, into the change between them."""

    kind = ""  # what BEFORE and AFTER are, in the errors: "NBR", "water mask"
    product = ""  # the result whose positive fraction is what changed: "severity", "flood"

    def groupId(self) -> str:
        return GROUP_INDICES

    def initAlgorithm(self, configuration: dict[str, Any] | None = None) -> None:
        for name, title in self._inputs():
            self.addParameter(RasterInput(name, title))
        for name, title, _what in self._outputs():
            self.addParameter(QgsProcessingParameterRasterDestination(name, title))
        translate = QCoreApplication.translate
        self.addOutput(
            QgsProcessingOutputNumber(VALID_FRACTION, translate("FirstLight", "Share of valid pixels"))
        )
        self.addOutput(QgsProcessingOutputNumber(CHANGED_FRACTION, self._changed_title()))
        self.addOutput(
            QgsProcessingOutputNumber(
                CHANGED_AREA_KM2,
                translate("FirstLight", "Area changed (km², none on a grid in degrees)"),
            )
        )

    def _inputs(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def _outputs(self) -> list[tuple[str, str, str]]:
        """(parameter, title, what the errors call it) of each raster written."""
        raise NotImplementedError

    def _changed_title(self) -> str:
        raise NotImplementedError

    def read_layers(self, parameters: dict[str, Any], context: QgsProcessingContext) -> _Pair:
        before, after = (
            gdal_source(self.parameterAsRasterLayer(parameters, name, context), f"{when} {self.kind}")
            for name, when in ((BEFORE, "pre-event"), (AFTER, "post-event"))
        )
        return _Pair(before, after)

    def process(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        outputs = {
            name: geotiff_output(self.parameterAsOutputLayer(parameters, name, context), what)
            for name, _title, what in self._outputs()
        }
        before, after = self.from_layers
        results = self.compute(Path(before), Path(after), outputs, feedback)
        first, changed = next(iter(results.values())), results[self.product]
        if not first.valid_fraction:
            feedback.pushWarning(
                QCoreApplication.translate(
                    "FirstLight",
                    "No pixel is valid in both rasters: where they overlap, one of them has no data "
                    "(clouds, or beyond its scene).",
                )
            )
        for line in product_summary(changed):
            feedback.pushInfo(line)
        for output in outputs.values():
            style_on_completion(context, output, PRODUCT)
        return {
            **outputs,
            VALID_FRACTION: first.valid_fraction,
            CHANGED_FRACTION: changed.positive_fraction,
            CHANGED_AREA_KM2: changed.positive_km2,
        }

    def compute(
        self, before: Path, after: Path, outputs: dict[str, str], feedback: QgsProcessingFeedback
    ) -> dict[str, IndexResult]:
        raise NotImplementedError


class BurnSeverityAlgorithm(_ChangeAlgorithm):
    """dNBR and its USGS burn severity classes from a pre- and a post-event NBR."""

    kind = "NBR"
    product = "severity"

    def name(self) -> str:
        return "burnseverity"

    def displayName(self) -> str:
        return QCoreApplication.translate("FirstLight", "Burn severity (dNBR) from two NBRs")

    def tags(self) -> list[str]:
        return QCoreApplication.translate(
            "FirstLight", "dnbr,nbr,burn,severity,wildfire,fire,change,pre-event"
        ).split(",")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "FirstLight",
            "dNBR, the NBR before the fire minus the NBR after it, and its burn severity classes "
            "(Key & Benson, as the USGS uses them): 0 unburned or regrowth (dNBR below 0.1), 1 low, "
            "2 moderate-low (0.27), 3 moderate-high (0.44), 4 high (0.66); 255 no data.\n\n"
            "Both inputs are one-band NBR rasters, such as 'Compute index / water mask' writes with "
            "INDEX=nbr. They may come from different scenes, tiles, sensors or CRSs: the results are "
            "on the post-event NBR's grid, the pre-event NBR resampled bilinearly onto it. A raster "
            "that is not an NBR (a stack, another index, a mask) or two rasters that do not overlap "
            "are refused before anything is written.\n\n"
            "'Ingest scenes' with pre-event dates does the same for the scenes it downloads.",
        )

    def _inputs(self) -> list[tuple[str, str]]:
        translate = QCoreApplication.translate
        return [
            (BEFORE, translate("FirstLight", "Pre-event NBR")),
            (AFTER, translate("FirstLight", "Post-event NBR")),
        ]

    def _outputs(self) -> list[tuple[str, str, str]]:
        translate = QCoreApplication.translate
        return [
            (OUTPUT, translate("FirstLight", "dNBR"), "dNBR output"),
            (OUTPUT_SEVERITY, translate("FirstLight", "Burn severity"), "burn severity output"),
        ]

    def _changed_title(self) -> str:
        return QCoreApplication.translate("FirstLight", "Share of valid pixels burnt (dNBR 0.1 or more)")

    def compute(
        self, before: Path, after: Path, outputs: dict[str, str], feedback: QgsProcessingFeedback
    ) -> dict[str, IndexResult]:
        results = burn_severity(
            after,
            before,
            Path(outputs[OUTPUT]),
            Path(outputs[OUTPUT_SEVERITY]),
            cancel=feedback.isCanceled,
            progress=progress_of(feedback),
        )
        caveat = sensor_caveat(before, after)
        if caveat:
            feedback.pushWarning(caveat)
        return results


class FloodExtentAlgorithm(_ChangeAlgorithm):
    """The flood: water after the event that was dry before it, from two water masks."""

    kind = "water mask"
    product = "flood"

    def name(self) -> str:
        return "floodextent"

    def displayName(self) -> str:
        return QCoreApplication.translate("FirstLight", "Flood extent from two water masks")

    def tags(self) -> list[str]:
        return QCoreApplication.translate(
            "FirstLight", "flood,extent,water,mask,change,pre-event,sentinel-1,sar"
        ).split(",")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "FirstLight",
            "The flood: water after the event that was dry before it, told apart from the water "
            "that was already there (the river in its bed, lakes). 1 flooded, 2 water before too, "
            "0 dry, 255 where either mask has no data (clouds, beyond the scene).\n\n"
            "Both inputs are water masks (0 dry, 1 water, 255 no data), such as 'Compute index / "
            "water mask' writes: from NDWI or MNDWI, or from Sentinel-1 backscatter. They may come "
            "from different sensors, tiles or CRSs: a radar mask after the flood against an optical "
            "one before it works. The result is on the post-event mask's grid, the pre-event mask "
            "read nearest. A raster that is not a mask (a stack, an index) or two masks that do not "
            "overlap are refused before anything is written.\n\n"
            "'Ingest scenes' with pre-event dates does the same for the scenes it downloads.",
        )

    def _inputs(self) -> list[tuple[str, str]]:
        translate = QCoreApplication.translate
        return [
            (BEFORE, translate("FirstLight", "Pre-event water mask")),
            (AFTER, translate("FirstLight", "Post-event water mask")),
        ]

    def _outputs(self) -> list[tuple[str, str, str]]:
        return [(OUTPUT, QCoreApplication.translate("FirstLight", "Flood extent"), "flood extent output")]

    def _changed_title(self) -> str:
        return QCoreApplication.translate("FirstLight", "Share of valid pixels flooded")

    def compute(
        self, before: Path, after: Path, outputs: dict[str, str], feedback: QgsProcessingFeedback
    ) -> dict[str, IndexResult]:
        result = flood_extent(
            after, before, Path(outputs[OUTPUT]), cancel=feedback.isCanceled, progress=progress_of(feedback)
        )
        return {"flood": result}
