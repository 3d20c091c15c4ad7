# dabiwu: two commands from a fresh clone.  `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export MLFLOW_DISABLE_TELEMETRY := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-postgres bench venv frontend screenshots clean

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

venv: $(VENV)/.installed

run: venv
	$(VENV)/bin/dabiwu serve --demo

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

test-postgres: venv
	DABIWU_TEST_DATABASE_URL=$${DABIWU_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/dabiwu_test} $(PY) -m pytest $(PYTEST_ARGS)

bench: venv
	$(PY) -m benchmarks.run $(BENCH_ARGS)

frontend:
	cd frontend && npm ci --no-audit --no-fund && npm run build

# Full-page PNGs of every screen per role at 390 and 1366 px, zh and en, into screenshots/ (not committed).
screenshots: venv
	$(PY) -m tests.browser.screenshots --out screenshots

clean:
	rm -rf var .pytest_cache
