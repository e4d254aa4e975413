# Every target bootstraps .venv from nothing; `make serve` and `make test` are all a new user needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: serve test lint format bench build clean lock system-deps

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

# Debian packages the browser tests, the backend tests and benchmarks need (Chromium, its
# driver, Virtuoso Open Source as a remote SPARQL store, wrk).
system-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! command -v wrk >/dev/null || ! command -v virtuoso-t >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver wrk virtuoso-opensource >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver wrk virtuoso-opensource >/dev/null; fi; \
	fi

build: $(STAMP)
	$(BIN)/poagraph build

serve: $(STAMP)
	$(BIN)/poagraph serve

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts

format: $(STAMP)
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest

bench: $(STAMP) system-deps
	$(BIN)/python -m bench suite

# Regenerate the pinned lock file after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/python -m pip install -q uv
	$(BIN)/uv pip compile pyproject.toml --extra test --extra bench -o requirements.lock --python-version 3.11

clean:
	rm -rf var build
