"""Scene ids and asset keys come from catalogs FirstLight does not control; used as file names they
must never lead a write outside the output folder or onto a name Windows reserves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from firstlight_qgis.core.download import safe_name
from tests.reliability.harness import BANDS, listing, run, sample_item, scene_of

pytestmark = pytest.mark.integration

HOSTILE_IDS = [
    "../../escape",
    "..",
    ".",
    "",
    "   ",
    "/etc/cron.d/firstlight",
    "C:\\Windows\\System32\\evil",
    "..\\..\\escape",
    "\\\\server\\share\\scene",
    "scene\x00.tif",
    "line\nbreak\r\ttab",
    "CON",
    "con.tif",
    "PRN",
    "AUX.stack",
    "NUL",
    "COM1",
    "com9.vrt",
    "LPT1",
    "lpt9",
    "x" * 1000,
    "a/" * 500,
    "ünïcødé/场景/🛰️",
    ".hidden",
    "-rf",
    "S2B_22JBP_20181224_0_L2A",  # a real id stays as it is
]
_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))}


@pytest.mark.parametrize("scene_id", HOSTILE_IDS, ids=lambda s: repr(s)[:40])
def test_a_scene_id_becomes_a_portable_name_inside_the_folder(scene_id: str, tmp_path: Path) -> None:
    name = safe_name(scene_id)
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", name), name
    assert len(name) <= 100 and name not in (".", "..")
    assert name.split(".")[0].upper() not in _DEVICES
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()
    if scene_id == "S2B_22JBP_20181224_0_L2A":
        assert name == scene_id


def test_long_ids_sharing_a_prefix_get_different_names() -> None:
    first, second = "x" * 900 + "A", "x" * 900 + "B"
    assert safe_name(first) != safe_name(second)
    assert safe_name(first) == safe_name(first)


@pytest.mark.parametrize("scene_id", ["../../escape", "CON", "x" * 1000 + "/../../y", "/etc/passwd\x00"])
def test_an_ingest_of_a_hostile_id_writes_only_inside_the_output_folder(
    server, item, area, tmp_path: Path, scene_id: str
) -> None:
    out = tmp_path / "deep" / "out"
    hostile = dict(item, id=scene_id)
    result = run(scene_of(hostile, area), out, area, "whole")
    assert result.scene_dir.parent == out.resolve()
    written = {p.relative_to(tmp_path).parts[:2] for p in tmp_path.rglob("*") if p.is_file()}
    assert written == {("deep", "out")}
    assert len(result.scene_dir.name) <= 100
    assert (result.scene_dir / "manifest.json").exists()


def test_hostile_asset_keys_never_name_a_file(server, area, tmp_path: Path) -> None:
    """Files are named after the canonical bands FirstLight knows, never after asset keys."""
    item = sample_item(server.base_url)
    keys = ["../../../etc/passwd", "/abs/blue", "CON", "a\x00b", "..", "x" * 1000]
    item["assets"] = {keys[i]: item["assets"][band] for i, band in enumerate(BANDS)}
    result = run(scene_of(item, area), tmp_path, area, "whole")
    assert set(result.bands) == set(BANDS)
    bands = {name for name in listing(result.scene_dir) if name.endswith(".tif") and "_" not in name}
    assert bands == {f"{band}.tif" for band in BANDS}
    assert {p.parent for p in tmp_path.rglob("*") if p.is_file()} == {result.scene_dir}
