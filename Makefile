# triplewin developer tasks.  `make` alone sets up the virtualenv.
#
#   make venv    create .venv (Python >= 3.12) and pip install -e '.[test,sweep,app,calibrate,docs]'
#   make demo    run the baseline scenario (with plots)
#   make lesson  open the lesson notebook docs/tutorial.ipynb in Jupyter (installs it once)
#   make test    run the test suite (pytest, 2 xdist workers)
#   make test-fast  the suite without the long paired multi-seed tests (-m "not slow")
#   make bench   run the benchmark (bench/run.py; ARGS=--quick for a fast check)
#   make docs    regenerate docs/parameters.md and the tables in docs/ODD.md (sim.reference)
#   make site    build the docs site into build/site/ (Sphinx, offline, warnings are errors)
#   make wheel   build the wheel (with the scenario library inside) into dist/
#   make baseline  rewrite tests/baseline/ (regression baseline) and print what moved
#   make validation  calibrate (ABC, CAL_BUDGET runs) and validate history into docs/validation/
#   make clean   remove .venv and caches (never touches results/)
#
# Override the interpreter with `make venv TRIPLEWIN_PYTHON=/path/to/python3.12`.

.DEFAULT_GOAL := venv
.DELETE_ON_ERROR:
.PHONY: help venv demo test bench clean

VENV      := .venv
VPY       := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
EXTRAS    := test,sweep,app,calibrate,docs
PIP_FLAGS := -q --disable-pip-version-check --progress-bar off
SCENARIO  := scenarios/baseline.yaml
PYTEST_ARGS :=

help:
	@sed -n 's/^#   //p' Makefile

venv: $(STAMP)

# Create the environment.  pyvenv.cfg is a real file (bin/python is a symlink
# whose mtime would be the base interpreter's).  A half-made venv is removed.
$(VENV)/pyvenv.cfg:
	@py=$$(bash scripts/find-python.sh) || exit 1; \
	echo "Creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV) || { rm -rf $(VENV); exit 1; }

# Install / refresh the dependencies only when pyproject.toml changed.
# pip's own output is kept (errors included); only the harmless per-package
# "Location 'file:///opt/pypi...' is ignored" warnings, produced by this
# machine's extra-index-url config, are filtered out.  pip's exit code is kept.
$(STAMP): pyproject.toml $(VENV)/pyvenv.cfg
	@echo "Installing triplewin and dependencies into $(VENV) (-e '.[$(EXTRAS)]') ..."
	@{ $(VPY) -m pip install $(PIP_FLAGS) -e '.[$(EXTRAS)]' 2>&1; echo $$? > $(VENV)/.pip-rc; } \
	    | { grep -v "is ignored: it is neither a file nor a directory" || true; }; \
	rc=$$(cat $(VENV)/.pip-rc); rm -f $(VENV)/.pip-rc; \
	if [ "$$rc" -ne 0 ]; then echo "pip install failed (exit $$rc)" >&2; exit $$rc; fi
	@touch $@

# compileall: where PYTHONDONTWRITEBYTECODE is set, Python would compile sim/ on every command
demo: venv
	@$(VPY) -m compileall -q sim
	$(VENV)/bin/triplewin run $(SCENARIO)

# The lesson notebook (shipped with its outputs): Jupyter's `notebook` is installed into .venv
# the first time (the 'lesson' extra), then the notebook opens in the browser.
.PHONY: lesson
lesson: venv
	@$(VPY) -c "import notebook" 2>/dev/null || $(VPY) -m pip install $(PIP_FLAGS) -e '.[lesson]'
	$(VENV)/bin/jupyter notebook docs/tutorial.ipynb

test: venv
	$(VPY) -m pytest -n 2 $(PYTEST_ARGS)

.PHONY: test-fast
test-fast: venv
	$(VPY) -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)

# One table (agent-steps/s vs Mesa's Boltzmann model, scaling, replication and CLI wall times,
# start-up, sweep throughput and memory) on stdout, bench/results.md and bench/results.json.
# `make bench ARGS=--quick` skips 100k agents and the 2,000-run sweep; see docs/performance.md.
bench: venv
	$(VPY) bench/run.py $(ARGS)

.PHONY: docs
docs: venv
	$(VPY) -m sim.reference

# The docs site: every docs/*.md page, the README, and the API reference from the docstrings.
# Offline (no intersphinx, no CDN); -W: a warning fails the build; -n is not used (type hints of
# third-party classes have no target without the network). tests/test_site.py builds it too.
SITE := build/site
.PHONY: site
site: venv
	rm -rf $(SITE) build/doctrees docs/reference/_api
	$(VPY) -m sphinx -W --keep-going -q -b html -d build/doctrees docs $(SITE)
	@echo "Site: $(SITE)/index.html"

# The wheel and the source distribution (setup.py copies scenarios/ and sweeps/ into the wheel).
.PHONY: wheel
wheel: venv
	rm -rf dist
	$(VPY) -m pip wheel $(PIP_FLAGS) --no-deps --no-build-isolation -w dist .
	@ls dist/*.whl

# The deliberate update of the regression baseline (tests/test_regression.py): run it when a
# change is meant to move the numbers, read what moved, commit tests/baseline/ with the change.
.PHONY: baseline
baseline: venv
	$(VPY) tests/regenerate_baseline.py

# The calibration and validation record kept with the docs (replaced on purpose): ABC against
# the calibration patterns (CAL_BUDGET runs; a few minutes on 2 cores), then the held-out
# patterns on the accepted ensemble, and how the ensemble changes one verdict. The ABC database
# is not kept (the ensemble, its manifest and figures are, under docs/validation/calibration/).
CAL_BUDGET := 200
.PHONY: validation
validation: venv
	rm -rf docs/validation
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(VENV)/bin/triplewin calibrate scenarios/historical.yaml --budget $(CAL_BUDGET) \
	    --out "$$tmp/calibration" && \
	$(VENV)/bin/triplewin validate-history scenarios/historical.yaml \
	    --ensemble "$$tmp/calibration/ensemble.parquet" \
	    --verdicts scenarios/no-cooperation.yaml:scenarios/third-party-cooperation.yaml \
	    --out docs/validation

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist *.egg-info docs/reference/_api
	find . \( -path ./results -o -path ./.git \) -prune -o \
	    -type d \( -name __pycache__ -o -name '*.egg-info' \) -exec rm -rf {} +
