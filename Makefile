# Two commands on a fresh machine:  `make run` (the app on the local workbook) and
# `make test` (the whole test suite). Both create the virtualenv on first use.
# `make test` also installs, when missing, what the tests drive: Debian's chromium and
# libreoffice-calc-nogui (as root; otherwise it says so and those tests are skipped) and the
# pinned axe-core of tests/e2e/node (with npm, if there is one).
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501
E2E_NODE := tests/e2e/node

.PHONY: run test test-fast bench lint chromium libreoffice e2e-node check live-check

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# The demo ledger is made only here, when asked for: a mistyped RRSS_WORKBOOK in
# production never becomes a new ledger (the app refuses to open a missing one).
run: $(VENV)/.installed
	$(PY) cli.py demo --si-no-existe
	$(PY) -m streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

# $(call apt_install,command,package,what is skipped without it)
define apt_install
	@command -v $(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else echo "$(1) not installed and not root: $(3) will be skipped"; fi; }
endef

chromium:
	$(call apt_install,chromium,chromium,browser tests)

libreoffice:
	$(call apt_install,soffice,libreoffice-calc-nogui,LibreOffice re-save tests)

# axe-core for the accessibility tests, at the version package-lock.json pins.
e2e-node: $(E2E_NODE)/node_modules/.package-lock.json

$(E2E_NODE)/node_modules/.package-lock.json: $(E2E_NODE)/package.json $(E2E_NODE)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix $(E2E_NODE) --no-audit --no-fund --loglevel=error; \
	else echo "npm not installed: accessibility tests will be skipped"; fi

test: $(VENV)/.installed chromium libreoffice e2e-node check
	RRSS_BCRYPT_ROUNDS=4 $(PY) -m pytest

# The layers (import-linter contracts in pyproject.toml), the types of core/ and the style.
check: $(VENV)/.installed
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/ruff check .

test-fast: $(VENV)/.installed
	RRSS_BCRYPT_ROUNDS=4 $(PY) -m pytest -m "not e2e and not office"

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py

# The contract suite against a real Google Sheet, its traffic recorded for the stand-in's
# conformance replay (tests/live_check.py; README, Google Sheets). Needs
# RRSS_LIVE_SHEETS_ID and RRSS_SERVICE_ACCOUNT_FILE (or _JSON); without them it says so.
live-check: $(VENV)/.installed
	$(PY) tests/live_check.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
