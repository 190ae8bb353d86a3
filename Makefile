# Aura: the commands a developer uses. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest
COVERAGE_ARGS := --cov --cov-report=term --cov-report=xml --cov-fail-under=80 --durations=15
# checkov pins its own dependencies, which would clash with the app's: it gets a virtualenv of its own.
INFRA_VENV := .venv-infra
INFRA_STAMP := $(INFRA_VENV)/.installed
PORT ?= 7071
PORTAL := portal
PORTAL_STAMP := $(PORTAL)/node_modules/.installed
# Debian's chromium drives the portal's end-to-end tests (playwright-core, no downloaded browser).
CHROMIUM ?= /usr/bin/chromium
# Schemathesis examples per API operation: make test runs few (tests/e2e/test_served.py's default), make fuzz many.
FUZZ_EXAMPLES ?= 200

.PHONY: help install run test test-fast test-unit test-integration fuzz portal portal-api portal-install test-portal browser format lint \
        type-check bandit pip-audit security-check pre-commit check ci db-migrate db-reset requirements clean bench-cold-start \
        bench-engagement bench-ingest bench-analytics bench-audit bench-login bench-mapping bench-load bench-report bench-qc infra-check

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml package.json package-lock.json
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Aura needs Python 3.11 (found " + sys.version.split()[0] + ")")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[local,dev]'
	npm ci --no-audit --no-fund --loglevel=error
	touch $(STAMP)

install: $(STAMP) ## create .venv with the project, its dev tools and Azurite

run: install portal ## build the portal, migrate, create the demo firm if the database is empty, serve on http://127.0.0.1:7071
	MALLOC_ARENA_MAX=2 $(BIN)/aura serve --demo --port $(PORT)

# What CI runs (.ci/run, .github/workflows/ci.yml): the static checks first, so none of them can regress unseen.
test: install lint type-check bandit infra-check test-portal portal browser ## lint, format check, types, bandit, infra-check, then every test (unit, integration, e2e in chromium, slow included) with coverage
	AURA_CHROMIUM=$(CHROMIUM) $(PYTEST) $(COVERAGE_ARGS)

test-fast: install ## the tests not marked slow, no coverage: a few minutes, for every change
	$(PYTEST) -q -m "not slow" --durations=10

fuzz: install ## the deep schemathesis runs: 200 examples per API operation (FUZZ_EXAMPLES=N) instead of make test's few
	AURA_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PYTEST) -q tests/e2e/test_served.py -k schemathesis

test-unit: install ## unit tests only (no I/O)
	$(PYTEST) -q -m unit

$(PORTAL_STAMP): $(PORTAL)/package.json $(PORTAL)/package-lock.json
	cd $(PORTAL) && npm ci --no-audit --no-fund --loglevel=error
	touch $(PORTAL_STAMP)

portal-install: $(PORTAL_STAMP)

portal-api: install portal-install ## generate the portal's typed API client from the API's OpenAPI document
	$(BIN)/python tools/export_openapi.py $(PORTAL)/openapi.json
	cd $(PORTAL) && npx --no-install openapi-typescript openapi.json -o src/api/schema.d.ts --silent

portal: portal-api ## build the portal into portal/dist (the local host serves it at /)
	cd $(PORTAL) && npm run --silent build -- --logLevel warn

test-portal: portal-api ## the portal's type check and Vitest unit tests
	cd $(PORTAL) && npx --no-install tsc --noEmit && npx --no-install vitest run

browser: ## Debian's chromium for the portal's end-to-end tests (installed when missing, as root)
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "The portal's end-to-end tests need Debian's chromium at $(CHROMIUM): sudo apt-get install chromium"; exit 1; fi; }
	@$(CHROMIUM) --version

test-integration: install ## integration and e2e tests (PostgreSQL, Azurite, local host)
	$(PYTEST) -q -m "integration or e2e"

format: install ## format the code
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lint: install ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

type-check: install ## mypy (strict for shared/)
	$(BIN)/mypy shared functions aura_local function_app.py

bandit: install ## bandit over the code (make test runs it)
	$(BIN)/bandit -q -c pyproject.toml -r shared functions aura_local function_app.py

# Not part of make test: it needs the network, and it fails saying "not checked" when it has none.
pip-audit: install ## known vulnerabilities in the installed dependencies (needs the vulnerability database)
	$(BIN)/python tools/pip_audit.py

security-check: bandit pip-audit ## bandit and pip-audit

pre-commit: install ## run the pre-commit hooks on every file
	$(BIN)/pre-commit run --all-files

check: test security-check ## every quality check: make test (lint, types and bandit included, each run once) and pip-audit

ci: check ## what CI runs

db-migrate: install ## apply the migrations to the local database
	$(BIN)/aura db upgrade

db-reset: install ## drop, recreate and migrate the local database
	$(BIN)/aura db reset

bench-cold-start: install ## cold import time of function_app (python -X importtime, median of 5)
	$(BIN)/python tools/cold_start.py 5

bench-engagement: install ## reads under engagement visibility (RLS) against the same reads without it, medians
	$(BIN)/python tools/bench_engagement.py

bench-audit: install ## an audited write with and without its anchor request (medians) and the anchor blobs per N writes
	$(BIN)/python tools/bench_audit_anchor.py

bench-ingest: install ## load 1,000,000 synthetic GL lines from CSV against a psql \copy of the same rows, medians
	$(BIN)/python tools/bench_ingest.py

bench-analytics: install ## JE tests and Benford on LINES (1000000) loaded lines of the synthetic ledger's SHAPE (default, ads, large-journals, wide-text) against a naive pandas baseline: medians, time and peak memory (BENCH_ANALYTICS_ARGS, e.g. "--no-baseline --memory-mb 512")
	$(BIN)/python tools/bench_analytics.py --shape $(or $(SHAPE),default) --lines $(or $(LINES),1000000) $(BENCH_ANALYTICS_ARGS)

bench-login: install ## sign-in latency for known vs unknown e-mails (medians) and the guesses per minute and hour the limits allow
	$(BIN)/python tools/bench_login.py

bench-load: install ## USERS (50) concurrent users for DURATION (60) s against aura serve: p50/p95/p99 per operation, requests/s, errors, nothing lost
	$(BIN)/python tools/bench_load.py --users $(or $(USERS),50) --duration $(or $(DURATION),60) $(BENCH_LOAD_ARGS)

bench-mapping: install ## account mapping: share of 384 accounts of three chart styles suggested in the right section (confusion matrix), suggestions for 5,000 accounts and statements of a 5,000-account TB (medians)
	$(BIN)/python tools/bench_mapping.py

bench-qc: install ## a QC run over 2,000 binder nodes and a 1,000,000-line ledger's JE run (target 2 s): the snapshot and POST .../qc/run, medians of 7
	$(BIN)/python tools/bench_qc.py --lines $(or $(LINES),1000000) --nodes $(or $(NODES),2000)

bench-report: install ## the auditor's report PDF of a 300-account engagement (statements, JE summary, Benford chart, samples): median seconds, size, same digest every run
	$(BIN)/python tools/bench_report.py

.PHONY: bench-assistant
bench-assistant: install ## the assistant offline: recall@5 of retrieval over our 148 questions (target 0.9) and ask latency median/p95 at CHUNKS (10000) chunks (target 1 s)
	$(BIN)/python tools/bench_assistant.py --chunks $(or $(CHUNKS),10000) $(BENCH_ASSISTANT_ARGS)

$(INFRA_STAMP): infra/checkov-requirements.txt
	test -x $(INFRA_VENV)/bin/python || $(PYTHON) -m venv $(INFRA_VENV)
	echo '*' > $(INFRA_VENV)/.gitignore
	$(INFRA_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(INFRA_VENV)/bin/python -m pip install --quiet -r infra/checkov-requirements.txt
	touch $(INFRA_STAMP)

infra-check: install $(INFRA_STAMP) ## terraform fmt -check, checkov (offline) and the Terraform rule tests
	@if command -v terraform >/dev/null; then terraform fmt -check -recursive infra; \
	else echo "terraform is not on PATH: skipping terraform fmt -check"; fi
	$(INFRA_VENV)/bin/checkov -d infra --framework terraform --skip-download --quiet --compact --config-file infra/.checkov.yaml
	$(PYTEST) -q -p no:cacheprovider tests/infra

requirements: install ## regenerate requirements.txt from pyproject.toml
	$(BIN)/python tools/requirements.py

clean: ## remove the virtualenv, caches and local state
	rm -rf $(VENV) $(INFRA_VENV) node_modules $(PORTAL)/node_modules $(PORTAL)/dist .aura .pytest_cache .mypy_cache .ruff_cache .coverage coverage.xml htmlcov
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
