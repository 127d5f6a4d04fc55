# Two commands for a newcomer: `make demo` and `make test`. Each sets itself up (.venv from the lock).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# uv: $(PYTHON)'s own, else one in a venv of its own. Debian 12's python3 refuses `pip install uv`
# (externally managed), which stopped `make demo` at its first line on a fresh Debian.
UV_VENV := .venv-uv
UV := $(shell $(PYTHON) -m uv --version >/dev/null 2>&1 && echo "$(PYTHON) -m uv" || echo "$(UV_VENV)/bin/uv")

.PHONY: demo test lint typecheck check lock clean uv

uv:
	@$(UV) --version >/dev/null 2>&1 || { $(PYTHON) -m venv $(UV_VENV) && $(UV_VENV)/bin/pip install --quiet uv; }

$(STAMP): requirements.lock pyproject.toml | uv
	@test -x $(BIN)/python || $(UV) venv --quiet --python 3.11 $(VENV)
	$(UV) pip install --quiet --python $(BIN)/python -r requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)

## demo: build the demo database and run the whole pipeline on embedded defaults
demo: $(STAMP)
	$(BIN)/synthpipe demo

## test: the whole test suite; integration tests start their own PostgreSQL and S3 servers on 127.0.0.1
test: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check synthpipe tests examples benchmarks
	$(BIN)/ruff format --check synthpipe tests examples benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

## lock: re-resolve requirements.lock after changing dependencies in pyproject.toml
lock: uv
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml --extra postgres --extra s3 \
		--extra airflow --extra dev -o requirements.lock

clean:
	rm -rf synthpipe-output .pytest_cache .mypy_cache .ruff_cache

-include benchmarks/bench.mk
