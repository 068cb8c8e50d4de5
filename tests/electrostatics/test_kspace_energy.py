"""LES k-space and open-boundary energies against independent implementations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torchpme

from lesdistill.electrostatics import HALF_INV_EPS0, HALF_INV_EPS0_LEGACY, ewald_energy, les_kvectors

from ..helpers import random_structure
from .reference_les import les_energy_open, les_energy_periodic


def torchpme_kspace_energy(positions, cell, charges, sigma, dl, remove_self):
    """LES energy from torch-pme's EwaldCalculator fed LES's k-vectors (full sphere)."""
    half = les_kvectors(cell, dl)
    kvectors = torch.cat([half, -half])
    potential = torchpme.CoulombPotential(smearing=sigma, prefactor=HALF_INV_EPS0 / (2 * math.pi))
    calculator = torchpme.EwaldCalculator(potential, lr_wavelength=1.0).to(dtype=torch.float64)
    no_pairs = torch.zeros(0, 2, dtype=torch.long)
    phi = calculator(charges[:, None], cell, positions, no_pairs, torch.zeros(0, dtype=torch.float64), kvectors=kvectors)
    energy = (charges[:, None] * phi).sum()
    # torch-pme adds a neutralising background for a net charge (LES does not) and always removes
    # the Gaussian self energy (LES only when asked)
    volume = torch.linalg.det(cell).abs()
    energy = energy + potential.background_correction() * charges.sum() ** 2 / volume
    if not remove_self:
        energy = energy + potential.self_contribution() * (charges**2).sum() / 2
    return energy


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("neutral", [True, False])
def test_kspace_equals_torchpme_ewald_with_les_kvectors(seed, neutral):
    positions, cell, charges = random_structure(seed, n_atoms=30, length=9.0 + seed, skew=0.4, neutral=neutral)
    for remove_self in (True, False):
        ours = ewald_energy(positions, cell, charges, sigma=1.0, dl=2.0, remove_self_interaction=remove_self)
        theirs = torchpme_kspace_energy(positions, cell, charges, 1.0, 2.0, remove_self)
        assert abs(float(ours - theirs)) <= 1e-10 * abs(float(theirs))


@pytest.mark.parametrize("seed,sigma,dl", [(0, 1.0, 2.0), (1, 0.7, 1.5), (2, 1.3, 2.5)])
def test_kspace_equals_literal_les_enumeration(seed, sigma, dl):
    positions, cell, charges = random_structure(seed, n_atoms=12, length=8.0, skew=0.6)
    ours = ewald_energy(positions, cell, charges, sigma=sigma, dl=dl)
    reference = les_energy_periodic(positions.numpy(), cell.numpy(), charges.numpy(), sigma=sigma, dl=dl)
    assert float(ours) == pytest.approx(reference, rel=1e-11)


def test_kvector_count_of_the_water_box():
    cell = torch.eye(3, dtype=torch.float64) * 12.429
    assert 450 <= len(les_kvectors(cell, 2.0)) <= 550


def test_open_boundaries_equal_numpy_double_loop():
    positions, _, charges = random_structure(3, n_atoms=15)
    for remove_self in (True, False):
        ours = ewald_energy(positions, None, charges, sigma=0.8, remove_self_interaction=remove_self)
        zero_cell = ewald_energy(positions, torch.zeros(3, 3, dtype=torch.float64), charges, sigma=0.8,
                                 remove_self_interaction=remove_self)
        reference = les_energy_open(positions.numpy(), charges.numpy(), sigma=0.8, remove_self=remove_self)
        assert float(ours) == pytest.approx(reference, rel=1e-12)
        assert float(zero_cell) == float(ours)


def test_periodic_energy_tends_to_open_energy_in_a_large_box():
    """A small neutral cluster in a huge cubic box: k-space (dl → small) ≈ erf pair sum, dipole aside."""
    generator = torch.Generator().manual_seed(5)
    positions = 2.0 * torch.rand(6, 3, generator=generator, dtype=torch.float64) + 40.0
    charges = torch.tensor([0.8, -0.4, -0.4, 0.6, -0.3, -0.3], dtype=torch.float64)
    positions[:, :] = positions - positions.mean(0) + 40.0
    cell = torch.eye(3, dtype=torch.float64) * 80.0
    periodic = ewald_energy(positions, cell, charges, sigma=1.0, dl=0.5)
    open_ = ewald_energy(positions, None, charges, sigma=1.0)
    # residual is the dipole–image interaction, ~ 2π μ²/(3V)·(1/(2π ε0))... below 1e-3 eV here
    assert float(periodic) == pytest.approx(float(open_), abs=2e-3)


def test_multiple_charge_channels_add():
    positions, cell, charges = random_structure(1, n_atoms=10)
    other = torch.roll(charges, 3)
    both = ewald_energy(positions, cell, torch.stack([charges, other], dim=1))
    assert float(both) == pytest.approx(float(ewald_energy(positions, cell, charges) + ewald_energy(positions, cell, other)), rel=1e-12)


def test_legacy_prefactor_rescales_energy():
    positions, cell, charges = random_structure(2)
    default = ewald_energy(positions, cell, charges)
    legacy = ewald_energy(positions, cell, charges, prefactor="legacy")
    assert float(legacy / default) == pytest.approx(HALF_INV_EPS0_LEGACY / HALF_INV_EPS0, rel=1e-13)
    with pytest.raises(ValueError, match="prefactor"):
        ewald_energy(positions, cell, charges, prefactor="si")


def test_float32_matches_float64():
    positions, cell, charges = random_structure(4, n_atoms=40, length=12.0)
    e64 = ewald_energy(positions, cell, charges)
    e32 = ewald_energy(positions.float(), cell.float(), charges.float())
    assert e32.dtype == torch.float32
    assert float(e32) == pytest.approx(float(e64), rel=2e-5)


def test_batch_equals_separate_calls_with_mixed_sizes_and_boundaries():
    structures = [random_structure(s, n_atoms=n, length=8.0 + s) for s, n in [(0, 10), (1, 25), (2, 7), (3, 16)]]
    cells = [c for _, c, _ in structures]
    cells[2] = torch.zeros(3, 3, dtype=torch.float64)  # an open molecule inside the batch
    positions = torch.cat([p for p, _, _ in structures])
    charges = torch.cat([q for _, _, q in structures])
    batch = torch.cat([torch.full((len(p),), i) for i, (p, _, _) in enumerate(structures)])
    batched = ewald_energy(positions, torch.stack(cells), charges, batch=batch)
    separate = [ewald_energy(p, c if c.abs().sum() > 0 else None, q) for (p, _, q), c in zip(structures, cells)]
    assert batched.shape == (4,)
    np.testing.assert_allclose(batched.numpy(), torch.stack(separate).numpy(), rtol=1e-12)


def test_batched_forces_equal_separate_forces():
    structures = [random_structure(s, n_atoms=n) for s, n in [(0, 9), (1, 14)]]
    positions = torch.cat([p for p, _, _ in structures]).requires_grad_(True)
    charges = torch.cat([q for _, _, q in structures])
    batch = torch.tensor([0] * 9 + [1] * 14)
    cells = torch.stack([c for _, c, _ in structures])
    (grad,) = torch.autograd.grad(ewald_energy(positions, cells, charges, batch=batch).sum(), positions)
    for i, (p, c, q) in enumerate(structures):
        p = p.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(ewald_energy(p, c, q), p)
        np.testing.assert_allclose(grad[batch == i].numpy(), g.numpy(), rtol=1e-11, atol=1e-13)
