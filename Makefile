# Community Pulse — every target builds its own virtualenv in .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint typecheck unit run bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.app

demo: $(VENV)/.app          ## synthetic community on SQLite (pulse.db), report in out/
	$(BIN)/pulse demo

test: lint typecheck unit   ## ruff, mypy and pytest (PostgreSQL too when PULSE_TEST_DATABASE_URL is set)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint Dockerfile

typecheck: $(VENV)/.dev
	$(BIN)/mypy

unit: $(VENV)/.dev
	$(BIN)/pytest

run: $(VENV)/.app           ## the bot (needs Slack tokens, see README)
	$(BIN)/pulse run

bench: $(VENV)/.dev         ## benchmarks from bench/, printing their figures
	$(BIN)/python -m bench.bench_import
	$(BIN)/python -m bench.bench_report
	$(BIN)/python -m bench.bench_live

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache
