"""Scene discovery: STAC items from an API or a local catalog, turned into ranked ``Scene``s.

A ``Scene`` is everything the rest of FirstLight needs to fetch and scale one acquisition: the
band hrefs in canonical order (found by what each asset declares, see ``bands.py``), the mask,
the visual composite, sizes and checksums, how much of the search area it covers. ``discover``
searches a STAC API (through pystac-client, kept behind ``_StacApi`` so a vendored copy can be
swapped in) or walks a local catalog, filters on dates, cloud cover and footprint, and returns
the scenes best first.

Servers differ: the cloud cover filter is sent as ``query`` or CQL2 ``filter`` only when the API
declares that conformance class (``rustac serve`` declares neither and silently returns nothing
for either), and every criterion is checked again on the client, so the results are the same
whatever the server supports.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import math
import os
import re
import threading
import time as clock
import warnings
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urljoin, urlsplit

from .area import Area, coverage_percent, parse_area
from .bands import (
    LANDSAT,
    SENSORS,
    SENTINEL1,
    SENTINEL2,
    ResolvedAsset,
    resolve_bands,
    resolve_mask,
    resolve_visual,
    sensor_of_item,
)
from .errors import BandResolutionError, CancelledError, CatalogError, FirstLightError, InputError, one_line
from .events import EventConfig, get_event
from .proxy import PROXY_LOGIN, Proxy, proxies_for
from .redact import redact_url
from .values import is_number, is_whole

log = logging.getLogger(__name__)

EARTH_SEARCH_URL = "https://earth-search.aws.element84.com/v1"
PLANETARY_COMPUTER_URL = "https://planetarycomputer.microsoft.com/api/stac/v1"

# Collections searched by default on the catalogs we know. Earth Search's sentinel-1-grd is neither
# terrain-corrected nor anonymously readable, and its landsat-c2-l2 items point only at the USGS's
# requester-pays bucket (s3://usgs-landsat, no https alternate): FirstLight can fetch neither, so
# Earth Search serves Sentinel-2 only, and Landsat comes from Planetary Computer.
DEFAULT_COLLECTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    EARTH_SEARCH_URL: {SENTINEL2: ("sentinel-2-l2a",)},
    PLANETARY_COMPUTER_URL: {
        SENTINEL2: ("sentinel-2-l2a",),
        LANDSAT: ("landsat-c2-l2",),
        SENTINEL1: ("sentinel-1-rtc",),
    },
}
# On an unknown API, among the collections matching a sensor, those of this processing level win.
_PREFERRED_LEVEL = {SENTINEL2: "l2a", LANDSAT: "l2", SENTINEL1: "rtc"}
_CLOUD_FREE_SENSORS = frozenset({SENTINEL1})  # radar sees through clouds: eo:cloud_cover does not apply
# Radar ranks as an optical scene this cloudy (%): a clearer optical scene maps water better and
# comes first; a cloudier one comes after the radar, which sees through (it ranked as "cloud
# unknown", after an 85 % cloudy one).
RADAR_RANKS_AS_CLOUD = 30.0
_HTTP_TIMEOUT = (10.0, 60.0)  # connect, read (s)
_MAX_SCANNED_ITEMS = 5000  # per search: bounds a client-side filtered crawl of a huge result set
MAX_RESPONSE_BYTES = 32 * 1024 * 1024  # per API response: a page of 100 Sentinel-2 items is ~3 MB
# per local catalog file: 20,000 Sentinel-2 items; JSON takes ~10x its size in memory once parsed
MAX_LOCAL_FILE_BYTES = 256 * 1024 * 1024
_POLL_S = 0.1
# A catalog that asks (Retry-After) for a longer pause than this is not waited for: the search
# stops at once and says how long it asked; a shorter one is waited for (a cancel ends the wait).
MAX_RETRY_AFTER_S = 30.0
_SECRET_PARAM = re.compile(
    r"(?i)\b(sig|signature|token|access_token|api[_-]?key|key|password|secret|x-amz-[a-z-]+)=[^&\s\"']+"
)

T = TypeVar("T")
Cancel = Callable[[], bool] | None


@dataclass
class Scene:
    """One acquisition found by discovery, with everything needed to fetch and scale its bands."""

    id: str
    source: str
    datetime: str
    cloud_cover: float | None
    resolution_m: float
    size_bytes: int | None
    url: str | None
    band_urls: dict[str, str]
    visualization_url: str | None
    missing_bands: list[str]
    priority: int
    bbox: tuple[float, float, float, float] | None
    assets: dict[str, ResolvedAsset]
    mask_asset: ResolvedAsset | None
    coverage_percent: float | None
    collection: str | None
    item: dict
    catalog: str
    catalog_is_local: bool
    thumbnail_url: str | None
    # The share (%) of the area's pixels the scene's own cloud mask flags, when measured (areacloud.py).
    area_cloud_percent: float | None = None

    @property
    def cloud(self) -> float | None:
        """The cloud that matters: over the area when measured, else the catalog's for the scene."""
        return self.area_cloud_percent if self.area_cloud_percent is not None else self.cloud_cover

    @property
    def crs(self) -> str | None:
        """The CRS the item says its rasters are in (``proj:code``, or ``proj:epsg``), as "EPSG:n"
        or as given; None when it does not say. A hint only: the rasters' own headers decide."""
        props = _props(self.item)
        code = props.get("proj:code")
        if isinstance(code, str) and code.strip():
            return code.strip()
        epsg = props.get("proj:epsg")
        if isinstance(epsg, int) and not isinstance(epsg, bool) and epsg > 0:
            return f"EPSG:{epsg}"
        return None

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable copy; ``Scene.from_dict`` restores it."""
        data = asdict(self)
        data["bbox"] = list(self.bbox) if self.bbox else None
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scene:
        values = {f.name: data[f.name] for f in fields(cls) if f.name in data}  # older files lack some
        values["assets"] = {band: ResolvedAsset(**asset) for band, asset in data["assets"].items()}
        values["mask_asset"] = ResolvedAsset(**data["mask_asset"]) if data["mask_asset"] else None
        values["bbox"] = tuple(data["bbox"]) if data["bbox"] else None
        return cls(**values)


def scene_from_item(
    item: dict, *, area: Area | None = None, catalog: str = "", catalog_is_local: bool = False
) -> Scene:
    """Turn one STAC item (a dict, as the catalog gave it) into a ``Scene``.

    Raises ``CatalogError`` for a malformed item and ``BandResolutionError`` when it carries none
    of the bands of any sensor FirstLight reads. ``coverage_percent`` is filled when ``area`` is.
    ``missing_bands`` lists the bands the item lacks and those it has only where FirstLight cannot
    fetch them (requester-pays ``s3://``, with no http(s) alternate): their hrefs stay in
    ``band_urls``, for the record and for the ingest to say why it cannot fetch them.
    """
    _check_item(item)
    sensor, assets, missing = _resolve_sensor(item)
    unfetchable = {band for band, asset in assets.items() if _requester_pays(asset.href)}
    if unfetchable:
        missing = [b for b in SENSORS[sensor].canonical_order if b in unfetchable or b in missing]
    props = _props(item)
    visual = resolve_visual(item, sensor)
    resolutions = [a.resolution_m for a in assets.values() if a.resolution_m]
    return Scene(
        id=str(item["id"]),
        source=sensor,
        datetime=str(props.get("datetime") or props.get("start_datetime") or ""),
        cloud_cover=_number(props.get("eo:cloud_cover")),
        resolution_m=min(resolutions),
        size_bytes=_total_size(assets),
        url=_single_file_url(assets, visual),
        band_urls={band: asset.href for band, asset in assets.items()},
        visualization_url=visual,
        missing_bands=missing,
        priority=1,
        bbox=_item_bbox(item),
        assets=assets,
        mask_asset=resolve_mask(item, sensor),
        coverage_percent=coverage_of(item, area),
        collection=_collection_of(item),
        item=copy.deepcopy(item),
        catalog=catalog,
        catalog_is_local=catalog_is_local,
        thumbnail_url=_thumbnail(item),
    )


def discover(
    area: Any,
    event: str,
    start: str | date,
    end: str | date,
    *,
    max_cloud: float = 30.0,
    catalog: str | os.PathLike = EARTH_SEARCH_URL,
    collections: list[str] | None = None,
    limit: int = 50,
    page_size: int | None = None,
    cancel: Cancel = None,
    proxy: Proxy | None = None,
) -> list[Scene]:
    """Scenes over ``area`` between ``start`` and ``end`` (dates inclusive), best first.

    ``catalog`` is a STAC API URL or a local catalog.json / collection / ItemCollection / item
    file or folder. ``collections`` defaults to the event's sensors' collections on that catalog.
    At most ``limit`` scenes come back, ranked by coverage of the area, cloud cover, recency and
    the event's sensor preference, with ``priority`` 1..n. ``page_size`` is the per-request page
    size (default ``min(limit, 100)``). ``cancel()`` returning True stops within ~0.1 s.
    ``proxy``: the HTTP proxy a STAC API is reached through (see ``proxy.py``).
    """
    config = get_event(event)
    criteria = _Criteria(config, parse_area(area), *_date_window(start, end), _checked_cloud(max_cloud))
    limit = _positive_int("limit", limit)
    collections = _collection_ids(collections)
    _check_cancel(cancel)
    local = _local_catalog(catalog)
    collector = _Collector(criteria, limit, cancel)
    if local is not None:
        wanted = frozenset(collections) if collections else None
        collector.add(_local_items(local), str(local), True, collections=wanted)
        if wanted and not wanted & collector.collections:
            held = ", ".join(sorted(c for c in collector.collections if c)) or "none"
            raise InputError(
                f"The catalog {local.name} has no collection {', '.join(sorted(wanted))} (it holds: "
                f"{one_line(held)}): give one of those, or no collection for the event's own."
            )
    else:
        size = _positive_int("page_size", page_size) if page_size is not None else min(limit, 100)
        _search_api(str(catalog).strip(), criteria, collections, size, collector, proxy)
    return collector.ranked()


# --- one item -> Scene ----------------------------------------------------------------------------


def _check_item(item: Any) -> None:
    if not isinstance(item, dict):
        raise CatalogError(
            f"Expected a STAC item (a JSON object) but got a {type(item).__name__}: check the catalog."
        )
    if not item.get("id"):
        raise CatalogError(
            "The catalog returned a STAC item without an id: check the catalog or report it to its host."
        )
    if not isinstance(item.get("assets"), dict) or not item["assets"]:
        raise CatalogError(
            f"STAC item {one_line(item['id'])} has no assets: choose another scene or catalog."
        )


def _resolve_sensor(item: dict) -> tuple[str, dict[str, ResolvedAsset], list[str]]:
    """The item's sensor and its bands; an unrecognised item is tried as each sensor, the best fit wins."""
    known = sensor_of_item(item)
    best: tuple[str, dict[str, ResolvedAsset], list[str]] | None = None
    for sensor in (known,) if known else tuple(SENSORS):
        found, missing = resolve_bands(item, sensor)
        if found and (best is None or len(found) > len(best[1])):
            best = (sensor, found, missing)
    if best is not None:
        return best
    if known:
        config = SENSORS[known]
        raise BandResolutionError(
            f"Scene {one_line(item['id'])} carries none of the {config.title} bands "
            f"({', '.join(config.canonical_order)}): choose another scene or collection."
        )
    raise BandResolutionError(
        f"Scene {one_line(item['id'])} is not from a sensor FirstLight reads (Sentinel-2, Landsat, "
        "Sentinel-1) and has none of their bands: choose another scene or collection."
    )


def _requester_pays(href: str) -> bool:
    """Whether FirstLight can reach ``href`` only on requester-pays Amazon S3, which it never fetches
    (``bands.py`` has taken an http(s) alternate when the asset has one)."""
    return href.strip().lower().startswith("s3://")


def _single_file_url(assets: dict[str, ResolvedAsset], visual: str | None) -> str | None:
    """The seed's one-file ``url``: the blue band, else the visual composite, else the first band (radar)."""
    if "blue" in assets:
        return assets["blue"].href
    return visual or next((asset.href for asset in assets.values()), None)


def _number(value: Any) -> float | None:
    """A finite number, or None (booleans, text that is not a number, NaN, infinities)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _props(item: dict) -> dict:
    props = item.get("properties")
    return props if isinstance(props, dict) else {}


def _collection_of(item: dict) -> str | None:
    collection = item.get("collection")
    return collection if isinstance(collection, str) else None


def _total_size(assets: dict[str, ResolvedAsset]) -> int | None:
    """Bytes of all band files, or None when any band's ``file:size`` is unknown (a partial sum misleads)."""
    sizes = [asset.file_size for asset in assets.values()]
    return sum(sizes) if sizes and None not in sizes else None  # type: ignore[arg-type]


def _item_bbox(item: dict) -> tuple[float, float, float, float] | None:
    """The item's 2D bbox, or None when it has none that is four (or six) finite numbers."""
    bbox = item.get("bbox")
    if not isinstance(bbox, list) or len(bbox) not in (4, 6):
        return None
    half = len(bbox) // 2
    numbers = [_number(bbox[i]) for i in (0, 1, half, half + 1)]
    return None if None in numbers else tuple(numbers)  # type: ignore[return-value]


def _footprint(item: dict) -> dict | None:
    """The item geometry, or its bbox as a polygon when the geometry is missing."""
    if isinstance(item.get("geometry"), dict):
        return item["geometry"]
    bbox = _item_bbox(item)
    if bbox is None:
        return None
    minx, miny, maxx, maxy = bbox
    ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
    return {"type": "Polygon", "coordinates": [ring]}


def coverage_of(item: dict, area: Area | None) -> float | None:
    """The share (%) of ``area`` the item's footprint covers; None without an area or a footprint."""
    footprint = _footprint(item)
    if area is None or footprint is None:
        return None
    try:
        return round(coverage_percent(area, footprint), 2)
    except (InputError, RuntimeError, TypeError, ValueError) as exc:  # GDAL / GEOS on a broken one
        detail = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise CatalogError(
            f"STAC item {one_line(item['id'])} has an unreadable footprint ({detail}): check the catalog."
        ) from None


def _thumbnail(item: dict) -> str | None:
    """A small preview image: http(s) first, then browser-readable formats, then the thumbnail role."""
    assets = item.get("assets") if isinstance(item.get("assets"), dict) else {}
    links = item.get("links") if isinstance(item.get("links"), list) else []
    candidates = [
        asset
        for asset in assets.values()
        if isinstance(asset, dict)
        and isinstance(asset.get("roles"), list)
        and {"thumbnail", "overview"} & {role for role in asset["roles"] if isinstance(role, str)}
    ]
    candidates += [
        {**link, "roles": ["thumbnail"]}
        for link in links
        if isinstance(link, dict) and link.get("rel") == "thumbnail"
    ]

    def rank(entry: dict) -> tuple[bool, bool, bool]:
        href = str(entry.get("href", ""))
        image = str(entry.get("type") or "").startswith(
            ("image/png", "image/jpeg", "image/webp")
        ) or href.split("?")[0].lower().endswith((".png", ".jpg", ".jpeg", ".webp"))
        return not href.startswith(("https://", "http://")), not image, "thumbnail" not in entry["roles"]

    usable = [c for c in candidates if isinstance(c.get("href"), str) and c["href"]]
    return str(min(usable, key=rank)["href"]) if usable else None


# --- search criteria, filtering, ranking -----------------------------------------------------------


@dataclass(frozen=True)
class _Criteria:
    event: EventConfig
    area: Area
    start: datetime
    end: datetime
    max_cloud: float

    def filters_cloud(self, sensor: str | None) -> bool:
        return self.max_cloud < 100 and sensor not in _CLOUD_FREE_SENSORS

    def datetime_range(self) -> str:
        return f"{_rfc3339(self.start)}/{_rfc3339(self.end)}"


class _Collector:
    """Accepts items that meet the criteria, remembers why others failed, ranks and keeps the best."""

    def __init__(self, criteria: _Criteria, limit: int, cancel: Cancel) -> None:
        self.criteria = criteria
        self.limit = limit
        self.cancel = cancel
        self.scenes: dict[tuple[str | None, str], Scene] = {}
        self.errors: list[FirstLightError] = []
        self.collections: set[str | None] = set()  # of every item read, the wanted ones or not

    def add(
        self,
        items: Iterable[Any],
        catalog: str,
        is_local: bool,
        collections: frozenset[str] | None = None,
        cap: int | None = None,
    ) -> None:
        """Accept from ``items``: all of a local catalog, or up to ``cap`` from a remote search.

        A remote search is read in the server's order and stops early; ``_MAX_SCANNED_ITEMS`` bounds
        a crawl where the client-side filters reject most items.
        """
        accepted = 0
        for scanned, item in enumerate(items, 1):
            _check_cancel(self.cancel)
            if cap is not None and scanned > _MAX_SCANNED_ITEMS:
                log.warning(
                    "Stopped after %d items from %s: narrow the dates or the area.",
                    _MAX_SCANNED_ITEMS,
                    catalog,
                )
                return
            try:
                scene = self._accept(item, catalog, is_local, collections)
            except (CatalogError, BandResolutionError) as exc:
                log.warning("Skipping an item from %s: %s", catalog, exc)
                # Kept without its traceback, whose frames hold the caller's cancel (a QGIS feedback's
                # method) in a cycle: left to the garbage collector, it outlived QGIS and crashed its exit.
                self.errors.append(exc.with_traceback(None))
                continue
            if scene is not None and (scene.collection, scene.id) not in self.scenes:
                self.scenes[(scene.collection, scene.id)] = scene
                accepted += 1
                if cap is not None and accepted >= cap:
                    return

    def _accept(
        self, item: Any, catalog: str, is_local: bool, collections: frozenset[str] | None
    ) -> Scene | None:
        _check_item(item)
        criteria = self.criteria
        self.collections.add(_collection_of(item))
        if collections is not None and _collection_of(item) not in collections:
            return None
        if not _in_window(_props(item), criteria.start, criteria.end):
            return None
        if not is_local:
            item = _resolved_hrefs(item)
        scene = scene_from_item(item, area=criteria.area, catalog=catalog, catalog_is_local=is_local)
        if scene.source not in criteria.event.sensors:
            return None
        # A scene whose item gives no cloud cover is kept: ``rank`` puts it after those that do.
        if (
            criteria.filters_cloud(scene.source)
            and scene.cloud_cover is not None
            and scene.cloud_cover > criteria.max_cloud
        ):
            return None
        if not scene.coverage_percent:
            return None
        if not is_local:
            _check_remote_hrefs(scene, catalog)
        return scene

    def ranked(self) -> list[Scene]:
        if not self.scenes and self.errors:
            first = self.errors[0]
            raise type(first)(
                f"{len(self.errors)} scene(s) were found but none can be used; the first: {first}"
            )
        return rank(self.scenes.values(), self.criteria.event.sensors, self.limit)


def rank(scenes: Iterable[Scene], sensors: tuple[str, ...], limit: int) -> list[Scene]:
    """The first ``limit`` of ``scenes``, best first, their ``priority`` 1..n: those with every band
    (fetchable) before those with ``missing_bands``, then coverage, cloud (over the area when
    measured; unknown last; radar's as ``RADAR_RANKS_AS_CLOUD``), newest, the order of ``sensors``."""

    def key(scene: Scene) -> tuple[bool, float, bool, float, float, int]:
        moment = _parse_time(scene.datetime)
        cloud = RADAR_RANKS_AS_CLOUD if scene.source in _CLOUD_FREE_SENSORS else scene.cloud
        return (
            bool(scene.missing_bands),
            -round(scene.coverage_percent or 0.0, 1),
            cloud is None,
            cloud or 0.0,
            -(moment.timestamp() if moment else 0.0),
            sensors.index(scene.source),
        )

    ordered = sorted(scenes, key=key)[:limit]
    for priority, scene in enumerate(ordered, 1):
        scene.priority = priority
    return ordered


# Cloud cover (%) up to which a scene counts as clear for a comparison: its cloud mask hides the rest.
CLEAR_CLOUD = 10.0


def best_pre_event(found: list[Scene], event_scene: Scene) -> Scene:
    """The scene from before the event to compare ``event_scene`` with, among ``found`` (as
    ``discover`` ranks them, best first): of its sensor when one is found; of those, covering the
    area as well as the best does; of those, the latest clear one (at most ``CLEAR_CLOUD`` % cloud;
    radar sees through clouds), seen as ``event_scene`` was when one is (``same_view``), else the
    clearest. The latest, not the clearest: the less time between the two, the less else has
    changed (a river's seasonal level, crops grown or cut), so what changed is the event. Seen the
    same way: a radar scene from another orbit casts its shadows, which read as water, elsewhere,
    and an optical one of another tile must be resampled. Only the scenes of ``found`` taken
    before ``event_scene`` count; none is one sentence. A scene with ``missing_bands`` (one the
    ingest cannot fetch whole) is taken only when every scene has some."""
    found = _taken_before(found, event_scene)
    found = [scene for scene in found if not scene.missing_bands] or found
    same = [scene for scene in found if scene.source == event_scene.source] or found
    best = round(same[0].coverage_percent or 0.0, 1)
    covering = [scene for scene in same if round(scene.coverage_percent or 0.0, 1) >= best]
    clear = [scene for scene in covering if _is_clear(scene)]
    if not clear:
        return covering[0]
    view = same_view(event_scene)
    clear = [scene for scene in clear if view is not None and same_view(scene) == view] or clear
    return max(clear, key=lambda scene: _parse_time(scene.datetime) or datetime.min.replace(tzinfo=UTC))


def _taken_before(found: list[Scene], event_scene: Scene) -> list[Scene]:
    """The scenes of ``found`` taken before ``event_scene`` (all of them if it has no time)."""
    event_time = _parse_time(event_scene.datetime)
    if event_time is None:
        return list(found)
    earlier = [scene for scene in found if (_parse_time(scene.datetime) or event_time) < event_time]
    if not earlier:
        raise InputError(
            f"None of the {len(found)} scene(s) found was taken before scene {one_line(event_scene.id)} "
            f"({event_scene.datetime[:10]}): search earlier dates for the scene to compare it with."
        )
    return earlier


def same_view(scene: Scene) -> str | None:
    """How the scene sees the ground, as its item says: its tile (``grid:code``, Sentinel-2's MGRS
    tile, Landsat's WRS path and row) or, for radar, its relative orbit and pass; None when the
    item does not say."""
    props = _props(scene.item)
    if scene.source in _CLOUD_FREE_SENSORS:  # radar: the orbit sets the look angle and the shadows
        orbit = props.get("sat:relative_orbit")
        return None if orbit is None else f"orbit {orbit} {props.get('sat:orbit_state') or ''}".strip()
    if isinstance(props.get("grid:code"), str):
        return str(props["grid:code"])
    if isinstance(props.get("s2:mgrs_tile"), str):
        return f"MGRS-{props['s2:mgrs_tile']}"
    path, row = props.get("landsat:wrs_path"), props.get("landsat:wrs_row")
    return None if path is None or row is None else f"WRS{props.get('landsat:wrs_type', '2')}-{path}{row}"


def _is_clear(scene: Scene) -> bool:
    if scene.source in _CLOUD_FREE_SENSORS:
        return True
    return scene.cloud is not None and scene.cloud <= CLEAR_CLOUD


def _day(text: str) -> date | None:
    """The day ``text`` names when it is a date alone (2018-12-24, or 20181224), else None."""
    return date.fromisoformat(text) if re.fullmatch(r"\d{4}-?\d{2}-?\d{2}", text) else None


def _parse_time(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _in_window(props: dict, start: datetime, end: datetime) -> bool:
    """Whether the item's instant (or its start/end interval) overlaps ``[start, end]``."""
    first = _parse_time(props.get("start_datetime") or props.get("datetime"))
    last = _parse_time(props.get("end_datetime") or props.get("datetime"))
    return first is not None and last is not None and first <= end and last >= start


def _rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _instant(value: Any, name: str, end_of_day: bool) -> datetime:
    """A date (whole day: from 00:00 or until 23:59:59.999999 UTC) or a datetime, timezone-aware."""
    day_time = time.max if end_of_day else time.min
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, day_time)
    elif isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            day = _day(text)
            moment = datetime.combine(day, day_time) if day else datetime.fromisoformat(text)
        except ValueError:
            raise InputError(
                f"Cannot read the {name} date '{one_line(text, 40)}': give it as YYYY-MM-DD."
            ) from None
    else:
        raise InputError(f"The {name} date is missing: give it as YYYY-MM-DD.")
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date_window(start: Any, end: Any) -> tuple[datetime, datetime]:
    first, last = _instant(start, "start", False), _instant(end, "end", True)
    if first > last:
        raise InputError(f"The start date {start} is after the end date {end}: swap them.")
    return first, last


def _collection_ids(collections: Any) -> list[str] | None:
    """The collection ids asked for: a list of them, or one id alone; None or none: the event's."""
    if collections is None or isinstance(collections, str):
        return [collections.strip()] if collections and collections.strip() else None
    try:
        ids = list(collections)
    except TypeError:
        ids = [None]
    if not all(isinstance(i, str) and i.strip() for i in ids):
        raise InputError(
            f"The collections {one_line(repr(collections), 60)} are not valid: give a list of collection "
            "ids such as ['sentinel-2-l2a'], or None for the event's."
        )
    return [i.strip() for i in ids] or None


def _checked_cloud(max_cloud: Any) -> float:
    if not is_number(max_cloud) or not 0 <= max_cloud <= 100:
        raise InputError(
            f"The maximum cloud cover {max_cloud!r} is not a percentage: give a number from 0 to 100."
        )
    return float(max_cloud)


def _positive_int(name: str, value: Any) -> int:
    if not is_whole(value) or value < 1:
        raise InputError(f"The {name} {value!r} is not a positive whole number: give 1 or more.")
    return int(value)


def _check_cancel(cancel: Cancel) -> None:
    if cancel is not None and cancel():
        raise CancelledError("The search was cancelled.")


# --- local catalogs ----------------------------------------------------------------------------------


def _local_catalog(catalog: str | os.PathLike) -> Path | None:
    """The local path ``catalog`` names, or None when it is an http(s) URL."""
    text = os.fspath(catalog).strip()
    if not text:
        raise InputError("No catalog given: give a STAC API URL or the path of a local catalog.")
    parts = urlsplit(text)
    if parts.scheme in ("http", "https"):
        return None
    path = Path(unquote(parts.path)) if parts.scheme == "file" else Path(text)
    if not path.exists():
        raise CatalogError(
            f"The catalog '{redact_url(text)}' is neither an http(s) STAC API URL nor an existing file "
            "or folder: check it."
        )
    return path.resolve()


def _local_items(root: Path) -> Iterator[Any]:
    """Every item of a local catalog, with relative asset hrefs made absolute.

    A folder is read through its catalog.json / collection.json, or else every JSON file in it that
    is STAC (other JSON is ignored); a file may be a catalog, a collection, an ItemCollection or an item.
    """
    documents: list[Path] = [root]
    strict = True
    if root.is_dir():
        index = next(
            (root / name for name in ("catalog.json", "collection.json") if (root / name).is_file()), None
        )
        documents, strict = ([index], True) if index else (sorted(root.rglob("*.json")), False)
    visited: set[Path] = set()
    for path in documents:
        yield from _items_in(path, visited, strict)


def _items_in(path: Path, visited: set[Path], strict: bool) -> Iterator[Any]:
    path = path.resolve()
    if path in visited:
        return
    visited.add(path)
    try:
        size = path.stat().st_size
        if size > MAX_LOCAL_FILE_BYTES:
            message = (
                f"The catalog file {path} has {size // 2**20} MB, more than the "
                f"{MAX_LOCAL_FILE_BYTES // 2**20} MB FirstLight reads from one file: split it into "
                "smaller ItemCollections or a catalog of item files."
            )
            if strict:
                raise CatalogError(message)
            log.warning("%s It was skipped.", message)
            return
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        if not strict:
            return
        raise CatalogError(
            f"Cannot read the catalog file {path} ({exc}): check that it is STAC JSON."
        ) from None
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "Feature":
        yield _absolute_hrefs(document, path.parent)
    elif kind == "FeatureCollection":
        for feature in document.get("features") or []:
            yield _absolute_hrefs(feature, path.parent)
    elif kind in ("Catalog", "Collection"):
        for link in document.get("links") or []:
            if (
                isinstance(link, dict)
                and link.get("rel") in ("item", "child")
                and isinstance(link.get("href"), str)
            ):
                target = _absolute_href(link["href"], path.parent)
                if "://" in target:
                    log.warning(
                        "Not following the remote link %s in the local catalog %s.", redact_url(target), path
                    )
                    continue
                yield from _items_in(Path(target), visited, strict=True)
    elif strict:
        raise CatalogError(
            f"{path} is not a STAC catalog, collection, ItemCollection or item: give one of those."
        )


def _absolute_href(href: str, base: Path) -> str:
    """A relative path resolved against ``base``; ``file://`` URLs become paths; other URLs are kept."""
    try:
        parts = urlsplit(href)
    except ValueError:  # not a URL one can parse: left as it is, and refused when fetched
        return href
    if parts.scheme == "file":
        return unquote(parts.path)
    if len(parts.scheme) > 1:  # a URL (a one-letter "scheme" is a Windows drive)
        return href
    return os.path.normpath(base / href)


def _absolute_hrefs(item: Any, base: Path) -> Any:
    if not isinstance(item, dict):
        return item
    item = copy.deepcopy(item)
    assets = item.get("assets")
    for asset in assets.values() if isinstance(assets, dict) else []:
        if isinstance(asset, dict) and isinstance(asset.get("href"), str):
            asset["href"] = _absolute_href(asset["href"], base)
    return item


# --- relative hrefs in a STAC API's items ----------------------------------------------------------------


def _is_relative(href: str) -> bool:
    """Whether ``href`` is a relative reference (``./blue.tif``, ``blue.tif``, ``/data/blue.tif``):
    no scheme (a one-letter one is a Windows drive, an absolute path the download refuses)."""
    try:
        return bool(href.strip()) and not urlsplit(href.strip()).scheme
    except ValueError:  # not a URL one can parse: left as it is, and refused when fetched
        return False


def _self_href(item: dict) -> str | None:
    """The item's own absolute http(s) address (its ``self`` link), the base of its relative hrefs."""
    links = item.get("links") if isinstance(item.get("links"), list) else []
    for link in links:
        if isinstance(link, dict) and link.get("rel") == "self" and isinstance(link.get("href"), str):
            try:
                parts = urlsplit(link["href"].strip())
            except ValueError:
                return None
            return link["href"].strip() if parts.scheme in ("http", "https") and parts.hostname else None
    return None


def _resolved_hrefs(item: Any) -> Any:
    """An API's item with its relative asset hrefs (and their alternates') resolved against its
    ``self`` link, as the STAC spec says; without one, they are left relative (and the scene is
    refused, ``_check_remote_hrefs``): never read as local files."""
    if not isinstance(item, dict) or not any(_relative_entries(item)):
        return item
    base = _self_href(item)
    if base is None:
        return item
    item = copy.deepcopy(item)
    for entry in _relative_entries(item):
        entry["href"] = urljoin(base, entry["href"].strip())
    return item


def _relative_entries(item: dict) -> list[dict]:
    """The item's assets, and their alternates, whose href is relative."""
    assets = item.get("assets") if isinstance(item.get("assets"), dict) else {}
    entries = []
    for asset in (a for a in assets.values() if isinstance(a, dict)):
        alternates = asset.get("alternate") if isinstance(asset.get("alternate"), dict) else {}
        entries += [asset, *(alt for alt in alternates.values() if isinstance(alt, dict))]
    return [e for e in entries if isinstance(e.get("href"), str) and _is_relative(e["href"])]


def _check_remote_hrefs(scene: Scene, catalog: str) -> None:
    """A CatalogError when a band or the mask of an API's scene still has a relative href: its item
    has no self link to resolve it against, and a remote catalog's path is never read from disk."""
    hrefs = [*scene.band_urls.values(), *([scene.mask_asset.href] if scene.mask_asset else [])]
    relative = next((href for href in hrefs if _is_relative(href)), None)
    if relative is not None:
        raise CatalogError(
            f"The STAC catalog at {catalog} gives the files of scene {one_line(scene.id)} as relative "
            f"addresses ({one_line(relative, 60)}) with no self link to resolve them against, so they "
            "cannot be fetched: report it to the catalog's host or choose another catalog."
        )


# --- STAC APIs -----------------------------------------------------------------------------------------


# The libraries this process has searched STAC APIs with, and their versions, for manifests.
SEARCHED_WITH: dict[str, str] = {}


class _StacApi:
    """The only code that touches pystac-client (imported here, lazily): swap it for a vendored copy here."""

    def __init__(self, url: str, proxy: Proxy | None = None, stop: threading.Event | None = None) -> None:
        import pystac_client
        from pystac_client import Client
        from pystac_client.stac_api_io import StacApiIO
        from pystac_client.warnings import NoConformsTo

        from .keepalive import QuickAdapter

        SEARCHED_WITH["pystac_client"] = pystac_client.__version__
        # A catalog that declares no conformance (a static catalog.json over HTTP) is searched, or
        # refused, in a sentence of ours: pystac-client's warning printed before it is noise.
        warnings.filterwarnings("ignore", category=NoConformsTo)

        # Its waits (backoff, a Retry-After) end when ``stop`` is set: the search's cancel.
        self.stop = stop or threading.Event()
        retry_class = type("SearchRetry", (_search_retry(),), {"label": redact_url(url), "stop": self.stop})
        retry = retry_class(
            total=4,
            connect=1,
            read=1,
            status=3,
            backoff_factor=0.5,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=None,
            raise_on_status=False,
            respect_retry_after_header=True,
        )
        io = StacApiIO(timeout=_HTTP_TIMEOUT, max_retries=retry)
        for scheme in ("http://", "https://"):  # an address that does not answer: the next after a second
            io.session.mount(scheme, QuickAdapter(max_retries=retry))
        io.session.hooks["response"].append(_bounded_response)
        io.session.proxies.update(proxies_for(proxy, url))  # (for every page: they share its host)
        self._client = Client.open(url, stac_io=io, timeout=_HTTP_TIMEOUT)
        self.has_search = self._client.get_single_link("search") is not None

    def conforms_to(self, name: str) -> bool:
        """Whether the API declares a conformance class, by pystac-client name ("QUERY", "FILTER")."""
        from pystac_client.conformance import ConformanceClasses

        return self._client.conforms_to(ConformanceClasses.get_by_name(name))

    def collection_ids(self) -> list[str]:
        return [collection.id for collection in self._client.get_collections()]

    def pages(self, **params: Any) -> Iterator[dict[str, Any]]:
        """Result pages of a POST /search, following ``next`` links."""
        return self._client.search(method="POST", **params).pages_as_dicts()


@functools.cache
def _search_retry() -> type:
    """urllib3's ``Retry`` (imported here, lazily) as the search wants it: a Retry-After of up to
    ``MAX_RETRY_AFTER_S`` is waited for, a longer one stops the search at once in a sentence that
    says how long the catalog asked for (waiting an hour, unable to cancel in a headless run, then
    failing helps no one); every wait ends as soon as the class's ``stop`` event is set."""
    from urllib3 import Retry
    from urllib3.exceptions import InvalidHeader

    class SearchRetry(Retry):  # type: ignore[misc,valid-type]
        label = ""  # the catalog, as its errors name it
        stop: threading.Event | None = None

        def sleep_for_retry(self, response: Any = None) -> bool:
            try:
                seconds = self.get_retry_after(response)
            except InvalidHeader:  # neither seconds nor a date: the usual backoff
                return False
            if not seconds:
                return False
            if seconds > MAX_RETRY_AFTER_S:
                raise _asks_to_wait(self.label, getattr(response, "status", None), seconds)
            self._pause(seconds)
            return True

        def _sleep_backoff(self) -> None:
            backoff = self.get_backoff_time()
            if backoff > 0:
                self._pause(backoff)

        def _pause(self, seconds: float) -> None:
            if self.stop is None:
                clock.sleep(seconds)
            elif self.stop.wait(seconds):
                raise CancelledError("The search was cancelled.")

    return SearchRetry


def _asks_to_wait(label: str, status: int | None, seconds: float) -> CatalogError:
    """The search given up on a server that asks (Retry-After) for a pause longer than it waits."""
    how_long = _duration(seconds)
    if status == 429:
        why = f"is limiting requests (HTTP 429) and asks to wait {how_long}"
    elif status == 503:
        why = f"is unavailable (HTTP 503) and asks to wait {how_long}"
    else:
        why = f"answered HTTP {status} and asks to wait {how_long}"
    return CatalogError(f"The STAC catalog at {label} {why}; search again then.")


def _duration(seconds: float) -> str:
    """``seconds`` in words: "45 seconds", "60 minutes", "3 hours", "2 days", "over a year"."""
    if seconds > 366 * 86400:
        return "over a year"
    if seconds < 90:
        return f"{math.ceil(seconds)} seconds"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} hours"
    return f"{round(seconds / 86400)} days"


class _BoundedBody:
    """A response body that stops with a CatalogError past MAX_RESPONSE_BYTES (decoded bytes, so a
    small gzip bomb is caught too); everything else is the wrapped urllib3 response's."""

    def __init__(self, raw: Any, url: str) -> None:
        self._raw, self._url = raw, url

    def stream(self, amt: int = 2**16, decode_content: bool | None = None) -> Iterator[bytes]:
        total = 0
        for chunk in self._raw.stream(amt, decode_content=decode_content):
            total += len(chunk)
            if total > MAX_RESPONSE_BYTES:
                self._raw.close()
                raise _too_large(self._url)
            yield chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _too_large(url: str) -> CatalogError:
    return CatalogError(
        f"The STAC catalog at {redact_url(url)} sent a response larger than "
        f"{MAX_RESPONSE_BYTES // 2**20} MB, which no search page needs; FirstLight stopped reading it. "
        "Use a smaller page size or another catalog."
    )


def _bounded_response(response: Any, *args: Any, **kwargs: Any) -> Any:
    """A requests response hook (it runs before the body is read): refuse a body announced as
    too large, and bound one whose size is not announced."""
    length = response.headers.get("Content-Length", "")
    if length.isdigit() and int(length) > MAX_RESPONSE_BYTES:
        response.close()
        raise _too_large(response.url)
    response.raw = _BoundedBody(response.raw, response.url)
    return response


def _search_api(
    url: str,
    criteria: _Criteria,
    collections: list[str] | None,
    page_size: int,
    collector: _Collector,
    proxy: Proxy | None,
) -> None:
    label = redact_url(url)
    cancel = collector.cancel
    stop = threading.Event()  # set on a cancel: ends a wait between retries in the worker thread
    api = _api_call(label, cancel, lambda: _StacApi(url, proxy, stop), stop)
    if not api.has_search:
        raise CatalogError(
            f"The catalog at {label} is not a STAC API with item search: give a STAC API URL "
            f"(such as {EARTH_SEARCH_URL}) or the path of a local catalog."
        )
    plan = _collection_plan(api, url, criteria.event, collections, cancel)
    cloud = _cloud_params(api, criteria.max_cloud)
    for sensor, ids in plan.items():
        params: dict[str, Any] = {
            "collections": list(ids),
            "intersects": criteria.area.geojson,
            "datetime": criteria.datetime_range(),
            "limit": page_size,
        }
        if sensor is not None and criteria.filters_cloud(sensor):
            params.update(cloud)
        pages = _api_call(label, cancel, lambda params=params: api.pages(**params), stop)
        collector.add(_page_items(pages, label, cancel, stop), label, False, cap=collector.limit)


def _collection_plan(
    api: _StacApi, url: str, event: EventConfig, collections: list[str] | None, cancel: Cancel
) -> dict[str | None, tuple[str, ...]]:
    """Collections to search, grouped by sensor (None: a given collection of no known sensor)."""
    if collections:
        groups: dict[str | None, list[str]] = {}
        for collection in collections:
            groups.setdefault(sensor_of_item({"collection": collection}), []).append(collection)
        return {sensor: tuple(ids) for sensor, ids in groups.items()}
    known = DEFAULT_COLLECTIONS.get(url.rstrip("/"))
    if known is not None:
        plan = {sensor: known[sensor] for sensor in event.sensors if sensor in known}
    else:
        ids = _api_call(redact_url(url), cancel, api.collection_ids, api.stop)
        plan = {sensor: found for sensor in event.sensors if (found := _matching_collections(ids, sensor))}
    if not plan:
        titles = ", ".join(SENSORS[s].title for s in event.sensors)
        raise CatalogError(
            f"The catalog at {redact_url(url)} has no collection of {titles}: "
            "give the collection ids to search."
        )
    return dict(plan)


def _matching_collections(ids: list[str], sensor: str) -> tuple[str, ...]:
    """Collection ids naming the sensor (a hint at a word start), its preferred processing level first."""
    hints = SENSORS[sensor].collection_hints
    matches = [
        cid for cid in ids if any(re.search(rf"(?<![a-z0-9]){re.escape(h)}", cid.lower()) for h in hints)
    ]
    preferred = [cid for cid in matches if _PREFERRED_LEVEL[sensor] in cid.lower()]
    return tuple(preferred or matches)


def _cloud_params(api: _StacApi, max_cloud: float) -> dict[str, Any]:
    """Server-side cloud filter in the dialect the API declares; none (client-side only) otherwise."""
    if max_cloud >= 100:
        return {}
    if api.conforms_to("QUERY"):
        return {"query": {"eo:cloud_cover": {"lte": max_cloud}}}
    if api.conforms_to("FILTER"):
        return {
            "filter": {"op": "<=", "args": [{"property": "eo:cloud_cover"}, max_cloud]},
            "filter_lang": "cql2-json",
        }
    return {}


def _page_items(
    pages: Iterator[dict[str, Any]], label: str, cancel: Cancel, stop: threading.Event | None = None
) -> Iterator[Any]:
    """The items of the result pages, following ``next`` links until there is none, or until the
    catalog's paging goes round in a loop: a ``next`` link already followed (its href and body),
    or a page with the same items as an earlier one. Then a warning, and the items found so far."""
    followed: set[str] = set()
    pages_seen: set[tuple[str, ...]] = set()
    while (page := _api_call(label, cancel, lambda: next(pages, None), stop)) is not None:
        features = page.get("features") or []
        ids = tuple(f"{f.get('collection')}/{f.get('id')}" for f in features if isinstance(f, dict))
        if ids and ids in pages_seen:
            _paging_loop(label, "a page holds the same items as an earlier one")
            return
        pages_seen.add(ids)
        yield from features
        following = _next_link(page)
        if following is not None:
            if following in followed:
                _paging_loop(label, "its next link leads back to a page already read")
                return
            followed.add(following)


def _next_link(page: dict[str, Any]) -> str | None:
    """The page's ``next`` link as a comparable text (href, method, body, headers), or None."""
    links = page.get("links") if isinstance(page.get("links"), list) else []
    link = next((k for k in links if isinstance(k, dict) and k.get("rel") == "next"), None)
    if link is None:
        return None
    fields = {key: link.get(key) for key in ("href", "method", "body", "headers", "merge")}
    return json.dumps(fields, sort_keys=True, default=str)


def _paging_loop(label: str, what: str) -> None:
    log.warning(
        "The STAC catalog at %s pages in a loop (%s): the search stopped reading its pages there and "
        "keeps the scenes found so far; report the catalog's paging to its host.",
        label,
        what,
    )


def _api_call(label: str, cancel: Cancel, work: Callable[[], T], stop: threading.Event | None = None) -> T:
    """Run one blocking call to the API, cancellable, its failures turned into a clear ``CatalogError``."""
    with _catalog_errors(label):
        return _cancellable(work, cancel, stop)


def _cancellable(work: Callable[[], T], cancel: Cancel, stop: threading.Event | None = None) -> T:
    """``work()`` in a daemon thread while ``cancel`` is polled, so a slow server cannot hold a cancel;
    on a cancel, ``stop`` is set, which ends the thread's wait between retries."""
    if cancel is None:
        return work()
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="firstlight-stac", daemon=True)
    worker.start()
    while worker.is_alive():
        worker.join(_POLL_S)
        if cancel():
            if stop is not None:
                stop.set()
            raise CancelledError("The search was cancelled.")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@contextmanager
def _catalog_errors(label: str) -> Iterator[None]:
    """Whatever the HTTP / STAC stack raises while talking to the API becomes one ``CatalogError``."""
    try:
        yield
    except FirstLightError:
        raise
    except ImportError as exc:  # a broken install, not a catalog problem: say so
        raise CatalogError(
            f"FirstLight could not load its STAC client library ({exc.name or exc}): "
            "reinstall the plugin from its zip."
        ) from None
    except Exception as exc:
        log.debug("Catalog %s failed: %s", label, type(exc).__name__)
        raise _catalog_error(label, exc) from None


def _catalog_error(label: str, exc: Exception) -> CatalogError:
    import requests

    status = getattr(exc, "status_code", None)
    cause = exc.__context__ or exc
    if isinstance(cause, CatalogError):  # ours, raised inside pystac-client (a response too large)
        return cause
    if status in (401, 403):
        why = f"refused access (HTTP {status}): check that it is public or that your credentials are set"
    elif status == 407:
        why = f"could not be reached: the proxy wants its login (HTTP 407); {PROXY_LOGIN}"
    elif status == 404:
        why = "has no STAC API at this address (HTTP 404): check the catalog URL"
    elif status == 429:
        why = "is limiting requests (HTTP 429): wait a minute and search again"
    elif isinstance(status, int) and status >= 500:
        why = f"failed (HTTP {status}): try again later or choose another catalog"
    elif isinstance(status, int):
        reason = _server_reason(str(exc))
        why = f"rejected the search (HTTP {status}{reason}): check the search or choose another catalog"
    elif isinstance(cause, requests.exceptions.SSLError) and "certif" in str(cause).lower():
        why = (
            "has a TLS certificate that could not be verified, so FirstLight does not talk to it: check "
            "the URL, the system's certificates or a proxy intercepting HTTPS"
        )
    elif isinstance(cause, requests.Timeout):
        why = f"did not answer within {_HTTP_TIMEOUT[1]:.0f} s: try again later or choose another catalog"
    elif isinstance(cause, requests.ConnectionError):
        why = "could not be reached: check the URL and your network connection, or choose another catalog"
    else:
        why = (
            "did not answer with STAC JSON: check that the URL is a STAC API "
            f"(such as {EARTH_SEARCH_URL}) or give the path of a local catalog"
        )
    return CatalogError(f"The STAC catalog at {label} {why}.")


def _server_reason(body: str) -> str:
    """A short, secret-free reason from an API error body (JSON ``description``/``detail``), if any."""
    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    reason = next((str(data[k]) for k in ("description", "detail", "message") if data.get(k)), "")
    return ": " + _SECRET_PARAM.sub(r"\1=***", reason)[:160] if reason else ""
