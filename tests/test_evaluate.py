"""`lesdistill evaluate`: a student's errors on test frames, checked against a direct recomputation."""

from __future__ import annotations

import json

import ase.io
import numpy as np
import pytest
import torch
import xarray as xr

from lesdistill import StudentCalculator
from lesdistill.cli import main
from lesdistill.label import label_frames
from lesdistill.md.reader import read_trajectory
from lesdistill.models.student import Student, save_student
from lesdistill.teachers import load_teacher, resolve

from .helpers import write_perturbed_waters

MODEL = {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 3.0, "n_radial": 3,
                                                 "n_embed": 2, "n_channels": 3, "l_max": 1, "nu_max": 2,
                                                 "mlp": [8]}, "sigma": 1.0, "dl": 2.0}


@pytest.fixture(scope="module")
def cell(tmp_path_factory):
    """SPC/Fw labels of 10 perturbed 8-water boxes (3 test frames) and an untrained student."""
    folder = tmp_path_factory.mktemp("evaluate")
    frames = write_perturbed_waters(folder / "frames.extxyz", 10, seed=2, scale=0.05, box_seed=3)
    labels = label_frames(frames, resolve("spcfw"), folder / "labels.nc", validation_fraction=0.1, test_fraction=0.3)
    torch.manual_seed(0)
    student = save_student(Student(**MODEL, element_energies={1: -13.0, 8: -430.0}).double(), folder / "student.pt")
    return folder, labels, student


def direct_errors(student, atoms_list):
    """Energy per atom (eV) and force (eV/Å) differences, recomputed frame by frame with the ASE calculator."""
    calculator = StudentCalculator(student)
    energy, forces = [], []
    for atoms in atoms_list:
        reference_energy, reference_forces = atoms.get_potential_energy(), atoms.get_forces()
        trial = atoms.copy()
        trial.calc = calculator
        energy.append((trial.get_potential_energy() - reference_energy) / len(atoms))
        forces.append(trial.get_forces() - reference_forces)
    return np.array(energy), np.array(forces), atoms_list[0].numbers


def test_evaluate_equals_a_direct_recomputation_and_states_the_offset(cell, tmp_path):
    folder, labels, student = cell
    data = read_trajectory(labels)
    test = np.flatnonzero(data.split.values == 2)
    assert len(test) >= 2
    test_atoms = ase.io.read(folder / "frames.extxyz", index=":")
    spc = load_teacher("spcfw")
    reference = []
    for i in test:
        atoms = test_atoms[i]
        atoms.calc = spc
        atoms.get_forces()
        reference.append(atoms)
    energy, forces, numbers = direct_errors(student, reference)

    # a "DFT" set: the same test frames with every energy shifted by 0.5 eV/atom (a different reference)
    shifted = []
    for atoms in reference:
        copy = atoms.copy()
        copy.calc = None
        copy.info.update(energy=atoms.get_potential_energy() + 0.5 * len(atoms), split="test")
        copy.arrays["forces"] = atoms.get_forces()
        shifted.append(copy)
    ase.io.write(tmp_path / "dft.extxyz", shifted)

    output = tmp_path / "metrics.nc"
    assert main(["evaluate", str(student), "--labels", str(labels), "--dft", str(tmp_path / "dft.extxyz"),
                 "-o", str(output)]) == 0
    metrics = xr.open_dataset(output)
    summary = json.loads(output.with_suffix(".json").read_text())
    teacher = metrics.sel(reference="teacher")
    assert int(teacher.n_frames) == len(test) and str(teacher.split.values) == "test"
    assert float(teacher.energy_rmse_mev_atom) == pytest.approx(1e3 * np.sqrt(np.mean(energy**2)), rel=1e-8)
    assert float(teacher.energy_offset_mev_atom) == pytest.approx(1e3 * energy.mean(), rel=1e-8)
    assert float(teacher.energy_rmse_offset_removed_mev_atom) == pytest.approx(1e3 * energy.std(), rel=1e-8)
    assert float(teacher.forces_rmse_mev_a) == pytest.approx(1e3 * np.sqrt(np.mean(forces**2)), rel=1e-8)
    assert float(teacher.forces_mae_mev_a) == pytest.approx(1e3 * np.mean(np.abs(forces)), rel=1e-8)
    oxygen = forces[:, numbers == 8]
    assert float(teacher.forces_rmse_element_mev_a.sel(element="O")) == pytest.approx(
        1e3 * np.sqrt(np.mean(oxygen**2)), rel=1e-8)
    assert summary["references"]["teacher"]["forces_rmse_mev_a"] == pytest.approx(float(teacher.forces_rmse_mev_a))
    stress = float(teacher.stress_rmse_mev_a3)
    assert np.isfinite(stress) and stress > 0  # SPC/Fw labels carry stress; the student's differs

    dft = metrics.sel(reference="dft")
    assert float(dft.energy_offset_mev_atom) == pytest.approx(1e3 * (energy.mean() - 0.5), rel=1e-8)
    assert float(dft.energy_rmse_offset_removed_mev_atom) == pytest.approx(
        float(teacher.energy_rmse_offset_removed_mev_atom), rel=1e-6)
    assert float(dft.forces_rmse_mev_a) == pytest.approx(float(teacher.forces_rmse_mev_a), rel=1e-8)
    assert np.isnan(float(dft.stress_rmse_mev_a3))


def test_evaluate_refuses_a_bad_output_name_in_one_line(cell, tmp_path, capsys):
    _, labels, student = cell
    assert main(["evaluate", str(student), "--labels", str(labels), "-o", str(tmp_path / "metrics.json")]) == 2
    assert capsys.readouterr().err.count("\n") == 1
