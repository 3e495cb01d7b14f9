"""``manifest.json``: what an ingest produced, from where, and how, without any secret.

A user (or a later run) reads it to know which STAC item the files came from, each band's
source href, size, checksum, bytes actually transferred and timings, and the software versions.
It is written last and atomically, so its presence means the ingest completed.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .catalog import SEARCHED_WITH, Scene
from .download import BandDownloadResult, kept_source, safe_name
from .fileio import clean_up
from .indices import IndexResult
from .overviews import overview_file
from .polygons import PolygonResult
from .redact import redact_hrefs, redact_url
from .stack import StackResult
from .validate import ValidationResult

MANIFEST_NAME = "manifest.json"
MOSAIC_FOLDER = "mosaic"  # in the output folder, beside the scenes' folders


def _software() -> dict[str, str]:
    """FirstLight's, GDAL's and Python's versions, and pystac-client's when this process searched a
    STAC API with it (not imported for this: with jsonschema and the rest, that took half of a 1 km
    ingest in a fresh process, for a library an ingest from a given item never uses)."""
    from osgeo import gdal

    from .. import __version__

    versions = {"firstlight": __version__, "gdal": gdal.__version__, "python": platform.python_version()}
    return {**versions, **SEARCHED_WITH}


def _relative_path(path: Path, base: Path) -> str:
    """``path`` from ``base``, with ``..`` where it lies elsewhere (absolute on another drive)."""
    try:
        return Path(os.path.relpath(Path(path).resolve(), base)).as_posix()
    except ValueError:
        return str(path)


def _relative(path: Path | None, base: Path) -> str | None:
    if path is None:
        return None
    try:
        return str(Path(path).resolve().relative_to(base))
    except ValueError:
        return str(path)


def _beside(band_file: Path | None, name: Callable[[Path], Path]) -> Path | None:
    """The file ``name(band_file)`` if there is one: the ``.ovr`` FirstLight wrote for a large
    area, or the band's whole file a clip keeps."""
    found = name(band_file) if band_file is not None else None
    return found if found is not None and found.is_file() else None


def _polygons(polygons: PolygonResult | None, base: Path) -> dict[str, Any] | None:
    return None if polygons is None else {**asdict(polygons), "path": _relative(polygons.path, base)}


def _band_entry(result: BandDownloadResult, scene: Scene, base: Path) -> dict[str, Any]:
    asset = scene.assets.get(result.band_name) or (
        scene.mask_asset if scene.mask_asset and scene.mask_asset.band == result.band_name else None
    )
    return {
        "href": redact_url(result.url),
        "asset_key": asset.key if asset else None,
        "file": _relative(result.local_path, base),
        "overviews": _relative(_beside(result.local_path, overview_file), base),
        "whole_source": _relative(_beside(result.local_path, kept_source), base),
        "size_bytes": result.size_bytes,
        "sha256": result.sha256,
        # The catalog's checksum describes the source file: equal to sha256 only for whole files.
        "source_file_checksum": asset.file_checksum if asset else None,
        "bytes_transferred": result.bytes_transferred,
        "resumed_from": result.resumed_from,
        "retries": result.retries,
        "skipped_complete": result.skipped,
        "download_time_s": round(result.download_time_s, 3),
        "scale": asset.scale if asset else None,
        "offset": asset.offset if asset else None,
    }


def build(
    scene_dir: Path,
    scene: Scene,
    bands: dict[str, BandDownloadResult],
    *,
    mode: str,
    event: str,
    options: Any,
    stack: StackResult | None = None,
    validation: ValidationResult | None = None,
    indices: dict[str, IndexResult] | None = None,
    warnings: list[str] | None = None,
    elapsed_s: float | None = None,
    pre_event: tuple[str, Path] | None = None,
    polygons: PolygonResult | None = None,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict; paths are relative to the scene folder.

    ``mode`` says how the bands were fetched: ``clip_to_area``, ``whole_scene`` or ``visual_only``;
    ``event``, what for (``flood.riverine``...: three floods give the same products);
    ``pre_event``, the id of the scene from before the event and its product the change (flood
    extent, dNBR) was computed from (relative too, so that the output folder can be moved whole);
    ``polygons``, the GeoPackage of a product's polygons.
    """
    indices = indices or {}
    return {
        "firstlight_manifest": 1,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "scene": {
            "id": scene.id,
            "sensor": scene.source,
            "collection": scene.collection,
            "datetime": scene.datetime,
            "cloud_cover": scene.cloud_cover,
            "area_cloud_percent": scene.area_cloud_percent,  # over the area, when the search measured it
            "catalog": redact_url(scene.catalog),
        },
        "mode": mode,
        "event": event,
        "bands": {name: _band_entry(result, scene, scene_dir) for name, result in bands.items()},
        "stack": None
        if stack is None
        else {
            "file": _relative(stack.path, scene_dir),
            "band_mapping": stack.band_mapping,
            "crs": stack.crs,
            "bounds": list(stack.bounds),
            "resolution": list(stack.resolution),
        },
        "validation": None
        if validation is None
        else {
            "is_valid": validation.is_valid,
            "errors": validation.errors,
            "warnings": validation.warnings,
        },
        "indices": {
            name: {**asdict(result), "path": _relative(result.path, scene_dir)}
            for name, result in indices.items()
        },
        "pre_event": None
        if pre_event is None
        else {"scene": pre_event[0], "file": _relative_path(pre_event[1], scene_dir)},
        "polygons": _polygons(polygons, scene_dir),
        "options": {k: asdict(v) if is_dataclass(v) else v for k, v in vars(options).items() if k[0] != "_"},
        "warnings": warnings or [],
        "elapsed_s": None if elapsed_s is None else round(elapsed_s, 3),
        "software": _software(),
        "item": redact_hrefs(scene.item),  # a catalog may hand out pre-signed hrefs
    }


def read_scene(folder: Path, scene_id: str) -> dict[str, Any]:
    """The manifest of ``scene_id`` ingested into ``folder``; OSError or ValueError when it does
    not read."""
    return json.loads((folder / safe_name(scene_id) / MANIFEST_NAME).read_text(encoding="utf-8"))


def mosaic_of(output_folder: Path) -> list[str]:
    """The ids of the scenes the mosaic in ``output_folder`` is made of; none when there is no
    whole mosaic (its manifest, written last, missing or unreadable)."""
    try:
        document = json.loads((output_folder / MOSAIC_FOLDER / MANIFEST_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    ids = document.get("mosaic_of") if isinstance(document, dict) else None
    return [str(i) for i in ids] if isinstance(ids, list) else []


def write(scene_dir: Path, scene: Scene, bands: dict[str, BandDownloadResult], **details: Any) -> Path:
    """Build the manifest (keywords as in ``build``) and write it atomically as
    ``<scene_dir>/manifest.json``."""
    return _write(scene_dir, build(scene_dir, scene, bands, **details))


def write_mosaic(
    folder: Path,
    scene_ids: list[str],
    products: dict[str, IndexResult],
    polygons: PolygonResult | None = None,
) -> Path:
    """``<folder>/manifest.json`` of a mosaic: the scenes it is made of, the first on top, each
    product with its fractions and areas, and its polygons (paths relative to the folder)."""
    document = {
        "firstlight_manifest": 1,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "mosaic_of": scene_ids,
        "indices": {
            name: {**asdict(result), "path": _relative(result.path, folder.resolve())}
            for name, result in products.items()
        },
        "polygons": _polygons(polygons, folder.resolve()),
        "software": _software(),
    }
    return _write(folder, document)


def _write(folder: Path, document: dict[str, Any]) -> Path:
    target = folder / MANIFEST_NAME
    fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, default=str)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a manifest is meant to be read
        os.replace(tmp, target)
    except BaseException:
        clean_up(Path(tmp))
        raise
    return target
