"""Label frames with a teacher: energies, forces, stress (and the teacher's partial charges, when it gives
them) into a resumable netCDF dataset with a split.

Frames come from a lesdistill trajectory (netCDF) or any ASE-readable file (extxyz …), thinned by
``stride`` and capped at ``max_frames``. The output uses the trajectory layout of
:mod:`lesdistill.md.trajectory` (read it with :func:`lesdistill.md.read_trajectory` /
:func:`lesdistill.md.to_atoms`) plus a ``split`` variable (0 train, 1 validation, 2 test) drawn from
``seed``; frames of different sizes or compositions (e.g. a user's DFT set) are written in its ragged
layout. Labels are appended in chunks (:mod:`lesdistill.chunked_output`), so a killed run resumes after
the last complete chunk, and the partial file becomes ``output`` only when every frame is labelled.
With ``batch_size`` > 1, teachers whose library evaluates several frames in one call
(:mod:`lesdistill.teachers.batched`) label that many at a time (halved on out-of-memory); the others
label one frame at a time, which the log says.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import ase.io
import netCDF4
import numpy as np
from ase import Atoms
from ase.stress import full_3x3_to_voigt_6_stress

from .chunked_output import finish, partial_path, record_progress, resume
from .device import ChunkedEvaluation
from .io.atomic import atomic_path, fsync
from .md.reader import read_trajectory, to_atoms
from .md.trajectory import append_frames, count_frames, create_trajectory
from .progress import Progress, note
from .provenance import package_versions, provenance
from .teachers import TeacherSpec, apply_charge_and_spin, load_teacher, teacher_device
from .teachers.batched import batch_labeller
from .io.hashing import sha256_of
from .io.structures import read_structures

SPLIT_NAMES = ("train", "validation", "test")


@dataclass(frozen=True)
class LabelRequest:
    """What to label and how; identical requests resume each other, different ones are refused."""

    source: str
    source_sha256: str
    teacher: str
    teacher_sha256: str
    stride: int = 1
    max_frames: int | None = None
    validation_fraction: float = 0.05
    test_fraction: float = 0.1
    seed: int = 0
    charge: int = 0
    spin: int = 1


def is_trajectory(path: Path) -> bool:
    """Whether ``path`` is a lesdistill netCDF trajectory (else it is read with ase.io)."""
    try:
        with netCDF4.Dataset(path, "r") as nc:
            return "atom_types" in nc.variables
    except OSError:
        return False


def source_frames(path: Path, stride: int, max_frames: int | None) -> tuple[int, list[int]]:
    """(number of frames in the source, indices selected by ``stride`` and ``max_frames``)."""
    total = count_frames(path) if is_trajectory(path) else len(read_structures(path))
    indices = list(range(0, total, stride))
    return total, indices if max_frames is None else indices[:max_frames]


def load_frames(path: Path, indices: list[int]) -> list[Atoms]:
    """The frames ``indices`` of ``path`` as Atoms (positions, cell, pbc, numbers, info)."""
    if is_trajectory(path):
        return to_atoms(read_trajectory(path), indices)
    frames = ase.io.read(path, index=":")  # checked once by source_frames
    return [frames[i] for i in indices]


def mixed_frames(source: Path, indices: list[int]) -> list[Atoms] | None:
    """The frames ``indices`` of ``source`` when they differ in size or composition (the labelled set is
    then written in the ragged layout), else None."""
    if is_trajectory(source):
        with netCDF4.Dataset(source, "r") as nc:
            if "n_atoms" not in nc.variables:
                return None
    frames = load_frames(source, indices)
    if any((a.pbc != frames[0].pbc).any() for a in frames):
        raise ValueError(f"{source}: the selected frames mix periodic and non-periodic cells (pbc); label them "
                         "as separate sets")
    first = frames[0].numbers
    return None if all(len(a) == len(first) and (a.numbers == first).all() for a in frames) else frames


def split_assignment(n_frames: int, validation_fraction: float, test_fraction: float, seed: int) -> np.ndarray:
    """Split codes (n_frames,) int8: 0 train, 1 validation, 2 test, reproducible from ``seed``."""
    n_test = round(test_fraction * n_frames)
    n_validation = round(validation_fraction * n_frames)
    if n_test + n_validation >= n_frames:
        raise ValueError(f"validation ({n_validation}) + test ({n_test}) frames leave none of {n_frames} for training")
    codes = np.zeros(n_frames, dtype=np.int8)
    order = np.random.default_rng(seed).permutation(n_frames)
    codes[order[:n_test]] = 2
    codes[order[n_test:n_test + n_validation]] = 1
    return codes


def gives_charges(calculator, atoms: Atoms) -> bool:
    """Whether the teacher computes per-atom partial charges with the energy of ``atoms`` (xTB, SO3LR,
    SPC/Fw), stored as ``teacher_charges``. Some calculators list "charges" without computing them for
    every model (metatomic), so the first frame is evaluated (its result is cached for labelling)."""
    if "charges" not in calculator.implemented_properties:
        return False
    probe = atoms.copy()
    probe.calc = calculator
    probe.get_potential_energy()
    return calculator.results.get("charges") is not None


def frame_labels(atoms: Atoms, calculator, with_stress: bool, with_charges: bool = False) -> dict[str, np.ndarray]:
    """Energy (eV), forces (N, 3) eV/Å and, with ``with_stress``, Voigt stress (6,) eV/Å³ of one frame;
    with ``with_charges`` the teacher's partial charges (N,) e as ``teacher_charges``."""
    atoms.calc = calculator
    labels = {"energy": np.float64(atoms.get_potential_energy()), "forces": atoms.get_forces()}
    if with_stress:
        labels["stress"] = full_3x3_to_voigt_6_stress(atoms.get_stress(voigt=False))
    if with_charges:
        labels["teacher_charges"] = np.asarray(atoms.get_charges(), dtype=np.float64)
    return labels


def _check_finite(labels: dict[str, np.ndarray], step: int) -> None:
    if not (np.isfinite(labels["energy"]) and np.isfinite(labels["forces"]).all()):
        raise ValueError(f"teacher returned non-finite energy or forces for frame step {step}")


def label_frames(source: Path, spec: TeacherSpec, output: Path, *, device: str = "auto", stride: int = 1,
                 max_frames: int | None = None, validation_fraction: float = 0.05, test_fraction: float = 0.1,
                 seed: int = 0, charge: int = 0, spin: int = 1, chunk: int = 8, batch_size: int = 1,
                 overwrite: bool = False) -> Path:
    """Label the selected frames of ``source`` with teacher ``spec`` into ``output`` (netCDF); resumable.

    ``device``: auto, cpu, cuda or cuda:N (CPU-only teachers stay on the CPU). ``chunk`` frames are
    written at a time (at least ``batch_size``); ``batch_size`` frames per teacher call where the
    teacher's library can, else one at a time. ``overwrite`` discards unfinished work of another
    request instead of refusing.
    """
    source, output = Path(source), Path(output)
    if not source.exists():
        raise ValueError(f"frames file {source} does not exist")
    if stride < 1 or (max_frames is not None and max_frames < 1) or chunk < 1 or batch_size < 1:
        raise ValueError(f"stride, max_frames, chunk and batch_size must be positive, got {stride}, {max_frames}, "
                         f"{chunk}, {batch_size}")
    chunk = max(chunk, batch_size)
    request = LabelRequest(str(source), sha256_of(source), spec.id, spec.sha256 or "unverified", stride, max_frames,
                           validation_fraction, test_fraction, seed, charge, spin)
    _, indices = source_frames(source, stride, max_frames)
    codes = split_assignment(len(indices), validation_fraction, test_fraction, seed)
    mixed = mixed_frames(source, indices)
    partial = partial_path(output)
    done = resume(output, asdict(request), discard_other=overwrite)
    calculator = None
    progress = Progress(len(indices), done, label=f"label {spec.id}", unit="frame")
    for start in range(done, len(indices), chunk):
        frames = load_frames(source, indices[start:start + chunk])
        if calculator is None:
            device = teacher_device(spec, device)
            calculator = load_teacher(spec, device=device)
            labeller = batch_labeller(calculator) if batch_size > 1 else None
            if batch_size > 1 and labeller is None:
                note(f"label: {spec.id} ({spec.family}) has no batched evaluation here; labelling one frame at a time")
            evaluation = ChunkedEvaluation(batch_size if labeller else 1, device, "label")
            with_stress = bool(frames[0].pbc.all()) and "stress" in calculator.implemented_properties
            # charges are read one frame at a time (batched labellers return energy, forces, stress)
            with_charges = labeller is None and gives_charges(calculator, apply_charge_and_spin(frames[0], spec, charge, spin))
            if not partial.exists():
                variables = (["positions", "cell", "energy", "forces", "step"] + (["stress"] if with_stress else [])
                             + (["teacher_charges"] if with_charges else []))
                package = spec.package.split("=")[0]
                attrs = provenance(title="lesdistill labelled dataset", command="label", teacher=spec.id, teacher_sha256=spec.sha256 or "unverified",
                                   teacher_package=f"{package} {package_versions((package,))[package]}",
                                   level_of_theory=spec.level_of_theory, device=device, source=str(source),
                                   batch_size=batch_size if labeller is not None else 1,
                                   label_request=json.dumps(asdict(request), sort_keys=True))
                create_trajectory(partial, mixed or frames[0], variables, attrs)
        batch: dict[str, list] = {name: [] for name in ("positions", "cell", "step", "energy", "forces")}
        for atoms in frames:
            apply_charge_and_spin(atoms, spec, charge, spin)

        def label_range(first: int, stop: int) -> list[dict[str, np.ndarray]]:
            labels = (labeller(frames[first:stop], with_stress) if labeller is not None
                      else [frame_labels(frames[first], calculator, with_stress, with_charges)])
            progress.update(start + stop)
            return labels

        labels = [label for part in evaluation.map(label_range, len(frames)) for label in part]
        for offset, (atoms, label) in enumerate(zip(frames, labels)):
            _check_finite(label, indices[start + offset])
            for name, value in label.items():
                batch.setdefault(name, []).append(value)
            batch["positions"].append(atoms.positions)
            batch["cell"].append(atoms.cell.array)
            batch["step"].append(indices[start + offset])
        append_frames(partial, start, batch)
        record_progress(output, asdict(request), start + len(frames))
    progress.close()
    _finish(partial, codes)
    return finish(output)


def _finish(partial: Path, codes: np.ndarray) -> None:
    """Add the ``split`` variable (frame) to the completed dataset."""
    with netCDF4.Dataset(partial, "a") as nc:
        split = nc["split"] if "split" in nc.variables else nc.createVariable("split", "i1", ("frame",))
        split[:] = codes
        split.flag_values = np.arange(3, dtype=np.int8)
        split.flag_meanings = " ".join(SPLIT_NAMES)
    fsync(partial)


def export_extxyz(dataset: Path, output: Path) -> Path:
    """Write the labelled frames with energy, forces, stress and ``split`` to extxyz."""
    frames = to_atoms(read_trajectory(dataset))
    for atoms in frames:
        atoms.info["split"] = SPLIT_NAMES[int(atoms.info["split"])]
    with atomic_path(output) as tmp:
        ase.io.write(tmp, frames, format="extxyz")
    return output
