# The two commands a newcomer needs: `make run` and `make test`. Everything else is their setup.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
LOCALES := $(wildcard hotline/locale/*/LC_MESSAGES/messages.po)
CATALOGS := $(LOCALES:.po=.mo)

.PHONY: run test setup browser telephony-tools check lint typecheck pytest bench schemathesis clean

# Demo mode: with no HOTLINE_AMI_URL the built-in Asterisk simulator puts calls through.
run: setup
	$(BIN)/hotline db upgrade
	$(BIN)/hotline demo
	HOTLINE_SIMULATOR=$${HOTLINE_SIMULATOR:-on} $(BIN)/hotline serve

test: setup browser telephony-tools check pytest

setup: $(INSTALLED) $(CATALOGS)

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

%.mo: %.po $(INSTALLED)
	$(BIN)/pybabel compile --use-fuzzy --input-file $< --output-file $@

# The console's browser tests drive Debian's Chromium (with CJK fonts, or Chinese shows as
# boxes). Installed when missing and we may; otherwise those tests say why they skip.
browser:
	@if [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; \
	else echo "NOTE: chromium or fonts-noto-cjk missing and not root: browser tests will skip"; fi

# The live tests (tests/live) run the real Asterisk of ../shared/asterisk/ on our configuration:
# it links against libsrtp2; sipp (sip-tester) plays the phones and callers; sox makes the
# prompts (espeak-ng renders those the utility has not recorded); docker-compose checks
# docker-compose.yml (it parses the file, no Docker engine needed). Installed when missing and we
# may; otherwise those tests say why they skip.
TELEPHONY_PACKAGES := sip-tester libsrtp2-1 espeak-ng sox docker-compose
telephony-tools:
	@missing=""; for package in $(TELEPHONY_PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "NOTE:$$missing missing and not root: the live Asterisk tests will skip"; fi

check: lint typecheck

lint: setup
	$(BIN)/ruff check hotline tickets ivr templates tests benchmarks
	$(BIN)/ruff format --check hotline tickets ivr templates tests benchmarks

typecheck: setup
	$(BIN)/mypy

# Test processes (pytest-xdist): one per core by default, each with its own databases, browser,
# ports (tests/ports.py) and, in tests/live, its own Asterisk and hotline; 0 runs the suite in
# this one process.
PYTEST_WORKERS ?= auto

pytest: setup
	$(BIN)/pytest --numprocesses $(PYTEST_WORKERS)

bench: setup
	$(BIN)/python benchmarks/sla_sweep.py
	$(BIN)/python benchmarks/api_create.py
	$(BIN)/python benchmarks/ami_ingest.py
	$(BIN)/python benchmarks/fastagi_sessions.py
	$(BIN)/python benchmarks/event_fanout.py
	$(BIN)/python benchmarks/sms_throughput.py
	$(BIN)/python benchmarks/outage_evening.py

# schemathesis (`st run … --checks all`) against a demo server of its own; its summary last.
schemathesis: setup
	$(BIN)/python benchmarks/schemathesis_api.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache hotline/locale/*/LC_MESSAGES/*.mo
