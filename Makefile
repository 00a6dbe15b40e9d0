# triplewin developer tasks.  `make` alone sets up the virtualenv.
#
#   make venv    create .venv (Python >= 3.12) and pip install -e '.[test,sweep]'
#   make demo    run the baseline scenario (with plots)
#   make test    run the test suite (pytest, 2 xdist workers)
#   make bench   run bench/run.py
#   make docs    regenerate docs/parameters.md and the tables in docs/ODD.md (sim.reference)
#   make clean   remove .venv and caches (never touches results/)
#
# Override the interpreter with `make venv TRIPLEWIN_PYTHON=/path/to/python3.12`.

.DEFAULT_GOAL := venv
.DELETE_ON_ERROR:
.PHONY: help venv demo test bench clean

VENV      := .venv
VPY       := $(VENV)/bin/python
STAMP     := $(VENV)/.installed
EXTRAS    := test,sweep
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

demo: venv
	$(VENV)/bin/triplewin run $(SCENARIO)

test: venv
	$(VPY) -m pytest -n 2 tests $(PYTEST_ARGS)

bench: venv
	@test -f bench/run.py || { echo "bench/run.py does not exist yet" >&2; exit 1; }
	$(VPY) bench/run.py

.PHONY: docs
docs: venv
	$(VPY) -m sim.reference

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build dist *.egg-info
	find . \( -path ./results -o -path ./.git \) -prune -o \
	    -type d \( -name __pycache__ -o -name '*.egg-info' \) -exec rm -rf {} +
