#!/usr/bin/env bash
# Set up everything FirstLight needs on a fresh Debian 12 or 13 machine, idempotently:
# Debian's QGIS and GDAL, then a venv on Debian's /usr/bin/python3 that sees them
# (--system-site-packages) with the pinned packages of requirements-dev.txt.
# qttools5-dev-tools gives lrelease, which compiles i18n/*.ts into the .qm the plugin zip carries.
set -euo pipefail
cd "$(dirname "$0")/.."
. tools/apt.sh
VENV=${VENV:-.venv}
APT_PACKAGES=(qgis python3-qgis qgis-providers gdal-bin python3-gdal python3-venv python3-numpy
              qttools5-dev-tools xvfb xauth)
# With --servers (the tests and the benchmark): nginx and its Lua module, which serve the benchmark
# (make bench) and its harness's smoke test on loopback. Debian 13 has one nginx package where
# Debian 12 has flavours. Its service is not started (the tests start their own on a free port).
SERVERS=()
if [ "${1:-}" = "--servers" ]; then
  if apt-cache show nginx-light >/dev/null 2>&1; then NGINX=nginx-light; else NGINX=nginx; fi
  SERVERS=("$NGINX" libnginx-mod-http-lua)
fi

missing_of() {
  missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ] && [ "$(id -u)" -ne 0 ]; then
    echo "FirstLight needs these Debian packages: ${missing[*]}; run this as root or: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
}
missing_of "${APT_PACKAGES[@]}"
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  apt_install "${missing[@]}"
fi
missing_of "${SERVERS[@]}"
if [ ${#missing[@]} -gt 0 ]; then
  echo "Installing Debian packages: ${missing[*]} (their service is not started)"
  apt_install_stopped "${missing[@]}"
fi

stamp="$VENV/.bootstrap-$(cat requirements-vendor.txt requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  [ -x "$VENV/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$VENV"
  # Keep the system numpy: GDAL's and QGIS's bindings are built against it.
  /usr/bin/python3 -c "import numpy; print('numpy==' + numpy.__version__)" > "$VENV/constraints.txt"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    -c "$VENV/constraints.txt" -r requirements-dev.txt
  # The packages the plugin zip bundles come from PyPI's wheels in the venv, never from a Debian
  # python3-* package that happens to have the same version: `make package` copies them from here.
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps --ignore-installed \
    -r requirements-vendor.txt
  "$VENV/bin/python" -c "import numpy, osgeo.gdal, qgis.core, pystac_client" \
    || { echo "The venv cannot import numpy, GDAL, QGIS and pystac-client together" >&2; exit 1; }
  rm -f "$VENV"/.bootstrap-*
  touch "$stamp"
fi
