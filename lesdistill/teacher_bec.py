r"""Born effective charges of a teacher that has its own charge model (SO3LR, GFN-xTB, SPC/Fw).

The teacher's partial charges q(r) and their position derivatives go through the student's polarization
formula (:func:`lesdistill.electrostatics.born_effective_charges`: Z*_iαβ = ∂P_α/∂r_iβ with the charge
flux, the per-structure mean charge removed, open or periodic), so a student's BECs can be checked
against a many-body charge model and not only against fixed point charges. No √ε∞ is applied: these
charges enter the teacher's own energy unscreened, so they compare with a student's LES BECs
(ε∞ = 1).

Derivatives: where the teacher's adapter exposes its charges as a torch function of the positions
(``charges_of_positions(calculator, atoms) -> (positions, charges)``: SO3LR), by autograd; otherwise by
central finite differences of the calculator's ``charges``,

    J[j, i, β] = ∂q_j/∂r_iβ ≈ [q_j(r + h e_iβ) − q_j(r − h e_iβ)] / 2h     (6N teacher calls, error O(h²)),

passed to the formula as the linear charge model q(r) = q(r₀) + J·(r − r₀), whose derivative at r₀ is J.

Output: extxyz frames (the structures evaluated) with per-atom arrays ``BEC`` (9 components Z[α, β]
row-major, e) and ``teacher_charges`` (e), and ``bec_method`` in each frame's info: the format of
``lesdistill evaluate --teacher-bec`` (and ``--bec-reference``). Frames are written as they finish; a
rerun of the same request resumes after the last finished frame.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import ase.io
import numpy as np
import torch
from ase import Atoms

from .electrostatics import born_effective_charges
from .io.atomic import atomic_path, write_text
from .io.hashing import sha256_of
from .label import SPLIT_NAMES, is_trajectory
from .md.reader import to_atoms
from .progress import Progress
from .teachers import TeacherSpec, apply_charge_and_spin, load_teacher, teacher_device
from .teachers.loader import adapter_of
from .io.structures import read_structures

#: finite-difference step (Å) of the charge derivatives
DEFAULT_STEP_A = 1e-3


@dataclass(frozen=True)
class TeacherBecRequest:
    """What a teacher-BEC run computes; a rerun with the same request resumes, another is refused."""

    frames: str
    frames_sha256: str
    teacher: str
    teacher_sha256: str
    split: str
    max_frames: int | None
    step_A: float
    charge: int
    spin: int


def _frame_charges(atoms: Atoms, calculator) -> np.ndarray:
    trial = atoms.copy()
    trial.info.update(atoms.info)
    trial.calc = calculator
    charges = trial.get_charges()
    if charges is None:
        raise ValueError(f"the teacher ({type(calculator).__name__}) reports no partial charges: it has no charge model")
    return np.asarray(charges, dtype=np.float64)


def charge_jacobian(atoms: Atoms, calculator, step: float = DEFAULT_STEP_A,
                    atom_done: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The calculator's charges q (N,) e at ``atoms`` and J[j, i, β] = ∂q_j/∂r_iβ (N, N, 3) e/Å by central
    differences of ``step`` Å (6N evaluations); ``atom_done(i + 1)`` after atom i's six."""
    jacobian = np.zeros((len(atoms), len(atoms), 3))
    for i in range(len(atoms)):
        for beta in range(3):
            displaced = []
            for sign in (1.0, -1.0):
                trial = atoms.copy()
                trial.info.update(atoms.info)
                trial.positions[i, beta] += sign * step
                displaced.append(_frame_charges(trial, calculator))
            jacobian[:, i, beta] = (displaced[0] - displaced[1]) / (2.0 * step)
        if atom_done is not None:
            atom_done(i + 1)
    return _frame_charges(atoms, calculator), jacobian


def _cell(atoms: Atoms) -> torch.Tensor | None:
    return torch.tensor(atoms.cell.array, dtype=torch.float64) if atoms.pbc.all() else None


def becs_from_jacobian(atoms: Atoms, charges: np.ndarray, jacobian: np.ndarray) -> np.ndarray:
    """Z* (N, 3, 3) e of charges (N,) with derivatives ``jacobian`` (N, N, 3) through the student's formula."""
    origin = torch.tensor(atoms.positions, dtype=torch.float64)
    positions = origin.clone().requires_grad_(True)
    linear = torch.tensor(charges) + torch.einsum("jib,ib->j", torch.tensor(jacobian), positions - origin)
    return born_effective_charges(positions, _cell(atoms), linear).numpy()


def charge_model_calculator(spec: TeacherSpec, device: str = "auto"):
    """The teacher's calculator, set up for charge derivatives where its adapter says how
    (``for_charge_derivatives``: tblite's tighter SCF)."""
    calculator = load_teacher(spec, device=teacher_device(spec, device))
    prepare = getattr(adapter_of(spec), "for_charge_derivatives", None)
    return calculator if prepare is None else prepare(calculator)


def teacher_becs(atoms: Atoms, calculator, spec: TeacherSpec, step: float = DEFAULT_STEP_A,
                 atom_done: Callable[[int], None] | None = None) -> tuple[np.ndarray, np.ndarray, str]:
    """(Z* (N, 3, 3) e, charges (N,) e, method) of the teacher on ``atoms`` (charge/spin info set);
    ``atom_done(n)`` reports the finite-difference progress (n of N atoms displaced)."""
    by_autograd = getattr(adapter_of(spec), "charges_of_positions", None)
    if by_autograd is not None:
        positions, charges = by_autograd(calculator, atoms)
        cell = _cell(atoms)
        bec = born_effective_charges(positions, None if cell is None else cell.to(positions), charges)
        return bec.double().cpu().numpy(), charges.detach().double().cpu().numpy(), "autograd"
    charges, jacobian = charge_jacobian(atoms, calculator, step, atom_done)
    return becs_from_jacobian(atoms, charges, jacobian), charges, f"central differences, h = {step} Å"


def selected_frames(path: Path, split: str, max_frames: int | None) -> list[Atoms]:
    """The frames of ``split`` (``all``: every frame) of a labelled set (netCDF, or extxyz with ``split``
    per frame), at most ``max_frames`` of them in order."""
    frames = to_atoms(path) if is_trajectory(path) else read_structures(path)
    if split != "all":
        if not all("split" in atoms.info for atoms in frames):
            raise ValueError(f"{path} has no train/validation/test split; use split all")
        frames = [atoms for atoms in frames if atoms.info["split"] in (split, SPLIT_NAMES.index(split))]
    if not frames:
        raise ValueError(f"{path} holds no {split} frames")
    return frames[:max_frames]


def write_teacher_becs(frames_path: Path | str, spec: TeacherSpec, output: Path | str, *, split: str = "test",
                       max_frames: int | None = None, step: float = DEFAULT_STEP_A, device: str = "auto",
                       charge: int = 0, spin: int = 1, overwrite: bool = False) -> Path:
    """The teacher's BECs on the selected frames of ``frames_path`` into ``output`` (extxyz), frame by frame."""
    frames_path, output = Path(frames_path), Path(output)
    if split not in (*SPLIT_NAMES, "all"):
        raise ValueError(f"split {split!r}: must be one of {', '.join(SPLIT_NAMES)}, all")
    if step <= 0 or (max_frames is not None and max_frames < 1):
        raise ValueError(f"step ({step} Å) and max_frames ({max_frames}) must be positive")
    request = asdict(TeacherBecRequest(str(frames_path), sha256_of(frames_path), spec.id, spec.sha256 or "unverified",
                                       split, max_frames, step, charge, spin))
    frames = [apply_charge_and_spin(atoms, spec, charge, spin) for atoms in selected_frames(frames_path, split, max_frames)]
    partial, progress_file = output.with_name(output.stem + ".partial.extxyz"), output.with_name(output.name + ".progress.json")
    done = _resume(partial, progress_file, request, overwrite)
    calculator = charge_model_calculator(spec, device)
    # progress in atoms: a finite-difference frame takes minutes, so it reports atom by atom
    atoms_before = np.cumsum([0] + [len(atoms) for atoms in frames])
    progress = Progress(int(atoms_before[-1]), int(atoms_before[len(done)]), label=f"teacher-bec {spec.id}", unit="atom")
    for atoms in frames[len(done):]:
        before = int(atoms_before[len(done)])
        bec, charges, method = teacher_becs(atoms, calculator, spec, step, lambda n: progress.update(before + n))
        result = Atoms(numbers=atoms.numbers, positions=atoms.positions, cell=atoms.cell, pbc=atoms.pbc,
                       info={"teacher": spec.id, "bec_method": method, "step": atoms.info.get("step", len(done))})
        result.arrays["BEC"] = bec.reshape(len(atoms), 9)
        result.arrays["teacher_charges"] = charges
        done.append(result)
        with atomic_path(partial) as tmp:
            ase.io.write(tmp, done, format="extxyz")
        write_text(progress_file, json.dumps({"request": request, "frames_done": len(done)}))
        progress.update(int(atoms_before[len(done)]))
    progress.close()
    partial.replace(output)
    progress_file.unlink(missing_ok=True)
    return output


def _resume(partial: Path, progress_file: Path, request: dict, overwrite: bool) -> list[Atoms]:
    """The frames already finished for ``request``; ValueError for unfinished work of another request
    (``overwrite``: it is discarded)."""
    if not (partial.is_file() and progress_file.is_file()):
        return []
    saved = json.loads(progress_file.read_text())
    if saved.get("request") != request:
        if not overwrite:
            changed = sorted(k for k in set(saved.get("request", {})) | set(request)
                             if saved.get("request", {}).get(k) != request.get(k))
            raise ValueError(f"unfinished {partial} was made with other settings ({', '.join(changed)} differ); "
                             "rerun those settings to finish it, or use --overwrite to discard it")
        return []
    return ase.io.read(partial, index=f":{int(saved['frames_done'])}")
