"""SO3LR (so3krates-torch): the real pretrained weights of the wheel, verified by SHA-256, through the
adapter; forces = −∂E/∂r; partial charges follow the total charge and are stored by labelling."""

from __future__ import annotations

import numpy as np
import pytest
from ase import Atoms

from .common import assert_forces_are_minus_gradient, assert_runs, label_two_frames, loaded, water_box

pytest.importorskip("so3krates_torch")
pytestmark = pytest.mark.teachers


@pytest.fixture(scope="module")
def so3lr():
    return loaded("so3lr")


def charges_of(atoms: Atoms, calculator) -> np.ndarray:
    atoms = atoms.copy()
    atoms.calc = calculator
    atoms.get_potential_energy()
    return np.asarray(atoms.get_charges())


def test_water_box_energy_forces_stress_and_charges(so3lr):
    box = water_box()
    assert_runs(box, so3lr, stress=True)
    charges = charges_of(box, so3lr)
    assert abs(charges.sum()) < 1e-3 and (charges[0::3] < -0.2).all() and (charges[1::3] > 0.1).all()


def test_forces_are_minus_the_energy_gradient(so3lr):
    assert_forces_are_minus_gradient(water_box(), so3lr, h=1e-3, rtol=2e-3)


def test_total_charge_is_read_from_atoms_info(so3lr):
    hydronium = Atoms("OH3", positions=[[0, 0, 0], [0.98, 0, 0], [-0.3, 0.93, 0], [-0.3, -0.4, 0.85]])
    hydronium.info["charge"] = 1
    assert charges_of(hydronium, so3lr).sum() == pytest.approx(1.0, abs=1e-3)


def test_label_stores_teacher_charges(tmp_path):
    data = label_two_frames("so3lr", tmp_path)
    charges = data.teacher_charges.values
    assert charges.shape == (2, 24) and np.abs(charges.sum(axis=1)).max() < 1e-3


def test_autograd_becs_equal_finite_differences_of_the_charges(so3lr):
    """The adapter's charges as a torch function of positions (autograd, charge flux included) against
    central differences of the calculator's reported charges through the same formula."""
    from lesdistill.teacher_bec import becs_from_jacobian, charge_jacobian, teacher_becs
    from lesdistill.teachers import resolve

    box = water_box()
    box.info.update(charge=0, spin=1)
    autograd, charges, method = teacher_becs(box, so3lr, resolve("so3lr"))
    assert method == "autograd" and np.allclose(charges, charges_of(box, so3lr), atol=1e-10)
    reported, jacobian = charge_jacobian(box, so3lr, step=1e-3)
    np.testing.assert_allclose(becs_from_jacobian(box, reported, jacobian), autograd, atol=2e-5)
    assert np.abs(autograd - charges[:, None, None] * np.eye(3)).max() > 0.05  # charge flux is large
