"""``firstlight:ingest``: download, stack, validate and index the chosen scenes."""

from __future__ import annotations

import dataclasses
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingOutputFile,
    QgsProcessingOutputFolder,
    QgsProcessingOutputMultipleLayers,
    QgsProcessingOutputRasterLayer,
    QgsProcessingOutputString,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)
from qgis.PyQt.QtCore import QCoreApplication

from ..core.catalog import Scene
from ..core.download import disk_error
from ..core.errors import InputError
from ..core.events import get_event
from ..core.figures import scene_figures
from ..core.fileio import make_folder, removed_if_empty
from ..core.indices import EVENT_MARKS, IndexResult, parse_threshold
from ..core.ingest import IngestOptions, IngestResult, ingest_scene
from ..core.mosaic import MOSAIC_FOLDER, MosaicResult, mosaic_results
from ..core.polygons import DEFAULT_MIN_AREA_M2, PolygonResult
from .base import GROUP_IMAGERY, FirstLightAlgorithm
from .compat import DATETIME_DATE, FILE_BEHAVIOR_FILE, FLAG_ADVANCED, NUMBER_DOUBLE, NUMBER_INTEGER
from .figures import OUTPUT_TABLE, table_parameter, write_table
from .parameters import (
    SEARCH_LIMIT,
    Search,
    add_search_parameters,
    date_values,
    event_value,
    one_line,
    pre_event_dates,
    read_search,
    search_problem,
    signer_for,
)
from .pre_event import pre_event_scene
from .sar import add_sar_parameters, sar_values
from .styling import POLYGONS as POLYGONS_STYLE
from .styling import PRODUCT, STACK, load_on_completion
from .summaries import polygon_summary, product_summary

SCENES = "SCENES"
SCENES_JSON = "SCENES_JSON"
BEST_N = "BEST_N"
OUTPUT_FOLDER = "OUTPUT_FOLDER"
CLIP_TO_AREA = "CLIP_TO_AREA"
MOSAIC = "MOSAIC"
PARALLEL_DOWNLOADS = "PARALLEL_DOWNLOADS"
SKIP_VALIDATION = "SKIP_VALIDATION"
WATER_THRESHOLD = "WATER_THRESHOLD"
CLOUD_MASK = "CLOUD_MASK"
MAX_RETRIES = "MAX_RETRIES"
PRE_EVENT_START = "PRE_EVENT_START"
PRE_EVENT_END = "PRE_EVENT_END"
PRE_EVENT_SCENE = "PRE_EVENT_SCENE"
POLYGONS = "POLYGONS"
POLYGON_MIN_AREA_M2 = "POLYGON_MIN_AREA_M2"

OUTPUT_STACK = "OUTPUT_STACK"
OUTPUT_INDEX = "OUTPUT_INDEX"
OUTPUT_WATER = "OUTPUT_WATER"
OUTPUT_SEVERITY = "OUTPUT_SEVERITY"
OUTPUT_FLOOD = "OUTPUT_FLOOD"
OUTPUT_MANIFEST = "OUTPUT_MANIFEST"
OUTPUT_LAYERS = "OUTPUT_LAYERS"
SCENE_IDS = "SCENE_IDS"
SENSOR = "SENSOR"
SUMMARY = "SUMMARY"
OUTPUT_MOSAIC = "OUTPUT_MOSAIC"
OUTPUT_POLYGONS = "OUTPUT_POLYGONS"

_DOWNLOAD_SHARE = 0.85  # of each scene's progress span; stacking, validation and indices take the rest
_PERCENT_EVERY_S = 1.0  # a band's percentage: told in 10 % steps, at most this often
_LOADED = {"water": OUTPUT_WATER, "severity": OUTPUT_SEVERITY, "flood": OUTPUT_FLOOD}  # and the index


def parse_water_threshold(text: str) -> float | str:
    """A number, or "otsu" for a threshold computed from the index's own histogram."""
    method, value = parse_threshold((text or "").strip() or "0")
    return "otsu" if method == "otsu" else value


def _scene_list(path: str, event: str) -> list[Scene]:
    """The scenes of a JSON file written by ``firstlight:discover`` (``Scene.to_dict()``s, with the
    event they were found for: a search ranks its scenes for that event's sensors and bands)."""
    name = Path(path).name
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError:
        raise InputError(f"Cannot read the scenes file {name}: check the path.") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError(
            f"The scenes file {name} is not JSON: give the SCENES_JSON output of Discover."
        ) from None
    if isinstance(data, dict):
        found_for = data.get("event")
        if isinstance(found_for, str) and found_for != event:
            raise InputError(
                QCoreApplication.translate(
                    "FirstLight",
                    "The scenes of {file} were found for {found_for}, and EVENT is {event}: set EVENT to "
                    "{found_for}, or run Discover for {event}.",
                ).format(file=name, found_for=found_for, event=event)
            )
        data = data.get("scenes")
    try:
        return [Scene.from_dict(entry) for entry in data]
    except (KeyError, TypeError, AttributeError):
        raise InputError(
            f"The scenes file {name} is not a list of FirstLight scenes: "
            "give the SCENES_JSON output of Discover."
        ) from None


def _pick(scenes: list[Scene], ids: list[str], best_n: int, where: str) -> list[Scene]:
    if not ids:
        return scenes[:best_n]
    by_id = {scene.id: scene for scene in scenes}
    missing = [i for i in ids if i not in by_id]
    if missing:
        found = ", ".join(list(by_id)[:5]) or "none"
        raise InputError(
            f"Scene {', '.join(missing)} is not among the scenes {where} (found: {found}): "
            "check the id, or the area, dates and cloud cover."
        )
    return [by_id[i] for i in dict.fromkeys(ids)]


def band_state_words() -> dict[str, str]:
    """The words a band's state is told with in the log ("Band nir: done"), by the core's status:
    translated, so the dock reads them back through this too."""
    return {
        "started": QCoreApplication.translate("FirstLight", "started"),
        "done": QCoreApplication.translate("FirstLight", "done"),
        "skipped": QCoreApplication.translate("FirstLight", "skipped"),
        "failed": QCoreApplication.translate("FirstLight", "failed"),
        "retrying": QCoreApplication.translate("FirstLight", "retrying"),
    }


class _BandProgress:
    """The core's per-band progress callback, relayed to the Processing feedback."""

    def __init__(self, feedback: QgsProcessingFeedback, scene: Scene, base: float, span: float) -> None:
        self.feedback = feedback
        self.base = base
        self.span = span
        bands = list(scene.band_urls)
        if scene.mask_asset is not None:
            bands.append(scene.mask_asset.band)
        self.fractions = dict.fromkeys(bands, 0.0)
        self.reported = base
        self.told: dict[str, tuple[int, float]] = {}  # band: the last 10 % step told, and when

    def __call__(self, band: str, status: str, fraction: float) -> None:
        # A retry or a second GDAL pass restarts a band's fraction: the bar never goes back.
        latest = 1.0 if status in ("done", "skipped") else max(0.0, min(1.0, fraction))
        self.fractions[band] = max(self.fractions.get(band, 0.0), latest)
        done = sum(self.fractions.values()) / max(1, len(self.fractions))
        progress = self.base + self.span * _DOWNLOAD_SHARE * done
        if progress > self.reported:
            self.reported = progress
            self.feedback.setProgress(progress)
        told = band_state_words().get(status)
        if told is not None:
            line = QCoreApplication.translate("FirstLight", "Band {band}: {status}")
            self.feedback.pushInfo(line.format(band=band, status=told))
        elif 0.0 < self.fractions[band] < 1.0:
            self._tell_percent(band, self.fractions[band])

    def _tell_percent(self, band: str, fraction: float) -> None:
        """A line per 10 % of a band that takes a while (a long download), for the dock's bars and
        the log; none for a band that arrives within a second."""
        now = time.monotonic()
        step, when = self.told.setdefault(band, (0, now))
        if int(fraction * 10) > step and now - when >= _PERCENT_EVERY_S:
            self.told[band] = (int(fraction * 10), now)
            self.feedback.pushInfo(
                QCoreApplication.translate("FirstLight", "Band {band}: {percent} %").format(
                    band=band, percent=int(fraction * 10) * 10
                )
            )


class IngestAlgorithm(FirstLightAlgorithm):
    """Download the bands of one or more scenes, stack, validate and compute the event's index."""

    def name(self) -> str:
        return "ingest"

    def displayName(self) -> str:
        return QCoreApplication.translate("FirstLight", "Ingest scenes")

    def groupId(self) -> str:
        return GROUP_IMAGERY

    def tags(self) -> list[str]:
        return QCoreApplication.translate(
            "FirstLight",
            "stac,download,stack,vrt,ndwi,mndwi,water,flood,nbr,dnbr,burn,wildfire,"
            "sentinel-2,landsat,sentinel-1",
        ).split(",")

    def shortHelpString(self) -> str:
        return QCoreApplication.translate(
            "FirstLight",
            "Downloads every spectral band of the chosen scenes, stacks them into a VRT in canonical band "
            "order, validates the stack and computes the event's index: NDWI/MNDWI and a water mask for "
            "floods, NBR for burn scars, NDVI for drought.\n\n"
            "With pre-event dates, the latest clear scene between them (at most 10% cloud, else the "
            "clearest) is ingested too, and each scene gets its change since: for floods, the flood "
            "extent <id>_flood.tif (1 flooded: water now, dry "
            "before; 2 water before too, the river in its bed; 0 dry; 255 no data); for burn scars, dNBR "
            "(the pre-event NBR minus its own, > 0 where land burned) and burn severity classes (0 "
            "unburned, 1 low, 2 moderate-low, 3 moderate-high, 4 high; 255 no data).\n\n"
            "Scenes: the ids in SCENES (comma-separated), else the best BEST_N found by the search. With "
            "SCENES_JSON (the JSON output of 'Discover scenes') the scenes are taken from that file and no "
            "search runs.\n\n"
            "Clip to area (default) reads only the area's pixels of each band over HTTP range requests "
            "(a file that is not a COG is downloaded whole once and kept as <band>.source.tif for the next "
            "area); off downloads whole band files (100-250 MB each for Sentinel-2).\n\n"
            "Skip validation keeps going when a scene lacks a band or the stack fails its checks: faster "
            "and lenient, but the result may lack NIR/SWIR or be unfit for analysis, and indices needing "
            "a missing band are not computed.\n\n"
            "Each scene goes to OUTPUT_FOLDER/<scene id>/: one GeoTIFF per band, <id>_stack.vrt, the "
            "index rasters, <id>_water.tif (1 water, 0 dry, 255 no data) and manifest.json. Re-running "
            "skips bands already complete and verified.",
        )

    def initAlgorithm(self, configuration: dict[str, Any] | None = None) -> None:
        add_search_parameters(self)
        translate = QCoreApplication.translate
        scenes = QgsProcessingParameterString(
            SCENES, translate("FirstLight", "Scene ids (comma-separated)"), "", False, True
        )
        scenes.setHelp(
            translate("FirstLight", "Ids of the scenes to ingest; empty takes the best BEST_N scenes found.")
        )
        self.addParameter(scenes)
        scenes_json = QgsProcessingParameterFile(
            SCENES_JSON,
            translate("FirstLight", "Scenes from Discover (JSON)"),
            FILE_BEHAVIOR_FILE,
            "json",
            None,
            True,
        )
        scenes_json.setHelp(
            translate(
                "FirstLight",
                "The SCENES_JSON output of 'Discover scenes': its scenes are used and no search runs.",
            )
        )
        self.addParameter(scenes_json)
        self.addParameter(
            QgsProcessingParameterNumber(
                BEST_N,
                translate("FirstLight", "Number of best scenes (when no ids are given)"),
                NUMBER_INTEGER,
                1,
                False,
                1,
                50,
            )
        )
        for name, label in (
            (PRE_EVENT_START, translate("FirstLight", "Pre-event start date (flood extent, dNBR)")),
            (PRE_EVENT_END, translate("FirstLight", "Pre-event end date (flood extent, dNBR)")),
        ):
            pre = QgsProcessingParameterDateTime(name, label, DATETIME_DATE, None, True)
            pre.setHelp(
                translate(
                    "FirstLight",
                    "The latest clear scene between these dates (at most 10% cloud, else the clearest; "
                    "of the first scene's tile or orbit when there is one), before the event's dates, "
                    "or the one PRE_EVENT_SCENE names, is ingested too, and each scene's change since "
                    "is computed: a flood's extent, a burn scar's dNBR and burn severity. Leave both "
                    "empty for the event's index and water mask alone.",
                )
            )
            self.addParameter(pre)
        chosen = QgsProcessingParameterString(
            PRE_EVENT_SCENE,
            translate("FirstLight", "Pre-event scene id (empty: the best found)"),
            None,
            False,
            True,
        )
        chosen.setHelp(
            translate(
                "FirstLight",
                "The scene to compare with, rather than the one FirstLight picks: the id of a scene "
                "found between the pre-event dates (as firstlight:discover lists them).",
            )
        )
        self.addParameter(chosen)
        self.addParameter(
            QgsProcessingParameterBoolean(
                CLIP_TO_AREA, translate("FirstLight", "Clip to the area (else whole scene)"), True
            )
        )
        mosaic = QgsProcessingParameterBoolean(  # optional: models saved before it keep validating
            MOSAIC, translate("FirstLight", "Mosaic the scenes (one raster per product)"), False, True
        )
        mosaic.setHelp(
            translate(
                "FirstLight",
                "With two scenes or more (an area over two tiles), their products are also mosaicked "
                "into OUTPUT_FOLDER/mosaic/<product>.tif: the first scene on top, the others filling "
                "its gaps (beyond its footprint, its clouds), the areas counted once. Pick scenes of "
                "one day: a mosaic of several dates mixes the states of the event.",
            )
        )
        self.addParameter(mosaic)
        polygons = QgsProcessingParameterBoolean(  # optional: models saved before it keep validating
            POLYGONS,
            translate("FirstLight", "Polygons of the flood, burn or water (GeoPackage)"),
            False,
            True,
        )
        polygons.setHelp(
            translate(
                "FirstLight",
                "Also write each scene's flood extent (with pre-event dates), burn severity, or else "
                "its water mask as polygons, <id>_<product>.gpkg beside it: one per patch, with its "
                "class and area in km². Patches under POLYGON_MIN_AREA_M2 join the class around them.",
            )
        )
        self.addParameter(polygons)
        min_area = QgsProcessingParameterNumber(
            POLYGON_MIN_AREA_M2,
            translate("FirstLight", "Polygons: minimum area of a patch (m²)"),
            NUMBER_DOUBLE,
            DEFAULT_MIN_AREA_M2,
            True,
            0,
        )
        min_area.setFlags(min_area.flags() | FLAG_ADVANCED)
        self.addParameter(min_area)
        self.addParameter(
            QgsProcessingParameterNumber(
                PARALLEL_DOWNLOADS,
                translate("FirstLight", "Parallel downloads"),
                NUMBER_INTEGER,
                4,
                False,
                1,
                16,
            )
        )
        skip = QgsProcessingParameterBoolean(
            SKIP_VALIDATION,
            translate("FirstLight", "Skip validation (faster, result may lack NIR/SWIR)"),
            False,
        )
        skip.setHelp(
            translate(
                "FirstLight",
                "Accept scenes lacking a band and stacks that fail validation. Use it to get whatever is "
                "there quickly; the result may be unfit for spectral analysis.",
            )
        )
        self.addParameter(skip)
        water = QgsProcessingParameterString(
            WATER_THRESHOLD, translate("FirstLight", "Water threshold (number or otsu)"), "0"
        )
        water.setHelp(
            translate(
                "FirstLight",
                "Pixels whose water index is above this are water; otsu picks it from the image.",
            )
        )
        cloud = QgsProcessingParameterBoolean(
            CLOUD_MASK, translate("FirstLight", "Mask clouds (SCL / QA_PIXEL)"), True
        )
        retries = QgsProcessingParameterNumber(
            MAX_RETRIES, translate("FirstLight", "Retries per band"), NUMBER_INTEGER, 3, False, 0, 10
        )
        for definition in (water, cloud, retries):
            definition.setFlags(definition.flags() | FLAG_ADVANCED)
            self.addParameter(definition)
        add_sar_parameters(self, advanced=True)
        self.addParameter(
            QgsProcessingParameterFolderDestination(OUTPUT_FOLDER, translate("FirstLight", "Output folder"))
        )
        self.addParameter(table_parameter())

        self.addOutput(
            QgsProcessingOutputRasterLayer(OUTPUT_STACK, translate("FirstLight", "Band stack (VRT)"))
        )
        self.addOutput(QgsProcessingOutputRasterLayer(OUTPUT_INDEX, translate("FirstLight", "Index")))
        self.addOutput(QgsProcessingOutputRasterLayer(OUTPUT_WATER, translate("FirstLight", "Water mask")))
        self.addOutput(
            QgsProcessingOutputRasterLayer(OUTPUT_SEVERITY, translate("FirstLight", "Burn severity"))
        )
        self.addOutput(QgsProcessingOutputRasterLayer(OUTPUT_FLOOD, translate("FirstLight", "Flood extent")))
        self.addOutput(QgsProcessingOutputFile(OUTPUT_MANIFEST, translate("FirstLight", "Manifest")))
        self.addOutput(
            QgsProcessingOutputMultipleLayers(OUTPUT_LAYERS, translate("FirstLight", "All layers produced"))
        )
        self.addOutput(QgsProcessingOutputString(SCENE_IDS, translate("FirstLight", "Ingested scene ids")))
        self.addOutput(
            QgsProcessingOutputString(
                SENSOR, translate("FirstLight", "Sensor of the first scene (sentinel2, landsat, sentinel1)")
            )
        )
        self.addOutput(
            QgsProcessingOutputVectorLayer(
                OUTPUT_POLYGONS, translate("FirstLight", "Polygons (with POLYGONS)")
            )
        )
        self.addOutput(
            QgsProcessingOutputFolder(OUTPUT_MOSAIC, translate("FirstLight", "Mosaic folder (with MOSAIC)"))
        )
        self.addOutput(
            QgsProcessingOutputString(
                SUMMARY,
                translate(
                    "FirstLight",
                    "What the first scene (with MOSAIC, the whole area) shows: flooded, burnt or water share "
                    "and area",
                ),
            )
        )

    def checkParameterValues(
        self, parameters: dict[str, Any], context: QgsProcessingContext
    ) -> tuple[bool, str]:
        problem = search_problem(self, parameters, context)
        if problem is None:
            try:
                parse_water_threshold(self.parameterAsString(parameters, WATER_THRESHOLD, context))
                sar_values(self, parameters, context)
                self._pre_event_window(parameters, context)
            except InputError as error:
                problem = one_line(str(error))
        if problem:
            return False, problem
        return super().checkParameterValues(parameters, context)

    def _scenes(
        self,
        search: Search,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> list[Scene]:
        ids = [i.strip() for i in self.parameterAsString(parameters, SCENES, context).split(",") if i.strip()]
        best_n = self.parameterAsInt(parameters, BEST_N, context)
        scenes_file = self.parameterAsFile(parameters, SCENES_JSON, context)
        if scenes_file:
            feedback.pushInfo(
                QCoreApplication.translate("FirstLight", "Reading the scenes of {file}.").format(
                    file=scenes_file
                )
            )
            scenes = _pick(
                _scene_list(scenes_file, search.event), ids, best_n, f"in {Path(scenes_file).name}"
            )
            if not scenes:
                raise InputError(
                    f"The scenes file {Path(scenes_file).name} lists no scene: widen the search of Discover."
                )
            return scenes
        feedback.pushInfo(
            QCoreApplication.translate(
                "FirstLight", "Searching {catalog} for {event} scenes from {start} to {end}."
            ).format(catalog=search.catalog_label, event=search.event, start=search.start, end=search.end)
        )
        found = search.run(feedback.isCanceled, limit=max(SEARCH_LIMIT, best_n), warn=feedback.pushWarning)
        if not found:
            raise QgsProcessingException(one_line(search.nothing_found()))
        return _pick(found, ids, best_n, f"found in {search.catalog_label}")

    def _pre_event_window(
        self, parameters: dict[str, Any], context: QgsProcessingContext
    ) -> tuple[date, date] | None:
        """The pre-event dates, if given, and only for an event with a change (flood, burn scar)."""
        start, _ = date_values(self, parameters, context)
        window = pre_event_dates(self, parameters, context, (PRE_EVENT_START, PRE_EVENT_END), start)
        event = event_value(self, parameters, context)
        if window is not None and not get_event(event).takes_pre_event:
            raise InputError(
                QCoreApplication.translate(
                    "FirstLight",
                    "Pre-event dates serve a flood's extent or a burn scar's dNBR, not {event}: clear "
                    "them, or choose a flood or wildfire.burn_scar.",
                ).format(event=event)
            )
        return window

    def read_layers(self, parameters: dict[str, Any], context: QgsProcessingContext) -> Search:
        return read_search(self, parameters, context)  # AREA may be a layer

    def process(
        self, parameters: dict[str, Any], context: QgsProcessingContext, feedback: QgsProcessingFeedback
    ) -> dict[str, Any]:
        search: Search = self.from_layers
        sar_threshold_db, speckle_window = sar_values(self, parameters, context)
        options = IngestOptions(
            clip_to_area=self.parameterAsBoolean(parameters, CLIP_TO_AREA, context),
            parallel_downloads=self.parameterAsInt(parameters, PARALLEL_DOWNLOADS, context),
            max_retries=self.parameterAsInt(parameters, MAX_RETRIES, context),
            skip_validation=self.parameterAsBoolean(parameters, SKIP_VALIDATION, context),
            water_threshold=parse_water_threshold(
                self.parameterAsString(parameters, WATER_THRESHOLD, context)
            ),
            cloud_mask=self.parameterAsBoolean(parameters, CLOUD_MASK, context),
            sar_threshold_db=sar_threshold_db,
            speckle_window=speckle_window,
            polygons=self.parameterAsBoolean(parameters, POLYGONS, context),
            polygon_min_area_m2=self.parameterAsDouble(parameters, POLYGON_MIN_AREA_M2, context),
        )
        if options.skip_validation:
            feedback.pushWarning(
                QCoreApplication.translate(
                    "FirstLight",
                    "Validation is skipped: scenes lacking bands are accepted and the stacks are not "
                    "checked, so the results may lack NIR/SWIR or be unfit for spectral analysis.",
                )
            )
        folder = Path(self.parameterAsFileOutput(parameters, OUTPUT_FOLDER, context))
        try:
            made = make_folder(folder)
        except OSError as error:
            raise disk_error(folder, error) from None
        with removed_if_empty(made):  # a run that fails before writing anything leaves no folder
            return self._ingest_into(folder, search, options, parameters, context, feedback)

    def _ingest_into(
        self,
        folder: Path,
        search: Search,
        options: IngestOptions,
        parameters: dict[str, Any],
        context: QgsProcessingContext,
        feedback: QgsProcessingFeedback,
    ) -> dict[str, Any]:
        """The scenes searched for or named, ingested into ``folder`` (and mosaicked, tabled)."""
        event = get_event(search.event)
        feedback.setProgress(1)
        scenes = self._scenes(search, parameters, context, feedback)
        window = self._pre_event_window(parameters, context)
        chosen = self.parameterAsString(parameters, PRE_EVENT_SCENE, context).strip()
        if chosen and window is None:
            raise InputError(
                QCoreApplication.translate(
                    "FirstLight",
                    "The pre-event scene {id} is looked for between the pre-event dates: give them too.",
                ).format(id=one_line(chosen))
            )
        pre_scene = pre_event_scene(search, window, scenes, chosen, feedback) if window else None
        feedback.setProgress(5)

        queue = [pre_scene, *scenes] if pre_scene is not None else scenes
        results: list[IngestResult] = []
        pre_event: IngestResult | None = None
        span = 95.0 / len(queue)
        for number, scene in enumerate(queue):
            if feedback.isCanceled():
                break
            base = 5.0 + span * number
            self._announce(scene, number, len(queue), options, feedback)
            result = ingest_scene(
                scene,
                folder,
                area=search.area,
                event=search.event,
                # The scene before the event has no polygons of its own: its water is the flood
                # extent's "water before".
                options=dataclasses.replace(options, polygons=False) if scene is pre_scene else options,
                progress=_BandProgress(feedback, scene, base, span),
                cancel=feedback.isCanceled,
                signer=search.signer or signer_for(scene.catalog, search.proxy),
                proxy=search.proxy,
                pre_event=pre_event,
            )
            for warning in result.warnings:
                feedback.pushWarning(warning)
            self._report(result, feedback)
            results.append(result)
            if scene is pre_scene:
                pre_event = result
            feedback.setProgress(base + span)
        if feedback.isCanceled() or len(results) < len(queue):
            raise QgsProcessingException(
                QCoreApplication.translate(
                    "FirstLight", "Ingest cancelled; completed band files were kept and will be reused."
                )
            )
        primary = event.indices[0] if event.indices else None
        if pre_scene is not None and event.change == "burn":
            primary = "dnbr"  # the burn scar's mark, where NBR alone is ambiguous
        asked = results[len(queue) - len(scenes) :]
        made = (
            self._mosaic(asked, scenes, folder, options, feedback)
            if self.parameterAsBoolean(parameters, MOSAIC, context)
            else None
        )
        outputs = self._outputs(results, asked[0], primary, folder, context)
        rows = scene_figures(list(zip(queue, results, strict=True)), pre_scene)
        outputs[OUTPUT_TABLE] = write_table(self, parameters, context, rows)
        if made is not None and made.products:
            outputs[OUTPUT_LAYERS] += _load_products(context, made.products, MOSAIC_FOLDER, primary)
            outputs[OUTPUT_LAYERS] += _load_polygons(context, made.polygons, MOSAIC_FOLDER)
            outputs[OUTPUT_MOSAIC] = str(folder / MOSAIC_FOLDER)
            outputs[SUMMARY] = " ".join(_summary(made.products))  # the whole area's, counted once
            if made.polygons is not None:
                outputs[OUTPUT_POLYGONS] = str(made.polygons.path)
        outputs[SENSOR] = scenes[0].source
        return outputs

    @staticmethod
    def _mosaic(
        results: list[IngestResult],
        scenes: list[Scene],
        folder: Path,
        options: IngestOptions,
        feedback: QgsProcessingFeedback,
    ) -> MosaicResult | None:
        """The products of the scenes asked for (``results``, of ``scenes``) as one raster each, and
        their polygons if ``options`` ask for them, if there are two scenes or more."""
        if len(results) < 2:
            feedback.pushInfo(QCoreApplication.translate("FirstLight", "One scene: nothing to mosaic."))
            return None
        days = sorted({scene.datetime[:10] for scene in scenes})
        if len(days) > 1:
            feedback.pushWarning(
                QCoreApplication.translate(
                    "FirstLight",
                    "The mosaic mixes scenes of {days}: where they overlap it shows the first scene's "
                    "day, elsewhere another's. Mosaic scenes of one day to map one state of the event.",
                ).format(days=", ".join(days))
            )
        min_area = options.polygon_min_area_m2 if options.polygons else None
        made = mosaic_results(results, folder, cancel=feedback.isCanceled, polygons_min_area_m2=min_area)
        feedback.pushInfo(
            QCoreApplication.translate(
                "FirstLight", "Mosaic of {count} scenes: {products} in {folder}."
            ).format(count=len(results), products=", ".join(made.products), folder=folder / MOSAIC_FOLDER)
        )
        lines = _summary(made.products) + (polygon_summary(made.polygons) if made.polygons else [])
        for line in lines:
            feedback.pushInfo(QCoreApplication.translate("FirstLight", "Mosaic: {line}").format(line=line))
        return made

    @staticmethod
    def _announce(
        scene: Scene, number: int, total: int, options: IngestOptions, feedback: QgsProcessingFeedback
    ) -> None:
        feedback.pushInfo(
            QCoreApplication.translate(
                "FirstLight", "Ingesting scene {n}/{total}: {id} ({sensor}, {date}, {mode})."
            ).format(
                n=number + 1,
                total=total,
                id=scene.id,
                sensor=scene.source,
                date=scene.datetime,
                mode=QCoreApplication.translate("FirstLight", "clipped to the area")
                if options.clip_to_area
                else QCoreApplication.translate("FirstLight", "whole scene"),
            )
        )

    @staticmethod
    def _report(result: IngestResult, feedback: QgsProcessingFeedback) -> None:
        if result.stack is not None:
            feedback.pushInfo(
                QCoreApplication.translate("FirstLight", "Stack: {path} ({bands})").format(
                    path=result.stack.path, bands=", ".join(result.stack.band_mapping)
                )
            )
        for line in _summary(result.indices):
            feedback.pushInfo(line)
        if result.polygons is not None:
            for line in polygon_summary(result.polygons):
                feedback.pushInfo(line)
        feedback.pushInfo(
            QCoreApplication.translate("FirstLight", "Manifest: {path}").format(path=result.manifest_path)
        )

    @staticmethod
    def _outputs(
        results: list[IngestResult],
        first: IngestResult,
        primary: str | None,
        folder: Path,
        context: QgsProcessingContext,
    ) -> dict[str, Any]:
        """The outputs, those of ``first`` (the first scene asked for: not a pre-event one) where
        one raster is named; every scene's stack, event's index, water mask, flood extent and burn
        severity, and polygons, loaded on completion."""
        layers: list[str] = []
        for result in results:
            stack = result.stack.path if result.stack is not None else result.visual_path
            if stack is not None:
                layers.append(str(stack))
                style = STACK if result.stack is not None else None
                load_on_completion(context, str(stack), f"{result.scene_id} stack", style, OUTPUT_STACK)
            layers += _load_products(context, result.indices, result.scene_id, primary)
            layers += _load_polygons(context, result.polygons, result.scene_id)
        stack = first.stack.path if first.stack is not None else first.visual_path
        return {
            OUTPUT_FOLDER: str(folder),
            OUTPUT_STACK: str(stack) if stack else None,
            OUTPUT_INDEX: _path_of(first, primary),
            OUTPUT_WATER: _path_of(first, "water"),
            OUTPUT_SEVERITY: _path_of(first, "severity"),
            OUTPUT_FLOOD: _path_of(first, "flood"),
            OUTPUT_MANIFEST: str(first.manifest_path),
            OUTPUT_LAYERS: layers,
            SCENE_IDS: ",".join(r.scene_id for r in results),
            SUMMARY: " ".join(_summary(first.indices)),
            OUTPUT_MOSAIC: None,
            OUTPUT_POLYGONS: str(first.polygons.path) if first.polygons is not None else None,
        }


def _load_products(
    context: QgsProcessingContext, products: dict[str, IndexResult], prefix: str, primary: str | None
) -> list[str]:
    """Ask the context to load the event's index and the water, flood and severity products as
    "<prefix> <name>"; every product's path."""
    for name, product in products.items():
        output = OUTPUT_INDEX if name == primary else _LOADED.get(name)
        if output is not None:
            load_on_completion(context, str(product.path), f"{prefix} {name}", PRODUCT, output)
    return [str(product.path) for product in products.values()]


def _load_polygons(context: QgsProcessingContext, polygons: PolygonResult | None, prefix: str) -> list[str]:
    """Ask the context to load ``polygons`` as "<prefix> <product> polygons"; their path, if any."""
    if polygons is None:
        return []
    name = f"{prefix} {polygons.layer.replace('_', ' ')} polygons"
    load_on_completion(context, str(polygons.path), name, POLYGONS_STYLE, OUTPUT_POLYGONS)
    return [str(polygons.path)]


def _summary(products: dict[str, IndexResult]) -> list[str]:
    """The products' lines, each once (a scene that saw nothing says so once, not per product)."""
    lines = (line for name in EVENT_MARKS if name in products for line in product_summary(products[name]))
    return list(dict.fromkeys(lines))


def _path_of(result: IngestResult, name: str | None) -> str | None:
    index = result.indices.get(name) if name else None
    return str(index.path) if index is not None else None
