# dabiwu: two commands from a fresh clone.  `make run` serves the demo, `make test` runs the suite.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export MLFLOW_DISABLE_TELEMETRY := true
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# Built scoring runtimes (runtimes/NAME/requirements.lock), keyed by the lock's hash: `make run`,
# `make test` and CI's two parallel passes share one build per machine.
export DABIWU_RUNTIMES_DIR ?= $(HOME)/.cache/dabiwu/runtimes

.PHONY: run test test-postgres bench venv runtime frontend api-types screenshots clean

# pip's output goes to a log file (its warnings about this machine's package mirrors are not the user's business);
# the console gets one line per step, and the log's tail when a step fails.
$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "dabiwu: $(PYTHON) is not on PATH; install Python 3.11 (e.g. apt-get install python3.11 python3.11-venv) or run make PYTHON=/path/to/python3.11"; exit 1; }
	@test -x $(PY) || { echo "dabiwu: creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	@echo "dabiwu: installing Python packages into $(VENV) (the first time takes 1-3 min; log: $(VENV)/install.log) / 正在安装 Python 依赖"
	@start=$$(date +%s); \
	{ $(PY) -m pip install -q --upgrade pip && $(PY) -m pip install -q -e '.[dev]'; } >$(VENV)/install.log 2>&1 \
	  || { echo "dabiwu: pip failed; the last lines of $(VENV)/install.log:"; tail -n 20 $(VENV)/install.log; exit 1; }; \
	echo "dabiwu: Python packages installed in $$(( $$(date +%s) - start )) s"
	@touch $@

venv: $(VENV)/.installed

# The default scoring runtime, built on first use (a few minutes, with progress), then reused.
runtime: venv
	@$(VENV)/bin/dabiwu runtimes build

run:
	@scripts/system-deps run
	@$(MAKE) -s runtime
	$(VENV)/bin/dabiwu serve --demo

# DABIWU_TEST_SKIP names parts of the machine to leave out on purpose (tests/system_parts.py); the Compose checks
# need a Docker engine, which scripts/system-deps cannot install, so they are left out (and listed) without one.
test:
	@scripts/system-deps test
	@$(MAKE) -s runtime
	@skip="$$DABIWU_TEST_SKIP"; \
	if ! docker compose version >/dev/null 2>&1 && ! echo ",$$skip," | grep -q ",compose,"; then \
	  skip="$${skip:+$$skip,}compose"; echo "dabiwu: no Docker Compose here: its checks are skipped (DABIWU_TEST_SKIP=$$skip)"; fi; \
	DABIWU_TEST_SKIP="$$skip" $(PY) -m pytest $(PYTEST_ARGS)

test-postgres: runtime
	DABIWU_TEST_DATABASE_URL=$${DABIWU_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/dabiwu_test} $(PY) -m pytest $(PYTEST_ARGS)

bench: runtime
	$(PY) -m benchmarks.run $(BENCH_ARGS)

frontend:
	cd frontend && npm ci --no-audit --no-fund && npm run build

# The web UI's API types come from the server's schemas: the app's OpenAPI document (frontend/openapi.json, dumped
# without a server) and the TypeScript generated from it (frontend/src/api/schema.d.ts).  Both are committed;
# tests/frontend/test_api_types.py fails when they lag behind the app.  Run `make frontend` afterwards.
api-types: venv
	PYTHONPATH=$(CURDIR)/platform:$(CURDIR) $(PY) -m dabiwu.openapi_dump > frontend/openapi.json
	cd frontend && { test -x node_modules/.bin/openapi-typescript || npm ci --no-audit --no-fund; } && npm run -s api-types

# Full-page PNGs of every screen per role at 390 and 1366 px, zh and en, into screenshots/ (not committed).
screenshots: venv
	$(PY) -m tests.browser.screenshots --out screenshots

clean:
	rm -rf var .pytest_cache
