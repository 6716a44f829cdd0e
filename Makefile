# Waymark. Two commands: `make run` (demo on SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/waymark
DEMO_ENV := DEBUG=true WAYMARK_DEMO=true

.PHONY: run test lint bench bench-pg services test-sqlite test-postgres clean messages

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Waymark needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test-installed: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

run: $(VENV)/.installed
	@mkdir -p var
	@if [ -f var/waymark.sqlite3 ]; then new=0; else new=1; fi; \
	$(DEMO_ENV) $(BIN)/waymark migrate --noinput -v0 && \
	if [ $$new = 1 ]; then $(DEMO_ENV) $(BIN)/waymark demo; else $(DEMO_ENV) $(BIN)/waymark demo --patients 0; fi
	$(DEMO_ENV) $(BIN)/waymark serve

lint: $(VENV)/.test-installed
	$(BIN)/ruff check waymark bench
	DEBUG=true $(BIN)/mypy waymark bench

services: $(VENV)/.test-installed
	@bash scripts/ensure-services.sh

# Two or more workers where the machine has the cores (each worker has its own test database).
PYTEST_WORKERS := -n auto --maxprocesses 4

test-sqlite: $(VENV)/.test-installed
	$(BIN)/pytest $(PYTEST_WORKERS)

test-postgres: $(VENV)/.test-installed
	@if [ -f var/.postgres-available ]; then \
		echo "== PostgreSQL run ($(PG_URL)) =="; \
		DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_WORKERS) -m "not browser"; \
	else \
		echo "NOTICE: PostgreSQL is not available here; the PostgreSQL run was SKIPPED."; \
	fi

test: services lint test-sqlite test-postgres

# Benchmarks (docs/performance.md). They use their own databases: var/bench/*.sqlite3,
# and waymark_bench* on the server PG_URL names (never PG_URL's own database).
bench: $(VENV)/.test-installed
	$(BIN)/python -m bench.run --db sqlite
	$(BIN)/python -m bench.dosing --db sqlite
	$(BIN)/python -m bench.cm --db sqlite
	$(BIN)/python -m bench.assess --db sqlite
	$(BIN)/python -m bench.care --db sqlite
	$(BIN)/python -m bench.directory_import --db sqlite
	$(BIN)/python -m bench.directory_search --db sqlite
	$(BIN)/python -m bench.ctn0094_import --db sqlite
	$(BIN)/python -m bench.outcomes --db sqlite --ctn0094
	$(BIN)/python -m bench.outcomes --db sqlite
	$(BIN)/python -m bench.fhir_export --db sqlite
	$(BIN)/python -m bench.companion --db sqlite
	$(BIN)/python -m bench.community --db sqlite
	$(BIN)/python -m bench.community --db sqlite --poll-every 10
	@if bash scripts/ensure-services.sh --postgres-only; then \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.run --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.dosing --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.cm --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.assess --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.care --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.directory_import --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.directory_search --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.ctn0094_import --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.outcomes --db postgresql --ctn0094 && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.outcomes --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.fhir_export --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.companion --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.community --db postgresql && \
		DATABASE_URL=$(PG_URL) $(BIN)/python -m bench.community --db postgresql --poll-every 10; \
	elif [ "$${CI:-false}" = true ]; then \
		exit 1; \
	else \
		echo "NOTICE: PostgreSQL not available; PostgreSQL benchmark skipped."; \
	fi

clean:
	rm -rf $(VENV) var staticfiles test-output

# After changing translatable text: update the Spanish catalogue, translate, then compile.
# The .mo is committed (a test fails when it is stale), so `make run` needs no gettext.
messages: $(VENV)/.installed
	DEBUG=true $(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=var --ignore=bench --ignore="*/static/*"
	DEBUG=true $(BIN)/python manage.py compilemessages -l es --ignore=.venv
