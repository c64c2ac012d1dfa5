# Two commands on a fresh machine:  `make run` (the app on the local workbook) and
# `make test` (the whole test suite). Both create the virtualenv on first use.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: run test test-fast bench lint chromium check

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(PY) -m streamlit run app.py --server.port $(PORT) --browser.gatherUsageStats false

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed and not root: browser tests will be skipped"; fi; }

test: $(VENV)/.installed chromium check
	RRSS_BCRYPT_ROUNDS=4 $(PY) -m pytest

# The layers (import-linter contracts in pyproject.toml), the types of core/ and the style.
check: $(VENV)/.installed
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(VENV)/bin/ruff check .

test-fast: $(VENV)/.installed
	RRSS_BCRYPT_ROUNDS=4 $(PY) -m pytest -m "not e2e"

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
