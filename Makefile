# Flipside: every target installs what it needs into this folder (.venv, node_modules).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in emails and a call's link to share start with SITE_URL: in development, the address
# `make run` serves on, unless SITE_URL is already set (in the environment or as an argument).
SITE_URL ?= http://$(HOST):$(PORT)
DEV := DEBUG=1 SITE_URL='$(SITE_URL)'

.PHONY: run worker schedules test bench bench-pages bench-erasure bench-sqlite lint format install assets browser pdf-libraries migrate seed clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/htmx.min.js: node_modules/.installed
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js $@

install: $(VENV)/.installed assets pdf-libraries

assets: static/vendor/htmx.min.js

browser:
	bash scripts/ensure-chromium

## WeasyPrint's system libraries (Pango, a font) and poppler for the PDF tests, from Debian
pdf-libraries:
	bash scripts/ensure-weasyprint

migrate: install
	DEBUG=1 $(PY) manage.py migrate --noinput

seed: migrate
	$(DEV) $(PY) manage.py seed_demo

## make run: the app with the demo scheme on SQLite at http://127.0.0.1:8000, with the
## background worker beside it (emails are printed to this terminal)
run: seed
	@$(DEV) $(PY) manage.py demo_signins --url http://$(HOST):$(PORT)
	@trap 'kill 0' EXIT INT TERM; \
	$(DEV) $(PY) manage.py run_worker & \
	$(DEV) $(PY) manage.py runserver $(HOST):$(PORT)

## make worker: only the background worker (email delivery and scheduled jobs)
worker: migrate
	$(DEV) $(PY) manage.py run_worker

## make schedules: run the scheduled jobs that are due, once
schedules: migrate
	$(DEV) $(PY) manage.py run_schedules

## make test: the whole suite (SQLite, or the database in DATABASE_URL), one process per CPU
## (TEST_WORKERS=0 for a single process)
TEST_WORKERS ?= auto
test: install browser
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: install
	$(PY) bench/matching.py $(if $(SIZES),--sizes $(SIZES))

## make bench-pages: signed-in pages under load on PostgreSQL at 127.0.0.1 (database
## bench_pages) and the SQLite check; BENCH_ARGS="--quick" for a smoke run (docs/performance.md)
bench-pages: install
	bash scripts/ensure-wrk
	$(PY) bench/pages.py $(BENCH_ARGS)

## make bench-erasure: erasing one person on installations of 100 and 1,000 pairs (PostgreSQL
## at 127.0.0.1, databases bench_erasure_<pairs>), as ratios to the smaller (docs/performance.md)
bench-erasure: install
	$(PY) bench/erasure.py $(BENCH_ARGS)

## make bench-sqlite: 10 writer processes and 2 page readers for 60 s on a fresh SQLite
## database with the demo; 0 "database is locked" errors to pass (docs/performance.md).
## BENCH_ARGS="--seconds 10" for a shorter run
bench-sqlite: install
	$(PY) bench/sqlite_writers.py $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/mypy flipside
	$(BIN)/lint-imports --no-cache
	@# Medium severity and above fails. bandit warns about every other node on a line marked
	@# nosec (PyCQA/bandit#1041); those warnings are dropped, its other output is kept.
	log=$$(mktemp) && { $(BIN)/bandit -q -ll -c pyproject.toml -r flipside bench 2>"$$log"; \
	status=$$?; grep -v 'but no failed test' "$$log" >&2; rm -f "$$log"; exit $$status; }

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) node_modules static/vendor staticfiles db.sqlite3*
