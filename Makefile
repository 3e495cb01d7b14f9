# FirstLight for QGIS. Every target sets up what it needs (tools/bootstrap.sh) on a fresh
# Debian 12 or 13 machine, so `make demo` and `make test` are the only commands a user needs.
VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
PYTEST  := $(PYTHON) -m pytest
DEMO_OUT ?= $(CURDIR)/demo-output
export QT_QPA_PLATFORM ?= offscreen

# Debian 12's /usr/bin/qgis_process is a shell wrapper that passes --noversioncheck, an option
# qgis_process rejects; the real program beside it is qgis_process.bin. Use that when it exists.
# (Recursive `?=`: looked up when a recipe runs, after `setup` has installed QGIS.)
QGIS_PROCESS ?= $(shell command -v qgis_process.bin || command -v qgis_process)
# lrelease compiles i18n/*.ts into .qm (Debian's qttools5-dev-tools, 12 and 13: /usr/lib/qt5/bin).
LRELEASE ?= $(shell command -v /usr/lib/qt5/bin/lrelease || command -v lrelease-qt5 || command -v lrelease)
export QGIS_PROCESS LRELEASE

VERSION := $(shell sed -n 's/^version=//p' metadata.txt)
ZIP     := dist/firstlight_qgis-$(VERSION).zip
LANGS   := fr
# `make deploy` installs into this QGIS profile (QGIS's default location for the user running make).
QGIS_CONFIG ?= $(HOME)/.local/share/QGIS/QGIS3
QGIS_PROFILE ?= default
PLUGINS_DIR := $(QGIS_CONFIG)/profiles/$(QGIS_PROFILE)/python/plugins
# `make demo` installs the zip into a throwaway QGIS profile here, never into the user's own.
DEMO_DIR  := $(abspath $(DEMO_OUT))
DEMO_QGIS := $(DEMO_DIR)/.qgis-profile
SAMPLE  := $(CURDIR)/resources/sample

.PHONY: setup setup-servers test test-debian13 test-unit test-integration test-packaging test-qgis test-urllib3-2 lint demo demo-python \
        package deploy i18n i18n-update screenshot bench bench-compare reliability clean

setup:
	@bash tools/bootstrap.sh

## setup, plus nginx for the tests and the benchmark (its service left stopped).
setup-servers:
	@bash tools/bootstrap.sh --servers

## Run every test: the headless core without QGIS, the zip under qgis_process, then the QGIS-side
## tests, and the network paths once more under the other urllib3.
test: setup-servers
	$(PYTEST) -p no:qgis tests/unit tests/integration tests/packaging tests/reliability
	$(PYTEST) tests/qgis tests/gui
	$(MAKE) --no-print-directory test-urllib3-2

## The integration and reliability tests under urllib3 2.3.0, the version Debian 13 ships beside
## QGIS 3.40 (Debian 12 ships 1.26, the project venv's): a venv of the project venv's packages
## and that urllib3 alone. (On Debian 13 this repeats what `test` ran.)
URLLIB3_2 := $(VENV)-urllib3-2
test-urllib3-2: setup-servers
	@test -x $(URLLIB3_2)/bin/python || /usr/bin/python3 -m venv --system-site-packages $(URLLIB3_2)
	@echo "import site; site.addsitedir('$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_path("purelib"))')')" \
	  > "$$($(URLLIB3_2)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/project-venv.pth"
	$(URLLIB3_2)/bin/python -m pip install -q --disable-pip-version-check --no-deps urllib3==2.3.0
	$(URLLIB3_2)/bin/python -c "import urllib3, requests; assert urllib3.__version__ == '2.3.0', urllib3.__file__"
	PATH="$(abspath $(VENV))/bin:$$PATH" $(URLLIB3_2)/bin/python -m pytest -p no:qgis tests/integration tests/reliability

## `make test` again on Debian 13 (QGIS 3.40, Python 3.13, GDAL 3.10, numpy 2), from this Debian machine,
## in a Debian 13 root made by debootstrap in build/debian13 (root only; see tools/debian13.sh).
test-debian13:
	@bash tools/debian13.sh test

test-unit: setup
	$(PYTEST) -p no:qgis tests/unit

test-integration: setup-servers
	$(PYTEST) -p no:qgis tests/integration

## The plugin zip installed into a fresh profile and driven through qgis_process (no QGIS in-process).
test-packaging: setup
	$(PYTEST) -p no:qgis tests/packaging

test-qgis: setup
	$(PYTEST) tests/qgis tests/gui

lint: setup
	$(VENV)/bin/ruff check firstlight_qgis tests tools

## The plugin zip for "Install from ZIP" and the plugin repository: dist/firstlight_qgis-<version>.zip.
package: setup
	$(PYTHON) tools/package.py --dist dist --stage build

## Compile the translations in place (i18n/*.qm) for a checkout; `package` compiles its own copy.
i18n: setup
	@test -n "$(LRELEASE)" || { echo "lrelease is missing: install qttools5-dev-tools" >&2; exit 1; }
	@for ts in i18n/*.ts; do "$(LRELEASE)" -silent -removeidentical "$$ts" || exit 1; done
	@ls i18n/*.qm

## Refresh i18n/firstlight_<lang>.ts from the plugin's tr()/translate() strings (tools/i18n.py keeps
## the translations, adds new strings unfinished), then translate them (Qt Linguist or by hand).
i18n-update: setup
	$(PYTHON) tools/i18n.py update $(foreach lang,$(LANGS),i18n/firstlight_$(lang).ts)

## Install the zip into your QGIS profile for development (QGIS_CONFIG, QGIS_PROFILE) and enable
## it; restart QGIS to load it. What a user's "Install from ZIP" does, from the same zip.
deploy: package
	rm -rf "$(PLUGINS_DIR)/firstlight_qgis"
	$(PYTHON) -m zipfile -e "$(ZIP)" "$(PLUGINS_DIR)"
	@if [ "$(QGIS_PROFILE)" = default ]; then \
	  QGIS_CUSTOM_CONFIG_PATH="$(QGIS_CONFIG)" "$(QGIS_PROCESS)" plugins enable firstlight_qgis >/dev/null; \
	else echo "Enable FirstLight in QGIS's Plugin Manager (qgis_process only enables in the default profile)"; fi
	@echo "Installed $(ZIP) into $(PLUGINS_DIR)/firstlight_qgis"

## The README's main command: what a server admin does with the zip, on the bundled offline sample
## (no network): unpack it into a fresh QGIS profile, enable it, run firstlight:ingest headless.
## The profile is a throwaway one under DEMO_OUT, never your own.
demo: package
	@test -n "$(QGIS_PROCESS)" || { echo "qgis_process is missing: install Debian's qgis package" >&2; exit 1; }
	@rm -rf "$(DEMO_QGIS)" && mkdir -p "$(DEMO_QGIS)/profiles/default/python/plugins"
	$(PYTHON) -m zipfile -e "$(ZIP)" "$(DEMO_QGIS)/profiles/default/python/plugins"
	QGIS_CUSTOM_CONFIG_PATH="$(DEMO_QGIS)" "$(QGIS_PROCESS)" plugins enable firstlight_qgis >/dev/null
	QGIS_CUSTOM_CONFIG_PATH="$(DEMO_QGIS)" "$(QGIS_PROCESS)" run firstlight:ingest -- \
	  AREA="$(SAMPLE)/area.geojson" EVENT=flood.riverine START_DATE=2018-12-01 END_DATE=2018-12-31 \
	  CATALOG="$(SAMPLE)/catalog.json" POLYGONS=true OUTPUT_FOLDER="$(DEMO_DIR)"
	@echo; echo "Everything is in $(DEMO_DIR)"

## The same ingest through the headless core in the venv, no QGIS (tools/demo.py).
demo-python: setup
	$(PYTHON) tools/demo.py --output "$(DEMO_OUT)"

## Every network fault, crash, cancel, full disk, concurrent run and hostile input against a full
## six-band ingest (clip and whole scene); prints the results table. Mounts small tmpfs (as root).
reliability: setup
	$(PYTEST) -p no:qgis tests/reliability

## A PNG of the real QGIS window (dock + map) after an ingest of the bundled sample, for the README.
screenshot: package
	xvfb-run -a -s "-screen 0 1600x1200x24" $(PYTHON) tools/screenshot.py --zip $(ZIP)

## FirstLight beside GDAL, odc-stac and stac-asset on a full-size scene served by nginx on loopback
## (README, Performance); writes bench/results/. `make bench BENCH_ARGS=--quick` for a smoke run.
bench: setup-servers
	$(PYTHON) bench/run.py $(BENCH_ARGS)

## This tree against a baseline of itself (a git revision, or a folder holding firstlight_qgis) on
## the bench's scene, in alternating runs: medians, their ratio, a sign test (README, Performance).
BASELINE ?= HEAD
bench-compare: setup-servers
	$(PYTHON) bench/compare.py $(BASELINE) $(COMPARE_ARGS)

clean:
	rm -rf $(VENV) $(URLLIB3_2) demo-output build dist .pytest_cache i18n/*.qm
