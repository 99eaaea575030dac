# The portal's front door: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# Links in emails point at the server `make run` starts.
export PORTAL_BASE_URL ?= http://127.0.0.1:$(PORT)
export FLASK_APP := wsgi
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint install assets db demo worker audit bench e2e clean

# Virtualenv + pinned Python packages; redone only when requirements change.
$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt -r requirements-dev.txt
	touch $@

# npm packages (GOV.UK Frontend, MoJ Frontend, Sass) from the lock file, then the CSS.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/application.css: node_modules/.installed $(wildcard assets/scss/*.scss)
	npm run --silent build

install: $(BIN)/.installed assets
assets: static/build/application.css

db: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-reference

demo: db
	$(BIN)/flask seed-demo

# The web server, the outbox worker and the inbound mail listener (calendar replies, on
# INBOUND_SMTP) side by side; Ctrl-C stops them all.
run: export INBOUND_SMTP ?= 127.0.0.1:2525
run: demo
	@echo "Learning panels: http://127.0.0.1:$(PORT)  (mail sent in development is kept in instance/mail/)"
	@trap 'kill 0' EXIT INT TERM; \
	$(BIN)/flask notifications send --loop & \
	$(BIN)/flask notifications receive & \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

worker: install
	$(BIN)/flask notifications send --loop

# The whole suite. TEST_DATABASE_URL=postgresql+psycopg://... runs it on PostgreSQL.
# Spread over the machine's cores (pytest-xdist); each worker has its own database.
PYTEST_ARGS ?= -n auto
test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Code checks, run by CI before the tests: ruff (lint and format), the layers contract
# (import-linter, see pyproject.toml) and the type checker.
APP_PACKAGES := agencies cases core learning notifications panels portal reviews
LINTED := $(APP_PACKAGES) tests bench tools stubs migrations config.py extensions.py wsgi.py
lint: $(BIN)/.installed
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/lint-imports
	$(BIN)/mypy $(APP_PACKAGES) config.py extensions.py wsgi.py

# Browser journeys only (they also run in `make test`); needs /usr/bin/chromium.
e2e: install assets
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

# Supply chain and code: bandit must find nothing of high severity; pip-audit checks every pin in
# requirements.txt (the full closure, so --no-deps) and fails on any known vulnerability.
# AUDIT_STRICT=1 also fails when a pin could not be looked up (no route to the service).
audit: install
	$(BIN)/bandit -q -r $(APP_PACKAGES) tools config.py extensions.py wsgi.py -lll
	$(BIN)/python tools/audit_dependencies.py requirements.txt requirements-dev.txt

# Performance benchmark (not in `make test`): data sets at 1x/10x/100x, gunicorn, wrk per page, and
# the mixed workload (50 people, their own pages, 10% posts); writes bench/results.md. Narrow it with
# BENCH_ARGS="--scales 1 --seconds 10 --only Audit", or BENCH_ARGS="--only mixed" for the mixed
# workload alone (with BENCH_DATABASE_URL=postgresql+psycopg://... to run it on PostgreSQL).
bench: install assets
	@command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules static/build .pytest_cache
