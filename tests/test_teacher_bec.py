"""The teacher's own BECs: finite differences against exact and autograd values, the sum rule, resume."""

from __future__ import annotations

import ase.io
import numpy as np
import pytest
import torch
from ase import Atoms

from lesdistill import StudentCalculator
from lesdistill import teacher_bec as teacher_bec_module
from lesdistill.cli import main
from lesdistill.models.student import Student, save_student
from lesdistill.systems import water_box
from lesdistill.teacher_bec import (becs_from_jacobian, charge_jacobian, charge_model_calculator, teacher_becs,
                                   write_teacher_becs)
from lesdistill.teachers import SPCFwCalculator, resolve

from .helpers import write_perturbed_waters
from .test_label import FlakyTeacher

STUDENT = {"backbone": "cace", "backbone_config": {"atomic_numbers": [1, 8], "cutoff": 3.0, "n_radial": 3,
                                                   "n_embed": 2, "n_channels": 3, "l_max": 1, "nu_max": 2,
                                                   "mlp": [8]}, "sigma": 1.0, "dl": 2.0}


def test_fixed_point_charges_give_q_times_identity_in_a_periodic_box():
    atoms = water_box(8, seed=3)
    bec, charges, method = teacher_becs(atoms, SPCFwCalculator(), resolve("spcfw"))
    expected = np.array([{8: -0.82, 1: 0.41}[z] * np.eye(3) for z in atoms.numbers])
    np.testing.assert_allclose(bec, expected, atol=1e-9)
    np.testing.assert_allclose(charges, expected[:, 0, 0], atol=1e-12)
    assert method.startswith("central differences")


@pytest.mark.parametrize("periodic", [True, False], ids=["periodic", "open"])
def test_finite_differences_of_charges_reproduce_the_autograd_bec_with_charge_flux(tmp_path, periodic):
    """A random student's latent charges depend on positions: its autograd BEC is the independent truth."""
    torch.manual_seed(1)
    path = save_student(Student(**STUDENT, element_energies={1: -13.0, 8: -430.0}).double(), tmp_path / "s.pt")
    atoms = water_box(4, seed=2)
    if not periodic:
        atoms.pbc, atoms.cell = False, None
    calculator = StudentCalculator(path)
    charges, jacobian = charge_jacobian(atoms, calculator, step=1e-3)
    assert np.abs(jacobian).max() > 1e-3  # charge flux present
    finite = becs_from_jacobian(atoms, charges, jacobian)
    trial = atoms.copy()
    trial.calc = calculator
    autograd = calculator.get_bec(trial)
    np.testing.assert_allclose(finite, autograd, atol=2e-6)
    assert np.abs(finite - charges[:, None, None] * np.eye(3)).max() > 1e-3  # more than q·I


def test_xtb_charges_give_an_open_molecule_becs_that_obey_the_sum_rule():
    """Translating a neutral molecule leaves its charges and moves P by nothing: Σ_i Z*_i = 0."""
    molecule = Atoms("OH2", positions=[[0.0, 0.0, 0.12], [0.0, 0.76, -0.47], [0.0, -0.76, -0.47]])
    spec = resolve("gfn1-xtb")
    bec, charges, _ = teacher_becs(molecule, charge_model_calculator(spec), spec, step=1e-3)
    assert abs(charges.sum()) < 1e-6 and charges[0] < -0.3
    np.testing.assert_allclose(bec.sum(axis=0), np.zeros((3, 3)), atol=5e-5)
    assert bec[0, 0, 0] == pytest.approx(charges[0], abs=1e-5)  # out of the plane no charge flows
    assert abs(bec[0, 1, 1] - charges[0]) > 0.05  # in the plane charge flux adds to the Mulliken charge


def test_an_interrupted_run_resumes_to_the_same_frames_and_another_request_is_refused(tmp_path, monkeypatch):
    frames = write_perturbed_waters(tmp_path / "frames.extxyz", 3, seed=1, scale=0.05, box_seed=2)
    spec = resolve("spcfw")
    reference = write_teacher_becs(frames, spec, tmp_path / "reference.extxyz", split="all")
    output = tmp_path / "bec.extxyz"
    monkeypatch.setattr(teacher_bec_module, "load_teacher", lambda spec, device: FlakyTeacher(fail_after=200))
    with pytest.raises(KeyboardInterrupt):  # 24 atoms: 145 evaluations per frame
        write_teacher_becs(frames, spec, output, split="all")
    assert len(ase.io.read(tmp_path / "bec.partial.extxyz", index=":")) == 1 and not output.exists()
    with pytest.raises(ValueError, match="step_A differ"):
        write_teacher_becs(frames, spec, output, split="all", step=2e-3)
    monkeypatch.setattr(teacher_bec_module, "load_teacher", lambda spec, device: SPCFwCalculator())
    write_teacher_becs(frames, spec, output, split="all")
    resumed, expected = ase.io.read(output, index=":"), ase.io.read(reference, index=":")
    assert len(resumed) == 3
    for a, b in zip(resumed, expected):
        np.testing.assert_array_equal(a.arrays["BEC"], b.arrays["BEC"])
        np.testing.assert_array_equal(a.positions, b.positions)


def test_bad_requests_are_named_in_one_line(tmp_path, capsys):
    frames = write_perturbed_waters(tmp_path / "frames.extxyz", 2, seed=1, scale=0.05, box_seed=2)
    assert main(["teacher-bec", str(frames), "--teacher", "chgnet-0.3.0", "-o", str(tmp_path / "b.extxyz")]) == 2
    assert "has no charge model" in capsys.readouterr().err
    assert main(["teacher-bec", str(frames), "--teacher", "spcfw", "-o", str(tmp_path / "b.extxyz")]) == 2
    assert "has no train/validation/test split; use split all" in capsys.readouterr().err
    assert main(["teacher-bec", str(frames), "--teacher", "spcfw", "--step", "-1", "-o", str(tmp_path / "b.extxyz")]) == 2
    assert "--step -1" in capsys.readouterr().err


def test_finite_difference_progress_is_reported_within_a_frame(tmp_path, capsys):
    frames = write_perturbed_waters(tmp_path / "frames.extxyz", 2, seed=1, scale=0.05, box_seed=2)  # 2 × 24 atoms
    write_teacher_becs(frames, resolve("spcfw"), tmp_path / "bec.extxyz", split="all")
    err = capsys.readouterr().err
    assert "teacher-bec spcfw: atom 12/48" in err and "atom 48/48" in err  # half-way through the first frame
