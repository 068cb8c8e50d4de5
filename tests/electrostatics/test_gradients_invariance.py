"""Forces, stress and charge derivatives against finite differences; symmetry invariances."""

from __future__ import annotations

import pytest
import torch

from lesdistill.autodiff import energy_forces_stress
from lesdistill.electrostatics import ewald_energy

from ..helpers import central_difference, random_structure


def les(positions, cell, charges, **kw):
    return ewald_energy(positions, cell, charges, sigma=1.0, dl=2.0, **kw)


def relative_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).norm() / b.norm())


@pytest.mark.parametrize("periodic", [True, False])
def test_forces_equal_central_differences(periodic):
    positions, cell, charges = random_structure(7, n_atoms=8, length=7.0, skew=0.5)
    cell = cell if periodic else None
    p = positions.clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(les(p, cell, charges), p)
    forces = -grad
    numeric = -central_difference(lambda p: les(p, cell, charges), positions, 1e-5)
    assert relative_error(forces, numeric) <= 1e-6


def test_stress_equals_strain_finite_differences():
    positions, cell, charges = random_structure(8, n_atoms=10, length=7.5, skew=0.5)
    _, _, stress = energy_forces_stress(lambda p, c: les(p, c, charges), positions, cell)

    def strained_energy(eps: torch.Tensor) -> torch.Tensor:
        deformation = torch.eye(3, dtype=torch.float64) + 0.5 * (eps + eps.T)
        return les(positions @ deformation, cell @ deformation, charges)

    numeric = central_difference(strained_energy, torch.zeros(3, 3, dtype=torch.float64), 1e-6)
    numeric = numeric / torch.linalg.det(cell).abs()
    assert torch.allclose(stress, stress.T, atol=1e-12)
    assert relative_error(stress, numeric) <= 1e-6


def test_charge_derivative_equals_finite_differences():
    positions, cell, charges = random_structure(9, n_atoms=9)
    q = charges.clone().requires_grad_(True)
    (analytic,) = torch.autograd.grad(les(positions, cell, q), q)
    numeric = central_difference(lambda x: les(positions, cell, x), charges, 1e-5)
    assert relative_error(analytic, numeric) <= 1e-7


def test_second_derivatives_for_force_training():
    """d(|F|²)/dq through create_graph equals finite differences (needed to train on forces)."""
    positions, cell, charges = random_structure(10, n_atoms=8)

    def force_norm(q: torch.Tensor, create_graph: bool) -> torch.Tensor:
        p = positions.clone().requires_grad_(True)
        (grad,) = torch.autograd.grad(les(p, cell, q), p, create_graph=create_graph)
        return (grad**2).sum()

    q = charges.clone().requires_grad_(True)
    (analytic,) = torch.autograd.grad(force_norm(q, True), q)
    numeric = central_difference(lambda x: force_norm(x, False), charges, 1e-5)
    assert relative_error(analytic, numeric) <= 1e-6


def random_rotation(seed: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    q, r = torch.linalg.qr(torch.randn(3, 3, generator=generator, dtype=torch.float64))
    q = q * torch.sign(torch.diagonal(r))
    return q if torch.linalg.det(q) > 0 else -q


@pytest.mark.parametrize("periodic", [True, False])
def test_translation_rotation_permutation_invariance(periodic):
    positions, cell, charges = random_structure(11, n_atoms=20, length=9.0, skew=0.4)
    cell = cell if periodic else None
    reference = les(positions, cell, charges)
    shifted = les(positions + torch.tensor([1.3, -4.2, 7.7], dtype=torch.float64), cell, charges)
    rotation = random_rotation(3)
    rotated = les(positions @ rotation.T, None if cell is None else cell @ rotation.T, charges)
    order = torch.randperm(len(positions), generator=torch.Generator().manual_seed(2))
    permuted = les(positions[order], cell, charges[order])
    for value in (shifted, rotated, permuted):
        assert float(value) == pytest.approx(float(reference), rel=1e-12)


def test_wrapping_atoms_into_the_cell_changes_nothing():
    positions, cell, charges = random_structure(12, n_atoms=12)
    images = torch.randint(-2, 3, (12, 3), generator=torch.Generator().manual_seed(0)).double()
    assert float(les(positions + images @ cell, cell, charges)) == pytest.approx(float(les(positions, cell, charges)), rel=1e-12)


def test_equivalent_lattice_vectors_give_the_same_energy():
    positions, cell, charges = random_structure(13, n_atoms=16, length=9.0, skew=0.2)
    unimodular = torch.tensor([[1, 1, 0], [0, 1, 0], [1, 0, 1]], dtype=torch.float64)  # det = 1
    assert float(torch.linalg.det(unimodular)) == pytest.approx(1.0)
    other_cell = unimodular @ cell
    assert float(les(positions, other_cell, charges)) == pytest.approx(float(les(positions, cell, charges)), rel=1e-12)


def test_supercell_doubles_energy_only_with_replicated_charges():
    positions, cell, charges = random_structure(14, n_atoms=12, length=8.0, skew=0.3)
    supercell = cell.clone()
    supercell[0] *= 2
    doubled_positions = torch.cat([positions, positions + cell[0]])
    single = les(positions, cell, charges)
    replicated = les(doubled_positions, supercell, torch.cat([charges, charges]))
    assert float(replicated) == pytest.approx(2 * float(single), rel=1e-11)
    other = torch.cat([charges, torch.roll(charges, 1)])
    assert abs(float(les(doubled_positions, supercell, other)) - 2 * float(single)) > 1e-3 * abs(float(single))
