"""Full neighbour lists from vesin, with pair vectors recomputed in torch (differentiable)."""

from __future__ import annotations

import numpy as np
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
    points = positions.detach().cpu().to(torch.float64).numpy()
    centres, neighbours, shift_list = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros((0, 3), np.int64)]
    start = 0
    for index, count in enumerate(counts):
        structure_cell = None if cells is None else cells[index]
        open_boundaries = _is_open(structure_cell)
        box = np.zeros((3, 3)) if open_boundaries else structure_cell.detach().cpu().to(torch.float64).numpy()
        i, j, shifts = calculator.compute(points[start:start + count], box, not open_boundaries, quantities="ijS")
        centres.append(i.astype(np.int64) + start)
        neighbours.append(j.astype(np.int64) + start)
        shift_list.append(shifts.astype(np.int64))
        start += count
    device = positions.device
    i = torch.from_numpy(np.concatenate(centres)).to(device)
    j = torch.from_numpy(np.concatenate(neighbours)).to(device)
    vectors = positions[j] - positions[i]
    if cells is not None:
        shifts = torch.from_numpy(np.concatenate(shift_list)).to(device=device, dtype=positions.dtype)
        vectors = vectors + torch.einsum("ma,mab->mb", shifts, cells[batch[i]])
    return i, j, vectors
