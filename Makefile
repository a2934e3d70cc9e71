# Two commands set everything up on a fresh Linux machine with python3 and make:
#   make reports   # venv + install + full pipeline on data/raw
#   make test      # venv + install + the test suite (with the docs site built by mkdocs --strict)
#   make docs      # the documentation site from docs/ into site/ (open site/index.html)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
JOBS   ?= 2

.PHONY: install reports ingest themes figures test test-fast docs bench lab clean distclean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,lab,docs,fast]'
	$(PY) -m ipykernel install --sys-prefix --name kexie-compare --display-name "Python (kexie-compare)" >/dev/null
	touch $(STAMP)

install: $(STAMP)

reports: $(STAMP)
	$(PY) -m compare build --jobs $(JOBS)

ingest: $(STAMP)
	$(PY) -m compare ingest

themes: $(STAMP)
	$(PY) -m compare themes

figures: $(STAMP)
	$(PY) -m compare figures

# tests run on $(JOBS) cores (pytest-xdist; a test file stays on one worker, so module fixtures are built
# once), in random order (pytest-randomly), with the import-linter contract (tests/test_architecture.py);
# the heaviest files are handed out first (tests/conftest.py, HEAVY_FILES), not the files with most tests;
# Python keeps its bytecode caches (__pycache__, ignored by git) even where PYTHONDONTWRITEBYTECODE is set:
# every report kernel, build worker and CLI process of the run would otherwise compile the package again
test: $(STAMP)
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -n $(JOBS) --dist loadfile --no-loadscope-reorder

# the quick loop while editing: everything but notebook executions and full builds (under a minute)
test-fast: $(STAMP)
	$(PY) -m pytest -n $(JOBS) --dist load -m "not slow"

# JupyterLab on the project with the project kernel (Jupyter refuses root without --allow-root: containers)
lab: $(STAMP)
	$(PY) -m jupyter lab --notebook-dir=. --MultiKernelManager.default_kernel_name=kexie-compare \
		$(if $(filter 0,$(shell id -u)),--allow-root)

# the documentation site (docs/ + the API pages from the docstrings) into site/; offline, no web fonts
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(PY) -m mkdocs build --strict --site-dir site

bench: $(STAMP)
	$(PY) -m pytest -q -p no:randomly benchmarks/test_harness.py
	$(PY) -m benchmarks.run

# clean keeps data/processed/doc_ids.json, the id registry (who holds which doc_id, no derived data), and
# file_numbers.json (each plan's number in the instrument codes 文件-章节-条目), so that a rebuild gives every
# plan the id and the codes it had; distclean removes them too
clean:
	test ! -d data/processed || find data/processed -mindepth 1 -maxdepth 1 ! -name doc_ids.json ! -name file_numbers.json ! -name .gitkeep -exec rm -rf {} +
	rm -rf figures/* reports/* .cache site

distclean: clean
	rm -rf $(VENV) data/processed/doc_ids.json data/processed/file_numbers.json

