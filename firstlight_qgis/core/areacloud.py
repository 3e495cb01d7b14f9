"""Cloud over the area, not over the scene: the share of an optical scene's pixels under the area
that its own cloud mask (Sentinel-2 SCL, Landsat QA_PIXEL) flags, from the mask's tiles under the
area only.

A catalog's ``eo:cloud_cover`` is the whole scene's (a 110 km Sentinel-2 tile). A tile 4 % cloudy
may have its one cloud over the town that flooded, and one 70 % cloudy may leave it clear; floods
come with clouds, so the second is common, and a search that filters and ranks on the tile's cloud
hides the very scene that shows the water. ``discover_over_area`` searches without the cloud
filter, measures each candidate's cloud over the area, and filters and ranks on that.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from osgeo import gdal

from .area import Area, parse_area
from .areapixels import AreaPixels
from .bands import SENSORS
from .catalog import Scene, discover, rank
from .clip import clip_bands
from .errors import CancelledError, CatalogError, DownloadError, FirstLightError, one_line
from .events import get_event
from .gdalconfig import raising
from .indices import MASK_RULES
from .proxy import Proxy
from .signing import Signer

log = logging.getLogger(__name__)

Cancel = Callable[[], bool] | None
Warn = Callable[[str], None]

MASK_WORKERS = 8  # scenes whose mask is read at once (each over its own connections)
CANDIDATES = 50  # scenes measured at least, whatever the limit: the area's cloud makes the cut
# A mask that does not come promptly is not worth a long wait: the catalog's cloud stands in.
MASK_RETRIES = 1
MASK_TIMEOUT_S = 10.0
# Over this, an area's masks cost megabytes per scene (a whole Sentinel-2 tile's SCL is a few), and
# the area is a good part of the scene, whose catalog figure then tells most of it.
MAX_MEASURED_KM2 = 2500.0


@raising
def discover_over_area(
    area: object,
    event: str,
    start: str | date,
    end: str | date,
    *,
    max_cloud: float = 30.0,
    limit: int = 50,
    cancel: Cancel = None,
    signer: Signer | None = None,
    proxy: Proxy | None = None,
    warn: Warn | None = None,
    **search: object,
) -> list[Scene]:
    """``catalog.discover``, with ``max_cloud`` and the ranking applied to the cloud over the area
    (``measure_area_cloud``) rather than the scene's: every scene in the dates is a candidate, and
    one whose mask cannot be read is judged by the catalog's cloud cover, as before. ``search``
    holds ``discover``'s other keywords (catalog, collections, page_size); ``warn`` (default: the
    log) is told of each scene whose mask cannot be read. An area over ``MAX_MEASURED_KM2`` is not
    measured: ``discover`` as it is, and ``warn`` says so."""
    checked = parse_area(area)
    if not measurable(checked):
        (warn or log.warning)(
            f"The area is {checked.area_km2:,.0f} km², more than the {MAX_MEASURED_KM2:,.0f} km² the cloud "
            "over an area is measured for (its cloud masks would cost megabytes per scene): the scenes "
            "are judged by their catalogs' cloud cover."
        )
        return discover(
            checked, event, start, end, max_cloud=max_cloud, limit=limit, cancel=cancel, proxy=proxy, **search
        )
    found = discover(
        checked,
        event,
        start,
        end,
        max_cloud=100.0,
        limit=max(limit, CANDIDATES),
        cancel=cancel,
        proxy=proxy,
        **search,
    )
    measure_area_cloud(found, checked, cancel=cancel, signer=signer, proxy=proxy, warn=warn)
    clear = [scene for scene in found if scene.cloud is None or scene.cloud <= max_cloud]
    return rank(clear, get_event(event).sensors, limit)


def measurable(area: Area) -> bool:
    """Whether the cloud over ``area`` is measured (not over ``MAX_MEASURED_KM2``)."""
    return area.area_km2 <= MAX_MEASURED_KM2


def measure_area_cloud(
    scenes: list[Scene],
    area: Area,
    *,
    cancel: Cancel = None,
    signer: Signer | None = None,
    proxy: Proxy | None = None,
    warn: Warn | None = None,
) -> None:
    """Set ``area_cloud_percent`` on each scene of ``scenes`` that has a cloud mask asset, from the
    mask's tiles under ``area``. A scene whose mask cannot be read, or an optical one whose item
    has none, keeps None, and ``warn`` is told in one sentence for them all; a cancel raises
    ``CancelledError``."""
    masked = [scene for scene in scenes if scene.mask_asset is not None]
    unknown: list[tuple[Scene, FirstLightError]] = [
        (scene, CatalogError(f"its item has no {mask.name.upper()} asset, the mask it would be read from."))
        for scene in scenes
        if scene.mask_asset is None and (mask := SENSORS[scene.source].mask) is not None
    ]
    with (
        tempfile.TemporaryDirectory(prefix="firstlight-cloud-") as work,
        ThreadPoolExecutor(MASK_WORKERS, thread_name_prefix="firstlight-cloud") as pool,
    ):
        futures = [
            pool.submit(_measure, scene, area, Path(work) / str(number), cancel, signer, proxy)
            for number, scene in enumerate(masked)
        ]
        for scene, future in zip(masked, futures, strict=True):
            try:
                scene.area_cloud_percent = future.result()
            except CancelledError:
                for other in futures:
                    other.cancel()
                raise
            except FirstLightError as error:
                unknown.append((scene, error))
    if unknown:
        (warn or log.warning)(_unknown_sentence(unknown))


def _unknown_sentence(unknown: list[tuple[Scene, FirstLightError]]) -> str:
    """One sentence for the scenes whose cloud over the area is unknown (a catalog whose masks are
    on requester-pays storage has many)."""
    scene, error = unknown[0]
    reason = one_line(str(error), limit=400)
    if len(unknown) == 1:
        return (
            f"The cloud over the area of scene {one_line(scene.id)} is unknown, so its catalog's cloud "
            f"cover stands in: {reason}"
        )
    return (
        f"The cloud over the area of {len(unknown)} scenes is unknown, so their catalogs' cloud cover "
        f"stands in; for {one_line(scene.id)}: {reason}"
    )


def _measure(
    scene: Scene, area: Area, folder: Path, cancel: Cancel, signer: Signer | None, proxy: Proxy | None
) -> float | None:
    mask = scene.mask_asset
    assert mask is not None
    results = clip_bands(
        {mask.band: mask.href},
        folder,
        one_line(scene.id),
        area,
        parallel_downloads=1,
        max_retries=MASK_RETRIES,
        timeout=MASK_TIMEOUT_S,
        expected={mask.band: mask},
        cancel=cancel,
        signer=signer,
        allow_local=scene.catalog_is_local,
        crs=scene.crs,
        proxy=proxy,
    )
    result = results[mask.band]
    if not result.success or result.local_path is None:
        raise DownloadError(str(result.error or "the mask was not read"))
    return cloud_percent(Path(result.local_path), area, SENSORS[scene.source].mask.name)


@raising
def cloud_percent(mask_path: Path, area: Area, mask_name: str) -> float | None:
    """The share (%) of the pixels of ``mask_path`` (a cloud mask of kind ``mask_name``: "scl",
    "qa_pixel") inside ``area`` that it flags, among those it has data for; None when it has none
    there. A pixel is inside when its centre is."""
    dataset = gdal.Open(str(mask_path))
    values = dataset.GetRasterBand(1).ReadAsArray()
    fill, flags = MASK_RULES[mask_name]
    inside = AreaPixels(area, dataset).strip(0, dataset.RasterYSize) & (values != fill)
    seen = int(inside.sum())
    if seen == 0:
        return None
    return 100.0 * int((flags(values) & inside).sum()) / seen
