# The two commands of the README, plus the slower checks. Each target creates or reuses its venv.
PYTHON ?= python3
VENV ?= .venv
SEVENN_VENV ?= .venv-sevenn
CONSTRAINTS ?= constraints.txt
BIN := $(VENV)/bin
CORES ?= 2

.PHONY: demo test test-gpu test-slurm benchmark benchmark-gpu benchmark-distill clean-results

# base stack: lesdistill, its tests, and the teachers that share it (CHGNet, tblite, MACE)
$(BIN)/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS) --editable '.[test,teachers]'
	touch $@

# SevenNet stack (e3nn >= 0.5 conflicts with mace-torch's e3nn 0.4.4)
$(SEVENN_VENV)/bin/.installed: pyproject.toml $(CONSTRAINTS)
	test -x $(SEVENN_VENV)/bin/python || $(PYTHON) -m venv $(SEVENN_VENV)
	$(SEVENN_VENV)/bin/python -m pip install --quiet --constraint $(CONSTRAINTS) --editable '.[test,sevenn]'
	touch $@

## demo: run the main job, the offline demo campaign (results/, summary.{csv,md}, figures in results/figures/, report.html)
demo: $(BIN)/.installed
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --configfile config/demo.yaml --cores $(CORES) --keep-going; \
	status=$$?; \
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --configfile config/demo.yaml --cores 1 summary --forcerun summary \
	&& PATH="$(abspath $(BIN)):$$PATH" $(BIN)/snakemake --configfile config/demo.yaml --report report.html; \
	exit $$(( status || $$? ))

## test: run the whole default test suite (SevenNet tests run in their own environment)
test: $(BIN)/.installed $(SEVENN_VENV)/bin/.installed
	LESDISTILL_SEVENN_PYTHON="$(abspath $(SEVENN_VENV))/bin/python" $(BIN)/python -m pytest

## test-gpu: CUDA against CPU (training and cross-device resume, MD, response, labelling, PME; `pytest -m gpu`, skipped without CUDA; needs a CUDA build of torch, see README)
test-gpu: $(BIN)/.installed
	$(BIN)/python -m pytest -m gpu

## test-slurm: the tiny workflow through a real one-node Slurm started here and stopped after (root, apt-get; ~3 min)
test-slurm: $(BIN)/.installed
	$(BIN)/python -c 'import snakemake_executor_plugin_slurm' 2>/dev/null || $(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS) --editable '.[slurm]'
	bash tests/slurm/run.sh $(abspath $(BIN))/python

## benchmark: time the electrostatics kernels and the teachers (benchmarks/results/*.json, ~10 min)
benchmark: $(BIN)/.installed $(SEVENN_VENV)/bin/.installed
	$(BIN)/python benchmarks/ewald.py
	LESDISTILL_SEVENN_PYTHON="$(abspath $(SEVENN_VENV))/bin/python" $(BIN)/python benchmarks/teachers.py

## benchmark-gpu: GPU figures next to the CPU ones of the same run (benchmarks/results/gpu.json; needs CUDA)
benchmark-gpu: $(BIN)/.installed
	$(BIN)/python benchmarks/gpu.py

## benchmark-distill: CHGNet → students on water, accuracy and speed (~2 h: teacher MD, both students side by side on one core each, timing; benchmarks/results/distill_water.json)
DISTILL := $(BIN)/python benchmarks/distill_water.py --timestep 1.0 --stride 20 --minutes 50
benchmark-distill: $(BIN)/.installed $(SEVENN_VENV)/bin/.installed
	$(DISTILL) --train-only --students
	$(DISTILL) --train-only --students mace --threads 1 & mace=$$!; \
	$(DISTILL) --train-only --students cace --threads 1 && wait $$mace
	LESDISTILL_SEVENN_PYTHON="$(abspath $(SEVENN_VENV))/bin/python" $(DISTILL)

clean-results:
	rm -rf results logs .snakemake
