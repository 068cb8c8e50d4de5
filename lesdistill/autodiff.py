"""Energy, forces and stress of any differentiable energy function by the strain derivative."""

from __future__ import annotations

from collections.abc import Callable

import torch


def energy_forces_stress(
    energy_fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    positions: torch.Tensor,
    cell: torch.Tensor,
    *,
    batch: torch.Tensor | None = None,
    create_graph: bool = False,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Energy (eV), forces (N, 3) eV/Å and stress (3, 3) eV/Å³ of ``energy_fn(positions, cell)``.

    With ``batch`` (N,) and cells (B, 3, 3), ``energy_fn`` returns (B,) energies and the stress is
    (B, 3, 3). A symmetric strain ε deforms positions and cell (r → r(1+ε), cell → cell(1+ε)); the
    stress is (1/V) ∂E/∂ε as in ASE (positive when the system would shrink).
    """
    positions = positions.detach().requires_grad_(True)
    cells = cell if batch is not None else cell[None]
    strain = torch.zeros(cells.shape[0], 3, 3, dtype=positions.dtype, device=positions.device, requires_grad=True)
    deformation = torch.eye(3, dtype=positions.dtype, device=positions.device) + 0.5 * (strain + strain.transpose(1, 2))
    atom_deformation = deformation[batch] if batch is not None else deformation[0].expand(len(positions), 3, 3)
    strained_positions = torch.bmm(positions[:, None, :], atom_deformation)[:, 0]
    strained_cells = torch.bmm(cells, deformation)
    energy = energy_fn(strained_positions, strained_cells if batch is not None else strained_cells[0])
    d_positions, d_strain = torch.autograd.grad(energy.sum(), (positions, strain), create_graph=create_graph)
    stress = d_strain / torch.linalg.det(cells).abs()[:, None, None]
    return energy, -d_positions, stress if batch is not None else stress[0]
