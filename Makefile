# The two commands of the README, plus the slower checks. Each target creates or reuses its venv.
PYTHON ?= python3
VENV ?= .venv
SEVENN_VENV ?= .venv-sevenn
CONSTRAINTS ?= constraints.txt
BIN := $(VENV)/bin
CORES ?= 2
# foundation-teacher stacks that share torch 2.13 (one venv each: .venv-<stack>); mace is the base stack
STACKS := fairchem orb pet sevenn so3lr
V1 := .venv-fairchem-v1

.PHONY: demo test test-fast test-gpu test-slurm test-teachers test-teachers-v1 benchmark benchmark-gpu benchmark-distill \
	benchmark-teacher-bec \
	clean-results env-mace env-base env-fairchem-v1 $(STACKS:%=env-%)

# base stack: lesdistill, its tests, and the teachers that share it (CHGNet, tblite, MACE)
$(BIN)/.installed: pyproject.toml $(CONSTRAINTS) envs/constraints/base.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS) --constraint envs/constraints/base.txt --editable '.[test,teachers]'
	touch $@

# one stack: pinned by constraints.txt (torch 2.13.0 CPU) + envs/constraints/<stack>.txt, lesdistill editable
.venv-%/bin/.installed: pyproject.toml $(CONSTRAINTS) envs/constraints/%.txt
	test -x .venv-$*/bin/python || $(PYTHON) -m venv .venv-$*
	.venv-$*/bin/python -m pip install --quiet --constraint $(CONSTRAINTS) --constraint envs/constraints/$*.txt --editable '.[test,$*]'
	touch $@

# fairchem-core 1.10 (GemNet-OC, EquiformerV2): torch 2.4.1 (a ~6 GB CUDA wheel; runs on the CPU), numpy < 2;
# torch-scatter / torch-sparse exist only as source releases: built here for the CPU (10-30 min on 2 cores)
$(V1)/bin/.installed: pyproject.toml envs/constraints/fairchem-v1.txt
	test -x $(V1)/bin/python || $(PYTHON) -m venv $(V1)
	$(V1)/bin/python -m pip install --quiet --upgrade pip setuptools wheel
	$(V1)/bin/python -m pip install --quiet --constraint envs/constraints/fairchem-v1.txt --editable '.[test,fairchem-v1]'
	FORCE_ONLY_CPU=1 $(V1)/bin/python -m pip install --quiet --no-build-isolation --constraint envs/constraints/fairchem-v1.txt torch-scatter torch-sparse
	touch $@

## env-<stack>: build (or reuse) one teacher stack: env-mace (= env-base, .venv), env-fairchem, env-orb, env-pet, env-sevenn, env-so3lr, env-fairchem-v1
env-mace env-base: $(BIN)/.installed
$(STACKS:%=env-%): env-%: .venv-%/bin/.installed
env-fairchem-v1: $(V1)/bin/.installed

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

## test-fast: the suite without the tests marked slow (113 s on 2 cores; for development: `make test` stays the CI command)
test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -m 'not slow and not teachers'

## test-teachers: every stack's environment (built or reused), and in each the random-weight adapter tests and a CLI label run (tests/teachers/, ~15 min)
TEACHER_PYTEST := -m pytest -m teachers tests/teachers -q -p no:cacheprovider
test-teachers: $(BIN)/.installed $(STACKS:%=.venv-%/bin/.installed)
	@set -e; for python in $(BIN)/python $(STACKS:%=.venv-%/bin/python); do \
		echo "== teacher tests in $$python"; LESDISTILL_TEACHER_PYTHON="$(abspath .venv-fairchem)/bin/python" \
		OMP_NUM_THREADS=$(CORES) $$python $(TEACHER_PYTEST); done

## test-teachers-v1: the fairchem-v1 stack (GemNet-OC, EquiformerV2; builds torch-scatter/torch-sparse once, 10-30 min)
test-teachers-v1: $(V1)/bin/.installed
	OMP_NUM_THREADS=$(CORES) $(V1)/bin/python $(TEACHER_PYTEST)

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

## benchmark-teacher-bec: SO3LR → CACE-LES student on water, its BECs against SO3LR's own (about 1.5 h on 2 cores: sampling 32 min, four students; benchmarks/results/teacher_bec_so3lr/)
benchmark-teacher-bec: $(BIN)/.installed .venv-so3lr/bin/.installed
	PATH="$(abspath $(BIN)):$$PATH" CORES=$(CORES) bash benchmarks/teacher_bec_so3lr.sh .venv-so3lr/bin/python

clean-results:
	rm -rf results logs .snakemake
