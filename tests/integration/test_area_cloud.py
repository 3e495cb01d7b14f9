"""Cloud over the area, from each scene's own cloud mask: the real desert scene is 4 % cloudy as a
whole and over half cloudy in its north-east corner; the search filters and ranks on the area's."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.areacloud import cloud_percent, discover_over_area, measure_area_cloud
from firstlight_qgis.core.catalog import Scene, discover
from firstlight_qgis.core.errors import CancelledError
from firstlight_qgis.core.signing import PlanetaryComputerSigner
from tests.support.asset_server import AssetServer
from tests.support.cogs import DESERT, read
from tests.support.desert import (
    DESERT_ID,
    LATER_ID,
    NORTH_EAST,
    SOUTH_WEST,
    UTM29N,
    desert_scene,
    scl_cloud_percent,
    two_scenes_catalog,
    utm_bounds,
    write_catalog,
)

EVENT = "flood.riverine"
DATES = ("2020-02-01", "2020-02-29")


def area(window: tuple[int, int, int, int]):
    return parse_area(utm_bounds(window), crs=UTM29N)


def search(catalog: Path, window, max_cloud: float, **keywords) -> list[Scene]:
    return discover_over_area(
        area(window), EVENT, *DATES, max_cloud=max_cloud, catalog=str(catalog), **keywords
    )


@pytest.fixture(scope="module")
def real_scl():
    return read(DESERT / "SCL.tif")


@pytest.fixture(scope="module")
def two_scenes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return two_scenes_catalog(tmp_path_factory.mktemp("desert"))


def test_the_cloud_over_an_area_is_its_own_not_the_scenes(two_scenes, real_scl) -> None:
    corner = {scene.id: scene for scene in search(two_scenes, NORTH_EAST, 100.0)}[DESERT_ID]
    assert corner.cloud_cover == pytest.approx(4.05, abs=0.01)  # the catalog's, for the whole tile
    assert corner.area_cloud_percent == pytest.approx(scl_cloud_percent(real_scl, NORTH_EAST), abs=1e-9)
    assert corner.area_cloud_percent > 40 and corner.cloud == corner.area_cloud_percent
    clear = {scene.id: scene for scene in search(two_scenes, SOUTH_WEST, 100.0)}[DESERT_ID]
    assert clear.area_cloud_percent == 0.0 == scl_cloud_percent(real_scl, SOUTH_WEST)


def test_the_maximum_cloud_and_the_ranking_go_by_the_area(two_scenes) -> None:
    # By the tiles' figures, the north-east corner gets the cloudy one of the two.
    by_tile = discover(area(NORTH_EAST), EVENT, *DATES, max_cloud=30.0, catalog=str(two_scenes))
    assert [scene.id for scene in by_tile] == [DESERT_ID]
    # By the area's, the scene that shows it: 62 % cloudy as a whole, none of it there.
    (shown,) = search(two_scenes, NORTH_EAST, 30.0)
    assert (shown.id, shown.area_cloud_percent, shown.priority) == (LATER_ID, 0.0, 1)
    # In the south-west both are clear (no data counts neither as clear nor as cloud): the latest first.
    south_west = search(two_scenes, SOUTH_WEST, 30.0)
    assert [(scene.id, scene.area_cloud_percent) for scene in south_west] == [
        (LATER_ID, 0.0),
        (DESERT_ID, 0.0),
    ]
    # With no limit, both, the clearer over the area first.
    assert [scene.id for scene in search(two_scenes, NORTH_EAST, 100.0)] == [LATER_ID, DESERT_ID]
    assert [
        s.id for s in discover(area(NORTH_EAST), EVENT, *DATES, max_cloud=100.0, catalog=str(two_scenes))
    ] == [
        DESERT_ID,
        LATER_ID,
    ]


def test_a_mask_that_cannot_be_read_leaves_the_catalogs_cloud(tmp_path) -> None:
    item = desert_scene(tmp_path / "scene")
    item["assets"]["scl"]["href"] = "./scene/missing-SCL.tif"
    catalog = write_catalog(tmp_path / "items.json", [item])
    warnings: list[str] = []
    (scene,) = search(catalog, NORTH_EAST, 30.0, warn=warnings.append)
    assert scene.area_cloud_percent is None and scene.cloud == scene.cloud_cover  # 4.05 % ≤ 30 %: kept
    (warning,) = warnings
    assert warning.startswith(
        f"The cloud over the area of scene {DESERT_ID} is unknown, so its catalog's cloud cover stands in: "
    )
    assert "missing-SCL.tif" in warning
    assert "\n" not in warning

    # Several: one sentence for them all (a catalog with its masks on requester-pays storage).
    again = {
        **item,
        "id": "S2A_29RKH_20200220_0_L2A",
        "properties": {**item["properties"], "datetime": "2020-02-20T11:24:00Z"},
    }
    write_catalog(tmp_path / "items.json", [item, again])
    warnings.clear()
    assert len(search(catalog, NORTH_EAST, 30.0, warn=warnings.append)) == 2
    (warning,) = warnings
    assert warning.startswith(
        "The cloud over the area of 2 scenes is unknown, so their catalogs' cloud cover stands in; for "
    )


def test_a_scene_without_a_mask_says_so_and_keeps_the_catalogs_cloud(tmp_path) -> None:
    item = desert_scene(tmp_path / "scene")
    del item["assets"]["scl"]
    catalog = write_catalog(tmp_path / "items.json", [item])
    warnings: list[str] = []
    (scene,) = search(catalog, NORTH_EAST, 30.0, warn=warnings.append)
    assert scene.area_cloud_percent is None and scene.cloud == scene.cloud_cover
    assert warnings == [
        f"The cloud over the area of scene {DESERT_ID} is unknown, so its catalog's cloud cover stands in: "
        "its item has no SCL asset, the mask it would be read from."
    ]


def test_over_http_only_the_masks_tiles_under_the_area_are_read(tmp_path, real_scl) -> None:
    folder = tmp_path / "served"
    with AssetServer(folder) as server:
        item = desert_scene(folder, href=server.url(""))
        catalog = write_catalog(tmp_path / "items.json", [item])
        server.clear_log()
        (scene,) = search(catalog, NORTH_EAST, 100.0)
        assert scene.area_cloud_percent == pytest.approx(scl_cloud_percent(real_scl, NORTH_EAST), abs=1e-9)
        requests = server.log()
        assert {record.path for record in requests} == {"/SCL.tif"}  # no band is read
        assert all(record.range for record in requests)
        assert server.bytes_sent() < (folder / "SCL.tif").stat().st_size


def test_an_area_of_a_whole_scene_is_judged_by_the_catalogs_figure(two_scenes) -> None:
    """Its masks would cost megabytes per scene, and the scene's figure is then most of the answer."""
    warnings: list[str] = []
    whole = (0, 0, 549, 549)  # the 110 km tile: about 12,050 km²
    found = search(two_scenes, whole, 30.0, warn=warnings.append)
    assert [(scene.id, scene.area_cloud_percent) for scene in found] == [(DESERT_ID, None)]
    (warning,) = warnings
    assert re.match(
        r"The area is 12,0\d\d km², more than the 2,500 km² the cloud over an area is measured", warning
    )
    assert warning.endswith("the scenes are judged by their catalogs' cloud cover.")


def test_masks_behind_sas_tokens_are_signed(tmp_path, real_scl) -> None:
    """Planetary Computer's masks, like its bands, need a token: the search's signer signs them."""
    folder = tmp_path / "served"
    with AssetServer(folder) as server:
        item = desert_scene(folder, href=server.url(""))
        catalog = write_catalog(tmp_path / "items.json", [item])
        server.enable_sas("firstlight", "bands")
        warnings: list[str] = []
        (unsigned,) = search(catalog, NORTH_EAST, 100.0, warn=warnings.append)
        assert unsigned.area_cloud_percent is None and len(warnings) == 1
        signer = PlanetaryComputerSigner(server.token_url, locate=lambda href: ("firstlight", "bands"))
        (signed,) = search(catalog, NORTH_EAST, 100.0, signer=signer, warn=warnings.append)
        assert signed.area_cloud_percent == pytest.approx(scl_cloud_percent(real_scl, NORTH_EAST), abs=1e-9)
        assert len(warnings) == 1 and server.tokens_issued == 1


def test_a_cancel_stops_the_measure(two_scenes) -> None:
    found = discover(area(NORTH_EAST), EVENT, *DATES, max_cloud=100.0, catalog=str(two_scenes))
    with pytest.raises(CancelledError):
        measure_area_cloud(found, area(NORTH_EAST), cancel=lambda: True)
    assert all(scene.area_cloud_percent is None for scene in found)


def test_pixels_are_counted_by_their_centre_inside_the_area(tmp_path, real_scl) -> None:
    """A polygon, not its bounding box: the triangle below the diagonal of the north-east window
    holds the pixels whose centre is under it."""
    shutil.copy(DESERT / "SCL.tif", tmp_path / "SCL.tif")
    minx, miny, maxx, maxy = utm_bounds(NORTH_EAST)
    triangle = {"type": "Polygon", "coordinates": [[[minx, miny], [maxx, miny], [maxx, maxy], [minx, miny]]]}
    measured = cloud_percent(tmp_path / "SCL.tif", parse_area(triangle, crs=UTM29N), "scl")
    column, row, width, height = NORTH_EAST
    part = real_scl[row : row + height, column : column + width]
    # Centre (i + 0.5, j + 0.5) of a square window's pixel is under the diagonal when row j (from
    # the top) is below it: x/width > 1 - y/height.
    rows, columns = (part.shape[0], part.shape[1])
    inside = [
        part[j, i] for j in range(rows) for i in range(columns) if (i + 0.5) / columns > 1 - (j + 0.5) / rows
    ]
    flagged = sum(1 for value in inside if value in (1, 3, 8, 9, 10))
    assert measured == pytest.approx(100.0 * flagged / sum(1 for value in inside if value != 0), abs=1e-9)
