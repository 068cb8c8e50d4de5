"""Labelled frames as tensors, split into train/validation/test, and fixed-size batches."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..io.structures import read_structures
from ..label import split_assignment
from .settings import TrainSettings
from ..md.reader import read_trajectory

SPLITS = {"train": 0, "validation": 1, "test": 2}


@dataclass
class Frames:
    """positions (F, N, 3) Å, cells (F, 3, 3) Å, numbers (N,), energy (F,) eV, forces (F, N, 3) eV/Å,
    stress (F, 3, 3) eV/Å³ or None, split (F,) int, periodic flag. One composition for all frames."""

    positions: torch.Tensor
    cells: torch.Tensor
    numbers: torch.Tensor
    energy: torch.Tensor
    forces: torch.Tensor
    stress: torch.Tensor | None
    split: np.ndarray
    periodic: bool

    def __len__(self) -> int:
        return len(self.energy)

    def indices(self, split: str) -> np.ndarray:
        return np.flatnonzero(self.split == SPLITS[split])

    def to(self, device: torch.device | str) -> Frames:
        """The same frames with every tensor on ``device`` (batches are then built there)."""
        move = lambda tensor: None if tensor is None else tensor.to(device)  # noqa: E731
        return Frames(positions=move(self.positions), cells=move(self.cells), numbers=move(self.numbers),
                      energy=move(self.energy), forces=move(self.forces), stress=move(self.stress), split=self.split,
                      periodic=self.periodic)

    def batch(self, indices) -> dict[str, torch.Tensor]:
        """Frames ``indices`` flattened: positions (B·N, 3), batch (B·N,), cells (B, 3, 3), targets;
        on the frames' device."""
        device = self.positions.device
        index = torch.as_tensor(np.asarray(indices), device=device)
        n_atoms = self.positions.shape[1]
        out = {
            "positions": self.positions[index].reshape(-1, 3),
            "numbers": self.numbers.repeat(len(index)),
            "batch": torch.arange(len(index), device=device).repeat_interleave(n_atoms),
            "cells": self.cells[index] if self.periodic else None,
            "energy": self.energy[index],
            "forces": self.forces[index].reshape(-1, 3),
            "n_atoms": torch.full((len(index),), n_atoms, dtype=self.energy.dtype, device=device),
        }
        if self.stress is not None:
            out["stress"] = self.stress[index]
        return out


def load_frames(path: Path | str, dtype: torch.dtype = torch.float64, seed: int = 0,
                limits: TrainSettings | None = None) -> Frames:
    """Read a labelled dataset: netCDF from ``lesdistill label``, or extxyz with energies and forces
    (e.g. DFT data for fine-tuning; ``split`` from each frame's info when given, else 80/10/10 seeded),
    its labels checked against the bounds of ``limits`` (default: TrainSettings' defaults)."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"labelled dataset {path} does not exist")
    frames = _frames_from_extxyz(path, dtype, seed) if path.suffix in (".xyz", ".extxyz") else _frames_from_netcdf(path, dtype)
    return check_labels(frames, path, limits or TrainSettings())


def check_labels(frames: Frames, path: Path, limits: TrainSettings) -> Frames:
    """ValueError naming the first frame of ``path`` with non-finite values, a force above
    ``limits.max_label_force_eV_A`` or an energy per atom far from the median; else ``frames``."""
    finite = [torch.isfinite(t.reshape(len(frames), -1)).all(dim=1) for t in (frames.positions, frames.forces)]
    finite = torch.isfinite(frames.energy) & finite[0] & finite[1]
    if not bool(finite.all()):
        raise ValueError(f"{path}: frame {int(torch.nonzero(~finite)[0])} has a NaN or infinite energy, force or position")
    force = torch.linalg.norm(frames.forces, dim=-1).amax(dim=1)
    if bool((force > limits.max_label_force_eV_A).any()):
        frame = int(torch.argmax(force))
        raise ValueError(f"{path}: frame {frame} has a force of {float(force[frame]):.3g} eV/Å, above the physical "
                         f"bound max_label_force_eV_A = {limits.max_label_force_eV_A} (training settings)")
    per_atom = frames.energy / frames.positions.shape[1]
    deviation = (per_atom - per_atom.median()).abs()
    if bool((deviation > limits.max_label_energy_deviation_eV_atom).any()):
        frame = int(torch.argmax(deviation))
        raise ValueError(f"{path}: frame {frame} has an energy of {float(per_atom[frame]):.6g} eV/atom, "
                         f"{float(deviation[frame]):.3g} eV/atom from the median (bound "
                         f"max_label_energy_deviation_eV_atom = {limits.max_label_energy_deviation_eV_atom})")
    return frames


def _frames_from_netcdf(path: Path, dtype: torch.dtype) -> Frames:
    data = read_trajectory(path)
    missing = [name for name in ("positions", "cell", "energy", "forces", "split") if name not in data]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)}: is it a finished `lesdistill label` output?")
    as_tensor = lambda name: torch.tensor(data[name].values, dtype=dtype)  # noqa: E731
    return Frames(
        positions=as_tensor("positions"), cells=as_tensor("cell"),
        numbers=torch.tensor(data.atomic_number.values, dtype=torch.long), energy=as_tensor("energy"),
        forces=as_tensor("forces"), stress=as_tensor("stress") if "stress" in data else None,
        split=data.split.values.astype(int), periodic=bool(data.pbc.values.all()),
    )


def load_datasets(paths: list[Path | str], dtype: torch.dtype = torch.float64, seed: int = 0,
                  limits: TrainSettings | None = None) -> Frames:
    """Several labelled datasets of the same atoms (e.g. the teacher labels and the relabelled frames
    of iterative rounds) as one :class:`Frames`, frames in the order given, each keeping its split."""
    if not paths:
        raise ValueError("no labelled dataset given")
    parts = [load_frames(path, dtype, seed, limits) for path in paths]
    first = parts[0]
    for path, part in zip(paths[1:], parts[1:]):
        if not torch.equal(part.numbers, first.numbers) or part.periodic != first.periodic:
            raise ValueError(f"{path} holds other atoms (or periodicity) than {paths[0]}: datasets trained "
                             "together need the same atoms in the same order")
    with_stress = all(part.stress is not None for part in parts)
    cat = lambda name: torch.cat([getattr(part, name) for part in parts])  # noqa: E731
    return Frames(positions=cat("positions"), cells=cat("cells"), numbers=first.numbers, energy=cat("energy"),
                  forces=cat("forces"), stress=cat("stress") if with_stress else None,
                  split=np.concatenate([part.split for part in parts]), periodic=first.periodic)


def fit_element_energies(frames: Frames, indices: np.ndarray) -> dict[int, float]:
    """Per-element reference energies E0 (eV) by least squares of frame energies on element counts.

    With one composition the system is rank one and the minimum-norm solution spreads the mean
    energy over the elements in proportion to their counts; only the total matters then.
    """
    elements = sorted(set(frames.numbers.tolist()))
    counts = np.array([[int((frames.numbers == z).sum()) for z in elements]] * len(indices), dtype=float)
    solution, *_ = np.linalg.lstsq(counts, frames.energy[indices].double().cpu().numpy(), rcond=None)
    return {z: float(e) for z, e in zip(elements, solution)}


def _frames_from_extxyz(path: Path, dtype: torch.dtype, seed: int) -> Frames:
    frames = read_structures(path)
    numbers = frames[0].numbers
    if any(len(a) != len(numbers) or (a.numbers != numbers).any() for a in frames):
        raise ValueError(f"{path}: every frame must have the same atoms in the same order")
    try:
        energy = [a.get_potential_energy() for a in frames]
        forces = [a.get_forces() for a in frames]
    except Exception as error:
        raise ValueError(f"{path}: every frame needs an energy and forces ({error})") from error
    names = {name: code for code, name in enumerate(("train", "validation", "test"))}
    if all("split" in a.info for a in frames):
        unknown = sorted({str(a.info["split"]) for a in frames} - set(names))
        if unknown:
            raise ValueError(f"{path}: split must be one of {', '.join(names)}, found {', '.join(unknown)}")
        split = np.array([names[a.info["split"]] for a in frames])
    else:
        split = split_assignment(len(frames), 0.1, 0.1, seed)
    tensor = lambda values: torch.tensor(np.asarray(values), dtype=dtype)  # noqa: E731
    return Frames(positions=tensor([a.positions for a in frames]), cells=tensor([a.cell.array for a in frames]),
                  numbers=torch.tensor(numbers, dtype=torch.long), energy=tensor(energy), forces=tensor(forces),
                  stress=None, split=split, periodic=bool(frames[0].pbc.all()))
