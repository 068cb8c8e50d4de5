"""Training settings (pydantic): loss weights, two-stage schedule, optimiser, EMA, checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from ase.data import atomic_numbers
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ..io.documents import load_model_file


class TrainSettings(BaseModel):
    """MACE-style defaults (stage one E 1 / F 100 at lr 1e-2; stage two E 1000 / F 100 at lr 1e-3)."""

    model_config = ConfigDict(extra="forbid")

    epochs: int = Field(100, gt=0)
    batch_size: int = Field(4, gt=0)
    dtype: Literal["float32", "float64"] = "float64"
    seed: int = 0
    lr: float = Field(1e-2, gt=0)
    weight_decay: float = Field(5e-7, ge=0)
    amsgrad: bool = True
    energy_weight: float = Field(1.0, ge=0)
    forces_weight: float = Field(100.0, ge=0)
    stress_weight: float = Field(0.0, ge=0)
    charges_weight: float = Field(0.0, ge=0, description="weight (1/e², both stages) of the mean squared difference "
                                  "between the student's latent charges and the teacher's partial charges "
                                  "(teacher_charges of the labels: SO3LR, GFN-xTB, SPC/Fw); 0: the charges stay "
                                  "latent, learned from energies and forces only")
    stage_two_epoch: int | None = Field(None, ge=0, description="epoch from which stage two applies (None: never)")
    stage_two_lr: float = Field(1e-3, gt=0)
    stage_two_energy_weight: float = Field(1000.0, ge=0)
    stage_two_forces_weight: float = Field(100.0, ge=0)
    scheduler: Literal["plateau", "step"] = "plateau"
    plateau_factor: float = Field(0.8, gt=0, lt=1)
    plateau_patience: int = Field(50, ge=0)
    step_size: int = Field(20, gt=0)
    step_gamma: float = Field(0.5, gt=0, le=1)
    clip_grad_norm: float | None = Field(10.0, gt=0)
    ema_decay: float | None = Field(0.99, gt=0, lt=1)
    early_stopping_patience: int | None = Field(None, gt=0, description="epochs without validation improvement")
    checkpoint_every: int = Field(50, gt=0, description="optimiser steps between checkpoints")
    train_fraction: float = Field(1.0, gt=0, le=1, description="train on this seeded fraction of the training "
                                  "frames (at least one): fine-tuning on part of a DFT set")
    train_frames: int | None = Field(None, gt=0, description="train on this many seeded training frames (learning "
                                     "curves; the subsets of one seed are nested); not with train_fraction")
    replay_fraction: float = Field(0.0, ge=0, le=1, description="fine-tuning: replayed frames of the earlier data "
                                   "set per new training frame (forces only)")
    max_label_force_eV_A: float = Field(1000.0, gt=0, description="labels with a force above this (eV/Å) are "
                                        "refused as unphysical")
    max_label_energy_deviation_eV_atom: float = Field(5.0, gt=0, description="labels whose energy per atom is "
                                                      "further than this (eV) from the data set's median are refused")
    time_limit_minutes: float | None = Field(None, gt=0, description="safety stop only (training is bounded by "
                                             "epochs): stop after the epoch that passes this wall time (minutes; a "
                                             "resumed run counts afresh) and mark the student as stopped early")
    sign_element: str = Field("O", pattern=r"^[A-Z][a-z]?$", description="reference element whose mean isotropic "
                              "BEC is made negative to fix the global sign of the latent charges")

    @field_validator("sign_element")
    @classmethod
    def _known_element(cls, value: str) -> str:
        if value not in atomic_numbers:
            raise ValueError(f"unknown element {value!r}")
        return value

    @model_validator(mode="after")
    def _some_loss(self) -> TrainSettings:
        if self.energy_weight == self.forces_weight == self.stress_weight == self.charges_weight == 0:
            raise ValueError("all loss weights are zero")
        if self.train_frames is not None and self.train_fraction < 1:
            raise ValueError("give train_frames or train_fraction, not both")
        return self


def load_train_settings(path: Path | str | None) -> TrainSettings:
    """Settings from a YAML file (defaults when None); ValueError naming the file and field."""
    return load_model_file(path, TrainSettings, "training settings")
