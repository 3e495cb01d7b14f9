"""``firstlight:index``: a spectral index and water mask from any band stack."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any, NamedTuple

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.bands import LANDSAT, SENSORS, SENTINEL1, SENTINEL2
from ..core.errors import CancelledError, InputError, raise_for_write
from ..core.fileio import clean_up
from ..core.indices import (
    INDEX_BANDS,
    IndexResult,
    canonical_band,
    compute_indices,
    otsu_caveat,
    sar_water_mask,
    threshold_caveat,
    water_mask,
)
from .base import GROUP_INDICES
from .compat import FLAG_ADVANCED, NUMBER_DOUBLE
from .ingest import parse_water_threshold
from .parameters import enum_string, given_number, one_line
from .rasters import RasterInput, RasterInputAlgorithm, gdal_source, geotiff_output, progress_of
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
WATER_INDICES = ("ndwi", "mndwi")  # above a threshold, water; NBR and NDVI have no such meaning


class _Files(NamedTuple):
    """The files GDAL reads for the INPUT and CLOUD_MASK_LAYER layers."""

    stack: str
    mask: str | None


class IndexAlgorithm(RasterInputAlgorithm):
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
            "Water mask, of NDWI and MNDWI only (a temporary file unless OUTPUT_WATER is given): 1 "
            "where the index is above WATER_THRESHOLD (a number, or otsu), 0 dry, 255 no data.\n\n"
            "Sentinel-1: the index is not used; OUTPUT and OUTPUT_WATER are the water mask from VV "
            "backscatter below SAR_THRESHOLD_DB. Radar speckle makes single pixels of wet fields fall "
            "below it and single pixels of water rise above it: a pixel is water where the median of "
            "the SAR_SPECKLE_WINDOW x SAR_SPECKLE_WINDOW pixels around it is below the threshold (3 by "
            "default; 0 for each pixel alone).",
        )

    def initAlgorithm(self, configuration: dict[str, Any] | None = None) -> None:
        translate = QCoreApplication.translate
        self.addParameter(RasterInput(INPUT, translate("FirstLight", "Band stack")))
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
        mask = RasterInput(
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
        # Optional with a temporary default, as discover's: qgis_process (3.22) asks for every mandatory
        # destination, and a model whose step's output is left out passes the step none. A model's
        # water mask left out is then still written for the steps after it; the index never uses
        # the default of OUTPUT_WATER but for a water index (see _water_asked).
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                OUTPUT, translate("FirstLight", "Index"), QgsProcessing.TEMPORARY_OUTPUT, True
            )
        )
        self.addParameter(
            QgsProcessingParameterRasterDestination(
                OUTPUT_WATER,
                translate("FirstLight", "Water mask"),
                QgsProcessing.TEMPORARY_OUTPUT,
                True,
                False,
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
            self._reflectance(parameters, context)
        except InputError as error:
            return False, one_line(str(error))
        return super().checkParameterValues(parameters, context)

    def _choices(self, parameters: dict[str, Any], context: QgsProcessingContext) -> tuple[str, str]:
        """INDEX and SENSOR; a water mask asked of an index that does not tell water is refused, as
        its "water" would be vegetation or unburnt land. (Also checked here for a model's step, whose
        values QGIS does not check.)"""
        index = enum_string(self, parameters, INDEX, context).lower()
        sensor = enum_string(self, parameters, SENSOR, context).lower()
        if index not in INDEX_NAMES:
            raise InputError(f"Unknown index '{index}': choose one of {', '.join(INDEX_NAMES)}.")
        if sensor not in SENSOR_NAMES:
            raise InputError(f"Unknown sensor '{sensor}': choose one of {', '.join(SENSOR_NAMES)}.")
        if _water_asked(parameters) and not _tells_water(index, sensor):
            raise InputError(
                QCoreApplication.translate(
                    "FirstLight",
                    "{index} does not tell water from land, so it has no water mask: leave OUTPUT_WATER "
                    "empty, or choose NDWI or MNDWI.",
                ).format(index=index.upper())
            )
        if _water_asked(parameters) and self._one_file(parameters, context):
            raise InputError(
                QCoreApplication.translate(
                    "FirstLight",
                    "OUTPUT_WATER is the same file as OUTPUT: give the water mask a file of its own.",
                )
            )
        return index, sensor

    def _one_file(self, parameters: dict[str, Any], context: QgsProcessingContext) -> bool:
        """Whether OUTPUT and OUTPUT_WATER name one file (the mask written over the index, or a
        Sentinel-1 mask copied onto itself and then removed as a failed copy)."""
        index = self.parameterAsOutputLayer(parameters, OUTPUT, context)
        water = self.parameterAsOutputLayer(parameters, OUTPUT_WATER, context)
        return bool(index) and bool(water) and Path(index).resolve() == Path(water).resolve()

    def _reflectance(
        self, parameters: dict[str, Any], context: QgsProcessingContext
    ) -> tuple[float | None, float | None]:
        """REFLECTANCE_SCALE and REFLECTANCE_OFFSET, None where left empty (the sensor's default).
        Text that is no number is refused, as QGIS would read it as 0; so is a scale of 0 or less,
        under which every reflectance is 0 and every pixel's index 0 / 0, no data."""
        translate = QCoreApplication.translate
        scale = given_number(self, parameters, REFLECTANCE_SCALE, context)
        offset = given_number(self, parameters, REFLECTANCE_OFFSET, context)
        if scale is not None and not 0 < scale[1] < math.inf:
            raise InputError(
                translate(
                    "FirstLight",
                    "The reflectance scale '{value}' is not valid: give a number above 0, such as 0.0001, "
                    "or leave it empty for the sensor's default.",
                ).format(value=one_line(scale[0])[:40])
            )
        if offset is not None and not math.isfinite(offset[1]):
            raise InputError(
                translate(
                    "FirstLight",
                    "The reflectance offset '{value}' is not a number: give one, such as -0.1, or leave it "
                    "empty for the sensor's default.",
                ).format(value=one_line(offset[0])[:40])
            )
        return (None if scale is None else scale[1]), (None if offset is None else offset[1])

    def _scaling(
        self, parameters: dict[str, Any], context: QgsProcessingContext, index: str, sensor: str
    ) -> dict[str, tuple[float, float]] | None:
        """Each band's (scale, offset) of the index, if REFLECTANCE_SCALE or _OFFSET is given."""
        scale, offset = self._reflectance(parameters, context)
        if scale is None and offset is None:
            return None
        config = SENSORS[sensor]
        given = (
            config.default_scale if scale is None else scale,
            config.default_offset if offset is None else offset,
        )
        return {canonical_band(band, sensor): given for band in INDEX_BANDS[index]}

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
        water_output = ""
        if _tells_water(index, sensor):  # else OUTPUT_WATER is its unused default (_choices)
            water_output = geotiff_output(
                self.parameterAsOutputLayer(parameters, OUTPUT_WATER, context), "water mask output"
            )
        cancel = feedback.isCanceled

        if sensor == SENTINEL1:
            return self._sentinel1(parameters, context, feedback, stack, output, water_output)

        threshold = parse_water_threshold(self.parameterAsString(parameters, WATER_THRESHOLD, context))
        caveat = threshold_caveat(threshold) if water_output else None
        if caveat:
            feedback.pushWarning(caveat)
        # A fixed threshold classifies the water as the index is written; Otsu's needs the whole
        # index first, and is computed once it is known to have valid pixels.
        otsu = bool(water_output) and threshold == "otsu"
        results = compute_indices(
            Path(stack),
            {index: Path(output)},
            sensor=sensor,
            scaling=self._scaling(parameters, context, index, sensor),
            mask_path=Path(mask_path) if mask_path else None,
            water=(Path(water_output), threshold) if water_output and not otsu else None,
            cancel=cancel,
            progress=progress_of(feedback, 0.0, 0.5 if otsu else 1.0),
        )
        computed, water = results[index], results.get("water")
        if not computed.valid_fraction:
            raise QgsProcessingException(self._no_valid_pixel(list(results.values()), sensor, mask_path))
        if otsu:
            water = _otsu_water(Path(output), Path(water_output), feedback)
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

    def _sentinel1(
        self,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
        stack: str,
        output: str,
        water_output: str,
    ) -> dict[str, Any]:
        """The water mask from VV backscatter, in OUTPUT and in OUTPUT_WATER: the water of a Sentinel-1
        scene is its only product, where a model's later steps look for it as for an optical one's."""
        feedback.pushInfo(
            QCoreApplication.translate(
                "FirstLight",
                "Sentinel-1: writing the water mask from VV backscatter to OUTPUT and OUTPUT_WATER.",
            )
        )
        threshold_db, window = sar_values(self, parameters, context)
        result = sar_water_mask(
            Path(stack),
            Path(output),
            threshold_db,
            speckle_window=window,
            cancel=feedback.isCanceled,
            progress=progress_of(feedback),
        )
        style_on_completion(context, output, PRODUCT)
        if water_output:
            _copy(Path(output), Path(water_output))
            style_on_completion(context, water_output, PRODUCT)
        return self._results(output, water_output or None, result, result)

    @staticmethod
    def _no_valid_pixel(written: list[IndexResult], sensor: str, mask_path: str | None) -> str:
        """Removes what was written, an index of no data that would look complete, and says why it
        most likely is so: a sensor whose scaling does not fit the stack makes every reflectance 0
        or less (a Sentinel-2 stack read as Landsat: 1000 x 0.0000275 - 0.2)."""
        for result in written:
            result.path.unlink(missing_ok=True)
        translate = QCoreApplication.translate
        if mask_path:
            text = translate(
                "FirstLight",
                "No pixel of the {index} is valid, so nothing was written: the sensor ({sensor}) or the "
                "reflectance scale and offset most likely do not match the stack, or the cloud mask hides "
                "all of it.",
            )
        else:
            text = translate(
                "FirstLight",
                "No pixel of the {index} is valid, so nothing was written: the sensor ({sensor}) or the "
                "reflectance scale and offset most likely do not match the stack, or it holds only no data.",
            )
        return text.format(index=written[0].name.upper(), sensor=sensor)

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


def _tells_water(index: str, sensor: str) -> bool:
    """Whether the run has a water mask: Sentinel-1's own, or a water index's."""
    return sensor == SENTINEL1 or index in WATER_INDICES


def _water_asked(parameters: dict[str, Any]) -> bool:
    """Whether OUTPUT_WATER was given, rather than left to its temporary default: a model passes a
    step no value for an output it does not use, and the toolbox none for a skipped one."""
    value = parameters.get(OUTPUT_WATER)
    return value is not None and not (isinstance(value, str) and not value.strip())


def _otsu_water(index_path: Path, water_path: Path, feedback: QgsProcessingFeedback) -> IndexResult:
    """The water by Otsu's threshold, read back from the index just written. Cancelled, the index goes
    too: the message says that nothing was written."""
    try:
        return water_mask(
            index_path,
            water_path,
            "otsu",
            cancel=feedback.isCanceled,
            progress=progress_of(feedback, 0.5, 1.0),
        )
    except CancelledError:
        clean_up(index_path)
        raise


def _copy(source: Path, target: Path) -> None:
    """``source`` as ``target``, whole or not at all."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    except OSError as error:
        clean_up(target)
        raise_for_write(target.parent, error, "run it again")
        raise InputError(
            QCoreApplication.translate(
                "FirstLight", "Cannot write the water mask {path}: {reason}; choose another path."
            ).format(path=target, reason=error.strerror)
        ) from None
