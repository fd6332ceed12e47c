# The two commands a newcomer needs: `make run` and `make test`. Everything else is their setup.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LOCALES := $(wildcard hotline/locale/*/LC_MESSAGES/messages.po)
CATALOGS := $(LOCALES:.po=.mo)

.PHONY: run test setup check lint typecheck pytest bench clean

run: setup
	$(BIN)/hotline db upgrade
	$(BIN)/hotline demo
	$(BIN)/hotline serve

test: setup check pytest

setup: $(INSTALLED) $(CATALOGS)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

%.mo: %.po $(INSTALLED)
	$(BIN)/pybabel compile --use-fuzzy --input-file $< --output-file $@

check: lint typecheck

lint: setup
	$(BIN)/ruff check hotline tickets ivr tests benchmarks
	$(BIN)/ruff format --check hotline tickets ivr tests benchmarks

typecheck: setup
	$(BIN)/mypy

pytest: setup
	$(BIN)/pytest

bench: setup
	$(BIN)/python benchmarks/sla_sweep.py
	$(BIN)/python benchmarks/api_create.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache hotline/locale/*/LC_MESSAGES/*.mo
