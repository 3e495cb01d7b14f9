"""What the reliability tests share: the bundled sample served over HTTP as a remote catalog's
scene, clean reference runs, and the checks every faulted run must pass (outputs identical to the
clean run's, nothing left over, nothing that looks complete but is not)."""

from __future__ import annotations

import copy
import hashlib
import json
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from osgeo import gdal

from firstlight_qgis.core.area import Area, parse_area
from firstlight_qgis.core.catalog import Scene, scene_from_item
from firstlight_qgis.core.download import RetryPolicy
from firstlight_qgis.core.ingest import IngestOptions, IngestResult, ingest_scene
from firstlight_qgis.core.lock import LOCK_NAME
from tests.support.asset_server import AssetServer
from tests.support.sample import ITEM_ID, SAMPLE

EVENT = "flood.riverine"
BANDS = ("blue", "green", "red", "nir", "swir16", "swir22")
MODES = ("clip", "whole")
# Small waits so a suite of a hundred faulted ingests stays fast; the logic is the production one.
FAST = RetryPolicy(base_delay=0.05, max_delay=0.2, max_retry_after=5.0)


def options(mode: str, **overrides: object) -> IngestOptions:
    values: dict[str, object] = {
        "clip_to_area": mode == "clip",
        "max_retries": 3,
        "timeout": 1.0,
        "retry_policy": FAST,
    }
    values.update(overrides)
    return IngestOptions(**values)  # type: ignore[arg-type]


def sample_item(base_url: str, **assets: dict) -> dict:
    """The sample's STAC item with hrefs on ``base_url``; ``assets`` overrides asset fields."""
    item = json.loads((SAMPLE / f"{ITEM_ID}.json").read_text())
    item["links"] = []
    for key, asset in item["assets"].items():
        asset["href"] = f"{base_url}/{asset['href'].removeprefix('./')}"
        asset.update(assets.get(key, {}))
    return item


def sample_area() -> Area:
    return parse_area(SAMPLE / "area.geojson")


def scene_of(item: dict, area: Area, catalog: str = "https://stac.example.com/v1") -> Scene:
    """A scene as a remote STAC API would give it (its hrefs may only be http(s))."""
    return scene_from_item(copy.deepcopy(item), area=area, catalog=catalog, catalog_is_local=False)


def run(scene: Scene, out: Path, area: Area, mode: str, **kwargs: object) -> IngestResult:
    """One ingest as a user runs it, in a fresh GDAL HTTP cache (as in a new QGIS session)."""
    gdal.VSICurlClearCache()
    opts = kwargs.pop("options", None) or options(mode)
    return ingest_scene(scene, out, area=area, event=EVENT, options=opts, **kwargs)  # type: ignore[arg-type]


# -- what a run left on disk ------------------------------------------------------------------


def listing(folder: Path) -> set[str]:
    """Every file under ``folder`` (hidden ones included), relative, with '/'."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def _raster(path: Path) -> tuple:
    dataset = gdal.Open(str(path))
    arrays = [dataset.GetRasterBand(i).ReadAsArray() for i in range(1, dataset.RasterCount + 1)]
    return dataset.GetGeoTransform(), dataset.GetProjection(), arrays


def same_file(path: Path, reference: Path, mode: str) -> bool:
    """Whole-scene bands byte-identical; clipped bands and indices pixel-identical (same grid);
    stack VRT and quicklook byte-identical; the manifest (timings, hosts) only present."""
    name = path.name
    if name == "manifest.json" or name.endswith(".verified.json"):
        return True
    if name.endswith(".tif") and not (mode == "whole" and path.stem in BANDS):
        (transform, crs, arrays), (want_transform, want_crs, want_arrays) = _raster(path), _raster(reference)
        pixels = zip(arrays, want_arrays, strict=True)
        return (transform, crs) == (want_transform, want_crs) and all(
            np.array_equal(a, b, equal_nan=a.dtype.kind == "f") for a, b in pixels
        )
    return path.read_bytes() == reference.read_bytes()


@dataclass
class Check:
    """How one run's output folder compares with the clean run's."""

    different: list[str] = field(default_factory=list)  # present in both, not identical
    missing: list[str] = field(default_factory=list)  # in the reference, absent here
    leftovers: list[str] = field(default_factory=list)  # absent from the reference

    @property
    def identical(self) -> bool:
        return not (self.different or self.missing or self.leftovers)


def compare(
    out_root: Path, reference_root: Path, mode: str, *, allow_parts: bool = False, served: Path | None = None
) -> Check:
    """Compare ``out_root`` (an ingest's output folder) with the clean run's.

    With ``allow_parts`` (a run that stopped early) files may be missing and ``<band>.tif.part``
    resume files may remain, each with the records of its resume beside it (which edition of the
    server's file it holds, which pieces), but nothing else: every other file present must be
    identical. With ``served`` (the server's folder), the whole files clip mode's fallback keeps
    (``<band>.source.tif``, with the record of its verification) may be there too, and must be
    the server's files byte for byte.
    """
    check = Check()
    got, want = listing(out_root), listing(reference_root)
    for name in sorted(got & want):
        if not same_file(out_root / name, reference_root / name, mode):
            check.different.append(name)
    if served is not None:
        for name in sorted(got - want):
            kept = Path(name)
            band = kept.name.removesuffix(".source.tif")
            if band != kept.name and band in BANDS:
                got -= {name, (kept.parent / f".{kept.name}.verified.json").as_posix()}
                if (out_root / name).read_bytes() != (served / f"{band}.tif").read_bytes():
                    check.different.append(name)
    for name in sorted(got - want):
        part = name.removesuffix(".validator").removesuffix(".ranges.json")
        resumable = (
            allow_parts and part.endswith(".tif.part") and Path(part).name[:-9] in BANDS and part in got
        )
        if not resumable:
            check.leftovers.append(name)
    if not allow_parts:
        check.missing = sorted(want - got)
    return check


def assert_nothing_looks_complete(out_root: Path, reference_root: Path, mode: str) -> None:
    """After a run that stopped early: no manifest, no lock, and every band, stack, index or
    sidecar present is the complete, correct file (so nobody can mistake a partial one)."""
    scene_dir = out_root / ITEM_ID
    assert not (scene_dir / "manifest.json").exists()
    assert not (scene_dir / LOCK_NAME).exists()
    check = compare(out_root, reference_root, mode, allow_parts=True)
    assert not check.different and not check.leftovers, check
    for band in BANDS:  # a band file is there only with the sidecar of its verification
        if (scene_dir / f"{band}.tif").exists():
            assert (scene_dir / f".{band}.tif.verified.json").exists()
        if (scene_dir / f".{band}.tif.verified.json").exists():
            assert (scene_dir / f"{band}.tif").exists() or (scene_dir / f"{band}.tif.part").exists()


def assert_overviews_of(band_file: Path) -> None:
    """The first level of ``band_file``'s ``.ovr`` is the average of each 2 x 2 of its pixels."""
    dataset = gdal.Open(str(band_file))
    pixels = dataset.ReadAsArray().astype(np.float64)
    first = gdal.Open(f"{band_file}.ovr").ReadAsArray()
    blocks = pixels.reshape(first.shape[0], 2, first.shape[1], 2)
    whole = (blocks != dataset.GetRasterBand(1).GetNoDataValue()).all(axis=(1, 3))
    assert np.abs(first - blocks.mean(axis=(1, 3)))[whole].max() <= 0.5, band_file.name


def assert_clip_with_overviews(out_root: Path, reference_root: Path) -> None:
    """After a clip run where the area counted as large: every band has its right ``.ovr``, and
    every other file is the clean run's (the quicklook may be drawn from the overviews)."""
    for band in BANDS:
        assert_overviews_of(out_root / ITEM_ID / f"{band}.tif")
    check = compare(out_root, reference_root, "clip")
    assert check.leftovers == sorted(f"{ITEM_ID}/{band}.tif.ovr" for band in BANDS)
    assert set(check.different) <= {f"{ITEM_ID}/{ITEM_ID}_quicklook.png"} and not check.missing


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def clear(server: AssetServer) -> None:
    server.clear_faults()
    server.clear_log()
    server.throttle_bps = None
    server.max_in_flight = None
    gdal.VSICurlClearCache()


Recorder = Callable[..., None]


# -- a small disk of the test's own (a tmpfs: needs root and CAP_SYS_ADMIN) --------------------


def mount_tmpfs(point: Path, size: int) -> None:
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(point)],
        check=True,
        capture_output=True,
    )


def remount(point: Path, size: int | None = None, *, read_only: bool | None = None) -> None:
    """Change the tmpfs at ``point``: its size in bytes, or whether it is read-only."""
    options = ["remount"]
    if size is not None:
        options.append(f"size={size}")
    if read_only is not None:
        options.append("ro" if read_only else "rw")
    subprocess.run(["mount", "-o", ",".join(options), str(point)], check=True, capture_output=True)


def unmount(point: Path) -> None:
    for _ in range(50):
        if subprocess.run(["umount", str(point)], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)
    subprocess.run(["umount", "-l", str(point)], check=True)
    pytest.fail(f"{point} stayed busy after the ingest returned: a file was left open")
