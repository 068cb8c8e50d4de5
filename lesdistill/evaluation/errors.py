"""Errors of a student against the labels of one dataset's test frames.

Energies are compared per atom (meV/atom) twice: as predicted, and after removing the mean per-atom
offset (the student's element energies may sit on another reference than the labels', e.g. a DFT set
next to a teacher); both are reported, the offset with them. Forces are compared per Cartesian
component (meV/Å), overall and per element; stress per component (meV/Å³) where the labels hold it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from ase.data import chemical_symbols

from ..device import resolve_device
from ..models.student import load_student
from ..training.data import Frames, load_frames
from ..training.loss import predict


@dataclass(frozen=True)
class ErrorMetrics:
    """Errors on ``n_frames`` frames (meV/atom, meV/Å, meV/Å³); stress NaN when the labels hold none."""

    n_frames: int
    split: str
    energy_rmse_mev_atom: float
    energy_mae_mev_atom: float
    energy_offset_mev_atom: float
    energy_rmse_offset_removed_mev_atom: float
    energy_mae_offset_removed_mev_atom: float
    forces_rmse_mev_a: float
    forces_mae_mev_a: float
    stress_rmse_mev_a3: float
    stress_mae_mev_a3: float
    forces_rmse_element_mev_a: dict[str, float] = field(default_factory=dict)
    forces_mae_element_mev_a: dict[str, float] = field(default_factory=dict)


def _rmse(values: np.ndarray) -> float:
    return float(np.sqrt(np.mean(values**2))) if values.size else float("nan")


def _mae(values: np.ndarray) -> float:
    return float(np.mean(np.abs(values))) if values.size else float("nan")


def scored_indices(frames: Frames) -> tuple[np.ndarray, str]:
    """The test frames of a dataset, else all its frames (a set without a split, e.g. a DFT test set)."""
    test = frames.indices("test")
    return (test, "test") if len(test) else (np.arange(len(frames)), "all")


def predictions(student, frames: Frames, indices: np.ndarray, chunk: int = 8,
                device: torch.device = torch.device("cpu")) -> dict[str, np.ndarray]:
    """Student energies (F,) eV, forces (atoms of the frames, 3) eV/Å in :meth:`Frames.atom_indices` order
    and, for periodic labels with stress, stress (F, 3, 3), computed on ``device`` (where the student is)
    ``chunk`` frames at a time."""
    with_stress = frames.stress is not None and frames.periodic
    parts: dict[str, list[np.ndarray]] = {"energy": [], "forces": [], "stress": []}
    for start in range(0, len(indices), chunk):
        batch = {key: value.to(device) if isinstance(value, torch.Tensor) else value
                 for key, value in frames.batch(indices[start:start + chunk]).items()}
        out = {key: value.detach().cpu().numpy() for key, value in
               predict(student, batch, create_graph=False, with_stress=with_stress).items()}
        parts["energy"].append(out["energy"])
        parts["forces"].append(out["forces"])
        if with_stress:
            parts["stress"].append(out["stress"])
    return {key: np.concatenate(value) for key, value in parts.items() if value}


def dataset_errors(student_path: Path | str, dataset: Path | str, chunk: int = 8, device: str = "auto") -> ErrorMetrics:
    """Errors of the student file on the test frames of ``dataset`` (label netCDF or extxyz), on ``device``."""
    where = resolve_device(device)
    student = load_student(student_path, device=str(where))
    frames = load_frames(dataset, torch.float64)
    indices, split = scored_indices(frames)
    predicted = predictions(student, frames, indices, chunk, where)
    atoms = frames.atom_indices(indices)
    energy = (predicted["energy"] - frames.energy[indices].numpy()) / frames.n_atoms[indices]
    offset = float(energy.mean())
    forces = predicted["forces"] - frames.forces[atoms].numpy()
    stress = predicted["stress"] - frames.stress[indices].numpy() if "stress" in predicted else np.empty(0)
    numbers = frames.numbers[atoms].numpy()
    per_element = {chemical_symbols[z]: forces[numbers == z] for z in sorted(set(numbers.tolist()))}
    return ErrorMetrics(
        n_frames=len(indices), split=split,
        energy_rmse_mev_atom=1e3 * _rmse(energy), energy_mae_mev_atom=1e3 * _mae(energy),
        energy_offset_mev_atom=1e3 * offset,
        energy_rmse_offset_removed_mev_atom=1e3 * _rmse(energy - offset),
        energy_mae_offset_removed_mev_atom=1e3 * _mae(energy - offset),
        forces_rmse_mev_a=1e3 * _rmse(forces), forces_mae_mev_a=1e3 * _mae(forces),
        stress_rmse_mev_a3=1e3 * _rmse(stress), stress_mae_mev_a3=1e3 * _mae(stress),
        forces_rmse_element_mev_a={s: 1e3 * _rmse(f) for s, f in per_element.items()},
        forces_mae_element_mev_a={s: 1e3 * _mae(f) for s, f in per_element.items()},
    )
