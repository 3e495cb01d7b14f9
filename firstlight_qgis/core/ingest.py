"""The pipeline: scene -> bands -> stack -> validate -> index -> manifest.

One function, ``ingest_scene``, that the Processing algorithms, the dock and the demo all call.
Every step writes under ``<output>/<safe scene id>/`` through temporary names, so a crash or a
cancel never leaves a stack, index or manifest that looks complete but is not.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from . import manifest, speckle
from .area import Area, parse_area
from .areapixels import area_metadata
from .bands import SENSORS, SENTINEL1
from .catalog import Scene, coverage_of
from .clip import area_extent, clip_bands
from .download import (
    RUN_AGAIN,
    BandDownloadResult,
    RetryPolicy,
    discard,
    disk_error,
    download_bands,
    refuse_requester_pays,
    safe_name,
)
from .errors import (
    BandResolutionError,
    CancelledError,
    DownloadError,
    InputError,
    ValidationFailedError,
    one_line,
    raise_for_write,
)
from .events import EventConfig, get_event
from .fileio import make_folder, removed_if_empty
from .gdalconfig import raising
from .indices import (
    CHANGE_PRODUCTS,
    EVENT_MARKS,
    INDEX_BANDS,
    IndexResult,
    burn_severity,
    canonical_band,
    compute_indices,
    flood_extent,
    otsu_caveat,
    parse_threshold,
    sar_water_mask,
    sensor_caveat,
    threshold_caveat,
)
from .lock import scene_lock
from .overviews import OVR_PART, add_overviews
from .polygons import (
    DEFAULT_MIN_AREA_M2,
    PolygonResult,
    check_min_area,
    discard_polygons,
    product_polygons,
)
from .proxy import Proxy
from .quicklook import Preview, read_preview, tints_for
from .signing import Signer
from .stack import RESOLUTION_MODES, StackResult, create_band_stack
from .validate import ValidationResult, validate_image, validate_stack
from .values import flag, is_number, number, whole_number

log = logging.getLogger(__name__)

Progress = Callable[[str, str, float], None]
Cancel = Callable[[], bool]

SKIP_VALIDATION_WARNING = (
    "Validation skipped: the downloaded files were not checked and may not be suitable for "
    "spectral analysis (missing NIR/SWIR bands, wrong grid or empty data)."
)


def _env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in ("0", "false", "no", "off")


@dataclass(frozen=True)
class IngestOptions:
    """How to ingest. ``multi_band_download=False`` is the rollback switch of the seed
    (``multi_band_download.enabled = false``, or ``FIRSTLIGHT_MULTI_BAND_DOWNLOAD=false``):
    only the visual (TCI) file is fetched, as before multi-band download existed.

    ``retry_policy`` sets the waits between download attempts (None: 1 s doubling up to 30 s,
    Retry-After honoured up to 120 s). ``lock_wait_s`` is how long to wait for another ingest of
    the same scene into the same folder before failing with SceneBusyError (0: fail at once).

    ``polygons``: also write the event's coded product (``EVENT_MARKS``) as polygons in a
    GeoPackage, patches under ``polygon_min_area_m2`` merged into their surroundings."""

    clip_to_area: bool = True
    parallel_downloads: int = 4
    max_retries: int = 3
    timeout: float = 30.0
    skip_validation: bool = False
    multi_band_download: bool = field(
        default_factory=lambda: _env_flag("FIRSTLIGHT_MULTI_BAND_DOWNLOAD", True)
    )
    resolution_mode: str = "resample"
    water_threshold: float | str = 0.0
    sar_threshold_db: float | None = None  # Sentinel-1's water threshold (dB); None: the event's
    speckle_window: int = speckle.WINDOW  # Sentinel-1's median filter (see core.speckle)
    cloud_mask: bool = True
    quicklook: bool = True
    retry_policy: RetryPolicy | None = None
    lock_wait_s: float = 0.0
    polygons: bool = False
    polygon_min_area_m2: float = DEFAULT_MIN_AREA_M2

    def __post_init__(self) -> None:
        """A value the ingest cannot take is said here, where it was written, not after the
        download (a whole scene's gigabyte) or, worse, taken another way ("no" is true)."""
        for name in (
            "clip_to_area",
            "skip_validation",
            "multi_band_download",
            "cloud_mask",
            "quicklook",
            "polygons",
        ):
            flag(name, getattr(self, name))
        whole_number("parallel_downloads", self.parallel_downloads, 1)
        whole_number("max_retries", self.max_retries, 0)
        number("timeout", self.timeout, 0, above=True)
        number("lock_wait_s", self.lock_wait_s, 0)
        if self.resolution_mode not in RESOLUTION_MODES:
            raise InputError(
                f"The resolution_mode {one_line(repr(self.resolution_mode), 40)} is not valid: give one "
                f"of {', '.join(RESOLUTION_MODES)}."
            )
        parse_threshold(self.water_threshold)
        if self.sar_threshold_db is not None and not is_number(self.sar_threshold_db):
            raise InputError(
                f"The Sentinel-1 water threshold {one_line(repr(self.sar_threshold_db), 40)} is not "
                "valid: give a number of decibels such as -18, or None for the event's."
            )
        speckle.check_window(self.speckle_window)
        if self.retry_policy is not None and not isinstance(self.retry_policy, RetryPolicy):
            raise InputError("The retry_policy is not valid: give a RetryPolicy, or None for the default.")
        check_min_area(self.polygon_min_area_m2)


@dataclass
class IngestResult:
    """Everything an ingest produced; paths are absolute."""

    scene_id: str
    scene_dir: Path
    bands: dict[str, BandDownloadResult]
    stack: StackResult | None
    validation: ValidationResult | None
    indices: dict[str, IndexResult]
    manifest_path: Path
    quicklook_path: Path | None = None
    visual_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    polygons: PolygonResult | None = None

    @property
    def water_mask(self) -> IndexResult | None:
        return self.indices.get("water")


def _check_cancel(cancel: Cancel | None) -> None:
    if cancel is not None and cancel():
        raise CancelledError("Ingest cancelled; completed band files were kept and will be reused.")


def _fetch(
    urls: dict[str, str],
    scene: Scene,
    scene_dir: Path,
    area: Area | None,
    options: IngestOptions,
    progress: Progress | None,
    cancel: Cancel | None,
    signer: Signer | None,
    proxy: Proxy | None,
) -> dict[str, BandDownloadResult]:
    expected = dict(scene.assets)
    if scene.mask_asset is not None:
        expected[scene.mask_asset.band] = scene.mask_asset
    common = {
        "parallel_downloads": options.parallel_downloads,
        "max_retries": options.max_retries,
        "expected": expected,
        "progress_callback": progress,
        "cancel": cancel,
        "signer": signer,
        "proxy": proxy,
        "allow_local": scene.catalog_is_local,
        "timeout": options.timeout,
        "retry_policy": options.retry_policy,
    }
    refuse_requester_pays(urls, one_line(scene.id))  # once for the scene: no run can fetch them
    if area is not None and options.clip_to_area:
        results = clip_bands(urls, scene_dir, one_line(scene.id), area, crs=scene.crs, **common)
    else:
        results = download_bands(urls, scene_dir, one_line(scene.id), **common)
    failed = [r for r in results.values() if not r.success]
    if failed:
        details = "; ".join(f"{r.band_name}: {r.error}" for r in failed)
        raise DownloadError(
            f"{len(failed)} band(s) of scene {one_line(scene.id)} could not be downloaded ({details}). "
            f"{RUN_AGAIN.capitalize()}."
        )
    return results


def _ingest_visual(
    scene: Scene, scene_dir: Path, event: str, options: IngestOptions, **fetch: object
) -> IngestResult:
    """The rollback path: one visual (TCI) file, no stack, no index."""
    if not scene.visualization_url:
        raise BandResolutionError(
            f"Scene {one_line(scene.id)} has no visual (TCI) asset, so the single-file download cannot run; "
            "enable multi-band download."
        )
    bands = _fetch({"visual": scene.visualization_url}, scene, scene_dir, options=options, **fetch)
    visual_path = bands["visual"].local_path
    warnings = ["Multi-band download is disabled: only the true-colour (TCI) file was fetched."]
    validation = None
    if options.skip_validation:
        warnings.append(SKIP_VALIDATION_WARNING)
    else:
        validation = validate_image(visual_path)
        warnings.extend(validation.warnings)
        if not validation.is_valid:
            raise ValidationFailedError(validation.errors[0], validation)
    manifest_path = manifest.write(
        scene_dir,
        scene,
        bands,
        mode="visual_only",
        event=event,
        options=options,
        validation=validation,
        warnings=warnings,
    )
    return IngestResult(
        scene_id=scene.id,
        scene_dir=scene_dir,
        bands=bands,
        stack=None,
        validation=validation,
        indices={},
        manifest_path=manifest_path,
        visual_path=visual_path,
        warnings=warnings,
    )


def _compute_indices(
    scene: Scene,
    event: EventConfig,
    stack: StackResult,
    mask_path: Path | None,
    prefix: Path,
    options: IngestOptions,
    cancel: Cancel | None,
    warnings: list[str],
) -> dict[str, IndexResult]:
    if scene.source == SENTINEL1:
        if not event.water_mask:
            return {}
        path = Path(f"{prefix}_water.tif")
        threshold_db = options.sar_threshold_db
        water = sar_water_mask(
            stack.path,
            path,
            event.sar_threshold_db if threshold_db is None else threshold_db,
            speckle_window=options.speckle_window,
            cancel=cancel,
        )
        return {"water": water}
    outputs = {}
    for name in event.indices:
        needed = [canonical_band(b, scene.source) for b in INDEX_BANDS[name]]
        lacking = [b for b in needed if b not in stack.band_mapping]
        if lacking:  # only reachable with skip_validation: a missing band was accepted
            warnings.append(f"{name.upper()} was not computed: the stack lacks {', '.join(lacking)}.")
            continue
        outputs[name] = Path(f"{prefix}_{name}.tif")
    if not outputs:
        return {}
    _check_cancel(cancel)
    primary = event.water_mask and event.indices[0] in outputs  # the water mask is drawn from it
    results = compute_indices(  # in one pass: NDWI and MNDWI share green, the water mask reads no file
        stack.path,
        outputs,
        sensor=scene.source,
        scaling={band: (asset.scale, asset.offset) for band, asset in scene.assets.items()},
        band_mapping=stack.band_mapping,
        mask_path=mask_path,
        water=(Path(f"{prefix}_water.tif"), options.water_threshold) if primary else None,
        cancel=cancel,
    )
    caveat = otsu_caveat(results["water"]) if "water" in results else None
    if caveat:
        warnings.append(caveat)
    return results


# The product of each ingest a change is computed from, and what it is called in messages.
_CHANGE_SOURCE = {"burn": ("nbr", "NBR"), "flood": ("water", "water mask")}


class _Before(NamedTuple):
    """The scene from before the event, and its product a change is computed from."""

    scene_id: str
    path: Path
    taken: str  # its date and time, as its manifest says ("" when it does not)


def _pre_event_product(event: EventConfig, pre_event: IngestResult | None) -> _Before | None:
    """The pre-event ingest's product the event's change is computed from (its NBR for a burn
    scar, its water mask for a flood), checked before anything is fetched."""
    if pre_event is None:
        return None
    if event.change is None:
        raise InputError(
            f"The event {event.name} makes nothing of a scene from before it: ingest without pre_event."
        )
    name, title = _CHANGE_SOURCE[event.change]
    product = pre_event.indices.get(name)
    if product is None or not product.path.is_file():
        raise InputError(
            f"The pre-event scene {one_line(pre_event.scene_id)} has no {title} on disk: ingest it for "
            f"{event.name} first (with every band it needs), or pick another scene."
        )
    return _Before(pre_event.scene_id, product.path, _taken(pre_event))


def _taken(result: IngestResult) -> str:
    """When the scene of ``result`` was taken, as its manifest says ("" if it cannot be read)."""
    try:
        return str(manifest.read_scene(result.scene_dir.parent, result.scene_id)["scene"]["datetime"] or "")
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def _caveats(scene: Scene, area: Area | None, options: IngestOptions, before: _Before | None) -> list[str]:
    """What the run should say before anything is fetched: a scene that covers the area in part (the
    rest is in none of its products), an option it will not use, a comparison made backwards."""
    caveats = []
    covered = coverage_of(scene.item, area) if area is not None and options.clip_to_area else None
    if covered is not None and covered < 99:
        caveats.append(
            f"Scene {one_line(scene.id)} covers {covered:.0f}% of the area: its products hold that part "
            "only; ingest a scene covering the rest too (with a mosaic), or pick one that covers it all."
        )
    if scene.source == SENTINEL1 and options.water_threshold != IngestOptions.water_threshold:
        caveats.append(
            "The water threshold applies to optical indices: Sentinel-1 water is told by its own "
            "threshold in decibels (sar_threshold_db, SAR_THRESHOLD_DB in the toolbox)."
        )
    elif scene.source != SENTINEL1 and threshold_caveat(options.water_threshold):
        caveats.append(str(threshold_caveat(options.water_threshold)))
    if before is not None and before.taken and scene.datetime and before.taken >= scene.datetime:
        caveats.append(
            f"The scene to compare with, {one_line(before.scene_id)} ({before.taken[:10]}), was not taken "
            f"before scene {one_line(scene.id)} ({scene.datetime[:10]}): the change is measured backwards."
        )
    return caveats


def _compute_change(
    scene: Scene,
    change: str,
    indices: dict[str, IndexResult],
    before: Path,
    prefix: Path,
    cancel: Cancel | None,
    warnings: list[str],
) -> dict[str, IndexResult]:
    """What the event's ``change`` makes of the scene's product (in ``indices``) and the pre-event
    one, ``before``."""
    name, title = _CHANGE_SOURCE[change]
    after = indices.get(name)
    if after is None:  # only with skip_validation: a band it needs was missing
        warnings.append(f"No {change} change was computed: scene {one_line(scene.id)} has no {title}.")
        return {}
    _check_cancel(cancel)
    paths = [Path(f"{prefix}_{product}.tif") for product in CHANGE_PRODUCTS[change]]
    if change == "burn":
        results = burn_severity(after.path, before, *paths, cancel=cancel)
        caveat = sensor_caveat(before, after.path)
        if caveat:
            warnings.append(caveat)
    else:
        results = {"flood": flood_extent(after.path, before, *paths, cancel=cancel)}
    if not results[CHANGE_PRODUCTS[change][0]].valid_fraction:
        warnings.append(
            f"The {change} change has no valid pixel: the pre-event {title} ({before.name}) does not "
            f"cover scene {one_line(scene.id)} where it is clear; pick another pre-event scene."
        )
    return results


def _polygons(
    indices: dict[str, IndexResult],
    prefix: Path,
    options: IngestOptions,
    cancel: Cancel | None,
    warnings: list[str],
) -> PolygonResult | None:
    """The polygons of the scene's flood, burn severity or water, as ``<prefix>_<product>.gpkg``."""
    _check_cancel(cancel)
    polygons = product_polygons(
        indices, lambda name: Path(f"{prefix}_{name}.gpkg"), options.polygon_min_area_m2, cancel
    )
    if polygons is None:
        warnings.append("No polygons were made: the event's products hold no water, flood or burn classes.")
    return polygons


@contextlib.contextmanager
def _reading_preview(
    stack: StackResult, validation: ValidationResult | None, cancel: Cancel | None
) -> Iterator[Future[Preview]]:
    """The quicklook's reading of ``stack`` on a thread of its own while the block runs: it needs
    no index, only the water mask for its tint, and on two cores the indices leave half of one
    idle (end to end 20 km 1.03 -> 0.93 s, 5 km 205 -> 181 ms). It takes the bands the validation
    read rather than decoding them again (20 km: 0.32 s of work less). It stops when the block
    fails or is cancelled."""
    stop = threading.Event()
    findings = validation.bands.values() if validation is not None else ()
    samples = {f.index: f.sample for f in findings if f.index is not None and f.sample is not None}

    def stopped() -> bool:
        return stop.is_set() or (cancel is not None and cancel())

    with ThreadPoolExecutor(1, thread_name_prefix="firstlight-preview") as beside:
        preview = beside.submit(read_preview, stack.path, stack.band_mapping, cancel=stopped, samples=samples)
        try:
            yield preview
        except BaseException:
            stop.set()
            raise
    for finding in findings:  # 2 MB a band: not carried in the result (Processing keeps every scene's)
        finding.sample = None


def _stack_and_validate(
    scene: Scene,
    bands: dict[str, BandDownloadResult],
    area: Area | None,
    prefix: Path,
    options: IngestOptions,
    warnings: list[str],
    cancel: Cancel | None,
) -> tuple[StackResult, ValidationResult | None]:
    """The stack VRT over the band files (in clip mode cut to the area's extent, and naming the
    area, whose pixels alone its products count and show: ``areapixels``), the overviews of a large
    one, and, unless skipped, its validation, which decodes the bands' tiles (those of the
    overviews' build for a large one)."""
    spectral = {b: bands[b].local_path for b in scene.band_urls}
    extent = None
    if area is not None and options.clip_to_area:  # band files hold whole tiles: cut to the area
        files = {b: r.local_path for b, r in bands.items() if r.local_path is not None}
        extent = area_extent(files, area, one_line(scene.id))
    stack = create_band_stack(
        spectral,
        Path(f"{prefix}_stack.vrt"),
        band_order=[b for b in SENSORS[scene.source].canonical_order if b in spectral],
        resolution_mode=options.resolution_mode,
        bounds=extent,
        metadata=area_metadata(area) if area is not None and extent is not None else None,
    )
    warnings.extend(stack.warnings)
    add_overviews(stack.path, [path for path in spectral.values() if path is not None], cancel)
    if options.skip_validation:
        log.warning(SKIP_VALIDATION_WARNING)
        warnings.append(SKIP_VALIDATION_WARNING)
        return stack, None
    return stack, validate_stack(stack.path, list(scene.band_urls), sensor=scene.source)


@raising
def ingest_scene(
    scene: Scene,
    output_dir: str | Path,
    area: Area | None = None,
    event: str = "flood.coastal",
    options: IngestOptions | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    signer: Signer | None = None,
    proxy: Proxy | None = None,
    pre_event: IngestResult | None = None,
) -> IngestResult:
    """Download, stack, validate and index one scene into ``<output_dir>/<safe scene id>/``.

    Re-running skips bands that are complete and verified. Raises a ``FirstLightError`` with
    one clear sentence on any failure. ``proxy``: the HTTP proxy the downloads go through (see
    ``proxy.py``). ``pre_event``: the ingest of a scene from before the event, same area and
    event; the scene's change since then is written too: a flood's extent (``indices.flood_extent``)
    or a burn scar's dNBR and severity (``indices.burn_severity``).
    """
    options = IngestOptions() if options is None else options
    _check_arguments(scene, output_dir, options, pre_event)
    area = parse_area(area) if area is not None and not isinstance(area, Area) else area
    event_config = get_event(event)
    before = _pre_event_product(event_config, pre_event)  # said before any download, not after
    if scene.source not in event_config.sensors:
        raise InputError(
            f"Scene {one_line(scene.id)} is {SENSORS[scene.source].title}, which the event {event} does "
            "not use; pick a scene of another sensor."
        )
    scene_dir = Path(output_dir).expanduser().resolve() / safe_name(scene.id)
    try:
        made = make_folder(scene_dir)
    except OSError as error:
        raise disk_error(scene_dir, error) from None
    with (
        removed_if_empty(made),
        _write_errors(scene_dir),
        scene_lock(scene_dir, wait_s=options.lock_wait_s, cancel=cancel, what=f"scene {one_line(scene.id)}"),
    ):
        _remove_products(scene_dir, safe_name(scene.id))
        _remove_mosaic_of(scene_dir.parent, scene.id)
        return _ingest(
            scene, scene_dir, area, event, event_config, options, progress, cancel, signer, proxy, before
        )


def _check_arguments(
    scene: Scene, output_dir: str | Path, options: IngestOptions, pre_event: IngestResult | None
) -> None:
    """One sentence for an argument of the wrong kind, rather than an AttributeError mid-run."""
    if not isinstance(scene, Scene):
        raise InputError("The scene is not valid: give a Scene, as discover returns them.")
    if not isinstance(output_dir, str | os.PathLike) or not str(output_dir).strip():
        raise InputError("The output folder is missing: give the path of a folder.")
    if not isinstance(options, IngestOptions):
        raise InputError("The options are not valid: give an IngestOptions, or None for the defaults.")
    if pre_event is not None and not isinstance(pre_event, IngestResult):
        raise InputError(
            "The pre_event is not valid: give the result of the ingest of the scene before the event "
            "(what ingest_scene returned for it), not the scene itself."
        )


@contextlib.contextmanager
def _write_errors(scene_dir: Path) -> Iterator[None]:
    """A full disk, or a write the system refused, met while locking, stacking, computing indices
    or writing the manifest (an OSError or a GDAL RuntimeError) becomes one OutputError; whatever
    was being written is already removed."""
    try:
        yield
    except (OSError, RuntimeError) as error:
        raise_for_write(scene_dir, error, RUN_AGAIN)
        raise


def _remove_products(scene_dir: Path, prefix: str) -> None:
    """Remove what an earlier run derived from the bands (manifest, stack, indices, quicklook): the
    manifest marks a completed ingest and must not outlive a re-run that fails, and a stack or a
    water mask left from other bands (another area, a changed catalog) must not sit beside new ones.
    Band files stay: they are verified and reused (and their part files resume). So do the files
    a crash, or a folder that refused their removal, left half-written: overviews, records and
    products under temporary names (the lock held: no run is writing them)."""
    names = [manifest.MANIFEST_NAME, f"{prefix}_stack.vrt", f"{prefix}_quicklook.png", f"{prefix}_water.tif"]
    derived = [*INDEX_BANDS, *(name for products in CHANGE_PRODUCTS.values() for name in products)]
    names += [f"{prefix}_{name}.tif" for name in derived]
    for name in names:
        (scene_dir / name).unlink(missing_ok=True)
    for name in EVENT_MARKS:
        discard_polygons(scene_dir / f"{prefix}_{name}.gpkg")
    for pattern in (f"*{OVR_PART}", "*.tmp", f".{prefix}_*.part*"):
        for leftover in scene_dir.glob(pattern):
            leftover.unlink(missing_ok=True)


def _needed_bands(scene: Scene, event_config: EventConfig) -> set[str]:
    """The bands the event reads on the scene's sensor: its indices' (a drought's NDVI needs no
    SWIR), or, from Sentinel-1, VV, which its water mask reads (a VV-only product serves)."""
    if scene.source == SENTINEL1:
        return {"vv"}
    return {canonical_band(band, scene.source) for name in event_config.indices for band in INDEX_BANDS[name]}


def _say_if_blind(scene: Scene, indices: dict[str, IndexResult], warnings: list[str]) -> None:
    """A warning when the scene saw no pixel of the area (all cloud, or the area beyond it): its
    products are all no data, which a run that succeeds without a word passes off as "no water"."""
    seen = indices.get("water") or next(iter(indices.values()), None)
    if seen is not None and not seen.valid_fraction:
        caveat = (
            f"Scene {one_line(scene.id)} sees no pixel of the area (clouds, or the area beyond the scene): "
            "its products hold no data; pick a clearer scene."
        )
        log.warning(caveat)
        warnings.append(caveat)


def _remove_mosaic_of(output_folder: Path, scene_id: str) -> None:
    """Remove the mosaic in ``output_folder`` if it was made of this scene's products, which the
    run is replacing: left, it looked current beside them (the next mosaic makes it again)."""
    if scene_id not in manifest.mosaic_of(output_folder):
        return
    place = output_folder / manifest.MOSAIC_FOLDER
    (place / manifest.MANIFEST_NAME).unlink(missing_ok=True)  # first: the mosaic is no longer whole
    for product in place.glob("*.tif"):
        product.unlink(missing_ok=True)
    for name in EVENT_MARKS:
        discard_polygons(place / f"{name}.gpkg")


def _ingest(
    scene: Scene,
    scene_dir: Path,
    area: Area | None,
    event: str,
    event_config: EventConfig,
    options: IngestOptions,
    progress: Progress | None,
    cancel: Cancel | None,
    signer: Signer | None,
    proxy: Proxy | None,
    before: _Before | None,
) -> IngestResult:
    """``ingest_scene`` once the scene folder is locked and cleared of derived products; ``before``,
    the pre-event product the change is computed from."""
    fetch_args = {"area": area, "progress": progress, "cancel": cancel, "signer": signer, "proxy": proxy}
    started = time.monotonic()

    if not options.multi_band_download:
        return _ingest_visual(scene, scene_dir, event, options, **fetch_args)

    warnings = _caveats(scene, area, options, before)
    for caveat in warnings:
        log.warning(caveat)
    needed = _needed_bands(scene, event_config)
    absent = [band for band in scene.missing_bands if band not in scene.band_urls and band in needed]
    if absent:  # (a band on S3 only is refused with the others like it as the fetch begins)
        lacking = ", ".join(absent)
        message = f"Scene {one_line(scene.id)} lacks the band(s) {lacking} that {event} needs"
        if not options.skip_validation:
            raise BandResolutionError(message + "; pick another scene or catalog.")
        warnings.append(message + ".")
    urls = {
        band: href
        for band, href in scene.band_urls.items()
        if band in needed or band not in scene.missing_bands
    }
    use_mask = options.cloud_mask and scene.mask_asset is not None
    if use_mask:
        urls[scene.mask_asset.band] = scene.mask_asset.href
    bands = _fetch(urls, scene, scene_dir, options=options, **fetch_args)
    _check_cancel(cancel)
    prefix = scene_dir / safe_name(scene.id)
    stack, validation = _stack_and_validate(scene, bands, area, prefix, options, warnings, cancel)
    damaged = validation.unreadable_bands() if validation is not None else []
    if damaged:  # tiles that do not decode (garbled on the way or on the server): fetched once more
        log.warning("band(s) %s do not decode; fetching them again", ", ".join(damaged))
        for band in damaged:
            discard(bands[band].local_path)  # type: ignore[arg-type]
        again = {band: urls[band] for band in damaged}
        bands.update(_fetch(again, scene, scene_dir, options=options, **fetch_args))
        _check_cancel(cancel)
        stack, validation = _stack_and_validate(scene, bands, area, prefix, options, warnings, cancel)
    if validation is not None:
        warnings.extend(validation.warnings)
        if not validation.is_valid:
            raise ValidationFailedError(
                f"The stack of scene {one_line(scene.id)} failed validation: {validation.errors[0]}",
                validation,
            )
    _check_cancel(cancel)

    mask_path = bands[scene.mask_asset.band].local_path if use_mask else None
    with (
        _reading_preview(stack, validation, cancel)
        if options.quicklook
        else contextlib.nullcontext() as preview
    ):
        indices = _compute_indices(scene, event_config, stack, mask_path, prefix, options, cancel, warnings)
        _say_if_blind(scene, indices, warnings)
        if before is not None:  # only given for an event with a change
            change = str(event_config.change)
            indices |= _compute_change(scene, change, indices, before.path, prefix, cancel, warnings)
        polygons = _polygons(indices, prefix, options, cancel, warnings) if options.polygons else None
    quicklook = None
    if preview is not None:
        quicklook = preview.result().write(Path(f"{prefix}_quicklook.png"), *tints_for(indices))
    manifest_path = manifest.write(
        scene_dir,
        scene,
        bands,
        mode="clip_to_area" if area is not None and options.clip_to_area else "whole_scene",
        event=event,
        options=options,
        stack=stack,
        validation=validation,
        indices=indices,
        warnings=warnings,
        elapsed_s=time.monotonic() - started,
        pre_event=before,
        polygons=polygons,
    )
    return IngestResult(
        scene_id=scene.id,
        scene_dir=scene_dir,
        bands=bands,
        stack=stack,
        validation=validation,
        indices=indices,
        manifest_path=manifest_path,
        quicklook_path=quicklook,
        warnings=warnings,
        polygons=polygons,
    )
