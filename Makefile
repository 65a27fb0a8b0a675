# GridDesk: `make run` starts the live demo, `make test` runs the whole suite headless.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
VAR := var
DEMO_DB := $(VAR)/server.db
API_PORT ?= 8808
JT808_PORT ?= 8809

.PHONY: run test venv demo translations lint clean postgres server simulator client

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

translations: venv
	$(VENV)/bin/pyside6-lrelease resources/translations/griddesk_zh_CN.ts -qm resources/translations/griddesk_zh_CN.qm

# The demo district is generated, not shipped as a blob: Dongcheng cut into 万米 cells.
$(DEMO_DB): | venv
	mkdir -p $(VAR)
	$(PY) -m server.demo resources/districts/110101.geojson --db sqlite:///$(DEMO_DB)

demo: $(DEMO_DB)

# PostgreSQL runs on these machines; start it if something stopped it.
postgres:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
	  (command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start) || true

# One command: server (API + JT/T 808 gateway), simulator and client on loopback.
# The client is a real window when a display exists; on a headless machine set
# QT_QPA_PLATFORM=xcb under xvfb-run, or leave offscreen to run it windowless.
run: venv $(DEMO_DB)
	$(PY) -m server.launch --db sqlite:///$(DEMO_DB) --api-port $(API_PORT) --jt808-port $(JT808_PORT)

test: venv postgres
	$(PY) -m ruff check core app server benchmarks dbschema tests main.py
	$(PY) -m mypy core app server benchmarks dbschema main.py
	$(VENV)/bin/lint-imports
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider

lint: venv
	$(PY) -m ruff check core app server benchmarks dbschema tests main.py
	$(PY) -m mypy core app server benchmarks dbschema main.py
	$(VENV)/bin/lint-imports

clean:
	rm -rf $(VAR) $(VENV)

# The acceptance drill on the wall clock: the client's network cut for
# MINUTES real minutes while the simulator drives; prints the evidence
# (fixes during the cut, largest gap per vehicle) and fails on a hole.
MINUTES ?= 10
.PHONY: outage-drill
outage-drill: venv
	$(PY) -m tests.e2e.outage_drill --minutes $(MINUTES)
