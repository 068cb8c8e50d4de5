"""The stage sections of the campaign: sampling, labelling, fine-tuning, response, iterative rounds, IR, figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..decomposition import SLAB_CHOICES, SURFACES
from ..md.settings import MDSettings, load_settings
from ..teacher_bec import DEFAULT_STEP_A
from .fields import ExistingFile, Fraction, Section, Slug, resolve_path
from .teachers import TeacherId

#: the two MD stages whose settings a system resolves (teacher sampling, student MD)
MD_STAGES = ("sampling", "student")


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


class TeacherBecConfig(Section):
    """Born effective charges of the teachers that have their own charge model (SO3LR, GFN-xTB, SPC/Fw;
    ``charge_model`` in the catalog) on each cell's test frames: the reference of its teacher-BEC parity."""

    frames: int = Field(2, ge=0, description="test frames evaluated per cell (0: no teacher BECs); by autograd "
                        "(SO3LR) one pass per frame, by central differences (GFN-xTB, SPC/Fw) 6 × atoms teacher calls")
    step_A: float = Field(DEFAULT_STEP_A, gt=0, le=0.05, description="finite-difference step of the charge "
                          "derivatives (Å)")


class ResponseConfig(Section):
    """BECs and the dipole current along the student trajectory."""

    stride: int = Field(1, gt=0, description="use every STRIDE-th trajectory frame")
    chunk: int = Field(16, gt=0, description="frames per batched evaluation")
    bec_stride: int = Field(10, gt=0, description="full BEC tensors (statistics, density profile) on every "
                            "this many analysed frames; the current uses every frame")
    surface: Literal[SURFACES] = Field(SURFACES[0], description="water-layers groups: surface plane from the mean "
                                       "height of the outermost slab layer (the paper's) or the outermost slab atom")
    slab: Literal[SLAB_CHOICES] = Field(SLAB_CHOICES[0], description="water-layers groups: slab atoms found on the "
                                        "first frame and kept (the paper's), or found again on every frame")


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
