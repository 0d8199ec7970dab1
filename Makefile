# RCRP Toolkit. `make run` serves the demo; `make test` runs every test. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
PYTEST := $(PY) -m pytest
PG_AVAILABLE := $(shell ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && echo 1)
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Tests run in parallel, one pytest-xdist worker per core (JOBS=1 make test for one process).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
XDIST := -n $(JOBS) --dist loadgroup

.PHONY: help run test test-sqlite test-postgres lint format check-migrations check-deploy assets bench ci clean backup-check

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'

.venv/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.built: node_modules/.installed .ci/assets.sh
	sh .ci/assets.sh
	touch $@

assets: static/vendor/.built ## Copy GOV.UK Frontend, MOJ Frontend and htmx into static/vendor

# Development settings for `.venv/bin/python manage.py ...` without exporting anything (never committed;
# never read in production unless RCRP_READ_DOTENV=1). Written once: edit it freely afterwards.
.env:
	@umask 077; { echo "# Development settings, written by make run (git ignores this file)."; \
	  echo "DEBUG=1"; \
	  echo "SECRET_KEY=$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"; } > $@
	@echo "Wrote .env (DEBUG=1 and a generated SECRET_KEY)"

run: .venv/.installed static/vendor/.built | .env ## Serve the demo on http://127.0.0.1:8000 (SQLite, demo data)
	DEBUG=1 $(PY) manage.py migrate --verbosity 0
	DEBUG=1 $(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:8000 (Ctrl+C to stop)"
	DEBUG=1 GO_LIVE_DATE=$${GO_LIVE_DATE:-$$(date -d '+6 weeks' +%F)} $(PY) manage.py runserver 127.0.0.1:8000

test: lint check-migrations test-sqlite test-postgres ## Run the whole suite (SQLite; PostgreSQL and Chromium when present)

# With PostgreSQL present, the SQLite pass leaves to the PostgreSQL pass the browser and process
# tests, and the flow engine's tests (tests/policies/flow: pure Python, no database, so the same
# on either; they were a tenth of this pass).
test-sqlite: .venv/.installed static/vendor/.built ## Tests on SQLite (all of them when there is no PostgreSQL)
	@if [ "$(PG_AVAILABLE)" = 1 ] || [ -n "$$DATABASE_URL" ]; then \
	  TEST_DATABASE=sqlite $(PYTEST) $(XDIST) -m "not browser and not processes" --ignore=tests/policies/flow -q; \
	else \
	  echo "PostgreSQL binaries not found: the suite runs on SQLite only."; \
	  if [ "$$REQUIRE_POSTGRES" = 1 ]; then echo "REQUIRE_POSTGRES=1: failing." >&2; exit 1; fi; \
	  TEST_DATABASE=sqlite $(PYTEST) $(XDIST) -q; \
	fi

test-postgres: .venv/.installed static/vendor/.built ## Tests on a throwaway PostgreSQL cluster (browser tests included)
	@if [ "$(PG_AVAILABLE)" = 1 ] || [ -n "$$DATABASE_URL" ]; then \
	  TEST_DATABASE=postgres $(PYTEST) $(XDIST) -q; \
	fi

lint: .venv/.installed ## ruff (lint and format) and the import contracts
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	.venv/bin/lint-imports --no-cache

format: .venv/.installed ## Format the code with ruff
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

check-migrations: .venv/.installed ## Fail if a model change has no migration
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run

backup-check: .venv/.installed ## Back up a seeded PostgreSQL with pg_dump, restore it, check every decision matches
	bash .ci/backup_roundtrip.sh

bench: .venv/.installed static/vendor/.built ## Benchmarks: one seeded PostgreSQL, gunicorn driven by Locust (BENCH_SCALE, BENCH_SECONDS; bench/results/latest.md)
	$(PY) bench/run.py

ci: ## What CI runs (.ci/run): installs Chromium if missing, then make test with everything required
	bash .ci/run

clean: ## Remove the virtual environment, node_modules, built assets and the demo database
	rm -rf .venv node_modules static/vendor staticfiles db.sqlite3 db.sqlite3-*
