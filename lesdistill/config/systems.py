"""The ``systems`` section: one entry per system, its config model generated from the system registry
(the builder's parameters plus :class:`SystemSection`), with per-system overrides of the stage sections."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import Field, create_model, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..decomposition import DECOMPOSITIONS
from ..md.settings import MDSettings
from ..quality import QualitySettings
from ..systems.registry import SYSTEMS, SystemSpec, system_spec
from ..training.settings import TrainSettings
from .fields import Element, PathText, Section, partial_model
from .stages import IRConfig
from .student import StudentConfig
from .teachers import TeacherId

MDOverrides = partial_model(
    MDSettings, "MDOverrides",
    "Per-system overrides of MD settings: only the keys given replace the campaign-wide values.")
TrainOverrides = partial_model(
    TrainSettings, "TrainOverrides",
    "Per-system overrides of the training settings: only the keys given replace the campaign-wide values.")
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
    n_atoms: int | None = Field(None, gt=0, description="expected atom count (checked against the builder "
                                "parameters where they imply one)")
    groups: Literal[DECOMPOSITIONS] | None = Field(
        None, description="decomposition of the dipole current into groups (default the system registry's: hcl for "
        "HCl, water-layers for TiO2-water); hcl-complex: the paper's HCl groups (hydronium cores, every atom within "
        "3 Å of a hydronium O, the rest)")
    charges: dict[Element, float] | None = Field(
        None, description="fixed point charges per element (e) for the electrostatics check, e.g. SPC/Fw")
    temperature_K: float | None = Field(None, gt=0, description="MD temperature (K) of this system, both stages")
    timestep_fs: float | None = Field(None, gt=0, description="MD time step (fs) of this system, both stages")
    thermostat_time_fs: float | None = Field(None, gt=0, description="thermostat time (fs), both stages")
    teachers: list[TeacherId] | None = Field(
        None, min_length=1, description="subset of the campaign's teachers run on this system (default all)")
    train_frames: int | None = Field(None, gt=0, description="labelled training frames (validation included)")
    test_frames: int | None = Field(None, gt=0, description="labelled test frames")
    learning_curve: list[Annotated[int, Field(gt=0)]] | None = Field(
        None, min_length=1, description="training-set sizes (frames) of a learning curve: per cell a student trained "
        "on each seeded subset of its training frames (nested), scored on the same test frames")
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

    def build_settings(self) -> dict[str, Any]:
        """The ``lesdistill build-system <builder>`` settings of this system: its builder's parameters."""
        return self.model_dump(mode="json", include=set(system_spec(self.builder).parameters.model_fields),
                               exclude_none=True)


def system_section(spec: SystemSpec) -> type[SystemSection]:
    """The config section of a registered system: its parameters' fields and the common ones."""
    return create_model(spec.config_name, __base__=(SystemSection, spec.parameters), __doc__=spec.parameters.__doc__,
                        builder=(Literal[spec.builder], Field(description="system builder")))


#: config section of each registered system, by builder name
SYSTEM_SECTIONS = {builder: system_section(spec) for builder, spec in SYSTEMS.items()}
SystemConfig = Annotated[Union[tuple(SYSTEM_SECTIONS.values())], Field(discriminator="builder")]
SystemName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]
