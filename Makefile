# Safeguard Transitions: `make run` (demo on SQLite) and `make test` (PostgreSQL, Redis, Chromium).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy

.PHONY: install run test lint format bench-census bench-cohort bench-api bench-dashboard clean help

help:
	@echo "make run    - set up and run the app with demo data at http://127.0.0.1:8000"
	@echo "make test   - set up and run lint, type checks and the whole test suite"
	@echo "make lint   - ruff and mypy only"
	@echo "make bench-census, bench-cohort, bench-api, bench-dashboard - the benchmarks in bench/ (PostgreSQL)"

$(BIN)/uv:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		{ echo "Python 3.12+ is needed (found $$($(PYTHON) --version)). Set PYTHON=/path/to/python3.12."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv

node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(BIN)/uv node_modules/.package-lock.json
	$(BIN)/uv sync --frozen --inexact --quiet

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py cohort_run
	$(BIN)/python manage.py reporting_build
	./scripts/run-local.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

test: lint
	@test -x "$${CHROMIUM_PATH:-/usr/bin/chromium}" || \
		{ echo "Browser tests need Chromium: apt-get install -y chromium (or set CHROMIUM_PATH)."; exit 1; }
	$(BIN)/pytest --create-db

# Benchmarks (README "Benchmarks"): each builds its own PostgreSQL database and prints figures.
bench-census: install
	$(BIN)/python bench/census_import.py --children 100000 --twice

bench-cohort: install
	$(BIN)/python bench/cohort.py --children 1000000

bench-dashboard: install
	$(BIN)/python bench/dashboard.py --children 1000000

bench-api: install
	@command -v wrk >/dev/null || { echo "The API benchmark needs wrk: apt-get install -y wrk"; exit 1; }
	$(BIN)/python bench/api.py --families 100000

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 var
