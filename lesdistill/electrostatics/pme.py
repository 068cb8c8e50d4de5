r"""Mesh (PME) evaluation of the LES energy with torch-pme's interpolation and k-space filter.

Charges are spread onto a real-space mesh with torch-pme's :class:`MeshInterpolator` (P3M B-spline
assignment), filtered in k-space with LES's reciprocal kernel (:class:`LESKernelPotential`:
4π e^{−σ²k²/2}/k² for 0 < k ≤ k_c = 2π/dl, zero beyond) divided by the squared transform of the
assignment function (smooth-PME deconvolution, :class:`DeconvolvedKSpaceFilter`), and interpolated
back. There is no
real-space term, so the result is the same truncated model as :mod:`.kspace`, not the converged
Ewald sum; the one approximation is the interpolation, controlled by one knob, ``mesh_spacing``:
the largest distance (Å) between mesh points. The mesh must resolve k_c (``mesh_spacing ≤ dl/2``)
and the error falls steeply as it shrinks (see ``benchmarks/results/ewald.json``). The mesh sizes are
even 2·3·5-smooth numbers (fast FFTs), not powers of two as in torch-pme's own ``PMECalculator``,
which would double the mesh of a 30.7 × 33.9 × 83.4 Å cell. One structure per mesh: batches loop.
"""

from __future__ import annotations

import math

import torch
from torchpme import CoulombPotential
from torchpme.lib import KSpaceFilter, MeshInterpolator

from .kspace import KCUT_RTOL

#: Default mesh spacing as a fraction of dl: 0.15 × 2 Å = 0.3 Å gives ≲1e-7 relative energy and
#: ≲3e-5 relative RMS force errors against the k-space sum for water-like charges at σ = 1 Å
#: (benchmarks/ewald.py; 0.4 Å already reaches ~1e-4 in forces).
DEFAULT_MESH_FRACTION = 0.15
#: Nodes per axis of torch-pme's P3M (B-spline) charge assignment (1 to 5 allowed).
INTERPOLATION_NODES = 5


class LESKernelPotential(CoulombPotential):
    """Coulomb potential with the LES reciprocal kernel truncated at k_c = 2π/dl.

    No neutralising background (LES drops k = 0 and adds nothing for a net charge); the Gaussian
    self energy is subtracted only when ``remove_self_interaction``.
    """

    def __init__(self, sigma: float, dl: float, coulomb_prefactor: float, remove_self_interaction: bool):
        super().__init__(smearing=sigma, prefactor=coulomb_prefactor)
        self.k_cut_sq = (2.0 * math.pi / dl) ** 2 * (1.0 + KCUT_RTOL)
        self.remove_self_interaction = remove_self_interaction

    def lr_from_k_sq(self, k_sq: torch.Tensor) -> torch.Tensor:
        kernel = super().lr_from_k_sq(k_sq)
        return torch.where(k_sq <= self.k_cut_sq, kernel, torch.zeros_like(kernel))

    def self_contribution(self) -> torch.Tensor:
        full = super().self_contribution()
        return full if self.remove_self_interaction else torch.zeros_like(full)

    def background_correction(self) -> torch.Tensor:
        return torch.zeros_like(super().background_correction())


class DeconvolvedKSpaceFilter(KSpaceFilter):
    """torch-pme's k-space filter divided by the squared Fourier transform of the P3M assignment.

    U²(k) = Π_i sinc(θ_i/2)^{2p} with θ_i = k·a_i/n_i, the phase advance per mesh step along lattice
    vector a_i (exact for triclinic meshes), p the interpolation nodes: the smooth-PME deconvolution.
    """

    def __init__(self, cell, ns_mesh, kernel, interpolation_nodes: int):
        self.interpolation_nodes = interpolation_nodes
        super().__init__(cell, ns_mesh, kernel, fft_norm="backward", ifft_norm="forward")

    def update(self, cell=None, ns_mesh=None) -> None:
        self._prep_kvectors(cell, ns_mesh)
        theta = (self._kvectors @ self.cell.transpose(0, 1)) / self.ns_mesh.to(self._kvectors.dtype)
        assignment_sq = torch.prod(torch.sinc(theta / (2.0 * math.pi)), dim=-1) ** (2 * self.interpolation_nodes)
        self._kfilter = self.kernel.kernel_from_k_sq(self._k_sq) / assignment_sq


def _smooth_even(n: int) -> int:
    """Smallest even m ≥ n whose prime factors are 2, 3 and 5."""
    m = max(2, n + (n % 2))
    while True:
        r = m
        for p in (2, 3, 5):
            while r % p == 0:
                r //= p
        if r == 1:
            return m
        m += 2


def mesh_shape(cell: torch.Tensor, mesh_spacing: float) -> torch.Tensor:
    """Mesh points per lattice direction, (3,) int64, spacing ≤ mesh_spacing Å along each a_i."""
    lengths = torch.linalg.norm(cell.detach(), dim=-1).tolist()
    return torch.tensor([_smooth_even(math.ceil(a / mesh_spacing)) for a in lengths], device=cell.device)


def pme_energy(
    positions: torch.Tensor,
    cell: torch.Tensor,
    charges: torch.Tensor,
    counts: torch.Tensor,
    sigma: float,
    dl: float,
    remove_self_interaction: bool,
    half_inv_eps0: float,
    mesh_spacing: float | None = None,
) -> torch.Tensor:
    """PME estimate of the LES energy (eV) of padded periodic structures, (B,).

    positions (B, N, 3) Å, cell (B, 3, 3) Å, charges (B, N, C) e, counts (B,) atoms per structure.
    """
    spacing = DEFAULT_MESH_FRACTION * dl if mesh_spacing is None else float(mesh_spacing)
    if not 0 < spacing <= dl / 2:
        raise ValueError(
            f"mesh_spacing must lie in (0, dl/2 = {dl / 2}] Å so the mesh resolves k_c = 2π/dl, "
            f"got {spacing}"
        )
    potential = LESKernelPotential(sigma, dl, half_inv_eps0 / (2.0 * math.pi), remove_self_interaction)
    potential = potential.to(device=positions.device, dtype=positions.dtype)
    energies = []
    for b, n in enumerate(counts.tolist()):
        box, q = cell[b], charges[b, :n]
        shape = mesh_shape(box, spacing)
        interpolator = MeshInterpolator(box, shape, INTERPOLATION_NODES, method="P3M")
        interpolator.compute_weights(positions[b, :n])
        kfilter = DeconvolvedKSpaceFilter(box, shape, potential, INTERPOLATION_NODES)
        field = kfilter.forward(interpolator.points_to_mesh(q))
        phi = interpolator.mesh_to_points(field) / torch.linalg.det(box).abs()
        phi = phi - q * potential.self_contribution()
        energies.append(0.5 * (q * phi).sum())
    return torch.stack(energies)
