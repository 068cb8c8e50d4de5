"""Parity of a student's Born effective charges with reference (e.g. DFT) BECs.

The reference is an extxyz file whose frames carry a per-atom ``BEC`` array of 9 components,
Z[α, β] = ∂P_α/∂r_β row-major (polarization index first), in e, physical (ε∞ included). The student's
BECs are computed on the same frames with √ε∞ applied (``StudentCalculator(epsilon_inf=…)``) and its
stored (canonical) charge sign: a student of the wrong global sign scores badly, on purpose.
Columns are named by origin (``bec_student``, ``bec_reference``) so that a prediction is never
mistaken for a copy of the reference.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from ase import Atoms
from ase.data import chemical_symbols

from ..calculator import StudentCalculator
from ..device import resolve_device
from ..io.structures import read_structures

DIAGONAL = np.eye(3, dtype=bool)


def read_bec_reference(path: Path | str) -> list[Atoms]:
    """Frames of ``path`` with their ``BEC`` arrays, (N, 9) each; ValueError naming what is missing."""
    frames = read_structures(path)
    for index, atoms in enumerate(frames):
        bec = atoms.arrays.get("BEC")
        if bec is None:
            raise ValueError(f"{path}: frame {index} has no per-atom BEC array (9 components, e)")
        if bec.reshape(len(atoms), -1).shape[1] != 9 or not np.isfinite(bec).all():
            raise ValueError(f"{path}: frame {index}: BEC must hold 9 finite components per atom")
    return frames


def student_becs(student: Path | str, frames: list[Atoms], epsilon_inf: float, device: str = "auto") -> np.ndarray:
    """Physical student BECs (Σ atoms, 3, 3) in e on ``frames``, atoms of all frames in order."""
    calculator = StudentCalculator(student, device=str(resolve_device(device)), epsilon_inf=epsilon_inf)
    becs = []
    for atoms in frames:
        trial = atoms.copy()
        trial.calc = calculator
        becs.append(calculator.get_bec(trial))
    return np.concatenate(becs)


@dataclass(frozen=True)
class BecParity:
    """Parity statistics (e) of student vs reference BECs over every atom of the reference frames."""

    n_atoms: int
    r2: float
    rmse_e: float
    r2_diagonal: float
    rmse_diagonal_e: float
    rmse_offdiagonal_e: float
    iso_mean_student_e: dict[str, float] = field(default_factory=dict)
    iso_mean_reference_e: dict[str, float] = field(default_factory=dict)


def parity_statistics(predicted: np.ndarray, reference: np.ndarray) -> tuple[float, float]:
    """(RMSE, R²) of all entries; R² = 1 − Σ(p − r)² / Σ(r − r̄)², NaN when the reference has no spread."""
    predicted, reference = np.asarray(predicted, float).ravel(), np.asarray(reference, float).ravel()
    residual = predicted - reference
    total = float(np.sum((reference - reference.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residual**2)) / total if total > 0 else float("nan")
    return float(np.sqrt(np.mean(residual**2))), r2


def bec_parity(student: np.ndarray, reference: np.ndarray, numbers: np.ndarray) -> BecParity:
    """Parity of ``student`` and ``reference`` BECs, both (M, 3, 3) in e, atoms with ``numbers`` (M,)."""
    student, reference = np.asarray(student, float), np.asarray(reference, float)
    iso = lambda z: np.trace(z, axis1=1, axis2=2) / 3  # noqa: E731
    elements = sorted(set(numbers.tolist()))
    rmse, r2 = parity_statistics(student, reference)
    rmse_diagonal, r2_diagonal = parity_statistics(student[:, DIAGONAL], reference[:, DIAGONAL])
    return BecParity(
        n_atoms=len(numbers), r2=r2, rmse_e=rmse, r2_diagonal=r2_diagonal, rmse_diagonal_e=rmse_diagonal,
        rmse_offdiagonal_e=parity_statistics(student[:, ~DIAGONAL], reference[:, ~DIAGONAL])[0],
        iso_mean_student_e={chemical_symbols[z]: float(iso(student)[numbers == z].mean()) for z in elements},
        iso_mean_reference_e={chemical_symbols[z]: float(iso(reference)[numbers == z].mean()) for z in elements},
    )


@dataclass(frozen=True)
class BecComparison:
    """Per-atom student and reference BECs (M, 3, 3) in e, atomic numbers (M,), ε∞ applied, and their parity."""

    student: np.ndarray
    reference: np.ndarray
    numbers: np.ndarray
    epsilon_inf: float
    parity: BecParity


def compare_becs(student: Path | str, reference_file: Path | str, epsilon_inf: float,
                 device: str = "auto") -> BecComparison:
    """The student's physical BECs on the frames of ``reference_file`` against their ``BEC`` arrays."""
    frames = read_bec_reference(reference_file)
    reference = np.concatenate([a.arrays["BEC"].reshape(len(a), 3, 3) for a in frames])
    numbers = np.concatenate([a.numbers for a in frames])
    predicted = student_becs(student, frames, epsilon_inf, device)
    return BecComparison(predicted, reference, numbers, epsilon_inf, bec_parity(predicted, reference, numbers))
