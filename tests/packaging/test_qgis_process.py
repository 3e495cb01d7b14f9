"""Headless, proven: what a server admin does with the plugin zip, end to end.

The zip ``tools/package.py`` builds (``make package``) is unpacked into a QGIS configuration
folder that did not exist, enabled with ``qgis_process plugins enable``, and
``qgis_process run firstlight:ingest`` runs against a real STAC API on loopback (``rustac
serve`` with the sample's COGs on the project's asset server) and against the sample catalog the
zip itself carries. qgis_process runs on the machine's Python, which has neither pystac nor
pystac-client: only the zip's vendored copies can do the work. Bad parameters must end the run
with a non-zero status and one clear line naming the problem, never a Python traceback.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.headless import PLUGIN, Built, QgisProcess, make_qgis_process
from tests.reliability.harness import sample_item
from tests.support.asset_server import AssetServer
from tests.support.http_proxy import ASSETS, STAC, http_proxy
from tests.support.sample import BURNT_ID, ITEM_ID, SAMPLE, copy_sample, fire_catalog, served_item
from tests.support.stac_server import closed_port_url, stac_api

pytestmark = pytest.mark.integration

ALGORITHMS = (
    "firstlight:discover",
    "firstlight:ingest",
    "firstlight:index",
    "firstlight:burnseverity",
    "firstlight:floodextent",
    "firstlight:polygons",
)
DATES = ("START_DATE=2018-12-01", "END_DATE=2018-12-31")
# An area on the other side of the world from the sample scene (Brazil/Argentina border).
FAR_AWAY = "AREA=10.0,10.1,50.0,50.1 [EPSG:4326]"


def output_of(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def assert_no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    text = output_of(result)
    assert "Traceback (most recent call last)" not in text, text


@pytest.fixture(scope="module")
def qgis(built: Built, fresh_qgis: QgisProcess, system_python_without_pystac: str) -> QgisProcess:
    """A fresh QGIS profile with the zip installed and enabled through qgis_process."""
    assert not fresh_qgis.config_dir.exists()
    plugin_dir = fresh_qgis.install(built.zip)
    assert (plugin_dir / "metadata.txt").is_file()
    enabled = fresh_qgis("plugins", "enable", PLUGIN)
    assert enabled.returncode == 0, output_of(enabled)
    assert_no_traceback(enabled)
    return fresh_qgis


@pytest.fixture(scope="module")
def stac_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A STAC API on loopback whose one item is the sample scene, its COGs on the asset server."""
    with (
        AssetServer(copy_sample(tmp_path_factory.mktemp("assets"))) as server,
        stac_api([served_item(server)], tmp_path_factory.mktemp("stac")) as url,
    ):
        yield url


def ingest(qgis: QgisProcess, *parameters: str, json_output: bool = False, **env: str):
    options = ["--json"] if json_output else []
    return qgis(*options, "run", "firstlight:ingest", "--", *parameters, env=env)


def poisoned_path(folder: Path) -> str:
    """A PYTHONPATH whose pystac and pystac_client fail to import: the plugin must use its own."""
    for module in ("pystac", "pystac_client"):
        (folder / module).mkdir(parents=True)
        (folder / module / "__init__.py").write_text(
            f"raise ImportError('the plugin imported the machine\\'s {module}, not its own copy')\n"
        )
    return str(folder)


def assert_scene_outputs(scene: Path) -> dict:
    """The stack, the event's index rasters and the manifest are there; returns the manifest."""
    assert (scene / f"{ITEM_ID}_stack.vrt").is_file()
    for index in ("ndwi", "mndwi", "water"):
        assert (scene / f"{ITEM_ID}_{index}.tif").is_file(), index
    return json.loads((scene / "manifest.json").read_text(encoding="utf-8"))


def test_the_plugin_is_enabled_in_the_fresh_profile(qgis: QgisProcess) -> None:
    listed = qgis("plugins")
    assert listed.returncode == 0, output_of(listed)
    line = next(line for line in listed.stdout.splitlines() if line.strip().endswith(PLUGIN))
    assert line.strip().startswith("*"), listed.stdout


def test_the_provider_offers_its_algorithms(qgis: QgisProcess) -> None:
    listed = qgis("list")
    assert listed.returncode == 0, output_of(listed)
    assert_no_traceback(listed)
    for algorithm in ALGORITHMS:
        assert algorithm in listed.stdout
    described = qgis("help", "firstlight:ingest")
    assert described.returncode == 0, output_of(described)
    for parameter in ("AREA", "EVENT", "START_DATE", "END_DATE", "MAX_CLOUD", "CATALOG", "SCENES"):
        assert parameter in described.stdout
    for parameter in ("OUTPUT_FOLDER", "CLIP_TO_AREA", "PARALLEL_DOWNLOADS", "SKIP_VALIDATION"):
        assert parameter in described.stdout


def test_a_french_qgis_shows_the_french_names(built: Built, tmp_path: Path) -> None:
    """The zip's compiled translation is loaded for the QGIS language (here set in the profile)."""
    french = make_qgis_process(tmp_path)
    assert french is not None
    settings = french.config_dir / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    settings.parent.mkdir(parents=True)
    settings.write_text("[locale]\noverrideFlag=true\nuserLocale=fr\n")
    french.install(built.zip)
    assert french("plugins", "enable", PLUGIN).returncode == 0
    listed = french("list")
    assert listed.returncode == 0, output_of(listed)
    assert "Découvrir des scènes" in listed.stdout
    assert "Importer des scènes" in listed.stdout
    described = french("help", "firstlight:ingest")
    assert "Zone d'intérêt" in described.stdout


def test_ingest_from_a_stac_api_on_loopback(qgis: QgisProcess, stac_url: str, tmp_path: Path) -> None:
    """Discovery through the zip's pystac-client, with a broken pystac and pystac_client first on
    PYTHONPATH: the plugin never imports anything but its own copies."""
    out = tmp_path / "out"
    result = ingest(
        qgis,
        f"AREA={SAMPLE / 'area.geojson'}",
        "EVENT=flood.riverine",
        *DATES,
        "MAX_CLOUD=30",
        f"CATALOG={stac_url}",
        f"OUTPUT_FOLDER={out}",
        "PARALLEL_DOWNLOADS=2",
        json_output=True,
        PYTHONPATH=poisoned_path(tmp_path / "poison"),
    )
    assert result.returncode == 0, output_of(result)
    assert_no_traceback(result)
    manifest = assert_scene_outputs(out / ITEM_ID)
    assert manifest["item"]["id"] == ITEM_ID
    assert manifest["software"]["pystac_client"] == "0.9.0"  # the zip's copy searched: the machine has none
    results = json.loads(result.stdout)["results"]
    assert Path(results["OUTPUT_FOLDER"]) == out


def test_ingest_through_the_proxy_set_in_the_profile(built: Built, tmp_path: Path) -> None:
    """A server behind a proxy, set in the profile as QGIS's options dialog sets it (with a login):
    the search and the bands go through it, to hosts only it reaches."""
    with (
        AssetServer(copy_sample(tmp_path / "assets")) as server,
        stac_api([sample_item(f"http://{ASSETS}")], tmp_path / "stac") as stac,
        http_proxy({ASSETS: server.url(""), STAC: stac}, login=("ana", "p@ss word")) as proxy,
    ):
        behind = make_qgis_process(tmp_path / "behind")
        assert behind is not None
        settings = behind.config_dir / "profiles" / "default" / "QGIS" / "QGIS3.ini"
        settings.parent.mkdir(parents=True)
        port = proxy.url.rpartition(":")[2]
        settings.write_text(
            "[proxy]\nproxyEnabled=true\nproxyType=HttpProxy\nproxyHost=127.0.0.1\n"
            f"proxyPort={port}\nproxyUser=ana\nproxyPassword=p@ss word\n"
        )
        behind.install(built.zip)
        assert behind("plugins", "enable", PLUGIN).returncode == 0
        out = tmp_path / "out"
        search = (
            f"AREA={SAMPLE / 'area.geojson'}",
            "EVENT=flood.riverine",
            *DATES,
            f"CATALOG=http://{STAC}/",
        )
        result = ingest(behind, *search, f"OUTPUT_FOLDER={out}")
    assert result.returncode == 0, output_of(result)
    assert_scene_outputs(out / ITEM_ID)
    carried = {url for _, url in proxy.carried}
    assert f"http://{ASSETS}/nir.tif" in carried and any(url.startswith(f"http://{STAC}/") for url in carried)


def test_ingest_from_the_sample_the_zip_carries(qgis: QgisProcess, tmp_path: Path) -> None:
    """What a user with nothing but the zip can run: the sample inside the installed plugin."""
    sample = qgis.plugins_dir / PLUGIN / "resources" / "sample"
    out = tmp_path / "out"
    result = ingest(
        qgis,
        f"AREA={sample / 'area.geojson'}",
        "EVENT=flood.riverine",
        *DATES,
        f"CATALOG={sample / 'catalog.json'}",
        f"OUTPUT_FOLDER={out}",
        "CLIP_TO_AREA=false",
    )
    assert result.returncode == 0, output_of(result)
    assert_no_traceback(result)
    manifest = assert_scene_outputs(out / ITEM_ID)
    assert "pystac_client" not in manifest["software"]  # a local catalog is read without it


def test_burn_severity_from_two_scenes_ingested_before(qgis: QgisProcess, tmp_path: Path) -> None:
    """Two scenes ingested without pre-event dates, then their change: a toolbox user's second step,
    then its polygons."""
    out = tmp_path / "out"
    ingested = ingest(
        qgis,
        f"AREA={SAMPLE / 'area.geojson'}",
        "EVENT=wildfire.burn_scar",
        "START_DATE=2018-12-01",
        "END_DATE=2019-01-31",
        f"CATALOG={fire_catalog(tmp_path / 'catalog')}",
        f"SCENES={ITEM_ID},{BURNT_ID}",
        f"OUTPUT_FOLDER={out}",
    )
    assert ingested.returncode == 0, output_of(ingested)
    before, after = (out / scene / f"{scene}_nbr.tif" for scene in (ITEM_ID, BURNT_ID))

    def burn_severity(pre: Path, name: str) -> subprocess.CompletedProcess[str]:
        outputs = [
            f"OUTPUT={tmp_path / name / 'dnbr.tif'}",
            f"OUTPUT_SEVERITY={tmp_path / name / 'severity.tif'}",
        ]
        return qgis(
            "--json", "run", "firstlight:burnseverity", "--", f"BEFORE={pre}", f"AFTER={after}", *outputs
        )

    result = burn_severity(before, "change")
    assert result.returncode == 0, output_of(result)
    results = json.loads(result.stdout)["results"]
    assert Path(results["OUTPUT_SEVERITY"]) == tmp_path / "change" / "severity.tif"
    assert 0.02 < results["CHANGED_FRACTION"] < 0.15  # the burnt window
    assert (tmp_path / "change" / "dnbr.tif").is_file()

    # Then the burn's polygons, for the report.
    package = tmp_path / "change" / "severity.gpkg"
    made = qgis(
        "--json",
        "run",
        "firstlight:polygons",
        "--",
        f"INPUT={results['OUTPUT_SEVERITY']}",
        f"OUTPUT={package}",
    )
    assert made.returncode == 0, output_of(made)
    assert json.loads(made.stdout)["results"]["FEATURES"] > 0
    assert package.is_file()

    refused = burn_severity(out / ITEM_ID / f"{ITEM_ID}_stack.vrt", "refused")
    assert refused.returncode != 0
    assert_no_traceback(refused)
    assert f"The pre-event NBR {ITEM_ID}_stack.vrt has 6 bands, not one" in output_of(refused)
    assert not (tmp_path / "refused").exists()


@pytest.mark.parametrize(
    ("parameters", "problem"),
    [
        pytest.param(("EVENT=flood.volcanic",), "Unknown event 'flood.volcanic'", id="unknown-event"),
        pytest.param(
            ("START_DATE=2018-12-31", "END_DATE=2018-12-01"), "before the start date", id="end-before-start"
        ),
        pytest.param(("CATALOG=__unreachable__",), "could not be reached", id="unreachable-catalog"),
        pytest.param((FAR_AWAY,), "No scene for flood.riverine", id="area-outside-every-scene"),
    ],
)
def test_a_bad_parameter_ends_the_run_with_one_clear_line(
    qgis: QgisProcess, tmp_path: Path, parameters: tuple[str, ...], problem: str
) -> None:
    given = {p.split("=", 1)[0]: p for p in parameters}
    unreachable = closed_port_url()
    defaults = {
        "AREA": f"AREA={SAMPLE / 'area.geojson'}",
        "EVENT": "EVENT=flood.riverine",
        "START_DATE": DATES[0],
        "END_DATE": DATES[1],
        "CATALOG": f"CATALOG={SAMPLE / 'catalog.json'}",
        "OUTPUT_FOLDER": f"OUTPUT_FOLDER={tmp_path / 'out'}",
    }
    arguments = [given.get(name, default) for name, default in defaults.items()]
    arguments = [a.replace("__unreachable__", unreachable) for a in arguments]
    result = ingest(qgis, *arguments)
    assert result.returncode != 0, output_of(result)
    assert_no_traceback(result)
    lines = [line for line in output_of(result).splitlines() if problem in line]
    assert lines, output_of(result)
    assert not (tmp_path / "out" / ITEM_ID / "manifest.json").exists()
