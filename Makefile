# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make book   -> runs the notebooks on the synthetic default, builds _build/html
#   make test   -> the whole test suite (unit tests + notebooks under nbval)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
RUN    ?= runs/demo
PROFILE ?= demo

.PHONY: install book book-only replicate test lint notebooks clean distclean

$(STAMP): pyproject.toml requirements/constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required; got " + sys.version.split()[0] + ". Run: make PYTHON=/path/to/python3.11 ...")'
	$(PY) -m pip install --quiet -c requirements/constraints.txt -e .
	@touch $(STAMP)

install: $(STAMP)

# Execute every notebook with the profile's parameters (papermill), then build the book.
book: replicate book-only

replicate: $(STAMP)
	$(PY) -m fer_lib replicate --profile $(PROFILE) --out $(RUN)

# Build the book from an existing run folder without re-running it: make book-only RUN=runs/NAME
book-only: $(STAMP)
	$(PY) -m fer_lib book --run $(RUN)

test: $(STAMP)
	$(PY) -m pytest --nbval-lax

# Re-execute the source notebooks and store the outputs nbval compares.
notebooks: $(STAMP)
	$(PY) -m fer_lib refresh-notebooks

lint: $(STAMP)
	$(PY) -m pip install --quiet ruff
	$(VENV)/bin/ruff check fer_lib tests

clean:
	rm -rf _build book/results .pytest_cache

distclean: clean
	rm -rf $(VENV) runs/demo
