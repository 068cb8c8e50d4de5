"""Shared checks for the foundation-teacher tests (tests/teachers/): each family's module builds a random
model with its package's own API, saves it in the package's checkpoint format, stages it under a real
catalog entry with `lesdistill teachers stage` (the staged SHA-256 record is the local catalog that
extends the shipped one) and loads it through the real adapter. Each module skips when its package is
missing, so the default suite skips what its interpreter lacks; `make test-teachers` runs this folder
in every stack's environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from ase import Atoms

from lesdistill.cli import main
from lesdistill.label import label_frames
from lesdistill.md import read_trajectory
from lesdistill.systems import water_box as build_water_box
from lesdistill.teachers import apply_charge_and_spin, load_catalog, load_teacher

from ..helpers import write_perturbed_waters

pytestmark = pytest.mark.teachers


def water_box() -> Atoms:
    """8 H2O at liquid density in a periodic cube (24 atoms)."""
    return build_water_box(8, seed=0)


def hcl_molecule() -> Atoms:
    """HCl in vacuum, 1.27 Å bond."""
    return Atoms("HCl", positions=[[0, 0, 0], [0, 0, 1.27]])


def stage(checkpoint: Path, teacher: str, root: Path, monkeypatch) -> None:
    """Stage ``checkpoint`` for catalog entry ``teacher`` under ``root`` through the CLI."""
    monkeypatch.setenv("LESDISTILL_CHECKPOINTS", str(root))
    assert main(["teachers", "stage", str(checkpoint), "--teacher", teacher]) == 0


def loaded(teacher: str, device: str = "cpu"):
    """The staged teacher's calculator, loaded through the shipped catalog entry and its adapter."""
    return load_teacher(teacher, device=device, catalog=load_catalog())


def energy_forces(atoms: Atoms, calculator) -> tuple[float, np.ndarray]:
    """Energy and forces of a copy of ``atoms``, recomputed (ASE's cache ignores a change of atoms.info)."""
    atoms = atoms.copy()
    calculator.reset()
    atoms.calc = calculator
    return float(atoms.get_potential_energy()), np.asarray(atoms.get_forces())


def assert_forces_are_minus_gradient(atoms: Atoms, calculator, h: float = 1e-3, rtol: float = 1e-3,
                                     components=((0, 0), (1, 2), (5, 1))) -> None:
    """Forces equal −∂E/∂r by central differences (a few components) for a conservative model."""
    _, forces = energy_forces(atoms, calculator)
    scale = max(float(np.abs(forces).max()), 1e-3)
    for atom, axis in components:
        plus, minus = atoms.copy(), atoms.copy()
        plus.positions[atom, axis] += h
        minus.positions[atom, axis] -= h
        numeric = -(energy_forces(plus, calculator)[0] - energy_forces(minus, calculator)[0]) / (2 * h)
        assert float(forces[atom, axis]) == pytest.approx(numeric, abs=rtol * scale + 1e-5), (atom, axis)


def assert_runs(atoms: Atoms, calculator, stress: bool) -> tuple[float, np.ndarray]:
    """Finite energy and forces of the right shape; finite stress (3×3) when the model gives it."""
    atoms = atoms.copy()
    calculator.reset()
    atoms.calc = calculator
    energy, forces = atoms.get_potential_energy(), atoms.get_forces()
    assert np.isfinite(energy) and forces.shape == (len(atoms), 3) and np.isfinite(forces).all()
    if stress:
        assert np.isfinite(atoms.get_stress(voigt=False)).all()
    return float(energy), np.asarray(forces)


def label_two_frames(teacher: str, workdir: Path, extra_args: tuple[str, ...] = ()):
    """`lesdistill label` of two perturbed 8-water frames through the CLI in this interpreter; the dataset."""
    frames = write_perturbed_waters(workdir / "frames.extxyz", 2, seed=0, scale=0.03, box_seed=2)
    output = workdir / f"labels-{teacher}.nc"
    result = subprocess.run([sys.executable, "-m", "lesdistill.cli", "label", str(frames), "--teacher", teacher,
                             "--test-fraction", "0", "--validation-fraction", "0", "-o", str(output), *extra_args],
                            capture_output=True, text=True, timeout=900, env=os.environ.copy())
    assert result.returncode == 0, result.stderr[-3000:]
    data = read_trajectory(output)
    assert data.sizes["frame"] == 2 and np.isfinite(data.forces.values).all()
    return data


def omol_info(atoms: Atoms, teacher: str, charge: int = 0, spin: int = 1) -> Atoms:
    """``atoms`` with the charge/spin info the OMol-task teacher reads (set by lesdistill's own helper)."""
    atoms, spec = atoms.copy(), load_catalog()[teacher]
    apply_charge_and_spin(atoms, spec, charge, spin)
    if spec.needs_charge_and_spin:
        assert atoms.info["charge"] == charge and atoms.info["spin"] == spin
    return atoms


def label_batched_and_single(teacher: str, workdir: Path, batch_size: int = 2, n_frames: int = 5, charge: int = 0,
                             spin: int = 1):
    """Five perturbed 8-water frames labelled by ``teacher`` one at a time and ``batch_size`` at a time (chunks
    of 4: the last batch of each chunk is partial with the defaults); the two datasets."""
    workdir.mkdir(parents=True, exist_ok=True)
    frames = write_perturbed_waters(workdir / "frames.extxyz", n_frames, seed=1, scale=0.05, box_seed=2)
    spec = load_catalog()[teacher]
    runs = [read_trajectory(label_frames(frames, spec, workdir / f"labels-{n}.nc", device="cpu", chunk=4,
                                         batch_size=n, charge=charge, spin=spin, validation_fraction=0.0,
                                         test_fraction=0.0)) for n in (1, batch_size)]
    assert runs[1].attrs["batch_size"] == str(batch_size)  # labelled by the batched path, not one at a time
    return runs


def assert_same_labels(single, batched, tolerance: float) -> dict[str, float]:
    """Every label of ``batched`` equals ``single`` to ``tolerance`` × the label's largest magnitude (nonzero);
    the largest absolute differences."""
    names = [name for name in ("energy", "forces", "stress") if name in single]
    assert names == [name for name in ("energy", "forces", "stress") if name in batched]
    assert list(batched.step.values) == list(single.step.values)
    for name in names:
        scale = float(np.abs(single[name].values).max())
        assert scale > 0 and np.allclose(batched[name].values, single[name].values, rtol=0, atol=tolerance * scale), name
    return {name: float(np.abs(batched[name].values - single[name].values).max()) for name in names}
