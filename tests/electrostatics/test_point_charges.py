"""Converged point-charge Ewald (torch-pme) against Madelung constants and direct sums."""

from __future__ import annotations

import math

import pytest
import torch

from lesdistill.electrostatics import point_charge_energy

from ..helpers import central_difference, random_structure

UNIT_COULOMB = 2 * math.pi  # 1/(2ε0) that makes 1/(4πε0) = 1


def rocksalt(a: float):
    fcc = torch.tensor([[0, 0, 0], [0, 0.5, 0.5], [0.5, 0, 0.5], [0.5, 0.5, 0]], dtype=torch.float64)
    positions = torch.cat([fcc, fcc + 0.5]) * a
    charges = torch.tensor([1.0] * 4 + [-1.0] * 4, dtype=torch.float64)
    return positions, torch.eye(3, dtype=torch.float64) * a, charges


@pytest.mark.parametrize("method", ["ewald", "pme"])
def test_nacl_madelung_constant(method):
    positions, cell, charges = rocksalt(a=5.64)
    energy = point_charge_energy(positions, cell, charges, method=method, cutoff=6.0, prefactor=UNIT_COULOMB)
    nearest = 5.64 / 2
    assert -float(energy) * nearest / 4 == pytest.approx(1.747565, abs=1e-5)


@pytest.mark.parametrize("method", ["ewald", "pme"])
def test_cscl_madelung_constant(method):
    a = 4.12
    positions = torch.tensor([[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]], dtype=torch.float64) * a
    energy = point_charge_energy(positions, torch.eye(3, dtype=torch.float64) * a, torch.tensor([1.0, -1.0], dtype=torch.float64),
                                 method=method, cutoff=8.0, prefactor=UNIT_COULOMB)
    assert -float(energy) * a * math.sqrt(3) / 2 == pytest.approx(1.762675, abs=1e-5)


def test_open_point_charges_equal_coulomb_sum():
    positions, _, charges = random_structure(1, n_atoms=7)
    energy = point_charge_energy(positions, None, charges, prefactor=UNIT_COULOMB)
    direct = sum(
        float(charges[i] * charges[j] / (positions[i] - positions[j]).norm())
        for i in range(7) for j in range(i + 1, 7)
    )
    assert float(energy) == pytest.approx(direct, rel=1e-13)


def test_point_charge_energy_is_independent_of_cutoff_and_method():
    positions, cell, charges = random_structure(2, n_atoms=20, length=9.0)
    values = [
        float(point_charge_energy(positions, cell, charges, cutoff=c, method=m, accuracy=1e-10))
        for c, m in [(4.0, "ewald"), (7.0, "ewald"), (6.0, "pme")]
    ]
    assert values[1] == pytest.approx(values[0], rel=1e-7)
    assert values[2] == pytest.approx(values[0], rel=1e-5)


def test_point_charge_forces_equal_finite_differences():
    positions, cell, charges = random_structure(3, n_atoms=6, length=8.0)
    p = positions.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(point_charge_energy(p, cell, charges, accuracy=1e-10), p)
    numeric = central_difference(lambda x: point_charge_energy(x, cell, charges, accuracy=1e-10), positions, 1e-5)
    assert float((grad - numeric).norm() / numeric.norm()) <= 1e-6
