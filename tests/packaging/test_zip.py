"""The plugin zip ``make package`` builds: layout, metadata, vendored packages and their licences.

A user installs this zip with "Install from ZIP" and no pip, so it has to carry everything QGIS
does not ship, nothing it should not (tests, caches, sources of translations), and be laid out
the way QGIS's installer reads it.
"""

from __future__ import annotations

import configparser
import json
import subprocess
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

from tests.packaging.headless import PLUGIN, ROOT, Built, clean_environment, run_package
from tools.package import REQUIRED_METADATA
from tools.vendor import leftover_imports, read_pins, rewrite_source

VENDOR_PINS = read_pins(ROOT / "requirements-vendor.txt")
VENDORED_NAMES = frozenset({"pystac", "pystac_client", "dateutil", "six"})


def names_in(built: Built) -> list[str]:
    with zipfile.ZipFile(built.zip) as archive:
        return archive.namelist()


def read_in(built: Built, name: str) -> bytes:
    with zipfile.ZipFile(built.zip) as archive:
        return archive.read(f"{PLUGIN}/{name}")


def zip_metadata(built: Built) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str
    parser.read_string(read_in(built, "metadata.txt").decode("utf-8"))
    return dict(parser["general"])


def test_the_zip_is_one_plugin_folder_named_the_way_qgis_installer_reads_it(built: Built) -> None:
    names = names_in(built)
    assert built.zip.name == f"{PLUGIN}-{zip_metadata(built)['version']}.zip"
    assert names[0] == f"{PLUGIN}/"
    assert all(name.startswith(f"{PLUGIN}/") for name in names)
    # QGIS's installer names the plugin after the folder of the first (sorted) *metadata.txt.
    assert sorted(name for name in names if name.endswith("metadata.txt")) == [f"{PLUGIN}/metadata.txt"]
    assert len(names) == len(set(names))


def test_the_zip_carries_the_code_resources_translations_and_licence(built: Built) -> None:
    names = set(names_in(built))
    source_code = {
        path.relative_to(ROOT / PLUGIN).as_posix()
        for path in (ROOT / PLUGIN).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    resources = {
        path.relative_to(ROOT).as_posix()
        for path in (ROOT / "resources").rglob("*")
        if path.is_file() and not path.name.endswith(".aux.xml")
    }
    translations = {f"i18n/{ts.stem}.qm" for ts in (ROOT / "i18n").glob("*.ts")}
    expected = source_code | resources | translations | {"metadata.txt", "LICENSE"}
    assert {"resources/icon.svg", "resources/sample/catalog.json", "i18n/firstlight_fr.qm"} <= expected
    missing = sorted(name for name in expected if f"{PLUGIN}/{name}" not in names)
    assert missing == []
    assert read_in(built, "LICENSE") == (ROOT / "LICENSE").read_bytes()


def test_the_zip_carries_nothing_a_user_should_not_get(built: Built) -> None:
    unwanted = [
        name
        for name in names_in(built)
        if "__pycache__" in name
        or name.endswith((".pyc", ".pyo", ".ts", ".aux.xml", ".orig", "~"))
        or any(part.startswith(".") for part in name.split("/"))
        or any(part in ("tests", "bench", "build", "dist", "tools") for part in name.split("/"))
    ]
    assert unwanted == []


def test_metadata_is_complete_for_the_plugin_repository(built: Built) -> None:
    meta = zip_metadata(built)
    assert [key for key in REQUIRED_METADATA if not meta.get(key, "").strip()] == []
    assert meta["qgisMinimumVersion"] == "3.22"  # the oldest QGIS the tests run on (Debian 12)
    assert meta["qgisMaximumVersion"].startswith("4.")
    assert meta["hasProcessingProvider"] == "yes"
    assert meta["supportsQt6"] == "yes"
    assert f"{PLUGIN}/{meta['icon']}" in names_in(built)
    init = read_in(built, "__init__.py").decode()
    assert f'__version__ = "{meta["version"]}"' in init


def test_every_pinned_package_is_vendored_with_its_licence(built: Built) -> None:
    names = set(names_in(built))
    readme = read_in(built, "_vendor/README.txt").decode()
    for name, version in VENDOR_PINS:
        assert f"{name}=={version}" in readme
        licences = [n for n in names if n.startswith(f"{PLUGIN}/_vendor/licenses/{name}-{version}/LICENSE")]
        assert licences, f"no licence for {name} {version}"
    for package in ("pystac/__init__.py", "pystac_client/__init__.py", "dateutil/__init__.py", "six.py"):
        assert f"{PLUGIN}/_vendor/{package}" in names
    # data files the vendored code loads by module name come along too
    assert f"{PLUGIN}/_vendor/pystac/static/fields-normalized.json" in names
    assert f"{PLUGIN}/_vendor/dateutil/zoneinfo/dateutil-zoneinfo.tar.gz" in names
    # requests/urllib3 come from QGIS, never from the zip
    assert not any(n.startswith((f"{PLUGIN}/_vendor/requests", f"{PLUGIN}/_vendor/urllib3")) for n in names)


def test_no_code_in_the_zip_imports_a_vendored_package_from_outside(built: Built) -> None:
    escaping = {}
    with zipfile.ZipFile(built.zip) as archive:
        for name in archive.namelist():
            if name.endswith(".py"):
                found = leftover_imports(archive.read(name).decode("utf-8"), VENDORED_NAMES)
                if found:
                    escaping[name] = found
    assert escaping == {}
    catalog = read_in(built, "core/catalog.py").decode()
    assert f"from {PLUGIN}._vendor.pystac_client import Client" in catalog
    assert "sys.path" not in "".join(
        read_in(built, name).decode() for name in ("__init__.py", "_vendor/__init__.py")
    )


@pytest.mark.parametrize(("name", "version"), VENDOR_PINS)
def test_vendored_files_are_the_pinned_release_with_only_imports_rewritten(
    built: Built, name: str, version: str
) -> None:
    dist = metadata.distribution(name)
    assert dist.version == version
    compared = 0
    for relative in dist.files or ():
        if relative.suffix != ".py" or relative.parts[0].endswith(".dist-info") or relative.parts[0] == "..":
            continue
        original = Path(str(dist.locate_file(relative))).read_text(encoding="utf-8")
        shipped = read_in(built, f"_vendor/{relative.as_posix()}").decode("utf-8")
        assert shipped == rewrite_source(original, VENDORED_NAMES, f"{PLUGIN}._vendor"), relative
        compared += 1
    assert compared > 0


def test_the_zip_is_reproducible(tmp_path: Path) -> None:
    """Two builds of the same tree give the same bytes (sorted entries, fixed dates and modes)."""
    zips = []
    for name in ("one", "two"):
        result = run_package(tmp_path / name, tmp_path / f"{name}-build")
        assert result.returncode == 0, result.stderr
        zips.append(Path(result.stdout.strip()).read_bytes())
    assert zips[0] == zips[1]


def test_pb_tool_cfg_lists_exactly_the_plugin_folder(built: Built) -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "pb_tool.cfg")
    files = cfg["files"]
    listed_files = set(files["python_files"].split()) | set(files["extras"].split())
    listed_dirs = set(files["extra_dirs"].split())
    assert cfg["plugin"]["name"] == PLUGIN
    assert listed_files == {p.name for p in built.plugin_dir.iterdir() if p.is_file()}
    assert listed_dirs == {p.name for p in built.plugin_dir.iterdir() if p.is_dir()}


def test_the_unpacked_zip_discovers_on_a_python_without_pystac(
    built: Built, system_python_without_pystac: str, tmp_path: Path
) -> None:
    """The machine's Python lacks pystac and pystac-client: the zip's own copies do the work, and
    no top-level pystac / pystac_client / dateutil module is ever created."""
    with zipfile.ZipFile(built.zip) as archive:
        archive.extractall(tmp_path)
    script = f"""
import json, sys
sys.path.insert(0, {str(tmp_path)!r})
from firstlight_qgis.processing.paths import resource_path
from firstlight_qgis.core.area import parse_area
from firstlight_qgis.core.catalog import discover
from firstlight_qgis.core.manifest import _software
sample = resource_path("sample")
scenes = discover(parse_area(sample / "area.geojson"), "flood.riverine", "2018-12-01", "2018-12-31",
                  catalog=str(sample / "catalog.json"))
leaked = sorted(m for m in sys.modules if m.split(".")[0] in ("pystac", "pystac_client", "dateutil"))
software = _software()
client = "firstlight_qgis._vendor.pystac_client" in sys.modules
print(json.dumps({{"sample": str(sample), "ids": [s.id for s in scenes], "leaked": leaked,
                   "software": software, "client": client}}))
"""
    result = subprocess.run(
        [system_python_without_pystac, "-c", script],
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["sample"] == str(tmp_path / PLUGIN / "resources" / "sample")
    assert report["ids"] == ["S2_UruguayRiver_20181224_sample"]
    assert report["leaked"] == []
    # a local catalog needs no pystac-client: it is neither loaded nor named among the manifest's
    # software (test_qgis_process checks the zip's copy named after a search of a STAC API)
    assert "pystac_client" not in report["software"] and not report["client"]
