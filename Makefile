# GridDesk: `make run` starts the live demo, `make test` runs the whole suite headless.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
VAR := var
DEMO_DB := $(VAR)/server.db
API_PORT ?= 8808
JT808_PORT ?= 8809

.PHONY: run test venv demo translations lint clean postgres server simulator client display-libs

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

# Qt's X11 platform plugin needs these libraries (soname:Debian package); a
# fresh Debian 12 desktop lacks some of them and the client would not start.
# Checked only when the client will open a real window (a display, and Qt
# not told to run offscreen); as root they are installed, otherwise the
# message says what to install.
X_LIBS := libxcb-cursor.so.0:libxcb-cursor0 libxcb-icccm.so.4:libxcb-icccm4 libxcb-image.so.0:libxcb-image0 \
	libxcb-keysyms.so.1:libxcb-keysyms1 libxcb-randr.so.0:libxcb-randr0 libxcb-render-util.so.0:libxcb-render-util0 \
	libxcb-shape.so.0:libxcb-shape0 libxcb-xkb.so.1:libxcb-xkb1 libxkbcommon-x11.so.0:libxkbcommon-x11-0 \
	libX11-xcb.so.1:libx11-xcb1 libEGL.so.1:libegl1 libGL.so.1:libgl1 libfontconfig.so.1:libfontconfig1 \
	libdbus-1.so.3:libdbus-1-3

display-libs:
	@if [ -n "$$DISPLAY$$WAYLAND_DISPLAY" ] && [ "$$QT_QPA_PLATFORM" != offscreen ]; then \
	  missing=""; \
	  for pair in $(X_LIBS); do \
	    /sbin/ldconfig -p | grep -q "$${pair%%:*} " || missing="$$missing $${pair##*:}"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	      echo "Installing the X libraries the client's window needs:$$missing"; \
	      (apt-get update -qq && apt-get install -y -qq $$missing) || \
	        { echo "Could not install them. Run: sudo apt-get install$$missing"; exit 1; }; \
	    else \
	      echo "The client's window needs X libraries that are missing. Run: sudo apt-get install$$missing"; \
	      echo "(or start it windowless: QT_QPA_PLATFORM=offscreen make run)"; exit 1; \
	    fi; \
	  fi; \
	fi

# One command: server (API + JT/T 808 gateway), simulator and client on loopback.
# The client is a real window when a display exists; on a headless machine set
# QT_QPA_PLATFORM=xcb under xvfb-run, or leave offscreen to run it windowless.
run: venv $(DEMO_DB) display-libs
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
