"""``firstlight:index``: a spectral index and water mask from any band stack."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.bands import LANDSAT, SENTINEL1, SENTINEL2
from ..core.errors import InputError
from ..core.indices import (
    INDEX_BANDS,
    IndexResult,
    canonical_band,
    compute_indices,
    otsu_caveat,
    sar_water_mask,
)
from .base import GROUP_INDICES, FirstLightAlgorithm
from .compat import FLAG_ADVANCED, NUMBER_DOUBLE
from .ingest import parse_water_threshold
from .parameters import enum_string, one_line
from .rasters import gdal_source, geotiff_output, progress_of
from .sar import add_sar_parameters, sar_values
from .styling import PRODUCT, style_on_completion
from .summaries import area_sentence

INPUT = "INPUT"
INDEX = "INDEX"
SENSOR = "SENSOR"
CLOUD_MASK_LAYER = "CLOUD_MASK_LAYER"
WATER_THRESHOLD = "WATER_THRESHOLD"
REFLECTANCE_SCALE = "REFLECTANCE_SCALE"
REFLECTANCE_OFFSET = "REFLECTANCE_OFFSET"
OUTPUT = "OUTPUT"
OUTPUT_WATER = "OUTPUT_WATER"
VALID_FRACTION = "VALID_FRACTION"
WATER_FRACTION = "WATER_FRACTION"
WATER_AREA_KM2 = "WATER_AREA_KM2"
THRESHOLD = "THRESHOLD"

INDEX_NAMES = list(INDEX_BANDS)
SENSOR_NAMES = [SENTINEL2, LANDSAT, SENTINEL1]


class _Files(NamedTuple):
    """The files GDAL reads for the INPUT and CLOUD_MASK_LAYER layers."""

    stack: str
    mask: str | None


class IndexAlgorithm(FirstLightAlgorithm):
    """NDWI, MNDWI, NBR or NDVI of a stack, with an optional water mask; Sentinel-1 gives water from VV."""

    def name(self) -> str:
        return "index"

    def displayName(self) -> str:
        return QCoreApplication.translate("FirstLight", "Compute index / water mask")

    def groupId(self) -> str:
        return GROUP_INDICES

    def tags(self) -> list[str]:
        return QCoreApplication.translate(
            "FirstLight", "ndwi,mndwi,nbr,ndvi,water,mask,otsu,index,sentinel-1,sar"
        ).split(",")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "FirstLight",
            "Computes a normalised-difference index of a band stack: NDWI (green, NIR), MNDWI (green, "
            "SWIR 1.6), NBR (NIR, SWIR 2.2) or NDVI (NIR, red), from reflectance (DN x scale + offset, the "
            "sensor's defaults unless given), as float32 with NaN for no data. Works on the stack of "
            "'Ingest scenes' and on any raster step after it.\n\n"
            "Bands are found by their description (blue ... swir22, B03, SR_B5, ...), else by position "
            "when the stack has exactly the sensor's canonical bands (Sentinel-2: blue, green, red, nir, "
            "swir16, swir22).\n\n"
            "Water mask (when OUTPUT_WATER is set): 1 where the index is above WATER_THRESHOLD (a number, "
            "or otsu), 0 dry, 255 no data.\n\n"
            "Sentinel-1: the index is not used; OUTPUT is the water mask from VV backscatter below "
            "SAR_THRESHOLD_DB. Radar speckle makes single pixels of wet fields fall below it and single "
            "pixels of water rise above it: a pixel is water where the median of the SAR_SPECKLE_WINDOW "
            "x SAR_SPECKLE_WINDOW pixels around it is below the threshold (3 by default; 0 for each "
            "pixel alone).",
        )

    def initAlgorithm(self, configuration: dict[str, Any] | None = None) -> None:
        translate = QCoreApplication.translate
        self.addParameter(QgsProcessingParameterRasterLayer(INPUT, translate("FirstLight", "Band stack")))
        self.addParameter(
            QgsProcessingParameterEnum(
                INDEX, translate("FirstLight", "Index"), INDEX_NAMES, False, "ndwi", False, True
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum(
                SENSOR, translate("FirstLight", "Sensor"), SENSOR_NAMES, False, SENTINEL2, False, True
            )
        )
        self.addParameter(
            QgsProcessingParameterString(
                WATER_THRESHOLD, translate("FirstLight", "Water threshold (number or otsu)"), "0"
            )
        )
        add_sar_parameters(self, advanced=False)
        mask = QgsProcessingParameterRasterLayer(
            CLOUD_MASK_LAYER,
            translate("FirstLight", "Cloud mask (Sentinel-2 SCL or Landsat QA_PIXEL)"),
            None,
            True,
        )
        scale = QgsProcessingParameterNumber(
            REFLECTANCE_SCALE,
            translate("FirstLight", "Reflectance scale (empty: sensor default)"),
            NUMBER_DOUBLE,
            None,
            True,
        )
        offset = QgsProcessingParameterNumber(
            REFLECTANCE_OFFSET,
            translate("FirstLight", "Reflectance offset (empty: sensor default)"),
            NUMBER_DOUBLE,
            None,
            True,
        )
        for definition in (mask, scale, offset):
            definition.setFlags(definition.flags() | FLAG_ADVANCED)
            self.addParameter(definition)
        self.addParameter(QgsProcessingParameterRasterDestination(OUTPUT, translate("FirstLight", "Index")))
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                OUTPUT_WATER, translate("FirstLight", "Water mask"), None, True, False
            )
        )
        self.addOutput(
            QgsProcessingOutputNumber(VALID_FRACTION, translate("FirstLight", "Share of valid pixels"))
        )
        self.addOutput(
            QgsProcessingOutputNumber(
                WATER_FRACTION, translate("FirstLight", "Share of valid pixels that are water")
            )
        )
        self.addOutput(
            QgsProcessingOutputNumber(
                WATER_AREA_KM2, translate("FirstLight", "Area of water (km², none on a grid in degrees)")
            )
        )
        self.addOutput(QgsProcessingOutputNumber(THRESHOLD, translate("FirstLight", "Threshold applied")))

    def checkParameterValues(
        self, parameters: dict[str, Any], context: QgsProcessingContext
    ) -> tuple[bool, str]:
        try:
            self._choices(parameters, context)
            parse_water_threshold(self.parameterAsString(parameters, WATER_THRESHOLD, context))
            sar_values(self, parameters, context)
        except InputError as error:
            return False, one_line(str(error))
        return super().checkParameterValues(parameters, context)

    def _choices(self, parameters: dict[str, Any], context: QgsProcessingContext) -> tuple[str, str]:
        index = enum_string(self, parameters, INDEX, context).lower()
        sensor = enum_string(self, parameters, SENSOR, context).lower()
        if index not in INDEX_NAMES:
            raise InputError(f"Unknown index '{index}': choose one of {', '.join(INDEX_NAMES)}.")
        if sensor not in SENSOR_NAMES:
            raise InputError(f"Unknown sensor '{sensor}': choose one of {', '.join(SENSOR_NAMES)}.")
        return index, sensor

    def _scaling(self, parameters: dict[str, Any], context: QgsProcessingContext, index: str, sensor: str):
        given = {name: parameters.get(name) for name in (REFLECTANCE_SCALE, REFLECTANCE_OFFSET)}
        if all(value in (None, "") for value in given.values()):
            return None
        from ..core.bands import SENSORS

        config = SENSORS[sensor]
        scale = (
            self.parameterAsDouble(parameters, REFLECTANCE_SCALE, context)
            if given[REFLECTANCE_SCALE] not in (None, "")
            else config.default_scale
        )
        offset = (
            self.parameterAsDouble(parameters, REFLECTANCE_OFFSET, context)
            if given[REFLECTANCE_OFFSET] not in (None, "")
            else config.default_offset
        )
        return {canonical_band(band, sensor): (scale, offset) for band in INDEX_BANDS[index]}

    def read_layers(self, parameters: dict[str, Any], context: QgsProcessingContext) -> _Files:
        stack = gdal_source(self.parameterAsRasterLayer(parameters, INPUT, context), "band stack")
        mask_layer = self.parameterAsRasterLayer(parameters, CLOUD_MASK_LAYER, context)
        return _Files(stack, gdal_source(mask_layer, "cloud mask") if mask_layer is not None else None)

    def process(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        index, sensor = self._choices(parameters, context)
        stack, mask_path = self.from_layers
        output = geotiff_output(self.parameterAsOutputLayer(parameters, OUTPUT, context), "index output")
        water_output = geotiff_output(
            self.parameterAsOutputLayer(parameters, OUTPUT_WATER, context), "water mask output"
        )
        cancel = feedback.isCanceled
        progress = progress_of(feedback)

        if sensor == SENTINEL1:
            if not output:
                raise QgsProcessingException(
                    QCoreApplication.translate(
                        "FirstLight", "Set OUTPUT: it receives the Sentinel-1 water mask."
                    )
                )
            feedback.pushInfo(
                QCoreApplication.translate(
                    "FirstLight", "Sentinel-1: writing the water mask from VV backscatter to OUTPUT."
                )
            )
            threshold_db, window = sar_values(self, parameters, context)
            result = sar_water_mask(
                Path(stack),
                Path(output),
                threshold_db,
                speckle_window=window,
                cancel=cancel,
                progress=progress,
            )
            style_on_completion(context, output, PRODUCT)
            return self._results(output, None, result, result)

        if not output:
            raise QgsProcessingException(
                QCoreApplication.translate("FirstLight", "Set OUTPUT: the index raster.")
            )
        threshold = parse_water_threshold(self.parameterAsString(parameters, WATER_THRESHOLD, context))
        results = compute_indices(  # a fixed threshold classifies the water as the index is written
            Path(stack),
            {index: Path(output)},
            sensor=sensor,
            scaling=self._scaling(parameters, context, index, sensor),
            mask_path=Path(mask_path) if mask_path else None,
            water=(Path(water_output), threshold) if water_output else None,
            cancel=cancel,
            progress=progress,
        )
        computed, water = results[index], results.get("water")
        feedback.pushInfo(
            QCoreApplication.translate("FirstLight", "{index}: {valid:.1%} of the pixels valid.").format(
                index=index.upper(), valid=computed.valid_fraction
            )
        )
        style_on_completion(context, output, PRODUCT)
        if water is not None:
            feedback.pushInfo(
                QCoreApplication.translate(
                    "FirstLight", "Water mask: threshold {threshold:g}, {share} water."
                ).format(
                    threshold=water.threshold,
                    share="n/a" if water.positive_fraction is None else f"{water.positive_fraction:.1%}",
                )
                + area_sentence(water.positive_km2)
            )
            caveat = otsu_caveat(water)
            if caveat:
                feedback.pushWarning(caveat)
            style_on_completion(context, water_output, PRODUCT)
        return self._results(output, water_output or None, computed, water)

    @staticmethod
    def _results(
        output: str | None, water_output: str | None, computed: IndexResult, water: IndexResult | None
    ) -> dict[str, Any]:
        return {
            OUTPUT: output,
            OUTPUT_WATER: water_output,
            VALID_FRACTION: computed.valid_fraction,
            WATER_FRACTION: water.positive_fraction if water is not None else None,
            WATER_AREA_KM2: water.positive_km2 if water is not None else None,
            THRESHOLD: water.threshold if water is not None else None,
        }
