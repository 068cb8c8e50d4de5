"""The campaign configuration (teachers × systems → students → MD → BEC → IR) as pydantic models.

Units as everywhere in lesdistill: Å, eV, fs, K, e, cm⁻¹. Every section forbids unknown keys. The
campaign-wide sections (``sampling``, ``training``, ``student``, ``student_md``, ``ir``) hold the
defaults; a system may override parts of them (``systems.NAME.sampling_md``, ``.student_md``,
``.training``, ``.ir``: only the keys given; ``.student``: the whole student). The resolved settings
of one system come from the methods of :class:`CampaignConfig` (``md_settings``,
``training_settings``, ``student_model``, ``ir_settings``, ``label_split``), which also back the
consistency checks run at load time.
"""

from __future__ import annotations

import difflib
import functools
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ..device import DEVICE_PATTERN, is_cuda
from ..md.settings import MDSettings, load_settings
from ..quality import QualitySettings
from ..teachers.checkpoints import bundled_name, checkpoint_root
from ..teachers.loader import runs_on_cpu_only
from ..teachers.spec import TeacherSpec, load_catalog
from ..systems.arguments import parameter_arguments
from ..systems.registry import SYSTEMS, SystemSpec, system_spec
from ..training.settings import TrainSettings
from .fields import Element, ExistingFile, Fraction, PathText, Section, Slug, partial_model, resolve_path, set_fields

#: Speed of light (cm/s): a current sampled every Δt fs resolves up to ν̃ = 10¹⁵ / (2 Δt c) cm⁻¹ (Nyquist).
SPEED_OF_LIGHT_CM_S = 2.99792458e10
STAGES = ("sampling", "student")
#: the workflow rules that compute (each passes --device); the first four run a teacher
COMPUTE_STAGES = ("relax", "sample", "label", "relabel", "train", "finetune", "explore", "retrain", "student_md",
                  "gate", "evaluate", "response", "electrostatics")
TEACHER_STAGES = COMPUTE_STAGES[:4]
Device = Annotated[str, Field(pattern=DEVICE_PATTERN, description="auto, cpu, cuda or cuda:N")]


# --------------------------------------------------------------------------------------------- teachers
TeacherId = Annotated[Slug, Field(description="teacher id from the catalog (`lesdistill teachers`)")]


@functools.lru_cache(maxsize=8)
def _catalog(extra: str | None, mtime: float | None) -> dict[str, TeacherSpec]:
    return load_catalog(extra)


def teacher_catalog(extra: Path | None = None) -> dict[str, TeacherSpec]:
    """The shipped catalog extended by ``extra`` (cached per file and modification time)."""
    if extra is None:
        return _catalog(None, None)
    extra = Path(extra)
    return _catalog(str(extra), extra.stat().st_mtime if extra.exists() else None)


def unknown_teacher_message(teacher: str, catalog: dict[str, TeacherSpec]) -> str:
    """'unknown teacher id; did you mean …' with close matches, else the known ids."""
    close = difflib.get_close_matches(teacher, list(catalog), n=3, cutoff=0.6)
    if close:
        return f"unknown teacher id; did you mean {', '.join(close)}? (`lesdistill teachers` lists the catalog)"
    return f"unknown teacher id; known: {', '.join(sorted(catalog))}"


class TeacherOverride(Section):
    """Per-teacher overrides of the catalog entry: a local checkpoint file, or where its stack lives."""

    checkpoint: ExistingFile | None = Field(
        None, description="checkpoint file to use instead of the catalog's (absolute or relative to the "
        "working directory); must exist")
    sha256: str | None = Field(None, pattern=r"^[0-9a-fA-F]{64}$",
                               description="SHA-256 of the override checkpoint, verified at load")
    conda_env: ExistingFile | None = Field(
        None, description="conda environment file of the teacher's stack (e.g. envs/sevenn.yaml); must exist")
    python: PathText | None = Field(
        None, description="Python interpreter of a separate environment that runs this teacher's stages "
        "(e.g. .venv-sevenn/bin/python for SevenNet, whose e3nn conflicts with mace-torch)")

    @model_validator(mode="after")
    def _consistent(self) -> TeacherOverride:
        if self.conda_env is not None and self.python is not None:
            raise PydanticCustomError("override_conflict", "give conda_env or python, not both")
        if self.sha256 is not None and self.checkpoint is None:
            raise PydanticCustomError("override_conflict", "sha256 needs a checkpoint override")
        return self


# --------------------------------------------------------------------------------------------- systems
MDOverrides = partial_model(
    MDSettings, "MDOverrides",
    "Per-system overrides of MD settings: only the keys given replace the campaign-wide values.")
TrainOverrides = partial_model(
    TrainSettings, "TrainOverrides",
    "Per-system overrides of the training settings: only the keys given replace the campaign-wide values.")


class ChargeHeadConfig(Section):
    """Latent-charge head: MLP widths and output scale (q = scale·(MLP + linear))."""

    hidden: list[Annotated[int, Field(gt=0)]] = Field([32, 16], min_length=1)
    scale: float = Field(0.1, gt=0)


class MaceBackboneConfig(Section):
    """mace-torch ScaleShiftMACE hyperparameters (defaults: the paper's MACELES for water)."""

    atomic_numbers: list[Annotated[int, Field(ge=1, le=118)]] | None = Field(
        None, description="elements the student knows; default: those of the system")
    r_max: float = Field(4.5, gt=0, description="cutoff (Å)")
    num_interactions: int = Field(2, ge=1)
    channels: int = Field(64, ge=1)
    max_L: int = Field(1, ge=0)
    correlation: int = Field(2, ge=1)
    max_ell: int = Field(3, ge=0)
    num_bessel: int = Field(8, ge=1)
    num_polynomial_cutoff: int = Field(5, ge=1)
    avg_num_neighbors: float = Field(10.0, gt=0)
    mlp_channels: int = Field(16, ge=1)


class CaceBackboneConfig(Section):
    """Strictly local Cartesian cluster-expansion backbone (defaults: the paper's CACE-LES for TiO2–water)."""

    atomic_numbers: list[Annotated[int, Field(ge=1, le=118)]] | None = Field(
        None, description="elements the student knows; default: those of the system")
    cutoff: float = Field(5.5, gt=0, description="cutoff (Å)")
    n_radial: int = Field(6, ge=1, description="trainable Bessel functions")
    n_embed: int = Field(3, ge=1, description="atom-basis (element embedding) channels")
    n_channels: int = Field(12, ge=1, description="radial channels")
    l_max: int = Field(3, ge=0, le=3)
    nu_max: Literal[1, 2, 3] = 3
    mlp: list[Annotated[int, Field(gt=0)]] = Field([32, 16], min_length=1)
    avg_neighbors: float = Field(1.0, gt=0)


class _StudentBase(Section):
    head_config: ChargeHeadConfig | None = Field(None, description="latent-charge head (default: backbone default)")
    sigma: float = Field(1.0, gt=0, description="LES Gaussian smearing σ (Å)")
    dl: float = Field(2.0, gt=0, description="LES k-space resolution: k cutoff 2π/dl (Å)")
    use_les: bool = Field(True, description="False trains the short-range backbone alone (ablation)")

    def model_file(self, atomic_numbers: list[int] | None = None) -> dict[str, Any]:
        """The mapping ``lesdistill train --model`` reads (atomic numbers filled in when given)."""
        data = self.model_dump(exclude_none=True)
        if atomic_numbers is not None and data["backbone_config"].get("atomic_numbers") is None:
            data["backbone_config"]["atomic_numbers"] = sorted(int(z) for z in set(atomic_numbers))
        return data


class MaceStudent(_StudentBase):
    """Student with the MACE backbone (MACELES)."""

    backbone: Literal["mace"]
    backbone_config: MaceBackboneConfig = Field(default_factory=MaceBackboneConfig)


class CaceStudent(_StudentBase):
    """Student with the strictly local CACE backbone (CACE-LES)."""

    backbone: Literal["cace"]
    backbone_config: CaceBackboneConfig = Field(default_factory=CaceBackboneConfig)


StudentConfig = Annotated[MaceStudent | CaceStudent, Field(discriminator="backbone")]


class IRConfig(Section):
    """IR spectrum of the dipole current J(t) = Σ Z*·v (options of ``lesdistill.spectra.ir_spectrum``)."""

    block_length_fs: float = Field(1250.0, gt=0, description="length of the averaged blocks (fs); paper: "
                                   "5000 frames = 1250 fs at 0.25 fs")
    window: Literal["none", "hann"] = "none"
    overlap: Fraction = Field(0.5, description="fractional overlap of consecutive blocks, in [0, 1)")
    zero_pad: int = Field(1, ge=1, description="zero-padding factor of each block")
    max_wavenumber_cm1: float = Field(4000.0, gt=0, description="highest wavenumber kept (cm⁻¹)")
    smoothing_cm1: float | None = Field(None, gt=0, description="Gaussian smoothing σ (cm⁻¹)")
    normalize: Literal["max"] | tuple[Annotated[float, Field(ge=0)], Annotated[float, Field(gt=0)]] | None = Field(
        None, description="'max', or a band [low, high] (cm⁻¹) whose maximum becomes 1")
    nqe_shift: bool = Field(False, description="the paper's empirical nuclear-quantum red shift of the frequencies")
    quantum_correction_K: float | None = Field(None, gt=0, description="harmonic quantum correction of "
                                               "intensities at this temperature (K)")
    reference: Slug | None = Field(None, description="name of the experimental reference spectrum compared to")

    @field_validator("normalize")
    @classmethod
    def _band(cls, value):
        if isinstance(value, tuple) and not value[0] < value[1]:
            raise PydanticCustomError("band", "band must be [low, high] with low < high (cm⁻¹)")
        return value

    def command_arguments(self) -> list[str]:
        """Options of ``lesdistill ir`` for these settings."""
        arguments = ["--block-length-fs", str(self.block_length_fs), "--window", self.window, "--overlap",
                     str(self.overlap), "--zero-pad", str(self.zero_pad), "--max-wavenumber", str(self.max_wavenumber_cm1)]
        if self.smoothing_cm1 is not None:
            arguments += ["--smoothing-cm1", str(self.smoothing_cm1)]
        if self.normalize is not None:
            arguments += ["--normalize", self.normalize if self.normalize == "max" else ",".join(map(str, self.normalize))]
        if self.nqe_shift:
            arguments.append("--nqe-shift")
        if self.quantum_correction_K is not None:
            arguments += ["--quantum-correction-K", str(self.quantum_correction_K)]
        if self.reference is not None:
            arguments += ["--reference", self.reference]
        return arguments


IROverrides = partial_model(
    IRConfig, "IROverrides",
    "Per-system overrides of the IR settings: only the keys given replace the campaign-wide values.")
QualityOverrides = partial_model(
    QualitySettings, "QualityOverrides",
    "Quality-gate thresholds (also the campaign section, over the per-system defaults): only the keys given "
    "replace the defaults.")


DATA_SUFFIXES = (".nc", ".extxyz", ".xyz")


class SystemSampling(Section):
    """Where a system's labelled frames come from; exactly one of: ``teacher`` (that teacher's MD,
    labelled by every teacher of the system), ``dataset`` (a file of frames, labelled by every teacher)
    or ``per_teacher: true`` (each teacher labels its own MD). With the first two, every teacher labels
    the same frames and, with the one labelling seed, gets the same train/validation/test split."""

    teacher: TeacherId | None = Field(None, description="one of the campaign's teachers samples this system once")
    dataset: PathText | None = Field(None, description="frames to label (netCDF or extxyz, e.g. DFT or earlier MD "
                                     "frames); a missing file falls back to per-teacher sampling with a warning")
    per_teacher: Literal[True] | None = Field(None, description="each teacher samples its own frames")

    @field_validator("dataset")
    @classmethod
    def _dataset_format(cls, value: Path | None):
        if value is not None and value.suffix not in DATA_SUFFIXES:
            raise PydanticCustomError("data_format", "a dataset must be netCDF (.nc) or extxyz (.extxyz, .xyz)")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> SystemSampling:
        given = [key for key in ("teacher", "dataset", "per_teacher") if getattr(self, key) is not None]
        if len(given) != 1:
            raise PydanticCustomError("sampling_source", "give exactly one of teacher, dataset, per_teacher "
                                      "(got {given})", {"given": ", ".join(given) or "none"})
        return self


class SystemSection(Section):
    """What every system of a campaign has besides its builder's parameters (config only)."""

    epsilon_inf: float = Field(gt=0, description="ε∞; physical BEC = √ε∞ × LES BEC (water 1.78)")
    n_atoms: int | None = Field(None, gt=0, description="expected atom count (checked against the builder parameters where they imply one)")
    charges: dict[Element, float] | None = Field(
        None, description="fixed point charges per element (e) for the electrostatics check, e.g. SPC/Fw")
    temperature_K: float | None = Field(None, gt=0, description="MD temperature (K) of this system, both stages")
    timestep_fs: float | None = Field(None, gt=0, description="MD time step (fs) of this system, both stages")
    thermostat_time_fs: float | None = Field(None, gt=0, description="thermostat time (fs), both stages")
    teachers: list[TeacherId] | None = Field(
        None, min_length=1, description="subset of the campaign's teachers run on this system (default all)")
    train_frames: int | None = Field(None, gt=0, description="labelled training frames (validation included)")
    test_frames: int | None = Field(None, gt=0, description="labelled test frames")
    finetune_data: PathText | None = Field(
        None, description="DFT dataset (netCDF or extxyz with energies and forces) to fine-tune the student on")
    bec_reference: PathText | None = Field(
        None, description="extxyz frames with a per-atom BEC array (9 components Z[α,β], e, physical, e.g. DFT): "
        "every cell's student is compared with them (evaluate); a missing file skips that with a warning")
    sampling: SystemSampling | None = Field(
        None, description="where the labelled frames come from (default: the campaign's sampling.teacher, else "
        "per teacher)")
    sampling_md: MDOverrides | None = Field(None, description="teacher MD overrides for this system")
    student_md: MDOverrides | None = Field(None, description="student MD overrides for this system")
    training: TrainOverrides | None = Field(None, description="training overrides for this system")
    student: StudentConfig | None = Field(None, description="student of this system (replaces the campaign's)")
    ir: IROverrides | None = Field(None, description="IR overrides for this system")
    quality: QualityOverrides | None = Field(None, description="quality-gate overrides for this system")

    @field_validator("finetune_data")
    @classmethod
    def _data_format(cls, value: Path | None):
        if value is not None and value.suffix not in DATA_SUFFIXES:
            raise PydanticCustomError("data_format", "fine-tuning data must be netCDF (.nc) or extxyz (.extxyz, .xyz)")
        return value

    @field_validator("bec_reference")
    @classmethod
    def _bec_format(cls, value: Path | None):
        if value is not None and value.suffix not in (".extxyz", ".xyz"):
            raise PydanticCustomError("data_format", "a BEC reference must be extxyz (.extxyz, .xyz) with a per-atom "
                                      "BEC array")
        return value

    @model_validator(mode="after")
    def _frames(self):
        if (self.train_frames is None) != (self.test_frames is None):
            raise PydanticCustomError("frames", "give both train_frames and test_frames, or neither")
        return self

    def build_arguments(self) -> list[str]:
        """Arguments of ``lesdistill build-system`` for this system."""
        spec = system_spec(self.builder)
        return [spec.builder, *parameter_arguments(self, spec.parameters)]


def system_section(spec: SystemSpec) -> type[SystemSection]:
    """The config section of a registered system: its parameters' fields and the common ones."""
    return create_model(spec.config_name, __base__=(SystemSection, spec.parameters), __doc__=spec.parameters.__doc__,
                        builder=(Literal[spec.builder], Field(description="system builder")))


#: config section of each registered system, by builder name
SYSTEM_SECTIONS = {builder: system_section(spec) for builder, spec in SYSTEMS.items()}
SystemConfig = Annotated[Union[tuple(SYSTEM_SECTIONS.values())], Field(discriminator="builder")]
SystemName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


# --------------------------------------------------------------------------------------------- stages
class SamplingConfig(Section):
    """Teacher sampling: BFGS relaxation, then teacher MD (``md`` inline or ``settings`` file, or defaults)."""

    teacher: TeacherId | None = Field(
        None, description="sample every system without its own `sampling` with this teacher (one of the "
        "campaign's) and label the frames with every teacher; default: each teacher samples its own frames")
    relax_fmax: float = Field(0.03, gt=0, description="BFGS force threshold before MD (eV/Å); paper 0.03")
    relax_steps: int = Field(500, gt=0, description="maximum BFGS steps")
    settings: ExistingFile | None = Field(None, description="YAML/JSON file of MDSettings fields (teacher MD)")
    md: MDSettings | None = Field(None, description="teacher MD settings inline (instead of a settings file)")

    _file_md: MDSettings | None = PrivateAttr(None)

    @field_validator("settings")
    @classmethod
    def _settings_file(cls, value: Path | None, info: ValidationInfo):
        if value is not None and (info.context or {}).get("check_files", True):
            try:
                load_settings(resolve_path(value, info))
            except ValueError as error:
                raise PydanticCustomError("md_settings", "{error}", {"error": str(error)}) from None
        return value

    @model_validator(mode="after")
    def _one_source(self, info: ValidationInfo) -> SamplingConfig:
        if self.settings is not None and self.md is not None:
            raise PydanticCustomError("md_source", "give sampling.settings (a file) or sampling.md (inline), not both")
        if self.settings is not None:
            path = resolve_path(self.settings, info)
            self._file_md = load_settings(path) if path.is_file() else None
        return self

    @property
    def base_md(self) -> MDSettings:
        """Campaign-wide teacher MD settings (file, inline or defaults)."""
        return self._file_md or self.md or MDSettings()


class LabellingConfig(Section):
    """Teacher labelling of the sampled frames and the seeded train/validation/test split."""

    validation_fraction: Fraction = Field(0.05, description="fraction of the training frames held out for validation")
    test_fraction: Fraction = Field(0.1, description="fraction of all frames for testing (systems without "
                                    "train_frames/test_frames)")
    seed: int = Field(0, ge=0, description="seed of the split")
    chunk: int = Field(8, gt=0, description="frames per written chunk (resume granularity)")
    batch_size: int = Field(1, gt=0, description="frames per teacher call for teachers that evaluate batches "
                            "(CHGNet, SevenNet, MACE, students; others one at a time)")
    stride: int = Field(1, gt=0, description="label every STRIDE-th sampled frame")

    @model_validator(mode="after")
    def _split(self) -> LabellingConfig:
        if self.validation_fraction + self.test_fraction >= 1:
            raise PydanticCustomError("split", "validation_fraction + test_fraction must be below 1 (got {total})",
                                      {"total": self.validation_fraction + self.test_fraction})
        return self


class FinetuneVariant(Section):
    """One fine-tuning of the distilled student: an additional cell in ``…/finetune-<name>/`` with its own
    MD, response, IR and metrics (the distilled student keeps its own chain)."""

    fraction: float = Field(1.0, gt=0, le=1, description="seeded fraction of the DFT training frames used")
    energy: bool = Field(True, description="fit energies and forces (False: forces only)")
    replay_fraction: Fraction | None = Field(None, description="teacher frames replayed per DFT training frame "
                                             "(0: no replay; default finetune.replay_fraction)")


class FinetuneConfig(Section):
    """Fine-tuning of a distilled student on DFT data (systems with ``finetune_data``), once per variant."""

    epochs: int = Field(200, gt=0)
    lr: float = Field(1e-3, gt=0, description="learning rate")
    replay_fraction: Fraction = Field(0.0, description="teacher-labelled frames replayed per DFT training frame "
                                      "(forces only, against forgetting), in [0, 1)")
    variants: dict[Slug, FinetuneVariant] = Field(
        default_factory=lambda: {"default": FinetuneVariant()}, min_length=1,
        description="fine-tuning variants by name (paths …/finetune-<name>/), e.g. {f10: {fraction: 0.1}, "
        "forces: {energy: false}, replay: {replay_fraction: 0.5}}")
    direct_fit: bool = Field(False, description="also train the system's student architecture on the DFT data "
                             "alone (results/dft-direct/{system}/), the baseline the distilled students are "
                             "compared with")


class ResponseConfig(Section):
    """BECs and the dipole current along the student trajectory."""

    stride: int = Field(1, gt=0, description="use every STRIDE-th trajectory frame")
    chunk: int = Field(16, gt=0, description="frames per batched evaluation")
    bec_stride: int = Field(10, gt=0, description="full BEC tensors (statistics, density profile) on every "
                            "this many analysed frames; the current uses every frame")


class IterativeConfig(Section):
    """Iterative distillation. Round r runs MD with the student of round r − 1 (the first student for
    r = 1) under the system's sampling MD settings for ``frames_per_round`` frames (seed + r), labels
    those frames with the teacher (train/validation only: the test frames stay the teacher-sampled
    ones) and continues training that student on every label set so far."""

    rounds: int = Field(0, ge=0, description="rounds after the first distillation (0: none)")
    frames_per_round: int = Field(100, ge=2, description="student-MD frames labelled by the teacher per round")
    epochs: int | None = Field(None, gt=0, description="training epochs per round, starting from the previous "
                               "round's student (default: the training epochs)")


class FiguresConfig(Section):
    """Paper figures."""

    formats: list[Literal["pdf", "png"]] = Field(["pdf", "png"], min_length=1)
    dpi: int = Field(300, gt=0, le=2400)

    @field_validator("formats")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise PydanticCustomError("duplicates", "formats must not repeat")
        return value


# --------------------------------------------------------------------------------------------- campaign
def _problem(path: str, value: Any, message: str) -> list:
    return [path, value, message]


def _section_problems(error: ValidationError, overrides: dict, system_path: str, campaign_path: str) -> list[list]:
    """Errors of a resolved section (campaign values + a system's overrides), each at the key that set it."""
    problems = []
    for item in error.errors(include_url=False):
        message = item["msg"].removeprefix("Value error, ")
        if not item["loc"]:
            problems.append(_problem(system_path, None, f"resolved settings: {message}"))
            continue
        field = str(item["loc"][0])
        path = f"{system_path}.{field}" if field in overrides else f"{campaign_path}.{field}"
        problems.append(_problem(path, item.get("input"), message))
    return problems


def _raise_problems(problems: list[list]) -> None:
    if problems:
        raise PydanticCustomError("config_consistency", "{summary}",
                                  {"summary": "; ".join(f"{p}: {m}" for p, _, m in problems), "problems": problems})


class CampaignConfig(Section):
    """The whole campaign: teachers × systems, and the settings of every stage."""

    teacher_catalog: ExistingFile | None = Field(
        None, description="YAML file extending the shipped teacher catalog (id → fields)")
    teachers: list[TeacherId] = Field(min_length=1, description="teacher ids of the campaign")
    teacher_overrides: dict[TeacherId, TeacherOverride] = Field(
        default_factory=dict, description="per-teacher checkpoint or environment overrides")
    systems: dict[SystemName, SystemConfig] = Field(min_length=1, description="systems by name (used in paths)")
    device: Device = Field("auto", description="torch device of every computing stage: auto (CUDA if the machine "
                           "running the job sees one, else CPU; books no GPU), cpu, or cuda / cuda:N (one GPU booked "
                           "per job)")
    devices: dict[Literal[COMPUTE_STAGES], Device] = Field(
        default_factory=dict, description="per-stage overrides of device, keyed by rule: " + ", ".join(COMPUTE_STAGES))
    sampling: SamplingConfig = Field(default_factory=SamplingConfig)
    labelling: LabellingConfig = Field(default_factory=LabellingConfig)
    student: StudentConfig = Field(default_factory=lambda: MaceStudent(backbone="mace"),
                                   description="student of every system without its own (default MACE)")
    training: TrainSettings = Field(default_factory=TrainSettings)
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig)
    student_md: MDSettings = Field(default_factory=MDSettings, description="student MD settings")
    response: ResponseConfig = Field(default_factory=ResponseConfig)
    ir: IRConfig = Field(default_factory=IRConfig)
    iterative: IterativeConfig = Field(default_factory=IterativeConfig)
    quality: QualityOverrides = Field(default_factory=QualityOverrides, description="quality gate after "
                                      "training, each iterative round and fine-tuning: thresholds over the "
                                      "per-system defaults (water: forces 60 meV/Å, energy 5 meV/atom)")
    figures: FiguresConfig = Field(default_factory=FiguresConfig)

    @field_validator("teachers")
    @classmethod
    def _known_teachers(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if "teacher_catalog" not in info.data:  # the catalog file itself is invalid: reported there
            return value
        extra = info.data["teacher_catalog"]
        catalog = teacher_catalog(resolve_path(extra, info) if extra is not None else None)
        problems = [_problem(f"teachers[{i}]", teacher, unknown_teacher_message(teacher, catalog))
                    for i, teacher in enumerate(value) if teacher not in catalog]
        seen: set[str] = set()
        for i, teacher in enumerate(value):
            if teacher in seen:
                problems.append(_problem(f"teachers[{i}]", teacher, "listed twice"))
            seen.add(teacher)
        _raise_problems(problems)
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> CampaignConfig:
        problems: list[list] = []
        catalog = teacher_catalog(resolve_path(self.teacher_catalog, info) if self.teacher_catalog else None)
        teachers = set(self.teachers)
        for teacher in self.teacher_overrides:
            if teacher not in teachers:
                problems.append(_problem(f"teacher_overrides.{teacher}", teacher, "not one of the campaign's teachers"))
        if self.sampling.teacher is not None and self.sampling.teacher not in catalog:
            problems.append(_problem("sampling.teacher", self.sampling.teacher,
                                     unknown_teacher_message(self.sampling.teacher, catalog)))
        elif self.sampling.teacher is not None and self.sampling.teacher not in teachers:
            problems.append(_problem("sampling.teacher", self.sampling.teacher, "not one of the campaign's teachers"))
        for name, system in self.systems.items():
            problems += self._system_problems(name, system)
        _raise_problems(problems)
        return self

    def _system_problems(self, name: str, system: SystemSection) -> list[list]:
        here = f"systems.{name}"
        problems = []
        for i, teacher in enumerate(system.teachers or []):
            if teacher not in self.teachers:
                problems.append(_problem(f"{here}.teachers[{i}]", teacher, "not one of the campaign's teachers"))
        if system.sampling is not None and system.sampling.teacher not in (None, *self.teachers):
            problems.append(_problem(f"{here}.sampling.teacher", system.sampling.teacher,
                                     "not one of the campaign's teachers"))
        expected = system.expected_atoms()
        if system.n_atoms is not None and expected is not None and system.n_atoms != expected:
            problems.append(_problem(f"{here}.n_atoms", system.n_atoms,
                                     f"the builder parameters give {expected} atoms"))
        md = {}
        for stage in STAGES:
            try:
                md[stage] = self.md_settings(name, stage)
            except ValidationError as error:
                problems += self._resolved_problems(error, name, stage)
        try:
            self.training_settings(name)
        except ValidationError as error:
            problems += _section_problems(error, set_fields(system.training), f"{here}.training", "training")
        wanted = (system.train_frames or 0) + (system.test_frames or 0)
        if "sampling" in md and wanted and self.sampling_source(name)[0] != "dataset":
            available = md["sampling"].n_frames // self.labelling.stride
            if available < wanted:
                problems.append(_problem(f"{here}.train_frames", system.train_frames,
                                         f"train_frames + test_frames = {wanted}, but the teacher MD writes only "
                                         f"{md['sampling'].n_frames} frames (labelling stride "
                                         f"{self.labelling.stride}: {available}); raise production_steps or "
                                         "lower sample_stride"))
        try:
            self.quality_settings(name)
        except ValidationError as error:
            problems += _section_problems(error, set_fields(system.quality), f"{here}.quality", "quality")
        try:
            ir = self.ir_settings(name)
        except ValidationError as error:
            problems += _section_problems(error, set_fields(system.ir), f"{here}.ir", "ir")
        else:
            if "student" in md:
                problems += self._ir_problems(name, md["student"], ir)
        return problems

    def _resolved_problems(self, error: ValidationError, name: str, stage: str) -> list[list]:
        """Errors of one system's resolved MD settings, each at the key that set the bad value."""
        system = self.systems[name]
        overrides = set_fields(getattr(system, f"{stage}_md"))
        conditions = self._conditions(system)
        problems = []
        for item in error.errors(include_url=False):
            message = item["msg"].removeprefix("Value error, ")
            if not item["loc"]:
                problems.append(_problem(f"systems.{name}", None, f"resolved {stage} MD settings: {message}"))
                continue
            field = str(item["loc"][0])
            if field in overrides:
                path = f"systems.{name}.{stage}_md.{field}"
            elif field in conditions:
                path = f"systems.{name}.{field}"
            elif stage == "sampling":
                path = (f"sampling.md.{field}" if self.sampling.settings is None
                        else f"sampling.settings ({self.sampling.settings}) {field}")
            else:
                path = f"student_md.{field}"
            problems.append(_problem(path, item.get("input"), message))
        return problems

    def _ir_problems(self, name: str, md: MDSettings, ir: IRConfig) -> list[list]:
        frame_fs = md.timestep_fs * md.sample_stride * self.response.stride
        nyquist = 1e15 / (2 * frame_fs * SPEED_OF_LIGHT_CM_S)
        where = f"systems.{name}.ir" if self.systems[name].ir is not None else "ir"
        problems = []
        if nyquist < ir.max_wavenumber_cm1:
            stride_path = (f"systems.{name}.student_md.sample_stride"
                           if "sample_stride" in set_fields(self.systems[name].student_md) else "student_md.sample_stride")
            problems.append(_problem(stride_path, md.sample_stride,
                                     f"frames every {frame_fs:g} fs resolve only up to {nyquist:.0f} cm⁻¹ < "
                                     f"max_wavenumber_cm1 {ir.max_wavenumber_cm1:g}: lower sample_stride or "
                                     "response.stride"))
        if ir.block_length_fs < 2 * frame_fs:
            problems.append(_problem(f"{where}.block_length_fs", ir.block_length_fs,
                                     f"shorter than two frames ({frame_fs:g} fs apart)"))
        length_fs = md.production_steps * md.timestep_fs
        if ir.block_length_fs > length_fs:
            problems.append(_problem(f"{where}.block_length_fs", ir.block_length_fs,
                                     f"longer than the student MD production run of system {name} ({length_fs:g} fs)"))
        return problems

    # ---------------------------------------------------------------- resolved settings (workflow API)
    def device_for(self, stage: str, teacher: str | None = None) -> str:
        """The ``--device`` of ``stage``'s jobs: ``devices.<stage>``, else ``device``; ``cpu`` for the
        teacher stages of CPU-only teachers (tblite, SPC/Fw). ``auto`` is resolved where the job runs."""
        if stage not in COMPUTE_STAGES:
            raise ValueError(f"unknown stage {stage!r}; stages that compute: {', '.join(COMPUTE_STAGES)}")
        if stage in TEACHER_STAGES and teacher is not None and runs_on_cpu_only(self.catalog()[teacher]):
            return "cpu"
        return self.devices.get(stage, self.device)

    def gpus_for(self, stage: str, teacher: str | None = None) -> int:
        """GPUs a job of ``stage`` books (the rules' ``gpu`` resource): 1 when its device names CUDA, else 0.

        The workflow is planned on the submitting host, which need not see the cluster's GPUs, so
        ``auto`` books none: give ``cuda`` to run on booked GPUs."""
        return int(is_cuda(self.device_for(stage, teacher)))

    @property
    def teacher_ids(self) -> list[str]:
        """The campaign's teacher ids, in config order."""
        return list(self.teachers)

    @property
    def system_names(self) -> list[str]:
        """The system names, in config order."""
        return list(self.systems)

    def teachers_for(self, system: str) -> list[str]:
        """Teachers run on ``system`` (its own subset, else all)."""
        subset = self.systems[system].teachers
        return [t for t in self.teachers if subset is None or t in subset]

    def cells(self) -> list[tuple[str, str]]:
        """Every (teacher, system) cell of the campaign."""
        return [(teacher, system) for system in self.systems for teacher in self.teachers_for(system)]

    def catalog(self, base_dir: Path | None = None) -> dict[str, TeacherSpec]:
        """The teacher catalog of this campaign (shipped, extended by ``teacher_catalog``)."""
        extra = self.teacher_catalog
        if extra is not None and not extra.is_absolute():
            extra = Path(base_dir or Path.cwd()) / extra
        return teacher_catalog(extra)

    def teacher_override(self, teacher: str) -> TeacherOverride:
        """Overrides of ``teacher`` (all unset when none are given)."""
        return self.teacher_overrides.get(teacher) or TeacherOverride()

    def checkpoint_path(self, teacher: str, base_dir: Path | None = None) -> Path | None:
        """Checkpoint file of ``teacher``: the override, else the catalog's under the checkpoint root
        ($LESDISTILL_CHECKPOINTS); None for bundled weights and parameter-free methods."""
        override = self.teacher_override(teacher).checkpoint
        if override is not None:
            return override if override.is_absolute() else Path(base_dir or Path.cwd()) / override
        spec = self.catalog(base_dir)[teacher]
        if spec.checkpoint is None or bundled_name(spec) is not None:
            return None
        path = Path(spec.checkpoint)
        return path if path.is_absolute() else checkpoint_root() / path

    def catalog_entries(self, base_dir: Path | None = None) -> dict[str, dict[str, Any]]:
        """Catalog entries (id → fields) to write to a file for the teacher commands' ``--catalog``:
        the campaign's teachers from ``teacher_catalog`` and those with a checkpoint override (absolute
        path; ``sha256`` the override's, else none). Empty when the shipped catalog serves as is."""
        catalog, shipped = self.catalog(base_dir), teacher_catalog(None)
        entries = {}
        for teacher in self.teachers:
            override = self.teacher_override(teacher)
            if override.checkpoint is None and shipped.get(teacher) == catalog[teacher]:
                continue
            fields = catalog[teacher].model_dump(exclude={"id"}, exclude_none=True)
            if override.checkpoint is not None:
                fields["checkpoint"] = str(self.checkpoint_path(teacher, base_dir).resolve())
                fields.pop("sha256", None)
                if override.sha256 is not None:
                    fields["sha256"] = override.sha256.lower()
            entries[teacher] = fields
        return entries

    @staticmethod
    def _conditions(system: SystemSection) -> dict[str, float]:
        return {key: getattr(system, key) for key in ("temperature_K", "timestep_fs", "thermostat_time_fs")
                if getattr(system, key) is not None}

    def md_settings(self, system: str, stage: Literal["sampling", "student"]) -> MDSettings:
        """Resolved MD settings of ``system`` for teacher ``sampling`` or ``student`` MD.

        Layers, later winning: MDSettings defaults < campaign section (``sampling.settings`` file or
        ``sampling.md``; ``student_md``) < the system's temperature_K / timestep_fs /
        thermostat_time_fs < the system's ``sampling_md`` / ``student_md``. A layer that sets
        ``ensemble`` without ``thermostat`` resets the thermostat to the ensemble's default.
        """
        if stage not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, got {stage!r}")
        entry = self.systems[system]
        base = self.sampling.base_md if stage == "sampling" else self.student_md
        merged = base.model_dump()
        for layer in (self._conditions(entry), set_fields(getattr(entry, f"{stage}_md"))):
            if "ensemble" in layer and "thermostat" not in layer:
                merged.pop("thermostat", None)
            merged.update(layer)
        return MDSettings.model_validate(merged)

    def explore_md_settings(self, system: str, round_: int) -> MDSettings:
        """Student MD of iterative round ``round_`` (≥ 1): the system's sampling MD settings, long enough
        for ``iterative.frames_per_round`` frames, seeded with the sampling seed + ``round_``."""
        md = self.md_settings(system, "sampling")
        return MDSettings.model_validate({**md.model_dump(), "seed": md.seed + round_,
                                          "production_steps": self.iterative.frames_per_round * md.sample_stride})

    def iteration_settings(self, system: str) -> TrainSettings:
        """Training settings of an iterative round: the system's, with ``iterative.epochs`` when set."""
        settings = self.training_settings(system)
        if self.iterative.epochs is None:
            return settings
        return TrainSettings.model_validate({**settings.model_dump(), "epochs": self.iterative.epochs})

    def iteration_label_split(self, round_: int) -> dict[str, Any]:
        """``lesdistill label`` arguments of round ``round_``: no test frames, seed + ``round_``."""
        labelling = self.labelling
        return {"seed": labelling.seed + round_, "chunk": labelling.chunk, "batch_size": labelling.batch_size,
                "validation_fraction": labelling.validation_fraction, "test_fraction": 0.0}

    def training_settings(self, system: str) -> TrainSettings:
        """Campaign training settings with the system's overrides; the BEC-sign element defaults to the
        system registry's unless the campaign's ``training`` sets one."""
        entry = self.systems[system]
        registry = ({} if "sign_element" in self.training.model_fields_set
                    else {"sign_element": system_spec(entry.builder).sign_element})
        return TrainSettings.model_validate({**self.training.model_dump(), **registry, **set_fields(entry.training)})

    def quality_settings(self, system: str) -> QualitySettings:
        """Quality-gate settings of ``system``: defaults < the system registry's < the campaign's
        ``quality`` < the system's ``quality``."""
        entry = self.systems[system]
        return QualitySettings.model_validate({**system_spec(entry.builder).quality, **set_fields(self.quality),
                                               **set_fields(entry.quality)})

    def student_config(self, system: str) -> MaceStudent | CaceStudent:
        """The student of ``system`` (its own, else the campaign's)."""
        return self.systems[system].student or self.student

    def student_model(self, system: str, atomic_numbers: list[int] | None = None) -> dict[str, Any]:
        """The ``lesdistill train --model`` mapping of ``system``'s student."""
        return self.student_config(system).model_file(atomic_numbers)

    def ir_settings(self, system: str) -> IRConfig:
        """Campaign IR settings with the system's overrides; the reference defaults to the system registry's
        experimental data (water for water and the TiO2–water interface, hcl for HCl)."""
        settings = IRConfig.model_validate({**self.ir.model_dump(), **set_fields(self.systems[system].ir)})
        if settings.reference is None:
            settings.reference = system_spec(self.systems[system].builder).reference
        return settings

    def ir_block_frames(self, system: str) -> int:
        """IR block length in frames of the response current (block_length_fs / frame spacing)."""
        md = self.md_settings(system, "student")
        return max(2, round(self.ir_settings(system).block_length_fs
                            / (md.timestep_fs * md.sample_stride * self.response.stride)))

    def label_split(self, system: str) -> dict[str, Any]:
        """Arguments of ``lesdistill label`` for ``system``.

        With train_frames/test_frames: max_frames = their sum, test_fraction = test/total and
        validation_fraction = labelling.validation_fraction × train/total (validation comes out of the
        training frames). Otherwise the labelling fractions over all sampled frames.
        """
        entry, labelling = self.systems[system], self.labelling
        split = {"stride": labelling.stride, "seed": labelling.seed, "chunk": labelling.chunk,
                 "batch_size": labelling.batch_size, "max_frames": None,
                 "validation_fraction": labelling.validation_fraction, "test_fraction": labelling.test_fraction}
        if entry.train_frames is not None:
            total = entry.train_frames + entry.test_frames
            split.update(max_frames=total, test_fraction=entry.test_frames / total,
                         validation_fraction=labelling.validation_fraction * entry.train_frames / total)
        return split

    def sampling_source(self, system: str) -> tuple[Literal["teacher", "dataset", "per_teacher"], Any]:
        """Where ``system``'s labelled frames come from: ("teacher", id), ("dataset", path) or
        ("per_teacher", None); the system's ``sampling``, else the campaign's ``sampling.teacher``."""
        own = self.systems[system].sampling
        if own is not None:
            for kind in ("teacher", "dataset"):
                if getattr(own, kind) is not None:
                    return kind, getattr(own, kind)
            return "per_teacher", None
        if self.sampling.teacher is not None:
            return "teacher", self.sampling.teacher
        return "per_teacher", None

    def finetune_settings(self, system: str, variant: str) -> TrainSettings:
        """Training settings of fine-tuning variant ``variant`` on ``system``: the system's training settings
        with finetune.epochs/lr, the variant's fraction and replay, energy weights 0 for a force-only variant."""
        chosen = self.finetune.variants[variant]
        replay = self.finetune.replay_fraction if chosen.replay_fraction is None else chosen.replay_fraction
        update: dict[str, Any] = {"epochs": self.finetune.epochs, "lr": self.finetune.lr, "replay_fraction": replay,
                                  "train_fraction": chosen.fraction}
        if not chosen.energy:
            update.update(energy_weight=0.0, stage_two_energy_weight=0.0)
        return TrainSettings.model_validate({**self.training_settings(system).model_dump(), **update})

    def finetune_for(self, system: str) -> FinetuneConfig | None:
        """Fine-tuning settings when ``system`` has DFT data, else None."""
        return self.finetune if self.systems[system].finetune_data is not None else None
