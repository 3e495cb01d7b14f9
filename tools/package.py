"""Build the plugin zip QGIS installs: ``dist/firstlight_qgis-<version>.zip`` (``make package``).

The zip holds one folder, ``firstlight_qgis/``, which is exactly what lands in a profile's
``python/plugins/``::

    firstlight_qgis/
      __init__.py, plugin.py, ...    the plugin code (imports of vendored packages rewritten)
      core/, processing/, ...        its sub-packages
      _vendor/                       requirements-vendor.txt's packages, imports rewritten,
        licenses/<name>-<version>/   with their licence files, and README.txt listing them
      resources/                     icon.svg, models/*.model3, sample/ (the offline demo data)
      i18n/firstlight_<lang>.qm      compiled from i18n/*.ts with lrelease
      metadata.txt, LICENSE

No tests, caches, .ts sources or development files. The zip is reproducible: sorted entries,
fixed timestamps and modes, so the same tree gives the same bytes.

Usage: ``python tools/package.py [--dist DIR] [--stage DIR] [--lrelease PATH]``; prints the zip's
path. Run it with the venv's Python: it copies the vendored packages from there and refuses
unless they are the pinned versions.
"""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run as a script from a checkout

from tools.vendor import Vendored, VendorError, read_pins, rewrite_tree, vendor_distributions  # noqa: E402

PLUGIN = "firstlight_qgis"
VENDOR = "_vendor"
REQUIRED_METADATA = [
    "name",
    "qgisMinimumVersion",
    "qgisMaximumVersion",
    "description",
    "about",
    "version",
    "author",
    "email",
    "repository",
    "tracker",
    "homepage",
    "tags",
    "category",
    "icon",
    "changelog",
    "hasProcessingProvider",
    "supportsQt6",
]
# Never shipped, wherever they appear in the tree.
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "*.aux.xml", ".*", "*~", "*.orig")
ZIP_DATE = (2020, 1, 1, 0, 0, 0)
LRELEASE_CANDIDATES = ("lrelease-qt5", "/usr/lib/qt5/bin/lrelease", "lrelease")


class PackageError(Exception):
    """The zip cannot be built: the message says what is wrong and what to do."""


def read_metadata(path: Path = ROOT / "metadata.txt") -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive (qgisMinimumVersion)
    parser.read(path, encoding="utf-8")
    return dict(parser["general"])


def check_metadata(metadata: dict[str, str]) -> str:
    """The plugin version, once metadata.txt is complete and agrees with ``__version__``."""
    missing = [key for key in REQUIRED_METADATA if not metadata.get(key, "").strip()]
    if missing:
        raise PackageError(f"metadata.txt lacks {', '.join(missing)}.")
    init = (ROOT / PLUGIN / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r'^__version__ = "([^"]+)"', init, re.MULTILINE)
    version = metadata["version"]
    if match is None or match.group(1) != version:
        raise PackageError(
            f"metadata.txt says version {version} but {PLUGIN}/__init__.py says "
            f"{match.group(1) if match else 'nothing'}; make them agree."
        )
    return version


def find_lrelease(explicit: str | None = None) -> str:
    for candidate in (explicit, os.environ.get("LRELEASE"), *LRELEASE_CANDIDATES):
        if candidate and (found := shutil.which(candidate)):
            return found
    raise PackageError(
        "lrelease is missing (it compiles the translations): install Debian's qttools5-dev-tools "
        "(`make setup` does) or pass --lrelease PATH."
    )


def compile_translations(ts_dir: Path, qm_dir: Path, lrelease: str) -> list[Path]:
    """Compile every ``*.ts`` in ``ts_dir`` into ``qm_dir``; returns the .qm files."""
    qm_dir.mkdir(parents=True, exist_ok=True)
    built = []
    for ts in sorted(ts_dir.glob("*.ts")):
        qm = qm_dir / (ts.stem + ".qm")
        result = subprocess.run(
            [lrelease, "-silent", "-removeidentical", str(ts), "-qm", str(qm)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0 or not qm.is_file():
            raise PackageError(f"lrelease could not compile {ts.name}: {result.stderr.strip()}")
        built.append(qm)
    return built


def _vendor_readme(vendored: list[Vendored]) -> str:
    lines = [
        "Third-party packages bundled with FirstLight so the plugin needs no pip install.",
        f"Their imports are rewritten to {PLUGIN}.{VENDOR}.<name> (tools/vendor.py): they cannot",
        "clash with another copy in QGIS's Python or in another plugin. Otherwise unmodified.",
        "",
    ]
    for dist in vendored:
        lines.append(f"{dist.name}=={dist.version}  ({dist.licence})  packages: {', '.join(dist.top_level)}")
        lines += [f"    {licence}" for licence in dist.licence_files]
    return "\n".join(lines) + "\n"


def stage(stage_dir: Path, lrelease: str) -> Path:
    """Lay the plugin folder out under ``stage_dir``; returns ``stage_dir / firstlight_qgis``."""
    metadata = read_metadata()
    check_metadata(metadata)
    target = stage_dir / PLUGIN
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(ROOT / PLUGIN, target, ignore=IGNORED)
    if (target / VENDOR).exists():
        raise PackageError(f"{PLUGIN}/{VENDOR} must not exist in the source tree; remove it.")
    for name in ("metadata.txt", "LICENSE"):
        shutil.copy2(ROOT / name, target / name)
    shutil.copytree(ROOT / "resources", target / "resources", ignore=IGNORED)
    compile_translations(ROOT / "i18n", target / "i18n", lrelease)

    try:
        vendored = vendor_distributions(read_pins(ROOT / "requirements-vendor.txt"), target / VENDOR)
        names = frozenset(name for dist in vendored for name in dist.top_level)
        (target / VENDOR / "__init__.py").write_text(
            '"""Third-party packages bundled with the plugin; see README.txt."""\n', encoding="utf-8"
        )
        (target / VENDOR / "README.txt").write_text(_vendor_readme(vendored), encoding="utf-8")
        rewrite_tree(target, names, f"{PLUGIN}.{VENDOR}")
    except VendorError as error:
        raise PackageError(str(error)) from None

    icon = target / metadata["icon"]
    if not icon.is_file():
        raise PackageError(f"metadata.txt's icon={metadata['icon']} is not in the plugin folder.")
    return target


def write_zip(plugin_dir: Path, zip_path: Path) -> Path:
    """Zip ``plugin_dir`` reproducibly; its folder entry comes first, as QGIS's installer expects."""
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    partial = zip_path.with_name(zip_path.name + ".part")
    base = plugin_dir.parent
    entries = [plugin_dir, *sorted(plugin_dir.rglob("*"), key=lambda p: p.relative_to(base).as_posix())]
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in entries:
            name = path.relative_to(base).as_posix()
            if path.is_dir():
                info = zipfile.ZipInfo(name + "/", ZIP_DATE)
                info.external_attr = (0o40755 << 16) | 0x10
                archive.writestr(info, b"")
            else:
                info = zipfile.ZipInfo(name, ZIP_DATE)
                info.external_attr = 0o100644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
    partial.replace(zip_path)
    return zip_path


def build(dist_dir: Path, stage_dir: Path, lrelease: str | None = None) -> Path:
    version = check_metadata(read_metadata())
    plugin_dir = stage(stage_dir, find_lrelease(lrelease))
    return write_zip(plugin_dir, dist_dir / f"{PLUGIN}-{version}.zip")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", help="folder for the zip (dist/)")
    parser.add_argument("--stage", type=Path, default=ROOT / "build", help="staging folder (build/)")
    parser.add_argument("--lrelease", help="the lrelease program (default: found on PATH)")
    args = parser.parse_args(argv)
    try:
        print(build(args.dist.resolve(), args.stage.resolve(), args.lrelease))
    except PackageError as error:
        print(f"package: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
