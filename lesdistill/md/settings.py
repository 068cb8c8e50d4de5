"""MD settings: one validated pydantic model, loadable from YAML or JSON.

Units: fs for times, K for temperatures, Å for distances. Defaults are the paper's liquid-water run
(300 K, 0.25 fs, thermostat time 10 fs, 1000 + 200,000 steps, every step written).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..io.documents import load_mapping


class MDSettings(BaseModel):
    """Ensemble, integrator, run length, sampling, checkpointing and guards of one MD run."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    ensemble: Literal["nvt", "nve"] = "nvt"
    thermostat: Literal["nose_hoover", "bussi", "langevin"] | None = Field(
        None, description="NVT only; defaults to nose_hoover for nvt and must be unset for nve")
    timestep_fs: float = Field(0.25, gt=0, description="integration time step (fs)")
    temperature_K: float = Field(300.0, gt=0, description="Maxwell–Boltzmann start and thermostat target (K)")
    thermostat_time_fs: float = Field(
        10.0, gt=0, description="Nosé–Hoover tdamp, Bussi taut, Langevin 1/friction (fs)")
    chain_length: int = Field(3, ge=1, description="Nosé–Hoover chain length (1 = plain Nosé–Hoover)")
    equilibration_steps: int = Field(1000, ge=0, description="steps run before sampling, not written")
    production_steps: int = Field(200_000, gt=0, description="steps after equilibration")
    sample_stride: int = Field(1, gt=0, description="a frame is written every this many production steps")
    seed: int = Field(0, ge=0, description="seeds the initial velocities and stochastic thermostats")
    checkpoint_every: int = Field(1000, gt=0, description="steps between checkpoints (frames reach disk then)")
    max_temperature_K: float = Field(2000.0, gt=0, description="guard: stop above this temperature (K)")
    min_distance_A: float = Field(0.5, ge=0, description="guard: stop when two atoms come closer (Å); 0 disables")
    distance_check_every: int = Field(1, gt=0, description="steps between closest-distance checks")

    @model_validator(mode="before")
    @classmethod
    def _default_thermostat(cls, values):
        if isinstance(values, dict) and values.get("ensemble", "nvt") == "nvt" and values.get("thermostat") is None:
            values = {**values, "thermostat": "nose_hoover"}
        return values

    @model_validator(mode="after")
    def _consistent(self) -> MDSettings:
        if self.ensemble == "nve" and self.thermostat is not None:
            raise ValueError(f"thermostat={self.thermostat!r} needs ensemble 'nvt'; leave thermostat unset for 'nve'")
        if self.max_temperature_K <= self.temperature_K:
            raise ValueError(f"max_temperature_K ({self.max_temperature_K}) must exceed "
                             f"temperature_K ({self.temperature_K})")
        if self.production_steps < self.sample_stride:
            raise ValueError(f"production_steps ({self.production_steps}) is shorter than sample_stride "
                             f"({self.sample_stride}): no frame would be written")
        return self

    @property
    def total_steps(self) -> int:
        """Equilibration plus production steps."""
        return self.equilibration_steps + self.production_steps

    @property
    def n_frames(self) -> int:
        """Frames of a finished run (production steps stride, 2·stride, …)."""
        return self.production_steps // self.sample_stride

    def is_sample_step(self, step: int) -> bool:
        """Whether the state after global ``step`` (1-based, equilibration included) is written."""
        production = step - self.equilibration_steps
        return production > 0 and production % self.sample_stride == 0


def validate_settings(values: dict, source: str = "settings") -> MDSettings:
    """``MDSettings`` from a mapping; ValueError naming each bad field and its value."""
    try:
        return MDSettings.model_validate(values)
    except ValidationError as error:
        problems = []
        for item in error.errors():
            field = ".".join(str(part) for part in item["loc"]) or "settings"
            value = f" (got {item['input']!r})" if item["loc"] else ""
            message = item["msg"].removeprefix("Value error, ")
            problems.append(f"{field}: {message}{value}")
        raise ValueError(f"invalid MD {source}: " + "; ".join(problems)) from None


def load_settings(path: Path) -> MDSettings:
    """Read settings from a YAML or JSON mapping file; ValueError naming the file and bad fields."""
    values = load_mapping(path, "MD settings file")
    return validate_settings(values, source=f"settings file {path}")
