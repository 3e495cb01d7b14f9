"""Helpers for the packaging tests: run ``qgis_process`` as a separate program on a fresh QGIS
configuration folder, with nothing of the test runner's venv leaking into it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLUGIN = "firstlight_qgis"
# The Python qgis_process embeds: Debian's, which has no pystac / pystac-client.
SYSTEM_PYTHON = "/usr/bin/python3"
QGIS_UNZIP = Path("/usr/share/qgis/python/pyplugin_installer/unzip.py")
# What must never leak from the test runner into the headless runs.
_UNSET = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "QGIS_PLUGINPATH", "QGIS_CUSTOM_CONFIG_PATH")


@dataclass(frozen=True)
class Built:
    zip: Path
    plugin_dir: Path  # the staged folder the zip was made from


def qgis_unzip(zip_path: Path, target: Path) -> None:
    """``pyplugin_installer.unzip.unzip``, what QGIS's plugin manager unpacks a zip with (it imports
    only zipfile and os, so it loads without QGIS); plain zipfile where QGIS keeps it elsewhere."""
    source = QGIS_UNZIP if QGIS_UNZIP.is_file() else None
    if source is None:
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(target)
        return
    spec = importlib.util.spec_from_file_location("qgis_pyplugin_installer_unzip", source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.unzip(str(zip_path), str(target))


def run_package(dist: Path, stage: Path) -> subprocess.CompletedProcess[str]:
    """``tools/package.py`` (what ``make package`` runs) with the test runner's (the venv's) Python."""
    command = [sys.executable, str(ROOT / "tools" / "package.py"), "--dist", str(dist), "--stage", str(stage)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def qgis_process_program() -> str | None:
    """``$QGIS_PROCESS`` (the Makefile sets it), else Debian 12's real binary, else qgis_process."""
    return os.environ.get("QGIS_PROCESS") or shutil.which("qgis_process.bin") or shutil.which("qgis_process")


def clean_environment(**extra: str) -> dict[str, str]:
    """The test runner's environment minus anything pointing at the venv or another QGIS config."""
    env = {key: value for key, value in os.environ.items() if key not in _UNSET}
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    env["PYTHONNOUSERSITE"] = "1"  # nothing from ~/.local either: only what the machine and the zip give
    env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra)
    return env


@dataclass
class QgisProcess:
    """``qgis_process`` on one fresh QGIS configuration folder (QGIS_CUSTOM_CONFIG_PATH)."""

    program: str
    config_dir: Path
    runtime_dir: Path

    @property
    def plugins_dir(self) -> Path:
        return self.config_dir / "profiles" / "default" / "python" / "plugins"

    def install(self, zip_path: Path) -> Path:
        """Unpack the zip into the profile's plugins folder with QGIS's own "Install from ZIP" code."""
        self.plugins_dir.mkdir(parents=True, exist_ok=True)
        qgis_unzip(zip_path, self.plugins_dir)
        return self.plugins_dir / PLUGIN

    def __call__(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 240
    ) -> subprocess.CompletedProcess[str]:
        environment = clean_environment(
            QGIS_CUSTOM_CONFIG_PATH=str(self.config_dir),
            XDG_RUNTIME_DIR=str(self.runtime_dir),
            HOME=str(self.config_dir.parent / "home"),
        )
        environment.update(env or {})
        return subprocess.run(
            [self.program, *args],
            capture_output=True,
            text=True,
            env=environment,
            cwd=self.config_dir.parent,
            timeout=timeout,
            check=False,
        )


def make_qgis_process(base: Path) -> QgisProcess | None:
    """qgis_process on the (not yet existing) configuration folder ``base/qgis``; None without QGIS."""
    program = qgis_process_program()
    if program is None:
        return None
    runtime = base / "runtime"
    runtime.mkdir(mode=0o700, parents=True, exist_ok=True)
    (base / "home").mkdir(exist_ok=True)
    return QgisProcess(program=program, config_dir=base / "qgis", runtime_dir=runtime)
