"""The dock's remembered choices (QgsSettings, section ``firstlight/dock``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from qgis.core import QgsSettings

PREFIX = "firstlight/dock/"

EVENT = "event"
START_DATE = "start_date"
END_DATE = "end_date"
SAVED_ON = "saved_on"
MAX_CLOUD = "max_cloud"
AREA_CLOUD = "area_cloud"
CATALOG_KIND = "catalog_kind"
CUSTOM_URL = "custom_url"
LOCAL_CATALOG = "local_catalog"
OUTPUT_FOLDER = "output_folder"
CLIP_TO_AREA = "clip_to_area"
SKIP_VALIDATION = "skip_validation"
MOSAIC = "mosaic"
POLYGONS = "polygons"
PRE_EVENT = "pre_event"
PRE_START_DATE = "pre_start_date"
PRE_END_DATE = "pre_end_date"
AREA_WKT = "area_wkt"
AREA_CRS = "area_crs"
AREA_SOURCE = "area_source"
LAYER_ID = "layer_id"


def read(key: str, default: Any = None, kind: type | None = None) -> Any:
    settings = QgsSettings()
    if kind is None:
        return settings.value(PREFIX + key, default)
    return settings.value(PREFIX + key, default, type=kind)


def write(key: str, value: Any) -> None:
    QgsSettings().setValue(PREFIX + key, value)


def remove(key: str) -> None:
    QgsSettings().remove(PREFIX + key)


def clear() -> None:
    QgsSettings().remove(PREFIX.rstrip("/"))


def date_range(start: str, end: str) -> tuple[date, date] | None:
    """A remembered date range, None when nothing valid was saved."""
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except (TypeError, ValueError):
        return None
    return (first, last) if first <= last else None


def rolling_dates(start: str, end: str, saved_on: str, today: date | None = None) -> tuple[date, date] | None:
    """The remembered date range; one that ended on the day it was saved ("up to today") rolls
    forward to end today, keeping its length. None when nothing valid was saved."""
    today = today or date.today()
    remembered = date_range(start, end)
    if remembered is None:
        return None
    first, last = remembered
    try:
        saved = date.fromisoformat(saved_on)
    except (TypeError, ValueError):
        saved = None
    if saved is not None and last == saved and saved < today:
        shift = today - saved
        first, last = first + shift, last + shift
    return first, last


def default_dates(days: int = 30, today: date | None = None) -> tuple[date, date]:
    today = today or date.today()
    return today - timedelta(days=days), today
