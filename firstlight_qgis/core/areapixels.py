"""Which pixels of a raster lie in the user's area: the products of a clip count, and show, only
those, so that a polygon drawn around a town gets the water in the town, not in the rectangle
the bands were cut to (a triangle's figures were those of twice its area). Each product names
its area in its metadata, so that a change computed from two of them later counts the same."""

from __future__ import annotations

import json
import math

import numpy as np
from osgeo import gdal, ogr, osr

from .area import Area, parse_area
from .errors import InputError
from .gdalconfig import raising

AREA_METADATA = "FIRSTLIGHT_AREA"  # the area's GeoJSON geometry, in WGS84


def area_metadata(area: Area) -> dict[str, str]:
    """The metadata item a product of ``area`` carries."""
    return {AREA_METADATA: json.dumps(area.geojson, separators=(",", ":"))}


def area_of(dataset: gdal.Dataset) -> Area | None:
    """The area a product was made for (``area_metadata``), or None: made for its whole grid, or
    by an older FirstLight."""
    text = dataset.GetMetadataItem(AREA_METADATA)
    if not text:
        return None
    try:
        return parse_area(json.loads(text))
    except (ValueError, InputError):
        return None


# Edges of the area are straight in longitude and latitude: followed every 0.01 degree once in the
# raster's CRS (about 1 km; a 10 km edge bends by under a metre between two points there).
_DENSIFY_DEG = 0.01
# Up to this many pixels' centres under the area's envelope, it is drawn once to see whether it
# holds any: an area smaller than a pixel may not (a larger one might, as a sliver, and is not).
_SMALL = 64


class AreaPixels:
    """The pixels of a north-up ``grid`` whose centre lies inside ``area``, strip by strip (a whole
    scene's would take 120 MB at once); an area too small to hold a pixel's centre takes the pixels
    it touches. ``whole`` when every pixel is inside, so that nothing need be drawn."""

    @raising
    def __init__(self, area: Area, grid: gdal.Dataset) -> None:
        self._crs = osr.SpatialReference(wkt=grid.GetProjection())
        self._crs.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        geometry = area.ogr_geometry()
        geometry.Segmentize(_DENSIFY_DEG)
        geometry.TransformTo(self._crs)
        self._width, self._height = grid.RasterXSize, grid.RasterYSize
        self._transform = grid.GetGeoTransform()
        self._source = ogr.GetDriverByName("Memory").CreateDataSource("")
        self._layer = self._source.CreateLayer("area", self._crs, ogr.wkbMultiPolygon)
        feature = ogr.Feature(self._layer.GetLayerDefn())
        feature.SetGeometry(geometry)
        self._layer.CreateFeature(feature)
        self._options: list[str] = []
        columns, rows = self._centres_within(geometry.GetEnvelope())
        self.whole = (
            columns == range(self._width)
            and rows == range(self._height)
            and geometry.Contains(self._rectangle(columns, rows))
        )
        held = len(columns) * len(rows)
        if not held or (held <= _SMALL and not self._burn(columns, rows).any()):
            self._options = ["ALL_TOUCHED=TRUE"]

    def _centres_within(self, envelope: tuple[float, float, float, float]) -> tuple[range, range]:
        """The columns and rows of the pixels whose centre lies within ``envelope`` (OGR's order:
        min x, max x, min y, max y)."""
        x0, dx, _, y0, _, dy = self._transform
        minx, maxx, miny, maxy = envelope
        columns = range(
            max(0, math.ceil((minx - x0) / dx - 0.5)),
            min(self._width, math.floor((maxx - x0) / dx - 0.5) + 1),
        )
        rows = range(
            max(0, math.ceil((maxy - y0) / dy - 0.5)),
            min(self._height, math.floor((miny - y0) / dy - 0.5) + 1),
        )
        return columns, rows

    def _rectangle(self, columns: range, rows: range) -> ogr.Geometry:
        """The rectangle through the centres of the corner pixels of ``columns`` by ``rows``."""
        x0, dx, _, y0, _, dy = self._transform
        ring = ogr.Geometry(ogr.wkbLinearRing)
        for column, row in (
            (columns[0], rows[0]),
            (columns[-1], rows[0]),
            (columns[-1], rows[-1]),
            (columns[0], rows[-1]),
            (columns[0], rows[0]),
        ):
            ring.AddPoint_2D(x0 + dx * (column + 0.5), y0 + dy * (row + 0.5))
        rectangle = ogr.Geometry(ogr.wkbPolygon)
        rectangle.AddGeometry(ring)
        return rectangle

    def strip(self, row: int, rows: int) -> np.ndarray:
        """Which pixels of rows ``row`` to ``row + rows`` are in the area (all of them if ``whole``)."""
        if self.whole:
            return np.ones((rows, self._width), dtype=bool)
        return self._burn(range(self._width), range(row, row + rows))

    @raising
    def _burn(self, columns: range, rows: range) -> np.ndarray:
        x0, dx, _, y0, _, dy = self._transform
        burnt = gdal.GetDriverByName("MEM").Create("", len(columns), len(rows), 1, gdal.GDT_Byte)
        burnt.SetGeoTransform((x0 + dx * columns.start, dx, 0.0, y0 + dy * rows.start, 0.0, dy))
        burnt.SetSpatialRef(self._crs)
        gdal.RasterizeLayer(burnt, [1], self._layer, burn_values=[1], options=self._options)
        return burnt.GetRasterBand(1).ReadAsArray().astype(bool)
