"""The search parameters shared by ``firstlight:discover`` and ``firstlight:ingest``.

Parameter values arrive in whatever form Processing hands over: the toolbox dialog, a graphical
model, ``processing.run`` from Python or ``qgis_process`` strings such as ``AREA=/data/area.geojson``,
``AREA='305760,316000,6985440,6995680 [EPSG:32722]'``, ``EVENT=flood.riverine``,
``START_DATE=2018-12-01`` and ``CATALOG=earth-search``. This module turns each into the plain value
the headless core takes, or a ``FirstLightError`` / ``QgsProcessingException`` of one sentence.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsGeometry,
    QgsMapLayer,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsProperty,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication, QDate, QDateTime

from ..core.area import Area, parse_area
from ..core.areacloud import discover_over_area, measurable
from ..core.catalog import EARTH_SEARCH_URL, PLANETARY_COMPUTER_URL, Scene, discover
from ..core.catalog import log as catalog_log
from ..core.errors import InputError
from ..core.events import EVENTS, get_event
from ..core.proxy import Proxy
from ..core.redact import redact_url
from ..core.signing import PlanetaryComputerSigner, Signer
from .compat import DATETIME_DATE, FLAG_ADVANCED, GEOMETRY_POLYGON, NUMBER_DOUBLE
from .proxy import qgis_proxy

AREA = "AREA"
EVENT = "EVENT"
START_DATE = "START_DATE"
END_DATE = "END_DATE"
MAX_CLOUD = "MAX_CLOUD"
AREA_CLOUD = "AREA_CLOUD"
CATALOG = "CATALOG"
COLLECTIONS = "COLLECTIONS"

EARTH_SEARCH = "earth-search"
PLANETARY_COMPUTER = "planetary-computer"
CATALOG_ALIASES = {EARTH_SEARCH: EARTH_SEARCH_URL, PLANETARY_COMPUTER: PLANETARY_COMPUTER_URL}
DEFAULT_EVENT = "flood.coastal"
DEFAULT_MAX_CLOUD = 30.0
DEFAULT_DAYS = 30
SEARCH_LIMIT = 50  # the scenes a search looks at, best first

_WGS84 = "EPSG:4326"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
# Processing's extent text: "xmin,xmax,ymin,ymax" with an optional " [CRS]".
_EXTENT_TEXT = re.compile(rf"^\s*{_NUMBER}\s*,\s*{_NUMBER}\s*,\s*{_NUMBER}\s*,\s*{_NUMBER}\s*(\[.*\])?\s*$")
_EXTENT_CRS = re.compile(r"\[(.*)\]\s*$")  # the CRS an extent's text names, as QGIS reads it


def one_line(text: str) -> str:
    """``text`` with every run of whitespace, newlines included, collapsed to one space."""
    return " ".join(str(text).split())


def _with_help(definition: QgsProcessingParameterDefinition, text: str, advanced: bool = False):
    definition.setHelp(text)
    if advanced:
        definition.setFlags(definition.flags() | FLAG_ADVANCED)
    return definition


def add_search_parameters(alg: QgsProcessingAlgorithm) -> None:
    """AREA, EVENT, START_DATE, END_DATE, MAX_CLOUD, AREA_CLOUD, CATALOG and (advanced) COLLECTIONS."""
    today = QDate.currentDate()
    alg.addParameter(
        _with_help(
            QgsProcessingParameterExtent(AREA, QCoreApplication.translate("FirstLight", "Area of interest")),
            QCoreApplication.translate(
                "FirstLight",
                "The area to search and clip to: an extent in any CRS (xmin,xmax,ymin,ymax [EPSG:n]), "
                "or a polygon layer or vector file whose polygons are used as drawn.",
            ),
        )
    )
    alg.addParameter(
        _with_help(
            QgsProcessingParameterEnum(
                EVENT,
                QCoreApplication.translate("FirstLight", "Event"),
                list(EVENTS),
                False,
                DEFAULT_EVENT,
                False,
                True,
            ),
            QCoreApplication.translate(
                "FirstLight",
                "What happened: flood.* events give a water mask (NDWI/MNDWI, Sentinel-1 VV), "
                "wildfire.burn_scar the NBR (and with pre-event dates, dNBR and burn severity), "
                "drought.vegetation the NDVI.",
            ),
        )
    )
    alg.addParameter(
        _with_help(
            QgsProcessingParameterDateTime(
                START_DATE,
                QCoreApplication.translate("FirstLight", "Start date"),
                DATETIME_DATE,
                today.addDays(-DEFAULT_DAYS),
            ),
            QCoreApplication.translate("FirstLight", "First day of the search (YYYY-MM-DD, UTC, inclusive)."),
        )
    )
    alg.addParameter(
        _with_help(
            QgsProcessingParameterDateTime(
                END_DATE, QCoreApplication.translate("FirstLight", "End date"), DATETIME_DATE, today
            ),
            QCoreApplication.translate(
                "FirstLight",
                "Last day of the search (YYYY-MM-DD, UTC, inclusive); not before the start date.",
            ),
        )
    )
    alg.addParameter(
        _with_help(
            QgsProcessingParameterNumber(
                MAX_CLOUD,
                QCoreApplication.translate("FirstLight", "Maximum cloud cover (%)"),
                NUMBER_DOUBLE,
                DEFAULT_MAX_CLOUD,
                False,
                0.0,
                100.0,
            ),
            QCoreApplication.translate(
                "FirstLight",
                "Optical scenes cloudier than this are left out; Sentinel-1 radar is never filtered.",
            ),
        )
    )
    area_cloud = QgsProcessingParameterBoolean(
        AREA_CLOUD,
        QCoreApplication.translate("FirstLight", "Judge cloud over the area (reads each scene's cloud mask)"),
        False,
        True,
    )
    alg.addParameter(
        _with_help(
            area_cloud,
            QCoreApplication.translate(
                "FirstLight",
                "The maximum cloud cover and the ranking apply to the cloud over the area, measured from "
                "each optical scene's own cloud mask (Sentinel-2 SCL, Landsat QA_PIXEL, its tiles under "
                "the area only), instead of the catalog's figure for the whole scene: a scene 70% cloudy "
                "may be clear over the area, and one 4% cloudy may have its one cloud there. Costs a "
                "small read per scene found.",
            ),
        )
    )
    alg.addParameter(
        _with_help(
            QgsProcessingParameterString(
                CATALOG, QCoreApplication.translate("FirstLight", "Catalog"), EARTH_SEARCH
            ),
            QCoreApplication.translate(
                "FirstLight",
                "earth-search (Earth Search v1, no account), planetary-computer (Microsoft Planetary "
                "Computer), the URL of any STAC API, or the path of a local STAC catalog, collection "
                "or ItemCollection file.",
            ),
        )
    )
    alg.addParameter(
        _with_help(
            QgsProcessingParameterString(
                COLLECTIONS,
                QCoreApplication.translate("FirstLight", "Collections (comma-separated)"),
                "",
                False,
                True,
            ),
            QCoreApplication.translate(
                "FirstLight",
                "STAC collection ids to search; empty searches the event's sensors' usual collections "
                "(e.g. sentinel-2-l2a, landsat-c2-l2).",
            ),
            advanced=True,
        )
    )


@contextmanager
def _catalog_warnings(warn: Any) -> Iterator[None]:
    """The catalog module's warnings, which the core logs, told to ``warn`` as well while the search
    runs: in the toolbox and the dock nobody reads Python's log. (Its paging runs on a thread of its
    own, so the handler is the module logger's, not this thread's.)"""
    if warn is None:
        yield
        return

    class Forward(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            warn(record.getMessage())

    handler = Forward(logging.WARNING)
    catalog_log.addHandler(handler)
    try:
        yield
    finally:
        catalog_log.removeHandler(handler)


@dataclass(frozen=True)
class Search:
    """A discovery request, as the core takes it."""

    area: Area
    event: str
    start: date
    end: date
    max_cloud: float
    catalog: str
    collections: list[str] | None
    proxy: Proxy | None = None  # QGIS's, which the search and the downloads go through
    area_cloud: bool = False  # MAX_CLOUD and the ranking apply to the cloud over the area

    @property
    def signer(self) -> Signer | None:
        return signer_for(self.catalog, self.proxy)

    @property
    def cloud_limit(self) -> str:
        """The cloud criterion in words: "at most 30% cloud (over the area)" (the scene's over an
        area too large to measure)."""
        if self.area_cloud and measurable(self.area):
            text = QCoreApplication.translate("FirstLight", "at most {cloud:g}% cloud over the area")
        else:
            text = QCoreApplication.translate("FirstLight", "at most {cloud:g}% cloud")
        return text.format(cloud=self.max_cloud)

    @property
    def catalog_label(self) -> str:
        return redact_url(self.catalog)

    def run(self, cancel: Any, limit: int = SEARCH_LIMIT, warn: Any = None) -> list[Scene]:
        """The scenes found, best first; ``warn`` is told of each scene whose cloud over the area
        could not be measured, and of what the search left out (an item it could not read, a
        catalog paging in a loop, a crawl cut short)."""
        common = {
            "max_cloud": self.max_cloud,
            "catalog": self.catalog,
            "collections": self.collections,
            "limit": limit,
            "cancel": cancel,
            "proxy": self.proxy,
        }
        with _catalog_warnings(warn):
            if self.area_cloud:
                return discover_over_area(
                    self.area, self.event, self.start, self.end, signer=self.signer, warn=warn, **common
                )
            return discover(self.area, self.event, self.start, self.end, **common)

    def nothing_found(self) -> str:
        return QCoreApplication.translate(
            "FirstLight",
            "No scene for {event} in {catalog} covers the area between {start} and {end} with {limit}: "
            "widen the dates, raise the maximum cloud cover or check the area and catalog.",
        ).format(
            event=self.event,
            catalog=self.catalog_label,
            start=self.start.isoformat(),
            end=self.end.isoformat(),
            limit=self.cloud_limit,
        )


def read_search(alg: QgsProcessingAlgorithm, parameters: dict, context: QgsProcessingContext) -> Search:
    """The search the parameters describe; raises ``InputError`` naming the first bad one."""
    event = event_value(alg, parameters, context)
    get_event(event)
    start, end = date_values(alg, parameters, context)
    collections = [c.strip() for c in alg.parameterAsString(parameters, COLLECTIONS, context).split(",")]
    return Search(
        area=area_from_parameters(alg, parameters, context),
        event=event,
        start=start,
        end=end,
        max_cloud=alg.parameterAsDouble(parameters, MAX_CLOUD, context),
        catalog=catalog_value(alg, parameters, context),
        collections=[c for c in collections if c] or None,
        proxy=qgis_proxy(),
        area_cloud=alg.parameterAsBoolean(parameters, AREA_CLOUD, context),
    )


def search_problem(
    alg: QgsProcessingAlgorithm, parameters: dict, context: QgsProcessingContext
) -> str | None:
    """The first problem with AREA, EVENT, START_DATE or END_DATE, as one sentence, or None."""
    try:
        _check_area_value(parameters.get(AREA), context)
        get_event(event_value(alg, parameters, context))
        date_values(alg, parameters, context)
        _check_cloud(alg, parameters, context)
    except InputError as error:
        return one_line(str(error))
    return None


def _check_cloud(alg: QgsProcessingAlgorithm, parameters: dict, context: QgsProcessingContext) -> None:
    value = _raw(alg, parameters, MAX_CLOUD, context)
    try:
        cloud = float(value)
    except (TypeError, ValueError):
        cloud = float("nan")
    if not 0 <= cloud <= 100:
        raise InputError(f"The maximum cloud cover {value} is not a percentage: give a number from 0 to 100.")


def _check_area_value(value: Any, context: QgsProcessingContext) -> None:
    """The checks Processing makes on AREA, with a message that says what to give instead."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InputError(
            "The area is missing: give an extent (xmin,xmax,ymin,ymax [EPSG:n]), a polygon layer "
            "or a vector file."
        )
    _check_extent_crs(value)
    if (
        isinstance(value, str)
        and not _EXTENT_TEXT.match(value)
        and QgsProcessingUtils.mapLayerFromString(value.strip(), context) is None
    ):
        raise InputError(
            f"The area '{value.strip()[:200]}' is neither an extent (xmin,xmax,ymin,ymax [EPSG:n]) nor a "
            "layer or vector file QGIS can open: check the value or path."
        )


def _check_extent_crs(value: Any) -> None:
    """The error for an extent's text whose " [CRS]" QGIS does not know: it would drop it, and read
    the coordinates as longitudes and latitudes, or as those of the project's CRS."""
    named = _EXTENT_CRS.search(value) if isinstance(value, str) and _EXTENT_TEXT.match(value) else None
    crs = named.group(1).strip() if named else ""
    if crs and not QgsCoordinateReferenceSystem(crs).isValid():
        raise InputError(
            QCoreApplication.translate(
                "FirstLight",
                "The area's CRS {crs} is unknown: give the EPSG code of the CRS its coordinates are in, "
                "such as EPSG:4326 for longitude and latitude or EPSG:32721 for UTM zone 21 south.",
            ).format(crs=one_line(crs)[:40])
        )


# --- single values -----------------------------------------------------------------------------------


def _raw(alg: QgsProcessingAlgorithm, parameters: dict, name: str, context: QgsProcessingContext) -> Any:
    """The value given for ``name`` (a static property unwrapped), else the parameter's default."""
    value = parameters.get(name)
    if isinstance(value, QgsProperty):
        value = value.valueAsString(context.expressionContext())
    if value is None or (isinstance(value, str) and not value.strip()):
        definition = alg.parameterDefinition(name)
        value = definition.defaultValue() if definition is not None else None
    return value


def given_number(
    alg: QgsProcessingAlgorithm, parameters: dict, name: str, context: QgsProcessingContext
) -> tuple[str, float] | None:
    """An optional number parameter's value as given (its text, for a message) and as a number, NaN
    for text that is none (which QGIS accepts, and reads as 0); None when it is left empty."""
    value = _raw(alg, parameters, name, context)
    if value is None:
        return None
    try:
        number = float(value) if not isinstance(value, bool) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    return str(value).strip(), number


def enum_string(
    alg: QgsProcessingAlgorithm, parameters: dict, name: str, context: QgsProcessingContext
) -> str:
    """An enum parameter's value as its option string, whether given as the string or the index."""
    value = _raw(alg, parameters, name, context)
    options = alg.parameterDefinition(name).options()
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(options):
        return options[value]
    text = str(value).strip() if value is not None else ""
    if text.isdigit() and int(text) < len(options):
        return options[int(text)]
    return text


def event_value(alg: QgsProcessingAlgorithm, parameters: dict, context: QgsProcessingContext) -> str:
    return enum_string(alg, parameters, EVENT, context)


def _date_value(
    alg: QgsProcessingAlgorithm, parameters: dict, name: str, context: QgsProcessingContext, what: str
) -> date:
    value = _raw(alg, parameters, name, context)
    if isinstance(value, QDateTime):
        value = value.date()
    if isinstance(value, QDate):
        if value.isValid():
            return date(value.year(), value.month(), value.day())
        value = None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        raise InputError(f"The {what} date is missing: give it as YYYY-MM-DD.")
    text = str(value).strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InputError(f"Cannot read the {what} date '{text[:40]}': give it as YYYY-MM-DD.") from None


def date_values(
    alg: QgsProcessingAlgorithm, parameters: dict, context: QgsProcessingContext
) -> tuple[date, date]:
    return _date_range(alg, parameters, context, (START_DATE, END_DATE), "")


def _date_range(
    alg: QgsProcessingAlgorithm,
    parameters: dict,
    context: QgsProcessingContext,
    names: tuple[str, str],
    what: str,
) -> tuple[date, date]:
    """(start, end) from the date parameters ``names``, the end on or after the start; ``what``
    names them in the errors ("", "pre-event ")."""
    start = _date_value(alg, parameters, names[0], context, f"{what}start")
    end = _date_value(alg, parameters, names[1], context, f"{what}end")
    if end < start:
        raise InputError(
            f"The {what}end date {end.isoformat()} is before the {what}start date {start.isoformat()}: "
            "give an end date on or after the start date."
        )
    return start, end


def _given(value: Any) -> bool:
    if isinstance(value, (QDate, QDateTime)):
        return value.isValid()
    return value is not None and bool(str(value).strip())


def pre_event_dates(
    alg: QgsProcessingAlgorithm,
    parameters: dict,
    context: QgsProcessingContext,
    names: tuple[str, str],
    event_start: date,
) -> tuple[date, date] | None:
    """The pre-event search's (start, end) from the date parameters ``names``, None when both are
    empty; they must come before the event's own dates, which start at ``event_start``."""
    given = [_given(_raw(alg, parameters, name, context)) for name in names]
    if not any(given):
        return None
    if not all(given):
        raise InputError("Give both pre-event dates (start and end), or neither.")
    start, end = _date_range(alg, parameters, context, names, "pre-event ")
    if end >= event_start:
        raise InputError(
            f"The pre-event dates must end before the event's start date {event_start.isoformat()}: "
            "give pre-event dates from before the event."
        )
    return start, end


def catalog_value(alg: QgsProcessingAlgorithm, parameters: dict, context: QgsProcessingContext) -> str:
    """A STAC API URL or a local path: the aliases earth-search / planetary-computer resolved."""
    text = (alg.parameterAsString(parameters, CATALOG, context) or "").strip() or EARTH_SEARCH
    alias = CATALOG_ALIASES.get(text.lower().replace("_", "-").replace(" ", "-"))
    if alias is not None:
        return alias
    if "://" in text:
        return text
    return str(Path(text).expanduser())


def signer_for(catalog: str, proxy: Proxy | None) -> Signer | None:
    """A SAS-token signer for Planetary Computer, whose assets are unreadable unsigned (its token
    service reached through ``proxy``); else None."""
    if catalog.rstrip("/") == PLANETARY_COMPUTER_URL:
        return PlanetaryComputerSigner(proxy=proxy)
    return None


# --- the area ----------------------------------------------------------------------------------------


def area_from_parameters(
    alg: QgsProcessingAlgorithm, parameters: dict, context: QgsProcessingContext
) -> Area:
    """The AREA parameter as a core ``Area`` (WGS84).

    A polygon layer or vector file contributes its polygons (the selected ones only when the value
    asks for that); any other value (an extent in any CRS, a raster or non-polygon layer) its extent.
    """
    value = parameters.get(AREA)
    if isinstance(value, QgsProperty):
        value = value.valueAsString(context.expressionContext())
    layer, selected_only = _area_layer(value, context)
    if isinstance(layer, QgsVectorLayer) and layer.geometryType() == GEOMETRY_POLYGON:
        geometry, crs = _layer_geometry(layer, selected_only), layer.crs()
    else:
        geometry, crs = _extent_geometry(alg, parameters, context, value)
    return _to_area(geometry, crs, context)


def _area_layer(value: Any, context: QgsProcessingContext) -> tuple[QgsMapLayer | None, bool]:
    if isinstance(value, QgsMapLayer):
        return value, False
    selected_only = False
    if isinstance(value, QgsProcessingFeatureSourceDefinition):
        selected_only = bool(value.selectedFeaturesOnly)
        value = value.source.staticValue()
    if not isinstance(value, str) or not value.strip() or _EXTENT_TEXT.match(value):
        return None, False
    return QgsProcessingUtils.mapLayerFromString(value.strip(), context), selected_only


def _layer_geometry(layer: QgsVectorLayer, selected_only: bool) -> QgsGeometry:
    features = layer.getSelectedFeatures() if selected_only else layer.getFeatures()
    parts = [f.geometry() for f in features if f.hasGeometry() and not f.geometry().isEmpty()]
    if not parts:
        which = (
            QCoreApplication.translate("FirstLight", "selected features")
            if selected_only
            else QCoreApplication.translate("FirstLight", "features")
        )
        raise InputError(
            f"The area layer {layer.name()} has no {which} with a geometry: draw or select a polygon."
        )
    return QgsGeometry.unaryUnion(parts) if len(parts) > 1 else parts[0]


def _extent_geometry(
    alg: QgsProcessingAlgorithm, parameters: dict, context: QgsProcessingContext, value: Any
) -> tuple[QgsGeometry, QgsCoordinateReferenceSystem]:
    _check_extent_crs(value)
    rectangle = alg.parameterAsExtent(parameters, AREA, context)
    if rectangle.isNull() or rectangle.isEmpty():
        layer, _ = _area_layer(value, context)
        if layer is not None:
            raise InputError(
                f"The area layer {layer.name()} holds no polygon, and its extent has no size (a point, or "
                "no feature): give a polygon layer, or an extent (xmin,xmax,ymin,ymax [EPSG:n])."
            )
        shown = (
            str(value)[:200]
            if value not in (None, "")
            else QCoreApplication.translate("FirstLight", "(none)")
        )
        raise InputError(
            f"The area {shown} is neither an extent (xmin,xmax,ymin,ymax [EPSG:n]) with some size nor a "
            "layer or vector file: give one of those."
        )
    crs = alg.parameterAsExtentCrs(parameters, AREA, context)
    geometry = QgsGeometry.fromRect(rectangle)
    if crs.isValid() and crs.authid() != _WGS84:
        geometry = geometry.densifyByCount(31)  # edges of a projected rectangle curve in lon/lat
    return geometry, crs


def _to_area(geometry: QgsGeometry, crs: QgsCoordinateReferenceSystem, context: QgsProcessingContext) -> Area:
    wgs84 = QgsCoordinateReferenceSystem(_WGS84)
    if crs.isValid() and crs != wgs84:
        transform = QgsCoordinateTransform(crs, wgs84, context.transformContext())
        geometry = QgsGeometry(geometry)
        try:
            failed = geometry.transform(transform)
        except QgsCsException:
            failed = True
        if failed:
            raise InputError(
                f"The area could not be converted from {crs.authid() or crs.description()} to WGS84: "
                "check that its CRS is the right one."
            )
    return parse_area(json.loads(geometry.asJson(9)))
