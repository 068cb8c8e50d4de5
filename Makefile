# The two commands of the README, plus the slower checks. Each target creates or reuses .venv.
PYTHON ?= python3
VENV ?= .venv
CONSTRAINTS ?= constraints.txt
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: demo test benchmark clean-results

$(BIN)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS) --editable '.[test]'
	touch $@

## demo: run the main job, the offline demo campaign (results/)
demo: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --configfile config/demo.yaml --cores $(CORES)

## test: run the whole default test suite
test: $(BIN)/.installed
	$(BIN)/python -m pytest

## benchmark: time the electrostatics kernels (writes benchmarks/results/ewald.json, ~5 min)
benchmark: $(BIN)/.installed
	$(BIN)/python benchmarks/ewald.py

clean-results:
	rm -rf results logs .snakemake
