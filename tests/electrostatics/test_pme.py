"""The PME back-end evaluates the same truncated LES model as the k-space sum."""

from __future__ import annotations

import pytest
import torch

from lesdistill.electrostatics import ewald_energy
from lesdistill.electrostatics.pme import DEFAULT_MESH_FRACTION, LESKernelPotential, mesh_shape

from ..helpers import random_structure


def energy_and_forces(positions, cell, charges, **options):
    p = positions.clone().requires_grad_(True)
    energy = ewald_energy(p, cell, charges, **options)
    (grad,) = torch.autograd.grad(energy, p)
    return energy.detach(), -grad


def water_like(seed: int, length: float = 12.43, n_molecules: int = 64, skew: float = 0.0):
    """Random O positions with H at ~1 Å, charges −0.82/+0.41, in a (possibly triclinic) box."""
    positions, cell, _ = random_structure(seed, n_atoms=n_molecules, length=length, skew=skew)
    generator = torch.Generator().manual_seed(seed + 100)
    offsets = torch.nn.functional.normalize(torch.randn(n_molecules, 2, 3, generator=generator, dtype=torch.float64), dim=-1)
    hydrogens = positions[:, None] + offsets
    all_positions = torch.cat([positions[:, None], hydrogens], dim=1).reshape(-1, 3)
    charges = torch.tensor([-0.82, 0.41, 0.41], dtype=torch.float64).repeat(n_molecules)
    return all_positions, cell, charges


@pytest.mark.parametrize("skew", [0.0, 0.3])
def test_pme_default_mesh_matches_kspace_within_documented_tolerance(skew):
    positions, cell, charges = water_like(0, skew=skew)
    e_k, f_k = energy_and_forces(positions, cell, charges)
    e_p, f_p = energy_and_forces(positions, cell, charges, method="pme")
    assert abs(float(e_p - e_k)) <= 1e-4 * abs(float(e_k))
    assert float((f_p - f_k).norm() / f_k.norm()) <= 1e-4


def test_pme_converges_to_the_kspace_sum_not_to_the_full_ewald_sum():
    positions, cell, charges = water_like(1)
    truncated = ewald_energy(positions, cell, charges, dl=2.0)
    converged = ewald_energy(positions, cell, charges, dl=0.5)
    errors = [abs(float(ewald_energy(positions, cell, charges, method="pme", mesh_spacing=h) - truncated))
              for h in (0.8, 0.5, 0.3)]
    assert errors[0] > errors[1] > errors[2]
    assert errors[2] <= 1e-6 * abs(float(truncated))
    # the truncation is part of the model: it differs from the converged sum far above PME error
    assert abs(float(converged - truncated)) > 100 * errors[1]


def test_pme_without_self_term_and_with_net_charge():
    positions, cell, charges = random_structure(2, n_atoms=30, length=9.0, neutral=False)
    for remove_self in (True, False):
        e_k = ewald_energy(positions, cell, charges, remove_self_interaction=remove_self)
        e_p = ewald_energy(positions, cell, charges, remove_self_interaction=remove_self, method="pme", mesh_spacing=0.2)
        assert float(e_p) == pytest.approx(float(e_k), rel=1e-6)


def test_pme_batch_and_open_structures():
    (p0, c0, q0), (p1, _, q1) = water_like(3, n_molecules=10, length=8.0), water_like(4, n_molecules=4, length=6.0)
    cells = torch.stack([c0, torch.zeros(3, 3, dtype=torch.float64)])
    batch = torch.tensor([0] * len(p0) + [1] * len(p1))
    pme = ewald_energy(torch.cat([p0, p1]), cells, torch.cat([q0, q1]), batch=batch, method="pme", mesh_spacing=0.2)
    assert float(pme[0]) == pytest.approx(float(ewald_energy(p0, c0, q0)), rel=1e-6)
    assert float(pme[1]) == pytest.approx(float(ewald_energy(p1, None, q1)), rel=1e-12)


def test_kernel_is_zero_beyond_the_les_cutoff():
    potential = LESKernelPotential(sigma=1.0, dl=2.0, coulomb_prefactor=1.0, remove_self_interaction=True)
    k_sq = torch.tensor([0.5, 3.14159**2, 3.1416**2 * 1.001, 20.0], dtype=torch.float64)
    kernel = potential.lr_from_k_sq(k_sq)
    assert bool((kernel[:2] > 0).all()) and bool((kernel[2:] == 0).all())


def test_mesh_resolves_the_cutoff_and_rejects_coarse_spacing():
    cell = torch.diag(torch.tensor([30.741, 33.939, 83.394], dtype=torch.float64))
    shape = mesh_shape(cell, DEFAULT_MESH_FRACTION * 2.0)
    assert bool(((torch.diagonal(cell) / shape) <= 0.4 + 1e-12).all())
    assert all(int(n) % 2 == 0 for n in shape)
    positions, cell, charges = random_structure(0)
    with pytest.raises(ValueError, match="mesh_spacing"):
        ewald_energy(positions, cell, charges, method="pme", mesh_spacing=1.5)
