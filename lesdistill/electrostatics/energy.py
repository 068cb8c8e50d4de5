"""The public LES energy: one entry point for periodic (k-space or PME) and open structures."""

from __future__ import annotations

import torch

from .constants import half_inv_eps0
from .inputs import pad_structures
from .kspace import kspace_energy
from .pme import pme_energy
from .realspace import open_energy

METHODS = ("kspace", "pme")


def ewald_energy(
    positions,
    cell,
    charges,
    sigma: float = 1.0,
    dl: float = 2.0,
    remove_self_interaction: bool = True,
    *,
    batch=None,
    method: str = "kspace",
    mesh_spacing: float | None = None,
    prefactor: str | float = "les",
) -> torch.Tensor:
    """LES electrostatic energy in eV, differentiable in positions, cell and charges.

    Args:
        positions: (N, 3) Å, all structures concatenated when ``batch`` is given.
        cell: (3, 3) Å with lattice vectors as rows, (B, 3, 3) for a batch; ``None`` or an
            all-zero cell means open boundaries (erf-damped pair sum).
        charges: (N,) or (N, C) latent charges in e; channels add their energies.
        sigma: Gaussian smearing σ in Å. dl: k-space resolution, k_c = 2π/dl (Å).
        remove_self_interaction: subtract the Gaussian self energy (periodic) / leave it out (open).
        batch: (N,) non-decreasing structure index; the result is then (B,) instead of a scalar.
        method: ``"kspace"`` (exact truncated sum, batched) or ``"pme"`` (torch-pme mesh, for
            large cells); open structures always use the pair sum.
        mesh_spacing: PME accuracy knob, the largest mesh spacing in Å (default 0.15·dl).
        prefactor: ``"les"`` (1/(2ε0) = 90.4756 eV·Å/e²), ``"legacy"`` (90.0474) or a number.
    """
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    if not dl > 0:
        raise ValueError(f"dl must be positive, got {dl}")
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    constant = half_inv_eps0(prefactor)
    padded = pad_structures(positions, cell, charges, batch)
    periodic = padded.periodic
    energy = padded.positions.new_zeros(padded.n_structures)

    if bool(periodic.any()):
        rows = torch.nonzero(periodic).flatten()
        pos, box, q = padded.positions[rows], padded.cell[rows], padded.charges[rows]
        if method == "kspace":
            part = kspace_energy(pos, box, q, sigma, dl, remove_self_interaction, constant)
        else:
            counts = padded.atom_mask[rows].sum(1)
            part = pme_energy(pos, box, q, counts, sigma, dl, remove_self_interaction, constant, mesh_spacing)
        energy = energy.index_put((rows,), part)
    if not bool(periodic.all()):
        rows = torch.nonzero(~periodic).flatten()
        part = open_energy(
            padded.positions[rows], padded.charges[rows], padded.atom_mask[rows], sigma, remove_self_interaction, constant
        )
        energy = energy.index_put((rows,), part)
    return energy if batch is not None else energy[0]
