# The two commands of README.md:  make demo  (install, run the demo)  ·  make test  (install, run every check)
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CASES  ?= 16
# Debian's Chromium: the dashboard's browser tests drive it and the monthly report prints with it
CHROMIUM ?= /usr/bin/chromium
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint bench clean

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

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "install Chromium (Debian: chromium) at $(CHROMIUM)"; exit 1; }
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk

test: lint $(CHROMIUM)
	$(BIN)/pytest

bench: $(VENV)/.installed-dev
	$(BIN)/python benchmarks/pipeline.py

clean:
	rm -rf $(VENV) .fengqiao
