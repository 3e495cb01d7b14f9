"""``AreaPixels``: which pixels of a grid are in the user's area, strip by strip."""

from __future__ import annotations

import numpy as np
import pytest
from osgeo import gdal, osr

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.areapixels import AreaPixels, area_metadata, area_of

# A 10 m UTM grid (zone 22 south) of 300 x 200 pixels.
ORIGIN = (600_000.0, 7_000_000.0)
WIDTH, HEIGHT = 300, 200


def _grid() -> gdal.Dataset:
    grid = gdal.GetDriverByName("MEM").Create("", WIDTH, HEIGHT, 1, gdal.GDT_Byte)
    grid.SetGeoTransform((ORIGIN[0], 10.0, 0.0, ORIGIN[1], 0.0, -10.0))
    crs = osr.SpatialReference()
    crs.ImportFromEPSG(32722)
    grid.SetProjection(crs.ExportToWkt())
    return grid


def _utm_area(points: list[tuple[float, float]]):
    """An area given in the grid's CRS, by offsets in metres from its origin (y downwards)."""
    ring = [[ORIGIN[0] + x, ORIGIN[1] - y] for x, y in [*points, points[0]]]
    return parse_area({"type": "Polygon", "coordinates": [ring]}, crs="EPSG:32722")


def _all(pixels: AreaPixels, strip_rows: int) -> np.ndarray:
    rows = range(0, HEIGHT, strip_rows)
    return np.vstack([pixels.strip(row, min(strip_rows, HEIGHT - row)) for row in rows])


def test_a_triangle_holds_the_pixels_whose_centre_it_holds() -> None:
    # The lower left half of the grid, cut along its diagonal from the top left corner.
    pixels = AreaPixels(_utm_area([(0, 0), (3000, 2000), (0, 2000)]), _grid())

    inside = _all(pixels, 64)
    assert not pixels.whole
    np.testing.assert_array_equal(inside, _all(pixels, HEIGHT))  # strip by strip as at once
    rows, columns = np.indices((HEIGHT, WIDTH))
    centre_below = (rows + 0.5) / HEIGHT > (columns + 0.5) / WIDTH  # under the diagonal
    # Its edges bend by centimetres (straight in longitude and latitude): a pixel centre a metre
    # off the diagonal may go either way, none further.
    far = np.abs((rows + 0.5) * 10 - (columns + 0.5) * 10 * HEIGHT / WIDTH) > 1.0
    np.testing.assert_array_equal(inside[far], centre_below[far])
    assert inside.sum() == pytest.approx(WIDTH * HEIGHT / 2, rel=0.01)


def test_an_area_around_the_grid_holds_it_whole() -> None:
    pixels = AreaPixels(_utm_area([(-50, -50), (3050, -50), (3050, 2050), (-50, 2050)]), _grid())

    assert pixels.whole
    assert pixels.strip(10, 5).shape == (5, WIDTH) and pixels.strip(10, 5).all()


def test_an_area_smaller_than_a_pixel_takes_the_pixels_it_touches() -> None:
    between = AreaPixels(_utm_area([(12, 12), (18, 12), (18, 18), (12, 18)]), _grid())  # no centre
    across = AreaPixels(_utm_area([(8, 8), (12, 8), (12, 12), (8, 12)]), _grid())  # 4 pixels' corners

    assert list(zip(*np.nonzero(_all(between, 64)), strict=True)) == [(1, 1)]
    assert list(zip(*np.nonzero(_all(across, 64)), strict=True)) == [(0, 0), (0, 1), (1, 0), (1, 1)]


def test_an_area_beside_the_grid_holds_none_of_it() -> None:
    pixels = AreaPixels(_utm_area([(4000, 0), (5000, 0), (5000, 1000), (4000, 1000)]), _grid())

    assert not pixels.whole
    assert not _all(pixels, 64).any()


def test_a_product_names_its_area() -> None:
    area = _utm_area([(0, 0), (3000, 2000), (0, 2000)])
    product = _grid()
    assert area_of(product) is None
    product.SetMetadata(area_metadata(area))
    assert area_of(product) == area
    product.SetMetadata({"FIRSTLIGHT_AREA": "{not json"})
    assert area_of(product) is None


def _on_lattice(columns: int, rows: int, width: int, height: int) -> gdal.Dataset:
    """A grid on ``_grid``'s lattice, its first pixel ``columns`` and ``rows`` from that grid's."""
    grid = gdal.GetDriverByName("MEM").Create("", width, height, 1, gdal.GDT_Byte)
    grid.SetGeoTransform((ORIGIN[0] + 10.0 * columns, 10.0, 0.0, ORIGIN[1] - 10.0 * rows, 0.0, -10.0))
    grid.SetProjection(_grid().GetProjection())
    return grid


def _counted(area, grid: gdal.Dataset) -> int:
    """The area's pixels on ``grid``: those it holds, and those beyond it."""
    pixels = AreaPixels(area, grid)
    held = np.count_nonzero(pixels.strip(0, grid.RasterYSize))
    return held + pixels.beyond()


@pytest.mark.parametrize("drawn", [1 << 18, 64], ids=["large pieces", "small pieces"])
def test_the_pixels_beyond_the_grid_are_those_a_grid_holding_the_area_holds(monkeypatch, drawn) -> None:
    """A scene's raster stops at its edge: the area's pixels past it are counted on its lattice,
    as many as a raster holding the whole area has (every side, and drawn in pieces or not)."""
    monkeypatch.setattr("firstlight_qgis.core.areapixels._DRAWN_PIXELS", drawn)
    # A quadrilateral over the grid's top left corner, reaching 1 to 2 km past it on two sides.
    area = _utm_area([(-2000, -1500), (1500, -1000), (1200, 1500), (-1800, 900)])
    holding = _on_lattice(-250, -200, 600, 500)  # holds the area whole
    everything = np.count_nonzero(AreaPixels(area, holding).strip(0, 500))
    assert 30_000 < everything < 80_000

    pixels = AreaPixels(area, _grid())
    held = np.count_nonzero(_all(pixels, 64))
    assert 0 < held < everything
    assert held + pixels.beyond() == everything
    assert AreaPixels(area, holding).beyond() == 0  # a raster that holds it: nothing beyond
    for columns, rows in [(-100, 0), (200, 0), (0, -150), (0, 100), (-400, -400)]:  # any side, or none
        assert _counted(area, _on_lattice(columns, rows, WIDTH, HEIGHT)) == everything


def test_an_area_beside_the_grid_is_all_beyond_it() -> None:
    pixels = AreaPixels(_utm_area([(4000, 0), (5000, 0), (5000, 1000), (4000, 1000)]), _grid())

    assert pixels.beyond() == 100 * 100


def test_an_area_smaller_than_a_pixel_beyond_the_grid_is_counted_as_on_it() -> None:
    """Whether it holds a pixel's centre is told on the lattice, not on the grid alone: a speck of
    the area over the grid whose centre pixel is beyond it takes no pixel of it."""
    between = _utm_area([(-8, 12), (-2, 12), (-2, 18), (-8, 18)])  # no centre: touches one pixel
    across = _utm_area([(-2, 8), (2, 8), (2, 12), (-2, 12)])  # 2 beyond the grid, 2 on it
    holds = _utm_area([(-6, 3), (1, 3), (1, 7), (-6, 7)])  # the centre of one beyond it

    for area, on, off in [(between, 0, 1), (across, 2, 2), (holds, 0, 1)]:
        pixels = AreaPixels(area, _grid())
        assert (np.count_nonzero(_all(pixels, 64)), pixels.beyond()) == (on, off)


def test_counting_beyond_the_grid_can_be_stopped() -> None:
    pixels = AreaPixels(_utm_area([(4000, 0), (5000, 0), (5000, 1000), (4000, 1000)]), _grid())

    def stop() -> None:
        raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError, match="cancelled"):
        pixels.beyond(stop)
