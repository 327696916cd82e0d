# civgeo: `make run` sets everything up and serves the API; `make test` passes the tests.
# Every target installs what it needs and is safe to run again.

SHELL := /bin/bash
.DEFAULT_GOAL := run
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
CIVGEO := $(VENV)/bin/civgeo
HOST ?= 127.0.0.1
PORT ?= 8000
# `make run REPLICAS=1`: public lookups read from that many streaming replicas of the
# embedded cluster (made once, started with the cluster); WORKERS API processes.
REPLICAS ?= 0
WORKERS ?= 1
# QR codes printed by `make run` open the plate pages of the server it starts.
export CIVGEO_PUBLIC_URL ?= http://$(HOST):$(PORT)
# Debian packages: the database server with PostGIS and pgRouting, GDAL tools, and npm
# (the offline map and API-docs assets are fetched from the npm registry), and Chromium
# for the tests that open maps in a real headless browser.
# A CJK font (fonts-wqy-zenhei) so printed registers and reports show Chinese text.
# Packages checked by name; tools checked by command (npm may come with a Node.js that was
# not installed from Debian, and installing Debian's npm over it would conflict).
DEB_PACKAGES := postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting fonts-wqy-zenhei
DEB_COMMANDS := ogr2ogr:gdal-bin npm:npm chromium:chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test bench bench-ogc soak fixtures deps venv assets db stop status lint clean

run: deps venv assets db fixtures  ## install, start the database, load the sample data, serve
	$(CIVGEO) map overview --out maps-out
	$(CIVGEO) map coverage 420103 --out maps-out
	$(CIVGEO) map coverage 430202 --only coverage --only indicators --out maps-out
	$(CIVGEO) map boundary 株衡线 --out maps-out
	$(CIVGEO) map road 三条巷 --out maps-out/road-三条巷.html
	$(CIVGEO) plates qr-sheet 1 --out maps-out/qr-sheet-campaign-1.html
	@echo "serving on http://$(HOST):$(PORT)  (health: /health, docs: /docs, staff: /app/, field app for phones: /field/); Ctrl-C stops the API, the database keeps running (make stop)"
	@if [ $(REPLICAS) -gt 0 ]; then $(CIVGEO) db replica ensure $(REPLICAS) && \
	  export DATABASE_URL_READ="$$($(CIVGEO) db replica urls)"; fi; \
	  $(CIVGEO) serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

test: deps venv assets db  ## the test suite, on its own database of the same server
	$(CIVGEO) fixtures fetch
	$(VENV)/bin/python -m pytest -q

bench: deps venv db fixtures  ## speed and memory figures (not part of `make test`)
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(VENV)/bin/python -m tests.benchmarks

# Only the OGC API figures against tipg and pygeoapi (installed from PyPI on first use into
# .civgeo/peers/), e.g. make bench-ogc OGC_ARGS="--seconds 6 --ogr-timeout 60"
bench-ogc: deps venv db fixtures  ## OGC API items and ogr2ogr, civgeo vs tipg and pygeoapi
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(VENV)/bin/python -m tests.benchmarks.ogc_peers $(OGC_ARGS)

# e.g. make soak SOAK_ARGS="--seconds 120 --clients 32"
soak: deps venv  ## load + kill -9 of the database on a private cluster and port (not part of `make test`)
	$(VENV)/bin/python -m tests.soak $(SOAK_ARGS)

fixtures: deps venv db  ## fetch the registry data and load the sample cities
	$(CIVGEO) fixtures fetch
	$(CIVGEO) fixtures load

deps:  ## Debian packages, installed only when missing
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	for cp in $(DEB_COMMANDS); do \
	  command -v $${cp%%:*} >/dev/null || missing="$$missing $${cp#*:}"; \
	done; \
	$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	@[ -n "$(PYTHON)" ] || { echo "Python 3.11 or newer is needed"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

assets: deps venv  ## Leaflet, folium's plugins and Swagger UI, served locally (no CDN)
	$(CIVGEO) assets fetch

db: venv  ## start the embedded PostGIS (or check DATABASE_URL) and migrate
	$(CIVGEO) db up

stop:  ## stop the embedded database (its data stays)
	$(CIVGEO) db down

status:
	$(CIVGEO) db status

lint: venv
	$(VENV)/bin/ruff check geo api maps fixtures tests

clean: stop  ## remove the venv and ALL local data, database included
	rm -rf $(VENV) .civgeo maps-out
