r"""LES energy with open boundaries: the erf-damped pair sum, batched over padded structures.

.. math::
    E = \frac12\sum_{i\ne j}\frac{q_iq_j\,\mathrm{erf}(r_{ij}/(\sqrt2\sigma))}{4\pi\varepsilon_0 r_{ij}}
        + [\text{not remove\_self}]\;\frac{1}{2\varepsilon_0}\sum_i\frac{q_i^2}{\sigma(2\pi)^{3/2}}

The self term is the r → 0 limit of the pair kernel, so with ``remove_self_interaction=False`` both
boundary conditions describe the same Gaussian charges. Cost and memory O(N²) per structure.
"""

from __future__ import annotations

import math

import torch

from .kspace import self_energy


def open_energy(
    positions: torch.Tensor,
    charges: torch.Tensor,
    atom_mask: torch.Tensor,
    sigma: float,
    remove_self_interaction: bool,
    half_inv_eps0: float,
) -> torch.Tensor:
    """positions (B, N, 3) Å, charges (B, N, C) e, atom_mask (B, N) → energies (B,) in eV."""
    n_atoms = positions.shape[1]
    eye = torch.eye(n_atoms, dtype=torch.bool, device=positions.device)
    pair = atom_mask.unsqueeze(2) & atom_mask.unsqueeze(1) & ~eye
    diff = positions.unsqueeze(2) - positions.unsqueeze(1)
    r_sq = torch.where(pair, (diff * diff).sum(-1), torch.ones((), dtype=positions.dtype))
    r = torch.sqrt(r_sq)
    kernel = torch.where(pair, torch.erf(r / (math.sqrt(2.0) * sigma)) / r, torch.zeros((), dtype=r.dtype))
    charge_products = torch.bmm(charges, charges.transpose(1, 2))
    coulomb = half_inv_eps0 / (2.0 * math.pi)
    energy = 0.5 * coulomb * (charge_products * kernel).sum(dim=(1, 2))
    if not remove_self_interaction:
        energy = energy + self_energy((charges * charges).sum(dim=(1, 2)), sigma, half_inv_eps0)
    return energy
