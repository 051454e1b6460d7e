PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CONFIG ?= factwatch.yaml

.PHONY: run test lint bench bench-peers demo docs clean

$(BIN)/factwatch: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/factwatch
	$(BIN)/factwatch --config $(CONFIG) run

test: $(BIN)/factwatch
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto

lint: $(BIN)/factwatch
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

demo: $(BIN)/factwatch
	$(BIN)/factwatch demo

bench: $(BIN)/factwatch
	$(BIN)/python -m bench

PEERS := .venv-peers

$(PEERS)/bin/urlwatch:
	$(PYTHON) -m venv $(PEERS)
	$(PEERS)/bin/pip install --quiet 'urlwatch==2.29'

bench-peers: $(BIN)/factwatch $(PEERS)/bin/urlwatch
	$(BIN)/python -m bench.peers --urlwatch $(PEERS)/bin/urlwatch

docs: $(BIN)/factwatch
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) $(PEERS) build site *.egg-info .pytest_cache .mypy_cache .ruff_cache
