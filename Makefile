PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench install worker clean screenshots

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

## Set up on first use, then serve the demo on http://127.0.0.1:8000 with the task worker.
run: $(STAMP)
	@mkdir -p var
	@$(PY) manage.py prepare_demo
	@echo "Site: http://127.0.0.1:8000   Emails sent by the demo: http://127.0.0.1:8000/outbox/ (staff)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(PY) manage.py db_worker --interval 1 & \
	  $(PY) manage.py runserver 127.0.0.1:8000 --noreload --skip-checks

worker: $(STAMP)
	$(PY) manage.py db_worker

## Lint and the whole test suite, in parallel: one worker per core, each with its own
## test database (pytest-django names them test_<name>_gw0, _gw1, ...).
## `make test WORKERS=0` runs the tests one at a time.
## Compiled bytecode is kept even where PYTHONDONTWRITEBYTECODE is set: without it each
## worker compiles the project again and pytest rewrites every test module and plugin
## again, about 5 s of CPU per worker on every run.
WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(WORKERS)

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): requirements-bench.txt $(STAMP)
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $(BENCH_STAMP)

## Benchmarks: each prints its figures and ratios against a baseline from the same run.
bench: $(BENCH_STAMP)
	$(PY) bench/bench_matching.py
	$(PY) bench/bench_import.py
	$(PY) bench/bench_load.py

## PNGs of each demo role's main pages at 390 and 1280 px, in test-results/review/.
screenshots: $(STAMP)
	@mkdir -p var
	@$(PY) manage.py prepare_demo >/dev/null
	$(PY) tools/screenshots.py

clean:
	rm -rf var $(VENV)
