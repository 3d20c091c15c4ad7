# dabiwu: two commands from a fresh clone.  `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export MLFLOW_DISABLE_TELEMETRY := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Built scoring runtimes (runtimes/NAME/requirements.lock), keyed by the lock's hash: `make run`,
# `make test` and CI's two parallel passes share one build per machine.
export DABIWU_RUNTIMES_DIR ?= $(HOME)/.cache/dabiwu/runtimes

.PHONY: run test test-postgres bench venv runtime frontend clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

# The default scoring runtime, built on first use (a few minutes, with progress), then reused.
runtime: venv
	$(VENV)/bin/dabiwu runtimes build

run: runtime
	$(VENV)/bin/dabiwu serve --demo

test: runtime
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: runtime
	DABIWU_TEST_DATABASE_URL=$${DABIWU_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/dabiwu_test} $(PY) -m pytest $(PYTEST_ARGS)

bench: runtime
	$(PY) -m benchmarks.run $(BENCH_ARGS)

frontend:
	cd frontend && npm ci --no-audit --no-fund && npm run build

clean:
	rm -rf var .pytest_cache
