# econ: the two commands of the Quick start, and a few for developers.
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --quiet --disable-pip-version-check --no-input
# Quiet: a step's output is shown only when it fails.
QUIET  = sh -c 'log=$$(mktemp); if "$$@" >"$$log" 2>&1; then rm -f "$$log"; else \
           status=$$?; cat "$$log"; rm -f "$$log"; exit $$status; fi' quiet

.PHONY: run test lint bench clean profast

$(VENV)/bin/python:
	@python3 -m venv $(VENV) || { \
	  echo "python3 -m venv failed: installing Debian's python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv $(VENV); }

$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	@echo "installing econ into $(VENV) (output shown only on failure)..."
	@$(QUIET) $(PIP) install --upgrade pip
	@$(QUIET) $(PIP) install -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml $(VENV)/.installed
	@echo "installing the test tools into $(VENV) (output shown only on failure)..."
	@$(QUIET) $(PIP) install -e '.[test]'
	@touch $@

# NREL's ProFAST, the peer model tests/test_profast.py compares econ with, in a virtual
# environment of its own: a test oracle, never a dependency of econ (about 30 s, 560 MB).
PROFAST_VENV := .venv-profast
PROFAST_REQ  := tests/oracles/profast-requirements.txt

$(PROFAST_VENV)/.installed: $(PROFAST_REQ)
	@echo "installing the ProFAST oracle into $(PROFAST_VENV) (output shown only on failure)..."
	@test -x $(PROFAST_VENV)/bin/python || python3 -m venv $(PROFAST_VENV) || { \
	  echo "python3 -m venv failed: installing Debian's python3-venv"; \
	  apt-get update -qq && apt-get install -y -qq python3-venv && python3 -m venv $(PROFAST_VENV); }
	@$(QUIET) $(PROFAST_VENV)/bin/python -m pip --quiet --disable-pip-version-check --no-input \
	  install -r $(PROFAST_REQ)
	@touch $@

## profast: the ProFAST oracle's virtual environment and the tests that compare econ with it
profast: $(VENV)/.test-installed $(PROFAST_VENV)/.installed
	$(VENV)/bin/pytest -q tests/test_profast.py

## run: build every scenario in seeds/ (metrics printed, workbooks and HTML in workbooks/),
##      ending with the files to open
run: $(VENV)/.installed
	@$(VENV)/bin/econ run seeds -o workbooks

## test: linters, type checks and the whole test suite (builds the ProFAST oracle venv; installs LibreOffice, Gnumeric,
##       Node.js and Chromium if root, and HyperFormula with npm ci: scripts/system-deps.sh)
test: $(VENV)/.test-installed $(PROFAST_VENV)/.installed
	bash scripts/system-deps.sh
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

lint: $(VENV)/.test-installed
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

## bench: the performance figures quoted in README.md
bench: $(VENV)/.test-installed
	$(PY) benchmarks/bench_engine.py
	$(PY) benchmarks/bench_show.py

clean:
	rm -rf $(VENV) $(PROFAST_VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
