r"""LES reciprocal-space energy, batched over structures with any triclinic cells.

.. math::
    E = \frac{1}{2\varepsilon_0 V}\sum_{0<|k|\le k_c} \frac{e^{-\sigma^2k^2/2}}{k^2}|S(k)|^2
        - [\text{remove\_self}]\;\frac{1}{2\varepsilon_0}\sum_i\frac{q_i^2}{\sigma(2\pi)^{3/2}},
    \qquad S(k)=\sum_i q_i e^{ik\cdot r_i},\quad k_c = 2\pi/d_l.

k = n·G with G = 2π (cell⁻¹)ᵀ (rows of ``cell`` are lattice vectors a_i). The LES reference
enumerates n ∈ [−N_i, N_i] with N_i = max(1, int(|a_i|/dl)) and sums one half space with weight 2.
Because n_i = k·a_i/(2π), every k of the sphere |k| ≤ 2π/dl has |n_i| ≤ |a_i|/dl: the box never cuts
the sphere, so the model is "all reciprocal-lattice vectors with 0 < |k| ≤ k_c", which is also what
the PME back-end evaluates.

Evaluation: with fractional phases θ_ia = 2π s_ia, e^{ik·r} = e^{i n1 θ1} e^{i n2 θ2} e^{i n3 θ3}.
Per-axis tables of exp(i m θ) give, for every (n1, n2) pair of the half plane, the charge-weighted
phase A_p(i) = q_i e^{i(n1θ1+n2θ2)}; then S(n1, n2, ·) for all n3 is one complex matrix product with
the third table. The cost is O(N·P) elementwise plus an O(N·P·M3) GEMM (P pairs, M3 = 2N3+1) instead of
K·N sines and cosines, and nothing of size K × N is stored for the backward pass.
Charge channels (N, C) add their energies.
"""

from __future__ import annotations

import math
from functools import lru_cache

import torch

from .inputs import require_grid_memory

#: Relative tolerance on |k|² ≤ k_c² so that k-vectors lying on the sphere are kept in any dtype.
KCUT_RTOL = 1e-10
#: Target size in bytes of one (structures × pairs × atoms) complex block of the structure factor:
#: small enough to stay in a 1 MiB L2 cache through the elementwise products and their gradients.
BLOCK_BYTES = 2**18
#: Largest number of (padded) atoms evaluated in one vectorised group of structures.
ATOMS_PER_GROUP = 4096
#: Bytes per box vector and structure while the grid is built (integer vector, k in float64, mask).
GRID_BYTES_PER_VECTOR = 3 * 8 + 3 * 8 + 8


def reciprocal_lattice(cell: torch.Tensor) -> torch.Tensor:
    """Rows are reciprocal vectors b_j with a_i·b_j = 2π δ_ij; (…, 3, 3) → (…, 3, 3) in Å⁻¹."""
    return 2.0 * math.pi * torch.linalg.inv(cell).transpose(-1, -2)


def grid_extent(cell: torch.Tensor, dl: float) -> tuple[int, int, int]:
    """Largest N_i = max(1, int(|a_i|/dl)) over a batch of cells (B, 3, 3); ValueError (with the memory
    estimate) before allocating a grid of more than ``MAX_GRID_BYTES``."""
    with torch.no_grad():
        n_axis = torch.clamp(torch.floor(torch.linalg.norm(cell.detach().double(), dim=-1) / dl), min=1)
        n1, n2, n3 = (int(v) for v in n_axis.max(dim=0).values)
    needed = GRID_BYTES_PER_VECTOR * len(cell) * (n1 + 1) * (2 * n2 + 1) * (2 * n3 + 1)
    require_grid_memory(needed, cell, f"a LES k-space grid (dl = {dl} Å)")
    return n1, n2, n3


@lru_cache(maxsize=32)
def _box_grid(n1: int, n2: int, n3: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Integer vectors for n1 ∈ [0, N1], n2 ∈ [−N2, N2] (flattened to P pairs) and n3 ∈ [−N3, N3].

    Returns n (P, M3, 3) and the half-space mask (P, M3): n1 > 0, or n1 = 0 and n2 > 0, or
    n1 = n2 = 0 and n3 > 0.
    """
    a = torch.arange(0, n1 + 1, device=device)
    b = torch.arange(-n2, n2 + 1, device=device)
    c = torch.arange(-n3, n3 + 1, device=device)
    grid = torch.stack(torch.meshgrid(a, b, c, indexing="ij"), dim=-1).reshape(len(a) * len(b), len(c), 3)
    x, y, z = grid.unbind(-1)
    upper = (x > 0) | ((x == 0) & (y > 0)) | ((x == 0) & (y == 0) & (z > 0))
    return grid, upper


def kspace_weights(cell: torch.Tensor, dl: float, sigma: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Half-space weights 2 e^{−σ²k²/2}/k² on a grid of (n1, n2) pairs × n3, zero outside the sphere.

    cell (B, 3, 3) → (n (P, M3, 3) int64, weights (B, P, M3)), differentiable in the cell. Only pairs
    with at least one vector inside the sphere (for some cell of the batch) are kept. Which vectors
    count is decided in float64, so float32 and float64 sum over the same set.
    """
    n, upper = _box_grid(*grid_extent(cell, dl), str(cell.device))
    k_cut_sq = (2.0 * math.pi / dl) ** 2 * (1.0 + KCUT_RTOL)
    with torch.no_grad():
        k64 = torch.einsum("pmj,bjx->bpmx", n.double(), reciprocal_lattice(cell.detach().double()))
        keep = upper & ((k64 * k64).sum(-1) <= k_cut_sq)
        pairs = keep.any(dim=2).any(dim=0)
    n, keep = n[pairs], keep[:, pairs]
    k = torch.einsum("pmj,bjx->bpmx", n.to(cell.dtype), reciprocal_lattice(cell))
    k_sq = torch.where(keep, (k * k).sum(-1), torch.ones((), dtype=k.dtype))
    zero = torch.zeros((), dtype=k.dtype)
    return n, torch.where(keep, 2.0 * torch.exp(-0.5 * sigma**2 * k_sq) / k_sq, zero)


def les_kvectors(cell: torch.Tensor, dl: float) -> torch.Tensor:
    """The half-space k-vectors (K, 3) in Å⁻¹ that the LES sum uses for one cell (3, 3)."""
    n, upper = _box_grid(*grid_extent(cell[None], dl), str(cell.device))
    k = n.to(cell.dtype) @ reciprocal_lattice(cell)
    k_cut_sq = (2.0 * math.pi / dl) ** 2 * (1.0 + KCUT_RTOL)
    return k[upper & ((k * k).sum(-1) <= k_cut_sq)]


def _phase_table(theta: torch.Tensor, orders: torch.Tensor) -> torch.Tensor:
    """exp(i m θ) for every order m: theta (B, N), orders (M,) → complex (B, M, N)."""
    angle = orders.to(theta.dtype)[None, :, None] * theta[:, None, :]
    return torch.polar(torch.ones_like(angle), angle)


def structure_factor_power(fractional: torch.Tensor, charges: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """|S(k)|² summed over charge channels on a pair grid.

    fractional (B, N, 3) fractional coordinates, charges (B, N, C), n (P, M3, 3) from
    :func:`kspace_weights` (every row shares one (n1, n2); columns run over n3 ∈ [−N3, N3])
    → (B, P, M3). With T_a[m, i] = exp(i m θ_ia): A_p(i) = q_i T_1[n1, i] T_2[n2, i] and
    S(n1, n2, n3) = Σ_i A_p(i) T_3[n3, i], one complex batched GEMM. Channels are evaluated as extra
    structures. Pairs are processed in blocks of about ``BLOCK_BYTES`` so that the
    elementwise work stays in cache.
    """
    n_batch, n_atoms, n_channels = charges.shape
    if n_channels > 1:
        power = structure_factor_power(
            fractional.repeat_interleave(n_channels, dim=0), charges.transpose(1, 2).reshape(-1, n_atoms, 1), n
        )
        return power.unflatten(0, (n_batch, n_channels)).sum(1)
    theta = 2.0 * math.pi * fractional
    n1, n2 = n[:, 0, 0], n[:, 0, 1]
    n2_max = int(n2.abs().max())
    device = n.device
    weighted_t1 = _phase_table(theta[..., 0], torch.arange(0, int(n1.max()) + 1, device=device)) * charges.transpose(1, 2)
    t2 = _phase_table(theta[..., 1], torch.arange(-n2_max, n2_max + 1, device=device))
    t3 = _phase_table(theta[..., 2], n[0, :, 2]).transpose(1, 2)  # (B, N, M3)
    # at least M3 pairs per block: each block's GEMM re-reads the (N, M3) table t3
    step = max(t3.shape[-1], BLOCK_BYTES // (t2.element_size() * n_batch * n_atoms))
    blocks = []
    for start in range(0, len(n1), step):
        pairs = slice(start, start + step)
        a = weighted_t1[:, n1[pairs]] * t2[:, n2[pairs] + n2_max]  # (B, p, N)
        s = torch.view_as_real(torch.bmm(a, t3))  # (B, p, M3, 2)
        blocks.append((s * s).sum(-1))
    return blocks[0] if len(blocks) == 1 else torch.cat(blocks, dim=1)


def self_energy(charges_sq_sum: torch.Tensor, sigma: float, half_inv_eps0: float) -> torch.Tensor:
    """(1/(2ε0)) Σ q_i²/(σ(2π)^{3/2}) in eV, from Σ q_i² per structure."""
    return half_inv_eps0 * charges_sq_sum / (sigma * (2.0 * math.pi) ** 1.5)


def kspace_energy(
    positions: torch.Tensor,
    cell: torch.Tensor,
    charges: torch.Tensor,
    sigma: float,
    dl: float,
    remove_self_interaction: bool,
    half_inv_eps0: float,
) -> torch.Tensor:
    """LES k-space energy (eV) of padded periodic structures.

    positions (B, N, 3) Å, cell (B, 3, 3) Å, charges (B, N, C) e with zeros at padding → (B,).
    Structures are evaluated together in groups of at most ``ATOMS_PER_GROUP`` padded atoms: batching
    removes per-call overhead, which dominates for small cells, while large cells are compute-bound
    and run one group each so that their tables stay in cache.
    """
    group = max(1, ATOMS_PER_GROUP // max(1, positions.shape[1]))
    energies = [
        _kspace_energy_group(positions[i : i + group], cell[i : i + group], charges[i : i + group], sigma, dl, half_inv_eps0)
        for i in range(0, positions.shape[0], group)
    ]
    energy = energies[0] if len(energies) == 1 else torch.cat(energies)
    if remove_self_interaction:
        energy = energy - self_energy((charges * charges).sum(dim=(1, 2)), sigma, half_inv_eps0)
    return energy


def _kspace_energy_group(positions, cell, charges, sigma: float, dl: float, half_inv_eps0: float) -> torch.Tensor:
    """Reciprocal-space sum without the self term for one group of structures, (B,) in eV."""
    n, weights = kspace_weights(cell, dl, sigma)
    fractional = torch.bmm(positions, torch.linalg.inv(cell))
    power = structure_factor_power(fractional, charges, n)
    volume = torch.linalg.det(cell).abs()
    return half_inv_eps0 * (weights * power).sum(dim=(1, 2)) / volume
