"""Full neighbour lists from vesin on the positions' device, with pair vectors recomputed in torch (differentiable)."""

from __future__ import annotations

import torch
import vesin


def _is_open(cell: torch.Tensor | None) -> bool:
    return cell is None or not bool(torch.any(cell != 0))


def neighbor_list(
    positions: torch.Tensor,
    cell: torch.Tensor | None,
    cutoff: float,
    batch: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """All ordered pairs (i, j), i ≠ j or periodic images, with |r_ij| < ``cutoff`` (Å).

    positions (N, 3) Å; cell (3, 3) (rows are lattice vectors), or (B, 3, 3) with ``batch`` (N,)
    giving each atom's structure (non-decreasing, structures concatenated); ``None`` or an all-zero
    cell means open boundaries. Returns centres i (M,), neighbours j (M,) as int64 and the vectors
    r_ij = r_j − r_i + S·cell (M, 3) in Å, differentiable w.r.t. positions and cell.
    """
    if batch is None:
        batch = torch.zeros(len(positions), dtype=torch.long, device=positions.device)
        cells = None if cell is None else cell[None]
    else:
        cells = cell
    counts = torch.bincount(batch).tolist() if len(batch) else []
    if cells is not None and len(cells) != len(counts):
        raise ValueError(f"{len(counts)} structures in batch but {len(cells)} cells")
    calculator = vesin.NeighborList(cutoff=float(cutoff), full_list=True)
    device = positions.device
    # vesin computes on the tensors' device (CPU or CUDA) and returns tensors there: no host copy
    points = positions.detach().to(torch.float64)
    empty = torch.zeros(0, dtype=torch.long, device=device)
    centres, neighbours, shift_list = [empty], [empty], [torch.zeros((0, 3), dtype=torch.long, device=device)]
    start = 0
    for index, count in enumerate(counts):
        structure_cell = None if cells is None else cells[index]
        open_boundaries = _is_open(structure_cell)
        box = (torch.zeros((3, 3), dtype=torch.float64, device=device) if open_boundaries
               else structure_cell.detach().to(torch.float64))
        i, j, shifts = calculator.compute(points[start:start + count], box, not open_boundaries, quantities="ijS")
        centres.append(i.to(torch.long) + start)
        neighbours.append(j.to(torch.long) + start)
        shift_list.append(shifts.to(torch.long))
        start += count
    i, j = torch.cat(centres), torch.cat(neighbours)
    vectors = positions[j] - positions[i]
    if cells is not None:
        shifts = torch.cat(shift_list).to(positions.dtype)
        vectors = vectors + torch.einsum("ma,mab->mb", shifts, cells[batch[i]])
    return i, j, vectors
