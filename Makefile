# Sentinel: `make run` serves Dagster with Sentinel attached; `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DAGSTER_PORT ?= 3000
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

# `make run-prod`: its own instance directory (PostgreSQL-backed, deploy/dagster-prod.yaml).
PROD_HOME ?= $(CURDIR)/.dagster_home_prod

.PHONY: install run run-prod test lint bench clean readme

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

$(DAGSTER_HOME)/dagster.yaml:
	@mkdir -p $(DAGSTER_HOME)
	cp deploy/dagster.yaml $@

run: install $(DAGSTER_HOME)/dagster.yaml
	$(PY) scripts/run.py --port $(DAGSTER_PORT)

# PostgreSQL storage, one `dagster code-server` per location, webserver, daemon, Celery workers
# (RabbitMQ on 127.0.0.1:5672) and sentinel serve; one Ctrl-C stops all of it.
run-prod: install
	DAGSTER_HOME=$(PROD_HOME) $(PY) -m scripts.run_prod --port $(DAGSTER_PORT)

# Two pytest-xdist workers, one test file at a time each (--dist loadfile): a module's shared
# deployment (the e2e and prod module fixtures, one RabbitMQ queue) is started once, on one
# worker. (--dist loadgroup would be finer, but with pytest 9.2 it ignores `xdist_group`:
# pytest-xdist#1386.) A plain `pytest tests/x.py` runs serially.
PYTEST_WORKERS ?= 2

test: lint
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check sentinel brain pipelines scripts tests bench
	$(VENV)/bin/mypy -p sentinel_brain -p dagster_sentinel
	$(VENV)/bin/lint-imports

readme: install
	$(PY) -m scripts.readme_settings

bench: install
	$(PY) -m bench.brain_eval
	$(PY) -m bench.redact_speed
	$(PY) -m bench.nab_eval
	$(PY) -m bench.burst
	$(PY) -m bench.launch_latency
	$(PY) -m bench.sensor_latency
	$(PY) -m bench.chatops_latency

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
