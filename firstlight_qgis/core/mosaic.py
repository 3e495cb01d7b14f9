"""Products of several scenes as one raster each: an area over two Sentinel-2 tiles (or orbits)
gets one water mask, flood extent or burn severity, and its areas counted once where the scenes
overlap, which adding up the scenes' own would count twice.

A mosaic is on the grid of the first scene's product (its CRS, pixel size and pixel corners),
grown to hold every scene's; each other scene's product is seen on that grid through a warped VRT
(nearest: codes stay codes, and a scene on the same grid is copied exactly). Where scenes overlap,
the first scene's valid pixels win, and a pixel it has no data for (a cloud, beyond its footprint)
is taken from the next scene that has one: a mosaic also fills one scene's clouds from another's.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from osgeo import gdal

from .areapixels import area_of
from .errors import InputError
from .gdalconfig import on_all_cores, raising
from .indices import (
    EVENT_MARKS,
    FLOOD_CLASSES,
    MASK_NODATA,
    SEVERITY_CLASSES,
    WATER,
    WATER_CLASSES,
    Block,
    IndexResult,
    RasterOutput,
    bounds_in,
    on_grid,
    open_raster,
    write_by_blocks,
)
from .ingest import IngestResult
from .manifest import MANIFEST_NAME, MOSAIC_FOLDER, write_mosaic
from .polygons import PolygonResult, discard_polygons, product_polygons

Cancel = Callable[[], bool]
Progress = Callable[[float], None]

# A coded product's classes (codes 0, 1, ...) and the codes that count as "positive" in its result,
# as the product itself counts them: water; flooded (not the water that was there before); burnt.
_CODED = {
    "water": (WATER_CLASSES, (WATER,)),
    "flood": (FLOOD_CLASSES, (FLOOD_CLASSES.index("flooded"),)),
    "severity": (SEVERITY_CLASSES, tuple(range(1, len(SEVERITY_CLASSES)))),
}


@raising
@on_all_cores
def mosaic(
    sources: list[Path],
    output: Path,
    product: str,
    *,
    cancel: Cancel | None = None,
    progress: Progress | None = None,
) -> IndexResult:
    """One GeoTIFF at ``output`` of the ``product`` rasters ``sources`` (of one product: "water",
    "flood", "severity", or an index such as "ndwi" or "dnbr"), the first on top; its result counts
    valid and positive pixels (and a coded product's areas) of the mosaic itself, in the area the
    first names (``areapixels``): its valid share is of the area's pixels, those beyond every scene
    included."""
    if len(sources) < 2:
        raise InputError(f"A mosaic needs two rasters at least, not {len(sources)}.")
    opened = [open_raster(path, f"{product} raster") for path in sources]
    first = opened[0]
    kinds = {dataset.GetRasterBand(1).DataType for dataset in opened}
    if len(kinds) > 1 or any(dataset.RasterCount != 1 for dataset in opened):
        raise InputError(
            f"The rasters to mosaic as {product} differ in bands or pixel type: give the same product "
            "of each scene."
        )
    classes, positive_codes = _CODED.get(product, ((), ()))
    coded = bool(classes)
    nodata = MASK_NODATA if coded else float("nan")
    grid = _grid(opened)
    views = [on_grid(source, grid, "near", nodata) for source in opened]
    bands = [view.GetRasterBand(1) for view in views]

    def block(row: int, rows: int) -> list[Block]:
        values = np.full((rows, grid.RasterXSize), nodata, np.uint8 if coded else np.float32)
        for band in reversed(bands):  # the first scene last: on top
            strip = band.ReadAsArray(0, row, band.XSize, rows)
            valid = strip != MASK_NODATA if coded else np.isfinite(strip)
            values[valid] = strip[valid]
        valid = values != MASK_NODATA if coded else np.isfinite(values)
        above = np.isin(values, positive_codes) if coded else values > 0
        return [(values, valid, above & valid)]

    source_band = first.GetRasterBand(1)
    metadata = dict(first.GetMetadata() or {})
    metadata["FIRSTLIGHT_MOSAIC_OF"] = ", ".join(Path(path).name for path in sources)
    target = RasterOutput(
        Path(output),
        gdal.GDT_Byte if coded else gdal.GDT_Float32,
        nodata,
        source_band.GetDescription() or product,
        metadata,
        classes,
    )
    [result] = write_by_blocks(grid, [target], block, cancel, progress, area_of(first))
    result.name = product
    return result


def _grid(opened: list[gdal.Dataset]) -> gdal.Dataset:
    """An empty raster on the first dataset's CRS and pixel lattice, over all of them."""
    first = opened[0]
    corners = [bounds_in(dataset, first) for dataset in opened]
    west0, cell, _, north0, _, cell_y = first.GetGeoTransform()
    height = -cell_y
    west = west0 + math.floor(round((min(c[0] for c in corners) - west0) / cell, 6)) * cell
    east = west0 + math.ceil(round((max(c[2] for c in corners) - west0) / cell, 6)) * cell
    north = north0 + math.ceil(round((max(c[3] for c in corners) - north0) / height, 6)) * height
    south = north0 + math.floor(round((min(c[1] for c in corners) - north0) / height, 6)) * height
    grid = gdal.GetDriverByName("VRT").Create(  # a grid only: a VRT holds no pixels
        "", round((east - west) / cell), round((north - south) / height), 1, gdal.GDT_Byte
    )
    grid.SetGeoTransform((west, cell, 0.0, north, 0.0, cell_y))
    grid.SetProjection(first.GetProjection())
    return grid


@dataclass
class MosaicResult:
    """A mosaic's products by name, and the polygons of its flood, burn severity or water if asked."""

    products: dict[str, IndexResult]
    polygons: PolygonResult | None = None


def mosaic_results(
    results: list[IngestResult],
    folder: Path,
    *,
    cancel: Cancel | None = None,
    polygons_min_area_m2: float | None = None,
) -> MosaicResult:
    """Every product two scenes of ``results`` or more have, as ``<folder>/mosaic/<product>.tif``,
    the first scene on top, with ``polygons_min_area_m2`` the polygons of one of them
    (``product_polygons``), and the mosaic's ``manifest.json``, written last (as a scene's: its
    presence means the mosaic is whole); products of an earlier mosaic there that this one lacks,
    and its polygons, are removed."""
    every = dict.fromkeys(name for result in results for name in result.indices)
    names = [name for name in every if sum(name in result.indices for result in results) > 1]
    place = Path(folder) / MOSAIC_FOLDER
    place.mkdir(parents=True, exist_ok=True)
    (place / MANIFEST_NAME).unlink(missing_ok=True)
    for stale in place.glob("*.tif"):
        if stale.stem not in names:
            stale.unlink()
    for name in EVENT_MARKS:
        discard_polygons(place / f"{name}.gpkg")
    products = {
        name: mosaic(
            [r.indices[name].path for r in results if name in r.indices],
            place / f"{name}.tif",
            name,
            cancel=cancel,
        )
        for name in names
    }
    polygons = None
    if polygons_min_area_m2 is not None:
        polygons = product_polygons(
            products, lambda name: place / f"{name}.gpkg", polygons_min_area_m2, cancel
        )
    write_mosaic(place, [result.scene_id for result in results], products, polygons)
    return MosaicResult(products, polygons)
