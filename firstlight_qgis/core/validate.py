"""Validation of a band stack (VRT or GeoTIFF) and of a single image before anything is computed.

A VRT is XML naming other files, and opening it makes GDAL open them: a source may be any path,
a ``/vsicurl/`` URL, an archive member or a connection string. So a VRT is first checked as
text: every source must be a GeoTIFF / JPEG 2000 / VRT file inside the VRT's own folder (the
scene folder), after resolving ``..`` and symlinks. Only then does GDAL open it.

Then each expected band is found (by description, then by the sensor's band names such as
``B08`` or ``SR_B5``, then by position with a warning), its sources are checked against the
stack's CRS and grid, and its values are judged on a nearest-neighbour sample of at most
``MAX_SAMPLE_PIXELS`` on the long side (GDAL serves it from overviews when the file has them),
so a 10980 x 10980 band is never held in memory whole. Without overviews (a clip's bands) every
tile is decoded, which checks them all, in pieces with GDAL's cached tiles dropped in between
(``tilerows.sampled``). A large clip's bands have overviews by then: building them decoded every
tile (overviews.py).
"""

from __future__ import annotations

import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from osgeo import gdal, osr

from .bands import LANDSAT, SENSORS, SENTINEL1, SENTINEL2, SensorConfig
from .errors import InputError, ValidationFailedError
from .gdalconfig import on_all_cores, raising
from .redact import scrub
from .stack import crs_string
from .tiff import TIFF_MAGIC
from .tilerows import sampled

MAX_SAMPLE_PIXELS = 1024
_MAX_VRT_BYTES = 16 * 1024 * 1024
_MAX_VRT_DEPTH = 4
_SIDE_BY_SIDE_PIXELS = 1 << 20  # from a stack this large (a 10 km area) its bands are checked on threads
_REFERENCE_TAGS = ("SourceFilename", "SourceDataset")
# "http:", "vrt:", "MEM:::", "NETCDF:", "GTIFF_DIR:", "HDF4_SDS:" ... but not a Windows drive ("C:").
_URL_OR_CONNECTION = re.compile(r"^[A-Za-z][A-Za-z0-9_+.\-]+:")
_JP2_MAGIC = (b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")
_DRIVERS = {
    "tiff": ["GTiff"],
    "jp2": ["JP2OpenJPEG", "JP2ECW", "JP2KAK", "JP2MrSID", "JPEG2000"],
    "vrt": ["VRT"],
}
_SENSOR_PRIORITY = (SENTINEL2, LANDSAT, SENTINEL1)
_NIR_SWIR = ("nir", "nir08", "swir16", "swir22")
_BAND_LABELS = {
    "nir": "near-infrared (NIR)",
    "nir08": "near-infrared (NIR)",
    "swir16": "short-wave infrared (SWIR 1.6 µm)",
    "swir22": "short-wave infrared (SWIR 2.2 µm)",
}


@dataclass
class BandFinding:
    """What validation found about one band; ``stats`` holds min, max, mean, valid_fraction."""

    band: str
    index: int | None
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    unreadable: bool = False  # its pixels do not decode: the file is damaged, fetch it again
    # The band as read for ``stats``: whole, or at most MAX_SAMPLE_PIXELS a side (nearest). Decoding
    # it is most of a validation; ingest_scene draws the quicklook from it instead of decoding again,
    # then drops it.
    sample: np.ndarray | None = field(default=None, repr=False, compare=False)


@dataclass
class ValidationResult:
    """Every finding; ``errors`` includes each band's errors, most fundamental first."""

    is_valid: bool
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    bands: dict[str, BandFinding] = field(default_factory=dict)
    band_mapping: dict[str, int] = field(default_factory=dict)
    band_count: int = 0

    def unreadable_bands(self) -> list[str]:
        """The bands whose files do not decode (damaged on the way or on the server)."""
        return [band for band, finding in self.bands.items() if finding.unreadable]

    def raise_if_invalid(self) -> None:
        """Raise ``ValidationFailedError`` carrying this result when there is any error."""
        if self.errors:
            raise ValidationFailedError(self.errors[0], self)


@dataclass(frozen=True)
class _Reference:
    """A file a VRT names, checked to be inside the scene folder."""

    band: int | None  # VRTRasterBand number; None for dataset-level references
    path: Path
    source: ET.Element  # the element holding SrcRect / DstRect


@raising
@on_all_cores
def validate_stack(
    vrt_path: Path | str, expected_bands: Sequence[str], sensor: str | None = None
) -> ValidationResult:
    """Check that a stack can be trusted for ``expected_bands`` (all bands when empty).

    ``sensor`` ("sentinel2", "landsat", "sentinel1") restricts name matching to that sensor's band
    names and enables the plausible-value check (its ``valid_range``); without it every sensor's
    band names are tried and values are not range-checked.
    """
    config = _sensor_config(sensor)
    path = Path(vrt_path)
    result = ValidationResult(is_valid=False)
    if not path.is_file():
        result.errors.append(f"The stack {path} does not exist; build it again.")
        return _finish(result)
    kind = _sniff(path)
    references: list[_Reference] = []
    if kind == "vrt":
        references = _vrt_references(path, _folder_of(path), result.errors)
    elif kind != "tiff":
        result.errors.append(f"{path.name} is neither a VRT nor a GeoTIFF; build the stack again.")
    if result.errors:
        return _finish(result)
    dataset = _open(path, kind, result)
    if dataset is None:
        return _finish(result)
    descriptions = [dataset.GetRasterBand(i).GetDescription() for i in range(1, dataset.RasterCount + 1)]
    expected = list(expected_bands) or [d or f"band{i}" for i, d in enumerate(descriptions, start=1)]
    mapping, warnings = match_bands(descriptions, expected, sensor, where=path.name)
    result.band_mapping, result.warnings = mapping, warnings
    found = {band: (mapping[band], [r for r in references if r.band == mapping[band]]) for band in mapping}
    checked = _check_bands(path, kind, found, config, dataset)
    for band in expected:
        if band not in checked:
            checked[band] = BandFinding(band, None, errors=[_missing_message(band, path, descriptions)])
        finding = checked[band]
        result.bands[band] = finding
        result.errors.extend(finding.errors)
        result.warnings.extend(finding.warnings)
    return _finish(result)


def _check_bands(
    path: Path,
    kind: str,
    found: dict[str, tuple[int, list[_Reference]]],
    config: SensorConfig | None,
    dataset: gdal.Dataset,
) -> dict[str, BandFinding]:
    """``_check_band`` of every band found. Those of a large stack go side by side on threads,
    each with its own dataset (one is not shared across threads): decoding every tile is most of a
    validation, and GDAL decodes without the interpreter lock (the six bands of a 20 km area in
    195 ms instead of 290 on two cores). A small one is checked on ``dataset``, band after band:
    threads and datasets opened again cost more than they save (a 1 km area: 20 ms instead of 26)."""
    if dataset.RasterXSize * dataset.RasterYSize < _SIDE_BY_SIDE_PIXELS:
        return {
            band: _check_band(dataset, index, band, path, references, config)
            for band, (index, references) in found.items()
        }

    @raising  # a thread of its own: where GDAL switches exceptions per thread, on here too
    def check(band: str) -> BandFinding:
        index, references = found[band]
        try:
            opened = gdal.OpenEx(str(path), gdal.OF_RASTER, allowed_drivers=_DRIVERS[kind])
        except RuntimeError as exc:  # it opened a moment ago: removed or replaced since
            return BandFinding(band, index, errors=[f"GDAL cannot open {path.name} ({exc}); build it again."])
        return _check_band(opened, index, band, path, references, config)

    with ThreadPoolExecutor(max(1, min(len(found), os.cpu_count() or 1))) as pool:
        return dict(zip(found, pool.map(check, found), strict=True))


@raising
def validate_image(path: Path | str) -> ValidationResult:
    """Check a single raster (e.g. the visual / TCI file of the rollback path).

    It must open, have a CRS and a geotransform, and hold data; an image without NIR or SWIR
    bands (a true-colour composite) is valid but warned about, since no index can come of it.
    """
    path = Path(path)
    result = ValidationResult(is_valid=False)
    if not path.is_file():
        result.errors.append(f"The image {path} does not exist; download it again.")
        return _finish(result)
    kind = _sniff(path)
    references: list[_Reference] = []
    if kind == "vrt":
        references = _vrt_references(path, _folder_of(path), result.errors)
    elif kind not in _DRIVERS:
        result.errors.append(
            f"{path.name} is not a GeoTIFF, JPEG 2000 or VRT raster (the download may be an error page); "
            "download it again."
        )
    if result.errors:
        return _finish(result)
    dataset = _open(path, kind, result)
    if dataset is None:
        return _finish(result)
    descriptions = []
    for index in range(1, dataset.RasterCount + 1):
        band = dataset.GetRasterBand(index)
        colour = gdal.GetColorInterpretationName(band.GetColorInterpretation()).lower()
        descriptions.append(band.GetDescription())
        if colour == "alpha":
            continue
        name = band.GetDescription() or (
            colour if colour in ("red", "green", "blue", "gray") else f"band{index}"
        )
        name = name if name not in result.bands else f"band{index}"
        band_refs = [r for r in references if r.band == index]
        finding = _check_band(dataset, index, name, path, band_refs, None)
        result.bands[name] = finding
        result.band_mapping[name] = index
        result.errors.extend(finding.errors)
        result.warnings.extend(finding.warnings)
    if not any(_described_as(d, b, None) for d in descriptions for b in _NIR_SWIR):
        result.warnings.append(
            f"{path.name} has {dataset.RasterCount} band(s) and no NIR or SWIR band (a true-colour image), "
            "so no water, burn or vegetation index can be computed from it."
        )
    return _finish(result)


def match_bands(
    descriptions: Sequence[str], expected: Sequence[str], sensor: str | None = None, where: str = "the stack"
) -> tuple[dict[str, int], list[str]]:
    """Map each expected band to a 1-based band index: ``(mapping, warnings)``.

    By description equal to the band name (case-insensitive), then by a sensor band name as a
    whole word of the description ("B08", "B08_10m", "SR_B5"; "B8" never matches "B8A"), then
    by position for bands without any description (with a warning). Unmatched bands are absent.
    """
    mapping: dict[str, int] = {}
    for exact in (True, False):
        for band in (b for b in expected if b not in mapping):
            found = next(
                (
                    index
                    for index, description in enumerate(descriptions, start=1)
                    if index not in mapping.values() and _names(description, band, sensor, exact)
                ),
                None,
            )
            if found is not None:
                mapping[band] = found
    warnings = []
    for position, band in enumerate(expected, start=1):
        free = position <= len(descriptions) and position not in mapping.values()
        if band not in mapping and free and not descriptions[position - 1].strip():
            mapping[band] = position
            warnings.append(
                f"Band {position} of {where} has no description, so it is assumed to hold {band} by its "
                "position; rebuild the stack with create_band_stack to name its bands."
            )
    return mapping, warnings


def _names(description: str, band: str, sensor: str | None, exact: bool) -> bool:
    if exact:
        return description.strip().lower() == band.lower()
    return _described_as(description, band, sensor)


def _described_as(description: str, band: str, sensor: str | None) -> bool:
    """Whether ``description`` names ``band`` or one of its sensor band names as a whole word."""
    names = [band]
    for name in (sensor,) if sensor else _SENSOR_PRIORITY:
        config = SENSORS[name]
        for spec in (
            config.bands.get(band),
            config.mask if config.mask and config.mask.name == band else None,
        ):
            if spec is not None:
                names.extend(spec.sensor_names + spec.common_names)
    return any(re.search(rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])", description, re.I) for n in names)


def _sensor_config(sensor: str | None) -> SensorConfig | None:
    if sensor is not None and sensor not in SENSORS:
        raise InputError(f"Unknown sensor {sensor!r}; use one of {', '.join(SENSORS)}.")
    return SENSORS[sensor] if sensor else None


def _finish(result: ValidationResult) -> ValidationResult:
    result.is_valid = not result.errors
    return result


def _folder_of(path: Path) -> Path:
    """The folder GDAL resolves a VRT's relative sources against (that of the path as given)."""
    return Path(os.path.abspath(path)).parent.resolve()


def _sniff(path: Path) -> str:
    """What a file really is, by content as GDAL would see it: "tiff", "jp2", "vrt" or "other"."""
    with open(path, "rb") as handle:
        head = handle.read(1024)
    if head[:4] in TIFF_MAGIC:
        return "tiff"
    if head.startswith(_JP2_MAGIC):
        return "jp2"
    return "vrt" if b"<VRTDataset" in head else "other"


def _vrt_references(vrt_path: Path, scene_dir: Path, errors: list[str], depth: int = 0) -> list[_Reference]:
    """Every file ``vrt_path`` names, each checked (recursively for VRT sources) without GDAL."""
    try:
        root = _parse_vrt(vrt_path)
    except ValueError as exc:
        errors.append(str(exc))
        return []
    vrt_dir = Path(os.path.abspath(vrt_path)).parent
    references = []
    for band, element, source in _iter_references(root):
        where = f"Band {band} of {vrt_path.name}" if band is not None else vrt_path.name
        text = (element.text or "").strip()
        problem, resolved = _locate(text, element.get("relativeToVRT") == "1", vrt_dir, scene_dir)
        if resolved is None:
            errors.append(f"{where} refers to '{_redact(text)}', {problem}.")
            continue
        kind = _sniff(resolved)
        if kind == "vrt" and depth >= _MAX_VRT_DEPTH:
            errors.append(f"{where} nests VRT files deeper than {_MAX_VRT_DEPTH} levels; rebuild the stack.")
        elif kind == "vrt":
            _vrt_references(resolved, scene_dir, errors, depth + 1)
        elif kind not in _DRIVERS:
            errors.append(
                f"{where} refers to {resolved.name}, which is not a GeoTIFF, JPEG 2000 or VRT file; "
                "download that band again."
            )
        references.append(_Reference(band, resolved, source))
    return references


def _parse_vrt(path: Path) -> ET.Element:
    """The VRT's XML root; ``ValueError`` with a user-facing sentence when it is not a plain VRT."""
    remedy = "rebuild the stack with create_band_stack"
    size = path.stat().st_size
    if size > _MAX_VRT_BYTES:
        raise ValueError(f"{path.name} is {size} bytes, far more than a band stack VRT; {remedy}.")
    data = path.read_bytes()
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise ValueError(f"{path.name} declares a DOCTYPE or XML entities, which no VRT needs; {remedy}.")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise ValueError(f"{path.name} is not a valid VRT: its XML is malformed ({exc}); {remedy}.") from exc
    if root.tag != "VRTDataset":
        raise ValueError(f"{path.name} is XML but not a GDAL VRT (its root is <{root.tag}>); {remedy}.")
    for element in root.iter("PixelFunctionLanguage"):
        if (element.text or "").strip().lower() == "python":
            raise ValueError(f"{path.name} embeds Python code, which FirstLight never writes; {remedy}.")
    return root


def _iter_references(root: ET.Element) -> Iterator[tuple[int | None, ET.Element, ET.Element]]:
    """``(band number or None, file-naming element, its parent source element)`` for every reference."""
    parents = {child: parent for parent in root.iter() for child in parent}
    claimed: set[ET.Element] = set()
    for position, band_element in enumerate(root.findall("VRTRasterBand"), start=1):
        number = band_element.get("band", "")
        band = int(number) if number.isdigit() else position
        for element in band_element.iter():
            if element.tag in _REFERENCE_TAGS:
                claimed.add(element)
                yield band, element, parents[element]
    for element in root.iter():
        if element.tag in _REFERENCE_TAGS and element not in claimed:
            yield None, element, parents.get(element, root)


def _locate(text: str, relative: bool, vrt_dir: Path, scene_dir: Path) -> tuple[str, Path | None]:
    """Resolve a VRT source as GDAL would, or say why it is not allowed: ``(problem, path or None)``."""
    if not text or "\x00" in text:
        return "which is not a file name; rebuild the stack", None
    if text.startswith("<"):
        return "an inline VRT, which FirstLight never writes; rebuild the stack", None
    if text.replace("\\", "/").lower().startswith("/vsi"):
        return (
            "a GDAL virtual file system path (/vsi...) that can reach the network or an archive; a stack may "
            "only use files in its own folder, so rebuild it with create_band_stack"
        ), None
    if _URL_OR_CONNECTION.match(text):
        return (
            "a URL or GDAL connection string; a stack may only use files in its own folder, "
            "so rebuild it with create_band_stack"
        ), None
    try:
        resolved = (vrt_dir / text if relative else Path(text)).resolve()
    except (OSError, RuntimeError):
        return "which cannot be resolved (a symlink loop?); rebuild the stack", None
    if not resolved.is_relative_to(scene_dir):
        return (
            f"which lies outside the scene folder {scene_dir}; a stack may only use files in its own folder, "
            "so rebuild it with create_band_stack"
        ), None
    if not resolved.is_file():
        return "which does not exist; download that band again or rebuild the stack", None
    return "", resolved


def _redact(text: str) -> str:
    """A source name safe to show: no credentials, no query string (SAS tokens), not too long."""
    text = scrub(text)
    return text if len(text) <= 200 else text[:200] + "..."


def _open(path: Path, kind: str, result: ValidationResult) -> gdal.Dataset | None:
    """Open with the one driver ``kind`` calls for, and require a CRS and a geotransform."""
    try:
        dataset = gdal.OpenEx(str(path), gdal.OF_RASTER, allowed_drivers=_DRIVERS[kind])
    except RuntimeError as exc:
        result.errors.append(f"GDAL cannot open {path.name} ({exc}); build or download it again.")
        return None
    result.band_count = dataset.RasterCount
    if dataset.RasterCount == 0:
        result.errors.append(f"{path.name} has no raster band; build or download it again.")
    if dataset.GetSpatialRef() is None:
        result.errors.append(
            f"{path.name} has no coordinate reference system, so it cannot be placed on a map."
        )
    if dataset.GetGeoTransform(can_return_null=True) is None:
        result.errors.append(
            f"{path.name} has no geotransform, so its pixels have no position on the ground."
        )
    return None if result.errors else dataset


def _check_band(
    dataset: gdal.Dataset,
    index: int,
    name: str,
    path: Path,
    references: list[_Reference],
    config: SensorConfig | None,
) -> BandFinding:
    """Open one band, check its sources against the stack's CRS and grid, and judge its values."""
    finding = BandFinding(name, index)
    files = ", ".join(dict.fromkeys(r.path.name for r in references))
    where = f"Band {name} ({files})" if files else f"Band {name} (band {index} of {path.name})"
    for reference in references:
        _check_source(dataset, reference, where, finding)
    band = dataset.GetRasterBand(index)
    try:
        sample = _sample(dataset, index)
    except RuntimeError as exc:
        finding.unreadable = True
        finding.errors.append(f"{where} could not be read ({exc}); download that band again.")
        return finding
    valid_range = config.valid_range if config else (float("-inf"), float("inf"))
    finding.stats = _stats(sample, band.GetNoDataValue(), valid_range)
    finding.sample = sample
    _judge(finding, where, config)
    return finding


def _check_source(dataset: gdal.Dataset, reference: _Reference, where: str, finding: BandFinding) -> None:
    """A VRT never reprojects: each source must be in the stack's CRS and placed where it belongs."""
    try:
        source = gdal.OpenEx(
            str(reference.path), gdal.OF_RASTER, allowed_drivers=_DRIVERS[_sniff(reference.path)]
        )
    except RuntimeError as exc:
        finding.errors.append(
            f"{where}: {reference.path.name} cannot be opened ({exc}); download that band again."
        )
        return
    stack_srs, source_srs = dataset.GetSpatialRef(), source.GetSpatialRef()
    if source_srs is None:
        finding.warnings.append(
            f"{where}: {reference.path.name} has no CRS of its own; the stack's is assumed."
        )
    elif not source_srs.IsSame(stack_srs):
        finding.errors.append(
            f"{where} is in {crs_string(source_srs)} but the stack is in {crs_string(stack_srs)}; "
            "a VRT does not reproject, so rebuild the stack from bands of one scene."
        )
        return
    source_gt = source.GetGeoTransform(can_return_null=True)
    if source_gt is None or not reference.source.tag.endswith("Source"):
        return
    sx, sy, sw, sh = _rect(reference.source.find("SrcRect"), source.RasterXSize, source.RasterYSize)
    dx, dy, dw, dh = _rect(reference.source.find("DstRect"), dataset.RasterXSize, dataset.RasterYSize)
    gt = dataset.GetGeoTransform()
    placed = _corners(gt, dx, dy, dw, dh)
    actual = _corners(source_gt, sx, sy, sw, sh)
    offset = max(abs(a - b) for a, b in zip(placed, actual, strict=True))
    if offset > 0.5 * max(abs(gt[1]), abs(gt[5])):
        finding.errors.append(
            f"{where} is placed {offset:g} {_units(stack_srs)} away from its georeferenced position in the "
            "stack's grid; rebuild the stack with create_band_stack."
        )


def _rect(element: ET.Element | None, width: int, height: int) -> tuple[float, float, float, float]:
    if element is None:
        return 0.0, 0.0, float(width), float(height)
    return tuple(float(element.get(k, 0)) for k in ("xOff", "yOff", "xSize", "ySize"))  # type: ignore[return-value]


def _corners(
    gt: Sequence[float], x: float, y: float, w: float, h: float
) -> tuple[float, float, float, float]:
    """Georeferenced left, top, right, bottom of a pixel window (north-up grids)."""
    return gt[0] + x * gt[1], gt[3] + y * gt[5], gt[0] + (x + w) * gt[1], gt[3] + (y + h) * gt[5]


def _units(srs: osr.SpatialReference) -> str:
    return "m" if srs.IsProjected() and srs.GetLinearUnits() == 1.0 else "CRS units"


def _sample(dataset: gdal.Dataset, index: int) -> np.ndarray:
    """Band ``index``, or a nearest-neighbour sample of it at most ``MAX_SAMPLE_PIXELS`` on the long side."""
    width, height = dataset.RasterXSize, dataset.RasterYSize
    step = max(width, height) / MAX_SAMPLE_PIXELS
    if step <= 1:
        return dataset.GetRasterBand(index).ReadAsArray()
    size = max(1, round(width / step)), max(1, round(height / step))
    return sampled(dataset, index, *size, gdal.GRIORA_NearestNeighbour)


def _stats(sample: np.ndarray, nodata: float | None, valid_range: tuple[float, float]) -> dict[str, Any]:
    valid = np.isfinite(sample) if sample.dtype.kind in "fc" else np.ones(sample.shape, dtype=bool)
    if nodata is not None and not np.isnan(nodata):
        valid &= sample != nodata
    values = sample[valid]
    stats: dict[str, Any] = {
        "min": None,
        "max": None,
        "mean": None,
        "valid_fraction": float(valid.mean()) if valid.size else 0.0,
        "outside_range_fraction": 0.0,
        "nodata": nodata,
        "sample_shape": tuple(sample.shape),
    }
    if values.size:
        low, high = valid_range
        stats.update(
            min=float(values.min()),
            max=float(values.max()),
            mean=float(values.mean(dtype=np.float64)),
            outside_range_fraction=float(np.mean((values < low) | (values > high))),
        )
    return stats


# Up to this many valid pixels (an area of a pixel or two), one value throughout is no sign of a
# broken file.
_FEW_PIXELS = 64


def _valid_pixels(stats: dict[str, Any]) -> int:
    return round(stats["valid_fraction"] * math.prod(stats["sample_shape"]))


def _judge(finding: BandFinding, where: str, config: SensorConfig | None) -> None:
    """Turn a band's statistics into errors and warnings a user can act on."""
    stats = finding.stats
    if stats["min"] is None:
        nodata = f" ({stats['nodata']:g})" if stats["nodata"] is not None else ""
        finding.errors.append(
            f"{where} holds no valid pixel, only nodata{nodata}: the scene has no data there, "
            "so pick another scene or area."
        )
        return
    if stats["min"] == stats["max"] == 0:
        finding.errors.append(
            f"{where} holds only zeros, so the file is empty or broken; download that band again."
        )
        return
    if stats["min"] == stats["max"] and _valid_pixels(stats) >= _FEW_PIXELS:
        finding.warnings.append(
            f"{where} has the same value ({stats['min']:g}) everywhere, which real imagery never has; "
            "check that file."
        )
    outside = stats["outside_range_fraction"]
    if config is not None and outside > 0:
        low, high = config.valid_range
        message = (
            f"{where} has {outside:.0%} of its values outside the plausible {config.title} range "
            f"{low:g} to {high:g}; check that the band belongs to this sensor."
        )
        (finding.errors if outside == 1.0 else finding.warnings).append(message)


def _missing_message(band: str, path: Path, descriptions: Sequence[str]) -> str:
    label = _BAND_LABELS.get(band)
    described = ", ".join(d or "(none)" for d in descriptions) or "none"
    what = f"The {label} band '{band}'" if label else f"The band '{band}'"
    return (
        f"{what} is missing from {path.name} (its band descriptions are: {described}); "
        "download the scene again with that band or pick a scene that has it."
    )
