# Two commands (see README): `make run` installs and serves; `make test` installs and runs every test.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-test system-deps lint

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Debian packages for browser tests, CJK text in print pictures, the PostgreSQL + PostGIS
# the store tests start, and QGIS (its Python API, headless) reading the vector tiles
# (root on the CI/dev machines).
system-deps:
	@if [ ! -x /usr/lib/postgresql/15/bin/initdb ] || [ ! -f /usr/share/postgresql/15/extension/postgis.control ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-15-postgis-3 >/dev/null; \
	fi
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-cjk-extra >/dev/null || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi
	@if ! /usr/bin/python3 -c 'import qgis.core' 2>/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-qgis >/dev/null; \
	fi

run: install
	$(VENV)/bin/geoapp serve --host $(HOST) --port $(PORT)

test: install system-deps
	$(VENV)/bin/pytest

lint: install
	$(VENV)/bin/ruff check geoapp scripts tests && $(VENV)/bin/ruff format --check geoapp scripts tests
