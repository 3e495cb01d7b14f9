"""Sensors, their canonical band order, and band lookup in real STAC items.

Catalogs name the same band differently (Earth Search ``blue``, Planetary Computer ``B02``,
Copernicus Data Space ``B02_10m``), so a band is found by what the asset *says* it holds
(``eo:bands[].common_name`` in STAC 1.0, ``bands[].eo:common_name`` in STAC 1.1) and only then
by known keys. Among several assets holding one band we prefer an https COG over a ``*-jp2`` or
requester-pays ``s3://`` twin, and the finest resolution.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

SENTINEL2 = "sentinel2"
LANDSAT = "landsat"
SENTINEL1 = "sentinel1"


@dataclass(frozen=True)
class BandSpec:
    """One band of a sensor: its canonical name, how catalogs label it, its native pixel size."""

    name: str
    resolution_m: float
    known_keys: tuple[str, ...]
    sensor_names: tuple[str, ...] = ()
    common_names: tuple[str, ...] = ()

    def matches_common_name(self, common_name: str | None) -> bool:
        return common_name is not None and common_name.lower() in (self.common_names or (self.name,))


@dataclass(frozen=True)
class SensorConfig:
    """What FirstLight needs to know about a sensor to find, stack and scale its bands."""

    sensor: str
    title: str
    canonical_order: tuple[str, ...]
    bands: dict[str, BandSpec]
    mask: BandSpec | None = None
    visual_keys: tuple[str, ...] = ()
    collection_hints: tuple[str, ...] = ()
    default_scale: float = 1.0
    default_offset: float = 0.0
    valid_range: tuple[float, float] = (float("-inf"), float("inf"))


def _s2_band(name: str, res: float, number: str, extra: tuple[str, ...] = ()) -> BandSpec:
    keys = (name, number, f"{number}_{int(res)}m", number.replace("B0", "B"), *extra)
    return BandSpec(name, res, keys, sensor_names=(number, number.replace("B0", "B")))


def _landsat_band(name: str, number: int) -> BandSpec:
    keys = (name, f"SR_B{number}", f"B{number}", f"sr_b{number}")
    return BandSpec(name, 30.0, keys, sensor_names=(f"SR_B{number}", f"OLI_B{number}", f"B{number}"))


SENSORS: dict[str, SensorConfig] = {
    SENTINEL2: SensorConfig(
        sensor=SENTINEL2,
        title="Sentinel-2",
        canonical_order=("blue", "green", "red", "nir", "swir16", "swir22"),
        bands={
            "blue": _s2_band("blue", 10, "B02"),
            "green": _s2_band("green", 10, "B03"),
            "red": _s2_band("red", 10, "B04"),
            "nir": _s2_band("nir", 10, "B08"),
            "swir16": _s2_band("swir16", 20, "B11"),
            "swir22": _s2_band("swir22", 20, "B12"),
        },
        mask=BandSpec("scl", 20.0, ("scl", "SCL", "SCL_20m"), sensor_names=("SCL",)),
        visual_keys=("visual", "TCI", "TCI_10m", "tci"),
        collection_hints=("sentinel-2", "sentinel2", "s2"),
        default_scale=1e-4,
        valid_range=(0.0, 65535.0),
    ),
    LANDSAT: SensorConfig(
        sensor=LANDSAT,
        title="Landsat",
        canonical_order=("blue", "green", "red", "nir08", "swir16", "swir22"),
        bands={
            "blue": _landsat_band("blue", 2),
            "green": _landsat_band("green", 3),
            "red": _landsat_band("red", 4),
            "nir08": BandSpec(
                "nir08",
                30.0,
                ("nir08", "nir", "SR_B5", "B5"),
                sensor_names=("SR_B5", "OLI_B5", "B5"),
                common_names=("nir08", "nir"),
            ),
            "swir16": _landsat_band("swir16", 6),
            "swir22": _landsat_band("swir22", 7),
        },
        mask=BandSpec("qa_pixel", 30.0, ("qa_pixel", "QA_PIXEL"), sensor_names=("QA_PIXEL",)),
        visual_keys=("rendered_preview",),
        collection_hints=("landsat",),
        default_scale=2.75e-05,
        default_offset=-0.2,
        valid_range=(0.0, 65535.0),
    ),
    SENTINEL1: SensorConfig(
        sensor=SENTINEL1,
        title="Sentinel-1",
        canonical_order=("vv", "vh"),
        bands={
            "vv": BandSpec("vv", 10.0, ("vv", "VV"), sensor_names=("VV",)),
            "vh": BandSpec("vh", 10.0, ("vh", "VH"), sensor_names=("VH",)),
        },
        collection_hints=("sentinel-1", "sentinel1", "s1"),
    ),
}


def sensor_of_item(item: dict[str, Any]) -> str | None:
    """Which sensor an item comes from, by collection id, then platform / constellation."""
    props = _dict(item.get("properties"))
    candidates = [
        str(item.get("collection") or ""),
        str(props.get("constellation") or ""),
        str(props.get("platform") or ""),
        str(item.get("id") or ""),
    ]
    for text in candidates:
        lowered = text.lower()
        if not lowered:
            continue
        if "landsat" in lowered or lowered.startswith(("lc08", "lc09", "le07", "lt05")):
            return LANDSAT
        if "sentinel-2" in lowered or "sentinel2" in lowered or lowered.startswith("s2"):
            return SENTINEL2
        if "sentinel-1" in lowered or "sentinel1" in lowered or lowered.startswith("s1"):
            return SENTINEL1
    return None


@dataclass(frozen=True)
class ResolvedAsset:
    """The asset chosen for one band, and the facts needed to fetch and scale it."""

    band: str
    key: str
    href: str
    resolution_m: float | None = None
    scale: float = 1.0
    offset: float = 0.0
    nodata: float | None = None
    file_size: int | None = None
    file_checksum: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _dict(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: catalogs put anything anywhere."""
    return value if isinstance(value, dict) else {}


def _dicts(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON array (``eo:bands``, ``raster:bands``...); anything else: none."""
    return [entry for entry in value if isinstance(entry, dict)] if isinstance(value, list) else []


def _number(value: Any) -> float | None:
    """A finite number from a number or a numeric string; None for anything else (booleans,
    NaN, infinities, text)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _positive(value: Any) -> float | None:
    number = _number(value)
    return number if number is not None and number > 0 else None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def asset_common_names(asset: dict[str, Any]) -> list[str]:
    """The common names an asset declares, in STAC 1.0 (``eo:bands``) or 1.1 (``bands``) form."""
    names: list[str] = []
    for entry in _dicts(asset.get("eo:bands")):
        if name := _text(entry.get("common_name")):
            names.append(name.lower())
    for entry in _dicts(asset.get("bands")):
        if name := _text(entry.get("eo:common_name")) or _text(entry.get("common_name")):
            names.append(name.lower())
    return names


def _band_entries(asset: dict[str, Any]) -> list[dict[str, Any]]:
    return _dicts(asset.get("bands")) or _dicts(asset.get("eo:bands")) or _dicts(asset.get("raster:bands"))


def _is_data_asset(asset: dict[str, Any]) -> bool:
    roles = asset.get("roles")
    roles = {role for role in roles if isinstance(role, str)} if isinstance(roles, list) else set()
    return not roles & {"thumbnail", "overview", "metadata", "tiles"}


def _resolution_of(key: str, asset: dict[str, Any]) -> float | None:
    for entry in _dicts(asset.get("raster:bands")) or _dicts(asset.get("bands")):
        res = _positive(entry.get("spatial_resolution")) or _positive(entry.get("raster:spatial_resolution"))
        if res:
            return res
    if res := _positive(asset.get("gsd")):
        return res
    for entry in _dicts(asset.get("eo:bands")):
        if res := _positive(entry.get("gsd")):
            return res
    match = re.search(r"_(\d+)m$", key)
    return _positive(match.group(1)) if match else None


def _https_href(asset: dict[str, Any]) -> str:
    """The asset's href, or an https alternate when the main href is ``s3://``."""
    href = _text(asset.get("href")) or ""
    if href.startswith("s3://"):
        for alternate in _dict(asset.get("alternate")).values():
            alt_href = _text(_dict(alternate).get("href")) or ""
            if alt_href.startswith(("https://", "http://")):
                return alt_href
    return href


def _rank(key: str, asset: dict[str, Any]) -> tuple[int, int, int, float]:
    """Sort key: https first, COG over JP2, not requester-pays, finest resolution."""
    href = _https_href(asset)
    remote_s3 = href.startswith("s3://")
    jp2 = key.lower().endswith("-jp2") or href.lower().endswith(".jp2")
    requester_pays = asset.get("storage:requester_pays") is True and remote_s3
    resolution = _resolution_of(key, asset) or 1e9
    return (int(remote_s3), int(jp2), int(requester_pays), resolution)


def _scaling(item: dict[str, Any], asset: dict[str, Any], config: SensorConfig) -> tuple[float, float]:
    """Reflectance = DN x scale + offset, with each catalog's quirks.

    - Sentinel-2's DN carry +1000 from processing baseline 04.00 on, and never before: an older
      scene's offset is 0 whatever ``raster:bands`` says (Earth Search writes -0.1 on every item).
    - Earth Search ``sentinel-2-l2a`` with ``earthsearch:boa_offset_applied: true`` has already
      removed the +1000 from the DN although ``raster:bands`` still says offset -0.1.
    - Planetary Computer carries no ``raster:bands``: the baseline alone says.
    - STAC 1.1 (Copernicus Data Space) names them ``raster:scale`` / ``raster:offset``, on the asset
      or its ``bands``, and the baseline ``processing:version``.
    """
    props = _dict(item.get("properties"))
    scale, offset = _stated_scaling(asset)
    if config.sensor == SENTINEL2:
        baseline = _baseline(props)
        if props.get("earthsearch:boa_offset_applied") is True or (baseline is not None and baseline < 4.0):
            return (scale if scale is not None else 1e-4), 0.0
        if scale is None and offset is None:
            return 1e-4, (-0.1 if baseline is not None else 0.0)
    if scale is None and offset is None:
        return config.default_scale, config.default_offset
    return (scale if scale is not None else 1.0), (offset if offset is not None else 0.0)


def _baseline(props: dict[str, Any]) -> float | None:
    """Sentinel-2's processing baseline (``s2:processing_baseline``, else STAC 1.1's
    ``processing:version``), written ``05.10`` or as in the product's name, ``N0510``."""
    for key in ("s2:processing_baseline", "processing:version"):
        value = props.get(key)
        if isinstance(value, str) and re.fullmatch(r"N\d{4}", value.strip()):
            return int(value.strip()[1:]) / 100
        if (number := _number(value)) is not None:
            return number
    return None


def _stated_scaling(asset: dict[str, Any]) -> tuple[float | None, float | None]:
    """The scale and offset an asset states: ``raster:bands`` entries (STAC 1.0), else the asset's
    or its ``bands``' ``raster:scale`` / ``raster:offset`` (raster extension 2, STAC 1.1)."""
    entries = _dicts(asset.get("raster:bands")) or [asset, *_dicts(asset.get("bands"))]

    def first(name: str, read: Callable[[Any], float | None]) -> float | None:
        keys = (name, f"raster:{name}")
        return next((v for e in entries for k in keys if (v := read(e.get(k))) is not None), None)

    return first("scale", _positive), first("offset", _number)  # a scale of 0 or less is no scale


def _nodata(asset: dict[str, Any]) -> float | None:
    """The nodata value (NaN and infinities allowed, as numbers or "nan" / "inf" strings)."""
    for entry in _band_entries(asset) + _dicts(asset.get("raster:bands")):
        value = entry.get("nodata", entry.get("raster:nodata"))
        if isinstance(value, int | float | str) and not isinstance(value, bool):
            try:
                return float(value)
            except (ValueError, OverflowError):
                continue
    return None


def _file_size(value: Any) -> int | None:
    number = _number(value)
    return int(number) if number is not None and number >= 0 and number == int(number) else None


def _resolve(
    item: dict[str, Any], spec: BandSpec, config: SensorConfig, by_name: bool
) -> ResolvedAsset | None:
    assets = {key: asset for key, asset in _dict(item.get("assets")).items() if isinstance(asset, dict)}
    candidates: list[tuple[str, dict[str, Any]]] = []
    if by_name:
        for key, asset in assets.items():
            if not _is_data_asset(asset):
                continue
            names = asset_common_names(asset)
            if len(names) == 1 and spec.matches_common_name(names[0]):
                candidates.append((key, asset))
    if not candidates:
        lowered = {k.lower(): k for k in assets}
        for known in spec.known_keys:
            key = lowered.get(known.lower())
            if key and len(asset_common_names(assets[key])) <= 1:
                candidates.append((key, assets[key]))
    if not candidates:
        return None
    key, asset = min(candidates, key=lambda pair: _rank(*pair))
    scale, offset = (
        _scaling(item, asset, config) if spec.name != "scl" and spec.name != "qa_pixel" else (1.0, 0.0)
    )
    return ResolvedAsset(
        band=spec.name,
        key=key,
        href=_https_href(asset),
        resolution_m=_resolution_of(key, asset) or spec.resolution_m,
        scale=scale,
        offset=offset,
        nodata=_nodata(asset),
        file_size=_file_size(asset.get("file:size")),
        file_checksum=_text(asset.get("file:checksum")),
    )


def resolve_bands(
    item: dict[str, Any], sensor: str, bands: tuple[str, ...] | None = None
) -> tuple[dict[str, ResolvedAsset], list[str]]:
    """Find the asset of each wanted band: ``({band: ResolvedAsset}, [missing bands])``.

    ``bands`` defaults to the sensor's canonical order; the result keeps that order.
    """
    config = SENSORS[sensor]
    wanted = bands or config.canonical_order
    found: dict[str, ResolvedAsset] = {}
    missing: list[str] = []
    for name in wanted:
        spec = config.bands[name]
        resolved = _resolve(item, spec, config, by_name=True)
        if resolved is None:
            missing.append(name)
        else:
            found[name] = resolved
    return found, missing


def resolve_mask(item: dict[str, Any], sensor: str) -> ResolvedAsset | None:
    """The cloud / quality mask asset (Sentinel-2 SCL, Landsat QA_PIXEL), if the item has one."""
    config = SENSORS[sensor]
    return _resolve(item, config.mask, config, by_name=False) if config.mask else None


def resolve_visual(item: dict[str, Any], sensor: str) -> str | None:
    """Href of the true-colour composite (TCI / ``visual``), preferring https over JP2 twins."""
    assets = {key: asset for key, asset in _dict(item.get("assets")).items() if isinstance(asset, dict)}
    lowered = {k.lower(): k for k in assets}
    candidates = [
        (lowered[k.lower()], assets[lowered[k.lower()]])
        for k in SENSORS[sensor].visual_keys + tuple(f"{v}-jp2" for v in SENSORS[sensor].visual_keys)
        if k.lower() in lowered
    ]
    if not candidates:
        return None
    _, asset = min(candidates, key=lambda pair: _rank(*pair))
    return _https_href(asset)
