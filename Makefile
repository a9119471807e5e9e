# Two commands for a fresh machine: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HASH := $(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STAMP := $(VENV)/.installed-run-$(HASH)
TEST_STAMP := $(VENV)/.installed-test-$(HASH)

.PHONY: demo test lint typecheck fuzz bench gui-deps exe clean venv

venv:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed")'
	@$(PYTHON) -c 'import tkinter' 2>/dev/null || ./scripts/install-system-deps.sh tk
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory venv
	$(BIN)/python -m pip install --quiet -e .
	@touch $(STAMP)

$(TEST_STAMP): pyproject.toml
	@$(MAKE) --no-print-directory venv
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(TEST_STAMP) $(STAMP)

demo: $(STAMP)
	$(BIN)/ratings-to-plex demo

gui-deps:
	@./scripts/install-system-deps.sh xvfb

test: $(TEST_STAMP) gui-deps
	$(BIN)/ruff check src tests benchmarks fuzz
	$(BIN)/mypy
	$(BIN)/python fuzz/fuzz_sources.py --seconds $${FUZZ_SECONDS:-30}
	$(BIN)/python -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests benchmarks fuzz

typecheck: $(TEST_STAMP)
	$(BIN)/mypy

fuzz: $(TEST_STAMP)
	$(BIN)/python fuzz/fuzz_sources.py --seconds $${FUZZ_SECONDS:-30}

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/bench_read.py
	$(BIN)/python benchmarks/sync.py

exe: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[build]'
	$(BIN)/python packaging/build_exe.py

clean:
	rm -rf $(VENV) build dist test-artifacts demo-output
