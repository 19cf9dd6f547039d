# The two commands of README.md:  make demo  (install, run the demo)  ·  make test  (install, run every check)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CASES  ?= 16
# Debian's Chromium: the dashboard's browser tests drive it and the monthly report prints with it
CHROMIUM ?= /usr/bin/chromium
# The PostgreSQL server the tests use (tests/conftest.py); with CI=true it must be there
PG_HOST ?= 127.0.0.1
PG_PORT ?= 5432

.PHONY: demo test lint prerequisites bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/fengqiao demo --cases $(CASES)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# What the machine must have (Python 3.11+, Chromium and a CJK font, PostgreSQL when CI=true), checked
# before anything is installed: apt-get installs what it can (as root, or through sudo), the rest is named.
prerequisites:
	@PYTHON=$(PYTHON) CHROMIUM=$(CHROMIUM) PG_HOST=$(PG_HOST) PG_PORT=$(PG_PORT) bash .ci/prerequisites

test: prerequisites
	@$(MAKE) --no-print-directory lint
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/pipeline.py

clean:
	rm -rf $(VENV) .fengqiao
