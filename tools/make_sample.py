"""Regenerate the bundled offline sample (``resources/sample``) from the shared Uruguay fixture.

Users have no ``../shared``: the plugin ships a small crop of real Sentinel-2 L2A imagery of the
Uruguay River as Cloud-Optimised GeoTIFFs, exposed as a local STAC catalog, so discovery, ingest,
indices and the demo run with no network. The output is deterministic: re-running it on the same
fixture gives byte-identical files (and so the same checksums in the item).

    python tools/make_sample.py [SOURCE_DIR] [--output resources/sample]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from osgeo import gdal, osr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing

from firstlight_qgis.core.gdalconfig import raising  # noqa: E402
from firstlight_qgis.core.quicklook import write_quicklook  # noqa: E402

DEFAULT_SOURCE = ROOT.parent / "shared" / "fixtures" / "rasters" / "s2_20181224_uruguay_river_20m"
DEFAULT_OUTPUT = ROOT / "resources" / "sample"
ITEM_ID = "S2_UruguayRiver_20181224_sample"
# Pixel window of the fixture (1017 x 866 px): the river's meanders and the reservoir's arms,
# NDWI > 0 on 12.0 % of the pixels like the whole fixture.
WINDOW = (288, 216, 512, 512)  # x offset, y offset, width, height
AREA_INSET = 40  # pixels: the demo area is the crop minus this margin (~71 % of it)
RESOLUTION = 20.0
# Estimated acquisition facts (the fixture ships no product metadata): on 2018-12-24 the
# descending pass over 53 W was, by the day's orbits, Sentinel-2B's at about 13:37 UTC, and ESA's
# L2A baseline was 02.11 (DN without the +1000 offset of baselines >= 04.00).
DATETIME = "2018-12-24T13:37:00Z"
PLATFORM = "sentinel-2b"
PROCESSING_BASELINE = "02.11"
# asset key -> (fixture file prefix, Sentinel-2 band, centre wavelength um, full width half max um)
BANDS: dict[str, tuple[str, str, float, float]] = {
    "blue": ("B2", "B02", 0.49, 0.098),
    "green": ("B3", "B03", 0.56, 0.045),
    "red": ("B4", "B04", 0.665, 0.038),
    "nir": ("B8", "B08", 0.842, 0.145),
    "swir16": ("B11", "B11", 1.61, 0.143),
    "swir22": ("B12", "B12", 2.19, 0.242),
}
COG_OPTIONS = ["COMPRESS=DEFLATE", "LEVEL=9", "PREDICTOR=2", "BLOCKSIZE=256"]
COG_TYPE = "image/tiff; application=geotiff; profile=cloud-optimized"
# Like ESA's TCI: DN 0-2000 (reflectance 0-0.2) stretched onto 1-255, 0 kept for nodata; at half
# the resolution of the bands to keep the sample small.
VISUAL_SATURATION_DN = 2000
VISUAL_RESOLUTION = 40.0
THUMBNAIL_SIZE = 192
# Cloud cover estimate: share of pixels brighter than this in blue (thick cloud; the fixture has
# no SCL to count from).
CLOUD_BLUE_DN = 2000
EXTENSIONS = [
    "https://stac-extensions.github.io/eo/v1.1.0/schema.json",
    "https://stac-extensions.github.io/raster/v1.1.0/schema.json",
    "https://stac-extensions.github.io/projection/v1.1.0/schema.json",
    "https://stac-extensions.github.io/file/v2.1.0/schema.json",
]
LICENSE_FILE = "LICENSE_qda_modelos.txt"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", type=Path, default=DEFAULT_SOURCE, help="the fixture folder")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the sample folder to (re)write")
    args = parser.parse_args(argv)
    if not (args.source / f"{BANDS['blue'][0]}_20m_20181224.tif").is_file():
        print(f"No Uruguay River fixture in {args.source}; give its folder as argument.", file=sys.stderr)
        return 1
    make_sample(args.source, args.output)
    print(f"Sample written to {args.output}")
    return 0


@raising  # tests/unit/test_sample.py runs it inside pytest
def make_sample(source: Path, output: Path) -> None:
    """Write the COGs, the visual COG, the thumbnail, the STAC catalog, the area and the licence."""
    output.mkdir(parents=True, exist_ok=True)
    crops = {key: _crop(source / f"{prefix}_20m_20181224.tif") for key, (prefix, *_) in BANDS.items()}
    for key, crop in crops.items():
        crop.GetRasterBand(1).SetDescription(key)
        _write_cog(crop, output / f"{key}.tif")
    _write_cog(_visual(crops), output / "visual.tif")
    with tempfile.TemporaryDirectory() as scratch:
        rgb = Path(scratch) / "rgb.vrt"
        bands = [str(output / f"{k}.tif") for k in ("red", "green", "blue")]
        gdal.BuildVRT(str(rgb), bands, separate=True).FlushCache()
        write_quicklook(
            rgb, output / "thumbnail.png", {"red": 1, "green": 2, "blue": 3}, max_size=THUMBNAIL_SIZE
        )
    shutil.copyfile(source / LICENSE_FILE, output / "LICENSE")
    grid = crops["blue"]
    blue = grid.GetRasterBand(1).ReadAsArray()
    cloud_cover = round(float((blue > CLOUD_BLUE_DN).sum() / (blue > 0).sum() * 100), 2)
    footprint = wgs84_ring(grid, inset=0)
    _write_json(output / "area.geojson", _area(grid))
    _write_json(output / "collection.json", _collection(footprint))
    _write_json(output / f"{ITEM_ID}.json", _item(output, grid, footprint, cloud_cover))
    _write_json(output / "catalog.json", _catalog())
    (output / "README.md").write_text(_readme(grid, footprint, cloud_cover), encoding="utf-8")


def _crop(path: Path) -> gdal.Dataset:
    crop = gdal.Translate("", str(path), format="MEM", srcWin=list(WINDOW), noData=0)
    crop.SetMetadata({"AREA_OR_POINT": "Area"})
    return crop


def _visual(crops: dict[str, gdal.Dataset]) -> gdal.Dataset:
    grid = crops["red"]
    visual = gdal.GetDriverByName("MEM").Create("", grid.RasterXSize, grid.RasterYSize, 3, gdal.GDT_Byte)
    visual.SetGeoTransform(grid.GetGeoTransform())
    visual.SetProjection(grid.GetProjection())
    visual.SetMetadata({"AREA_OR_POINT": "Area"})
    colours = (gdal.GCI_RedBand, gdal.GCI_GreenBand, gdal.GCI_BlueBand)
    for number, (key, colour) in enumerate(zip(("red", "green", "blue"), colours, strict=True), start=1):
        dn = crops[key].GetRasterBand(1).ReadAsArray().astype(np.float64)
        stretched = np.clip(np.round(dn / VISUAL_SATURATION_DN * 254 + 1), 1, 255)
        band = visual.GetRasterBand(number)
        band.WriteArray(np.where(dn == 0, 0, stretched).astype(np.uint8))
        band.SetNoDataValue(0)
        band.SetColorInterpretation(colour)
        band.SetDescription(key)
    return gdal.Translate(
        "", visual, format="MEM", xRes=VISUAL_RESOLUTION, yRes=VISUAL_RESOLUTION, resampleAlg="average"
    )


def _write_cog(dataset: gdal.Dataset, path: Path) -> None:
    gdal.GetDriverByName("COG").CreateCopy(str(path), dataset, options=COG_OPTIONS)


def wgs84_ring(grid: gdal.Dataset, inset: int) -> list[list[float]]:
    """The grid's outline, ``inset`` pixels inside its edge, in WGS84 lon/lat, counter-clockwise."""
    west, cell, _, north, _, cell_y = grid.GetGeoTransform()
    x0, x1 = west + inset * cell, west + (grid.RasterXSize - inset) * cell
    y0, y1 = north + inset * cell_y, north + (grid.RasterYSize - inset) * cell_y
    source = osr.SpatialReference(wkt=grid.GetProjection())
    target = osr.SpatialReference()
    target.ImportFromEPSG(4326)
    target.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    transform = osr.CoordinateTransformation(source, target)
    corners = [(x0, y0), (x0, y1), (x1, y1), (x1, y0), (x0, y0)]
    return [[round(c, 7) for c in transform.TransformPoint(x, y)[:2]] for x, y in corners]


def ring_bbox(ring: list[list[float]]) -> list[float]:
    lons, lats = zip(*ring, strict=True)
    return [min(lons), min(lats), max(lons), max(lats)]


def _area(grid: gdal.Dataset) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "name": "Uruguay River reservoir (FirstLight sample area)",
            "description": "Built-in demo area inside the bundled sample's footprint.",
        },
        "geometry": {"type": "Polygon", "coordinates": [wgs84_ring(grid, inset=AREA_INSET)]},
    }


def _file_fields(path: Path) -> dict[str, Any]:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"file:size": path.stat().st_size, "file:checksum": f"1220{digest}"}


def _band_asset(output: Path, key: str) -> dict[str, Any]:
    _, s2_name, wavelength, fwhm = BANDS[key]
    return {
        "href": f"./{key}.tif",
        "type": COG_TYPE,
        "title": f"{s2_name} {key} - {RESOLUTION:g}m",
        "eo:bands": [
            {
                "name": s2_name,
                "common_name": key,
                "center_wavelength": wavelength,
                "full_width_half_max": fwhm,
            }
        ],
        "raster:bands": [
            {
                "nodata": 0,
                "data_type": "uint16",
                "spatial_resolution": RESOLUTION,
                "scale": 0.0001,
                "offset": 0,
                "unit": "reflectance",
            }
        ],
        **_file_fields(output / f"{key}.tif"),
        "roles": ["data", "reflectance"],
    }


def _item(
    output: Path, grid: gdal.Dataset, footprint: list[list[float]], cloud_cover: float
) -> dict[str, Any]:
    west, cell, _, north, _, cell_y = grid.GetGeoTransform()
    east, south = west + cell * grid.RasterXSize, north + cell_y * grid.RasterYSize
    visual_bands = [{"name": BANDS[k][1], "common_name": k} for k in ("red", "green", "blue")]
    return {
        "type": "Feature",
        "stac_version": "1.0.0",
        "stac_extensions": EXTENSIONS,
        "id": ITEM_ID,
        "collection": "sentinel-2-l2a",
        "geometry": {"type": "Polygon", "coordinates": [footprint]},
        "bbox": ring_bbox(footprint),
        "properties": {
            "title": "Sentinel-2 L2A, Uruguay River reservoir, 2018-12-24 (FirstLight bundled sample)",
            "datetime": DATETIME,
            "platform": PLATFORM,
            "constellation": "sentinel-2",
            "instruments": ["msi"],
            "gsd": RESOLUTION,
            "eo:cloud_cover": cloud_cover,
            "proj:epsg": 32722,
            "proj:shape": [grid.RasterYSize, grid.RasterXSize],
            "proj:bbox": [west, south, east, north],
            "proj:transform": [cell, 0.0, west, 0.0, cell_y, north],
            "s2:processing_baseline": PROCESSING_BASELINE,
            "s2:product_type": "S2MSI2A",
            "license": "BSD-3-Clause",
        },
        "links": [
            {"rel": "root", "href": "./catalog.json", "type": "application/json"},
            {"rel": "parent", "href": "./catalog.json", "type": "application/json"},
            {"rel": "collection", "href": "./collection.json", "type": "application/json"},
            {"rel": "license", "href": "./LICENSE", "type": "text/plain", "title": "BSD-3-Clause"},
        ],
        "assets": {
            **{key: _band_asset(output, key) for key in BANDS},
            "visual": {
                "href": "./visual.tif",
                "type": COG_TYPE,
                "title": "True colour image (B04, B03, B02)",
                "eo:bands": visual_bands,
                "raster:bands": [
                    {"nodata": 0, "data_type": "uint8", "spatial_resolution": VISUAL_RESOLUTION}
                    for _ in visual_bands
                ],
                **_file_fields(output / "visual.tif"),
                "roles": ["visual"],
            },
            "thumbnail": {
                "href": "./thumbnail.png",
                "type": "image/png",
                "title": "Thumbnail",
                **_file_fields(output / "thumbnail.png"),
                "roles": ["thumbnail"],
            },
        },
    }


def _collection(footprint: list[list[float]]) -> dict[str, Any]:
    return {
        "type": "Collection",
        "stac_version": "1.0.0",
        "id": "sentinel-2-l2a",
        "title": "Sentinel-2 Level-2A (FirstLight bundled sample)",
        "description": "One cropped Sentinel-2 L2A scene shipped with FirstLight for offline use.",
        "license": "BSD-3-Clause",
        "providers": [
            {"name": "ESA", "roles": ["producer", "licensor"], "url": "https://sentinel.esa.int/"},
            {
                "name": "CERTI Foundation (fundacaocerti/qda_modelos test assets)",
                "roles": ["processor"],
                "url": "https://github.com/fundacaocerti/qda_modelos",
            },
        ],
        "extent": {
            "spatial": {"bbox": [ring_bbox(footprint)]},
            "temporal": {"interval": [[DATETIME, DATETIME]]},
        },
        "links": [
            {"rel": "root", "href": "./catalog.json", "type": "application/json"},
            {"rel": "license", "href": "./LICENSE", "type": "text/plain", "title": "BSD-3-Clause"},
        ],
    }


def _catalog() -> dict[str, Any]:
    return {
        "type": "Catalog",
        "stac_version": "1.0.0",
        "id": "firstlight-sample",
        "title": "FirstLight bundled sample",
        "description": "A local STAC catalog of one small Sentinel-2 L2A crop, for offline demos and tests.",
        "links": [
            {"rel": "root", "href": "./catalog.json", "type": "application/json"},
            {"rel": "item", "href": f"./{ITEM_ID}.json", "type": "application/geo+json"},
        ],
    }


def _readme(grid: gdal.Dataset, footprint: list[list[float]], cloud_cover: float) -> str:
    west, _, _, north, _, _ = grid.GetGeoTransform()
    x, y, width, height = WINDOW
    lon_min, lat_min, lon_max, lat_max = ring_bbox(footprint)
    files = ", ".join(prefix for prefix, *_ in BANDS.values())
    km = f"{width * RESOLUTION / 1000:g} x {height * RESOLUTION / 1000:g} km"
    return f"""# FirstLight bundled sample: Uruguay River, Sentinel-2 L2A, 2018-12-24

Real imagery shipped with the plugin so that discovery, ingest, indices and `make demo` work with
no network. Generated by `tools/make_sample.py` (deterministic: re-running it on the same fixture
gives byte-identical files); do not edit the files by hand.

## What it is

A {width} x {height} px crop at {RESOLUTION:g} m ({km})
of a Sentinel-2 Level-2A scene of the Uruguay River and its reservoir arms on the Santa Catarina /
Rio Grande do Sul border, southern Brazil: WGS 84 / UTM 22S (EPSG:32722), upper-left corner
({west:.0f}, {north:.0f}), lon {lon_min:.4f} to {lon_max:.4f}, lat {lat_min:.4f} to {lat_max:.4f}.
About 12 % of the pixels are open water (NDWI > 0), like the whole source scene.

- `blue.tif`, `green.tif`, `red.tif`, `nir.tif`, `swir16.tif`, `swir22.tif`: bands B02, B03,
  B04, B08, B11, B12; UInt16 BOA reflectance x 10000 (scale 0.0001, offset 0), nodata 0; COG,
  DEFLATE + predictor 2, 256 px blocks, one overview.
- `visual.tif`: true colour (B04, B03, B02), uint8, DN 0-{VISUAL_SATURATION_DN} stretched onto
  1-255 like ESA's TCI, {VISUAL_RESOLUTION:g} m, COG.
- `thumbnail.png`: {THUMBNAIL_SIZE} px true-colour preview (2-98 % stretch).
- `catalog.json`: local STAC catalog (STAC 1.0) linking the item.
- `{ITEM_ID}.json`: the STAC item: relative asset hrefs, eo:bands, raster:bands,
  file:size, file:checksum (sha2-256 multihash).
- `collection.json`: the item's collection (`sentinel-2-l2a`).
- `area.geojson`: built-in demo area, the crop minus a {AREA_INSET} px margin (WGS 84).
- `LICENSE`: the source's BSD-3-Clause licence.

## Source and licence

- Pixels: **Copernicus Sentinel data 2018**, free and open under the Legal Notice on the use of
  Copernicus Sentinel Data and Service Information.
- Files: cropped (pixel window x {x}-{x + width - 1}, y {y}-{y + height - 1}) from the bands
  {files} (`<band>_20m_20181224.tif`) of the test assets of
  [fundacaocerti/qda_modelos](https://github.com/fundacaocerti/qda_modelos) (`tests/assets/20m`),
  Copyright (c) 2020 CERTI Foundation, **BSD-3-Clause** (see `LICENSE`). B08 was resampled from
  10 m to 20 m by those authors. Ours: the crop, the nodata tag, the COG encoding, the visual
  image and the thumbnail.

## Reconstructed metadata

The source ships no product metadata. The item's `datetime` ({DATETIME}), `platform`
({PLATFORM}) and `s2:processing_baseline` ({PROCESSING_BASELINE}, so no +1000 DN offset) are
estimates (Sentinel-2B's descending pass over 53 W that day, and ESA's L2A baseline of the
time), not read from the product.
`eo:cloud_cover` ({cloud_cover:g} %) is the share of pixels with blue DN above {CLOUD_BLUE_DN}
(thick cloud; a few small clouds sit near the top edge), not an SCL count.

## Regenerate

    .venv/bin/python tools/make_sample.py [path/to/s2_20181224_uruguay_river_20m]
"""


def _write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
