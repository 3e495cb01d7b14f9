"""Polygons of a coded product (a water mask, a flood extent, burn severity): what a report, a
responder's map or a GIS overlay takes, with patches under a minimum mapping unit merged into
their surroundings first, so that a scene's speckle does not become tens of thousands of
one-pixel polygons.

GDAL's sieve and polygonize work scan line by scan line: memory stays bounded whatever the
raster's size. The GeoPackage is written under a temporary name and renamed only when whole.
"""

from __future__ import annotations

import glob
import itertools
import math
import numbers
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from osgeo import gdal, ogr

from .download import disk_error
from .errors import CancelledError, InputError, one_line, raise_for_write
from .gdalconfig import close_after, close_whole, raising
from .indices import (
    BLOCK_ROWS,
    EVENT_MARKS,
    FLOOD_CLASSES,
    MASK_NODATA,
    SEVERITY_CLASSES,
    WATER_CLASSES,
    IndexResult,
    check_outputs,
    open_raster,
    pixel_km2,
)
from .stack import quick_tiff_options

Cancel = Callable[[], bool]
Progress = Callable[[float], None]  # the fraction of the work done, 0 to 1
GdalProgress = Callable[..., int]  # (complete, message, data) -> 0 to stop GDAL

# FirstLight's coded products (their FIRSTLIGHT_PRODUCT) and the names of their codes 0, 1, ...
CODED_PRODUCTS = {
    "water_mask": WATER_CLASSES,
    "sar_water_mask": WATER_CLASSES,
    "flood_extent": FLOOD_CLASSES,
    "burn_severity": SEVERITY_CLASSES,
}
# The smallest patch the plugin keeps unless told: 0.1 ha, ten 10 m pixels, three of 20 m.
DEFAULT_MIN_AREA_M2 = 1000.0
# The GeoPackage's fields: the class's code in the raster, its name, the polygon's area.
CODE, CLASS, AREA_KM2 = "code", "class", "area_km2"
# The files SQLite keeps beside a GeoPackage while it is open (QGIS opens one in WAL mode): a
# stale write-ahead log beside a new file of the same name would be replayed into it.
_SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
# Where each step's share of the progress ends: sieve, codes, polygonize, write.
_STEPS = (0.35, 0.45, 0.85, 1.0)


@dataclass(frozen=True)
class PolygonResult:
    """A GeoPackage of one layer, ``layer``: one polygon per patch of a class other than code 0
    (dry, unburned) and no data. ``areas_km2`` adds up its polygons by class name (None on a grid
    in degrees); ``min_pixels`` is the smallest patch kept, in the raster's pixels."""

    path: Path
    layer: str
    features: int
    areas_km2: dict[str, float] | None
    min_pixels: int


@raising
def polygonize(
    product: Path,
    output: Path,
    *,
    min_area_m2: float = 0.0,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
) -> PolygonResult:
    """The patches of ``product``'s classes as polygons in the GeoPackage ``output``, in the
    product's CRS, each with its code, class name and area in km². Patches smaller than
    ``min_area_m2`` first join the class around them (GDAL's sieve, 4-connected): a water speck in
    dry land goes, a dry speck in a lake is filled. Dry or unburned land (code 0) and no data
    become no polygon."""
    product, output = Path(product), Path(output)
    if output.suffix.lower() != ".gpkg":
        raise InputError(
            f"The polygons' file {output.name} must be a GeoPackage (.gpkg): change its extension."
        )
    if output.is_dir():
        raise InputError(f"The polygons' file {output} is a folder: give the path of a .gpkg file.")
    check_outputs([output], {"product": product})
    check_min_area(min_area_m2)
    source = open_raster(product, "product to make polygons of")
    layer = _product_of(source, product.name)
    min_pixels = _min_pixels(source, min_area_m2, product.name)
    steps = [_callback(cancel, progress, start, end) for start, end in itertools.pairwise((0.0, *_STEPS))]
    work = None
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
        features, areas = _polygons_into(work / output.name, source, layer, min_pixels, steps)
        discard_polygons(output, sidecars_only=True)
        os.replace(work / output.name, output)
    except BaseException as error:
        close_after(error)  # its frames hold the work files open: dropped before they are removed
        if isinstance(error, RuntimeError):
            if cancel is not None and cancel():  # GDAL stopped: its callback said so
                raise _cancelled() from None
            raise_for_write(output.parent, error, "run it again")
            raise InputError(  # not a write: a tile of the product that does not decode
                f"{product.name} could not be read whole ({one_line(error, 120)}): compute it again."
            ) from None
        if isinstance(error, OSError):
            raise disk_error(output.parent, error) from None
        raise
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return PolygonResult(output, layer, features, areas, min_pixels)


def check_min_area(min_area_m2: float) -> None:
    """The error for a minimum area a patch cannot have (negative, NaN, infinite, not a number)."""
    if not isinstance(min_area_m2, numbers.Real) or not 0 <= min_area_m2 < math.inf:
        raise InputError(f"The polygons' minimum area must be 0 m² or more, not {min_area_m2}.")


def product_polygons(
    products: dict[str, IndexResult],
    path_of: Callable[[str], Path],
    min_area_m2: float,
    cancel: Cancel | None = None,
) -> PolygonResult | None:
    """The polygons of the first of ``EVENT_MARKS`` in ``products`` (by name), written to
    ``path_of(name)``; None when there is none (an NDVI alone)."""
    name = next((name for name in EVENT_MARKS if name in products), None)
    if name is None:
        return None
    return polygonize(products[name].path, path_of(name), min_area_m2=min_area_m2, cancel=cancel)


def discard_polygons(path: Path, sidecars_only: bool = False) -> None:
    """Remove the GeoPackage ``path`` and the work folders a crash left beside it (unless
    ``sidecars_only``), and SQLite's files beside it."""
    path = Path(path)
    for suffix in _SQLITE_SIDECARS if sidecars_only else ("", *_SQLITE_SIDECARS):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if not sidecars_only:
        for work in path.parent.glob(f".{glob.escape(path.name)}.*"):  # ``polygonize``'s
            shutil.rmtree(work, ignore_errors=True)


def _product_of(source: gdal.Dataset, name: str) -> str:
    """Which of FirstLight's coded products ``source`` is, or the error that says what it is."""
    if source.RasterCount != 1:
        raise InputError(
            f"{name} has {source.RasterCount} bands: give a water mask, flood extent or burn severity, "
            "not a stack."
        )
    product = source.GetMetadataItem("FIRSTLIGHT_PRODUCT")
    if product in CODED_PRODUCTS:
        return str(product)
    index = source.GetMetadataItem("FIRSTLIGHT_INDEX")
    what = f"FirstLight's {index.upper()}, an index" if index else "not a FirstLight product"
    raise InputError(
        f"{name} is {what}: polygons are made of classes, so give a water mask, flood extent or "
        "burn severity."
    )


def _min_pixels(source: gdal.Dataset, min_area_m2: float, name: str) -> int:
    """The smallest patch kept, in pixels: ``min_area_m2`` rounded up to whole pixels."""
    if min_area_m2 == 0:
        return 1
    km2 = pixel_km2(source)
    if km2 is None:
        raise InputError(
            f"{name} is on a grid in degrees, where a pixel has no one area: give a minimum area of 0, "
            "or reproject it to a CRS in metres first."
        )
    # GDAL's sieve counts in a C int: a minimum area over the raster's is the raster's.
    pixels = min(min_area_m2 / (km2 * 1e6), source.RasterXSize * source.RasterYSize)
    return max(1, math.ceil(pixels - 1e-9))


def _callback(cancel: Cancel | None, progress: Progress | None, start: float, end: float) -> GdalProgress:
    """GDAL's progress callback for one step, ``start`` to ``end`` of the whole: it reports
    progress, and stops GDAL (by returning 0) once ``cancel`` says so."""

    def callback(complete: float, _message: object = None, _data: object = None) -> int:
        if cancel is not None and cancel():
            return 0
        if progress is not None:  # (GDAL's polygonize says a little over 1 at its end)
            progress(start + (end - start) * min(complete, 1.0))
        return 1

    return callback


def _cancelled() -> CancelledError:
    return CancelledError("Making the polygons was cancelled; no file was written, run it again to get it.")


def _polygons_into(
    path: Path, source: gdal.Dataset, layer: str, min_pixels: int, steps: list[GdalProgress]
) -> tuple[int, dict[str, float] | None]:
    """``polygonize``'s work, into the GeoPackage ``path`` beside which its temporary codes are
    written: (the number of polygons, their areas by class name)."""
    sieve, copy, shapes, write = steps
    codes = _codes(source, path.with_name("codes.tif"), min_pixels, sieve, copy)
    return _write(_patches(codes, shapes), path, layer, CODED_PRODUCTS[layer], write)


def _codes(
    source: gdal.Dataset, path: Path, min_pixels: int, sieve: GdalProgress, copy: GdalProgress
) -> gdal.Dataset:
    """``source``'s codes, sieved to ``min_pixels``, with code 0 and no data both 0, the file's
    no-data value: the pixels polygonize passes over."""
    band = source.GetRasterBand(1)
    codes = gdal.GetDriverByName("GTiff").Create(
        str(path), source.RasterXSize, source.RasterYSize, 1, gdal.GDT_Byte, options=quick_tiff_options(False)
    )
    codes.SetGeoTransform(source.GetGeoTransform())
    codes.SetProjection(source.GetProjection())
    target = codes.GetRasterBand(1)
    sieved = band
    if min_pixels > 1:  # no data is not a class: masked out, it is neither merged nor grown into
        gdal.SieveFilter(band, band.GetMaskBand(), target, min_pixels, 4, callback=sieve)
        sieved = target
    for row in range(0, source.RasterYSize, BLOCK_ROWS):
        rows = min(BLOCK_ROWS, source.RasterYSize - row)
        values = sieved.ReadAsArray(0, row, source.RasterXSize, rows)
        values[values == MASK_NODATA] = 0
        target.WriteArray(values, 0, row)
        if not copy(row / source.RasterYSize):
            raise _cancelled()
    target.SetNoDataValue(0)
    return codes


def _patches(codes: gdal.Dataset, callback: GdalProgress) -> ogr.DataSource:
    """Polygonize ``codes`` (their mask: every pixel but 0) into a layer in memory, field CODE."""
    band = codes.GetRasterBand(1)
    patches = ogr.GetDriverByName("Memory").CreateDataSource("")
    layer = patches.CreateLayer("patches", codes.GetSpatialRef(), ogr.wkbPolygon)
    layer.CreateField(ogr.FieldDefn(CODE, ogr.OFTInteger))
    gdal.Polygonize(band, band.GetMaskBand(), layer, 0, [], callback=callback)
    return patches


def _write(
    patches: ogr.DataSource, path: Path, name: str, classes: tuple[str, ...], callback: GdalProgress
) -> tuple[int, dict[str, float] | None]:
    """Write each patch with its class name and area into the GeoPackage ``path``, layer ``name``.
    Returns their number and their areas by class name (None in a CRS not in metres or feet)."""
    source = patches.GetLayer(0)
    srs = source.GetSpatialRef()
    unit_km2 = srs.GetLinearUnits() ** 2 / 1e6 if srs is not None and srs.IsProjected() else None
    package = [ogr.GetDriverByName("GPKG").CreateDataSource(str(path))]  # (no other reference: closed)
    layer = package[0].CreateLayer(name, srs, ogr.wkbPolygon)
    for field, kind in ((CODE, ogr.OFTInteger), (CLASS, ogr.OFTString), (AREA_KM2, ogr.OFTReal)):
        layer.CreateField(ogr.FieldDefn(field, kind))
    areas = dict.fromkeys(classes[1:], 0.0)
    total = source.GetFeatureCount()
    layer.StartTransaction()
    for number, patch in enumerate(source):
        code = patch.GetField(CODE)
        geometry = patch.GetGeometryRef()
        feature = ogr.Feature(layer.GetLayerDefn())
        feature.SetGeometry(geometry)
        feature.SetField(CODE, code)
        feature.SetField(CLASS, classes[code])
        if unit_km2 is not None:
            km2 = geometry.GetArea() * unit_km2
            feature.SetField(AREA_KM2, km2)
            areas[classes[code]] += km2
        layer.CreateFeature(feature)
        if number % 1000 == 0 and not callback(number / total):
            raise _cancelled()
    layer.CommitTransaction()
    layer = None
    close_whole(package)  # a close that fails (a full disk) raises here, before the rename
    callback(1.0)
    return total, areas if unit_km2 is not None else None
