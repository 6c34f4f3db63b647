# Two entry points for a fresh machine: `make test` and `make demo`.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
CORES  ?= 2
STAMP   = $(VENV)/.installed
# Snakemake through the front door: every config layer is checked as data first (to Snakemake itself a
# layer is code: it runs the Python of a layer holding __use_yte__), then snakemake gets the same arguments.
RUN     = $(BIN)/python -m cxrcontrast run

.PHONY: test test-fast demo report dryrun lint bench clean rulegraph report-screenshot

# The venv is (re)built when pyproject.toml changes; torch is capped at 2.14.1 there.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The fast tier (under a minute on 2 cores): everything but end-to-end runs, killed processes and compilation.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow"

# On a CPU machine the gpu resource only says how many model jobs run at once: $(CORES) of them,
# one thread each (many short jobs: their start-up overlaps). On a GPU machine: --resources gpu=1.
demo: $(STAMP)
	PATH=$(abspath $(BIN)):$$PATH $(RUN) --cores $(CORES) --resources gpu=$(CORES) --max-threads 1 \
		--configfile config/config.yaml config/demo.yaml

# The demo's HTML report (the same layers as the run: the report reads that config's results).
report: $(STAMP)
	$(RUN) --configfile config/config.yaml config/demo.yaml --report results/report.html

# The README's picture of the report (docs/report.png) from the demo's report (after make demo; needs chromium
# and chromedriver: tests/browser/install.sh).
report-screenshot: report
	$(BIN)/python tests/browser/report_screenshot.py results/report.html docs/report.png

dryrun: $(STAMP)
	$(RUN) -n --quiet rules --cores 8 --resources gpu=1

# Python (ruff: lint and format, one line length) and the rules (snakefmt); CI runs it before the tests.
PY_TREES = src tests benchmarks workflow/scripts
lint: $(STAMP)
	$(BIN)/ruff check $(PY_TREES)
	$(BIN)/ruff format --check $(PY_TREES)
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(RUN) --lint --configfile config/config.yaml config/demo.yaml

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf results .snakemake

# The rule graph picture shown in docs/layout.md (needs Graphviz's `dot`): every rule, for a made and a MedMNIST
# dataset (docs/rulegraph.yaml) and the targets all and data. Beside it, its DOT source and its rule names:
# tests/test_docs_pictures.py compares them with the workflow's own graph (without dot, which CI lacks).
RULEGRAPH = --configfile config/config.yaml config/demo.yaml docs/rulegraph.yaml --rulegraph dot -- all data
rulegraph: $(STAMP)
	$(RUN) $(RULEGRAPH) > docs/rulegraph.dot
	dot -Tpng -Gdpi=110 docs/rulegraph.dot -o docs/rulegraph.png
	sed -n 's/.*label = "\([a-z_]*\)".*/\1/p' docs/rulegraph.dot | sort > docs/rulegraph.rules
