# FirstLight for QGIS. Every target sets up what it needs (tools/bootstrap.sh) on a fresh
# Debian 12 or 13 machine, so `make demo` and `make test` are the only commands a user needs.
VENV    ?= .venv
PYTHON  := $(VENV)/bin/python
PYTEST  := $(PYTHON) -m pytest
DEMO_OUT ?= $(CURDIR)/demo-output
export QT_QPA_PLATFORM ?= offscreen

.PHONY: setup test test-unit test-integration lint demo clean

setup:
	@bash tools/bootstrap.sh

## Run every test: the headless core without QGIS, then the QGIS-side tests.
test: setup
	$(PYTEST) -p no:qgis tests/unit tests/integration

test-unit: setup
	$(PYTEST) -p no:qgis tests/unit

test-integration: setup
	$(PYTEST) -p no:qgis tests/integration

lint: setup
	$(VENV)/bin/ruff check firstlight_qgis tests tools

## Discover and ingest the bundled offline sample (no network); prints where the outputs are.
demo: setup
	$(PYTHON) tools/demo.py --output "$(DEMO_OUT)"

clean:
	rm -rf $(VENV) demo-output .pytest_cache
