"""Labelled frames as tensors (frames of any size and composition), split into train/validation/test,
and batches of frames."""

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
    """Labelled frames, the atoms of all frames one after another (frames may differ in size and
    composition): positions (A, 3) Å, numbers (A,), forces (A, 3) eV/Å, n_atoms (F,) atoms per frame
    (numpy); cells (F, 3, 3) Å, energy (F,) eV, stress (F, 3, 3) eV/Å³ or None, split (F,) int, periodic flag;
    charges (A,) e: the teacher's partial charges where the labels carry them (``teacher_charges``), else None."""

    positions: torch.Tensor
    cells: torch.Tensor
    numbers: torch.Tensor
    energy: torch.Tensor
    forces: torch.Tensor
    stress: torch.Tensor | None
    split: np.ndarray
    periodic: bool
    n_atoms: np.ndarray
    charges: torch.Tensor | None = None

    def __post_init__(self) -> None:
        self.n_atoms = np.asarray(self.n_atoms, dtype=np.int64)
        self.first_atom = np.concatenate([[0], np.cumsum(self.n_atoms)])
        if self.first_atom[-1] != len(self.numbers) or len(self.n_atoms) != len(self.energy):
            raise ValueError(f"{len(self.energy)} frames with {self.first_atom[-1]} atoms in n_atoms, "
                             f"{len(self.numbers)} atoms stored")

    def __len__(self) -> int:
        return len(self.energy)

    def indices(self, split: str) -> np.ndarray:
        return np.flatnonzero(self.split == SPLITS[split])

    def atom_indices(self, frames) -> np.ndarray:
        """The atoms (into the concatenated arrays) of ``frames``, frame after frame."""
        frames = np.asarray(frames, dtype=np.int64)
        counts = self.n_atoms[frames]
        offsets = np.repeat(self.first_atom[frames] - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        return offsets + np.arange(int(counts.sum()))

    def frame_of_atom(self) -> np.ndarray:
        """The frame (A,) each stored atom belongs to."""
        return np.repeat(np.arange(len(self)), self.n_atoms)

    def to(self, device: torch.device | str) -> Frames:
        """The same frames with every tensor on ``device`` (batches are then built there)."""
        move = lambda tensor: None if tensor is None else tensor.to(device)  # noqa: E731
        return Frames(positions=move(self.positions), cells=move(self.cells), numbers=move(self.numbers),
                      energy=move(self.energy), forces=move(self.forces), stress=move(self.stress), split=self.split,
                      periodic=self.periodic, n_atoms=self.n_atoms, charges=move(self.charges))

    def batch(self, indices) -> dict[str, torch.Tensor]:
        """Frames ``indices`` flattened: positions (atoms, 3), numbers and batch (atoms,), cells (B, 3, 3),
        energy (B,), forces (atoms, 3), n_atoms (B,), stress (B, 3, 3) and teacher charges (atoms,) where
        stored; on the frames' device."""
        device = self.positions.device
        index = np.asarray(indices, dtype=np.int64)
        atoms = torch.as_tensor(self.atom_indices(index), device=device)
        counts = torch.as_tensor(self.n_atoms[index], device=device)
        frame = torch.as_tensor(index, device=device)
        out = {
            "positions": self.positions[atoms],
            "numbers": self.numbers[atoms],
            "batch": torch.arange(len(index), device=device).repeat_interleave(counts),
            "cells": self.cells[frame] if self.periodic else None,
            "energy": self.energy[frame],
            "forces": self.forces[atoms],
            "n_atoms": counts.to(self.energy.dtype),
        }
        if self.stress is not None:
            out["stress"] = self.stress[frame]
        if self.charges is not None:
            out["charges"] = self.charges[atoms]
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
    ``limits.max_label_force_eV_A`` or an energy per atom far from the median; else ``frames``. (With
    several compositions the median is a rough centre: element energies differ; keep the bound generous.)"""
    frame = torch.as_tensor(frames.frame_of_atom())
    atom_ok = torch.isfinite(frames.positions).all(dim=1) & torch.isfinite(frames.forces).all(dim=1)
    finite = torch.isfinite(frames.energy) & torch.ones(len(frames), dtype=torch.bool).index_put(
        (frame[~atom_ok],), torch.tensor(False))
    if not bool(finite.all()):
        raise ValueError(f"{path}: frame {int(torch.nonzero(~finite)[0])} has a NaN or infinite energy, force or position")
    force = torch.zeros(len(frames), dtype=frames.forces.dtype).scatter_reduce(
        0, frame, torch.linalg.norm(frames.forces, dim=-1), "amax")
    if bool((force > limits.max_label_force_eV_A).any()):
        frame = int(torch.argmax(force))
        raise ValueError(f"{path}: frame {frame} has a force of {float(force[frame]):.3g} eV/Å, above the physical "
                         f"bound max_label_force_eV_A = {limits.max_label_force_eV_A} (training settings)")
    per_atom = frames.energy / torch.as_tensor(frames.n_atoms, dtype=frames.energy.dtype)
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
    n_frames = data.sizes["frame"]
    ragged = "n_atoms" in data
    n_atoms = data.n_atoms.values if ragged else np.full(n_frames, data.sizes["atom"])
    numbers = data.atomic_number.values if ragged else np.tile(data.atomic_number.values, n_frames)
    per_atom = lambda name: torch.tensor(data[name].values.reshape(-1, 3), dtype=dtype)  # noqa: E731
    as_tensor = lambda name: torch.tensor(data[name].values, dtype=dtype)  # noqa: E731
    return Frames(
        positions=per_atom("positions"), cells=as_tensor("cell"), numbers=torch.tensor(numbers, dtype=torch.long),
        energy=as_tensor("energy"), forces=per_atom("forces"), stress=as_tensor("stress") if "stress" in data else None,
        split=data.split.values.astype(int), periodic=bool(data.pbc.values.all()), n_atoms=n_atoms,
        charges=torch.tensor(data.teacher_charges.values.reshape(-1), dtype=dtype) if "teacher_charges" in data else None,
    )


def load_datasets(paths: list[Path | str], dtype: torch.dtype = torch.float64, seed: int = 0,
                  limits: TrainSettings | None = None) -> Frames:
    """Several labelled datasets (e.g. the teacher labels and the relabelled frames of iterative rounds, or
    sets of other systems) as one :class:`Frames`, frames in the order given, each keeping its split."""
    if not paths:
        raise ValueError("no labelled dataset given")
    parts = [load_frames(path, dtype, seed, limits) for path in paths]
    for path, part in zip(paths[1:], parts[1:]):
        if part.periodic != parts[0].periodic:
            raise ValueError(f"{path} is {'' if part.periodic else 'not '}periodic and {paths[0]} is "
                             f"{'' if parts[0].periodic else 'not'}: datasets trained together share their periodicity")
    cat = lambda name: (torch.cat([getattr(part, name) for part in parts])  # noqa: E731
                        if all(getattr(part, name) is not None for part in parts) else None)
    return Frames(positions=cat("positions"), cells=cat("cells"), numbers=cat("numbers"), energy=cat("energy"),
                  forces=cat("forces"), stress=cat("stress"), split=np.concatenate([part.split for part in parts]),
                  periodic=parts[0].periodic, n_atoms=np.concatenate([part.n_atoms for part in parts]),
                  charges=cat("charges"))


def fit_element_energies(frames: Frames, indices: np.ndarray) -> dict[int, float]:
    """Per-element reference energies E0 (eV) by least squares of frame energies on element counts.

    With one composition the system is rank one and the minimum-norm solution spreads the mean
    energy over the elements in proportion to their counts; only the total matters then. Frames of
    several compositions determine the E0s as far as their compositions are independent.
    """
    numbers = frames.numbers.cpu().numpy()
    elements = sorted(set(numbers.tolist()))
    column = np.searchsorted(elements, numbers)
    counts = np.zeros((len(frames), len(elements)))
    np.add.at(counts, (frames.frame_of_atom(), column), 1.0)
    solution, *_ = np.linalg.lstsq(counts[indices], frames.energy[indices].double().cpu().numpy(), rcond=None)
    return {z: float(e) for z, e in zip(elements, solution)}


def _frames_from_extxyz(path: Path, dtype: torch.dtype, seed: int) -> Frames:
    frames = read_structures(path)
    if any((a.pbc != frames[0].pbc).any() for a in frames):
        raise ValueError(f"{path}: frames mix periodic and non-periodic cells (pbc); give them as separate sets")
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
    with_charges = all("teacher_charges" in a.arrays for a in frames)
    return Frames(positions=tensor(np.concatenate([a.positions for a in frames])),
                  cells=tensor([a.cell.array for a in frames]),
                  numbers=torch.tensor(np.concatenate([a.numbers for a in frames]), dtype=torch.long),
                  energy=tensor(energy), forces=tensor(np.concatenate(forces)), stress=None, split=split,
                  periodic=bool(frames[0].pbc.all()), n_atoms=np.array([len(a) for a in frames]),
                  charges=tensor(np.concatenate([a.arrays["teacher_charges"] for a in frames])) if with_charges else None)
