"""Parity of student Born effective charges against a reference: statistics, data and the figure.

The reference is either per-atom BECs stored with the structures (extxyz array ``bec``, (N, 9),
row-major Z*[α, β] with the polarization index α first) or fixed point charges, whose BECs are
exactly q·I (:func:`point_charge_becs`, e.g. the SPC/Fw validation teacher).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..evaluation.bec_parity import parity_statistics
from ..teachers.spcfw import CHARGE_H, CHARGE_O
from .style import DPI, FORMATS, color, element_symbol, new_figure, save_figure, style

#: Point charges (e) of the SPC/Fw validation teacher (:mod:`lesdistill.teachers.spcfw`).
SPCFW_CHARGES = {"O": CHARGE_O, "H": CHARGE_H}


@dataclass(frozen=True)
class ParityResult:
    """Files written and the statistics over all tensor components: RMSE (e), R², and per element."""

    files: list[Path]
    rmse: float
    r2: float
    by_element: dict[str, tuple[float, float]] = field(default_factory=dict)


def _checked(student_bec, reference_bec, numbers) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    student, reference = np.asarray(student_bec, float), np.asarray(reference_bec, float)
    numbers = np.asarray(numbers).astype(int).ravel()
    if student.shape != reference.shape or student.ndim != 3 or student.shape[1:] != (3, 3):
        raise ValueError(f"student and reference BECs must both be (M, 3, 3), got {student.shape} and {reference.shape}")
    if len(numbers) != len(student) or len(student) == 0:
        raise ValueError(f"numbers must give one atomic number per BEC ({len(student)}), got {len(numbers)}")
    return student, reference, numbers


def bec_parity(student_bec: np.ndarray, reference_bec: np.ndarray, numbers, output_stem: Path | str, *,
               student_label: str = "Student", reference_label: str = "Reference", title: str | None = None,
               formats: Iterable[str] = FORMATS, dpi: int = DPI) -> ParityResult:
    """Student against reference for every tensor component (M atoms × 9), coloured by element, with
    y = x; RMSE and R² (all components, and per element) in the legend."""
    student, reference, numbers = _checked(student_bec, reference_bec, numbers)
    rmse, r2 = parity_statistics(student, reference)
    by_element = {}
    values = np.concatenate([student.ravel(), reference.ravel()])
    low, high = float(values.min()), float(values.max())
    pad = 0.06 * (high - low) if high > low else 0.5
    limits = (low - pad, high + pad)
    with style():
        figure = new_figure(3.9, 3.9)
        ax = figure.subplots()
        ax.plot(limits, limits, color="0.4", linestyle="--", linewidth=0.9, label="y = x", zorder=1)
        for index, number in enumerate(sorted(set(numbers.tolist()))):
            mask = numbers == number
            symbol = element_symbol(number)
            element_rmse, element_r2 = parity_statistics(student[mask], reference[mask])
            by_element[symbol] = (element_rmse, element_r2)
            ax.scatter(reference[mask].ravel(), student[mask].ravel(), s=9, color=color(index), alpha=0.6,
                       edgecolors="none", rasterized=True, zorder=2,
                       label=f"{symbol} ({mask.sum()} atoms): RMSE {element_rmse:.3f} e")
        ax.set_xlim(*limits)
        ax.set_ylim(*limits)
        ax.set_aspect("equal")
        ax.set_xlabel(rf"{reference_label} $Z^*_{{i,\alpha\beta}}$ (e)")
        ax.set_ylabel(rf"{student_label} $Z^*_{{i,\alpha\beta}}$ (e)")
        r2_text = "n/a" if math.isnan(r2) else f"{r2:.4f}"
        legend = ax.legend(loc="upper left", title=f"all components: RMSE {rmse:.3f} e, R² {r2_text}",
                           alignment="left", markerscale=1.6)
        for handle in legend.legend_handles:
            if hasattr(handle, "set_alpha"):
                handle.set_alpha(1.0)
        if title:
            ax.set_title(title)
        files = save_figure(figure, output_stem, formats, dpi)
    return ParityResult(files, rmse, r2, by_element)


def point_charge_becs(atoms, charges) -> np.ndarray:
    """BECs (N, 3, 3) of fixed point charges: Z*_i = q_i·I exactly.

    ``charges`` is one charge per atom (N,) or a mapping of element symbol or atomic number to charge
    (e.g. :data:`SPCFW_CHARGES`).
    """
    numbers = np.asarray(atoms.get_atomic_numbers() if hasattr(atoms, "get_atomic_numbers") else atoms).astype(int)
    if isinstance(charges, Mapping):
        by_number = {}
        for key, value in charges.items():
            number = key if isinstance(key, (int, np.integer)) else _atomic_number(str(key))
            by_number[int(number)] = float(value)
        missing = sorted({element_symbol(z) for z in numbers if int(z) not in by_number})
        if missing:
            raise ValueError(f"no point charge given for element(s) {', '.join(missing)}")
        q = np.array([by_number[int(z)] for z in numbers])
    else:
        q = np.asarray(charges, float).ravel()
        if len(q) != len(numbers):
            raise ValueError(f"need one charge per atom ({len(numbers)}), got {len(q)}")
    return q[:, None, None] * np.eye(3)[None]


def _atomic_number(symbol: str) -> int:
    from ase.data import atomic_numbers

    if symbol not in atomic_numbers:
        raise ValueError(f"unknown element {symbol!r} in the point charges")
    return atomic_numbers[symbol]


def bec_parity_data(student_path: Path | str, structures_extxyz: Path | str, *, reference_charges: Mapping | None = None,
                    epsilon_inf: float = 1.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(student BECs, reference BECs, atomic numbers) over all atoms of all structures of an extxyz file.

    Student BECs from :class:`lesdistill.StudentCalculator` (scaled by √``epsilon_inf``); reference BECs
    from the per-atom array ``bec`` (N, 9) of each structure, or, with ``reference_charges``, the
    point-charge BECs q·I of :func:`point_charge_becs`.
    """
    from ase.io import read

    from ..calculator import StudentCalculator

    student_path, structures_extxyz = Path(student_path), Path(structures_extxyz)
    for path, what in ((student_path, "student file"), (structures_extxyz, "structure file")):
        if not path.is_file():
            raise ValueError(f"{what} {path} does not exist")
    try:
        frames = read(structures_extxyz, index=":", format="extxyz")
    except Exception as error:  # ase raises many kinds for malformed files
        raise ValueError(f"cannot read structure file {structures_extxyz}: {error}") from error
    if not frames:
        raise ValueError(f"structure file {structures_extxyz} holds no structure")
    calculator = StudentCalculator(student_path, epsilon_inf=epsilon_inf)
    students, references, numbers = [], [], []
    for k, atoms in enumerate(frames):
        if reference_charges is not None:
            reference = point_charge_becs(atoms, reference_charges)
        else:
            if "bec" not in atoms.arrays:
                raise ValueError(f"structure {k} of {structures_extxyz} has no per-atom array 'bec' (N, 9); "
                                 "give reference point charges instead")
            reference = np.asarray(atoms.arrays["bec"], float).reshape(len(atoms), 3, 3)
        atoms = atoms.copy()
        atoms.calc = calculator
        students.append(np.asarray(calculator.get_bec(atoms), float))
        references.append(reference)
        numbers.append(atoms.get_atomic_numbers())
    return np.concatenate(students), np.concatenate(references), np.concatenate(numbers)
