"""Validation of kernel inputs and conversion of flat (PyG-style) batches to padded tensors.

Every electrostatics entry point accepts one structure (``positions`` (N, 3), ``cell`` (3, 3) or
``None``, ``charges`` (N,) or (N, C)) or many (``batch`` (N,) giving each atom's structure index,
non-decreasing, and ``cell`` (B, 3, 3)). A cell that is ``None`` or all zeros means open boundaries.
Internally structures are padded to (B, N_max, ...) so that no Python loop runs over them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

#: |det(cell)| below this (Å³) with a non-zero cell is rejected as singular.
SINGULAR_CELL_VOLUME = 1e-6


@dataclass(frozen=True)
class PaddedStructures:
    """Structures padded to a common atom count.

    positions: (B, N_max, 3) Å, zeros at padding; charges: (B, N_max, C) e, zeros at padding;
    atom_mask: (B, N_max) True for real atoms; cell: (B, 3, 3) Å (zeros for open structures);
    periodic: (B,) bool.
    """

    positions: torch.Tensor
    charges: torch.Tensor
    atom_mask: torch.Tensor
    cell: torch.Tensor
    periodic: torch.Tensor

    @property
    def n_structures(self) -> int:
        return self.positions.shape[0]


def _as_float_tensor(name: str, value, like: torch.Tensor | None = None) -> torch.Tensor:
    if isinstance(value, np.ndarray) or not isinstance(value, torch.Tensor):
        value = torch.as_tensor(np.asarray(value, dtype=np.float64))
        if like is not None:
            value = value.to(dtype=like.dtype, device=like.device)
    if not value.is_floating_point():
        value = value.to(torch.get_default_dtype() if like is None else like.dtype)
    if like is not None and value.dtype != like.dtype:
        value = value.to(like.dtype)
    if not bool(torch.isfinite(value).all()):
        raise ValueError(f"{name} contains NaN or infinite values")
    return value


def check_positions(positions) -> torch.Tensor:
    """Return positions as a floating tensor of shape (N, 3), or raise ValueError naming them."""
    positions = _as_float_tensor("positions", positions)
    if positions.dim() != 2 or positions.shape[1] != 3:
        raise ValueError(f"positions must have shape (N, 3), got {tuple(positions.shape)}")
    return positions


def check_charges(charges, positions: torch.Tensor) -> torch.Tensor:
    """Return charges as (N, C) in the dtype of positions, or raise ValueError naming them."""
    charges = _as_float_tensor("charges", charges, like=positions)
    if charges.dim() == 1:
        charges = charges.unsqueeze(-1)
    if charges.dim() != 2 or charges.shape[0] != positions.shape[0]:
        raise ValueError(
            f"charges must have shape (N,) or (N, C) with N = {positions.shape[0]} atoms as in "
            f"positions, got {tuple(charges.shape)}"
        )
    return charges


#: Largest reciprocal-space grid (bytes) an electrostatics routine may allocate; a larger cell is refused.
MAX_GRID_BYTES = 16 * 2**30


def require_grid_memory(needed_bytes: float, cell: torch.Tensor, what: str) -> None:
    """ValueError with the memory estimate when ``needed_bytes`` exceeds :data:`MAX_GRID_BYTES`
    (``cell`` (3, 3) or (B, 3, 3) Å names the cell, ``what`` the grid)."""
    if needed_bytes <= MAX_GRID_BYTES:
        return
    lengths = torch.linalg.norm(cell.detach().double().reshape(-1, 3, 3), dim=-1).amax(dim=0).tolist()
    raise ValueError(f"cell of {' × '.join(f'{x:.4g}' for x in lengths)} Å needs {what} of about "
                     f"{needed_bytes / 2**30:.3g} GiB (limit {MAX_GRID_BYTES / 2**30:.0f} GiB): the cell is far "
                     "too large")


def check_cells(cell, positions: torch.Tensor, n_structures: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Return (cells (B, 3, 3), periodic (B,)) from ``None``, (3, 3) or (B, 3, 3) input."""
    if cell is None:
        cells = positions.new_zeros(n_structures, 3, 3)
    else:
        cells = _as_float_tensor("cell", cell, like=positions)
        if cells.shape == (3, 3):
            cells = cells.unsqueeze(0).expand(n_structures, 3, 3)
        if cells.shape != (n_structures, 3, 3):
            raise ValueError(
                f"cell must have shape (3, 3) or (B, 3, 3) with B = {n_structures} structures, "
                f"got {tuple(cells.shape)}"
            )
    with torch.no_grad():
        periodic = cells.abs().sum(dim=(1, 2)) > 0
        volume = torch.linalg.det(cells.double()).abs()
        singular = periodic & (volume < SINGULAR_CELL_VOLUME)
    if bool(singular.any()):
        which = torch.nonzero(singular).flatten().tolist()
        raise ValueError(
            f"cell is singular (|det| < {SINGULAR_CELL_VOLUME} Å³) for structure(s) {which}; "
            "pass cell=None or an all-zero cell for open boundaries"
        )
    return cells, periodic


def check_batch(batch, n_atoms: int, n_structures: int | None, device) -> torch.Tensor:
    """Return a (N,) int64 structure index, checking it is non-decreasing and in range."""
    if batch is None:
        return torch.zeros(n_atoms, dtype=torch.long, device=device)
    batch = torch.as_tensor(batch, device=device)
    if batch.dtype.is_floating_point or batch.dim() != 1 or batch.shape[0] != n_atoms:
        raise ValueError(
            f"batch must be an integer tensor of shape ({n_atoms},), got dtype {batch.dtype} "
            f"and shape {tuple(batch.shape)}"
        )
    batch = batch.long()
    if n_atoms and bool((batch[1:] < batch[:-1]).any()):
        raise ValueError("batch must be non-decreasing (atoms of one structure contiguous)")
    if n_atoms and (int(batch[0]) < 0 or (n_structures is not None and int(batch[-1]) >= n_structures)):
        raise ValueError(
            f"batch values must lie in [0, {n_structures}), got {int(batch[0])}..{int(batch[-1])}"
        )
    return batch


@dataclass(frozen=True)
class Structures:
    """Validated flat inputs: positions (N, 3), charges (N, C), batch (N,), cells (B, 3, 3), periodic (B,)."""

    positions: torch.Tensor
    charges: torch.Tensor
    batch: torch.Tensor
    cells: torch.Tensor
    periodic: torch.Tensor


def check_inputs(positions, cell, charges, batch=None) -> Structures:
    """Validate one structure (``batch=None``) or a flat batch; raise ValueError naming the argument."""
    positions = check_positions(positions)
    charges = check_charges(charges, positions)
    n_atoms = positions.shape[0]
    if batch is None:
        n_structures = 1
    elif cell is not None and np.ndim(cell) == 3:
        n_structures = len(cell)
    else:
        n_structures = None
    batch = check_batch(batch, n_atoms, n_structures, positions.device)
    if n_structures is None:
        n_structures = int(batch[-1]) + 1 if n_atoms else 1
    cells, periodic = check_cells(cell, positions, n_structures)
    return Structures(positions, charges, batch, cells, periodic)


def pad_structures(positions, cell, charges, batch=None) -> PaddedStructures:
    """Validate inputs and pad them to (B, N_max, ...) tensors (differentiable)."""
    flat = check_inputs(positions, cell, charges, batch)
    positions, charges, batch = flat.positions, flat.charges, flat.batch
    n_structures, n_atoms = flat.cells.shape[0], positions.shape[0]
    if n_structures == 1:
        mask = torch.ones(1, n_atoms, dtype=torch.bool, device=positions.device)
        return PaddedStructures(positions[None], charges[None], mask, flat.cells, flat.periodic)
    counts = torch.bincount(batch, minlength=n_structures)
    first = torch.cumsum(counts, 0) - counts
    slot = torch.arange(n_atoms, device=positions.device) - first[batch]
    n_max = int(counts.max()) if n_atoms else 0
    pos_pad = positions.new_zeros(n_structures, n_max, 3).index_put((batch, slot), positions)
    q_pad = charges.new_zeros(n_structures, n_max, charges.shape[1]).index_put((batch, slot), charges)
    mask = torch.zeros(n_structures, n_max, dtype=torch.bool, device=positions.device)
    mask[batch, slot] = True
    return PaddedStructures(pos_pad, q_pad, mask, flat.cells, flat.periodic)
