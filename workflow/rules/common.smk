# Shared definitions: the validated campaign (lesdistill.config), its cells, wildcard constraints and
# input functions. All science happens in the `lesdistill` CLI that the rules call.
import re
import sys

from lesdistill.config.campaign import SETTINGS_STAGES
from lesdistill.response import decomposition

# CAMPAIGN: the campaign config validated by lesdistill.config.load_config (in the Snakefile).
TEACHERS = CAMPAIGN.teacher_ids
SYSTEMS = CAMPAIGN.system_names
CELLS = CAMPAIGN.cells()
CHARGED_SYSTEMS = [s for s in SYSTEMS if CAMPAIGN.systems[s].charges]
ENVS = Path(workflow.basedir).parent / "envs"
BASE_ENV = str(ENVS / "base.yaml")


wildcard_constraints:
    teacher="|".join(re.escape(t) for t in TEACHERS),
    system="|".join(re.escape(s) for s in SYSTEMS),
    round="[1-9][0-9]*",
    size="[1-9][0-9]*",
    variant="|".join(re.escape(v) for v in CAMPAIGN.finetune.variants),
    model="student|finetune-(" + "|".join(re.escape(v) for v in CAMPAIGN.finetune.variants) + ")/student"
    "|iteration[1-9][0-9]*/student",


def supplied(key, path):
    """``path`` (a str) when the optional data file exists; else None, after one warning naming the config
    key: the stages that need the file are left out of the DAG."""
    if path is None:
        return None
    if not Path(path).is_file():
        print(f"lesdistill: warning: {key}: {path} not found; the stages that need it are skipped", file=sys.stderr)
        return None
    return str(path)


def _sampled_dataset(system):
    kind, value = CAMPAIGN.sampling_source(system)
    if kind != "dataset":
        return None
    found = supplied(f"systems.{system}.sampling.dataset", value)
    if found is None:
        print(f"lesdistill: warning: systems.{system}: each teacher samples its own frames instead", file=sys.stderr)
    return found


#: The optional user data each system has (None where not given or not found: those stages are skipped).
SAMPLED_DATASET = {s: _sampled_dataset(s) for s in SYSTEMS}
DFT_DATA = {s: supplied(f"systems.{s}.finetune_data", CAMPAIGN.systems[s].finetune_data) for s in SYSTEMS}
BEC_REFERENCE = {s: supplied(f"systems.{s}.bec_reference", CAMPAIGN.systems[s].bec_reference) for s in SYSTEMS}


def learning_curve_files():
    """The metrics of every learning-curve student of the campaign (systems with learning_curve)."""
    return [f"results/{t}/{s}/learning_curve/{n}/metrics.json" for t, s in CELLS
            for n in CAMPAIGN.systems[s].learning_curve or ()]


def cell_files(name):
    """results/{teacher}/{system}/<name> for every cell of the campaign."""
    return [f"results/{teacher}/{system}/{name}" for teacher, system in CELLS]


#: Systems with the direct-fit baseline (finetune.direct_fit and DFT data): results/dft-direct/{system}/.
DIRECT_FIT_SYSTEMS = [s for s in SYSTEMS if CAMPAIGN.finetune.direct_fit and DFT_DATA[s]]


def variant_files(name):
    """results/{teacher}/{system}/finetune-{variant}/<name> for every fine-tuning cell (systems with DFT data)."""
    return [f"results/{t}/{s}/finetune-{v}/{name}" for t, s in CELLS if DFT_DATA[s] for v in CAMPAIGN.finetune.variants]


def lesdistill(teacher):
    """The command that runs teacher stages: `lesdistill`, or the interpreter of the teacher's own
    environment (teacher_overrides.<id>.python) for stacks that cannot share the base one."""
    python = CAMPAIGN.teacher_override(teacher).python
    return [str(python), "-m", "lesdistill.cli"] if python else ["lesdistill"]


def teacher_env(wildcards):
    """Conda environment of the teacher's stack (`--sdm conda`): the override, else envs/<catalog env>.yaml."""
    override = CAMPAIGN.teacher_override(wildcards.teacher).conda_env
    if override is not None:
        return str(Path(override).resolve())
    return str(ENVS / f"{CAMPAIGN.catalog()[wildcards.teacher].env}.yaml")


#: kinds of figure (file-name prefixes), each with its report caption in workflow/report/<kind>.rst
FIGURE_KINDS = ("ir", "bec_distributions", "groups", "density")


def report_figure(path):
    """``path`` as an item of the report: the caption of its kind, labelled by kind and cell."""
    stem = Path(path).stem
    kind = next(k for k in FIGURE_KINDS if stem == k or stem.startswith(f"{k}_"))
    return report(path, caption=f"../report/{kind}.rst", category="Figures",
                  labels={"figure": kind, "cell": stem.removeprefix(kind).removeprefix("_") or "all"})


def catalog_option(wildcards):
    """--catalog FILE when the config extends the catalog or overrides checkpoints (a list of arguments)."""
    return ["--catalog", "results/settings/catalog.yaml"] if CAMPAIGN.catalog_entries() else []


def catalog_input(wildcards):
    return ["results/settings/catalog.yaml"] if CAMPAIGN.catalog_entries() else []


def sampled_frames(wildcards):
    """The frames a cell labels: the system's dataset, the MD of its sampling teacher, or the cell's own MD
    (CAMPAIGN.sampling_source). Shared frames and the one labelling seed give every teacher the same split."""
    if SAMPLED_DATASET[wildcards.system] is not None:
        return SAMPLED_DATASET[wildcards.system]
    kind, teacher = CAMPAIGN.sampling_source(wildcards.system)
    return f"results/{teacher if kind == 'teacher' else wildcards.teacher}/{wildcards.system}/sample.nc"


def teacher_becs(wildcards):
    """The teacher's own BECs on the cell's test frames, where the teacher has a charge model (else none)."""
    if not CAMPAIGN.has_teacher_becs(wildcards.teacher):
        return []
    return [f"results/{wildcards.teacher}/{wildcards.system}/teacher_bec.extxyz"]


def round_student(teacher, system, round_):
    """The student after iterative round ``round_`` (0: the first distillation)."""
    cell = f"results/{teacher}/{system}"
    return f"{cell}/iteration{round_}/student.pt" if round_ else f"{cell}/student.pt"


def previous_student(wildcards):
    """The student whose MD an iterative round explores: that of the round before."""
    return round_student(wildcards.teacher, wildcards.system, int(wildcards.round) - 1)


def round_labels(wildcards):
    """Every label set of a cell up to this iterative round: the teacher-sampled frames, then each round's."""
    cell = f"results/{wildcards.teacher}/{wildcards.system}"
    return [f"{cell}/labels.nc"] + [f"{cell}/iteration{r}/labels.nc" for r in range(1, int(wildcards.round) + 1)]


def distilled_student(wildcards):
    """The distilled student after the last iterative round (iterative.rounds)."""
    return round_student(wildcards.teacher, wildcards.system, CAMPAIGN.iterative.rounds)


def variant_student(wildcards):
    """The student of a fine-tuning cell."""
    return f"results/{wildcards.teacher}/{wildcards.system}/finetune-{wildcards.variant}/student.pt"


def dft_data(wildcards):
    """The system's DFT data set (finetune_data) as a list of zero or one input files."""
    data = DFT_DATA[wildcards.system]
    return [data] if data is not None else []


def cell_md_student(teacher, system):
    """The student that runs a cell's long MD: the distilled one (fine-tuned students are cells of their own)."""
    return round_student(teacher, system, CAMPAIGN.iterative.rounds)


def gate_of(student):
    """The quality-gate verdict of a student file (…/student.pt → …/student.gate.json)."""
    return student.removesuffix(".pt") + ".gate.json"


def gate_labels(wildcards):
    """What a student is judged on: the system's DFT data for a fine-tuned one, else the cell's teacher labels."""
    if wildcards.model.startswith("finetune-"):
        return DFT_DATA[wildcards.system]
    return f"results/{wildcards.teacher}/{wildcards.system}/labels.nc"


def get_decomposition(system):
    """The group decomposition of a system's dipole current (its `groups`, else the registry's; None: none)."""
    return CAMPAIGN.decomposition(system)


def get_settings(stage=None):
    """Params function of a settings rule: the resolved settings of ``stage`` (default: the ``stage``
    wildcard) for the job's system, round, variant and size (the model's elements are added by the script)."""

    def settings(w):
        number = {key: int(w[key]) for key in ("round", "size") if key in w.keys()}
        return CAMPAIGN.stage_settings(stage or w.stage, w.get("system"), round_=number.get("round"),
                                       variant=w.get("variant"), size=number.get("size"))

    return settings


def per_attempt(amount):
    """Resource function: ``amount`` (MB of memory, minutes of run time) times the attempt, so that a job
    retried after running out of either asks for more."""
    return lambda wildcards, attempt: amount * attempt


def device_option(stage):
    """Params function: ["--device", <device>] of a stage's jobs (config `device`, `devices.<stage>`)."""
    return lambda wildcards: ["--device", CAMPAIGN.device_for(stage, wildcards.get("teacher"))]


def gpus(stage):
    """Resource function: GPUs a stage's job books, 1 exactly when its device names CUDA (the SLURM
    profile turns it into --gpus=1); `auto` and `cpu` book none."""
    return lambda wildcards: CAMPAIGN.gpus_for(stage, wildcards.get("teacher"))
