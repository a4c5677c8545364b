# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make book   -> runs the notebooks on the synthetic default, builds _build/html
#   make test   -> the whole test suite (unit tests, pages with checked outputs under nbval, a smoke book of every page)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
RUN    ?= runs/demo
PROFILE ?= demo
# pytest workers for `make test` (pytest-xdist); the pages and the tests that reuse their run folder share one
TEST_WORKERS ?= 2

.PHONY: install book book-only reference reference-book replicate test lint notebooks notebook-outputs clean distclean

$(STAMP): pyproject.toml requirements/constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required; got " + sys.version.split()[0] + ". Run: make PYTHON=/path/to/python3.11 ...")'
	@echo "installing the pinned packages into $(VENV) (a minute or two, first time only)"
	$(PY) -m pip install -qq -c requirements/constraints.txt -e ".[jax,lint]"
	@touch $(STAMP)

install: $(STAMP)

# Execute every notebook with the profile's parameters (papermill), then build the book.
book: replicate book-only

replicate: $(STAMP)
	$(PY) -m fer_lib replicate --profile $(PROFILE) --out $(RUN)

# Build the book from an existing run folder without re-running it: make book-only RUN=runs/NAME
book-only: $(STAMP)
	$(PY) -m fer_lib book --run $(RUN)

# The reference replication on real data ($$FER_DATA_ROOT, or ../shared/data beside the
# repository): every training of the `cpu` profile into runs/reference (run it again to
# resume each from its saved state), then every notebook on those trainings (never
# training), then ship the residual and basic networks to models/.
REF_DATA ?= $(or $(FER_DATA_ROOT),$(wildcard $(CURDIR)/../shared/data))
reference: $(STAMP)
	@test -n "$(REF_DATA)" || { echo "set FER_DATA_ROOT to the real data (see README: Real data)"; exit 2; }
	FER_DATA_ROOT=$(REF_DATA) $(PY) -m fer_lib trainings --profile cpu --out runs/reference
	FER_DATA_ROOT=$(REF_DATA) $(PY) -m fer_lib replicate --profile cpu --out runs/reference --reuse
	$(PY) -m fer_lib ship-models --run runs/reference

# Build the book from the committed reference run (real data), without re-running anything.
reference-book: $(STAMP)
	$(PY) -m fer_lib book --run runs/reference --html _build/reference

test: lint
	$(PY) -m pytest --nbval-lax -n $(TEST_WORKERS)

# After editing a page (notebooks/NN_name.md): bring its notebook's cells up to date,
# keeping the outputs nbval checks. `make notebook-outputs` re-executes the pages and
# stores those outputs afresh (after a change to what a checked cell prints).
notebooks: $(STAMP)
	$(VENV)/bin/jupytext --update --to ipynb notebooks/[0-9][0-9]_*.md

notebook-outputs: notebooks
	$(PY) -m fer_lib refresh-notebooks

# The library, the tests and the pages' code (ruff reads the paired notebooks).
lint: $(STAMP)
	$(VENV)/bin/ruff check fer_lib tests benchmarks notebooks/[0-9][0-9]_*.ipynb

clean:
	rm -rf _build book/results .pytest_cache

distclean: clean
	rm -rf $(VENV) runs/demo
