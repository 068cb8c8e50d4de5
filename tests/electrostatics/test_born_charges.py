"""Polarization and Born effective charges: exact limits, finite differences, sum rules."""

from __future__ import annotations

import math

import torch

from lesdistill.electrostatics import born_effective_charges, polarization

from ..helpers import random_structure


def flux_charges(positions: torch.Tensor, base: torch.Tensor, width: float = 0.8, strength: float = 0.3) -> torch.Tensor:
    """Translation-invariant position-dependent charges: q_i = q0_i + α Σ_j q0_j exp(−r_ij²/(2w²))."""
    diff = positions[:, None] - positions[None]
    r_sq = (diff * diff).sum(-1)
    weights = torch.exp(-r_sq / (2 * width**2)) * (1 - torch.eye(len(positions), dtype=positions.dtype))
    return base + strength * weights @ base


def clustered_structure(seed: int, n_atoms: int, length: float, spread: float):
    """Atoms within ``spread`` Å of the centre of a cubic box of side ``length``."""
    generator = torch.Generator().manual_seed(seed)
    positions = length / 2 + spread * (torch.rand(n_atoms, 3, generator=generator, dtype=torch.float64) - 0.5)
    base = torch.randn(n_atoms, generator=generator, dtype=torch.float64)
    return positions, torch.eye(3, dtype=torch.float64) * length, base - base.mean()


def test_fixed_charges_give_q_times_identity_in_a_triclinic_cell():
    positions, cell, charges = random_structure(0, n_atoms=12, skew=0.6)
    bec = born_effective_charges(positions, cell, charges, epsilon_inf=1.78)
    expected = math.sqrt(1.78) * charges[:, None, None] * torch.eye(3, dtype=torch.float64)
    assert torch.allclose(bec, expected, atol=1e-12, rtol=0)


def test_remove_mean_subtracts_the_mean_charge():
    positions, cell, charges = random_structure(1, n_atoms=5, neutral=False)
    bec = born_effective_charges(positions, cell, charges)
    plain = born_effective_charges(positions, cell, charges, remove_mean=False)
    eye = torch.eye(3, dtype=torch.float64)
    assert torch.allclose(bec, (charges - charges.mean())[:, None, None] * eye, atol=1e-12)
    assert torch.allclose(plain, charges[:, None, None] * eye, atol=1e-12)


def polarization_jacobian(positions: torch.Tensor, cell, base: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    """Central differences ∂P_a/∂r_iβ (N, 3, 3) of the polarization with flux charges (complex if periodic)."""
    columns = {}
    for i in range(len(positions)):
        for beta in range(3):
            shift = torch.zeros_like(positions)
            shift[i, beta] = h
            plus = polarization(positions + shift, cell, flux_charges(positions + shift, base))
            minus = polarization(positions - shift, cell, flux_charges(positions - shift, base))
            columns[i, beta] = (plus - minus) / (2 * h)
    return torch.stack([torch.stack([columns[i, b] for b in range(3)], dim=-1) for i in range(len(positions))])


def test_open_bec_equals_finite_differences_of_the_dipole():
    positions, _, base = random_structure(2, n_atoms=7, length=4.0)
    p = positions.clone().requires_grad_(True)
    bec = born_effective_charges(p, None, flux_charges(p, base))
    charges = flux_charges(positions, base)
    fixed = (charges - charges.mean())[:, None, None] * torch.eye(3, dtype=torch.float64)
    assert (bec - fixed).abs().max() > 0.05  # the charge-flux term is really present
    assert torch.allclose(bec, polarization_jacobian(positions, None, base), atol=1e-8, rtol=0)


def test_periodic_bec_equals_dephased_finite_differences():
    positions, cell, base = random_structure(3, n_atoms=8, length=5.0, skew=0.5)
    p = positions.clone().requires_grad_(True)
    bec = born_effective_charges(p, cell, flux_charges(p, base))
    jacobian = polarization_jacobian(positions, cell, base)
    phase = torch.exp(2j * math.pi * (positions @ torch.linalg.inv(cell)))
    dephased = (jacobian * phase.conj()[:, :, None]).real
    numeric = torch.einsum("ac,nab->ncb", cell, dephased)
    assert torch.allclose(bec, numeric, atol=1e-8, rtol=0)


def test_periodic_bec_tends_to_open_bec_for_a_cluster_in_a_large_box():
    positions, cell, base = clustered_structure(4, n_atoms=6, length=300.0, spread=3.0)
    p = positions.clone().requires_grad_(True)
    periodic = born_effective_charges(p, cell, flux_charges(p, base))
    open_ = born_effective_charges(p, None, flux_charges(p, base))
    assert float((periodic - open_).abs().max()) <= 1e-3 * float(open_.abs().max())


def test_acoustic_sum_rule_open_is_exact():
    positions, _, base = random_structure(5, n_atoms=9, length=4.0)
    p = positions.clone().requires_grad_(True)
    bec = born_effective_charges(p, None, flux_charges(p, base, strength=0.5))
    assert float(bec.sum(0).abs().max()) <= 1e-12
    without_mean = born_effective_charges(p, None, flux_charges(p, base, strength=0.5), remove_mean=False)
    assert float(without_mean.sum(0).abs().max()) > 1e-3  # flux charges are not neutral by themselves


def test_acoustic_sum_rule_periodic_holds_for_short_ranged_charge_flux():
    """Per-atom dephasing makes the periodic rule hold to O((2π Δs)²) of the flux range Δs."""
    positions, cell, base = clustered_structure(6, n_atoms=8, length=40.0, spread=4.0)
    p = positions.clone().requires_grad_(True)
    bec = born_effective_charges(p, cell, flux_charges(p, base, width=0.6))
    assert float(bec.sum(0).abs().max()) <= 1e-2 * float(bec.abs().max())


def test_batched_bec_equals_separate_calls():
    structures = [random_structure(s, n_atoms=n, length=5.0) for s, n in [(7, 5), (8, 9)]]
    cells = torch.stack([structures[0][1], torch.zeros(3, 3, dtype=torch.float64)])
    positions = torch.cat([s[0] for s in structures]).requires_grad_(True)
    base = torch.cat([s[2] for s in structures])
    batch = torch.tensor([0] * 5 + [1] * 9)
    charges = torch.cat([flux_charges(positions[:5], base[:5]), flux_charges(positions[5:], base[5:])])
    batched = born_effective_charges(positions, cells, charges, batch=batch)
    for i, (sl, cell) in enumerate([(slice(0, 5), cells[0]), (slice(5, 14), None)]):
        p = positions[sl].detach().clone().requires_grad_(True)
        single = born_effective_charges(p, cell, flux_charges(p, base[sl]))
        assert torch.allclose(batched[sl], single, atol=1e-12)


def test_polarization_shapes_and_fixed_charge_dipole():
    positions, cell, charges = random_structure(9, n_atoms=6)
    dipole = polarization(positions, None, charges, epsilon_inf=4.0)
    assert torch.allclose(dipole, 2.0 * (charges - charges.mean()) @ positions)
    assert polarization(positions, cell, charges).dtype == torch.complex128

