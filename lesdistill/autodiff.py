"""Energy, forces and stress of any differentiable energy function by the strain derivative."""

from __future__ import annotations

from collections.abc import Callable

import torch


def energy_forces_stress(
    energy_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    positions: torch.Tensor,
    cell: torch.Tensor,
    *,
    create_graph: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Return (energy eV, forces (N, 3) eV/Å, stress (3, 3) eV/Å³) of ``energy_fn(positions, cell)``.

    A symmetric strain ε is applied to positions and cell (r → r(1+ε), cell → cell(1+ε)); the stress
    is (1/V) ∂E/∂ε as in ASE (positive when the system wants to shrink).
    """
    positions = positions.detach().requires_grad_(True)
    strain = torch.zeros(3, 3, dtype=positions.dtype, device=positions.device, requires_grad=True)
    deformation = torch.eye(3, dtype=positions.dtype, device=positions.device) + 0.5 * (strain + strain.T)
    energy = energy_fn(positions @ deformation, cell @ deformation)
    d_positions, d_strain = torch.autograd.grad(energy, (positions, strain), create_graph=create_graph)
    volume = torch.linalg.det(cell).abs()
    return energy, -d_positions, d_strain / volume
