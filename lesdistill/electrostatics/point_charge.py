r"""Converged electrostatics of fixed point charges (reference models), through torch-pme.

Periodic: full Ewald summation (real space over a vesin neighbour list + reciprocal space) with
torch-pme's :class:`~torchpme.EwaldCalculator` or :class:`~torchpme.PMECalculator` and
:class:`~torchpme.CoulombPotential`; a net charge gets torch-pme's neutralising background.
Open boundaries: the bare Coulomb pair sum. Unlike the LES energy there is no Gaussian smearing and
no k-space truncation: this is the physical 1/r interaction, converged to ``accuracy``.

Parameters from the textbook error estimates: real-space cutoff r_c, Ewald splitting width
s = r_c/√(2 ln(1/accuracy)) (real-space error ~ erfc(r_c/(√2 s))), reciprocal cutoff
k_max = √(2 ln(1/accuracy))/s (reciprocal error ~ exp(−s²k²/2)).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import vesin
from torchpme import CoulombPotential, EwaldCalculator, PMECalculator

from .constants import coulomb_constant
from .inputs import check_inputs, require_grid_memory

POINT_CHARGE_METHODS = ("ewald", "pme")
#: Bytes per k-vector or mesh point in the memory estimate (a lower bound: vectors, factors, phases).
GRID_BYTES_PER_VECTOR = 128


def neighbor_pairs(positions: torch.Tensor, cell: torch.Tensor, cutoff: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Half neighbour list within ``cutoff`` Å from vesin: (i, j) pairs (M, 2) and distances (M,).

    Distances are recomputed in torch from the periodic shifts, so they are differentiable in
    positions and cell.
    """
    calculator = vesin.NeighborList(cutoff=cutoff, full_list=False)
    i, j, shifts = calculator.compute(
        points=positions.detach().cpu().double().numpy(),
        box=cell.detach().cpu().double().numpy(),
        periodic=True,
        quantities="ijS",
    )
    pairs = torch.from_numpy(np.stack([i, j], axis=1).astype(np.int64)).to(positions.device)
    shifts = torch.from_numpy(shifts.astype(np.float64)).to(positions.device, positions.dtype)
    vectors = positions[pairs[:, 1]] - positions[pairs[:, 0]] + shifts @ cell
    return pairs, torch.linalg.norm(vectors, dim=-1)


def point_charge_energy(
    positions,
    cell,
    charges,
    *,
    accuracy: float = 1e-8,
    cutoff: float = 6.0,
    method: str = "ewald",
    prefactor: str | float = "les",
) -> torch.Tensor:
    """Coulomb energy (eV) of fixed point charges (e) at positions (N, 3) Å in ``cell`` (3, 3) or open.

    ``accuracy`` sets the Ewald splitting from the real-space ``cutoff`` (Å); ``method`` is
    ``"ewald"`` or ``"pme"`` (mesh spacing s/2, 6 interpolation nodes, ~1e-5 relative). Differentiable in positions
    and cell (forces, stress).
    """
    if method not in POINT_CHARGE_METHODS:
        raise ValueError(f"method must be one of {POINT_CHARGE_METHODS}, got {method!r}")
    if not 0 < accuracy < 1:
        raise ValueError(f"accuracy must lie in (0, 1), got {accuracy}")
    if not cutoff > 0:
        raise ValueError(f"cutoff must be positive, got {cutoff}")
    flat = check_inputs(positions, cell, charges)
    positions, charges = flat.positions, flat.charges
    coulomb = coulomb_constant(prefactor)
    if not bool(flat.periodic[0]):
        diff = positions[:, None] - positions[None]
        upper = torch.triu(torch.ones(len(positions), len(positions), dtype=torch.bool, device=positions.device), 1)
        distance = torch.linalg.norm(diff[upper], dim=-1)
        products = (charges[:, None, :] * charges[None, :, :]).sum(-1)[upper]
        return coulomb * (products / distance).sum()

    box = flat.cells[0]
    log_term = math.sqrt(2.0 * math.log(1.0 / accuracy))
    width = cutoff / log_term
    potential = CoulombPotential(smearing=width, prefactor=coulomb)
    lengths = torch.linalg.norm(box.detach().double(), dim=-1)
    if method == "ewald":
        k_max = log_term / width
        vectors = math.prod(2 * math.ceil(float(length) * k_max / math.pi) + 1 for length in lengths)
        require_grid_memory(GRID_BYTES_PER_VECTOR * vectors, box, "an Ewald k-space grid")
        # torch-pme spans n ∈ [−L/λ, L/λ) per axis, i.e. |k| up to π/λ: λ = π/k_max reaches k_max
        calculator = EwaldCalculator(potential, lr_wavelength=math.pi / k_max)
    else:
        points = math.prod(math.ceil(float(length) / (width / 2.0)) for length in lengths)
        require_grid_memory(GRID_BYTES_PER_VECTOR * points, box, "a PME mesh")
        calculator = PMECalculator(potential, mesh_spacing=width / 2.0, interpolation_nodes=6)
    calculator.to(device=positions.device, dtype=positions.dtype)
    pairs, distances = neighbor_pairs(positions, box, cutoff)
    phi = calculator(charges, box, positions, pairs, distances)
    return (charges * phi).sum()
