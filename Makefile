# Two commands on a fresh Debian/Ubuntu machine:
#   make demo   runs sitewatch on the embedded default (SQLite, a local broker)
#   make test   installs what the tests need and runs them all
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test venv servers lint typecheck pytest schema bench clean

demo: $(STAMP)
	$(BIN)/sitewatch demo

test: $(STAMP) servers lint typecheck schema pytest

venv: $(STAMP)

$(STAMP): pyproject.toml
	scripts/ensure-python.sh $(PYTHON)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[agent,hub,dev]'
	touch $(STAMP)

servers:
	scripts/install-test-servers.sh

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

schema: $(STAMP)
	$(BIN)/sitewatch protocol schema --check

pytest: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP) servers
	$(BIN)/sitewatch bench ingest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
