"""``make screenshot``: the real QGIS window with FirstLight after an ingest of the bundled sample.

Starts ``qgis`` (Debian's, on an X display: run under ``xvfb-run`` on a server; without a DISPLAY
this script re-runs itself under ``xvfb-run``) in a throwaway profile where the plugin is installed
and enabled, from the plugin zip (``--zip``, what ``make package`` builds; without it this script
builds one from the checkout with ``tools/package.py``).
``tools/screenshot_driver.py`` then drives the dock inside QGIS and saves the PNG.

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python tools/screenshot.py --zip <plugin zip>
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).resolve().with_name("screenshot_driver.py")
DEFAULT_OUTPUT = ROOT / "docs" / "screenshots" / "firstlight-dock.png"
PLUGIN = "firstlight_qgis"
SIZE = "1600x1200"

# A fresh profile: the plugin enabled, no version check, no tips, no news.
SETTINGS = f"""[PythonPlugins]
{PLUGIN}=true

[qgis]
checkVersion=false
showTips322=false
showTips=false
newProjectDefault=false

[core]
NewsFeed\\\\httpsfeedqgisorg\\\\disabled=true

[app]
LocaleSelectorInitialized=true
"""


def _build_zip(work: Path) -> Path:
    """The plugin zip of this checkout, built as ``make package`` builds it."""
    command = [sys.executable, str(ROOT / "tools" / "package.py"), "--dist", str(work / "dist")]
    built = subprocess.run([*command, "--stage", str(work / "build")], capture_output=True, text=True)
    if built.returncode != 0:
        raise SystemExit(f"tools/package.py failed:\n{built.stdout}{built.stderr}")
    return Path(built.stdout.strip().splitlines()[-1])


def _install(plugins: Path, zip_path: Path) -> None:
    """Unpack the plugin zip into a profile's plugins folder, as "Install from ZIP" does."""
    plugins.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(plugins)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zip", type=Path, help="the plugin zip to install (default: build one)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="the PNG to write")
    parser.add_argument("--qgis", default=shutil.which("qgis") or "qgis", help="the QGIS program")
    parser.add_argument("--timeout", type=float, default=240.0, help="seconds before giving up")
    parser.add_argument("--keep", action="store_true", help="keep the temporary profile and outputs")
    args = parser.parse_args(argv)

    if not os.environ.get("DISPLAY"):
        xvfb = shutil.which("xvfb-run")
        if xvfb is None:
            print("No DISPLAY and no xvfb-run: install Debian's xvfb package.", file=sys.stderr)
            return 2
        command = [
            xvfb,
            "-a",
            "-s",
            f"-screen 0 {SIZE}x24",
            sys.executable,
            __file__,
            *(argv or sys.argv[1:]),
        ]
        return subprocess.call(command)

    work = Path(tempfile.mkdtemp(prefix="firstlight-screenshot-"))
    try:
        profile = work / "profiles" / "default"
        _install(profile / "python" / "plugins", args.zip or _build_zip(work))
        env = dict(os.environ)
        (profile / "QGIS").mkdir(parents=True, exist_ok=True)
        (profile / "QGIS" / "QGIS3.ini").write_text(SETTINGS, encoding="utf-8")
        status = work / "status.txt"
        output = args.output.resolve()
        env.update(
            QT_QPA_PLATFORM="xcb",  # a real window on the (virtual) display, not offscreen
            FIRSTLIGHT_SCREENSHOT=str(output),
            FIRSTLIGHT_SAMPLE=str(ROOT / "resources" / "sample"),
            FIRSTLIGHT_OUTPUT=str(work / "out"),
            FIRSTLIGHT_STATUS=str(status),
            FIRSTLIGHT_SIZE=SIZE,
        )
        command = [
            args.qgis,
            "--profiles-path",
            str(work),
            "--profile",
            "default",
            "--nologo",
            "--noversioncheck",
            "--code",
            str(DRIVER),
        ]
        try:
            run = subprocess.run(command, env=env, timeout=args.timeout, capture_output=True, text=True)
            log = run.stdout + run.stderr
        except subprocess.TimeoutExpired as expired:
            output_so_far = f"{expired.stdout or ''}{expired.stderr or ''}"
            log = f"QGIS did not finish within {args.timeout:.0f} s\n{output_so_far}"
        result = status.read_text(encoding="utf-8") if status.is_file() else "error: QGIS ended early"
        if result != "ok" or not output.is_file():
            print(f"The screenshot failed: {result}", file=sys.stderr)
            print(log[-4000:], file=sys.stderr)
            return 1
        print(output)
        return 0
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
