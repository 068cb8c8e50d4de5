"""The whole campaign config (teachers × systems, the stage sections) and its settings API.

Units as everywhere in lesdistill: Å, eV, fs, K, e, cm⁻¹. Every section forbids unknown keys. The
campaign-wide sections (``sampling``, ``training``, ``student``, ``student_md``, ``ir``) hold the
defaults; a system may override parts of them (``systems.NAME.sampling_md``, ``.student_md``,
``.training``, ``.ir``: only the keys given; ``.student``: the whole student). The resolved settings
of one system come from the methods of :class:`CampaignConfig` (``md_settings``,
``training_settings``, ``student_model``, ``ir_settings``, ``label_split``), which also back the
consistency checks run at load time (:mod:`lesdistill.config.checks`).

Settings reach a stage one way: :meth:`CampaignConfig.stage_settings` gives the mapping the workflow
writes to ``results/settings/[<system>/]<stage>.yaml`` (one stage of :data:`SETTINGS_STAGES`), and the
stage's command reads it with ``--settings``; rules pass only files, wildcards and the device.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator, model_validator

from ..device import DEVICE_PATTERN, is_cuda
from ..md.settings import MDSettings
from ..quality import QualitySettings
from ..systems.registry import system_spec
from ..teachers.checkpoints import bundled_name, checkpoint_root
from ..teachers.loader import runs_on_cpu_only
from ..teachers.spec import TeacherSpec
from ..training.settings import TrainSettings
from .checks import campaign_problems, raise_problems, teacher_problems
from .fields import ExistingFile, Section, set_fields
from .stages import (MD_STAGES, FiguresConfig, FinetuneConfig, IRConfig, IterativeConfig, LabellingConfig,
                     ResponseConfig, SamplingConfig, TeacherBecConfig)
from .student import CaceStudent, MaceStudent, StudentConfig
from .systems import QualityOverrides, SystemConfig, SystemName, SystemSection
from .teachers import TeacherId, TeacherOverride, teacher_catalog

#: the workflow rules that compute (each passes --device); the first four run a teacher
COMPUTE_STAGES = ("relax", "sample", "label", "relabel", "teacher_bec", "train", "finetune", "explore", "retrain", "student_md",
                  "gate", "evaluate", "response", "electrostatics")
TEACHER_STAGES = COMPUTE_STAGES[:5]
Device = Annotated[str, Field(pattern=DEVICE_PATTERN, description="auto, cpu, cuda or cuda:N")]
#: settings file of each stage → the wildcards it needs besides ``system`` (None: campaign-wide, no system).
#: Files: results/settings/<system>/<stage>.yaml, …/<stage><round>.yaml, …/finetune-<variant>.yaml,
#: …/learning_curve-<size>.yaml, results/settings/<stage>.yaml for the campaign-wide ones.
SETTINGS_STAGES: dict[str, tuple[str, ...] | None] = {
    "build_system": (), "relax": (), "sampling_md": (), "label": (), "model": (), "training": (), "quality": (),
    "student_md": (), "teacher_bec": (), "evaluate": (), "response": (), "ir": (), "electrostatics": (), "iteration": (),
    "explore_md": ("round",), "relabel": ("round",), "finetune": ("variant",), "learning_curve": ("size",),
    "catalog": None, "figures": None}


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
    teacher_bec: TeacherBecConfig = Field(default_factory=TeacherBecConfig)
    quality: QualityOverrides = Field(default_factory=QualityOverrides, description="quality gate after "
                                      "training, each iterative round and fine-tuning: thresholds over the "
                                      "per-system defaults (water: forces 60 meV/Å, energy 5 meV/atom)")
    figures: FiguresConfig = Field(default_factory=FiguresConfig)

    @field_validator("teachers")
    @classmethod
    def _known_teachers(cls, value: list[str], info: ValidationInfo) -> list[str]:
        raise_problems(teacher_problems(value, info))
        return value

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> CampaignConfig:
        raise_problems(campaign_problems(self, info))
        return self

    # ---------------------------------------------------------------- resolved settings (workflow API)
    def stage_settings(self, stage: str, system: str | None = None, round_: int | None = None,
                       variant: str | None = None, atomic_numbers: list[int] | None = None,
                       size: int | None = None) -> dict[str, Any]:
        """The settings file of ``stage`` (a key of :data:`SETTINGS_STAGES`) as plain data: for the
        commands whose settings are options, option → value; else the stage's settings model
        (MDSettings, TrainSettings, QualitySettings, the student model, catalog entries).
        ``round_`` for explore_md/relabel, ``variant`` for finetune, ``size`` (training frames) for
        learning_curve, ``atomic_numbers`` for model."""
        if stage not in SETTINGS_STAGES:
            raise ValueError(f"unknown settings stage {stage!r}; known: {', '.join(SETTINGS_STAGES)}")
        entry = self.systems[system] if system is not None else None
        resolvers: dict[str, Callable[[], BaseModel | dict[str, Any]]] = {
            "catalog": self.catalog_entries,
            "figures": lambda: self.figures,
            "build_system": lambda: entry.build_settings(),
            "relax": lambda: {"fmax": self.sampling.relax_fmax, "steps": self.sampling.relax_steps},
            "sampling_md": lambda: self.md_settings(system, "sampling"),
            "label": lambda: self.label_split(system),
            "relabel": lambda: self.iteration_label_split(round_),
            "teacher_bec": lambda: {"split": "test", "max_frames": self.teacher_bec.frames,
                                    "step": self.teacher_bec.step_A},
            "model": lambda: self.student_model(system, atomic_numbers),
            "training": lambda: self.training_settings(system),
            "iteration": lambda: self.iteration_settings(system),
            "finetune": lambda: self.finetune_settings(system, variant),
            "learning_curve": lambda: self.learning_curve_settings(system, size),
            "quality": lambda: self.quality_settings(system),
            "student_md": lambda: self.md_settings(system, "student"),
            "explore_md": lambda: self.explore_md_settings(system, round_),
            "evaluate": lambda: {"epsilon_inf": entry.epsilon_inf},
            "electrostatics": lambda: {"charges": entry.charges, "epsilon_inf": entry.epsilon_inf},
            "response": lambda: {**self.response.model_dump(mode="json"), "epsilon_inf": entry.epsilon_inf,
                                 "groups": self.decomposition(system)},
            "ir": lambda: self.ir_settings(system),
        }
        settings = resolvers[stage]()
        return settings.model_dump(mode="json") if isinstance(settings, BaseModel) else settings

    def has_teacher_becs(self, teacher: str) -> bool:
        """Whether ``teacher``'s cells get teacher BECs: it has a charge model and ``teacher_bec.frames`` > 0."""
        return self.teacher_bec.frames > 0 and self.catalog()[teacher].charge_model

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
    def system_conditions(system: SystemSection) -> dict[str, float]:
        """The system's own MD conditions (temperature_K, timestep_fs, thermostat_time_fs) that are set."""
        return {key: getattr(system, key) for key in ("temperature_K", "timestep_fs", "thermostat_time_fs")
                if getattr(system, key) is not None}

    def md_settings(self, system: str, stage: Literal["sampling", "student"]) -> MDSettings:
        """Resolved MD settings of ``system`` for teacher ``sampling`` or ``student`` MD.

        Layers, later winning: MDSettings defaults < campaign section (``sampling.settings`` file or
        ``sampling.md``; ``student_md``) < the system's temperature_K / timestep_fs /
        thermostat_time_fs < the system's ``sampling_md`` / ``student_md``. A layer that sets
        ``ensemble`` without ``thermostat`` resets the thermostat to the ensemble's default.
        """
        if stage not in MD_STAGES:
            raise ValueError(f"stage must be one of {MD_STAGES}, got {stage!r}")
        entry = self.systems[system]
        base = self.sampling.base_md if stage == "sampling" else self.student_md
        merged = base.model_dump()
        for layer in (self.system_conditions(entry), set_fields(getattr(entry, f"{stage}_md"))):
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

    def decomposition(self, system: str) -> str | None:
        """The group decomposition of ``system``'s dipole current: its ``groups``, else the registry's (None: none)."""
        entry = self.systems[system]
        return entry.groups or system_spec(entry.builder).decomposition

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
        with finetune.epochs/lr, the variant's fraction of the DFT frames (not a teacher-frame count) and
        replay, energy weights 0 for a force-only variant, no charge term (DFT frames carry no teacher charges)."""
        chosen = self.finetune.variants[variant]
        replay = self.finetune.replay_fraction if chosen.replay_fraction is None else chosen.replay_fraction
        update: dict[str, Any] = {"epochs": self.finetune.epochs, "lr": self.finetune.lr, "replay_fraction": replay,
                                  "train_fraction": chosen.fraction, "train_frames": None, "charges_weight": 0.0}
        if not chosen.energy:
            update.update(energy_weight=0.0, stage_two_energy_weight=0.0)
        return TrainSettings.model_validate({**self.training_settings(system).model_dump(), **update})

    def learning_curve_settings(self, system: str, size: int) -> TrainSettings:
        """Training settings of the learning-curve student of ``size`` training frames: the system's, on a
        seeded subset of that many of its training frames (nested across sizes)."""
        return TrainSettings.model_validate({**self.training_settings(system).model_dump(), "train_frames": size,
                                             "train_fraction": 1.0})

    def finetune_for(self, system: str) -> FinetuneConfig | None:
        """Fine-tuning settings when ``system`` has DFT data, else None."""
        return self.finetune if self.systems[system].finetune_data is not None else None
