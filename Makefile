# The two commands a newcomer needs: `make demo` (run with demo data) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app assessment_app
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/assessment_test
# pytest-xdist processes for the suite; `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= 4

# Python keeps compiled bytecode (and pytest its rewritten test modules) even where the
# environment turns that off: the suite starts dozens of Python processes (its workers, the
# sign-in workers and schedulers some tests run), and each would otherwise compile everything
# again (collecting the tests alone took 9 s of CPU per process rather than 4).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: install assets demo run scheduler test test-tools test-postgres test-chaos test-browser bench bench-load bench-reports clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,production]'
	touch $@

# Built CSS and GOV.UK assets, then gzip copies of every static file (WhiteNoise sends them;
# one older than its file is ignored, so an edited script is never served stale).
assets: install assessment_app/static/css/app.css
	$(BIN)/python -m whitenoise.compress --quiet --no-brotli assessment_app/static

assessment_app/static/css/app.css: package.json package-lock.json scss/app.scss scripts/copy-assets.mjs
	npm ci --no-audit --no-fund --loglevel=error
	npm run build

## Install, create the SQLite database with demo data, and serve on http://127.0.0.1:5000
demo: install assets
	$(FLASK) seed-demo
	ASSESSMENT_SCHEDULER_ENABLED=true $(FLASK) run --host 127.0.0.1 --port 5000 --no-reload

## The whole test suite (SQLite), in TEST_WORKERS processes (pytest-xdist). `make test-postgres`
## runs it on PostgreSQL, each worker in a database of its own that the suite makes afresh
## (PG_TEST_URL's name + _gw0, _gw1...). Both build the assets first: tests fetch pages and check
## every static file they name is fingerprinted, and the npm packages include Prism, the mock of
## the DfE's API the DfE tests start.
test: install test-tools assets
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

test-postgres: install test-tools assets
	TEST_DATABASE_URL="$(PG_TEST_URL)" $(BIN)/python -m pytest -n $(TEST_WORKERS)

## What the suite runs besides Python, installed with apt if missing: redis-server (the tests
## start a throwaway one on a free loopback port) and Node.js with npm (the assets, the browser
## code's tests and the DfE mock).
test-tools:
	command -v redis-server >/dev/null || (apt-get update -qq && apt-get install -y -qq redis-server)
	command -v npm >/dev/null || (apt-get update -qq && apt-get install -y -qq nodejs npm)

## Chaos: gunicorn on PostgreSQL (127.0.0.1:5432, user postgres) SIGKILLed mid-surge and
## restarted; fails unless every receipted submission and receipt email is there exactly once.
## Not in `make test` (about a minute); e.g. `make test-chaos CHAOS_ARGS="--participants 1000"`.
test-chaos: $(VENV)/.bench-installed
	$(BIN)/python bench/chaos_kill.py $(CHAOS_ARGS)

## The browser suite: Debian's chromium and a Java runtime (each installed with apt if missing),
## Playwright and the Nu HTML checker (the `browser` extra) and axe-core (npm), then each role's
## journey on a live server, with axe at 1280 and 320 px and every page's HTML validated.
## Screenshots and the pages' HTML go to browser-screenshots/.
test-browser: $(VENV)/.browser-installed assets
	test -f node_modules/axe-core/axe.min.js || npm ci --no-audit --no-fund --loglevel=error
	$(BIN)/python -m pytest tests_browser

$(VENV)/.browser-installed: $(VENV)/.installed
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium)
	command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq default-jre-headless)
	$(BIN)/pip install --quiet -e '.[test,production,browser]'
	touch $@

## Benchmarks that print their figures beside the targets, at the size N (participants or
## scripts in one window; 5,000 by default, the issue's 20,000 with `make bench N=20000`): the
## load benchmark, allocation, the case-study page, the submit path, the reports and pages,
## similarity (N new scripts against 5N earlier ones) and the moderation pack.
N ?= 5000
bench: install bench-load bench-reports
	$(BIN)/python bench/bench_allocation.py
	$(BIN)/python bench/bench_case_study.py
	$(BIN)/python bench/bench_submit.py
	$(BIN)/python bench/bench_similarity.py --scripts $(N)
	$(BIN)/python bench/bench_moderation_pack.py $(N) --quarter

## Deadline night on gunicorn + PostgreSQL (127.0.0.1:5432, user postgres) for N participants,
## the release window a minute per 5,000; e.g. `make bench-load N=500 BENCH_ARGS="--phases storm
## --storm-runs 5"`. Needs nothing else on the machine busy.
bench-load: $(VENV)/.bench-installed
	$(BIN)/python bench/bench_load.py --participants $(N) $(BENCH_ARGS)

$(VENV)/.bench-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[bench,production]'
	touch $@

## Exports and every admin and marker page of a window of N marked scripts (SQLite, or
## BENCH_DATABASE_URL).
bench-reports: install
	$(BIN)/python bench/bench_reports.py $(N)

clean:
	rm -rf $(VENV) node_modules assessment_app/static/css/app.css assessment_app/static/govuk browser-screenshots
	find assessment_app/static -name '*.gz' -delete
