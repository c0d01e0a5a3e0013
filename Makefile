# The two commands of the README: `make synth` and `make test`.
# Both set themselves up on a fresh machine (virtual environment, Python and npm
# dependencies) and put the project's Node.js 22 first (docs/decisions/0002-node-22-from-npm.md).

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
export PATH := $(CURDIR)/node_modules/.bin:$(CURDIR)/$(VENV)/bin:$(PATH)
export JSII_NODE := $(CURDIR)/node_modules/.bin/node
# Python writes its bytecode cache (__pycache__/, ignored by git) even where the
# environment says not to: otherwise every process of the test suite compiles
# the package again (docs/speed.md, "The test suite").
unexport PYTHONDONTWRITEBYTECODE
# Independent targets run side by side, each one's output printed whole when it
# ends: in `make test`, mypy's cold start (about 15 s) overlaps pytest.
MAKEFLAGS += -j3 --output-sync=target

.PHONY: synth test lint typecheck unit setup bench clean

# Every output of the catalog, so the stacks, the bootstrap scripts and the
# application repository's workflows stay in step, and the README's estimates
# of the stacks written.
synth: setup
	$(PY) -m mindmirror_infra.cli synth
	$(PY) -m mindmirror_infra.cli bootstrap render
	$(PY) -m mindmirror_infra.cli workflows render --own-workflow .github/workflows/infrastructure.yml
	$(PY) -m mindmirror_infra.cost.readme README.md

test: setup lint typecheck unit

setup: $(STAMP) $(NODE_STAMP)

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: setup
	$(VENV)/bin/mypy

# On every core up to four, whole files per worker: a file's module fixtures
# (a rendered project, a first run of the scripts) are built once.
unit: setup
	$(VENV)/bin/pytest --numprocesses=auto --maxprocesses=4 --dist=loadfile --no-loadscope-reorder

# Not part of `test`: timings, as ratios to a floor measured in the same run.
bench: setup
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) node_modules
