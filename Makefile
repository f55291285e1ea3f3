# Every target sets itself up: a bare machine with Python 3.11+ and make is enough.
SHELL := /bin/bash
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench soak clean schema

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "quizbot needs Python 3.11 or newer on PATH"; exit 1; }
	@echo "Creating $(VENV) with $(PYTHON)..."
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	@echo "Installing quizbot and its dependencies into $(VENV) (about a minute the first time)..."
	@$(BIN)/pip install --quiet --progress-bar on -e .
	@touch $@

$(VENV)/.dev-deps: pyproject.toml | $(BIN)/python
	@echo "Installing quizbot with its test tools into $(VENV) (a minute or two the first time)..."
	@$(BIN)/pip install --quiet --progress-bar on -e '.[dev]'
	@touch $@ $(VENV)/.run-deps

run: $(VENV)/.run-deps
	$(BIN)/quizbot run

lint: $(VENV)/.dev-deps
	$(BIN)/ruff check bot tests $(wildcard bench)
	$(BIN)/mypy bot

test: lint
	$(BIN)/pytest

schema: $(VENV)/.run-deps
	$(BIN)/quizbot questions schema --write questions/schema.json

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

bench: $(VENV)/.dev-deps
	$(BIN)/python bench/run.py

soak: $(VENV)/.dev-deps
	QUIZBOT_CRASH_KILLS=300 $(BIN)/pytest tests/reliability -q -s
