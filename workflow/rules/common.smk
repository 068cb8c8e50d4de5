# Shared definitions: the validated campaign (lesdistill.config), its cells, wildcard constraints and
# input functions. All science happens in the `lesdistill` CLI that the rules call.
import re

# CAMPAIGN: the campaign config validated by lesdistill.config.load_config (in the Snakefile).
TEACHERS = CAMPAIGN.teacher_ids
SYSTEMS = CAMPAIGN.system_names
CELLS = CAMPAIGN.cells()
CHARGED_SYSTEMS = [s for s in SYSTEMS if CAMPAIGN.systems[s].charges]
DECOMPOSITIONS = {"water": None, "hcl": "hcl", "tio2-water": "water-layers"}
ENVS = Path(workflow.basedir).parent / "envs"
BASE_ENV = str(ENVS / "base.yaml")


wildcard_constraints:
    teacher="|".join(re.escape(t) for t in TEACHERS),
    system="|".join(re.escape(s) for s in SYSTEMS),
    round="[1-9][0-9]*",
    model="student|student_finetuned|iteration[1-9][0-9]*/student",


def cell_files(name):
    """results/{teacher}/{system}/<name> for every cell of the campaign."""
    return [f"results/{teacher}/{system}/{name}" for teacher, system in CELLS]


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


def figure_caption(path):
    """Report category and label of a figure from its file name."""
    stem = Path(path).stem
    kind, _, cell = stem.partition("_")
    return {"figure": kind, "cell": cell or "all"}


def catalog_option(wildcards):
    """--catalog FILE when the config extends the catalog or overrides checkpoints (a list of arguments)."""
    return ["--catalog", "results/settings/catalog.yaml"] if CAMPAIGN.catalog_entries() else []


def catalog_input(wildcards):
    return ["results/settings/catalog.yaml"] if CAMPAIGN.catalog_entries() else []


def sampled_frames(wildcards):
    """The teacher MD that a cell labels: its own, or that of the campaign's sampling teacher."""
    teacher = CAMPAIGN.sampling.teacher or wildcards.teacher
    return f"results/{teacher}/{wildcards.system}/sample.nc"


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


def cell_md_student(teacher, system):
    """The student that runs a cell's long MD: fine-tuned when the system has DFT data, else the distilled one."""
    if CAMPAIGN.finetune_for(system):
        return f"results/{teacher}/{system}/student_finetuned.pt"
    return round_student(teacher, system, CAMPAIGN.iterative.rounds)


def md_student(wildcards):
    """The student that runs the long MD (:func:`cell_md_student` of the job's cell)."""
    return cell_md_student(wildcards.teacher, wildcards.system)


def gate_of(student):
    """The quality-gate verdict of a student file (…/student.pt → …/student.gate.json)."""
    return student.removesuffix(".pt") + ".gate.json"


def gate_labels(wildcards):
    """What a student is judged on: the system's DFT data for the fine-tuned one, else the cell's teacher labels."""
    if wildcards.model == "student_finetuned":
        return str(CAMPAIGN.systems[wildcards.system].finetune_data)
    return f"results/{wildcards.teacher}/{wildcards.system}/labels.nc"


def groups_option(wildcards):
    """--groups of `lesdistill response` for the system's builder (HCl: hydronium; TiO2: water layers)."""
    name = DECOMPOSITIONS[CAMPAIGN.systems[wildcards.system].builder]
    return ["--groups", name] if name else []


def device_option(stage):
    """Params function: ["--device", <device>] of a stage's jobs (config `device`, `devices.<stage>`)."""
    return lambda wildcards: ["--device", CAMPAIGN.device_for(stage, wildcards.get("teacher"))]


def gpus(stage):
    """Resource function: GPUs a stage's job books, 1 exactly when its device names CUDA (the SLURM
    profile turns it into --gpus=1); `auto` and `cpu` book none."""
    return lambda wildcards: CAMPAIGN.gpus_for(stage, wildcards.get("teacher"))
